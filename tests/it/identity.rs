//! Identity's answers that cannot change on a retry fail the run at once, with one line that
//! says whose fault it is: the configuration's (exit 2) or the API's (exit 1). Credential
//! refusals start with "authentication failed:".

use std::net::TcpListener;
use std::time::Duration;

use crate::fake;
use crate::support;

use fake::{Config, Fake, Fault, Request, fault, respond, status};
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
    // A path ending in /v3 chooses Octavia now: openstack_cli.rs has it, with -backend clb.
    for path in ["/v2.0/tokens", "/identity/v2.0/"] {
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
    let at = format!("127.0.0.1:{}", f.port());
    assert!(
        msg.starts_with(&format!("authenticating: {at} sent an answer over 1048576 bytes (a token answer is a few KiB): check that OS_AUTH_URL")),
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
    token_answer(url, "tok-9", "2026-12-01T12:00:00.000Z")
}

/// A token answer with token `id` expiring at `expires`, and `url` for load balancers in DFW.
fn token_answer(url: &str, id: &str, expires: &str) -> String {
    serde_json::json!({"access": {
        "token": {"id": id, "expires": expires},
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

// ---- token lifetime ------------------------------------------------------------------------

fn is_token_request(r: &Request) -> bool {
    r.method == "POST" && r.path.ends_with("/tokens")
}

/// The token a CLB request carried.
fn token_of(r: &Request) -> &str {
    r.header("x-auth-token").unwrap_or("")
}

/// `peekaboo -wait` (enable) beside an app that listens from the start, on a fake whose new
/// nodes are OFFLINE: the run polls the load balancer, renewing its token as it goes, until
/// the test sets the node ONLINE, which it does once `enough` holds of the requests recorded.
/// Renewal is looked at before each poll, so polls come far more often than the last tenth of
/// a test token's life lasts.
fn poll_until(f: &Fake, enough: impl Fn(&[Request]) -> bool) -> Out {
    let app = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = app.local_addr().unwrap().port().to_string();
    let flags = [
        "-wait",
        "-ip",
        "127.0.0.1",
        "-port",
        &port,
        "-interval",
        "50ms",
        "-timeout",
        "30s",
    ];
    std::thread::scope(|s| {
        let run = s.spawn(|| peekaboo(f, &flags, &[]));
        while !run.is_finished() {
            let node = f.nodes(LB).first().map(|n| n.id);
            if let Some(id) = node.filter(|_| enough(&f.requests())) {
                f.set_node_status(LB, id, "ONLINE");
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        run.join().unwrap()
    })
}

/// A fake with load balancer 1 in DFW whose tokens last `ttl`.
fn fake_with_ttl(ttl: Duration) -> Fake {
    let f = Fake::start(Config {
        token_ttl: ttl,
        new_node_status: "OFFLINE".into(),
        ..Config::default()
    });
    f.add_lb(LB, "DFW");
    f
}

#[test]
fn a_run_longer_than_the_token_renews_it_without_a_401() {
    // Renewed with a tenth of its life left: 200 ms for the poll under way to finish with the
    // old token, where a loopback request takes a few.
    let f = fake_with_ttl(Duration::from_secs(2));
    // Polled on with the renewed token: the renewal happened and the new token works.
    let out = poll_until(&f, |reqs| {
        let Some(second) = reqs.iter().filter(|r| is_token_request(r)).nth(1) else {
            return false;
        };
        reqs.iter()
            .any(|r| r.at > second.at && token_of(r).starts_with("tok-2-") && r.status == 200)
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    let reqs = f.requests();
    let tokens: Vec<u16> = reqs
        .iter()
        .filter(|r| is_token_request(r))
        .map(|r| r.status)
        .collect();
    assert!(
        tokens.len() >= 2 && tokens.iter().all(|s| *s == 200),
        "{tokens:?}"
    );
    let refused: Vec<String> = reqs
        .iter()
        .filter(|r| r.status == 401)
        .map(|r| format!("{} {} with {}", r.method, r.path, token_of(r)))
        .collect();
    assert!(refused.is_empty(), "no token is used up: {refused:?}");
    // "expires at": renewed in its last tenth; "expired at": the poll came later than that, but
    // still before the real expiry (identity's whole seconds make it look sooner).
    let renewed = out.stderr.lines().filter(|l| {
        (l.contains("Token expires at") && l.ends_with(": authenticating again before it does"))
            || (l.contains("Token expired at") && l.ends_with(": authenticating again"))
    });
    assert!(renewed.count() >= 1, "{}", out.stderr);
    assert!(
        !out.stderr.contains("Token expired or revoked"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_renewal_that_fails_for_now_goes_on_with_the_working_token() {
    // At least 300 ms between the renewal instant and the expiry, so the renewal is tried while
    // the old token still works, not only after.
    let f = fake_with_ttl(Duration::from_secs(4));
    // The first renewal meets a 503.
    f.inject(Fault {
        skip: 1,
        ..fault("POST", "/tokens", 1, status(503))
    });
    let failed_at = |reqs: &[Request]| {
        reqs.iter()
            .position(|r| is_token_request(r) && r.status == 503)
    };
    // Renewed at last, whether by the retry or after a 401.
    let out = poll_until(&f, |reqs| {
        failed_at(reqs).is_some_and(|i| {
            reqs[i..]
                .iter()
                .any(|r| is_token_request(r) && r.status == 200)
        })
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.unspent(), 0);
    let reqs = f.requests();
    let i = failed_at(&reqs).unwrap();
    // The very next request is the call the renewal came before, with the old token.
    let next = &reqs[i + 1];
    assert!(!is_token_request(next), "{} {}", next.method, next.path);
    assert_eq!((token_of(next), next.status), ("tok-1-a1b2c3d4e5f6", 200));
    let kept: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("Renewing the token failed ("))
        .collect();
    assert_eq!(kept.len(), 1, "{}", out.stderr);
    assert!(
        kept[0].contains("): going on with the current one, which expires at 20"),
        "{}",
        kept[0]
    );
}

#[test]
fn a_token_expired_on_arrival_is_renewed_only_when_refused_and_the_clock_is_named() {
    let f = fake();
    // A token the fake knows, handed out in an answer whose expiry is long past.
    let answer = token_answer(
        &f.auth_url().replace("/v2.0", "/dfw/v1.0/123456"),
        &issue_token(&f),
        "2020-01-01T00:00:00.000Z",
    );
    identity_answers(&f, 200, &answer);
    let out = run(&f, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.nodes(LB).len(), 1);
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("Warning: identity's token expires at"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", out.stderr);
    assert!(
        warnings[0].contains("expires at 2020-01-01T00:00:00Z, which this host's clock (20"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].ends_with(
        "says is past: renewing it only when the API refuses it; check this host's clock (NTP)"
    ));
    // The test's own token request, peekaboo's one, and no renewal.
    let tokens = f.requests().iter().filter(|r| is_token_request(r)).count();
    assert_eq!(tokens, 2);
}

/// A token from the fake, asked for by the test itself (never through a proxy).
fn issue_token(f: &Fake) -> String {
    let agent = ureq::Agent::config_builder()
        .proxy(None)
        .build()
        .new_agent();
    let body = serde_json::json!({"auth": {"RAX-KSKEY:apiKeyCredentials":
        {"username": "demo", "apiKey": Config::default().api_key}}});
    let answer = agent
        .post(format!("{}/tokens", f.auth_url()))
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
    v["access"]["token"]["id"].as_str().unwrap().to_string()
}
