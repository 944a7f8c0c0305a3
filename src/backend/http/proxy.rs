//! Which proxy a request goes through, decided the way curl decides it, so a host set up for
//! curl behaves the same here. ureq would read the variables itself with other rules (ALL_PROXY
//! first, HTTP_PROXY for https, loopback proxied too); `Http` turns that off and asks
//! `proxy_for` instead.
//!
//! - an https URL: `https_proxy`, else `HTTPS_PROXY`; an http URL: `http_proxy` only (curl
//!   ignores `HTTP_PROXY`, which a CGI server fills from a request's `Proxy:` header); then
//!   `all_proxy`, else `ALL_PROXY`. Lower case wins over upper case, as in curl.
//! - `no_proxy` (else `NO_PROXY`): a comma list of `*`, host names matching themselves and
//!   their subdomains (with or without a leading dot), IP addresses and CIDR ranges.
//! - loopback (127.0.0.0/8, ::1, localhost) is never proxied: the tests and the demo talk to a
//!   fake on this machine, and a proxy elsewhere cannot reach it anyway.
//!
//! A variable is checked when a URL would use it, not before: `ALL_PROXY=socks5://…` set for
//! other tools must not stop a run that never needs it.

use crate::host::addr::Net;
use std::fmt;
use std::net::IpAddr;

/// A proxy that can be used: `http://` or `https://` (ureq speaks CONNECT over either).
#[derive(Clone)]
pub struct ProxyUrl {
    /// `host:port`, safe to print (never the credentials).
    pub shown: String,
    /// The variable it came from, for the fix in an error.
    pub var: &'static str,
    /// `https://`: the connection to the proxy is TLS too, verified like any other.
    pub tls: bool,
    pub proxy: ureq::Proxy,
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({})", self.shown)
    }
}

/// One proxy variable that is set: what it holds, or why it cannot be used.
#[derive(Clone, Debug)]
struct Setting {
    parsed: Result<ProxyUrl, String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Bypass {
    All,
    /// A host name, lower case, without leading or trailing dots.
    Suffix(String),
    Net(Net),
}

/// The proxy variables as read at start-up.
#[derive(Clone, Debug, Default)]
pub struct ProxyEnv {
    https: Option<Setting>,
    http: Option<Setting>,
    all: Option<Setting>,
    no_proxy: Vec<Bypass>,
}

/// Every variable `from_env` may read.
pub const VARIABLES: &[&str] = &[
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

impl ProxyEnv {
    /// Reads the variables through `env`, as `Config::new` reads the rest. Empty counts as unset.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> ProxyEnv {
        let var = |name: &'static str| {
            env(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (name, v))
        };
        let setting = |found: Option<(&'static str, String)>| {
            found.map(|(var, value)| Setting {
                parsed: parse_proxy(var, value.trim()),
            })
        };
        let no_proxy = var("no_proxy")
            .or_else(|| var("NO_PROXY"))
            .map(|(_, v)| v.split(',').filter_map(parse_bypass).collect())
            .unwrap_or_default();
        ProxyEnv {
            https: setting(var("https_proxy").or_else(|| var("HTTPS_PROXY"))),
            http: setting(var("http_proxy")),
            all: setting(var("all_proxy").or_else(|| var("ALL_PROXY"))),
            no_proxy,
        }
    }

    /// Every usable proxy, each once, in a fixed order: `Http` builds one agent for each.
    pub fn usable(&self) -> Vec<&ProxyUrl> {
        [&self.https, &self.http, &self.all]
            .into_iter()
            .flatten()
            .filter_map(|s| s.parsed.as_ref().ok())
            .collect()
    }
}

/// The proxy a request to `url` goes through: `Ok(None)` for a direct connection, `Err` (one
/// line naming the variable and the fix) when the variable that applies cannot be used.
pub fn proxy_for<'a>(url: &str, env: &'a ProxyEnv) -> Result<Option<&'a ProxyUrl>, String> {
    let Some((scheme, host)) = scheme_and_host(url) else {
        return Ok(None);
    };
    if is_loopback(&host) || bypassed(&host, &env.no_proxy) {
        return Ok(None);
    }
    let specific = match scheme.as_str() {
        "https" => env.https.as_ref(),
        "http" => env.http.as_ref(),
        _ => None,
    };
    match specific.or(env.all.as_ref()) {
        None => Ok(None),
        Some(s) => s.parsed.as_ref().map(Some).map_err(Clone::clone),
    }
}

fn parse_proxy(var: &'static str, value: &str) -> Result<ProxyUrl, String> {
    let shown = redact(value);
    let (scheme, rest) = match value.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        // curl reads a bare `host:port` as an http proxy.
        None => ("http".to_string(), value),
    };
    let fix = format!("use http://HOST:PORT, or unset {var}");
    match scheme.as_str() {
        "http" | "https" => {}
        "socks" | "socks4" | "socks4a" | "socks5" | "socks5h" => {
            return Err(format!(
                "{var} '{shown}' is a SOCKS proxy, which peekaboo does not support: use an http:// proxy, or unset {var}"
            ));
        }
        _ => {
            return Err(format!(
                "{var} '{shown}' is not an http:// or https:// proxy URL: {fix}"
            ));
        }
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = split_host_port(hostport)
        .ok_or_else(|| format!("{var} '{shown}' has no usable host and port: {fix}"))?;
    // curl's defaults: 1080 for an http proxy without a port, 443 for an https one.
    let port = match port {
        Some(p) => p,
        None if scheme == "https" => 443,
        None => 1080,
    };
    let user = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
    let proxy = ureq::Proxy::new(&format!("{scheme}://{user}{host}:{port}"))
        .map_err(|_| format!("{var} '{shown}' is not a valid proxy URL: {fix}"))?;
    Ok(ProxyUrl {
        shown: format!("{host}:{port}"),
        var,
        tls: scheme == "https",
        proxy,
    })
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; None when the host is empty or the port is not
/// a number.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        (&s[..h.len() + 2], after.strip_prefix(':'))
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p != 0)?),
    };
    (!host.is_empty() && host != "[]").then_some((host, port))
}

/// The proxy URL without its credentials, for messages.
fn redact(value: &str) -> String {
    let (scheme, rest) = match value.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), value),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}…@{}", &rest[at + 1..]),
        None => value.to_string(),
    }
}

fn parse_bypass(entry: &str) -> Option<Bypass> {
    let entry = entry.trim();
    if entry == "*" {
        return Some(Bypass::All);
    }
    if let Some(net) = Net::parse(entry) {
        return Some(Bypass::Net(net));
    }
    // An address with a bad prefix is no host name either.
    if entry.contains('/') {
        return None;
    }
    // curl ignores a port here; so do we, rather than never matching.
    let name = entry.split(':').next().unwrap_or("");
    let name = name.trim_matches('.').to_ascii_lowercase();
    (!name.is_empty()).then_some(Bypass::Suffix(name))
}

fn bypassed(host: &str, list: &[Bypass]) -> bool {
    let ip = host.parse::<IpAddr>().ok();
    list.iter().any(|b| match (b, ip) {
        (Bypass::All, _) => true,
        (Bypass::Net(net), Some(ip)) => net.contains(ip),
        (Bypass::Suffix(name), None) => {
            host == name
                || host
                    .strip_suffix(name.as_str())
                    .is_some_and(|h| h.ends_with('.'))
        }
        _ => false,
    })
}

/// The scheme (lower case) and host (lower case, no brackets, no trailing dot) of a URL.
fn scheme_and_host(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit('@').next()?;
    let (host, _) = split_host_port(hostport)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some((
        scheme.to_ascii_lowercase(),
        host.trim_end_matches('.').to_ascii_lowercase(),
    ))
}

fn is_loopback(host: &str) -> bool {
    let loopback = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        IpAddr::V4(v4) => v4.is_loopback(),
    };
    host == "localhost" || host.ends_with(".localhost") || host.parse().is_ok_and(loopback)
}

#[cfg(test)]
mod tests;
