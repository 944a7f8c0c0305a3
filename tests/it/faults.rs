//! Every injected fault against every action: the run ends within its deadline with the right
//! exit code, the node in the state asked for, exactly one node for this address and port, and
//! no other node touched.

use crate::fake;
use crate::support;

use std::time::{Duration, Instant};

use fake::{Action, Config, Fake, fault, over_limit, respond, status};
use support::{ADDR, LB, PORT, peekaboo};

/// (flag, starting condition of our node or None, final condition or None, mutating method)
const ACTIONS: [(&str, Option<&str>, Option<&str>, &str); 4] = [
    ("", None, Some("ENABLED"), "POST"),
    ("-drain", Some("ENABLED"), Some("DRAINING"), "PUT"),
    ("-disable", Some("ENABLED"), Some("DISABLED"), "PUT"),
    ("-delete", Some("ENABLED"), None, "DELETE"),
];

const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs every action with `inject` applied (it gets the fake and the action's mutating
/// method) and checks the outcome. Returns how many faults fired in all.
fn every_action(name: &str, cfg: impl Fn() -> Config, inject: impl Fn(&Fake, &str)) -> usize {
    let mut fired = 0;
    for (flag, start, end, method) in ACTIONS {
        let f = Fake::start(cfg());
        f.add_lb(LB, "DFW");
        let neighbours = [
            f.add_node(LB, ADDR, PORT + 1, "ENABLED"),
            f.add_node(LB, "10.9.9.9", PORT, "DRAINING"),
        ];
        let before = f.nodes(LB);
        if let Some(c) = start {
            f.add_node(LB, ADDR, PORT, c);
        }
        inject(&f, method);
        let flags: Vec<&str> = [flag, "-interval", "40ms", "-timeout", "10s"]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let started = Instant::now();
        let out = peekaboo(&f, &flags, &[("PEEKABOO_REQUEST_TIMEOUT", "300ms")]);
        let took = started.elapsed();
        let ctx = format!("fault {name}, action '{flag}':\n{}", out.stderr);
        assert_eq!(out.code, 0, "{ctx}");
        assert!(took < TIMEOUT, "{ctx}");
        let ours: Vec<_> = f
            .nodes(LB)
            .into_iter()
            .filter(|n| n.address == ADDR && n.port == PORT)
            .collect();
        assert!(ours.len() <= 1, "duplicate nodes: {ours:?}\n{ctx}");
        assert_eq!(ours.first().map(|n| n.condition.as_str()), end, "{ctx}");
        let others: Vec<_> = f
            .nodes(LB)
            .into_iter()
            .filter(|n| neighbours.contains(&n.id))
            .collect();
        assert_eq!(others, before, "other nodes untouched\n{ctx}");
        assert!(
            f.mutations().iter().all(|m| !neighbours
                .iter()
                .any(|id| m.ends_with(&format!("/nodes/{id}")))),
            "{ctx}"
        );
        assert_eq!(f.unspent(), 0, "every scripted fault fired\n{ctx}");
        fired += f.fired();
    }
    fired
}

/// A fault on the action's mutating request (and not on the POST to /tokens).
fn on_change(method: &str, times: usize, action: Action) -> fake::Fault {
    let suffix = if method == "POST" { "/nodes" } else { "" };
    fault(method, suffix, times, action)
}

/// A fault on the listing: every case has neighbour nodes, so the nodes come with the load
/// balancer itself.
fn on_listing(times: usize, action: Action) -> fake::Fault {
    fault("GET", "/loadbalancers/1", times, action)
}

fn html(code: u16) -> Action {
    Action::Respond {
        status: code,
        body: format!("<html><head><title>{code}</title></head><body>proxy error</body></html>"),
        headers: vec![("Content-Type".into(), "text/html".into())],
    }
}

#[test]
fn server_errors_with_json_and_html_bodies() {
    for code in [500, 502, 503, 504] {
        every_action(&format!("{code} json"), Config::default, |f, m| {
            f.inject(on_change(m, 2, status(code)));
            f.inject(on_listing(1, status(code)));
        });
        every_action(&format!("{code} html"), Config::default, |f, m| {
            f.inject(on_change(m, 1, html(code)));
            f.inject(fault("GET", "/loadbalancers/1", 1, html(code)));
            f.inject(fault("POST", "/tokens", 1, html(code)));
        });
    }
}

#[test]
fn connection_reset_before_the_request_is_handled() {
    every_action("reset", Config::default, |f, m| {
        f.inject(on_change(m, 1, Action::CloseBeforeHandling));
        f.inject(on_listing(1, Action::CloseBeforeHandling));
        f.inject(fault("POST", "/tokens", 1, Action::CloseBeforeHandling));
    });
}

#[test]
fn connection_closed_after_the_change_was_applied() {
    every_action("lost answer", Config::default, |f, m| {
        f.inject(on_change(m, 1, Action::CloseAfterApplying));
    });
}

#[test]
fn answers_slower_than_the_request_timeout() {
    every_action("slow change", Config::default, |f, m| {
        f.inject(on_change(m, 1, Action::Delay(Duration::from_millis(900))));
    });
    every_action("slow listing", Config::default, |f, _| {
        f.inject(on_listing(1, Action::Delay(Duration::from_millis(900))));
    });
}

#[test]
fn truncated_answers() {
    every_action("truncated", Config::default, |f, m| {
        f.inject(on_change(m, 1, Action::Truncate));
        f.inject(on_listing(1, Action::Truncate));
        f.inject(fault("GET", "/loadbalancers/1", 1, Action::Truncate));
        f.inject(fault("POST", "/tokens", 1, Action::Truncate));
    });
    every_action("malformed JSON", Config::default, |f, _| {
        f.inject(on_listing(1, respond(200, r#"{"nodes":[{"id":"#)));
        f.inject(fault("GET", "/loadbalancers/1", 1, respond(200, "[]")));
        // Cut off, unlike well-formed JSON that is no token answer, which is final.
        f.inject(fault(
            "POST",
            "/tokens",
            1,
            respond(200, r#"{"access":{"token":"#),
        ));
    });
}

#[test]
fn rate_limits_in_both_forms() {
    every_action("413 seconds", Config::default, |f, m| {
        f.inject(on_change(m, 1, over_limit("0")));
        f.inject(on_listing(1, over_limit("0")));
    });
    every_action("413 date", Config::default, |f, m| {
        f.inject(on_change(m, 1, over_limit("Thu, 01 Jan 1970 00:00:00 GMT")));
        f.inject(fault(
            "GET",
            "/loadbalancers/1",
            1,
            over_limit("Sat, 13 Jun 2015 22:30:10 GMT"),
        ));
    });
}

#[test]
fn token_expiry() {
    every_action("401 on the change", Config::default, |f, m| {
        f.inject(on_change(m, 1, respond(401, "")));
    });
    every_action("401 on a read", Config::default, |f, _| {
        f.inject(on_listing(1, respond(401, "")));
    });
}

#[test]
fn load_balancer_busy_or_in_error_for_a_while() {
    for status in ["PENDING_UPDATE", "ERROR", "BUILD"] {
        every_action(status, Config::default, |f, _| {
            f.set_status(LB, status, Some(Duration::from_millis(200)));
        });
    }
    every_action(
        "busy after each change",
        || Config {
            pending: Duration::from_millis(150),
            ..Config::default()
        },
        |_, _| {},
    );
}

#[test]
fn answers_that_name_another_node() {
    // The API's answers are never trusted for what they say about the node: only listings are.
    every_action("another node in the answer", Config::default, |f, m| {
        let body = r#"{"nodes":[{"id":1,"address":"10.9.9.9","port":8080,"condition":"ENABLED","status":"ONLINE"}]}"#;
        if m == "POST" {
            // On the node POST: a bare "POST" fault would hit the token request first.
            f.inject(on_change(m, 1, respond(202, body)));
        }
    });
}

#[test]
fn random_faults_from_fixed_seeds() {
    for seed in [1, 7, 42, 1234, 99_999] {
        let fired = every_action(&format!("chaos seed {seed}"), Config::default, |f, _| {
            f.chaos(
                seed,
                30,
                vec![
                    status(500),
                    status(503),
                    html(502),
                    Action::CloseBeforeHandling,
                    Action::CloseAfterApplying,
                    Action::Truncate,
                    over_limit("0"),
                ],
            );
        });
        assert!(fired >= 4, "seed {seed}: only {fired} faults fired");
    }
}
