//! The real binary against the fake, continued from `actions`: tokens, credentials, and the
//! answers from the API that end a run.

use std::time::Duration;

use crate::actions::{POST, condition, fake, fake_with, run};
use crate::fake::{Config, fault, respond};
use crate::support::{LB, PORT, calls};

// ---- tokens and credentials ----------------------------------------------------------------

#[test]
fn an_expired_token_is_renewed_once() {
    let f = fake();
    f.inject(fault("GET", "/loadbalancers/1", 1, respond(401, "")));
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(calls(&f).iter().filter(|c| *c == "POST /tokens").count(), 2);
    assert_eq!(f.mutations(), [POST]);
    assert!(
        out.stderr
            .contains("Token expired or revoked: authenticating again")
    );
}

#[test]
fn a_token_expired_for_real_mid_run_is_renewed() {
    let f = fake();
    // Busy until the token is gone, so the run cannot finish before the test expires it.
    f.set_status(LB, "PENDING_UPDATE", None);
    let handle = std::thread::scope(|s| {
        let h = s.spawn(|| run(&f, &[], &[]));
        // Once peekaboo has a token and is waiting for the load balancer, expire the token.
        let waiting = || {
            f.requests()
                .iter()
                .any(|r| r.path.ends_with("/loadbalancers/1") && r.status == 200)
        };
        while !waiting() && !h.is_finished() {
            std::thread::sleep(Duration::from_millis(1));
        }
        f.expire_tokens();
        f.set_status(LB, "ACTIVE", None);
        h.join().unwrap()
    });
    assert_eq!(handle.code, 0, "{}", handle.stderr);
    assert_eq!(
        calls(&f).iter().filter(|c| *c == "POST /tokens").count(),
        2,
        "{:?}",
        calls(&f)
    );
    assert_eq!(condition(&f).as_deref(), Some("ENABLED"));
}

#[test]
fn a_fresh_token_refused_too_is_a_failure() {
    let f = fake();
    f.inject(fault("GET", "/loadbalancers/1", 2, respond(401, "")));
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("refused a fresh token (401)"),
        "{}",
        out.stderr
    );
    assert!(f.mutations().is_empty());
}

#[test]
fn bad_credentials_fail_at_once_after_trying_key_and_password() {
    let f = fake();
    let out = run(&f, &[], &[("OS_PASSWORD", "wrong-secret-123")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(calls(&f), ["POST /tokens", "POST /tokens"]);
    let reqs = f.requests();
    assert!(reqs[0].body.contains("RAX-KSKEY:apiKeyCredentials"));
    assert!(reqs[1].body.contains("passwordCredentials"));
    assert!(
        out.stderr
            .contains("rejected user 'demo' with the OS_PASSWORD given"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("wrong-secret-123"));
}

#[test]
fn a_real_password_in_os_password_works() {
    let f = fake();
    let out = run(&f, &[], &[("OS_PASSWORD", &Config::default().password)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(condition(&f).as_deref(), Some("ENABLED"));
}

// ---- final answers from the API ------------------------------------------------------------

#[test]
fn unknown_load_balancer() {
    let f = fake();
    let out = run(&f, &[], &[("LOAD_BALANCER_ID", "99")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("Error: load balancer 99 was not found in region DFW (Load balancer not found): check LOAD_BALANCER_ID and OS_REGION_NAME"), "{}", out.stderr);
    assert!(f.mutations().is_empty());
}

#[test]
fn load_balancer_in_another_region() {
    let f = fake();
    let out = run(&f, &[], &[("OS_REGION_NAME", "ORD")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("not found in region ORD"),
        "{}",
        out.stderr
    );
}

#[test]
fn deleted_load_balancer() {
    let f = fake();
    f.delete_lb(LB);
    let out = run(&f, &["-disable"], &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Error: load balancer 1 is deleted (The loadbalancer is marked as deleted.)"),
        "{}",
        out.stderr
    );
    assert!(f.mutations().is_empty());
}

#[test]
fn deleted_while_we_change_it() {
    let f = fake();
    let gone = r#"{"message":"The load balancer is deleted and considered immutable.","code":422}"#;
    f.inject(fault("POST", "/nodes", 1, respond(422, gone)));
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(f.mutations(), [POST], "not retried");
}

#[test]
fn node_limit_reached() {
    let f = fake_with(Config {
        node_limit: 2,
        ..Config::default()
    });
    f.add_node(LB, "10.0.0.1", PORT, "ENABLED");
    f.add_node(LB, "10.0.0.2", PORT, "ENABLED");
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(f.mutations(), [POST], "not retried");
    assert!(
        out.stderr.contains(
            "Error: changing the node was refused: Nodes must not exceed 2 per load balancer."
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn region_missing_from_the_catalog_names_those_that_exist() {
    let f = fake();
    let out = run(&f, &[], &[("OS_REGION_NAME", "syd")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "region SYD is not in this account's catalog for load balancers (it has: DFW, IAD, ORD)"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(calls(&f), ["POST /tokens"]);
}

#[test]
fn region_in_lower_case_and_by_flag() {
    let f = fake();
    f.add_lb(2, "ORD");
    let out = run(&f, &["-lb", "2"], &[("OS_REGION_NAME", "ord")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.mutations(), ["POST /loadbalancers/2/nodes"]);
    assert!(
        f.requests()
            .iter()
            .any(|r| r.path.starts_with("/ord/v1.0/"))
    );
    let out = run(
        &f,
        &["-lb", "2", "-region", "Ord", "-drain"],
        &[("OS_REGION_NAME", "")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn no_region_set_with_several_in_the_catalog() {
    let f = fake();
    let out = run(&f, &[], &[("OS_REGION_NAME", "")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("OS_REGION_NAME is not set and this account has load balancers in several regions (DFW, IAD, ORD)"), "{}", out.stderr);
}

#[test]
fn nothing_answers_at_all() {
    // A port nothing listens on: connection refused, retried until the deadline. Held, so no
    // fake of a test running beside this one can be handed it.
    let (_held, port) = crate::support::closed_port();
    let f = fake();
    let out = run(
        &f,
        &["-timeout", "300ms"],
        &[("OS_AUTH_URL", &format!("http://127.0.0.1:{port}/v2.0"))],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "gave up after -timeout 300ms: authenticating failed: 127.0.0.1:{port} refused the connection: nothing listens there, or a firewall rejects it"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn a_load_balancer_endpoint_nobody_answers_at_says_how_the_catalog_chose_it() {
    let (_held, port) = crate::support::closed_port();
    let f = fake_with(Config {
        lb_base: Some(format!("http://127.0.0.1:{port}")),
        ..Config::default()
    });
    let out = run(&f, &["-timeout", "2s"], &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let how = "(the catalog's Cloud Load Balancers endpoint 'cloudLoadBalancers', region DFW)";
    crate::support::the_refusing_endpoint_is_explained_once(&out, port, how);
}
