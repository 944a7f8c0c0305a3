//! Table tests of `proxy_for`: precedence, loopback, NO_PROXY, proxy URLs.

use super::*;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> ProxyEnv {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ProxyEnv::from_env(&move |k| map.get(k).cloned())
}

/// The `host:port` a request to `url` goes through, "direct", or the error.
fn route(url: &str, pairs: &[(&str, &str)]) -> String {
    match proxy_for(url, &env(pairs)) {
        Ok(Some(p)) => p.shown.clone(),
        Ok(None) => "direct".into(),
        Err(e) => e,
    }
}

const HTTPS: &str = "https://lb.example.com/v1.0/1";
const HTTP: &str = "http://lb.example.com/v1.0/1";

#[test]
fn precedence_is_curls() {
    type Vars<'a> = &'a [(&'a str, &'a str)];
    let table: &[(&str, Vars, &str)] = &[
        (HTTPS, &[], "direct"),
        (HTTPS, &[("HTTPS_PROXY", "http://up:1")], "up:1"),
        (HTTPS, &[("https_proxy", "http://low:1")], "low:1"),
        (
            HTTPS,
            &[
                ("https_proxy", "http://low:1"),
                ("HTTPS_PROXY", "http://up:1"),
            ],
            "low:1",
        ),
        (HTTPS, &[("ALL_PROXY", "http://all:1")], "all:1"),
        (
            HTTPS,
            &[("all_proxy", "http://low:1"), ("ALL_PROXY", "http://up:1")],
            "low:1",
        ),
        // The scheme's own variable wins over ALL_PROXY, socks or not.
        (
            HTTPS,
            &[("HTTPS_PROXY", "http://s:1"), ("ALL_PROXY", "socks5://a:1")],
            "s:1",
        ),
        // http_proxy is for http URLs only, and HTTP_PROXY is never read.
        (HTTPS, &[("http_proxy", "http://h:1")], "direct"),
        (HTTP, &[("http_proxy", "http://h:1")], "h:1"),
        (HTTP, &[("HTTP_PROXY", "http://h:1")], "direct"),
        (
            HTTP,
            &[("HTTP_PROXY", "http://h:1"), ("ALL_PROXY", "http://a:1")],
            "a:1",
        ),
        (HTTP, &[("HTTPS_PROXY", "http://s:1")], "direct"),
        // Blank is unset.
        (
            HTTPS,
            &[("https_proxy", " "), ("HTTPS_PROXY", "http://up:1")],
            "up:1",
        ),
    ];
    for (url, pairs, want) in table {
        assert_eq!(route(url, pairs), *want, "{url} {pairs:?}");
    }
}

#[test]
fn loopback_is_never_proxied() {
    let all: &[(&str, &str)] = &[
        ("HTTPS_PROXY", "http://p:1"),
        ("http_proxy", "http://p:1"),
        ("ALL_PROXY", "socks5://p:1"),
    ];
    for url in [
        "http://127.0.0.1:4000/v2.0",
        "https://127.9.9.9/x",
        "http://[::1]:80/x",
        "https://localhost:8443/x",
        "https://LOCALHOST./x",
        "http://api.localhost/x",
        "http://[::ffff:127.0.0.1]:80/x",
    ] {
        assert_eq!(route(url, all), "direct", "{url}");
    }
    assert_eq!(route("https://localhost.evil.com/", all), "p:1");
    assert_eq!(route("https://[::2]/", all), "p:1");
    assert_eq!(route("https://[::ffff:10.0.0.1]/", all), "p:1");
}

#[test]
fn no_proxy_suffixes_addresses_and_ranges() {
    let p = ("HTTPS_PROXY", "http://p:1");
    let table: &[(&str, &str, &str)] = &[
        ("https://api.example.com/", "example.com", "direct"),
        ("https://example.com/", "example.com", "direct"),
        ("https://api.example.com/", ".example.com", "direct"),
        ("https://example.com/", ".example.com", "direct"),
        ("https://API.Example.COM./", "example.com", "direct"),
        ("https://badexample.com/", "example.com", "p:1"),
        ("https://example.com.evil/", "example.com", "p:1"),
        ("https://a.b.c/", "x, b.c ,y", "direct"),
        ("https://any.where/", "*", "direct"),
        ("https://a.b.c/", "x,*", "direct"),
        ("https://a.b.c/", "a.b.c:443", "direct"),
        ("https://10.1.2.3/", "10.0.0.0/8", "direct"),
        ("https://11.1.2.3/", "10.0.0.0/8", "p:1"),
        ("https://10.1.2.3/", "10.1.2.3", "direct"),
        ("https://10.1.2.4/", "10.1.2.3", "p:1"),
        ("https://10.1.2.3/", "0.0.0.0/0", "direct"),
        ("https://[2001:db8::5]/", "2001:db8::/32", "direct"),
        ("https://[2001:db9::5]/", "2001:db8::/32", "p:1"),
        ("https://[2001:db8::5]/", "[2001:db8::5]", "direct"),
        ("https://[2001:db8::5]/", "::/0", "direct"),
        // A range never matches a name: nothing is resolved to decide.
        ("https://ten.example/", "10.0.0.0/8", "p:1"),
        ("https://10.1.2.3/", "10.0.0.0/99", "p:1"),
        ("https://10.1.2.3/", "", "p:1"),
    ];
    for (url, no_proxy, want) in table {
        assert_eq!(
            route(url, &[p, ("NO_PROXY", no_proxy)]),
            *want,
            "{url} {no_proxy}"
        );
    }
    // Lower case wins.
    assert_eq!(
        route(
            HTTPS,
            &[p, ("no_proxy", "other"), ("NO_PROXY", "example.com")]
        ),
        "p:1"
    );
    assert_eq!(
        route(
            HTTPS,
            &[p, ("no_proxy", "example.com"), ("NO_PROXY", "other")]
        ),
        "direct"
    );
}

#[test]
fn proxy_urls() {
    let shown = |v: &str| route(HTTPS, &[("HTTPS_PROXY", v)]);
    assert_eq!(shown("http://proxy.corp:3128"), "proxy.corp:3128");
    assert_eq!(shown("proxy.corp:3128"), "proxy.corp:3128");
    assert_eq!(shown("http://proxy.corp"), "proxy.corp:1080");
    assert_eq!(shown("https://proxy.corp"), "proxy.corp:443");
    assert_eq!(shown("HTTP://proxy.corp:8080/"), "proxy.corp:8080");
    assert_eq!(shown("http://[fd00::1]:3128"), "[fd00::1]:3128");
    // Credentials are used, never shown.
    assert_eq!(
        shown("http://bob:s3cret@proxy.corp:3128"),
        "proxy.corp:3128"
    );
    for socks in [
        "socks5://p:1080",
        "socks5h://p",
        "SOCKS4://p",
        "socks4a://p",
        "socks://p",
    ] {
        let e = shown(socks);
        assert!(
            e.starts_with("HTTPS_PROXY '") && e.contains("is a SOCKS proxy, which peekaboo does not support: use an http:// proxy, or unset HTTPS_PROXY"),
            "{e}"
        );
    }
    let e = shown("socks5://bob:s3cret@p:1080");
    assert!(
        !e.contains("s3cret") && e.contains("'socks5://…@p:1080'"),
        "{e}"
    );
    for bad in [
        "ftp://p:21",
        "http://",
        "http://p:notaport",
        "http://p:0",
        "http://p:99999",
    ] {
        let e = shown(bad);
        assert!(e.starts_with(&format!("HTTPS_PROXY '{bad}'")), "{bad}: {e}");
        assert!(e.ends_with("unset HTTPS_PROXY"), "{bad}: {e}");
    }
    assert!(route(HTTPS, &[("all_proxy", "socks5://p:1")]).starts_with("all_proxy 'socks5://"));
}

#[test]
fn an_unusable_variable_matters_only_where_it_applies() {
    let e = env(&[
        ("ALL_PROXY", "socks5://p:1"),
        ("https_proxy", "http://ok:1"),
    ]);
    assert_eq!(e.usable().len(), 1);
    assert!(proxy_for("http://127.0.0.1/", &e).unwrap().is_none());
    assert_eq!(proxy_for(HTTPS, &e).unwrap().unwrap().shown, "ok:1");
    assert!(proxy_for(HTTP, &e).is_err());
}

#[test]
fn debug_hides_credentials() {
    let e = env(&[("HTTPS_PROXY", "http://bob:s3cret@p:1")]);
    assert!(!format!("{e:?}").contains("s3cret"), "{e:?}");
}
