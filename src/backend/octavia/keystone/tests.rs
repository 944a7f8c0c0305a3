use super::*;
use crate::backend::answer::now_unix;
use crate::backend::http::Transport;
use crate::backend::http::proxy::ProxyEnv;
use std::time::Duration;

pub(super) fn id(s: &str) -> Named {
    Named::Id(s.into())
}

pub(super) fn in_domain(name: &str, domain: Domain) -> Named {
    Named::Name {
        name: name.into(),
        domain,
    }
}

pub(super) fn password(user: Named, project: Option<Named>) -> Auth {
    Auth::Password {
        user,
        password: Secret("devstacker".into()),
        project,
    }
}

pub(super) fn app(credential: AppCredential) -> Auth {
    Auth::AppCredential {
        credential,
        secret: Secret("rEaqvJka48mpv".into()),
    }
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

#[test]
fn auth_bodies_for_every_form() {
    let pw = |user: &str, scope: Option<&str>| {
        let scope = scope.map_or(String::new(), |s| format!(r#","scope":{{"project":{s}}}"#));
        parse(&format!(
            r#"{{"auth":{{"identity":{{"methods":["password"],"password":{{"user":{user}}}}}{scope}}}}}"#
        ))
    };
    let uid = r#"{"id":"ee4d","password":"devstacker"}"#;
    let uname = r#"{"name":"admin","domain":{"name":"Default"},"password":"devstacker"}"#;
    let uname_did = r#"{"name":"admin","domain":{"id":"default"},"password":"devstacker"}"#;
    let cases = [
        // The fact sheet's samples: user by id, project by name in a domain by id.
        (
            password(
                id("ee4d"),
                Some(in_domain("admin", Domain::Id("default".into()))),
            ),
            pw(uid, Some(r#"{"name":"admin","domain":{"id":"default"}}"#)),
        ),
        // User by name in a domain by name, unscoped.
        (
            password(in_domain("admin", Domain::Name("Default".into())), None),
            pw(uname, None),
        ),
        // User by name in a domain by id, project by id.
        (
            password(
                in_domain("admin", Domain::Id("default".into())),
                Some(id("a694")),
            ),
            pw(uname_did, Some(r#"{"id":"a694"}"#)),
        ),
        // Flex: an API key as the password, everything in rackspace_cloud_domain by name.
        (
            password(
                in_domain("admin", Domain::Name("Default".into())),
                Some(in_domain(
                    "web",
                    Domain::Name("rackspace_cloud_domain".into()),
                )),
            ),
            pw(
                uname,
                Some(r#"{"name":"web","domain":{"name":"rackspace_cloud_domain"}}"#),
            ),
        ),
        // Application credentials: no scope, ever.
        (
            app(AppCredential::Id("423f".into())),
            parse(
                r#"{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"id":"423f","secret":"rEaqvJka48mpv"}}}}"#,
            ),
        ),
        (
            app(AppCredential::Name {
                name: "monitoring".into(),
                user: id("423f"),
            }),
            parse(
                r#"{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"name":"monitoring","secret":"rEaqvJka48mpv","user":{"id":"423f"}}}}}"#,
            ),
        ),
        (
            app(AppCredential::Name {
                name: "monitoring".into(),
                user: in_domain("peek", Domain::Name("Default".into())),
            }),
            parse(
                r#"{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"name":"monitoring","secret":"rEaqvJka48mpv","user":{"name":"peek","domain":{"name":"Default"}}}}}}"#,
            ),
        ),
    ];
    for (auth, want) in cases {
        assert_eq!(auth_body(&auth), want, "{auth:?}");
    }
}

fn settings(auth: Auth, region: Option<&str>) -> Settings {
    Settings {
        auth_url: "https://ks.example/v3".into(),
        auth,
        region: region.map(str::to_string),
        interface: "public".into(),
        pool: None,
        subnet: None,
        allow_http: false,
        transport: Transport {
            request_timeout: Duration::from_secs(5),
            ca_certs: None,
            proxy: ProxyEnv::default(),
        },
    }
}

/// `peek` in `Default`, scoped to `web` in `Default`, all by name: Horizon's openrc.
pub(super) fn peek() -> Auth {
    password(
        in_domain("peek", Domain::Name("Default".into())),
        Some(in_domain("web", Domain::Name("Default".into()))),
    )
}

pub(super) fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    Reply {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

const TOKEN: &str = "tok-keystone-unit-4f1c";

fn token_body(expires: &str, lb_url: &str) -> String {
    json!({"token": {
        "expires_at": expires,
        "catalog": [
            {"type": "identity", "name": "keystone", "endpoints": [
                {"interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": "https://ks.example/v3"}]},
            {"type": "load-balancer", "name": "octavia", "endpoints": [
                {"interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": lb_url},
                {"interface": "internal", "region_id": "RegionOne", "region": "RegionOne", "url": "http://127.0.0.1:9/"}]},
        ]}})
    .to_string()
}

#[test]
fn a_201_gives_the_header_token_the_octavia_base_and_a_renewal() {
    let t0 = Instant::now();
    // An hour ahead of any clock this test runs on, in Keystone's microsecond form.
    let expires = crate::time::format_rfc3339(now_unix() as i64 + 3600).replace('Z', ".578887Z");
    let r = reply(
        201,
        &[("x-subject-token", TOKEN)],
        &token_body(&expires, "https://lb.example:9876/v2.0/"),
    );
    let cfg = settings(peek(), None);
    let s = session(&r, &attempt(&cfg), t0).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(s.token, Secret(TOKEN.into()));
    assert_eq!(s.endpoint, "https://lb.example:9876");
    assert_eq!(s.region, "RegionOne");
    let renewal = s.renewal.expect("a renewal");
    assert_eq!(renewal.expires_unix, parse_rfc3339(&expires).unwrap());
    assert!(
        renewal.at > t0 + Duration::from_secs(50 * 60),
        "{renewal:?}"
    );
    // From now on no line holds it.
    assert!(!crate::log::scrub(&format!("x {TOKEN} y")).contains(TOKEN));
    // No usable expiry: renewed only when refused.
    let r = reply(
        201,
        &[("X-Subject-Token", TOKEN)],
        &token_body("soon", "https://lb"),
    );
    assert_eq!(session(&r, &attempt(&cfg), t0).unwrap().renewal, None);
}

fn attempt(cfg: &Settings) -> Attempt<'_> {
    Attempt {
        cfg,
        v3: &cfg.auth_url,
        upstream: Upstream::None,
    }
}

fn failed(r: &Reply, auth: Auth) -> ApiError {
    let cfg = settings(auth, None);
    match session(r, &attempt(&cfg), Instant::now()) {
        Ok(_) => panic!("expected a failure for HTTP {}", r.status),
        Err(e) => e,
    }
}

pub(super) fn config_message(e: ApiError) -> String {
    match e {
        ApiError::Final(Error::Config(m)) => m,
        other => panic!("expected a final configuration error, got {other:?}"),
    }
}

fn failed_message(e: ApiError) -> String {
    match e {
        ApiError::Final(Error::Failed(m)) => m,
        other => panic!("expected a final failure, got {other:?}"),
    }
}

#[test]
fn unusable_2xx_answers() {
    let body = token_body("2026-12-01T20:11:24.000000Z", "https://lb");
    let m = failed_message(failed(&reply(201, &[], &body), peek()));
    assert_eq!(
        m,
        "keystone at https://ks.example/v3 answered HTTP 201 without an X-Subject-Token header: check that OS_AUTH_URL is the Keystone v3 base, e.g. https://keystone.api.dfw3.rackspacecloud.com/v3"
    );
    let with = |body: &str| failed(&reply(201, &[("x-subject-token", TOKEN)], body), peek());
    assert!(matches!(with(r#"{"token": {"#), ApiError::Transport(_)));
    let m = failed_message(with(r#"{"access": {"token": {"id": "x"}}}"#));
    assert!(
        m.contains("not a Keystone v3 token answer (no token object)"),
        "{m}"
    );
    let m = failed_message(with(r#"{"token": {"catalog": {}}}"#));
    assert!(m.contains("(catalog is not a list)"), "{m}");
    // A catalog without Octavia, or with plain http elsewhere: configuration.
    let m = config_message(with(r#"{"token": {}}"#));
    assert!(
        m.starts_with("the catalog has no load-balancer service"),
        "{m}"
    );
    let m = config_message(with(&token_body("x", "http://lb.example:9876")));
    assert!(
        m.starts_with("the catalog's load-balancer endpoint 'http://lb.example:9876' "),
        "{m}"
    );
    let m = failed_message(with(&token_body("x", "not a url")));
    assert!(m.contains("is not a valid http(s) URL"), "{m}");
}

#[test]
fn an_oversized_answer_is_final() {
    let e = transport_failure(
        Failure {
            msg: "the answer is larger than 1 MiB".into(),
            final_: false,
            oversized: true,
        },
        "https://ks.example/v3",
    );
    let m = failed_message(e);
    assert!(m.contains("is the Keystone v3 base"), "{m}");
}
