//! Identity's answers that cannot change on a retry fail the run at once, with one line that
//! says whose fault it is: the configuration's (exit 2) or the API's (exit 1). Credential
//! refusals start with "authentication failed:".

use crate::fake;
use crate::support;

use fake::{Config, Fake, fault, respond};
use support::{LB, Out, peekaboo};

/// A fake with load balancer 1 in DFW.
fn fake() -> Fake {
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    f
}

/// peekaboo with quick retries. The deadline only bounds a run that wrongly retries: these
/// runs end after one answer.
fn run(f: &Fake, env: &[(&str, &str)]) -> Out {
    peekaboo(f, &["-interval", "40ms", "-timeout", "5s"], env)
}

/// The run's one error line, without the time stamp; there must be exactly one.
fn error_line(out: &Out) -> String {
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.get(20..).is_some_and(|m| m.starts_with("Error: ")))
        .collect();
    assert_eq!(errors.len(), 1, "one error line:\n{}", out.stderr);
    assert_eq!(
        out.stderr.lines().last(),
        Some(errors[0]),
        "the error ends the run:\n{}",
        out.stderr
    );
    errors[0][20 + "Error: ".len()..].to_string()
}

/// Identity's answer to every token request is `status` with `body`.
fn identity_answers(f: &Fake, status: u16, body: &str) {
    f.inject(fault("POST", "/tokens", 1000, respond(status, body)));
}

/// The run failed with `code` after sending exactly one token request and nothing else.
fn failed_after_one_request(f: &Fake, out: &Out, code: i32) -> String {
    assert_eq!(out.code, code, "{}", out.stderr);
    let sent: Vec<String> = f
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(sent.len(), 1, "one request: {sent:?}\n{}", out.stderr);
    assert!(sent[0].starts_with("POST ") && sent[0].ends_with("/tokens"));
    assert!(f.mutations().is_empty());
    error_line(out)
}

const V2_BASE: &str =
    "OS_AUTH_URL must be the Identity v2.0 base, e.g. https://identity.api.rackspacecloud.com/v2.0";

#[test]
fn a_wrong_auth_url_path_fails_at_once_and_names_the_v2_base() {
    for path in ["/v3", "/v2.0/tokens", "/identity/v2.0/"] {
        let f = fake();
        let auth_url = f.auth_url().replace("/v2.0", path);
        let out = run(&f, &[("OS_AUTH_URL", &auth_url)]);
        let msg = failed_after_one_request(&f, &out, 2);
        let base = auth_url.trim_end_matches('/');
        assert_eq!(
            msg,
            format!("POST {base}/tokens answered HTTP 404: {V2_BASE}"),
            "{path}"
        );
    }
}

#[test]
fn a_method_or_feature_identity_lacks_is_configuration_too() {
    for status in [405, 501] {
        let f = fake();
        identity_answers(&f, status, "<html>Not Allowed</html>");
        let out = run(&f, &[]);
        let msg = failed_after_one_request(&f, &out, 2);
        assert!(
            msg.ends_with(&format!("/v2.0/tokens answered HTTP {status}: {V2_BASE}")),
            "{msg}"
        );
    }
}

#[test]
fn an_oversized_identity_answer_fails_at_once() {
    let f = fake();
    let huge = format!(r#"{{"access":{{"padding":"{}"}}}}"#, "x".repeat(2 << 20));
    identity_answers(&f, 200, &huge);
    let out = run(&f, &[]);
    let msg = failed_after_one_request(&f, &out, 1);
    assert!(
        msg.starts_with("authenticating: 127.0.0.1 sent an answer over 1048576 bytes (a token answer is a few KiB): check that OS_AUTH_URL"),
        "{msg}"
    );
}

#[test]
fn json_that_is_not_a_token_answer_fails_at_once() {
    let cases = [
        (
            r#"{"access":{"token":{"id":"tok-9"},"serviceCatalog":null}}"#,
            "serviceCatalog is not a list",
        ),
        (
            r#"{"access":{"token":{"id":"tok-9"},"serviceCatalog":{"cloudLoadBalancers":[]}}}"#,
            "serviceCatalog is not a list",
        ),
        (r#"{"access":{}}"#, "no access.token.id"),
        (r#"{"token":{"id":"tok-9"}}"#, "no access object"),
        ("[]", "no access object"),
    ];
    for (body, what) in cases {
        let f = fake();
        identity_answers(&f, 200, body);
        let out = run(&f, &[]);
        let msg = failed_after_one_request(&f, &out, 1);
        assert_eq!(
            msg,
            format!(
                "identity at {} answered with JSON that is not an Identity v2.0 token answer ({what}): check that OS_AUTH_URL is the Identity v2.0 base, e.g. https://identity.api.rackspacecloud.com/v2.0",
                f.auth_url()
            ),
            "{body}"
        );
    }
}

/// A token answer whose catalog's load balancer endpoint for DFW is `url`.
fn catalog_with(url: &str) -> String {
    serde_json::json!({"access": {
        "token": {"id": "tok-9", "expires": "2026-12-01T12:00:00.000Z"},
        "serviceCatalog": [{"name": "cloudLoadBalancers", "type": "rax:load-balancer",
            "endpoints": [{"region": "DFW", "tenantId": "123456", "publicURL": url}]}],
    }})
    .to_string()
}

#[test]
fn a_catalog_endpoint_that_does_not_parse_fails_at_once() {
    for url in [
        "https://dfw loadbalancers.example.com/v1.0/123456",
        "https://[::1/v1.0/123456",
        "https://dfw.loadbalancers.example.com:99999/v1.0/123456",
        "dfw.loadbalancers.example.com/v1.0/123456",
    ] {
        let f = fake();
        identity_answers(&f, 200, &catalog_with(url));
        let out = run(&f, &[]);
        let msg = failed_after_one_request(&f, &out, 1);
        assert_eq!(
            msg,
            format!(
                "the catalog's load balancer endpoint '{url}' is not a valid http(s) URL: identity's catalog is broken; report it to whoever runs the identity service"
            )
        );
    }
}

#[test]
fn a_plain_http_catalog_endpoint_elsewhere_needs_allow_http() {
    // Refused before any request goes there: no traffic leaves loopback.
    let f = fake();
    identity_answers(&f, 200, &catalog_with("http://192.0.2.7/v1.0/123456"));
    let out = run(&f, &[]);
    let msg = failed_after_one_request(&f, &out, 2);
    assert!(
        msg.starts_with("the catalog's load balancer endpoint 'http://192.0.2.7/v1.0/123456' uses plain http to 192.0.2.7"),
        "{msg}"
    );
}

#[test]
fn rejected_credentials_say_authentication_failed() {
    let f = fake();
    let out = run(&f, &[("OS_PASSWORD", "wrong-secret-123")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(f.requests().len(), 2, "as API key, then as password");
    let msg = error_line(&out);
    assert_eq!(
        msg,
        format!(
            "authentication failed: identity at {} rejected user 'demo' with the OS_PASSWORD given (tried as API key and as password): check OS_USERNAME and OS_PASSWORD",
            f.auth_url()
        )
    );
    assert!(!out.stderr.contains("wrong-secret-123"));
}

#[test]
fn a_disabled_user_says_authentication_failed() {
    let f = fake();
    identity_answers(
        &f,
        403,
        r#"{"forbidden":{"code":403,"message":"User 'demo' is disabled."}}"#,
    );
    let out = run(&f, &[]);
    let msg = failed_after_one_request(&f, &out, 2);
    assert!(
        msg.starts_with(&format!(
            "authentication failed: identity at {} refused user 'demo': User 'demo' is disabled.: ",
            f.auth_url()
        )),
        "{msg}"
    );
}
