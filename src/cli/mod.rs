//! Flags and environment, in two steps as ripgrep does it: `parse_args` turns the command line
//! into `Args` (what was typed), `Config::new` checks it against the environment and produces
//! the `Config` the run uses. Every mistake becomes one line naming the culprit and the fix.

use std::ffi::OsString;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::core::model::{Attrs, Condition, NodeType, Want};
use crate::error::Error;
pub use crate::time::{format_duration, parse_duration};

pub const DEFAULT_AUTH_URL: &str = "https://identity.api.rackspacecloud.com/v2.0";
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Under systemd's default 90 s stop timeout, with room left to disable or delete the node.
const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// The command line as typed, before any checking.
#[derive(Debug, Default, PartialEq)]
pub struct Args {
    pub drain: bool,
    pub disable: bool,
    pub delete: bool,
    pub wait: bool,
    pub allow_http: bool,
    pub quiet: bool,
    pub status: bool,
    pub dry_run: bool,
    pub json: bool,
    pub ip: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub drain_timeout: Option<String>,
    pub weight: Option<String>,
    pub node_type: Option<String>,
    pub port: Option<String>,
    pub lb: Option<String>,
    pub region: Option<String>,
    pub help: bool,
    pub version: bool,
}

const BOOL_FLAGS: &[&str] = &[
    "drain",
    "disable",
    "delete",
    "wait",
    "allow-http",
    "quiet",
    "status",
    "dry-run",
    "json",
    "help",
    "version",
];
const VALUE_FLAGS: &[&str] = &[
    "ip",
    "interval",
    "timeout",
    "drain-timeout",
    "weight",
    "type",
    "port",
    "lb",
    "region",
];

/// Parses the command line (without the program name). Accepts Go `flag` syntax: `-name`,
/// `--name`, `-name=value`, `-name value`, and `-name=true|false` for switches.
pub fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Args, Error> {
    use lexopt::Arg::{Long, Short, Value};
    // Go flags are single-dash long names; lexopt reads those as bundles of short flags, so
    // rewrite `-name` to `--name`. `-5` (a negative number given as a value) stays as it is.
    let args = args.into_iter().map(|a| match a.to_str() {
        Some(s) if s.len() > 2 && s.starts_with('-') && s.as_bytes()[1].is_ascii_alphabetic() => {
            OsString::from(format!("-{s}"))
        }
        _ => a,
    });
    let mut parser = lexopt::Parser::from_args(args);
    let mut out = Args::default();
    loop {
        let arg = parser.next().map_err(|e| lexopt_error(&e))?;
        let name = match arg {
            None => break,
            Some(Short('h')) => "help".to_string(),
            Some(Short(c)) => return Err(unknown_flag(&c.to_string())),
            Some(Long(name)) => name.to_string(),
            Some(Value(v)) => {
                return Err(Error::Usage(format!(
                    "unexpected argument '{}': peekaboo takes only flags (see peekaboo -help)",
                    v.to_string_lossy()
                )));
            }
        };
        if BOOL_FLAGS.contains(&name.as_str()) {
            let on = match parser.optional_value() {
                None => true,
                Some(v) => parse_bool(&name, &v)?,
            };
            match name.as_str() {
                "drain" => out.drain = on,
                "disable" => out.disable = on,
                "delete" => out.delete = on,
                "wait" => out.wait = on,
                "allow-http" => out.allow_http = on,
                "quiet" => out.quiet = on,
                "status" => out.status = on,
                "dry-run" => out.dry_run = on,
                "json" => out.json = on,
                "help" => out.help = on,
                _ => out.version = on,
            }
        } else if VALUE_FLAGS.contains(&name.as_str()) {
            let value = parser.value().map_err(|_| {
                Error::Usage(format!(
                    "flag -{name} needs a value, e.g. {}",
                    example(&name)
                ))
            })?;
            let value = value.into_string().map_err(|_| {
                Error::Usage(format!("flag -{name} has a value that is not valid UTF-8"))
            })?;
            let slot = match name.as_str() {
                "ip" => &mut out.ip,
                "interval" => &mut out.interval,
                "timeout" => &mut out.timeout,
                "drain-timeout" => &mut out.drain_timeout,
                "weight" => &mut out.weight,
                "type" => &mut out.node_type,
                "port" => &mut out.port,
                "lb" => &mut out.lb,
                _ => &mut out.region,
            };
            if slot.is_some() {
                return Err(Error::Usage(format!(
                    "flag -{name} is given twice: give it once"
                )));
            }
            *slot = Some(value);
        } else {
            return Err(unknown_flag(&name));
        }
    }
    Ok(out)
}

fn example(flag: &str) -> &'static str {
    match flag {
        "ip" => "-ip 10.1.2.3",
        "interval" => "-interval 5",
        "timeout" => "-timeout 2m",
        "drain-timeout" => "-drain-timeout 60s",
        "weight" => "-weight 10",
        "type" => "-type SECONDARY",
        "port" => "-port 8080",
        "lb" => "-lb 12345",
        _ => "-region IAD",
    }
}

fn parse_bool(name: &str, v: &OsString) -> Result<bool, Error> {
    // The spellings Go's strconv.ParseBool accepts, since `-drain=true` worked before.
    match v.to_str().unwrap_or("") {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        other => Err(Error::Usage(format!(
            "flag -{name} is a switch: '{other}' is not true or false; write just -{name}"
        ))),
    }
}

fn lexopt_error(e: &lexopt::Error) -> Error {
    Error::Usage(format!("{e}; see peekaboo -help"))
}

fn unknown_flag(name: &str) -> Error {
    let known = || BOOL_FLAGS.iter().chain(VALUE_FLAGS);
    let lower = name.to_ascii_lowercase();
    // A flag cut short (-v, -stat) means the flags it begins; a typo means the nearest flag,
    // but only when it is nearer than the name is long: -v is not a typo of -ip.
    let begun: Vec<String> = known()
        .filter(|k| k.starts_with(&lower))
        .map(|k| format!("-{k}"))
        .collect();
    let close = known()
        .map(|k| (edit_distance(&lower, k), k))
        .filter(|(d, _)| *d <= 2 && *d < name.chars().count())
        .min();
    let hint = match (begun.as_slice(), close) {
        ([one], _) => format!("did you mean {one}?"),
        ([rest @ .., last], _) if rest.len() < 5 => {
            format!("did you mean {} or {last}?", rest.join(", "))
        }
        (_, Some((_, k))) => format!("did you mean -{k}?"),
        _ => "see peekaboo -help for the list".to_string(),
    };
    Error::Usage(format!("unknown flag -{name}: {hint}"))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// A value that must never be printed: Debug shows a placeholder.
#[derive(Clone, PartialEq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Where the node address came from, for the log.
#[derive(Debug, PartialEq)]
pub enum AddressSource {
    Flag,
    Servicenet,
    Publicnet,
}

/// Everything a run needs, checked.
#[derive(Debug)]
pub struct Config {
    pub want: Want,
    /// The load balancers to apply the change to, in order.
    pub lb_ids: Vec<u64>,
    pub username: String,
    pub api_key: Secret,
    pub region: Option<String>,
    pub port: u16,
    pub address: Option<(IpAddr, AddressSource)>,
    pub auth_url: String,
    pub interval: Duration,
    pub timeout: Duration,
    /// `-wait`: enable only once the app answers and until the health check passes; leave
    /// by draining, waiting for the connections to end, then disabling or deleting.
    pub wait: bool,
    /// How long the drain wait may last before connections are cut; zero skips the wait.
    pub drain_timeout: Duration,
    /// The limit for one HTTP request (PEEKABOO_REQUEST_TIMEOUT), within the run's deadline.
    pub request_timeout: Duration,
    /// The CAs to trust instead of the built-in roots (OS_CACERT).
    pub ca_certs: Option<Vec<ureq::tls::Certificate<'static>>>,
    /// `-allow-http`: plain http to a non-loopback identity endpoint is accepted.
    pub allow_http: bool,
    /// `-quiet`: log only errors and the final state.
    pub quiet: bool,
    /// `-weight` and `-type`, for a node that is added or kept.
    pub attrs: Attrs,
    /// `-status`: read only, and say whether the node is there.
    pub status: bool,
    /// `-dry-run`: read, and say what would change.
    pub dry_run: bool,
    /// `-json`: one JSON object per load balancer on stdout at the end.
    pub json: bool,
    /// Lines to log at the start of the run (the original's "$APP_PORT not set" and the like).
    pub notes: Vec<String>,
    /// Warnings to log at the start of the run (a value that ended with a carriage return).
    pub warnings: Vec<String>,
    /// The proxy variables, read with curl's rules (see `proxy`).
    pub proxy: crate::backend::http::proxy::ProxyEnv,
}

impl Config {
    /// Checks `args` against the environment, read through `env` (raw, as the OS holds it) so
    /// tests need not touch the process environment. Empty variables count as unset, as they
    /// did in the original. A variable is read only when no flag overrides it, so one that is
    /// not used cannot fail the run.
    pub fn new(mut args: Args, env: &dyn Fn(&str) -> Option<OsString>) -> Result<Config, Error> {
        let warnings = std::cell::RefCell::new(Vec::new());
        let var = |name: &str| read_var(name, env(name), &mut warnings.borrow_mut());
        // systemd expands ${VAR} from an EnvironmentFile into ExecStart= arguments, so a CRLF
        // file reaches flag values too: the same rule as for variables.
        for (flag, value) in [
            ("-ip", &mut args.ip),
            ("-interval", &mut args.interval),
            ("-timeout", &mut args.timeout),
            ("-drain-timeout", &mut args.drain_timeout),
            ("-weight", &mut args.weight),
            ("-type", &mut args.node_type),
            ("-port", &mut args.port),
            ("-lb", &mut args.lb),
            ("-region", &mut args.region),
        ] {
            if let Some(v) = value.take() {
                *value = Some(strip_cr(flag, v, &mut warnings.borrow_mut()));
            }
        }
        let mut notes = Vec::new();

        let want = if args.delete {
            Want::Absent
        } else if args.disable {
            Want::Present(Condition::Disabled)
        } else if args.drain {
            Want::Present(Condition::Draining)
        } else {
            Want::Present(Condition::Enabled)
        };
        let chosen = [
            (args.delete, "-delete"),
            (args.disable, "-disable"),
            (args.drain, "-drain"),
        ];
        let given: Vec<&str> = chosen.iter().filter(|c| c.0).map(|c| c.1).collect();
        if given.len() > 1 {
            notes.push(format!(
                "{} given together: {} wins, as it always has",
                given.join(" and "),
                given[0]
            ));
        }

        let lb_ids = match &args.lb {
            Some(v) => parse_lb_ids(v, "-lb")?,
            None => match var("LOAD_BALANCER_ID")? {
                Some(v) => parse_lb_ids(&v, "LOAD_BALANCER_ID")?,
                None => {
                    return Err(Error::Usage(
                        "LOAD_BALANCER_ID is not set: export the numeric id of the load balancer (or pass -lb ID)"
                            .into(),
                    ));
                }
            },
        };
        let username = var("OS_USERNAME")?.ok_or_else(|| {
            Error::Usage("OS_USERNAME is not set: export your Rackspace user name".into())
        })?;
        let api_key = var("OS_PASSWORD")?.map(Secret).ok_or_else(|| {
            Error::Usage(
                "OS_PASSWORD is not set: export your Rackspace API key (or password), ideally from an EnvironmentFile"
                    .into(),
            )
        })?;
        let region = match &args.region {
            Some(v) => Some(parse_region(v, "-region")?),
            None => match var("OS_REGION_NAME")? {
                Some(v) => Some(parse_region(&v, "OS_REGION_NAME")?),
                None => None,
            },
        };
        let port = match &args.port {
            Some(v) => parse_port(v, "-port")?,
            None => match var("APP_PORT")? {
                Some(v) => parse_port(&v, "APP_PORT")?,
                None => {
                    notes.push("$APP_PORT not set, defaulting to 80".into());
                    80
                }
            },
        };
        let address = if let Some(v) = &args.ip {
            Some((parse_ip(v, "-ip")?, AddressSource::Flag))
        } else if let Some(v) = var("RAX_SERVICENET_IPV4")? {
            Some((
                parse_ip(&v, "RAX_SERVICENET_IPV4")?,
                AddressSource::Servicenet,
            ))
        } else if let Some(v) = var("RAX_PUBLICNET_IPV4")? {
            Some((
                parse_ip(&v, "RAX_PUBLICNET_IPV4")?,
                AddressSource::Publicnet,
            ))
        } else {
            None
        };
        let auth_url = match var("OS_AUTH_URL")? {
            Some(v) => {
                let v = v.trim().trim_end_matches('/').to_string();
                crate::backend::http::check_url(&v, args.allow_http)
                    .map_err(|why| Error::Usage(format!("OS_AUTH_URL '{v}' {why}")))?;
                // ureq would refuse it on every try until the deadline: say so now.
                if !url_parses(&v) {
                    return Err(Error::Usage(format!(
                        "OS_AUTH_URL '{}' is not a valid URL: use the Identity v2.0 base, e.g. {DEFAULT_AUTH_URL}",
                        printable(&v)
                    )));
                }
                v
            }
            None => DEFAULT_AUTH_URL.to_string(),
        };
        let interval = match &args.interval {
            Some(v) => parse_duration_flag(v, "-interval", Duration::from_secs(3600))?,
            None => DEFAULT_INTERVAL,
        };
        let timeout = match &args.timeout {
            Some(v) => parse_duration_flag(v, "-timeout", Duration::from_secs(24 * 3600))?,
            None => DEFAULT_TIMEOUT,
        };
        let request_timeout = match var("PEEKABOO_REQUEST_TIMEOUT")? {
            Some(v) => {
                parse_duration_flag(&v, "PEEKABOO_REQUEST_TIMEOUT", Duration::from_secs(600))?
            }
            None => DEFAULT_REQUEST_TIMEOUT,
        };
        let ca_certs = match var("OS_CACERT")? {
            Some(path) => Some(crate::backend::http::load_ca(&path).map_err(|why| {
                Error::Usage(format!(
                    "OS_CACERT '{path}' {why}: point it at a PEM file of CA certificates, or unset it to trust the built-in roots"
                ))
            })?),
            None => None,
        };
        let weight = match &args.weight {
            None => None,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(w @ 1..=100) => Some(w),
                _ => {
                    return Err(Error::Usage(format!(
                        "-weight '{v}' is not a weight: use a whole number from 1 to 100"
                    )));
                }
            },
        };
        let node_type = match args
            .node_type
            .as_deref()
            .map(|t| t.trim().to_ascii_uppercase())
        {
            None => None,
            Some(t) if t == "PRIMARY" => Some(NodeType::Primary),
            Some(t) if t == "SECONDARY" => Some(NodeType::Secondary),
            Some(_) => {
                return Err(Error::Usage(format!(
                    "-type '{}' is not a node type: use PRIMARY or SECONDARY",
                    args.node_type.as_deref().unwrap_or("")
                )));
            }
        };
        let attrs = Attrs { weight, node_type };
        if want == Want::Absent && attrs != Attrs::default() {
            return Err(Error::Usage(
                "-weight and -type set a node that stays: drop them with -delete".into(),
            ));
        }
        if args.status {
            let changes = [
                (args.drain, "-drain"),
                (args.disable, "-disable"),
                (args.delete, "-delete"),
                (args.wait, "-wait"),
                (args.dry_run, "-dry-run"),
                (attrs.weight.is_some(), "-weight"),
                (attrs.node_type.is_some(), "-type"),
            ];
            if let Some((_, flag)) = changes.iter().find(|c| c.0) {
                return Err(Error::Usage(format!(
                    "-status only reads: drop {flag}, or drop -status to make the change"
                )));
            }
        }
        if args.dry_run && args.wait {
            return Err(Error::Usage(
                "-dry-run shows the one change a run would start with: drop -wait".into(),
            ));
        }
        let leaving = want != Want::Present(Condition::Enabled);
        let drain_timeout = match &args.drain_timeout {
            // Half of a short -timeout, so the run still has time to disable or delete.
            None => DEFAULT_DRAIN_TIMEOUT.min(timeout / 2),
            Some(_) if !(args.wait && leaving) => {
                return Err(Error::Usage(
                    "-drain-timeout only applies with -wait and -drain, -disable or -delete: add -wait, or drop it".into(),
                ));
            }
            // Zero is the emergency switch: drain, then disable or delete without waiting.
            Some(v) if parse_duration(v) == Some(Duration::ZERO) => Duration::ZERO,
            Some(v) => parse_duration_flag(v, "-drain-timeout", Duration::from_secs(24 * 3600))?,
        };
        if args.wait && leaving && drain_timeout >= timeout {
            return Err(Error::Usage(format!(
                "-drain-timeout {} must be shorter than -timeout {}, which bounds the whole run: raise -timeout or lower -drain-timeout",
                format_duration(drain_timeout),
                format_duration(timeout)
            )));
        }
        // Read like every other variable (not UTF-8 is an error, a CR is stripped with a
        // warning); whether a proxy value is usable is for `proxy` to say when one is needed.
        let mut proxy_vars = Vec::new();
        for name in crate::backend::http::proxy::VARIABLES {
            if let Some(v) = var(name)? {
                proxy_vars.push((*name, v));
            }
        }
        let proxy = crate::backend::http::proxy::ProxyEnv::from_env(&|name| {
            proxy_vars
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        });
        Ok(Config {
            want,
            lb_ids,
            username,
            api_key,
            region,
            port,
            address,
            auth_url,
            interval,
            timeout,
            wait: args.wait,
            drain_timeout,
            request_timeout,
            ca_certs,
            allow_http: args.allow_http,
            quiet: args.quiet,
            attrs,
            status: args.status,
            dry_run: args.dry_run,
            json: args.json,
            notes,
            warnings: warnings.into_inner(),
            proxy,
        })
    }
}

/// One variable as the OS holds it, made a value: None when unset or blank (a stray space in
/// an environment file is not a value), an error naming it when it is not UTF-8. A trailing
/// carriage return (a CRLF environment file) is stripped with a warning, since a secret with
/// one fails authentication with no hint why. Neither message shows the value: it may be a
/// secret.
fn read_var(
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
fn strip_cr(what: &str, mut value: String, warnings: &mut Vec<String>) -> String {
    let kept = value.trim_end_matches('\n').trim_end_matches('\r').len();
    if kept < value.trim_end_matches('\n').len() {
        value.truncate(kept);
        warnings.push(format!(
            "Warning: {what} ends with a carriage return (a CRLF environment file?): ignoring it"
        ));
    }
    value
}

/// Whether ureq can send a request to `url` at all: an http(s) URL with a host and a valid
/// port. Anything else fails the same way on every try.
pub fn url_parses(url: &str) -> bool {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return false;
    };
    let scheme_ok = uri
        .scheme_str()
        .is_some_and(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"));
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    // `Uri` accepts `host:99999` and just reports no port.
    let port_ok = uri.authority().is_none_or(|a| {
        let host_port = a.as_str().rsplit('@').next().unwrap_or("");
        match host_port.rsplit_once(':') {
            Some((_, p)) if !p.contains(']') => p.parse::<u16>().is_ok(),
            _ => true,
        }
    });
    scheme_ok && host_ok && port_ok
}

/// `text` fit for a one-line message: no control characters, bounded in length.
pub fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// `12345`, or several as `1,2,3`: each once, in the order given.
fn parse_lb_ids(v: &str, what: &str) -> Result<Vec<u64>, Error> {
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

fn parse_port(v: &str, what: &str) -> Result<u16, Error> {
    match v.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(Error::Usage(format!(
            "{what} '{v}' is not a port: use a number from 1 to 65535"
        ))),
    }
}

fn parse_region(v: &str, what: &str) -> Result<String, Error> {
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

fn parse_duration_flag(v: &str, what: &str, max: Duration) -> Result<Duration, Error> {
    match parse_duration(v) {
        Some(d) if !d.is_zero() && d <= max => Ok(d),
        Some(d) if d.is_zero() => Err(Error::Usage(format!(
            "{what} '{v}' must be more than zero, e.g. {}",
            match what.strip_prefix('-') {
                Some(flag) => example(flag).to_string(),
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

pub const USAGE: &str = "\
peekaboo: put this host into a Rackspace Cloud Load Balancer, or take it out.

Usage: peekaboo [-drain | -disable | -delete] [flags]

What to do (default: add the node, or set it ENABLED):
  -drain              set the node DRAINING: no new connections, established ones go on
  -disable            set the node DISABLED: connections are cut
  -delete             remove the node from the load balancer
                      (given together: -delete wins over -disable, -disable over -drain)
  -weight N           also set the node's weight, 1 to 100 (default: as it is, 1 when new)
  -type T             also set its type, PRIMARY or SECONDARY (default: as it is)

Which node, on which load balancers:
  -ip ADDR            this host's address (default: RAX_SERVICENET_IPV4, RAX_PUBLICNET_IPV4,
                      the first 10.x interface address, then the first IPv4 on eth0)
  -port N             the application port (overrides APP_PORT)
  -lb ID[,ID...]      the load balancer id, or several: the same change to each, in order,
                      with one authentication (overrides LOAD_BALANCER_ID)
  -region R           the region, e.g. IAD (overrides OS_REGION_NAME)

Reading and reporting:
  -status             only read: print this host's node on each load balancer, or that it
                      is absent; exit 0 when present on all, 4 when absent from any
  -dry-run            authenticate and read, print what would change, change nothing
  -json               at the end, one JSON object per load balancer on stdout
  -quiet              log only errors and the final state

Waiting:
  -wait               joining: wait until the app accepts connections on ADDR:PORT, enable,
                      then wait until the load balancer reports the node ONLINE;
                      leaving (-drain, -disable, -delete): set DRAINING, wait until the load
                      balancer's connections to the app end, then set DISABLED or delete
  -drain-timeout DURATION
                      the longest drain wait before connections are cut (default 60s, or
                      half of -timeout if that is shorter); 0 skips the wait, for emergencies
  -timeout DURATION   one deadline for the whole run: 90s, 2m, 1m30s or plain seconds
                      (default 2m)
  -interval DURATION  the longest wait between retries and status checks (default 5, seconds)

Connection:
  -allow-http         accept a plain http:// OS_AUTH_URL that is not loopback (credentials
                      then cross the network in clear), and a plain http:// load balancer
                      endpoint in the catalog (the token then crosses in clear)

  -h, -help, --help   show this help
  -version, --version show the version

Flags are written -name or --name, with -name value or -name=value.

Environment:
  LOAD_BALANCER_ID    the load balancer id, or several as 1,2,3 (required unless -lb)
  OS_USERNAME         Rackspace user name (required)
  OS_PASSWORD         Rackspace API key (required); a password also works
  OS_REGION_NAME      the load balancer's region, any case (default: the account's only one)
  APP_PORT            application port (default 80)
  RAX_SERVICENET_IPV4 address to use when -ip is not given (default: none)
  RAX_PUBLICNET_IPV4  address to use when neither -ip nor RAX_SERVICENET_IPV4 is given
                      (default: none)
  OS_AUTH_URL         identity endpoint (default https://identity.api.rackspacecloud.com/v2.0);
                      plain http:// only for loopback addresses, unless -allow-http
  OS_CACERT           PEM file of CA certificates to trust instead of the built-in roots
                      (default: the built-in Mozilla roots)
  PEEKABOO_REQUEST_TIMEOUT
                      the limit for one HTTP request, within -timeout (default 30s)
  https_proxy, HTTPS_PROXY
                      proxy for https URLs, http[s]://[USER:PASS@]HOST[:PORT] (default: none)
  http_proxy          proxy for http URLs; HTTP_PROXY is ignored, as curl does
  all_proxy, ALL_PROXY
                      proxy when the scheme's own variable is unset; lower case wins
  no_proxy, NO_PROXY  hosts to reach directly: *, names with their subdomains, addresses,
                      CIDR ranges; loopback is never proxied. SOCKS proxies are refused
  JOURNAL_STREAM      set by systemd: when it names stderr, logs carry journald priorities
                      (<3> errors, <4> warnings, <6> information) instead of time stamps

Exit codes:
  0  the node is in the state asked for
  1  the API refused or failed the change (node limit, validation error, unexpected answer)
  2  usage or configuration error: a flag or variable is wrong, credentials were rejected,
     the region or load balancer does not exist
  3  -timeout passed before the node reached the state asked for
  4  -status: the node is absent from a load balancer
  With several load balancers, the code is that of the first that failed.
";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn args(list: &[&str]) -> Result<Args, Error> {
        parse_args(list.iter().map(OsString::from))
    }

    fn usage_err(list: &[&str]) -> String {
        match args(list) {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error for {list:?}, got {other:?}"),
        }
    }

    #[test]
    fn go_style_flags() {
        let a = args(&["-drain", "-ip", "10.0.0.5", "--interval=7", "-timeout=90s"]).unwrap();
        assert!(a.drain && !a.disable && !a.delete);
        assert_eq!(a.ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(a.interval.as_deref(), Some("7"));
        assert_eq!(a.timeout.as_deref(), Some("90s"));
        assert_eq!(args(&[]).unwrap(), Args::default());
        assert!(args(&["--delete"]).unwrap().delete);
        assert!(args(&["-h"]).unwrap().help);
        assert!(args(&["-help"]).unwrap().help);
        assert!(args(&["--version"]).unwrap().version);
    }

    #[test]
    fn switches_take_go_bool_values() {
        assert!(args(&["-drain=true"]).unwrap().drain);
        assert!(!args(&["-drain=false"]).unwrap().drain);
        assert!(usage_err(&["-drain=yes"]).contains("-drain is a switch"));
    }

    #[test]
    fn bad_command_lines() {
        assert_eq!(
            usage_err(&["-drian"]),
            "unknown flag -drian: did you mean -drain?"
        );
        assert!(usage_err(&["-x"]).starts_with("unknown flag -x"));
        assert!(usage_err(&["-frobnicate"]).contains("see peekaboo -help"));
        assert!(usage_err(&["-ip"]).contains("-ip needs a value"));
        assert!(usage_err(&["drain"]).contains("unexpected argument 'drain'"));
        assert!(usage_err(&["-ip", "1.2.3.4", "-ip=5.6.7.8"]).contains("-ip is given twice"));
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |k| map.get(k).cloned()
    }

    const BASE: &[(&str, &str)] = &[
        ("LOAD_BALANCER_ID", "64965"),
        ("OS_USERNAME", "alice"),
        ("OS_PASSWORD", "k3y"),
    ];

    fn config(list: &[&str], extra: &[(&str, &str)]) -> Result<Config, Error> {
        let mut pairs = BASE.to_vec();
        pairs.extend_from_slice(extra);
        Config::new(args(list).unwrap(), &env(&pairs))
    }

    fn config_err(list: &[&str], extra: &[(&str, &str)]) -> String {
        match config(list, extra) {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_match_the_original() {
        let c = config(&[], &[]).unwrap();
        assert_eq!(c.want, Want::Present(Condition::Enabled));
        assert_eq!(c.lb_ids, [64965]);
        assert_eq!(c.port, 80);
        assert_eq!(
            c.notes,
            vec!["$APP_PORT not set, defaulting to 80".to_string()]
        );
        assert_eq!(c.interval, Duration::from_secs(5));
        assert_eq!(c.timeout, Duration::from_secs(120));
        assert_eq!(c.auth_url, DEFAULT_AUTH_URL);
        assert_eq!(c.region, None);
        assert_eq!(c.address, None);
    }

    #[test]
    fn action_precedence() {
        let want = |l: &[&str]| config(l, &[]).unwrap().want;
        assert_eq!(want(&["-drain"]), Want::Present(Condition::Draining));
        assert_eq!(
            want(&["-disable", "-drain"]),
            Want::Present(Condition::Disabled)
        );
        assert_eq!(want(&["-drain", "-delete", "-disable"]), Want::Absent);
        let c = config(&["-drain", "-delete"], &[]).unwrap();
        assert!(
            c.notes
                .iter()
                .any(|n| n == "-delete and -drain given together: -delete wins, as it always has")
        );
    }

    #[test]
    fn flags_override_environment() {
        let c = config(
            &[
                "-lb", "7", "-port", "8080", "-region", "lon", "-ip", "10.9.9.9",
            ],
            &[
                ("APP_PORT", "81"),
                ("OS_REGION_NAME", "DFW"),
                ("RAX_SERVICENET_IPV4", "10.1.1.1"),
            ],
        )
        .unwrap();
        assert_eq!((c.lb_ids.as_slice(), c.port), (&[7][..], 8080));
        assert_eq!(c.region.as_deref(), Some("LON"));
        assert_eq!(
            c.address,
            Some(("10.9.9.9".parse().unwrap(), AddressSource::Flag))
        );
    }

    #[test]
    fn address_precedence_from_environment() {
        let c = config(
            &[],
            &[
                ("RAX_PUBLICNET_IPV4", "1.2.3.4"),
                ("RAX_SERVICENET_IPV4", "10.1.1.1"),
            ],
        )
        .unwrap();
        assert_eq!(
            c.address,
            Some(("10.1.1.1".parse().unwrap(), AddressSource::Servicenet))
        );
        let c = config(&[], &[("RAX_PUBLICNET_IPV4", "1.2.3.4")]).unwrap();
        assert_eq!(
            c.address,
            Some(("1.2.3.4".parse().unwrap(), AddressSource::Publicnet))
        );
        let c = config(&[], &[("OS_REGION_NAME", "iad")]).unwrap();
        assert_eq!(c.region.as_deref(), Some("IAD"));
    }

    #[test]
    fn bad_environment() {
        let missing = |name: &str| {
            let pairs: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != name).collect();
            match Config::new(Args::default(), &env(&pairs)) {
                Err(Error::Usage(m)) => m,
                other => panic!("{other:?}"),
            }
        };
        assert!(missing("LOAD_BALANCER_ID").starts_with("LOAD_BALANCER_ID is not set"));
        assert!(missing("OS_USERNAME").starts_with("OS_USERNAME is not set"));
        assert!(missing("OS_PASSWORD").starts_with("OS_PASSWORD is not set"));
        assert!(
            config_err(&[], &[("LOAD_BALANCER_ID", "abc")])
                .starts_with("LOAD_BALANCER_ID 'abc' is not a load balancer id")
        );
        assert!(config_err(&[], &[("LOAD_BALANCER_ID", "0")]).contains("not a load balancer id"));
        assert!(
            config_err(&[], &[("APP_PORT", "70000")]).starts_with("APP_PORT '70000' is not a port")
        );
        assert!(config_err(&[], &[("APP_PORT", "0")]).contains("not a port"));
        assert!(config_err(&["-port", "http"], &[]).starts_with("-port 'http' is not a port"));
        assert!(config_err(&[], &[("OS_REGION_NAME", "us-east")]).contains("not a region code"));
        assert!(
            config_err(&["-ip", "10.0.0.256"], &[])
                .starts_with("-ip '10.0.0.256' is not an IP address")
        );
        assert!(
            config_err(&[], &[("RAX_SERVICENET_IPV4", "eth1")])
                .starts_with("RAX_SERVICENET_IPV4 'eth1'")
        );
        assert!(config_err(&["-ip", "0.0.0.0"], &[]).contains("cannot be a node address"));
        assert!(config_err(&["-interval", "0"], &[]).contains("must be more than zero"));
        assert!(
            config_err(&["-timeout", "soon"], &[]).starts_with("-timeout 'soon' is not a duration")
        );
        assert!(config_err(&["-timeout", "48h"], &[]).contains("too long"));
        assert!(
            config_err(&[], &[("OS_AUTH_URL", "http://identity.example.com/v2.0")])
                .contains("plain http")
        );
        assert!(config_err(&[], &[("OS_AUTH_URL", "ftp://x")]).contains("OS_AUTH_URL"));
        let c = config(
            &["-allow-http"],
            &[("OS_AUTH_URL", "http://identity.example.com/v2.0/")],
        )
        .unwrap();
        assert!(c.allow_http);
        assert_eq!(c.auth_url, "http://identity.example.com/v2.0");
        assert_eq!(
            config_err(&[], &[("PEEKABOO_REQUEST_TIMEOUT", "0")]),
            "PEEKABOO_REQUEST_TIMEOUT '0' must be more than zero, e.g. PEEKABOO_REQUEST_TIMEOUT=30s"
        );
        assert_eq!(
            config(&[], &[("PEEKABOO_REQUEST_TIMEOUT", "250ms")])
                .unwrap()
                .request_timeout,
            Duration::from_millis(250)
        );
        assert!(
            config_err(&[], &[("OS_CACERT", "/nonexistent.pem")])
                .starts_with("OS_CACERT '/nonexistent.pem' cannot be read")
        );
    }

    #[test]
    fn wait_and_drain_timeout() {
        let c = config(&["-drain", "-wait"], &[]).unwrap();
        assert!(c.wait);
        assert_eq!(c.drain_timeout, Duration::from_secs(60));
        let c = config(&["-delete", "-wait", "-drain-timeout", "0"], &[]).unwrap();
        assert_eq!(c.drain_timeout, Duration::ZERO);
        let c = config(
            &["-disable", "-wait", "-drain-timeout=90s", "-timeout", "3m"],
            &[],
        )
        .unwrap();
        assert_eq!(c.drain_timeout, Duration::from_secs(90));
        // Not given: 60 s, or half of a shorter -timeout.
        let c = config(&["-drain", "-wait", "-timeout", "30s"], &[]).unwrap();
        assert_eq!(c.drain_timeout, Duration::from_secs(15));
        assert!(
            config_err(&["-drain", "-drain-timeout", "5s"], &[])
                .starts_with("-drain-timeout only applies with -wait")
        );
        assert!(
            config_err(&["-wait", "-drain-timeout", "5s"], &[])
                .starts_with("-drain-timeout only applies with -wait")
        );
        assert!(
            config_err(&["-drain", "-wait", "-drain-timeout", "2m"], &[])
                .starts_with("-drain-timeout 2m must be shorter than -timeout 2m")
        );
        assert!(
            config_err(&["-drain", "-wait", "-drain-timeout", "soon"], &[])
                .starts_with("-drain-timeout 'soon' is not a duration")
        );
    }

    #[test]
    fn weight_and_type() {
        let c = config(&["-weight", "7", "-type", "secondary"], &[]).unwrap();
        assert_eq!(
            c.attrs,
            Attrs {
                weight: Some(7),
                node_type: Some(NodeType::Secondary)
            }
        );
        assert_eq!(config(&[], &[]).unwrap().attrs, Attrs::default());
        for bad in ["0", "101", "heavy", "-1", ""] {
            assert!(
                config_err(&["-weight", bad], &[])
                    .contains("is not a weight: use a whole number from 1 to 100"),
                "{bad}"
            );
        }
        assert!(
            config_err(&["-type", "BACKUP"], &[]).starts_with("-type 'BACKUP' is not a node type")
        );
        assert!(config_err(&["-delete", "-weight", "5"], &[]).contains("drop them with -delete"));
    }

    #[test]
    fn several_load_balancers() {
        assert_eq!(config(&["-lb", "3,1, 2"], &[]).unwrap().lb_ids, [3, 1, 2]);
        assert_eq!(
            config(&[], &[("LOAD_BALANCER_ID", "5,6")]).unwrap().lb_ids,
            [5, 6]
        );
        assert_eq!(
            config_err(&["-lb", "1,,2"], &[]),
            "-lb '1,,2': '' is not a load balancer id: list numbers, e.g. 1,2,3"
        );
        assert!(config_err(&["-lb", "1,2,1"], &[]).contains("lists load balancer 1 twice"));
    }

    #[test]
    fn read_only_modes() {
        let c = config(&["-status", "-json"], &[]).unwrap();
        assert!(c.status && c.json && !c.dry_run);
        assert!(config(&["-dry-run", "-drain"], &[]).unwrap().dry_run);
        assert_eq!(
            config_err(&["-status", "-drain"], &[]),
            "-status only reads: drop -drain, or drop -status to make the change"
        );
        assert!(config_err(&["-status", "-weight", "3"], &[]).contains("drop -weight"));
        assert!(
            config_err(&["-dry-run", "-wait"], &[]).starts_with("-dry-run shows the one change")
        );
    }

    #[test]
    fn variables_that_are_not_utf8_are_named_not_called_unset() {
        use std::os::unix::ffi::OsStringExt;
        for name in [
            "LOAD_BALANCER_ID",
            "OS_USERNAME",
            "OS_PASSWORD",
            "OS_REGION_NAME",
            "APP_PORT",
            "RAX_SERVICENET_IPV4",
            "OS_AUTH_URL",
            "PEEKABOO_REQUEST_TIMEOUT",
            "OS_CACERT",
        ] {
            let base = env(BASE);
            let bad = |k: &str| {
                if k == name {
                    Some(OsString::from_vec(b"s3cr\xffet".to_vec()))
                } else {
                    base(k)
                }
            };
            match Config::new(Args::default(), &bad) {
                Err(Error::Usage(m)) => {
                    assert_eq!(
                        m,
                        format!(
                            "{name} is set but is not valid UTF-8: write it as plain text (check the encoding of the file that sets it), or unset it"
                        )
                    );
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        // A variable that a flag overrides is not read, so it cannot fail the run.
        let base = env(BASE);
        let bad_port = |k: &str| {
            if k == "APP_PORT" {
                Some(OsString::from_vec(vec![0xff]))
            } else {
                base(k)
            }
        };
        let c = Config::new(args(&["-port", "81"]).unwrap(), &bad_port).unwrap();
        assert_eq!(c.port, 81);
    }

    #[test]
    fn a_trailing_carriage_return_is_stripped_with_a_warning() {
        let c = config(
            &["-port", "8080\r", "-region", "iad\r\n"],
            &[
                ("OS_PASSWORD", "k3y\r\n"),
                ("OS_USERNAME", "alice\r"),
                ("LOAD_BALANCER_ID", "7\r"),
                ("RAX_SERVICENET_IPV4", "10.1.1.1"),
            ],
        )
        .unwrap();
        assert_eq!(c.api_key, Secret("k3y".into()));
        assert_eq!(
            (c.username.as_str(), c.lb_ids.as_slice()),
            ("alice", &[7][..])
        );
        assert_eq!((c.port, c.region.as_deref()), (8080, Some("IAD")));
        let warned = |what: &str| {
            format!(
                "Warning: {what} ends with a carriage return (a CRLF environment file?): ignoring it"
            )
        };
        assert_eq!(
            c.warnings,
            [
                warned("-port"),
                warned("-region"),
                warned("LOAD_BALANCER_ID"),
                warned("OS_USERNAME"),
                warned("OS_PASSWORD"),
            ]
        );
        // Only a carriage return: other trailing characters are the value's.
        let c = config(&[], &[("OS_PASSWORD", "k3y\n"), ("OS_USERNAME", "bob ")]).unwrap();
        assert_eq!(c.api_key, Secret("k3y\n".into()));
        assert_eq!(c.username, "bob ");
        assert!(c.warnings.is_empty());
        // Nothing but a carriage return is blank, so unset, and still worth the warning.
        let c = config(&[], &[("APP_PORT", "\r")]).unwrap();
        assert_eq!(c.port, 80);
        assert_eq!(c.warnings, [warned("APP_PORT")]);
    }

    #[test]
    fn urls_ureq_cannot_send_to() {
        for good in [
            "https://identity.api.rackspacecloud.com/v2.0",
            "http://127.0.0.1:4000/v2.0",
            "https://[2001:db8::1]:8443/v1.0/1",
            "HTTPS://iad.loadbalancers.api.rackspacecloud.com/v1.0/123456",
        ] {
            assert!(url_parses(good), "{good}");
        }
        for bad in [
            "https://bad host/v1.0",
            "https://[::1/v1.0",
            "lb.example.com/v1.0",
            "ftp://lb.example.com/",
            "https:///v1.0",
            "https://h:99999/v1.0",
            "https://h:/v1.0",
            "https://h\n/v1.0",
            "",
        ] {
            assert!(!url_parses(bad), "{bad:?}");
        }
        assert_eq!(
            config_err(
                &[],
                &[("OS_AUTH_URL", "https://ident ity.example.com/v2.0")]
            ),
            "OS_AUTH_URL 'https://ident ity.example.com/v2.0' is not a valid URL: use the Identity v2.0 base, e.g. https://identity.api.rackspacecloud.com/v2.0"
        );
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let c = config(&[], &[("APP_PORT", ""), ("OS_REGION_NAME", "")]).unwrap();
        assert_eq!((c.port, c.region), (80, None));
    }
}
