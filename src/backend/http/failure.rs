//! What a transport failure means: whom it concerns (the host, and the proxy it went
//! through), what went wrong in words, and whether trying again can help.

use super::{BODY_LIMIT, host_of, target_of, tls};
use crate::backend::ApiError;
use crate::backend::http::proxy::ProxyUrl;
use crate::error::Error;

/// No answer, or an unreadable one, worded for the log. `final_` when trying again cannot help
/// (a certificate that does not verify, a proxy variable that cannot be used): the run must
/// stop with the message instead of retrying until -timeout.
#[derive(Debug, PartialEq)]
pub struct Failure {
    pub msg: String,
    pub final_: bool,
    /// The answer was over the body limit: the same on every try from the same server, but
    /// whether that is final is for the caller (a load balancer's state moves; a token answer
    /// does not).
    pub oversized: bool,
}

impl Failure {
    pub(super) fn transient(msg: String) -> Failure {
        Failure {
            msg,
            final_: false,
            oversized: false,
        }
    }

    /// A failure that trying again cannot mend.
    pub(super) fn fatal(msg: String) -> Failure {
        Failure {
            final_: true,
            ..Failure::transient(msg)
        }
    }
}

impl From<Failure> for ApiError {
    fn from(f: Failure) -> ApiError {
        if f.final_ {
            ApiError::Final(Error::Config(f.msg))
        } else {
            ApiError::Transport(f.msg)
        }
    }
}

/// Words a transport failure: whom it concerns (the host and port, and the proxy it went
/// through), what went wrong, and whether it is final. The port is always shown, 443 and 80
/// too: one host often serves identity and the load balancer API on different ports. A name
/// lookup, which has no port, names the host alone.
pub(super) fn describe(
    e: &ureq::Error,
    url: &str,
    via: Option<&ProxyUrl>,
    private_roots: bool,
) -> Failure {
    let host = host_of(url).unwrap_or("the server");
    let target = target_of(url).unwrap_or_else(|| host.to_string());
    let through = via
        .map(|p| format!(" via proxy {} ({})", p.shown, p.var))
        .unwrap_or_default();
    if let Some(problem) = tls::problem(e) {
        let msg = tls::explain(
            &problem,
            &whose_certificate(url, target, via),
            private_roots,
        );
        return Failure {
            final_: problem.is_final(),
            ..Failure::transient(format!("{msg}{through}"))
        };
    }
    let refused = |e: &ureq::Error| matches!(e, ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused);
    let msg = match (e, via) {
        (ureq::Error::ConnectProxyFailed(reason), Some(p)) => {
            return proxy_refused(reason, host, &target, p);
        }
        // The proxy resolves the target, so a name that does not resolve is the proxy's.
        (ureq::Error::HostNotFound, Some(_)) => {
            format!("cannot reach {target}{through}: the proxy's host name does not resolve")
        }
        // Through a CONNECT proxy, only the proxy is connected to directly.
        (e, Some(_)) if refused(e) => {
            format!("cannot reach {target}{through}: the proxy refused the connection")
        }
        (ureq::Error::Timeout(ureq::Timeout::Connect), Some(_)) => {
            format!("cannot reach {target}{through}: the proxy did not accept a connection in time")
        }
        (e, None) if refused(e) => {
            format!(
                "{target} refused the connection: nothing listens there, or a firewall rejects it"
            )
        }
        (ureq::Error::HostNotFound, None) => format!(
            "cannot resolve {host}: no DNS (in a container, run with --net=host or give it /etc/resolv.conf)"
        ),
        (ureq::Error::Timeout(ureq::Timeout::Resolve), _) => {
            format!("DNS lookup of {host} timed out{through}")
        }
        (ureq::Error::Timeout(t), _) => {
            format!("{target} did not answer in time ({t} timeout){through}")
        }
        (ureq::Error::BodyExceedsLimit(_), _) => {
            return Failure {
                oversized: true,
                ..Failure::transient(format!(
                    "{target} sent an answer over {BODY_LIMIT} bytes{through}"
                ))
            };
        }
        (other, _) => format!("request to {target} failed{through}: {other}"),
    };
    Failure::transient(msg)
}

/// Whose certificate failed: with an https proxy there are two; for a plain http URL only the
/// proxy's, for an https one either (ureq does not say which handshake failed).
fn whose_certificate(url: &str, target: String, via: Option<&ProxyUrl>) -> String {
    match via {
        Some(p)
            if p.tls
                && url
                    .get(..5)
                    .is_some_and(|s| s.eq_ignore_ascii_case("http:")) =>
        {
            format!("proxy {}", p.shown)
        }
        Some(p) if p.tls => format!("{target} (or of proxy {})", p.shown),
        _ => target,
    }
}

/// A proxy that answered CONNECT with something other than 200 (ureq words it "proxy server
/// responded 403/…"). 403 and 407 are its policy and will not change on retry; anything else
/// (502, 503, no answer) may be passing trouble.
/// NO_PROXY takes the `host`; the CONNECT was for `target`.
fn proxy_refused(reason: &str, host: &str, target: &str, via: &ProxyUrl) -> Failure {
    let head = format!(
        "cannot reach {target} via proxy {} ({})",
        via.shown, via.var
    );
    let code = reason
        .strip_prefix("proxy server responded ")
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse::<u16>().ok());
    let var = via.var;
    let (msg, final_) = match code {
        Some(407) if via.proxy.username().is_some() => (
            format!(
                "{head}: the proxy refused the credentials in {var} (407): correct them, or add {host} to NO_PROXY"
            ),
            true,
        ),
        Some(407) => (
            format!(
                "{head}: the proxy wants credentials (407): put them in {var} as http://USER:PASS@HOST:PORT, or add {host} to NO_PROXY"
            ),
            true,
        ),
        Some(403) => (
            format!(
                "{head}: the proxy refused the CONNECT (403): have {host} allowed on the proxy, or add it to NO_PROXY"
            ),
            true,
        ),
        Some(c) => (format!("{head}: the proxy answered {c} to CONNECT"), false),
        None => (
            format!("{head}: the proxy did not answer the CONNECT"),
            false,
        ),
    };
    Failure {
        final_,
        ..Failure::transient(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::http::proxy::{ProxyEnv, proxy_for};

    fn via(value: &str) -> ProxyUrl {
        let env = ProxyEnv::from_env(&|k| (k == "HTTPS_PROXY").then(|| value.to_string()));
        proxy_for("https://lb.example.com/", &env)
            .unwrap()
            .unwrap()
            .clone()
    }

    #[test]
    fn failures_through_a_proxy_name_it() {
        let p = via("http://proxy.corp:3128");
        let url = "https://lb.example.com/v1.0/1";
        let refused = |reason: &str, p: &ProxyUrl| {
            describe(
                &ureq::Error::ConnectProxyFailed(reason.into()),
                url,
                Some(p),
                false,
            )
        };
        let table = [
            (
                "proxy server responded 403/403",
                true,
                "the proxy refused the CONNECT (403)",
            ),
            (
                "proxy server responded 407/407",
                true,
                "the proxy wants credentials (407): put them in HTTPS_PROXY",
            ),
            (
                "proxy server responded 502/502",
                false,
                "the proxy answered 502 to CONNECT",
            ),
            (
                "proxy server did not respond",
                false,
                "the proxy did not answer the CONNECT",
            ),
        ];
        for (reason, final_, says) in table {
            let f = refused(reason, &p);
            assert_eq!(f.final_, final_, "{reason}");
            assert!(
                f.msg.starts_with(
                    "cannot reach lb.example.com:443 via proxy proxy.corp:3128 (HTTPS_PROXY): "
                ) && f.msg.contains(says),
                "{reason}: {}",
                f.msg
            );
        }
        let with_creds = via("http://bob:s3cret@proxy.corp:3128");
        let f = refused("proxy server responded 407/407", &with_creds);
        assert!(
            f.final_ && f.msg.contains("refused the credentials in HTTPS_PROXY"),
            "{}",
            f.msg
        );
        assert!(
            !f.msg.contains("s3cret") && !f.msg.contains("bob"),
            "{}",
            f.msg
        );
        let down = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let f = describe(&ureq::Error::Io(down), url, Some(&p), false);
        assert!(!f.final_);
        assert_eq!(
            f.msg,
            "cannot reach lb.example.com:443 via proxy proxy.corp:3128 (HTTPS_PROXY): the proxy refused the connection"
        );
        let f = describe(&ureq::Error::HostNotFound, url, Some(&p), false);
        assert!(
            f.msg.contains("the proxy's host name does not resolve"),
            "{}",
            f.msg
        );
        let f = describe(&ureq::Error::HostNotFound, url, None, false);
        assert!(
            f.msg.starts_with("cannot resolve lb.example.com"),
            "{}",
            f.msg
        );
    }

    #[test]
    fn failures_name_the_host_and_port() {
        let refused = || {
            let e = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
            ureq::Error::Io(e)
        };
        let reset = || {
            let e = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
            ureq::Error::Io(e)
        };
        let timeout = || ureq::Error::Timeout(ureq::Timeout::Connect);
        let table: [(ureq::Error, &str, &str); 7] = [
            (
                refused(),
                "http://127.0.0.1:9876/v2",
                "127.0.0.1:9876 refused the connection: nothing listens there, or a firewall rejects it",
            ),
            (
                refused(),
                "https://octavia.example.com/v2",
                "octavia.example.com:443 refused the connection",
            ),
            (
                refused(),
                "http://[fd00::5]/v2",
                "[fd00::5]:80 refused the connection",
            ),
            (
                reset(),
                "https://[fd00::5]:9876",
                "request to [fd00::5]:9876 failed: ",
            ),
            (
                timeout(),
                "https://id.example.com:5000/v3",
                "id.example.com:5000 did not answer in time (",
            ),
            (
                ureq::Error::BodyExceedsLimit(1),
                "https://id.example.com:5000/v3",
                "id.example.com:5000 sent an answer over",
            ),
            // A name lookup has no port.
            (
                ureq::Error::HostNotFound,
                "https://id.example.com:5000/v3",
                "cannot resolve id.example.com: ",
            ),
        ];
        for (e, url, says) in table {
            let f = describe(&e, url, None, false);
            assert!(f.msg.starts_with(says) && !f.final_, "{url}: {}", f.msg);
        }
        let cert = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        let e = ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, cert));
        let f = describe(&e, "https://id.example.com:5000/v3", None, false);
        assert!(
            f.msg
                .starts_with("TLS: the certificate of id.example.com:5000 has expired"),
            "{}",
            f.msg
        );
    }

    #[test]
    fn only_failures_that_cannot_change_are_final() {
        let url = "https://id.example.com/v2.0";
        let cert = |c| {
            let e = rustls::Error::InvalidCertificate(c);
            ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        };
        let f = describe(
            &cert(rustls::CertificateError::UnknownIssuer),
            url,
            None,
            false,
        );
        assert!(f.final_ && f.msg.contains("id.example.com") && f.msg.contains("OS_CACERT"));
        let f = describe(
            &cert(rustls::CertificateError::NotValidYet),
            url,
            None,
            false,
        );
        assert!(!f.final_ && f.msg.contains("clock"), "{}", f.msg);
        let p = via("http://proxy.corp:3128");
        let f = describe(
            &cert(rustls::CertificateError::Expired),
            url,
            Some(&p),
            false,
        );
        assert!(
            f.final_ && f.msg.ends_with("via proxy proxy.corp:3128 (HTTPS_PROXY)"),
            "{}",
            f.msg
        );
        let f = describe(
            &ureq::Error::Timeout(ureq::Timeout::Global),
            url,
            None,
            false,
        );
        assert!(!f.final_);
        assert!(matches!(
            ApiError::from(Failure::fatal("m".into())),
            ApiError::Final(Error::Config(m)) if m == "m"
        ));
        assert_eq!(
            ApiError::from(Failure::transient("m".into())),
            ApiError::Transport("m".into())
        );
    }
}
