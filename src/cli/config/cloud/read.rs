//! One cloud's mapping read for what peekaboo uses of it: each key checked for its shape,
//! and for its words where it takes a few, so an error names the file and the line.

use std::path::Path;

use super::{KEYS, Setting};
use crate::error::Error;
use crate::yaml::{self, Node, Value};

pub(super) fn parse(file: &Path, text: &str) -> Result<Node, Error> {
    yaml::parse(text).map_err(|r| {
        Error::Usage(format!(
            "{}:{}: {} is YAML peekaboo does not read (it reads block mappings and lists, plain and quoted values, and comments): write it in that form, or set OS_* variables instead of OS_CLOUD",
            file.display(),
            r.line,
            r.construct
        ))
    })
}

/// The `clouds` mapping of a file, if it has one.
fn clouds(file: &Path, root: &Node) -> Result<Option<Vec<(String, Node)>>, Error> {
    match root.get("clouds") {
        None => Ok(None),
        Some(Node {
            value: Value::Map(m),
            ..
        }) => Ok(Some(m.clone())),
        Some(Node {
            value: Value::Null, ..
        }) => Ok(Some(Vec::new())),
        Some(n) => Err(shape(
            &file.display().to_string(),
            n.line,
            "clouds",
            "a mapping of clouds by name",
        )),
    }
}

pub(super) fn cloud_in(file: &Path, text: &str, name: &str) -> Result<Option<Node>, Error> {
    let root = parse(file, text)?;
    Ok(clouds(file, &root)?.and_then(|m| m.into_iter().find(|(k, _)| k == name).map(|(_, n)| n)))
}

pub(super) fn clouds_in(file: &Path, text: &str) -> Result<Vec<String>, Error> {
    let root = parse(file, text)?;
    Ok(clouds(file, &root)?
        .unwrap_or_default()
        .into_iter()
        .map(|(k, _)| k)
        .collect())
}

fn shape(file: &str, line: usize, key: &str, want: &str) -> Error {
    Error::Usage(format!(
        "{file}:{line}: {key} must be {want}: correct it, or set OS_* variables instead of OS_CLOUD"
    ))
}

/// The keys peekaboo reads from one cloud's mapping (others are ignored), each checked for
/// its shape, and the regions it names.
pub(super) fn read_cloud(
    node: &Node,
    file: &str,
    cloud: &str,
) -> Result<(Vec<Setting>, Vec<String>), Error> {
    let Value::Map(top) = &node.value else {
        return Err(shape(
            file,
            node.line,
            &format!("cloud '{cloud}'"),
            "a mapping",
        ));
    };
    let mut settings = Vec::new();
    for (key, value) in top {
        match key.as_str() {
            "auth" => match &value.value {
                Value::Map(auth) => {
                    for (k, v) in auth {
                        let key = format!("auth.{k}");
                        if known(&key) {
                            settings.push(setting(&key, v, file)?);
                        }
                    }
                }
                Value::Null => {}
                _ => {
                    return Err(shape(
                        file,
                        value.line,
                        "auth",
                        "a mapping of auth_url, username, password, …",
                    ));
                }
            },
            "verify" => verify(value, file)?,
            "regions" => {}
            k if known(k) && k != "region_name" => settings.push(setting(k, value, file)?),
            _ => {}
        }
    }
    Ok((settings, regions(top, file)?))
}

fn known(key: &str) -> bool {
    KEYS.iter().any(|(k, _)| *k == key) || matches!(key, "auth.domain_id" | "auth.domain_name")
}

fn setting(key: &str, node: &Node, file: &str) -> Result<Setting, Error> {
    let value = match &node.value {
        Value::Null => String::new(),
        _ => node
            .as_str()
            .ok_or_else(|| shape(file, node.line, key, "a single value"))?
            .to_string(),
    };
    if let Some(want) = refused(key, value.trim()) {
        return Err(Error::Usage(format!(
            "{file}:{}: {key} '{value}' is not one peekaboo takes: {want}, or set OS_* variables instead of OS_CLOUD",
            node.line
        )));
    }
    Ok(Setting {
        key: key.to_string(),
        value,
    })
}

/// For the keys that take one of a few words: what they must be, when `value` is not one.
/// Checked here, so the error names the file and line, not the variable the key stands for.
fn refused(key: &str, value: &str) -> Option<&'static str> {
    let lower = value.to_ascii_lowercase();
    let ok = match key {
        "auth_type" => matches!(
            lower.as_str(),
            "" | "password" | "v3password" | "v3applicationcredential"
        ),
        "interface" => matches!(
            lower.strip_suffix("url").unwrap_or(&lower),
            "" | "public" | "internal" | "admin"
        ),
        "identity_api_version" => matches!(lower.as_str(), "" | "3" | "3.0"),
        _ => return None,
    };
    match (ok, key) {
        (true, _) => None,
        (false, "auth_type") => Some("use password, v3password or v3applicationcredential"),
        (false, "interface") => Some("use public, internal or admin"),
        (false, _) => Some("peekaboo signs in to OpenStack with Keystone v3: use 3"),
    }
}

/// `verify: false` turns off what peekaboo never turns off.
fn verify(node: &Node, file: &str) -> Result<(), Error> {
    match node.as_bool() {
        Some(true) => Ok(()),
        Some(false) => Err(Error::Usage(format!(
            "{file}:{}: verify: false would turn TLS verification off, which peekaboo never does: point cacert at the CA that signed the endpoint's certificate, and drop verify",
            node.line
        ))),
        None => Err(shape(
            file,
            node.line,
            "verify",
            "true or false (a CA file goes in cacert)",
        )),
    }
}

/// `region_name`, then the names in `regions` (each a name, or a mapping with `name`).
fn regions(top: &[(String, Node)], file: &str) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    for (key, node) in top {
        match (key.as_str(), &node.value) {
            ("region_name", Value::Null) | ("regions", Value::Null) => {}
            ("region_name", _) => names.insert(0, setting("region_name", node, file)?.value),
            ("regions", Value::Seq(list)) => {
                for r in list {
                    let name = match r.get("name") {
                        Some(n) => n,
                        None => r,
                    };
                    let value = name
                        .as_str()
                        .ok_or_else(|| shape(file, r.line, "regions", "a list of region names"))?;
                    names.push(value.to_string());
                }
            }
            ("regions", _) => {
                return Err(shape(file, node.line, "regions", "a list of region names"));
            }
            _ => {}
        }
    }
    Ok(names)
}
