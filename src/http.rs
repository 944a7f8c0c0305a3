//! The one place that touches the network: a blocking ureq agent with TLS always verified
//! (webpki roots compiled in), no redirects, and every request bounded by the run's deadline.

use std::time::Duration;

use ureq::http;

use crate::config::Secret;
use crate::retry::Deadline;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// API answers are a few KiB; anything far larger is not an answer we want to hold.
const BODY_LIMIT: u64 = 1 << 20;

pub struct Http {
    agent: ureq::Agent,
}

/// An HTTP answer of any status: what it means is for the caller to decide.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

impl Http {
    pub fn new() -> Http {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A redirect would carry X-Auth-Token wherever it points: treat it as an answer.
            .max_redirects(0)
            .timeout_resolve(Some(CONNECT_TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .user_agent(concat!("peekaboo/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Http { agent }
    }

    /// Sends one request. `Err` is a transport failure (no answer, or an unreadable one), worded
    /// for the log; the request may or may not have reached the server.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        token: Option<&Secret>,
        body: Option<&serde_json::Value>,
        deadline: &Deadline,
    ) -> Result<Reply, String> {
        let limit = REQUEST_TIMEOUT.min(deadline.remaining());
        if limit.is_zero() {
            return Err("no time left".into());
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
            .map_err(|e| format!("bad request to {url}: {e}"))?;
        let req = self
            .agent
            .configure_request(req)
            .timeout_global(Some(limit))
            .build();
        let mut resp = self.agent.run(req).map_err(|e| describe(&e, url))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| describe(&e, url))?;
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}

fn describe(e: &ureq::Error, url: &str) -> String {
    let host = host_of(url).unwrap_or("the server");
    match e {
        ureq::Error::HostNotFound => format!(
            "cannot resolve {host}: no DNS (in a container, run with --net=host or give it /etc/resolv.conf)"
        ),
        ureq::Error::Timeout(ureq::Timeout::Resolve) => format!("DNS lookup of {host} timed out"),
        ureq::Error::Timeout(t) => format!("{host} did not answer in time ({t} timeout)"),
        ureq::Error::BodyExceedsLimit(_) => {
            format!("{host} sent an answer over {BODY_LIMIT} bytes")
        }
        other => format!("request to {host} failed: {other}"),
    }
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

/// Checks that credentials and tokens sent to `url` stay private: https anywhere, plain http
/// only to this machine (that is what the tests and the demo use). Returns why not.
pub fn check_url(url: &str) -> Result<(), String> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    let host = host_of(url).ok_or("is not a URL: use https://host/path")?;
    match scheme.as_deref() {
        Some("https") => Ok(()),
        Some("http") if is_loopback(host) => Ok(()),
        Some("http") => Err(format!(
            "uses plain http to {host}: credentials would cross the network in clear; use https"
        )),
        _ => Err("is not an http(s) URL: use https://host/path".into()),
    }
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
    fn hosts() {
        assert_eq!(host_of("https://a.example.com/v2.0"), Some("a.example.com"));
        assert_eq!(host_of("http://127.0.0.1:8080/x"), Some("127.0.0.1"));
        assert_eq!(host_of("http://[::1]:99/x"), Some("[::1]"));
        assert_eq!(host_of("http://u:p@h:1/"), Some("h"));
        assert_eq!(host_of("nonsense"), None);
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("https://identity.api.rackspacecloud.com/v2.0").is_ok());
        assert!(check_url("http://127.0.0.1:4000/v2.0").is_ok());
        assert!(check_url("http://127.9.9.9/v2.0").is_ok());
        assert!(check_url("http://localhost:1/v2.0").is_ok());
        assert!(check_url("http://[::1]:1/v2.0").is_ok());
        assert!(
            check_url("http://10.0.0.1/v2.0")
                .unwrap_err()
                .contains("plain http to 10.0.0.1")
        );
        assert!(check_url("http://localhost.evil.com/").is_err());
        assert!(check_url("ftp://x/").is_err());
        assert!(check_url("identity").is_err());
    }
}
