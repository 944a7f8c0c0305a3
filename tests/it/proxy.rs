//! Proxies are chosen with curl's rules, never for loopback, and named in errors, against the
//! CONNECT proxy of `support::proxy`: the proxied runs use made-up names (`identity.test`,
//! `lb.test`) only that proxy understands.

use crate::fake;
use crate::support;
use crate::support::tls_front;

use fake::{Config, Fake};
use support::proxy::Proxy;
use support::{LB, error_line, peekaboo};
use tls_front::{pki_for, tls_front_unbound, write_temp};

#[test]
fn a_proxied_run_sends_every_request_through_the_proxy() {
    let f = Fake::start(Config {
        lb_base: Some("http://lb.test:8080".into()),
        ..Config::default()
    });
    f.add_lb(LB, "DFW");
    let proxy = Proxy::start(None);
    proxy.forward_to(f.port());
    let out = peekaboo(
        &f,
        &["-allow-http", "-interval", "40ms"],
        &[
            ("OS_AUTH_URL", "http://identity.test:8080/v2.0"),
            ("http_proxy", &proxy.url()),
            // As in curl: HTTP_PROXY is never read, and ALL_PROXY only without http_proxy.
            ("HTTP_PROXY", "http://127.0.0.1:9"),
            ("ALL_PROXY", "socks5://127.0.0.1:9"),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.nodes(LB).len(), 1);
    let seen = proxy.seen();
    assert_eq!(
        seen.len(),
        f.requests().len(),
        "every request went through the proxy: {seen:?}"
    );
    assert!(seen.len() >= 3, "token, listing, add: {seen:?}");
    assert_eq!(seen[0], "CONNECT identity.test:8080");
    assert!(
        seen[1..].iter().all(|s| s == "CONNECT lb.test:8080"),
        "{seen:?}"
    );
}

#[test]
fn https_goes_through_the_proxy_with_the_certificate_checked_end_to_end() {
    let pki = pki_for(&["identity.test", "lb.test"], false);
    let ca = write_temp("proxy-ca.pem", &pki.ca_pem);
    let front = tls_front_unbound(&pki);
    let f = Fake::start(Config {
        lb_base: Some("https://lb.test:8443".into()),
        ..Config::default()
    });
    front.forward_to(&f);
    f.add_lb(LB, "DFW");
    let proxy = Proxy::start(None);
    proxy.forward_to(front.port);
    let out = peekaboo(
        &f,
        &["-interval", "40ms"],
        &[
            ("OS_AUTH_URL", "https://identity.test:8443/v2.0"),
            ("OS_CACERT", &ca),
            ("HTTPS_PROXY", &proxy.url()),
            ("http_proxy", "http://127.0.0.1:9"),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.nodes(LB).len(), 1);
    let seen = proxy.seen();
    assert_eq!(seen.len(), front.connections(), "{seen:?}");
    assert_eq!(seen[0], "CONNECT identity.test:8443");
    assert!(
        seen[1..].iter().all(|s| s == "CONNECT lb.test:8443"),
        "{seen:?}"
    );
}

/// ureq speaks CONNECT inside TLS to an `https://` proxy, and verifies the proxy's certificate
/// against the same roots (OS_CACERT here).
#[test]
fn an_https_proxy_is_spoken_to_over_verified_tls() {
    let pki = pki_for(&["127.0.0.1"], false);
    let ca = write_temp("tls-proxy-ca.pem", &pki.ca_pem);
    for trusted in [true, false] {
        let f = Fake::start(Config {
            lb_base: Some("http://lb.test:8080".into()),
            ..Config::default()
        });
        f.add_lb(LB, "DFW");
        let proxy = Proxy::start_tls(&pki);
        proxy.forward_to(f.port());
        let mut env = vec![
            ("OS_AUTH_URL", "http://identity.test:8080/v2.0".to_string()),
            ("http_proxy", format!("https://127.0.0.1:{}", proxy.port)),
        ];
        if trusted {
            env.push(("OS_CACERT", ca.clone()));
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = peekaboo(
            &f,
            &["-allow-http", "-interval", "40ms", "-timeout", "5s"],
            &env,
        );
        let seen = proxy.seen();
        if trusted {
            assert_eq!(out.code, 0, "{}", out.stderr);
            assert_eq!(f.nodes(LB).len(), 1);
            assert_eq!(seen.len(), f.requests().len(), "{seen:?}");
            assert_eq!(seen[0], "CONNECT identity.test:8080");
        } else {
            assert_eq!(out.code, 2, "{}", out.stderr);
            let line = error_line(&out);
            let want = format!(
                "TLS: the certificate of proxy 127.0.0.1:{} is not signed by a trusted CA (unknown issuer)",
                proxy.port
            );
            assert!(line.contains(&want), "{line}");
            assert!(seen.is_empty() && f.requests().is_empty(), "{seen:?}");
        }
    }
}

#[test]
fn loopback_is_never_proxied() {
    let proxy = Proxy::start(None);
    let url = proxy.url();
    let socks = format!("socks5://127.0.0.1:{}", proxy.port);
    let all: &[(&str, &str)] = &[
        ("HTTPS_PROXY", &url),
        ("https_proxy", &url),
        ("http_proxy", &url),
        ("HTTP_PROXY", &url),
        ("ALL_PROXY", &url),
        ("all_proxy", &url),
    ];
    for env in [all, &[("ALL_PROXY", socks.as_str())]] {
        let f = Fake::start(Config::default());
        f.add_lb(LB, "DFW");
        let out = peekaboo(&f, &["-interval", "40ms"], env);
        assert_eq!(out.code, 0, "{env:?}: {}", out.stderr);
        assert_eq!(f.nodes(LB).len(), 1);
    }
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}

/// 0.0.0.0 reaches this machine's listeners but is not loopback, so it is proxied unless
/// NO_PROXY says otherwise (host suffixes cannot be shown end to end without a name that
/// resolves here; the table tests in src/backend/http/proxy/tests.rs cover them).
#[test]
fn no_proxy_bypasses_addresses_and_ranges() {
    for (no_proxy, proxied) in [
        ("<unset>", true),
        ("10.0.0.0/8, example.test", true),
        ("0.0.0.0/8", false),
        ("example.test,0.0.0.0", false),
        ("*", false),
    ] {
        let f = Fake::start(Config::default());
        f.add_lb(LB, "DFW");
        let port = f.port();
        let proxy = Proxy::start(None);
        proxy.forward_to(port);
        let auth = format!("http://0.0.0.0:{port}/v2.0");
        let out = peekaboo(
            &f,
            &["-allow-http", "-interval", "40ms"],
            &[
                ("OS_AUTH_URL", &auth),
                ("http_proxy", &proxy.url()),
                ("NO_PROXY", no_proxy),
            ],
        );
        assert_eq!(out.code, 0, "NO_PROXY={no_proxy}: {}", out.stderr);
        let want: Vec<String> = if proxied {
            // Only the token request: the catalog's endpoints are loopback.
            vec![format!("CONNECT 0.0.0.0:{port}")]
        } else {
            vec![]
        };
        assert_eq!(proxy.seen(), want, "NO_PROXY={no_proxy}");
    }
}

#[test]
fn a_proxy_that_is_down_is_named() {
    let f = Fake::start(Config::default());
    let (_held, port) = crate::support::closed_port();
    let out = peekaboo(
        &f,
        &["-allow-http", "-interval", "40ms", "-timeout", "300ms"],
        &[
            ("OS_AUTH_URL", "http://identity.test:8080/v2.0"),
            ("http_proxy", &format!("http://127.0.0.1:{port}")),
        ],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    let line = error_line(&out);
    assert!(
        line.contains(&format!(
            "cannot reach identity.test:8080 via proxy 127.0.0.1:{port} (http_proxy): the proxy refused the connection"
        )),
        "{line}"
    );
}

#[test]
fn a_proxy_refusing_the_connect_ends_the_run_at_once() {
    for (code, says) in [
        (
            403,
            "the proxy refused the CONNECT (403): have identity.test allowed on the proxy, or add it to NO_PROXY",
        ),
        (
            407,
            "the proxy wants credentials (407): put them in HTTPS_PROXY as http://USER:PASS@HOST:PORT",
        ),
    ] {
        let f = Fake::start(Config::default());
        let proxy = Proxy::start(Some(code));
        let out = peekaboo(
            &f,
            &["-interval", "40ms", "-timeout", "5s"],
            &[
                ("OS_AUTH_URL", "https://identity.test:8443/v2.0"),
                ("HTTPS_PROXY", &proxy.url()),
            ],
        );
        assert_eq!(out.code, 2, "{code}: {}", out.stderr);
        let line = error_line(&out);
        let via = format!(
            "cannot reach identity.test:8443 via proxy 127.0.0.1:{} (HTTPS_PROXY): ",
            proxy.port
        );
        assert!(line.contains(&via) && line.contains(says), "{code}: {line}");
        assert_eq!(proxy.seen(), ["CONNECT identity.test:8443"], "asked once");
    }
}

#[test]
fn socks_proxies_are_refused_naming_the_variable() {
    for (var, value, shown) in [
        (
            "ALL_PROXY",
            "socks5://bob:s3cret@127.0.0.1:9",
            "socks5://…@127.0.0.1:9",
        ),
        (
            "https_proxy",
            "socks5h://127.0.0.1:9",
            "socks5h://127.0.0.1:9",
        ),
    ] {
        let f = Fake::start(Config::default());
        let out = peekaboo(
            &f,
            &["-timeout", "5s"],
            &[
                ("OS_AUTH_URL", "https://identity.test:8443/v2.0"),
                (var, value),
            ],
        );
        assert_eq!(out.code, 2, "{var}: {}", out.stderr);
        let line = error_line(&out);
        assert!(
            line.ends_with(&format!(
                "Error: {var} '{shown}' is a SOCKS proxy, which peekaboo does not support: use an http:// proxy, or unset {var}"
            )),
            "{line}"
        );
        assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    }
}
