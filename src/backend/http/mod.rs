//! The one place that touches the network: a blocking ureq agent with TLS always verified
//! (webpki roots compiled in), no redirects, and every request bounded by the run's deadline.

use std::time::Duration;

use ureq::http;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, parse_pem};

use crate::backend::Secret;
use crate::backend::http::proxy::{ProxyEnv, ProxyUrl, proxy_for};
use crate::time::Deadline;

mod failure;
mod health;
pub mod proxy;
mod tls;

pub use failure::Failure;
use failure::describe;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// API answers are a few KiB; anything far larger is not an answer we want to hold.
const BODY_LIMIT: u64 = 1 << 20;

/// How requests are sent, checked: the same for every backend.
#[derive(Debug)]
pub struct Transport {
    /// The limit for one HTTP request (PEEKABOO_REQUEST_TIMEOUT), within the run's deadline.
    pub request_timeout: Duration,
    /// The CAs to trust instead of the built-in roots (OS_CACERT).
    pub ca_certs: Option<Vec<Certificate<'static>>>,
    /// The proxy variables, read with curl's rules (see `proxy`).
    pub proxy: ProxyEnv,
}

pub struct Http {
    direct: ureq::Agent,
    /// One agent per usable proxy, in `ProxyEnv::usable` order.
    proxied: Vec<(ureq::Proxy, ureq::Agent)>,
    proxies: ProxyEnv,
    /// Whether OS_CACERT replaced the built-in roots, for the wording of TLS failures.
    private_roots: bool,
    request_timeout: Duration,
    /// Requests sent so far, for -json.
    sent: std::cell::Cell<usize>,
}

/// An HTTP answer of any status: what it means is for the caller to decide.
#[derive(Debug, Default)]
pub struct Reply {
    pub status: u16,
    /// Names in lower case, in the order received (a service may put what matters in one:
    /// `Retry-After`, Keystone v3's `X-Subject-Token`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The first value of header `name` (any case), if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Http {
    /// `ca_certs` replaces the compiled-in Mozilla roots when set (OS_CACERT).
    pub fn new(transport: &Transport) -> Http {
        let request_timeout = transport.request_timeout;
        let roots = transport.ca_certs.as_deref();
        let proxies = &transport.proxy;
        let connect = CONNECT_TIMEOUT.min(request_timeout);
        let tls = match roots {
            Some(certs) => TlsConfig::builder()
                .root_certs(RootCerts::new_with_certs(certs))
                .build(),
            None => TlsConfig::default(),
        };
        let agent = |proxy: Option<ureq::Proxy>| {
            ureq::Agent::config_builder()
                .tls_config(tls.clone())
                // Never ureq's own reading of the environment: `proxy_for` decides, per URL.
                .proxy(proxy)
                .http_status_as_error(false)
                // A redirect would carry X-Auth-Token wherever it points: treat it as an answer.
                .max_redirects(0)
                .timeout_resolve(Some(connect))
                .timeout_connect(Some(connect))
                .user_agent(concat!("peekaboo/", env!("CARGO_PKG_VERSION")))
                .build()
                .new_agent()
        };
        Http {
            direct: agent(None),
            proxied: proxies
                .usable()
                .into_iter()
                .map(|p| (p.proxy.clone(), agent(Some(p.proxy.clone()))))
                .collect(),
            proxies: proxies.clone(),
            private_roots: roots.is_some(),
            request_timeout,
            sent: std::cell::Cell::new(0),
        }
    }

    /// How many requests were sent (or tried) so far.
    pub fn requests(&self) -> usize {
        self.sent.get()
    }

    /// Sends one request, through the proxy `proxy_for` picks. `Err` is a transport failure (no
    /// answer, or an unreadable one), worded for the log; the request may or may not have
    /// reached the server, unless the failure is final.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        token: Option<&Secret>,
        body: Option<&serde_json::Value>,
        deadline: &Deadline,
    ) -> Result<Reply, Failure> {
        let (agent, via) = self.agent_for(url)?;
        let limit = self.request_timeout.min(deadline.remaining());
        if limit.is_zero() {
            return Err(Failure::transient("no time left".into()));
        }
        let mut req = http::Request::builder()
            .method(method)
            .uri(url)
            .header("Accept", "application/json");
        if let Some(t) = token {
            req = req.header("X-Auth-Token", t.0.as_str());
        }
        let payload = match body {
            Some(b) => {
                req = req.header("Content-Type", "application/json");
                b.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        let req = req
            .body(payload)
            .map_err(|e| Failure::transient(format!("bad request to {url}: {e}")))?;
        self.sent.set(self.sent.get() + 1);
        let req = agent
            .configure_request(req)
            .timeout_global(Some(limit))
            .build();
        let fail = |e: ureq::Error| describe(&e, url, via, self.private_roots);
        let mut resp = agent.run(req).map_err(fail)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(fail)?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// The agent for `url` and the proxy it goes through, by `proxy_for`'s rules.
    fn agent_for(&self, url: &str) -> Result<(&ureq::Agent, Option<&ProxyUrl>), Failure> {
        let via = proxy_for(url, &self.proxies).map_err(Failure::fatal)?;
        let agent = match via {
            None => &self.direct,
            // Every usable proxy has its agent; never fall back to going direct.
            Some(p) => match self.proxied.iter().find(|(proxy, _)| *proxy == p.proxy) {
                Some((_, a)) => a,
                None => {
                    return Err(Failure::fatal(format!(
                        "no agent for proxy {} ({})",
                        p.shown, p.var
                    )));
                }
            },
        };
        Ok((agent, via))
    }
}

/// What is worth a warning before the first request to identity at `auth_url`: no DNS
/// configuration in sight, and credentials about to go out in clear text.
pub fn preflight(auth_url: &str) -> Vec<String> {
    let mut warnings: Vec<String> = dns_hint(auth_url).into_iter().collect();
    if is_remote_http(auth_url) {
        warnings.push(format!(
            "Warning: -allow-http: credentials go to {auth_url} in clear text"
        ));
    }
    warnings
}

/// Why host names may not resolve here, if it can be seen up front: a scratch container without
/// `--net=host` has no /etc/resolv.conf, and musl then asks 127.0.0.1, where usually nobody is.
pub fn dns_hint(url: &str) -> Option<String> {
    let host = host_of(url)?;
    let is_name = host
        .trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_err();
    (is_name && !std::path::Path::new("/etc/resolv.conf").exists()).then(|| {
        format!(
            "No /etc/resolv.conf: {host} may not resolve (in a container, run with --net=host or mount /etc/resolv.conf)"
        )
    })
}

/// The host part of `scheme://host[:port]/…`, brackets kept for IPv6.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next();
    }
    authority.split(':').next().filter(|h| !h.is_empty())
}

/// Reads a PEM bundle of CA certificates (OS_CACERT). Returns why it cannot be used.
pub fn load_ca(path: &str) -> Result<Vec<Certificate<'static>>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
    let mut certs = Vec::new();
    for item in parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(format!("is not a valid PEM file: {e}")),
        }
    }
    if certs.is_empty() {
        return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok(certs)
}

/// Whether `url` is plain http to another machine, which `-allow-http` must permit.
pub fn is_remote_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        && !host_of(url).is_some_and(is_loopback)
}

/// Checks that credentials and tokens sent to `url` stay private: https anywhere, plain http
/// only to this machine (that is what the tests and the demo use) unless `allow_http`.
/// Returns why not.
pub fn check_url(url: &str, allow_http: bool) -> Result<(), String> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    let host = host_of(url).ok_or("is not a URL: use https://host/path")?;
    match scheme.as_deref() {
        Some("https") => Ok(()),
        Some("http") if is_loopback(host) || allow_http => Ok(()),
        Some("http") => Err(format!(
            "uses plain http to {host}: credentials would cross the network in clear; use https (or -allow-http if you must)"
        )),
        _ => Err("is not an http(s) URL: use https://host/path".into()),
    }
}

/// Whether ureq can send a request to `url` at all: an http(s) URL with a host and a valid
/// port. Anything else fails the same way on every try.
pub fn url_parses(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
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

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn hosts() {
        assert_eq!(host_of("https://a.example.com/v2.0"), Some("a.example.com"));
        assert_eq!(host_of("http://127.0.0.1:8080/x"), Some("127.0.0.1"));
        assert_eq!(host_of("http://[::1]:99/x"), Some("[::1]"));
        assert_eq!(host_of("http://u:p@h:1/"), Some("h"));
        assert_eq!(host_of("nonsense"), None);
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let check = |u| check_url(u, false);
        assert!(check("https://identity.api.rackspacecloud.com/v2.0").is_ok());
        assert!(check("http://127.0.0.1:4000/v2.0").is_ok());
        assert!(check("http://127.9.9.9/v2.0").is_ok());
        assert!(check("http://localhost:1/v2.0").is_ok());
        assert!(check("http://[::1]:1/v2.0").is_ok());
        let err = check("http://10.0.0.1/v2.0").unwrap_err();
        assert!(err.contains("plain http to 10.0.0.1"), "{err}");
        assert!(check("HTTP://10.0.0.1/v2.0").is_err());
        assert!(check("http://localhost.evil.com/").is_err());
        assert!(check("ftp://x/").is_err());
        assert!(check("identity").is_err());
        // Only by explicit opt-in, and never for other schemes.
        assert!(check_url("http://10.0.0.1/v2.0", true).is_ok());
        assert!(check_url("ftp://x/", true).is_err());
        assert!(is_remote_http("http://10.0.0.1/v2.0"));
        assert!(!is_remote_http("http://127.0.0.1/v2.0"));
        assert!(!is_remote_http("https://10.0.0.1/v2.0"));
    }

    #[test]
    fn ca_bundles() {
        let dir = std::env::temp_dir().join(format!("peekaboo-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p.to_string_lossy().into_owned()
        };
        assert!(
            load_ca("/nonexistent/ca.pem")
                .unwrap_err()
                .starts_with("cannot be read")
        );
        let empty = write("empty.pem", "no certificates here\n");
        assert!(
            load_ca(&empty)
                .unwrap_err()
                .contains("holds no PEM certificate")
        );
        // Any DER bytes parse as a certificate here; rustls checks them when it uses them.
        let one = write(
            "one.pem",
            "-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n",
        );
        assert_eq!(load_ca(&one).map(|c| c.len()).ok(), Some(1));
        let broken = write(
            "broken.pem",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        );
        assert!(
            load_ca(&broken)
                .unwrap_err()
                .starts_with("is not a valid PEM file")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
