use super::*;
use crate::backend::octavia::keystone::tests::{
    app, config_message, id, in_domain, password, peek, reply,
};

const KS: &str = "https://ks.example/v3";
const FLEX: &str = "https://keystone.api.dfw3.rackspacecloud.com/v3";
const GENERIC: &str = r#"{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}"#;

fn dname(d: &str) -> Domain {
    Domain::Name(d.into())
}

fn did(d: &str) -> Domain {
    Domain::Id(d.into())
}

/// A Flex user by domain name, scoped to `123456_Flex` in the same domain.
fn rackuser() -> Auth {
    let flex = || dname("rackspace_cloud_domain");
    password(
        in_domain("rackuser", flex()),
        Some(in_domain("123456_Flex", flex())),
    )
}

fn refused(r: &Reply, auth: &Auth) -> String {
    config_message(refusal(r, KS, auth, Upstream::None))
}

#[test]
fn a_401_shows_what_was_sent_and_the_variables_that_sent_it() {
    let cases = [
        (
            peek(),
            "rejected user 'peek' in domain 'Default' (password) for project 'web' in domain 'Default': check OS_USERNAME, OS_USER_DOMAIN_NAME, OS_PASSWORD, OS_PROJECT_NAME and OS_PROJECT_DOMAIN_NAME, and that the user has a role on the project",
        ),
        (
            password(id("d3c5"), None),
            "rejected user id 'd3c5' (password): check OS_USER_ID and OS_PASSWORD",
        ),
        (
            password(
                in_domain("peek", dname("rackspace_cloud_domain")),
                Some(id("p1")),
            ),
            "rejected user 'peek' in domain 'rackspace_cloud_domain' (password) for project id 'p1': check OS_USERNAME, OS_USER_DOMAIN_NAME, OS_PASSWORD (the API key or the password) and OS_PROJECT_ID, and that the user has a role on the project",
        ),
        (
            password(id("d3c5"), Some(in_domain("web", did("default")))),
            "rejected user id 'd3c5' (password) for project 'web' in domain id 'default': check OS_USER_ID, OS_PASSWORD, OS_PROJECT_NAME and OS_PROJECT_DOMAIN_ID, and that the user has a role on the project",
        ),
        (
            app(AppCredential::Id("d333".into())),
            "rejected application credential 'd333' (application credential): check OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET",
        ),
        (
            app(AppCredential::Name {
                name: "bars".into(),
                user: in_domain("peek", did("default")),
            }),
            "rejected application credential 'bars' of user 'peek' in domain id 'default' (application credential): check OS_APPLICATION_CREDENTIAL_NAME, OS_APPLICATION_CREDENTIAL_SECRET, OS_USERNAME and OS_USER_DOMAIN_ID",
        ),
        // `Default` is the default domain's name; its id is `default`, and ids keep their case.
        (
            password(
                in_domain("peek", did("Default")),
                Some(in_domain("web", did("DEFAULT"))),
            ),
            "rejected user 'peek' in domain id 'Default' (password) for project 'web' in domain id 'DEFAULT': check OS_USERNAME, OS_USER_DOMAIN_ID, OS_PASSWORD, OS_PROJECT_NAME and OS_PROJECT_DOMAIN_ID, and that the user has a role on the project; domain ids are case-sensitive, and the default domain's id is usually lower-case 'default'",
        ),
        (
            app(AppCredential::Name {
                name: "bars".into(),
                user: in_domain("peek", did("Default")),
            }),
            "rejected application credential 'bars' of user 'peek' in domain id 'Default' (application credential): check OS_APPLICATION_CREDENTIAL_NAME, OS_APPLICATION_CREDENTIAL_SECRET, OS_USERNAME and OS_USER_DOMAIN_ID; domain ids are case-sensitive, and the default domain's id is usually lower-case 'default'",
        ),
    ];
    for (auth, want) in cases {
        let r = reply(401, &[("www-authenticate", "Keystone uri=\"x\"")], GENERIC);
        let want = format!("authentication failed: keystone at {KS} {want}");
        assert_eq!(refused(&r, &auth), want, "{auth:?}");
    }
    // The password itself never.
    assert!(!refused(&reply(401, &[], GENERIC), &peek()).contains("devstacker"));
    // A detailed message is quoted.
    let detailed = r#"{"error":{"code":401,"identity":{},"message":"Error authenticating with application credential: Application credentials cannot request a scope.","title":"Unauthorized"}}"#;
    let m = refused(
        &reply(401, &[], detailed),
        &app(AppCredential::Id("d333".into())),
    );
    assert!(m.starts_with(&format!("authentication failed: keystone at {KS} rejected application credential 'd333' (application credential): Error authenticating with application credential: Application credentials cannot request a scope.: check OS_APPLICATION_CREDENTIAL_ID")), "{m}");
    // On Flex a domain by id cannot find a Rackspace user.
    let by_id = password(in_domain("rackuser", did("0c7f")), None);
    let m = config_message(refusal(
        &reply(401, &[], GENERIC),
        FLEX,
        &by_id,
        Upstream::None,
    ));
    assert!(
        m.ends_with(": check OS_USERNAME, OS_USER_DOMAIN_ID and OS_PASSWORD; on Rackspace OpenStack Flex name the domain instead: unset OS_USER_DOMAIN_ID and set OS_USER_DOMAIN_NAME=rackspace_cloud_domain"),
        "{m}"
    );
    // Multi-factor rules half met.
    let m = refused(
        &reply(401, &[("openstack-auth-receipt", "r")], GENERIC),
        &peek(),
    );
    assert!(
        m.starts_with("authentication failed: ") && m.contains("use an application credential"),
        "{m}"
    );
}

#[test]
fn only_flex_sign_ins_through_rackspace_identity_may_be_upstream_trouble() {
    let flex = || dname("rackspace_cloud_domain");
    let cases = [
        (FLEX, rackuser(), true),
        (
            "https://KEYSTONE.API.SJC3.RACKSPACECLOUD.COM:443/v3",
            rackuser(),
            true,
        ),
        // Not Flex: a 401 is a 401.
        (KS, rackuser(), false),
        ("https://rackspacecloud.com.example/v3", rackuser(), false),
        // Flex, but a sign-in its plugin never sends upstream.
        (FLEX, peek(), false),
        (
            FLEX,
            password(in_domain("rackuser", did("0c7f")), None),
            false,
        ),
        (
            FLEX,
            password(id("f1e2"), Some(in_domain("p", flex()))),
            false,
        ),
        (FLEX, app(AppCredential::Id("d333".into())), false),
    ];
    for (url, auth, want) in cases {
        assert_eq!(via_rackspace(url, &auth), want, "{url} {auth:?}");
    }
}

#[test]
fn flex_s_first_401_asks_for_a_pause_and_its_second_is_final_saying_so() {
    let r = reply(401, &[], GENERIC);
    match refusal(&r, FLEX, &rackuser(), Upstream::FirstTry) {
        ApiError::TryAgainIn(m, pause) => {
            assert_eq!(pause, FLEX_PAUSE);
            assert_eq!(
                m,
                format!(
                    "keystone at {FLEX} rejected user 'rackuser' in domain 'rackspace_cloud_domain' (password) for project '123456_Flex' in domain 'rackspace_cloud_domain', as Rackspace OpenStack Flex also does when it cannot reach Rackspace Identity"
                )
            );
        }
        other => panic!("{other:?}"),
    }
    let m = config_message(refusal(
        &r,
        FLEX,
        &rackuser(),
        Upstream::RefusedBefore(Duration::from_millis(3_412)),
    ));
    assert_eq!(
        m,
        format!(
            "authentication failed: keystone at {FLEX} rejected user 'rackuser' in domain 'rackspace_cloud_domain' (password) for project '123456_Flex' in domain 'rackspace_cloud_domain', refused twice 3s apart (Rackspace OpenStack Flex answers 401 also when it cannot reach Rackspace Identity, so one refusal is tried again): check OS_USERNAME, OS_USER_DOMAIN_NAME, OS_PASSWORD (the API key or the password), OS_PROJECT_NAME and OS_PROJECT_DOMAIN_NAME, and that the user has a role on the project"
        )
    );
    // A renewal tried again minutes later says so.
    let m = config_message(refusal(
        &r,
        FLEX,
        &rackuser(),
        Upstream::RefusedBefore(Duration::from_secs(150)),
    ));
    assert!(m.contains(", refused twice 2m30s apart ("), "{m}");
    // Only a plain 401: multi-factor rules and other refusals are final at once.
    let receipt = reply(401, &[("openstack-auth-receipt", "r")], GENERIC);
    let m = config_message(refusal(&receipt, FLEX, &rackuser(), Upstream::FirstTry));
    assert!(m.contains("wants another factor"), "{m}");
    let forbidden = reply(403, &[], "");
    assert!(matches!(
        refusal(&forbidden, FLEX, &rackuser(), Upstream::FirstTry),
        ApiError::Final(Error::Config(_))
    ));
}

#[test]
fn a_404_with_keystone_s_error_names_what_was_not_found_and_its_variable() {
    let not_found = |what: &str| {
        reply(
            404,
            &[],
            &format!(
                r#"{{"error":{{"code":404,"message":"Could not find {what}.","title":"Not Found"}}}}"#
            ),
        )
    };
    let cases = [
        (
            app(AppCredential::Id("0123".into())),
            "Application Credential: 0123",
            "for application credential '0123' (application credential): check OS_APPLICATION_CREDENTIAL_ID",
        ),
        (
            app(AppCredential::Name {
                name: "bars".into(),
                user: in_domain("peek", dname("Default")),
            }),
            "Application Credential: bars",
            "for application credential 'bars' of user 'peek' in domain 'Default' (application credential): check OS_APPLICATION_CREDENTIAL_NAME",
        ),
        (
            app(AppCredential::Name {
                name: "bars".into(),
                user: id("u1"),
            }),
            "User: u1",
            "for application credential 'bars' of user id 'u1' (application credential): check OS_USER_ID",
        ),
        (
            peek(),
            "User: peek",
            "for user 'peek' in domain 'Default' (password) for project 'web' in domain 'Default': check OS_USERNAME and OS_USER_DOMAIN_NAME",
        ),
        (
            peek(),
            "Project: web",
            "for user 'peek' in domain 'Default' (password) for project 'web' in domain 'Default': check OS_PROJECT_NAME and OS_PROJECT_DOMAIN_NAME",
        ),
        (
            password(id("u1"), Some(id("p1"))),
            "Project: p1",
            "for user id 'u1' (password) for project id 'p1': check OS_PROJECT_ID",
        ),
        (
            password(in_domain("peek", did("Default")), Some(id("p1"))),
            "Domain: Default",
            "for user 'peek' in domain id 'Default' (password) for project id 'p1': check OS_USER_DOMAIN_ID",
        ),
        (
            peek(),
            "Domain: Default",
            "for user 'peek' in domain 'Default' (password) for project 'web' in domain 'Default': check OS_USER_DOMAIN_NAME and OS_PROJECT_DOMAIN_NAME",
        ),
        // Nothing sent of the kind, or a kind not known: every variable sent.
        (
            password(id("u1"), Some(id("p1"))),
            "Domain: x",
            "for user id 'u1' (password) for project id 'p1': check OS_USER_ID, OS_PASSWORD and OS_PROJECT_ID",
        ),
        (
            password(id("u1"), Some(id("p1"))),
            "Trust: t1",
            "for user id 'u1' (password) for project id 'p1': check OS_USER_ID, OS_PASSWORD and OS_PROJECT_ID",
        ),
    ];
    for (auth, what, want) in cases {
        let got = refused(&not_found(what), &auth);
        assert_eq!(
            got,
            format!(
                "authentication failed: keystone at {KS} answered HTTP 404 \"Could not find {what}.\" {want}"
            ),
            "{auth:?}"
        );
    }
    // Without Keystone's error object the path is wrong: a proxy's page, another service.
    let elsewhere = r#"{"error":{"code":404,"message":"The resource could not be found.","title":"Not Found"}}"#;
    for body in [
        "<html>nope</html>",
        r#"{"message":"Not Found"}"#,
        "",
        elsewhere,
    ] {
        assert_eq!(
            refused(&reply(404, &[], body), &peek()),
            format!(
                "POST {KS}/auth/tokens answered HTTP 404: OS_AUTH_URL must be the Keystone v3 base, e.g. https://keystone.api.dfw3.rackspacecloud.com/v3"
            ),
            "{body}"
        );
    }
}

#[test]
fn other_refusals_keep_their_meaning() {
    let ks = format!("keystone at {KS}");
    let forbidden = r#"{"error":{"code":403,"message":"You are not authorized to perform the requested action.","title":"Forbidden"}}"#;
    assert_eq!(
        refused(&reply(403, &[], forbidden), &peek()),
        format!(
            "authentication failed: {ks} refused user 'peek' in domain 'Default' (password) for project 'web' in domain 'Default': You are not authorized to perform the requested action.: check that the user is enabled and has a role on the project"
        )
    );
    let bad = r#"{"error":{"code":400,"message":"Expecting to find domain in user. The server could not comply with the request since it is either malformed or otherwise incorrect.","title":"Bad Request"}}"#;
    let m = refused(&reply(400, &[], bad), &peek());
    assert!(m.starts_with(&format!("{ks} refused the token request for user 'peek' in domain 'Default' (password) for project 'web' in domain 'Default' as malformed: Expecting to find domain in user.")), "{m}");
    assert!(
        m.ends_with(": check OS_USERNAME, OS_USER_DOMAIN_NAME, OS_PASSWORD, OS_PROJECT_NAME and OS_PROJECT_DOMAIN_NAME"),
        "{m}"
    );
    for status in [405, 501] {
        assert_eq!(
            refused(&reply(status, &[], "<html>nope</html>"), &peek()),
            format!(
                "POST {KS}/auth/tokens answered HTTP {status}: OS_AUTH_URL must be the Keystone v3 base, e.g. https://keystone.api.dfw3.rackspacecloud.com/v3"
            )
        );
    }
    // Trouble at Keystone passes: the engine tries again.
    let passes = |r: Reply| refusal(&r, KS, &peek(), Upstream::None);
    assert!(matches!(passes(reply(503, &[], "")), ApiError::Server(_)));
    assert!(matches!(
        passes(reply(500, &[], GENERIC)),
        ApiError::Server(_)
    ));
    assert!(matches!(
        passes(reply(429, &[("retry-after", "2")], "")),
        ApiError::RateLimited(Some(_))
    ));
    let conflict = r#"{"error":{"code":409,"message":"Conflict occurred"}}"#;
    assert_eq!(
        refused(&reply(409, &[], conflict), &peek()),
        format!(
            "{ks} refused to authenticate user 'peek' in domain 'Default' (password): Conflict occurred"
        )
    );
}
