use super::*;

/// Keystone 30's answer at its root, as recorded: 300 and every version it offers.
const KEYSTONE_ROOT: &str = r#"{"versions": {"values": [{"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z", "links": [{"rel": "self", "href": "http://127.0.0.1:15000/v3/"}], "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}]}}"#;

#[test]
fn the_v3_link_of_a_version_document() {
    let root = "https://ks.example:5000/identity";
    let cases: &[(u16, &str, Result<&str, NoV3>)] = &[
        (300, KEYSTONE_ROOT, Ok("http://127.0.0.1:15000/v3")),
        // 200 is taken too, and the single document a versioned URL answers with.
        (200, KEYSTONE_ROOT, Ok("http://127.0.0.1:15000/v3")),
        (
            200,
            r#"{"version": {"id": "v3.14", "status": "stable", "links": [{"rel": "self", "href": "https://ks.example/v3/"}]}}"#,
            Ok("https://ks.example/v3"),
        ),
        // A plain list; the v3 entry among others, whatever their order; a relative link.
        (
            300,
            r#"{"versions": [{"id": "v2.0", "status": "deprecated", "links": [{"rel": "self", "href": "https://ks.example/v2.0/"}]}, {"id": "v3.10", "status": "current", "links": [{"rel": "describedby", "href": "https://docs"}, {"rel": "self", "href": "/identity/v3/"}]}]}"#,
            Ok("https://ks.example:5000/identity/v3"),
        ),
        (
            300,
            r#"{"versions": {"values": [{"id": "v3", "links": [{"rel": "self", "href": "https://ks.example/v3"}]}]}}"#,
            Ok("https://ks.example/v3"),
        ),
        // No v3: what is offered.
        (
            300,
            r#"{"versions": {"values": [{"id": "v2.0", "status": "stable", "links": [{"rel": "self", "href": "https://ks.example/v2.0/"}]}]}}"#,
            Err(NoV3::Offers(vec!["v2.0".into()])),
        ),
        (
            300,
            r#"{"versions": {"values": []}}"#,
            Err(NoV3::Offers(vec![])),
        ),
        (
            300,
            r#"{"versions": {"values": [{"id": "v3.14", "links": []}]}}"#,
            Err(NoV3::NoLink("v3.14".into())),
        ),
        // Not a version document at all.
        (404, r#"{"error": {"code": 404}}"#, Err(NoV3::Status(404))),
        (401, KEYSTONE_ROOT, Err(NoV3::Status(401))),
        (200, "<html>It works!</html>", Err(NoV3::NotJson(200))),
        (200, r#"{"token": {}}"#, Err(NoV3::NotVersions(200))),
        (300, r#"{"versions": "v3"}"#, Err(NoV3::NotVersions(300))),
    ];
    for (status, body, want) in cases {
        let got = v3_link(*status, body.as_bytes(), root);
        assert_eq!(got.as_deref(), want.as_ref().map(|s| *s), "{status} {body}");
    }
}

#[test]
fn a_root_without_v3_is_one_line_naming_os_auth_url_and_what_it_offered() {
    let root = "https://ks.example:5000";
    let cases = [
        (
            NoV3::Offers(vec!["v2.0".into()]),
            "OS_AUTH_URL https://ks.example:5000 offers v2.0 only, not Keystone v3, which Octavia signs in with: set OS_AUTH_URL to a Keystone v3 URL, e.g. https://keystone.api.dfw3.rackspacecloud.com/v3",
        ),
        (
            NoV3::Offers(vec![]),
            "OS_AUTH_URL https://ks.example:5000 offers no version at all, not Keystone v3, which Octavia signs in with: set OS_AUTH_URL to a Keystone v3 URL, e.g. https://keystone.api.dfw3.rackspacecloud.com/v3",
        ),
        (
            NoV3::Status(404),
            "OS_AUTH_URL https://ks.example:5000 is neither a Keystone v3 URL nor an identity root: GET https://ks.example:5000/ answered HTTP 404: set OS_AUTH_URL to the Keystone v3 URL (usually https://ks.example:5000/v3), e.g. https://keystone.api.dfw3.rackspacecloud.com/v3",
        ),
        (
            NoV3::NotJson(200),
            "OS_AUTH_URL https://ks.example:5000 is neither a Keystone v3 URL nor an identity root: GET https://ks.example:5000/ answered HTTP 200 that is not JSON (a web page?): set OS_AUTH_URL to the Keystone v3 URL (usually https://ks.example:5000/v3), e.g. https://keystone.api.dfw3.rackspacecloud.com/v3",
        ),
        (
            NoV3::NoLink("v3.14".into()),
            "OS_AUTH_URL https://ks.example:5000 offers Keystone v3.14 without a link to it: set OS_AUTH_URL to the Keystone v3 URL (usually https://ks.example:5000/v3)",
        ),
    ];
    for (why, want) in cases {
        assert_eq!(no_v3(&why, root), want);
    }
}

#[test]
fn the_linked_v3_url_is_held_to_os_auth_url_s_rules() {
    let root = "https://ks.example";
    assert_eq!(checked("https://ks.example/v3", root, false), Ok(()));
    assert_eq!(checked("http://127.0.0.1:5000/v3", root, false), Ok(()));
    assert_eq!(checked("http://ks.internal/v3", root, true), Ok(()));
    assert_eq!(
        checked("http://ks.internal/v3", root, false),
        Err("OS_AUTH_URL https://ks.example links to Keystone v3 at http://ks.internal/v3, which uses plain http to ks.internal: credentials would cross the network in clear; use https (or -allow-http if you must); set OS_AUTH_URL to the Keystone v3 URL directly".into())
    );
    assert_eq!(
        checked("ftp://ks.example/v3", root, false),
        Err("OS_AUTH_URL https://ks.example links to Keystone v3 at 'ftp://ks.example/v3', which is not a valid URL: set OS_AUTH_URL to the Keystone v3 URL directly".into())
    );
    // A URL ending in /v3 needs no discovery.
    assert_eq!(
        v3_base("https://ks.example/v3"),
        Some("https://ks.example/v3")
    );
    assert_eq!(v3_base("https://ks.example/identity"), None);
    assert_eq!(v3_base("https://ks.example:5000"), None);
}
