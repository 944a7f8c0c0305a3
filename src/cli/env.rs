//! Reading the environment (raw, as the OS holds it) and turning flag and variable values into
//! checked ones, each failure a line naming the variable or flag and the fix.

use std::ffi::{OsStr, OsString};
use std::net::IpAddr;
use std::time::Duration;

use crate::backend::http::{printable, url_parses};
use crate::cli::args::example;
use crate::core::model::NodeType;
use crate::engine::{HealthCheck, Leave};
use crate::error::Error;
use crate::host::addr::Net;
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

/// How a required variable that gives no value is named in its error: `export OS_PASSWORD=`
/// sets it to nothing, which is another slip than leaving it out, and is fixed elsewhere.
pub fn missing(name: &str, raw: Option<&OsStr>) -> String {
    match raw {
        None => format!("{name} is not set"),
        Some(v) if v.is_empty() => format!("{name} is set but empty"),
        Some(_) => format!("{name} is set but blank"),
    }
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

/// `-weight`, 1 to `max`: Cloud Load Balancers take up to 100, Octavia up to 256. Zero is
/// refused with both: on Octavia it is how peekaboo drains, which -drain asks for.
pub fn parse_weight(v: &str, max: u32) -> Result<u32, Error> {
    match v.trim().parse::<u32>() {
        Ok(w) if (1..=max).contains(&w) => Ok(w),
        Ok(0) => Err(Error::Usage(format!(
            "-weight '{v}': weight 0 is a drain: use -drain (a weight is a whole number from 1 to {max})"
        ))),
        _ => Err(Error::Usage(format!(
            "-weight '{v}' is not a weight: use a whole number from 1 to {max}"
        ))),
    }
}

/// Octavia load balancers as `-lb` or LOAD_BALANCER_ID name them: ids or names, several
/// separated by commas, each once. A name with a space or a comma in it cannot be told from
/// a list or a typo, so such a load balancer is named by its id.
pub fn parse_lb_refs(v: &str, what: &str) -> Result<Vec<String>, Error> {
    let mut refs: Vec<String> = Vec::new();
    for part in v.split(',') {
        let r = part.trim();
        if r.is_empty() || r.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Usage(format!(
                "{what} '{}': '{}' is not a load balancer id or name: list ids or names without spaces, e.g. web-lb or web-lb,api-lb (a name with a space: use its id)",
                printable(v),
                printable(r)
            )));
        }
        if refs.iter().any(|seen| seen == r) {
            return Err(Error::Usage(format!(
                "{what} '{}' lists load balancer {r} twice: list each once",
                printable(v)
            )));
        }
        refs.push(r.to_string());
    }
    Ok(refs)
}

/// `-pool` or `-subnet`: one id or name, as Octavia or Neutron shows it.
pub fn parse_word(v: &str, what: &str, example: &str) -> Result<String, Error> {
    let w = v.trim();
    if w.is_empty() || w.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Usage(format!(
            "{what} '{}' is not an id or name: give one without spaces, e.g. {example}",
            printable(v)
        )));
    }
    Ok(w.to_string())
}

/// `-name` (or the label `what`): the member's name as given, 1 to 255 characters (Octavia's
/// limit), none of them a control character (it goes into a request body and onto -status
/// lines); None: not given.
pub fn parse_name(v: Option<&str>, what: &str) -> Result<Option<String>, Error> {
    let Some(v) = v else { return Ok(None) };
    let len = v.chars().count();
    let why = if len == 0 {
        "is empty".to_string()
    } else if len > 255 {
        format!("is {len} characters, and Octavia takes at most 255")
    } else if v.chars().any(char::is_control) {
        "holds a control character".to_string()
    } else {
        return Ok(Some(v.to_string()));
    };
    Err(Error::Usage(format!(
        "{what} '{}' {why}: give the member's name on one line, e.g. -name web-1",
        printable(v)
    )))
}

/// `-drain-from`: addresses or CIDR ranges, comma separated.
pub fn parse_nets(v: &str) -> Result<Vec<Net>, Error> {
    v.split(',')
        .map(|part| {
            Net::parse(part).ok_or_else(|| {
                Error::Usage(format!(
                    "-drain-from '{}': '{}' is not an address or CIDR range: give the load balancer's source addresses, e.g. -drain-from 10.0.0.0/24,2001:db8::/64",
                    printable(v),
                    printable(part.trim())
                ))
            })
        })
        .collect()
}

pub fn parse_node_type(v: &str) -> Result<NodeType, Error> {
    NodeType::from_word(v).ok_or_else(|| {
        Error::Usage(format!(
            "-type '{v}' is not a node type: use PRIMARY or SECONDARY"
        ))
    })
}

/// `-rise` and `-fall` at most: 1000 probes at the default 5 s interval are over an hour, more
/// than anyone means to wait before a node moves, so a larger number is far likelier a slip
/// (a duration in milliseconds, a digit too many) than a wish.
pub const MAX_COUNT: u32 = 1000;

/// `-rise` or `-fall`: how many probes in a row.
pub fn parse_count(v: &str, what: &str) -> Result<u32, Error> {
    match v.trim().parse::<u32>() {
        Ok(n @ 1..=MAX_COUNT) => Ok(n),
        _ => Err(Error::Usage(format!(
            "{what} '{v}' is not a count: use a whole number from 1 to {MAX_COUNT}"
        ))),
    }
}

/// `-health`: `tcp` in any case, `/PATH` (a GET of that path on the node's own address and
/// port), or an http(s) URL ureq can send a GET to. Plain http is
/// fine anywhere: a probe carries no credentials, and a URL that would carry some (`user:pass@`)
/// is refused, since the URL is logged.
pub fn parse_health(v: &str) -> Result<HealthCheck, Error> {
    let url = v.trim();
    if url.eq_ignore_ascii_case("tcp") {
        return Ok(HealthCheck::Tcp);
    }
    if url.starts_with('/') {
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Usage(format!(
                "-health '{}' is not a path: give one like /healthz, or a full URL",
                printable(url)
            )));
        }
        return Ok(HealthCheck::Path(url.to_string()));
    }
    let shown = printable(url);
    let example = "-health http://127.0.0.1:8080/health";
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Err(Error::Usage(format!(
            "-health: '{shown}' is neither tcp nor an http:// or https:// URL: give -health tcp or {example}"
        )));
    }
    let authority = url.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or("")
    });
    if authority.contains('@') {
        return Err(Error::Usage(
            "-health: the URL carries credentials (user:password@), which would show in the log: give a health URL that needs none"
                .into(),
        ));
    }
    if !url_parses(url) {
        return Err(Error::Usage(format!(
            "-health: '{shown}' is not a valid URL: give one like {example}"
        )));
    }
    Ok(HealthCheck::Http(url.to_string()))
}

pub fn parse_leave(v: &str) -> Result<Leave, Error> {
    match v.trim().to_ascii_lowercase().as_str() {
        "delete" => Ok(Leave::Delete),
        "disable" => Ok(Leave::Disable),
        _ => Err(Error::Usage(format!(
            "-leave: '{}' is neither delete nor disable: give -leave delete (the default) or -leave disable",
            printable(v)
        ))),
    }
}

/// The longest `sun_path` Linux binds, less its terminating NUL (an abstract name has none,
/// but its leading NUL takes the same byte).
const MAX_SOCKET_PATH: usize = 107;

/// NOTIFY_SOCKET as systemd sets it: an absolute path, or `@name` for an abstract socket.
/// Anything else is the warning to log, and notify is off: systemd sets it, a user will not,
/// so a bad one must not stop the app's node from being managed.
pub fn notify_socket(value: Option<&str>) -> Result<Option<String>, String> {
    let Some(v) = value else {
        return Ok(None);
    };
    let off = "not telling systemd anything";
    if !(v.starts_with('/') || v.starts_with('@')) || v.len() < 2 {
        return Err(format!(
            "Warning: NOTIFY_SOCKET '{}' is neither an absolute path nor an abstract socket name (@name): {off}",
            printable(v)
        ));
    }
    if v.len() > MAX_SOCKET_PATH {
        return Err(format!(
            "Warning: NOTIFY_SOCKET is {} bytes long, more than a socket address holds ({MAX_SOCKET_PATH}): {off}",
            v.len()
        ));
    }
    Ok(Some(v.to_string()))
}

/// WATCHDOG_USEC, when WATCHDOG_PID is unset or is `me`: systemd leaves both in the
/// environment of the main process's children too, and their watchdog is not ours. A value
/// that does not parse is the warning to log, and no watchdog.
pub fn watchdog(
    usec: Option<&str>,
    pid: Option<&str>,
    me: u32,
) -> Result<Option<Duration>, String> {
    if let Some(pid) = pid {
        match pid.trim().parse::<u32>() {
            Ok(p) if p == me => {}
            Ok(p) if p > 0 => return Ok(None),
            _ => {
                return Err(format!(
                    "Warning: WATCHDOG_PID '{}' is not a process id: not sending watchdog keep-alives",
                    printable(pid)
                ));
            }
        }
    }
    let Some(usec) = usec else {
        return Ok(None);
    };
    match usec.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(Duration::from_micros(n))),
        _ => Err(format!(
            "Warning: WATCHDOG_USEC '{}' is not a positive number of microseconds: not sending watchdog keep-alives",
            printable(usec)
        )),
    }
}

#[cfg(test)]
mod tests;
