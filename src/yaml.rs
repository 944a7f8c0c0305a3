//! The YAML that clouds.yaml files are written in, and nothing more: block mappings and
//! sequences (PyYAML's indentless `- item` under a key included), plain and quoted scalars on
//! one line, comments, one document. The shipped binary keeps to its five crates, so every
//! other construct (anchors, aliases, tags, flow collections, multi-line scalars, a second
//! document) is refused with its line rather than read the way some other reader might.
//!
//! A line-by-line reader: each line is cut into its indentation and its text, and a mapping
//! or sequence is the run of lines at one indentation. `- key: value` is read by giving the
//! line a new indentation where its text starts, so the keys under it line up with it.

mod line;

use line::{entry, item, lines, scalar, value};

/// A value with the 1-based line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub line: usize,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Keys in file order (duplicates refused).
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
    /// `quoted`: written in quotes, so never a null or a boolean (`'false'` is text).
    Scalar {
        text: String,
        quoted: bool,
    },
    /// An empty value (`key:` with nothing after it), `~` or `null` (plain).
    Null,
}

/// Why a text is not YAML peekaboo reads: the line and what is there, in words for a user,
/// e.g. "an anchor (&name)", "a flow sequence ([...])", "a duplicate key 'auth'".
#[derive(Clone, Debug, PartialEq)]
pub struct Refused {
    pub line: usize,
    pub construct: String,
}

impl Node {
    /// The value under `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    /// A plain scalar read as a YAML 1.1 boolean the way PyYAML reads it: true, false, yes,
    /// no, on, off in lower case, capitalised or upper case (PyYAML reads `tRUE` as text).
    /// None for anything else, quoted text included.
    pub fn as_bool(&self) -> Option<bool> {
        let Value::Scalar {
            text,
            quoted: false,
        } = &self.value
        else {
            return None;
        };
        match text.as_str() {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
            _ => None,
        }
    }

    /// A scalar's text, quoted or plain, numbers as written; None for anything else.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// A clouds.yaml is a few KiB; past this it is not one, and the work stays bounded.
pub const MAX_BYTES: usize = 1 << 20;
/// Nesting past this is no clouds.yaml either, and recursion stays shallow (its refusal
/// names the number).
const MAX_DEPTH: usize = 64;

const NOT_ENTRY: &str = "a line that is not 'key: value' or '- item'";
const MIXED: &str = "a mapping and a sequence mixed at one level";
const INDENT: &str = "a line at the wrong indentation";
const CONTINUED: &str = "a value continued on the next line (a multi-line scalar)";
const TAB: &str = "a tab outside quotes";

/// Reads `text` as one YAML document; an empty one (only comments) is a null on line 1.
pub fn parse(text: &str) -> Result<Node, Refused> {
    if text.len() > MAX_BYTES {
        return Err(refused(1, "a file over 1 MiB"));
    }
    let mut p = Parser {
        lines: lines(text)?,
        at: 0,
    };
    if p.lines.is_empty() {
        return Ok(Node {
            line: 1,
            value: Value::Null,
        });
    }
    let root = p.node(0)?;
    match p.lines.get(p.at) {
        Some(l) => Err(refused(l.no, after(&root))),
        None => Ok(root),
    }
}

/// One copy: inlined at each of its thirty-odd callers it cost about 450 bytes.
#[inline(never)]
fn refused(line: usize, construct: impl Into<String>) -> Refused {
    Refused {
        line,
        construct: construct.into(),
    }
}

/// A line with content: its number, its indentation in spaces and the text after it.
#[derive(Clone, Copy)]
struct Line<'a> {
    no: usize,
    indent: usize,
    text: &'a str,
}

/// Why a line deeper than the one before it cannot be read there.
fn after(node: &Node) -> &'static str {
    match node.value {
        Value::Scalar { .. } => CONTINUED,
        _ => INDENT,
    }
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    at: usize,
}

impl Parser<'_> {
    /// The node that starts at the current line, at its indentation.
    fn node(&mut self, depth: usize) -> Result<Node, Refused> {
        let l = self.lines[self.at];
        if depth > MAX_DEPTH {
            return Err(refused(l.no, "nesting deeper than 64 levels"));
        }
        if item(l)?.is_some() {
            return self.seq(l.indent, false, depth);
        }
        if entry(l)?.is_some() {
            return self.map(l.indent, depth);
        }
        self.at += 1;
        Ok(Node {
            line: l.no,
            value: scalar(l.text, l.no)?,
        })
    }

    /// The `key: value` lines at `indent`.
    fn map(&mut self, indent: usize, depth: usize) -> Result<Node, Refused> {
        let start = self.lines[self.at].no;
        let (mut entries, mut key_lines) = (Vec::new(), Vec::new());
        while let Some(&l) = self.lines.get(self.at).filter(|l| l.indent == indent) {
            if item(l)?.is_some() {
                return Err(refused(l.no, MIXED));
            }
            let Some((key, rest)) = entry(l)? else {
                // A more telling refusal when the line is a scalar YAML cannot read either.
                scalar(l.text, l.no)?;
                return Err(refused(l.no, NOT_ENTRY));
            };
            self.at += 1;
            let node = match value(rest, l.no)? {
                Some(value) => Node { line: l.no, value },
                None => self.under(l, true, depth)?,
            };
            self.deeper(indent, &node)?;
            entries.push((key, node));
            key_lines.push(l.no);
        }
        duplicate(&entries, &key_lines)?;
        Ok(Node {
            line: start,
            value: Value::Map(entries),
        })
    }

    /// The `- item` lines at `indent`; `indentless` when they are a key's value at the key's
    /// own indentation, so a key after them ends them rather than being out of place.
    fn seq(&mut self, indent: usize, indentless: bool, depth: usize) -> Result<Node, Refused> {
        let start = self.lines[self.at].no;
        let mut items = Vec::new();
        while let Some(&l) = self.lines.get(self.at).filter(|l| l.indent == indent) {
            let Some(off) = item(l)? else {
                if indentless {
                    break;
                }
                return Err(refused(l.no, MIXED));
            };
            let rest = &l.text[off..];
            let node = if rest.is_empty() || rest.starts_with('#') {
                self.at += 1;
                self.under(l, false, depth)?
            } else {
                // `- key: value`: the text after the dash is a node of its own, as deep as
                // where it starts, so the lines under it line up with it.
                self.lines[self.at] = Line {
                    indent: indent + off,
                    text: rest,
                    ..l
                };
                self.node(depth + 1)?
            };
            self.deeper(indent, &node)?;
            items.push(node);
        }
        Ok(Node {
            line: start,
            value: Value::Seq(items),
        })
    }

    /// The value of `key:` or `-` with nothing after it: the deeper lines that follow, a
    /// key's indentless sequence, or null.
    fn under(&mut self, l: Line, key: bool, depth: usize) -> Result<Node, Refused> {
        match self.lines.get(self.at) {
            Some(n) if n.indent > l.indent => self.node(depth + 1),
            Some(&n) if key && n.indent == l.indent && item(n)?.is_some() => {
                self.seq(n.indent, true, depth + 1)
            }
            _ => Ok(Node {
                line: l.no,
                value: Value::Null,
            }),
        }
    }

    /// Refuses a line deeper than the entry or item just read, which nothing can hold.
    fn deeper(&self, indent: usize, node: &Node) -> Result<(), Refused> {
        match self.lines.get(self.at) {
            Some(n) if n.indent > indent => Err(refused(n.no, after(node))),
            _ => Ok(()),
        }
    }
}

/// Refuses a key written twice, at its second line. PyYAML keeps the last silently; one of
/// the two is a mistake the user would want to hear of. Sorted, so a long mapping stays cheap.
fn duplicate(entries: &[(String, Node)], key_lines: &[usize]) -> Result<(), Refused> {
    let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    let Some(key) = keys.windows(2).find(|w| w[0] == w[1]).map(|w| w[0]) else {
        return Ok(());
    };
    let second = entries
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| k == key)
        .nth(1);
    let line = second.map_or(0, |(i, _)| key_lines[i]);
    Err(refused(line, format!("a duplicate key '{key}'")))
}

#[cfg(test)]
pub mod tests;
