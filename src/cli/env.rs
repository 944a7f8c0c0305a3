//! Reading the environment (raw, as the OS holds it) and turning flag and variable values into
//! checked ones, each failure a line naming the variable or flag and the fix.

use std::ffi::OsString;
use std::net::IpAddr;
use std::time::Duration;

use crate::cli::args::example;
use crate::core::model::NodeType;
use crate::error::Error;
use crate::time::{format_duration, parse_duration};

/// One variable as the OS holds it, made a value: None when unset or blank (a stray space in
/// an environment file is not a value), an error naming it when it is not UTF-8. A trailing
/// carriage return (a CRLF environment file) is stripped with a warning, since a secret with
/// one fails authentication with no hint why. Neither message shows the value: it may be a
/// secret.
pub fn read_var(
    name: &str,
    raw: Option<OsString>,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, Error> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let value = raw.into_string().map_err(|_| {
        Error::Usage(format!(
            "{name} is set but is not valid UTF-8: write it as plain text (check the encoding of the file that sets it), or unset it"
        ))
    })?;
    let value = strip_cr(name, value, warnings);
    Ok(Some(value).filter(|v| !v.trim().is_empty()))
}

/// `value` without a trailing `\r` or `\r\n`, with a warning naming `what` if it had one.
pub fn strip_cr(what: &str, mut value: String, warnings: &mut Vec<String>) -> String {
    let kept = value.trim_end_matches('\n').trim_end_matches('\r').len();
    if kept < value.trim_end_matches('\n').len() {
        value.truncate(kept);
        warnings.push(format!(
            "Warning: {what} ends with a carriage return (a CRLF environment file?): ignoring it"
        ));
    }
    value
}

/// `12345`, or several as `1,2,3`: each once, in the order given.
pub fn parse_lb_ids(v: &str, what: &str) -> Result<Vec<u64>, Error> {
    let mut ids = Vec::new();
    if !v.contains(',') {
        return Ok(vec![parse_lb_id(v, what)?]);
    }
    for part in v.split(',') {
        let id = parse_lb_id(part, what).map_err(|_| {
            Error::Usage(format!(
                "{what} '{v}': '{}' is not a load balancer id: list numbers, e.g. 1,2,3",
                part.trim()
            ))
        })?;
        if ids.contains(&id) {
            return Err(Error::Usage(format!(
                "{what} '{v}' lists load balancer {id} twice: list each once"
            )));
        }
        ids.push(id);
    }
    Ok(ids)
}

fn parse_lb_id(v: &str, what: &str) -> Result<u64, Error> {
    match v.trim().parse::<u64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(Error::Usage(format!(
            "{what} '{v}' is not a load balancer id: use the number shown in the control panel, e.g. 12345 (several: 1,2,3)"
        ))),
    }
}

pub fn parse_port(v: &str, what: &str) -> Result<u16, Error> {
    match v.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(Error::Usage(format!(
            "{what} '{v}' is not a port: use a number from 1 to 65535"
        ))),
    }
}

pub fn parse_region(v: &str, what: &str) -> Result<String, Error> {
    let r = v.trim();
    if r.is_empty() || !r.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::Usage(format!(
            "{what} '{v}' is not a region code: use one like DFW, ORD, IAD, LON, SYD or HKG"
        )));
    }
    Ok(r.to_ascii_uppercase())
}

pub fn parse_ip(v: &str, what: &str) -> Result<IpAddr, Error> {
    let bad = |why: &str| {
        Error::Usage(format!(
            "{what} '{v}' {why}: give this host's address, e.g. 10.1.2.3 or 2001:db8::5"
        ))
    };
    let ip: IpAddr = v.trim().parse().map_err(|_| bad("is not an IP address"))?;
    if ip.is_unspecified() || ip.is_multicast() {
        return Err(bad("cannot be a node address"));
    }
    Ok(ip)
}

pub fn parse_duration_flag(v: &str, what: &str, max: Duration) -> Result<Duration, Error> {
    match parse_duration(v) {
        Some(d) if !d.is_zero() && d <= max => Ok(d),
        Some(d) if d.is_zero() => Err(Error::Usage(format!(
            "{what} '{v}' must be more than zero, e.g. {}",
            match what.strip_prefix('-').and_then(example) {
                Some(example) => example.to_string(),
                None => format!("{what}=30s"),
            }
        ))),
        Some(_) => Err(Error::Usage(format!(
            "{what} '{v}' is too long: at most {}",
            format_duration(max)
        ))),
        None => Err(Error::Usage(format!(
            "{what} '{v}' is not a duration: use seconds (30) or Go syntax (90s, 2m, 1m30s, 500ms)"
        ))),
    }
}

pub fn parse_weight(v: &str) -> Result<u32, Error> {
    match v.trim().parse::<u32>() {
        Ok(w @ 1..=100) => Ok(w),
        _ => Err(Error::Usage(format!(
            "-weight '{v}' is not a weight: use a whole number from 1 to 100"
        ))),
    }
}

pub fn parse_node_type(v: &str) -> Result<NodeType, Error> {
    match v.trim().to_ascii_uppercase().as_str() {
        "PRIMARY" => Ok(NodeType::Primary),
        "SECONDARY" => Ok(NodeType::Secondary),
        _ => Err(Error::Usage(format!(
            "-type '{v}' is not a node type: use PRIMARY or SECONDARY"
        ))),
    }
}
