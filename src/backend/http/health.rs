//! The `-health URL` probe: one GET to the app, through the same agents as the API requests,
//! so TLS is verified against the same roots (built-in, or OS_CACERT) and proxies are chosen by
//! the same rules (loopback never proxied), as `curl URL` on this host would.
//!
//! A probe is not an API request: it carries no token, is not counted for `-json`, and says
//! nothing itself; the watch loop decides what a failure means and logs it.

use std::time::Duration;

use ureq::http;

use super::failure::describe;
use super::proxy::ProxyUrl;
use super::tls::{self, Problem};
use super::{Http, host_of, printable, target_of};
use crate::time::format_duration;

impl Http {
    /// GETs `url` once within `timeout`: Ok(status) for 2xx and 3xx (a redirect is an answer,
    /// not followed), Err(why), one line, for anything else. The body is never read: the status
    /// says whether the app is healthy, and a slow or endless body must not hold up the probe.
    pub fn health_get(&self, url: &str, timeout: Duration) -> Result<u16, String> {
        let shown = shown_url(url);
        let (agent, via) = self.agent_for(url).map_err(|f| f.msg)?;
        let req = http::Request::builder()
            .method("GET")
            .uri(url)
            .body(())
            .map_err(|e| format!("GET {shown} cannot be sent: {e}"))?;
        let timeout = timeout.max(Duration::from_millis(1));
        let req = agent
            .configure_request(req)
            .timeout_global(Some(timeout))
            .build();
        let resp = agent
            .run(req)
            .map_err(|e| probe_failure(&e, url, via, timeout, self.private_roots))?;
        match resp.status().as_u16() {
            s @ 200..=399 => Ok(s),
            s => Err(format!("GET {shown} answered {s}")),
        }
    }
}

/// Words a probe that got no answer. The common cases in the words a health log is read in
/// ("connection refused": the app is down; "no answer within 2s": it hangs); the rest as for
/// API requests, except that a certificate's wrong name is fixed in -health, not OS_AUTH_URL.
fn probe_failure(
    e: &ureq::Error,
    url: &str,
    via: Option<&ProxyUrl>,
    timeout: Duration,
    private_roots: bool,
) -> String {
    let direct = via.is_none();
    match e {
        ureq::Error::Io(io) if direct && io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused".into()
        }
        ureq::Error::Timeout(ureq::Timeout::Resolve) if direct => {
            format!(
                "DNS lookup of {} timed out",
                host_of(url).unwrap_or("the host")
            )
        }
        ureq::Error::Timeout(_) if direct => {
            format!("no answer within {}", format_duration(timeout))
        }
        _ => match tls::problem(e) {
            Some(Problem::WrongName(names)) if direct => {
                let host = target_of(url).unwrap_or_else(|| "the server".into());
                let only = if names.is_empty() {
                    String::new()
                } else {
                    format!(", only for {}", names.join(", "))
                };
                format!(
                    "TLS: the certificate of {host} is not valid for that name{only}: use a name it holds in the -health URL"
                )
            }
            _ => describe(e, url, via, private_roots).msg,
        },
    }
}

/// `url` fit for a log line: one line, and without a `user:password@` part.
fn shown_url(url: &str) -> String {
    let url = printable(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://…@{}", &rest[at + 1..]),
        None => url.clone(),
    }
}

#[cfg(test)]
mod tests;
