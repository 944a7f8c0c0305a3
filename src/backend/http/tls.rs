//! Recognising a TLS failure that retrying cannot fix, and saying what to do about it.
//!
//! ureq hands back rustls's error, either as `ureq::Error::Rustls` or wrapped in an
//! `io::Error` by the TLS stream. rustls is not a dependency of ours, so its type is named
//! through ureq's variant (`downcast_like`) and its variants are read from their `Debug` names,
//! which are rustls's public API (`InvalidCertificate(UnknownIssuer)`, `…(ExpiredContext {…})`).

use std::error::Error as StdError;

/// What is wrong with the server's TLS, in the terms a fix is given in.
#[derive(Debug, PartialEq)]
pub enum Problem {
    UnknownIssuer,
    Expired,
    /// Most often this machine's clock, not the certificate: at boot it may not be set yet.
    NotValidYet,
    /// The names the certificate holds.
    WrongName(Vec<String>),
    BadSignature,
    Revoked,
    /// Any other refusal of the certificate, by rustls's name for it.
    OtherCertificate(String),
    /// No TLS version or cipher suite in common.
    Incompatible(String),
}

impl Problem {
    /// A certificate does not become valid by asking again, except when the clock catches up.
    pub fn is_final(&self) -> bool {
        *self != Problem::NotValidYet
    }
}

/// The TLS problem behind `e`, if it is one we recognise.
pub fn problem(e: &ureq::Error) -> Option<Problem> {
    let debug = match e {
        ureq::Error::Rustls(r) => format!("{r:?}"),
        ureq::Error::Io(io) => format!("{:?}", rustls_in(io)?),
        _ => return None,
    };
    classify(&debug)
}

/// rustls's error inside an `io::Error`, looking through further `io::Error` wrappers.
fn rustls_in(io: &std::io::Error) -> Option<&(dyn StdError + 'static)> {
    let mut cur: &(dyn StdError + 'static) = io.get_ref()?;
    for _ in 0..8 {
        if downcast_like(ureq::Error::Rustls, cur).is_some() {
            return Some(cur);
        }
        cur = match cur.downcast_ref::<std::io::Error>() {
            Some(inner) => inner.get_ref()?,
            None => cur.source()?,
        };
    }
    None
}

/// `e` as the type `variant` wraps: names a type we cannot import by a constructor that takes it.
fn downcast_like<'a, T: StdError + 'static>(
    _variant: fn(T) -> ureq::Error,
    e: &'a (dyn StdError + 'static),
) -> Option<&'a T> {
    e.downcast_ref::<T>()
}

/// Reads a rustls `Error`'s `Debug` text.
fn classify(debug: &str) -> Option<Problem> {
    if let Some(rest) = debug.strip_prefix("InvalidCertificate(") {
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let base = name.strip_suffix("Context").unwrap_or(&name);
        return Some(match base {
            "UnknownIssuer" => Problem::UnknownIssuer,
            "Expired" => Problem::Expired,
            "NotValidYet" => Problem::NotValidYet,
            "NotValidForName" => Problem::WrongName(presented_names(rest)),
            "BadSignature" => Problem::BadSignature,
            "Revoked" => Problem::Revoked,
            _ => Problem::OtherCertificate(name),
        });
    }
    if let Some(what) = debug.strip_prefix("PeerIncompatible(") {
        return Some(Problem::Incompatible(
            what.trim_end_matches(')').to_string(),
        ));
    }
    None
}

/// The names in a `NotValidForNameContext`'s `presented: [..]`, which webpki writes as
/// `DnsName("a.example")` and `IpAddress(127.0.0.1)` (escaped once more by `Debug`).
fn presented_names(debug: &str) -> Vec<String> {
    let Some(start) = debug.find("presented: [") else {
        return Vec::new();
    };
    let list = &debug[start + "presented: [".len()..];
    let list = list.split(']').next().unwrap_or("");
    list.split(", ")
        .map(|item| {
            let item = item.trim_matches('"').replace("\\\"", "\"");
            let bare = item
                .strip_prefix("DnsName(\"")
                .and_then(|r| r.strip_suffix("\")"))
                .or_else(|| {
                    item.strip_prefix("IpAddress(")
                        .and_then(|r| r.strip_suffix(')'))
                });
            bare.unwrap_or(&item).to_string()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// One line: the host, the problem in words, the fix.
pub fn explain(problem: &Problem, host: &str, private_roots: bool) -> String {
    match problem {
        Problem::UnknownIssuer if private_roots => format!(
            "TLS: the certificate of {host} is not signed by a CA in OS_CACERT (unknown issuer): add the CA that issued it (a private CA, or a TLS-inspecting proxy's) to that file"
        ),
        Problem::UnknownIssuer => format!(
            "TLS: the certificate of {host} is not signed by a trusted CA (unknown issuer): for a private CA or a TLS-inspecting proxy, set OS_CACERT to a PEM file of its CA certificate"
        ),
        Problem::Expired => format!(
            "TLS: the certificate of {host} has expired: it must be renewed on the server (or, if this machine's clock is wrong, set the clock)"
        ),
        Problem::NotValidYet => format!(
            "TLS: the certificate of {host} is not valid yet: this machine's clock is probably behind (start peekaboo after time-sync.target)"
        ),
        Problem::WrongName(names) if names.is_empty() => format!(
            "TLS: the certificate of {host} is not valid for that name: use the host name the certificate holds in the URL (OS_AUTH_URL)"
        ),
        Problem::WrongName(names) => format!(
            "TLS: the certificate of {host} is not valid for that name, only for {}: use one of those as the URL's host (OS_AUTH_URL)",
            names.join(", ")
        ),
        Problem::BadSignature if private_roots => format!(
            "TLS: the certificate of {host} has a bad signature: a CA in OS_CACERT has the name of its issuer but not its key; put the issuer's own CA certificate in that file"
        ),
        Problem::BadSignature => format!(
            "TLS: the certificate of {host} has a bad signature: the server's certificate chain is broken, or something in between rewrites it"
        ),
        Problem::Revoked => format!(
            "TLS: the certificate of {host} has been revoked: the server needs a new certificate"
        ),
        Problem::OtherCertificate(why) => format!(
            "TLS: the certificate of {host} is refused ({why}): fix the server's certificate, or set OS_CACERT if a private CA issued it"
        ),
        Problem::Incompatible(why) => format!(
            "TLS: {host} offers no TLS version or cipher peekaboo accepts ({why}): the server must offer TLS 1.2 or 1.3"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::{CertificateError as C, Error as R, pki_types::UnixTime};
    use std::io;

    /// `e` the way ureq reports a failed handshake: the rustls error inside an `io::Error`.
    fn via_io(e: R) -> ureq::Error {
        ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, e))
    }

    #[test]
    fn certificate_problems_are_recognised() {
        let t = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_700_000_000));
        let name = rustls::pki_types::ServerName::try_from("lb.example.com").unwrap();
        let table: Vec<(R, Problem, bool)> = vec![
            (
                R::InvalidCertificate(C::UnknownIssuer),
                Problem::UnknownIssuer,
                true,
            ),
            (R::InvalidCertificate(C::Expired), Problem::Expired, true),
            (
                R::InvalidCertificate(C::ExpiredContext {
                    time: t,
                    not_after: t,
                }),
                Problem::Expired,
                true,
            ),
            (
                R::InvalidCertificate(C::NotValidYetContext {
                    time: t,
                    not_before: t,
                }),
                Problem::NotValidYet,
                false,
            ),
            (
                R::InvalidCertificate(C::NotValidForName),
                Problem::WrongName(vec![]),
                true,
            ),
            (
                R::InvalidCertificate(C::NotValidForNameContext {
                    expected: name.to_owned(),
                    presented: vec![
                        "DnsName(\"other.example\")".into(),
                        "IpAddress(127.0.0.1)".into(),
                    ],
                }),
                Problem::WrongName(vec!["other.example".into(), "127.0.0.1".into()]),
                true,
            ),
            (
                R::InvalidCertificate(C::BadSignature),
                Problem::BadSignature,
                true,
            ),
            (R::InvalidCertificate(C::Revoked), Problem::Revoked, true),
            (
                R::InvalidCertificate(C::BadEncoding),
                Problem::OtherCertificate("BadEncoding".into()),
                true,
            ),
            (
                R::PeerIncompatible(rustls::PeerIncompatible::Tls12NotOffered),
                Problem::Incompatible("Tls12NotOffered".into()),
                true,
            ),
        ];
        for (err, want, final_) in table {
            let shown = format!("{err:?}");
            assert_eq!(want.is_final(), final_, "{shown}");
            assert_eq!(
                problem(&via_io(err.clone())).as_ref(),
                Some(&want),
                "{shown}"
            );
            assert_eq!(problem(&ureq::Error::Rustls(err)), Some(want), "{shown}");
        }
    }

    #[test]
    fn other_failures_are_not_tls_problems() {
        let plain = [
            ureq::Error::Io(io::Error::new(io::ErrorKind::ConnectionRefused, "refused")),
            ureq::Error::Io(io::Error::new(
                io::ErrorKind::InvalidData,
                "InvalidCertificate(UnknownIssuer)",
            )),
            ureq::Error::HostNotFound,
            via_io(R::AlertReceived(rustls::AlertDescription::InternalError)),
            via_io(R::InvalidMessage(
                rustls::InvalidMessage::InvalidContentType,
            )),
        ];
        for e in plain {
            assert_eq!(problem(&e), None, "{e}");
        }
    }

    #[test]
    fn explanations_name_the_host_and_the_fix() {
        let e = explain(&Problem::UnknownIssuer, "id.example", false);
        assert!(
            e.contains("id.example") && e.contains("set OS_CACERT"),
            "{e}"
        );
        let e = explain(&Problem::UnknownIssuer, "id.example", true);
        assert!(e.contains("not signed by a CA in OS_CACERT"), "{e}");
        let e = explain(
            &Problem::WrongName(vec!["a.example".into()]),
            "b.example",
            false,
        );
        assert!(
            e.contains("b.example") && e.contains("only for a.example"),
            "{e}"
        );
        let e = explain(&Problem::Expired, "id.example", false);
        assert!(e.contains("has expired"), "{e}");
        for p in [Problem::Expired, Problem::BadSignature, Problem::Revoked] {
            assert!(!explain(&p, "h", false).contains('\n'));
        }
    }
}
