//! Signing in to Keystone v3 as a newcomer meets it, through the real binary: Flex's 401 for
//! trouble upstream tried once more, a 404 that names what Keystone could not find, an
//! identity root found through its version document, and refusals that show what was sent.

use crate::fake;
use crate::support;

use fake::keystone::Keystone;
use fake::{Config, Fake};
use support::proxy::Proxy;
use support::tls_front::{self, Front, pki, pki_for, tls_front, write_temp};
use support::{Out, error_line, peekaboo};

use super::octavia::{logins, octavia_with, ours};

const FLEX_URL: &str = "https://keystone.api.dfw3.rackspacecloud.com/v3";

/// peekaboo with `env` (an openrc) and the node's address and port.
fn run(f: &Fake, env: &[(&str, String)], extra: &[(&str, &str)]) -> Out {
    let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend([("APP_PORT", "8080"), ("RAX_SERVICENET_IPV4", "10.1.2.3")]);
    all.extend(extra);
    peekaboo(f, &["-interval", "40ms", "-timeout", "30s"], &all)
}

/// Flex as its openrc names it: Keystone at `keystone.api.dfw3.rackspacecloud.com`, Octavia at
/// `octavia.api.dfw3.rackspacecloud.com`, both the fake behind a TLS front with a certificate
/// for those names, reached through the proxy; the Rackspace user with its API key.
struct Flex {
    f: Fake,
    pool: String,
    env: Vec<(&'static str, String)>,
    _front: Front,
    _proxy: Proxy,
}

fn flex() -> Flex {
    let names = [
        "keystone.api.dfw3.rackspacecloud.com",
        "octavia.api.dfw3.rackspacecloud.com",
    ];
    let pki = pki_for(&names, false);
    let front = tls_front::tls_front_unbound(&pki);
    let (f, _lb, pool) = octavia_with(Config {
        lb_base: Some("https://octavia.api.dfw3.rackspacecloud.com".into()),
        ..Config::default()
    });
    front.forward_to(&f);
    let proxy = Proxy::start(None);
    proxy.forward_to(front.port);
    let k = Keystone::default();
    let domain = || "rackspace_cloud_domain".to_string();
    let env = vec![
        ("OS_AUTH_URL", FLEX_URL.to_string()),
        ("OS_USERNAME", k.flex_user.clone()),
        ("OS_PASSWORD", k.flex_api_key.clone()),
        ("OS_USER_DOMAIN_NAME", domain()),
        ("OS_PROJECT_NAME", k.flex_project.clone()),
        ("OS_PROJECT_DOMAIN_NAME", domain()),
        ("OS_REGION_NAME", "DFW3".into()),
        ("LOAD_BALANCER_ID", "web-lb".into()),
        ("OS_CACERT", write_temp("flex-ca.pem", &pki.ca_pem)),
        ("HTTPS_PROXY", proxy.url()),
    ];
    Flex {
        f,
        pool,
        env,
        _front: front,
        _proxy: proxy,
    }
}

#[test]
fn flex_s_401_for_trouble_upstream_is_tried_once_more_and_the_run_succeeds() {
    let x = flex();
    x.f.keystone_upstream_trouble(1);
    let out = run(&x.f, &x.env, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(logins(&x.f), 2, "{}", out.stderr);
    assert!(ours(&x.f, &x.pool).is_some());
    assert!(
        out.stderr.contains(&format!(
            "Authenticating: keystone at {FLEX_URL} rejected user 'rackuser' in domain 'rackspace_cloud_domain' (password) for project '123456_Flex' in domain 'rackspace_cloud_domain', as Rackspace OpenStack Flex also does when it cannot reach Rackspace Identity; trying again in "
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn a_wrong_password_on_flex_is_refused_twice_then_final() {
    let x = flex();
    let out = run(&x.f, &x.env, &[("OS_PASSWORD", "wrong-0123456789")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(logins(&x.f), 2, "{}", out.stderr);
    let error = error_line(&out);
    assert!(
        error.contains(&format!("Error: authentication failed: keystone at {FLEX_URL} rejected user 'rackuser' in domain 'rackspace_cloud_domain' (password) for project '123456_Flex' in domain 'rackspace_cloud_domain', refused twice ")),
        "{error}"
    );
    assert!(
        error.ends_with(" apart (Rackspace OpenStack Flex answers 401 also when it cannot reach Rackspace Identity, so one refusal is tried again): check OS_USERNAME, OS_USER_DOMAIN_NAME, OS_PASSWORD (the API key or the password), OS_PROJECT_NAME and OS_PROJECT_DOMAIN_NAME, and that the user has a role on the project"),
        "{error}"
    );
    assert!(
        x.f.requests()
            .iter()
            .all(|r| !r.path.starts_with("/octavia/")),
        "no Octavia request after a refused sign-in"
    );
}

#[test]
fn a_wrong_project_shows_what_was_sent_and_a_domain_id_s_case() {
    let (f, _lb, pool) = octavia_with(Config::default());
    let os = f.os_env("web-lb", "DFW3");
    let ks = f.keystone_url();
    let out = run(&f, &os, &[("OS_PROJECT_NAME", "wbe")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(logins(&f), 1, "a 401 off Flex is not tried again");
    assert_eq!(
        error_line(&out)[20..],
        format!(
            "Error: authentication failed: keystone at {ks} rejected user 'peek' in domain 'Default' (password) for project 'wbe' in domain 'Default': check OS_USERNAME, OS_USER_DOMAIN_NAME, OS_PASSWORD, OS_PROJECT_NAME and OS_PROJECT_DOMAIN_NAME, and that the user has a role on the project"
        )
    );
    // `Default` is the default domain's name; as an id it is `default`.
    let out = run(
        &f,
        &os,
        &[
            ("OS_PROJECT_DOMAIN_NAME", "<unset>"),
            ("OS_PROJECT_DOMAIN_ID", "Default"),
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        error_line(&out).ends_with("for project 'web' in domain id 'Default': check OS_USERNAME, OS_USER_DOMAIN_NAME, OS_PASSWORD, OS_PROJECT_NAME and OS_PROJECT_DOMAIN_ID, and that the user has a role on the project; domain ids are case-sensitive, and the default domain's id is usually lower-case 'default'"),
        "{}",
        out.stderr
    );
    assert!(ours(&f, &pool).is_none());
}

#[test]
fn an_unknown_application_credential_is_named_not_the_url() {
    let (f, _lb, _pool) = octavia_with(Config::default());
    let os = f.os_app_env("web-lb", "DFW3");
    let out = run(&f, &os, &[("OS_APPLICATION_CREDENTIAL_ID", "0123abcd")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(logins(&f), 1);
    assert_eq!(
        error_line(&out)[20..],
        format!(
            "Error: authentication failed: keystone at {} answered HTTP 404 \"Could not find Application Credential: 0123abcd.\" for application credential '0123abcd' (application credential): check OS_APPLICATION_CREDENTIAL_ID",
            f.keystone_url()
        )
    );
}

/// "METHOD path" of every request, in order.
fn sent(f: &Fake) -> Vec<String> {
    f.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn an_identity_root_is_discovered_once_and_its_v3_link_used() {
    let (f, _lb, pool) = octavia_with(Config::default());
    let root = f.keystone_url().replace("/v3", "");
    let os = f.os_env("web-lb", "DFW3");
    // A token revoked after the first read: a new sign-in, without asking the root again.
    f.inject(fake::token_revoked_at("GET", "/members"));
    let out = run(&f, &os, &[("OS_AUTH_URL", &format!("{root}/"))]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &pool).is_some());
    let sent = sent(&f);
    assert_eq!(sent[..2], ["GET /", "POST /v3/auth/tokens"], "{sent:?}");
    assert_eq!(sent.iter().filter(|s| *s == "GET /").count(), 1, "{sent:?}");
    assert_eq!(logins(&f), 2, "{sent:?}");
    for line in [
        "Using OpenStack Octavia: OS_PROJECT_NAME is set, which only Keystone v3 has".to_string(),
        format!(
            "Using Keystone v3 at {root}/v3, as the version document at OS_AUTH_URL {root} links to it"
        ),
    ] {
        assert!(out.stderr.contains(&line), "{line}\n{}", out.stderr);
    }
}

#[test]
fn devstack_s_identity_path_is_discovered_too() {
    let (f, _lb, pool) = octavia_with(Config::default());
    let root = f.keystone_url().replace("/v3", "/identity");
    let os = f.os_env("web-lb", "DFW3");
    let out = run(&f, &os, &[("OS_AUTH_URL", &root)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &pool).is_some());
    assert_eq!(
        sent(&f)[..2],
        ["GET /identity/", "POST /identity/v3/auth/tokens"]
    );
}

#[test]
fn a_root_without_keystone_v3_is_exit_2_naming_os_auth_url() {
    let (f, _lb, _pool) = octavia_with(Config::default());
    let root = f.keystone_url().replace("/v3", "");
    let os = f.os_env("web-lb", "DFW3");
    let v2_only = r#"{"versions": {"values": [{"id": "v2.0", "status": "stable", "links": [{"rel": "self", "href": "http://127.0.0.1/v2.0/"}]}]}}"#;
    f.inject(fake::fault("GET", "/", 1, fake::respond(300, v2_only)));
    let out = run(&f, &os, &[("OS_AUTH_URL", &root)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        error_line(&out)[20..],
        format!(
            "Error: OS_AUTH_URL {root} offers v2.0 only, not Keystone v3, which Octavia signs in with: set OS_AUTH_URL to a Keystone v3 URL, e.g. https://keystone.api.dfw3.rackspacecloud.com/v3"
        )
    );
    // A path that is no identity root at all.
    let elsewhere = format!("{root}/keystone");
    let out = run(&f, &os, &[("OS_AUTH_URL", &elsewhere)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        error_line(&out)[20..],
        format!(
            "Error: OS_AUTH_URL {elsewhere} is neither a Keystone v3 URL nor an identity root: GET {elsewhere}/ answered HTTP 404: set OS_AUTH_URL to the Keystone v3 URL (usually {elsewhere}/v3), e.g. https://keystone.api.dfw3.rackspacecloud.com/v3"
        )
    );
    assert_eq!(
        sent(&f),
        ["GET /", "GET /keystone/"],
        "nothing but the two reads"
    );
}

#[test]
fn a_v3_link_to_plain_http_elsewhere_is_refused_naming_both_urls() {
    let pki = pki();
    let (f, _lb, _pool) = octavia_with(Config {
        keystone: Keystone {
            public_url: Some("http://keystone.test:5000".into()),
            ..Keystone::default()
        },
        ..Config::default()
    });
    let front = tls_front(&f, &pki);
    let root = format!("https://127.0.0.1:{}", front.port);
    let ca = write_temp("discovery-ca.pem", &pki.ca_pem);
    let os = f.os_env("web-lb", "DFW3");
    let out = run(&f, &os, &[("OS_AUTH_URL", &root), ("OS_CACERT", &ca)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        error_line(&out)[20..],
        format!(
            "Error: OS_AUTH_URL {root} links to Keystone v3 at http://keystone.test:5000/v3, which uses plain http to keystone.test: credentials would cross the network in clear; use https (or -allow-http if you must); set OS_AUTH_URL to the Keystone v3 URL directly"
        )
    );
    assert_eq!(sent(&f), ["GET /"]);
}
