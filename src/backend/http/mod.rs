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
mod url;

pub use failure::Failure;
use failure::describe;
pub use url::{
    check_url, credentials_in_clear, host_of, is_remote_http, preflight, printable, target_of,
    url_parses,
};

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

#[cfg(test)]
mod tests {
    use super::*;

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
