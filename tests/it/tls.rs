//! TLS is always verified: against the built-in roots by default, against OS_CACERT when it is
//! set. The identity endpoint (or the catalog's load balancer endpoint) here is a real TLS
//! server on loopback in front of the fake, with a CA and certificate made for the test.
//! A certificate that does not verify will not verify on the next try either: the run stops
//! at once with exit 2 and one line saying what is wrong and what to do.

use crate::fake;
use crate::support;
use crate::support::tls_front;

use fake::{Config, Fake};
use support::{LB, Out, error_line, peekaboo};
use tls_front::{pki, pki_for, pki_named, tls_front, tls_front_unbound, write_temp};

#[test]
fn os_cacert_trusts_a_private_ca() {
    let pki = pki();
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    let front = tls_front(&f, &pki);
    let ca = write_temp("ca.pem", &pki.ca_pem);
    let url = format!("https://127.0.0.1:{}/v2.0", front.port);
    let out = peekaboo(
        &f,
        &["-interval", "40ms"],
        &[("OS_AUTH_URL", &url), ("OS_CACERT", &ca)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.nodes(LB).len(), 1);
    assert!(
        f.requests()[0].path.ends_with("/tokens"),
        "the token request went through TLS"
    );
}

/// Runs against an identity endpoint behind a TLS front presenting `pki`'s certificate, with
/// a deadline a retry loop would fill with dozens of attempts.
fn run_against(pki: &tls_front::Pki, cacert: Option<&str>) -> (Out, usize, Fake) {
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    let front = tls_front(&f, pki);
    let url = format!("https://127.0.0.1:{}/v2.0", front.port);
    let mut env = vec![("OS_AUTH_URL", url.as_str())];
    if let Some(ca) = cacert {
        env.push(("OS_CACERT", ca));
    }
    let out = peekaboo(&f, &["-interval", "40ms", "-timeout", "5s"], &env);
    (out, front.connections(), f)
}

#[test]
fn an_unknown_ca_fails_at_once_naming_the_host_and_the_fix() {
    let pki = pki();
    let other = write_temp("other-ca.pem", &tls_front::pki().ca_pem);
    for (what, cacert, says) in [
        (
            "built-in roots",
            None,
            "is not signed by a trusted CA (unknown issuer): for a private CA or a TLS-inspecting proxy, set OS_CACERT",
        ),
        (
            "another CA",
            Some(other.as_str()),
            "is not signed by a CA in OS_CACERT (unknown issuer): add the CA that issued it",
        ),
    ] {
        let (out, connections, f) = run_against(&pki, cacert);
        assert_eq!(out.code, 2, "{what}: {}", out.stderr);
        let line = error_line(&out);
        assert!(
            line.contains("TLS: the certificate of 127.0.0.1:") && line.contains(says),
            "{what}: {line}"
        );
        assert!(!line.contains("io:"), "{what}: no raw rustls text: {line}");
        assert_eq!(connections, 1, "{what}: tried once, not until -timeout");
        assert!(
            f.requests().is_empty(),
            "{what}: the credentials never reached the server"
        );
    }
}

#[test]
fn an_expired_certificate_fails_at_once() {
    let pki = pki_for(&["127.0.0.1"], true);
    let ca = write_temp("expired-ca.pem", &pki.ca_pem);
    let (out, connections, f) = run_against(&pki, Some(&ca));
    assert_eq!(out.code, 2, "{}", out.stderr);
    let line = error_line(&out);
    assert!(
        line.contains("TLS: the certificate of 127.0.0.1:")
            && line.contains(" has expired: it must be renewed"),
        "{line}"
    );
    assert_eq!(connections, 1);
    assert!(f.requests().is_empty());
}

#[test]
fn a_certificate_for_another_name_fails_at_once() {
    let pki = pki_for(&["other.example"], false);
    let ca = write_temp("name-ca.pem", &pki.ca_pem);
    let (out, connections, f) = run_against(&pki, Some(&ca));
    assert_eq!(out.code, 2, "{}", out.stderr);
    let line = error_line(&out);
    assert!(
        line.contains("TLS: the certificate of 127.0.0.1:") && line.contains(" is not valid for that name, only for other.example: use one of those as the URL's host"),
        "{line}"
    );
    assert_eq!(connections, 1);
    assert!(f.requests().is_empty());
}

#[test]
fn a_bad_signature_fails_at_once() {
    // OS_CACERT holds a CA of the issuer's name but another key.
    let pki = pki_named("peekaboo impostor CA", &["127.0.0.1"], false);
    let impostor = pki_named("peekaboo impostor CA", &["127.0.0.1"], false);
    let ca = write_temp("impostor-ca.pem", &impostor.ca_pem);
    let (out, connections, f) = run_against(&pki, Some(&ca));
    assert_eq!(out.code, 2, "{}", out.stderr);
    let line = error_line(&out);
    assert!(
        line.contains("TLS: the certificate of 127.0.0.1:")
            && line.contains(
                " has a bad signature: a CA in OS_CACERT has the name of its issuer but not its key"
            ),
        "{line}"
    );
    assert_eq!(connections, 1);
    assert!(f.requests().is_empty());
}

/// The catalog names the load balancer endpoint: the same verification, the same final error,
/// after a successful authentication and before any node is touched.
#[test]
fn the_catalogs_endpoint_is_verified_the_same_way() {
    let pki = pki();
    let front = tls_front_unbound(&pki);
    let f = Fake::start(Config {
        lb_base: Some(format!("https://127.0.0.1:{}", front.port)),
        ..Config::default()
    });
    front.forward_to(&f);
    f.add_lb(LB, "DFW");
    let out = peekaboo(&f, &["-interval", "40ms", "-timeout", "5s"], &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let line = error_line(&out);
    assert!(
        line.contains(&format!(
            "TLS: the certificate of 127.0.0.1:{} is not signed by a trusted CA (unknown issuer)",
            front.port
        )) && line.contains("set OS_CACERT"),
        "{line}"
    );
    assert_eq!(front.connections(), 1, "tried once, not until -timeout");
    let calls = support::calls(&f);
    assert_eq!(
        calls,
        ["POST /tokens"],
        "only the (plain loopback) token request"
    );
    assert!(f.nodes(LB).is_empty());
}
