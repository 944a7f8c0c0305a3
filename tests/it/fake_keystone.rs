//! Checks of the fake Keystone v3 itself, through the raw client of `fake_selftest`, so that a
//! failing Octavia test can be blamed on peekaboo and not on its fixture.

use crate::fake;
use crate::fake_selftest::{Reply, call};
use fake::keystone::{FLEX_DOMAIN, GENERIC_401, Keystone, rfc3339_micros};
use fake::*;

use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

fn post(f: &Fake, body: &Value) -> Reply {
    let url = format!("{}/auth/tokens", f.keystone_url());
    call(&url, "POST", None, Some(&body.to_string()))
}

fn password(user: Value, secret: &str, project: Option<Value>) -> Value {
    let mut user = user;
    user["password"] = json!(secret);
    let mut body =
        json!({"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}});
    if let Some(p) = project {
        body["auth"]["scope"] = json!({ "project": p });
    }
    body
}

fn app_cred(cred: Value, secret: &str) -> Value {
    let mut cred = cred;
    cred["secret"] = json!(secret);
    json!({"auth": {"identity": {"methods": ["application_credential"], "application_credential": cred}}})
}

fn peek() -> Value {
    json!({"name": "peek", "domain": {"name": "Default"}})
}

fn web() -> Value {
    json!({"name": "web", "domain": {"name": "Default"}})
}

/// The load-balancer endpoint of `interface` in `region`, from a 201's catalog.
fn octavia_url(token: &Value, region: &str, interface: &str) -> String {
    let lb = token["catalog"]
        .as_array()
        .expect("a catalog")
        .iter()
        .find(|s| s["type"] == "load-balancer")
        .expect("a load-balancer entry");
    assert_eq!(lb["name"], "octavia");
    let ep = lb["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["region_id"] == region && e["interface"] == interface)
        .unwrap_or_else(|| panic!("no {interface} endpoint in {region}: {lb}"));
    assert_eq!(ep["region"], region, "region is region_id's copy");
    ep["url"].as_str().unwrap().to_string()
}

#[test]
fn password_by_name_gives_a_201_with_the_token_in_the_header_and_a_catalog() {
    let f = Fake::start(Config::default());
    let before = SystemTime::now();
    let r = post(
        &f,
        &password(peek(), &Keystone::default().password, Some(web())),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r
        .header("x-subject-token")
        .expect("X-Subject-Token")
        .to_string();
    assert!(token.starts_with("tok-"), "{token}");
    assert!(!r.body.contains(&token), "the token is in the header only");
    let v = r.json();
    let t = &v["token"];
    assert_eq!(t["methods"], json!(["password"]));
    assert_eq!(t["user"]["name"], "peek");
    assert_eq!(
        t["user"]["domain"],
        json!({"id": "default", "name": "Default"})
    );
    assert_eq!(t["project"]["name"], "web");
    // expires_at is issued_at plus the token's life, with microseconds.
    let expires = t["expires_at"].as_str().unwrap();
    let ttl = Config::default().token_ttl;
    let (lo, hi) = (
        rfc3339_micros(before + ttl),
        rfc3339_micros(SystemTime::now() + ttl),
    );
    assert!(
        lo.as_str() <= expires && expires <= hi.as_str(),
        "{lo} <= {expires} <= {hi}"
    );
    assert_eq!(
        expires.len(),
        "2026-12-01T20:11:24.559881Z".len(),
        "{expires}"
    );
    // One set of endpoints per region; Octavia's public URL is this fake's, bare.
    let base = f.keystone_url().replace("/v3", "");
    for region in ["DFW3", "SJC3"] {
        assert_eq!(octavia_url(t, region, "public"), format!("{base}/octavia"));
        let internal = octavia_url(t, region, "internal");
        assert_eq!(call(&internal, "GET", Some(&token), None).status, 500);
    }
    let kinds: Vec<&str> = t["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["identity", "load-balancer", "network"]);

    // Another internal endpoint, when a test names one.
    let mut cfg = Config::default();
    cfg.keystone.octavia_internal = Some("http://127.0.0.1:9/octavia".into());
    let f = Fake::start(cfg);
    let r = post(
        &f,
        &password(peek(), &Keystone::default().password, Some(web())),
    );
    let t = &r.json()["token"];
    assert_eq!(
        octavia_url(t, "DFW3", "internal"),
        "http://127.0.0.1:9/octavia"
    );
}

#[test]
fn every_auth_form_is_accepted() {
    let f = Fake::start(Config::default());
    let k = Keystone::default();
    let flex = |d: Value| json!({"name": k.flex_user, "domain": d});
    let flex_project = json!({"name": k.flex_project, "domain": {"name": FLEX_DOMAIN.1}});
    // (body, methods, project id, user)
    let cases = [
        (
            password(
                json!({"id": k.user_id}),
                &k.password,
                Some(json!({"id": k.project_id})),
            ),
            "password",
            k.project_id.as_str(),
            "peek",
        ),
        (
            password(
                json!({"name": "peek", "domain": {"id": "default"}}),
                &k.password,
                Some(json!({"name": "web", "domain": {"id": "default"}})),
            ),
            "password",
            &k.project_id,
            "peek",
        ),
        // Flex: the API key or the password, in rackspace_cloud_domain by name.
        (
            password(
                flex(json!({"name": FLEX_DOMAIN.1})),
                &k.flex_api_key,
                Some(flex_project.clone()),
            ),
            "password",
            &k.flex_project_id,
            &k.flex_user,
        ),
        (
            password(
                flex(json!({"name": FLEX_DOMAIN.1})),
                &k.flex_password,
                Some(flex_project.clone()),
            ),
            "password",
            &k.flex_project_id,
            &k.flex_user,
        ),
        (
            app_cred(json!({"id": k.app_cred_id}), &k.app_cred_secret),
            "application_credential",
            &k.project_id,
            "peek",
        ),
        (
            app_cred(
                json!({"name": k.app_cred_name, "user": {"id": k.user_id}}),
                &k.app_cred_secret,
            ),
            "application_credential",
            &k.project_id,
            "peek",
        ),
        (
            app_cred(
                json!({"name": k.app_cred_name, "user": peek()}),
                &k.app_cred_secret,
            ),
            "application_credential",
            &k.project_id,
            "peek",
        ),
    ];
    for (body, method, project, user) in cases {
        let r = post(&f, &body);
        assert_eq!(r.status, 201, "{body}: {}", r.body);
        assert!(r.header("x-subject-token").is_some());
        let t = &r.json()["token"];
        assert_eq!(t["methods"], json!([method]), "{body}");
        assert_eq!(t["project"]["id"], project, "{body}");
        assert_eq!(t["user"]["name"], user, "{body}");
        assert!(octavia_url(t, "DFW3", "public").ends_with("/octavia"));
        assert_eq!(
            t.get("application_credential").is_some(),
            method == "application_credential",
            "{body}"
        );
    }
    // Unscoped: a token, but neither a project nor a catalog.
    let r = post(&f, &password(peek(), &k.password, None));
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.json()["token"].get("catalog").is_none(), "{}", r.body);
}

#[test]
fn refusals_carry_keystones_bodies() {
    let f = Fake::start(Config::default());
    let k = Keystone::default();
    let generic = json!({"error": {"code": 401, "message": GENERIC_401, "title": "Unauthorized"}});
    let scoped_app = {
        let mut b = app_cred(json!({"id": k.app_cred_id}), &k.app_cred_secret);
        b["auth"]["scope"] = json!({ "project": web() });
        b
    };
    let flex_by_id = password(
        json!({"name": k.flex_user, "domain": {"id": FLEX_DOMAIN.0}}),
        &k.flex_api_key,
        None,
    );
    let cases = [
        (
            password(peek(), "wrong-password", Some(web())),
            generic.clone(),
        ),
        (
            password(
                json!({"name": "nobody", "domain": {"name": "Default"}}),
                &k.password,
                None,
            ),
            generic.clone(),
        ),
        // Another user's project, and a project that does not exist.
        (
            password(peek(), &k.password, Some(json!({"id": k.flex_project_id}))),
            generic.clone(),
        ),
        (
            password(
                peek(),
                &k.password,
                Some(json!({"name": "web", "domain": {"name": FLEX_DOMAIN.1}})),
            ),
            generic.clone(),
        ),
        (
            app_cred(json!({"id": k.app_cred_id}), "wrong-secret"),
            generic.clone(),
        ),
        (
            app_cred(
                json!({"name": k.app_cred_name, "user": {"id": "someone"}}),
                &k.app_cred_secret,
            ),
            generic.clone(),
        ),
        // Flex's plugin sees a user only in the domain named by name.
        (flex_by_id, generic.clone()),
        (
            scoped_app,
            json!({"error": {"code": 401, "identity": {}, "message": "Error authenticating with application credential: Application credentials cannot request a scope.", "title": "Unauthorized"}}),
        ),
    ];
    for (body, want) in cases {
        let r = post(&f, &body);
        assert_eq!(r.status, 401, "{body}: {}", r.body);
        assert_eq!(r.json(), want, "{body}");
        let realm = format!("Keystone uri=\"{}\"", f.keystone_url());
        assert_eq!(r.header("www-authenticate"), Some(realm.as_str()));
        assert!(r.header("x-subject-token").is_none());
    }
    let bad = [
        (
            password(json!({"name": "peek"}), &k.password, Some(web())),
            "Expecting to find domain in user.",
        ),
        (
            password(peek(), &k.password, Some(json!({"name": "web"}))),
            "Expecting to find domain in project.",
        ),
        (
            app_cred(json!({"name": k.app_cred_name}), &k.app_cred_secret),
            "Expecting to find user in application_credential.",
        ),
    ];
    for (body, starts) in bad {
        let r = post(&f, &body);
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        let v = r.json();
        assert_eq!(
            (v["error"]["code"].as_u64(), v["error"]["title"].as_str()),
            (Some(400), Some("Bad Request"))
        );
        assert!(
            v["error"]["message"].as_str().unwrap().starts_with(starts),
            "{}",
            r.body
        );
    }
    // An application credential id Keystone does not know: 404 naming it.
    let r = post(&f, &app_cred(json!({"id": "0123"}), &k.app_cred_secret));
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"error": {"code": 404, "message": "Could not find Application Credential: 0123.", "title": "Not Found"}})
    );
    let url = format!("{}/auth/tokens", f.keystone_url());
    assert_eq!(call(&url, "POST", None, Some("{not json")).status, 400);
    assert_eq!(call(&url, "GET", None, None).status, 405);
    let totp = json!({"auth": {"identity": {"methods": ["totp"]}}});
    assert_eq!(post(&f, &totp).status, 401);
}

#[test]
fn tokens_share_the_store_faults_and_lifetime_of_the_clb_side() {
    let cfg = Config {
        token_ttl: Duration::from_secs(90),
        ..Config::default()
    };
    let f = Fake::start(cfg);
    let login = || {
        post(
            &f,
            &password(peek(), &Keystone::default().password, Some(web())),
        )
    };
    let r = login();
    let token = r.header("x-subject-token").unwrap().to_string();
    let expires = r.json()["token"]["expires_at"]
        .as_str()
        .unwrap()
        .to_string();
    let latest = rfc3339_micros(SystemTime::now() + Duration::from_secs(90));
    assert!(
        expires <= latest && expires > rfc3339_micros(SystemTime::now()),
        "{expires}"
    );
    // The token works where CLB tokens do, and expire_tokens ends it the same way.
    f.add_lb(1, "DFW");
    let lbs = format!(
        "{}/dfw/v1.0/123456/loadbalancers/1",
        f.auth_url().replace("/v2.0", "")
    );
    assert_eq!(call(&lbs, "GET", Some(&token), None).status, 200);
    f.expire_tokens();
    assert_eq!(call(&lbs, "GET", Some(&token), None).status, 401);
    // Faults apply to the token request like to any other.
    f.inject(fault("POST", "/v3/auth/tokens", 1, status(503)));
    assert_eq!(login().status, 503);
    assert_eq!(f.unspent(), 0);
    let next = login();
    assert_eq!(next.status, 201);
    assert_ne!(next.header("x-subject-token"), Some(token.as_str()));
}

#[test]
fn the_openrc_environments_name_what_the_fake_accepts() {
    let f = Fake::start(Config::default());
    let env = |v: &[(&'static str, String)], name: &str| {
        v.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let pw = f.os_env("web-lb", "SJC3");
    let body = password(
        json!({"name": env(&pw, "OS_USERNAME"), "domain": {"name": env(&pw, "OS_USER_DOMAIN_NAME")}}),
        &env(&pw, "OS_PASSWORD"),
        Some(
            json!({"name": env(&pw, "OS_PROJECT_NAME"), "domain": {"name": env(&pw, "OS_PROJECT_DOMAIN_NAME")}}),
        ),
    );
    assert_eq!(env(&pw, "OS_AUTH_URL"), f.keystone_url());
    assert_eq!(
        (env(&pw, "LOAD_BALANCER_ID"), env(&pw, "OS_REGION_NAME")),
        ("web-lb".into(), "SJC3".into())
    );
    assert_eq!(post(&f, &body).status, 201);
    let ac = f.os_app_env("web-lb", "DFW3");
    assert_eq!(env(&ac, "OS_AUTH_TYPE"), "v3applicationcredential");
    let body = app_cred(
        json!({"id": env(&ac, "OS_APPLICATION_CREDENTIAL_ID")}),
        &env(&ac, "OS_APPLICATION_CREDENTIAL_SECRET"),
    );
    assert_eq!(post(&f, &body).status, 201);
}
