use super::*;

fn service(name: &str, kind: &str, eps: &[(Option<&str>, &str)]) -> Service {
    Service {
        name: name.into(),
        kind: kind.into(),
        endpoints: eps
            .iter()
            .map(|(r, u)| Endpoint {
                region: r.map(str::to_string),
                public_url: Some(u.to_string()),
            })
            .collect(),
    }
}

fn catalog() -> Vec<Service> {
    vec![
        service(
            "cloudServersOpenStack",
            "compute",
            &[(Some("DFW"), "https://compute/")],
        ),
        service(
            "cloudLoadBalancersTest",
            "rax:load-balancer",
            &[(Some("DFW"), "https://decoy")],
        ),
        service(
            "cloudLoadBalancers",
            "rax:load-balancer",
            &[
                (Some("DFW"), "https://dfw/v1.0/1/"),
                (Some("IAD"), "https://iad/v1.0/1"),
            ],
        ),
    ]
}

#[test]
fn prefers_the_name_and_matches_region_in_any_case() {
    let c = catalog();
    assert_eq!(
        pick_endpoint(&c, Some("iad")).map(|p| (p.url, p.region)),
        Ok(("https://iad/v1.0/1".into(), "IAD".into()))
    );
    assert_eq!(
        pick_endpoint(&c, Some("DFW")).map(|p| (p.url, p.region)),
        Ok(("https://dfw/v1.0/1".into(), "DFW".into()))
    );
}

#[test]
fn falls_back_to_the_type() {
    let c = vec![service(
        "lbaas",
        "rax:load-balancer",
        &[(Some("LON"), "https://lon")],
    )];
    assert_eq!(
        pick_endpoint(&c, Some("LON")).map(|p| (p.url, p.region)),
        Ok(("https://lon".into(), "LON".into()))
    );
}

#[test]
fn says_which_entry_and_region_chose_the_endpoint() {
    let how = |c: &[Service], r: Option<&str>| pick_endpoint(c, r).unwrap().how;
    assert_eq!(
        how(&catalog(), Some("iad")),
        "the catalog's Cloud Load Balancers endpoint 'cloudLoadBalancers', region IAD"
    );
    let c = vec![service(
        "lbaas",
        "rax:load-balancer",
        &[(Some("LON"), "https://lon")],
    )];
    assert_eq!(
        how(&c, None),
        "the catalog's Cloud Load Balancers endpoint 'lbaas', region LON, the catalog's only one"
    );
    let c = vec![service(
        "lbaas",
        "rax:load-balancer",
        &[(None, "https://any")],
    )];
    assert_eq!(
        how(&c, None),
        "the catalog's Cloud Load Balancers endpoint 'lbaas', for every region"
    );
}

#[test]
fn names_the_regions_that_exist() {
    let err = pick_endpoint(&catalog(), Some("SYD")).unwrap_err();
    assert!(
        err.starts_with("region SYD is not in this account's catalog"),
        "{err}"
    );
    assert!(err.contains("(it has: DFW, IAD)"), "{err}");
    let err = pick_endpoint(&catalog(), None).unwrap_err();
    assert!(
        err.contains("OS_REGION_NAME is not set") && err.contains("DFW, IAD"),
        "{err}"
    );
}

#[test]
fn one_endpoint_needs_no_region_and_regionless_serves_all() {
    let c = vec![service(
        "cloudLoadBalancers",
        "rax:load-balancer",
        &[(Some("ORD"), "https://ord")],
    )];
    assert_eq!(
        pick_endpoint(&c, None).map(|p| (p.url, p.region)),
        Ok(("https://ord".into(), "ORD".into()))
    );
    let c = vec![service(
        "cloudLoadBalancers",
        "rax:load-balancer",
        &[(None, "https://any")],
    )];
    assert_eq!(
        pick_endpoint(&c, Some("hkg")).map(|p| (p.url, p.region)),
        Ok(("https://any".into(), "HKG".into()))
    );
}

fn refused(status: u16, body: &str) -> ApiError {
    let r = Reply {
        status,
        body: body.as_bytes().to_vec(),
        ..Reply::default()
    };
    refusal(&r, "https://id.example.com/v2.0", "alice")
}

fn config_message(e: ApiError) -> String {
    match e {
        ApiError::Final(Error::Config(m)) => m,
        other => panic!("expected a final configuration error, got {other:?}"),
    }
}

#[test]
fn refusals_about_credentials_say_authentication_failed() {
    let m = config_message(refused(401, ""));
    assert_eq!(
        m,
        "authentication failed: identity at https://id.example.com/v2.0 rejected user 'alice' with the OS_PASSWORD given (tried as API key and as password): check OS_USERNAME and OS_PASSWORD"
    );
    let disabled = r#"{"forbidden":{"code":403,"message":"User 'alice' is disabled."}}"#;
    let m = config_message(refused(403, disabled));
    assert!(
        m.starts_with("authentication failed: identity at https://id.example.com/v2.0 refused user 'alice': User 'alice' is disabled.: "),
        "{m}"
    );
    assert!(config_message(refused(403, "")).contains("'alice': HTTP 403: "));
}

#[test]
fn a_path_that_is_not_identity_v2_is_configuration() {
    for status in [404, 405, 501] {
        let m = config_message(refused(status, "<html>nope</html>"));
        assert_eq!(
            m,
            format!(
                "POST https://id.example.com/v2.0/tokens answered HTTP {status}: OS_AUTH_URL must be the Identity v2.0 base, e.g. https://identity.api.rackspacecloud.com/v2.0"
            )
        );
    }
}

#[test]
fn other_refusals_keep_their_meaning() {
    let bad = r#"{"badRequest":{"code":400,"message":"Invalid json request body"}}"#;
    assert_eq!(
        config_message(refused(400, bad)),
        "identity at https://id.example.com/v2.0 refused to authenticate user 'alice': Invalid json request body"
    );
    // Passing trouble is retried by the caller.
    assert_eq!(refused(503, ""), ApiError::Server("HTTP 503".into()));
    assert_eq!(refused(500, ""), ApiError::Server("HTTP 500".into()));
    let over = r#"{"overLimit":{"code":413,"message":"OverLimit Retry..."}}"#;
    assert_eq!(refused(413, over), ApiError::RateLimited(None));
}

#[test]
fn an_oversized_answer_is_final_other_transport_failures_are_not() {
    let failure = |msg: &str, oversized| Failure {
        msg: msg.into(),
        final_: false,
        oversized,
    };
    let over = failure("127.0.0.1 sent an answer over 1048576 bytes", true);
    let m = match transport_failure(over, "http://127.0.0.1:9/v2.0") {
        ApiError::Final(Error::Failed(m)) => m,
        other => panic!("{other:?}"),
    };
    assert!(
        m.starts_with("authenticating: 127.0.0.1 sent an answer over 1048576 bytes"),
        "{m}"
    );
    let reset = "request to 127.0.0.1 failed: connection reset";
    assert_eq!(
        transport_failure(failure(reset, false), "http://127.0.0.1:9/v2.0"),
        ApiError::Transport(reset.into())
    );
}

#[test]
fn answers_that_are_not_token_answers() {
    let read = |body: &str| read_access(body.as_bytes()).map(|(t, _, c)| (t, c.len()));
    let unfit = |what| Err(Unfit::NotIdentity(what));
    assert_eq!(read(r#"{"access":{"token":"#), Err(Unfit::NotJson));
    assert_eq!(read("<html>proxy</html>"), Err(Unfit::NotJson));
    assert_eq!(read("[]"), unfit("no access object"));
    assert_eq!(read(r#"{"access":null}"#), unfit("no access object"));
    assert_eq!(read(r#"{"access":{}}"#), unfit("no access.token.id"));
    assert_eq!(
        read(r#"{"access":{"token":{"id":7}}}"#),
        unfit("no access.token.id")
    );
    for catalog in ["null", "{}", r#""x""#] {
        assert_eq!(
            read(&format!(
                r#"{{"access":{{"token":{{"id":"t"}},"serviceCatalog":{catalog}}}}}"#
            )),
            unfit("serviceCatalog is not a list"),
            "{catalog}"
        );
    }
    // Missing means no services; odd entries of other services do not spoil the rest.
    assert_eq!(
        read(r#"{"access":{"token":{"id":"t"}}}"#),
        Ok(("t".into(), 0))
    );
    let (_, _, c) = read_access(
        br#"{"access":{"token":{"id":"t"},"serviceCatalog":[7,{"name":1,"endpoints":null},
        {"name":"cloudLoadBalancers","endpoints":[{"region":"DFW","publicURL":"https://dfw"},3]}]}}"#,
    )
    .unwrap();
    assert_eq!(
        pick_endpoint(&c, Some("dfw")).map(|p| (p.url, p.region)),
        Ok(("https://dfw".into(), "DFW".into()))
    );
}

#[test]
fn catalog_endpoints_that_cannot_work() {
    let check = |u: &str, allow| match check_endpoint(u, allow) {
        Ok(()) => "ok".to_string(),
        Err(ApiError::Final(Error::Failed(m))) => format!("1 {m}"),
        Err(ApiError::Final(Error::Config(m))) => format!("2 {m}"),
        Err(other) => panic!("{other:?}"),
    };
    assert_eq!(check("https://iad.example.com/v1.0/1", false), "ok");
    assert_eq!(check("http://127.0.0.1:9/v1.0/1", false), "ok");
    assert_eq!(check("http://10.0.0.1/v1.0/1", true), "ok");
    for broken in [
        "https://bad host/v1.0",
        "iad.example.com/v1.0",
        "ftp://iad.example.com/",
    ] {
        assert_eq!(
            check(broken, false),
            format!(
                "1 the catalog's load balancer endpoint '{broken}' is not a valid http(s) URL: identity's catalog is broken; report it to whoever runs the identity service"
            )
        );
    }
    assert!(
        check("https://a\nb/", false)
            .starts_with("1 the catalog's load balancer endpoint 'https://ab/'")
    );
    assert!(
        check("http://10.0.0.1/v1.0/1", false)
            .starts_with("2 the catalog's load balancer endpoint 'http://10.0.0.1/v1.0/1' uses plain http to 10.0.0.1")
    );
}

#[test]
fn no_load_balancer_service() {
    let c = vec![service(
        "cloudServersOpenStack",
        "compute",
        &[(Some("DFW"), "https://c")],
    )];
    assert!(
        pick_endpoint(&c, Some("DFW"))
            .unwrap_err()
            .contains("no Cloud Load Balancers")
    );
}

#[test]
fn the_expiry_is_read_when_it_can_be_and_never_refuses_the_answer() {
    let expires = |token: &str| {
        let body = format!(r#"{{"access":{{"token":{token}}}}}"#);
        read_access(body.as_bytes()).map(|(_, e, _)| e)
    };
    let cases = [
        (
            r#"{"id":"t","expires":"2026-12-02T09:00:00.000Z"}"#,
            Some(1_796_202_000),
        ),
        (
            r#"{"id":"t","expires":"2026-12-02T10:00:00.000+01:00"}"#,
            Some(1_796_202_000),
        ),
        (r#"{"id":"t"}"#, None),
        (r#"{"id":"t","expires":null}"#, None),
        (r#"{"id":"t","expires":1796202000}"#, None),
        (r#"{"id":"t","expires":"tomorrow"}"#, None),
    ];
    for (token, want) in cases {
        assert_eq!(expires(token), Ok(want), "{token}");
    }
}
