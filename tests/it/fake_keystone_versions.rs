//! Checks of the fake Keystone's version documents (at its root and under devstack's
//! `/identity`, as docs/octavia-api.md says a real one answers them) and of its answer for
//! Flex's trouble upstream, through the raw client of `fake_selftest`.

use crate::fake;
use crate::fake_selftest::call;
use fake::keystone::{GENERIC_401, Keystone};
use fake::*;

use serde_json::json;

/// The root of the fake, `http://127.0.0.1:PORT`.
fn root(f: &Fake) -> String {
    f.keystone_url().trim_end_matches("/v3").to_string()
}

#[test]
fn the_root_answers_300_with_its_one_version_and_its_link() {
    let f = Fake::start(Config::default());
    let root = root(&f);
    for (path, prefix) in [
        ("/", ""),
        ("/identity", "/identity"),
        ("/identity/", "/identity"),
    ] {
        let r = call(&format!("{root}{path}"), "GET", None, None);
        assert_eq!(r.status, 300, "{path}: {}", r.body);
        let link = format!("{root}{prefix}/v3/");
        assert_eq!(r.header("location"), Some(link.as_str()), "{path}");
        let v = r.json();
        let values = v["versions"]["values"].as_array().expect("a list");
        assert_eq!(values.len(), 1, "{v}");
        assert_eq!(values[0]["id"], "v3.14");
        assert_eq!(values[0]["status"], "stable");
        assert_eq!(
            values[0]["links"],
            json!([{"rel": "self", "href": link}]),
            "{path}"
        );
        // The version itself, at what the link names.
        let r = call(&link, "GET", None, None);
        assert_eq!(r.status, 200, "{link}: {}", r.body);
        assert_eq!(r.json()["version"]["id"], "v3.14");
        assert_eq!(
            r.json()["version"]["links"][0]["href"].as_str(),
            Some(link.as_str())
        );
    }
    // Only GET; and no other path under the prefix.
    assert_eq!(
        call(&format!("{root}/identity"), "POST", None, Some("{}")).status,
        405
    );
    assert_eq!(
        call(&format!("{root}/identityx"), "GET", None, None).status,
        404
    );
}

#[test]
fn the_token_request_works_under_the_prefix_and_links_follow_public_url() {
    let f = Fake::start(Config {
        keystone: Keystone {
            public_url: Some("https://keystone.example".into()),
            ..Keystone::default()
        },
        ..Config::default()
    });
    let root = root(&f);
    let r = call(&format!("{root}/identity/"), "GET", None, None);
    assert_eq!(
        r.json()["versions"]["values"][0]["links"][0]["href"],
        "https://keystone.example/identity/v3/"
    );
    let k = Keystone::default();
    let body = json!({"auth": {"identity": {"methods": ["application_credential"], "application_credential": {"id": k.app_cred_id, "secret": k.app_cred_secret}}}});
    let url = format!("{root}/identity/v3/auth/tokens");
    let r = call(&url, "POST", None, Some(&body.to_string()));
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.header("x-subject-token").is_some());
}

#[test]
fn upstream_trouble_answers_the_generic_401_to_the_next_token_requests_only() {
    let f = Fake::start(Config::default());
    let k = Keystone::default();
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": k.flex_user, "domain": {"name": "rackspace_cloud_domain"}, "password": k.flex_api_key}}}}});
    let url = format!("{}/auth/tokens", f.keystone_url());
    f.keystone_upstream_trouble(2);
    for _ in 0..2 {
        let r = call(&url, "POST", None, Some(&body.to_string()));
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(
            r.json(),
            json!({"error": {"code": 401, "message": GENERIC_401, "title": "Unauthorized"}})
        );
        let realm = format!("Keystone uri=\"{}\"", f.keystone_url());
        assert_eq!(r.header("www-authenticate"), Some(realm.as_str()));
    }
    assert_eq!(f.unspent(), 0);
    let r = call(&url, "POST", None, Some(&body.to_string()));
    assert_eq!(r.status, 201, "{}", r.body);
}
