//! The text of each line: cut from the file (line ends, indentation, comments, document
//! markers), then read as a `- item`, a `key: value` or a scalar.

use super::{Line, NOT_ENTRY, Refused, TAB, Value, refused};

/// The lines that hold content, with the document markers, blank lines and comment lines
/// taken out, and what can be refused on a line alone refused.
pub(super) fn lines(text: &str) -> Result<Vec<Line<'_>>, Refused> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let (mut started, mut ended) = (false, false);
    for (i, raw) in text.split('\n').enumerate() {
        let no = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        // YAML reads a lone CR, NEL and U+2028 as line breaks: a value holding one would
        // run onto another line.
        let odd = |c: char| c != '\t' && c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
        if let Some(c) = raw.chars().find(|&c| odd(c)) {
            let code = c as u32;
            return Err(refused(no, format!("a control character (U+{code:04X})")));
        }
        let body = raw.trim_start_matches(' ');
        if body.starts_with('\t') {
            return Err(refused(no, "a tab in the indentation"));
        }
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if body.len() == raw.len() {
            if marker(body, "---", no)? {
                if started || ended {
                    return Err(refused(no, "a second document (---)"));
                }
                started = true;
                continue;
            }
            if marker(body, "...", no)? {
                ended = true;
                continue;
            }
            if body.starts_with('%') {
                return Err(refused(no, format!("a directive ({})", word(body))));
            }
        }
        if ended {
            return Err(refused(no, "a second document (after ...)"));
        }
        started = true;
        out.push(Line {
            no,
            indent: raw.len() - body.len(),
            text: body,
        });
    }
    Ok(out)
}

/// Whether a line is the document marker `m` (`---` or `...`), alone or before a comment.
fn marker(body: &str, m: &str, no: usize) -> Result<bool, Refused> {
    let Some(rest) = body.strip_prefix(m) else {
        return Ok(false);
    };
    if !rest.is_empty() && !rest.starts_with(' ') {
        return Ok(false);
    }
    let rest = rest.trim_start_matches(' ');
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(true);
    }
    Err(refused(no, format!("a value on the '{m}' line")))
}

/// The first word of a construct, to name it in a refusal.
fn word(s: &str) -> &str {
    s.find(' ').map_or(s, |i| &s[..i])
}

/// Where an item's content starts after `- `, or None when the line is not an item.
pub(super) fn item(l: Line) -> Result<Option<usize>, Refused> {
    let Some(rest) = l.text.strip_prefix('-') else {
        return Ok(None);
    };
    let body = rest.trim_start_matches(' ');
    if body.starts_with('\t') {
        return Err(refused(l.no, TAB));
    }
    if !rest.is_empty() && body.len() == rest.len() {
        return Ok(None);
    }
    Ok(Some(l.text.len() - body.len()))
}

/// A `key: value` line's key and what follows its colon; None when the line holds no key.
pub(super) fn entry(l: Line<'_>) -> Result<Option<(String, &str)>, Refused> {
    let s = l.text;
    start(s, l.no)?;
    if s.starts_with(['"', '\'']) {
        let (key, rest) = quoted(s, l.no)?;
        return Ok(rest
            .trim_start_matches(' ')
            .strip_prefix(':')
            .filter(|r| r.is_empty() || r.starts_with([' ', '\t']))
            .map(|r| (key, r)));
    }
    let Some(at) = colon(s) else {
        return Ok(None);
    };
    let key = s[..at].trim_end_matches(' ');
    if key.contains('\t') {
        return Err(refused(l.no, TAB));
    }
    Ok(Some((key.to_string(), &s[at + 1..])))
}

/// The value written after a key's colon; None when there is none on the line.
pub(super) fn value(rest: &str, no: usize) -> Result<Option<Value>, Refused> {
    let s = rest.trim_start_matches(' ');
    if s.starts_with('\t') {
        return Err(refused(no, TAB));
    }
    if s.is_empty() || s.starts_with('#') {
        return Ok(None);
    }
    scalar(s, no).map(Some)
}

/// A scalar that takes the rest of its line, comment aside.
pub(super) fn scalar(s: &str, no: usize) -> Result<Value, Refused> {
    start(s, no)?;
    if s.starts_with(['"', '\'']) {
        let (text, rest) = quoted(s, no)?;
        let rest = rest.trim_start_matches(' ');
        if rest.starts_with('\t') {
            return Err(refused(no, TAB));
        }
        if !rest.is_empty() && !rest.starts_with('#') {
            return Err(refused(no, "text after the closing quote"));
        }
        return Ok(Value::Scalar { text, quoted: true });
    }
    let end = (1..s.len())
        .find(|&i| s.as_bytes()[i] == b'#' && s.as_bytes()[i - 1] == b' ')
        .unwrap_or(s.len());
    let text = s[..end].trim_end_matches(' ');
    if text.contains('\t') {
        return Err(refused(no, TAB));
    }
    if colon(text).is_some() {
        return Err(refused(no, "a ': ' inside a value (quote the value)"));
    }
    Ok(match text {
        "~" | "null" | "Null" | "NULL" => Value::Null,
        _ => Value::Scalar {
            text: text.to_string(),
            quoted: false,
        },
    })
}

/// Where a plain key ends: the first colon before a space or the end, ahead of any comment.
fn colon(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b':' if matches!(b.get(i + 1), None | Some(b' ' | b'\t')) => return Some(i),
            b'#' if i > 0 && b[i - 1] == b' ' => return None,
            _ => {}
        }
    }
    None
}

/// Refuses what YAML reads from a node's first character that peekaboo does not.
fn start(s: &str, no: usize) -> Result<(), Refused> {
    let b = s.as_bytes();
    let spaced = matches!(b.get(1), None | Some(b' ' | b'\t'));
    let what = match b[0] {
        b'&' => "an anchor",
        b'*' => "an alias",
        b'!' => "a tag",
        b'|' | b'>' => "a block scalar",
        b'?' if spaced => "a complex key",
        b'[' | b']' => return Err(refused(no, "a flow sequence ([...])")),
        b'{' | b'}' => return Err(refused(no, "a flow mapping ({...})")),
        b'-' if spaced => return Err(refused(no, "a '- item' on its key's line")),
        b':' if spaced => return Err(refused(no, NOT_ENTRY)),
        b',' | b'%' | b'@' | b'`' => "a value starting with a reserved character",
        _ => return Ok(()),
    };
    Err(refused(no, format!("{what} ({})", word(s))))
}

/// The quoted scalar that starts `s` (at its quote), and what follows its closing quote.
fn quoted(s: &str, no: usize) -> Result<(String, &str), Refused> {
    let q = s.as_bytes()[0] as char;
    let mut text = String::new();
    let mut it = s.char_indices().skip(1);
    while let Some((i, c)) = it.next() {
        if c == q {
            if q == '\'' && s[i + 1..].starts_with('\'') {
                it.next();
                text.push('\'');
                continue;
            }
            return Ok((text, &s[i + 1..]));
        }
        if c != '\\' || q == '\'' {
            text.push(c);
            continue;
        }
        // A backslash ending the line continues the value on the next one.
        let Some((_, e)) = it.next() else { break };
        let bad = || refused(no, format!("an invalid escape (\\{e})"));
        text.push(match e {
            '0' => '\0',
            'a' => '\x07',
            'b' => '\x08',
            't' | '\t' => '\t',
            'n' => '\n',
            'v' => '\x0b',
            'f' => '\x0c',
            'r' => '\r',
            'e' => '\x1b',
            ' ' | '"' | '/' | '\\' => e,
            'N' => '\u{85}',
            '_' => '\u{a0}',
            'L' => '\u{2028}',
            'P' => '\u{2029}',
            'x' | 'u' | 'U' => {
                let digits = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut code = 0;
                for _ in 0..digits {
                    let d = it.next().and_then(|(_, h)| h.to_digit(16));
                    code = code * 16 + d.ok_or_else(bad)?;
                }
                char::from_u32(code).ok_or_else(bad)?
            }
            _ => return Err(bad()),
        });
    }
    Err(refused(
        no,
        "a quoted value not closed on its line (a multi-line scalar)",
    ))
}
