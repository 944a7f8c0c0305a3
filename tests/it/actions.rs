//! The real binary against the fake Rackspace API on loopback: final state, requests sent,
//! exit code and stderr, for each action and each failure the API can throw at it.

use crate::fake;
use crate::support;

use std::time::Duration;

use fake::{Action, Config, Fake, fault, over_limit, respond, status};
use support::{ADDR, LB, Out, PORT, calls, peekaboo};

/// A fake with load balancer 1 in DFW.
pub(crate) fn fake() -> Fake {
    fake_with(Config::default())
}

pub(crate) fn fake_with(cfg: Config) -> Fake {
    let f = Fake::start(cfg);
    f.add_lb(LB, "DFW");
    f
}

/// peekaboo with quick retries and a 10 s deadline unless the test gives its own; it writes
/// nothing on stdout except for -help.
pub(crate) fn run(fake: &Fake, flags: &[&str], env: &[(&str, &str)]) -> Out {
    let mut all = vec!["-interval", "40ms"];
    if !flags.contains(&"-timeout") {
        all.extend(["-timeout", "10s"]);
    }
    all.extend(flags);
    let out = peekaboo(fake, &all, env);
    assert!(
        out.stdout.is_empty(),
        "stdout is for -help only:\n{}",
        out.stdout
    );
    out
}

pub(crate) fn our_nodes(fake: &Fake) -> Vec<fake::Node> {
    fake.nodes(LB)
        .into_iter()
        .filter(|n| n.address == ADDR && n.port == PORT)
        .collect()
}

pub(crate) fn condition(fake: &Fake) -> Option<String> {
    let nodes = our_nodes(fake);
    assert!(nodes.len() <= 1, "duplicate nodes: {nodes:?}");
    nodes.first().map(|n| n.condition.clone())
}

pub(crate) const POST: &str = "POST /loadbalancers/1/nodes";

// ---- each action, from each starting point ------------------------------------------------

#[test]
fn enable_creates_the_node() {
    // An empty load balancer comes without a `nodes` key: the create needs no listing either.
    let empty = fake();
    let out = run(&empty, &[], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(condition(&empty).as_deref(), Some("ENABLED"));
    let f = fake();
    let other = f.add_node(LB, "10.9.9.9", PORT, "ENABLED");
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(condition(&f).as_deref(), Some("ENABLED"));
    assert_eq!(calls(&empty), calls(&f));
    assert_eq!(
        calls(&f),
        // The nodes come with the load balancer: no separate listing.
        [
            "POST /tokens",
            "GET /loadbalancers/1",
            POST,
            "GET /loadbalancers/1",
        ]
    );
    let sent = &f.requests()[2];
    assert_eq!(
        sent.body,
        r#"{"nodes":[{"address":"10.1.2.3","condition":"ENABLED","port":8080}]}"#
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert!(
        sent.header("x-auth-token")
            .is_some_and(|t| t.starts_with("tok-"))
    );
    assert_eq!(f.nodes(LB)[0].id, other, "the other node is untouched");
    assert_eq!(f.nodes(LB)[0].condition, "ENABLED");
    let id = our_nodes(&f)[0].id;
    for line in [
        "Using address 10.1.2.3 from RAX_SERVICENET_IPV4",
        "Setting 10.1.2.3:8080 to be ENABLED on load balancer 1",
        "Creating new node as ENABLED",
        &format!("Final node state: {{10.1.2.3 {id} 8080 ONLINE ENABLED 1 PRIMARY}}"),
    ] {
        assert!(
            out.stderr.contains(line),
            "missing {line:?} in:\n{}",
            out.stderr
        );
    }
}

#[test]
fn each_action_from_each_condition_sends_one_update_or_nothing() {
    for (flag, want) in [
        ("", "ENABLED"),
        ("-drain", "DRAINING"),
        ("-disable", "DISABLED"),
    ] {
        for have in ["ENABLED", "DRAINING", "DISABLED"] {
            let f = fake();
            let id = f.add_node(LB, ADDR, PORT, have);
            let flags: Vec<&str> = [flag].into_iter().filter(|s| !s.is_empty()).collect();
            let out = run(&f, &flags, &[]);
            assert_eq!(out.code, 0, "{flag} from {have}: {}", out.stderr);
            assert_eq!(condition(&f).as_deref(), Some(want));
            if have == want {
                assert!(
                    f.mutations().is_empty(),
                    "{flag} from {have}: {:?}",
                    f.mutations()
                );
                assert!(
                    out.stderr.contains("already in that state"),
                    "{}",
                    out.stderr
                );
            } else {
                assert_eq!(f.mutations(), [format!("PUT /loadbalancers/1/nodes/{id}")]);
                let put = f
                    .requests()
                    .into_iter()
                    .find(|r| r.method == "PUT")
                    .unwrap();
                assert_eq!(put.body, format!(r#"{{"node":{{"condition":"{want}"}}}}"#));
                assert!(
                    out.stderr
                        .contains(&format!("Updating node {id} to {want}"))
                );
            }
            assert!(
                out.stderr
                    .contains(&format!("{ADDR} {id} {PORT} ONLINE {want} 1 PRIMARY"))
            );
        }
    }
}

#[test]
fn drain_and_disable_create_an_absent_node_in_that_condition() {
    for (flag, want) in [("-drain", "DRAINING"), ("-disable", "DISABLED")] {
        let f = fake();
        let out = run(&f, &[flag], &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(condition(&f).as_deref(), Some(want));
        assert_eq!(f.mutations(), [POST]);
    }
}

#[test]
fn delete_removes_only_our_node() {
    let f = fake();
    let other_port = f.add_node(LB, ADDR, 9090, "ENABLED");
    let id = f.add_node(LB, ADDR, PORT, "DRAINING");
    let out = run(&f, &["-delete"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        f.mutations(),
        [format!("DELETE /loadbalancers/1/nodes/{id}")]
    );
    assert_eq!(
        f.nodes(LB).iter().map(|n| n.id).collect::<Vec<_>>(),
        [other_port]
    );
    assert!(
        out.stderr
            .contains("Deleting 10.1.2.3:8080 from load balancer 1")
    );
    assert!(
        out.stderr.trim_end().ends_with("Final node state: Deleted"),
        "{}",
        out.stderr
    );
}

#[test]
fn delete_of_an_absent_node_sends_nothing() {
    let f = fake();
    let out = run(&f, &["--delete"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(f.mutations().is_empty());
    assert!(out.stderr.contains("Final node state: Deleted"));
}

#[test]
fn ipv6_spelled_another_way_is_the_same_node() {
    let f = fake();
    let id = f.add_node(LB, "2001:0db8:0:0:0:0:0:0005", PORT, "DISABLED");
    let out = run(&f, &["-ip", "2001:db8::5"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.mutations(), [format!("PUT /loadbalancers/1/nodes/{id}")]);
    assert!(
        out.stderr
            .contains("Setting [2001:db8::5]:8080 to be ENABLED")
    );
}

// ---- a busy or slow load balancer ---------------------------------------------------------

#[test]
fn waits_for_a_busy_load_balancer_before_changing_it() {
    let f = fake();
    // Busy until peekaboo has seen it busy: a time limit would race a slow start.
    f.set_status(LB, "PENDING_UPDATE", None);
    let out = std::thread::scope(|s| {
        let h = s.spawn(|| run(&f, &[], &[]));
        while !f
            .requests()
            .iter()
            .any(|r| r.status == 200 && r.path.ends_with("/1"))
            && !h.is_finished()
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        f.set_status(LB, "ACTIVE", None);
        h.join().unwrap()
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.mutations(), [POST], "no change is tried while busy");
    assert!(
        out.stderr.contains("Load balancer 1 is PENDING_UPDATE, waiting for ACTIVE before changing it; checking again in"),
        "{}",
        out.stderr
    );
    assert_eq!(condition(&f).as_deref(), Some("ENABLED"));
}

#[test]
fn waits_until_the_change_is_applied() {
    // Busy after the change until peekaboo has read it busy twice: a window of some length
    // would race a slow machine.
    let f = fake_with(Config {
        pending: Duration::from_secs(3600),
        ..Config::default()
    });
    let out = std::thread::scope(|s| {
        let h = s.spawn(|| run(&f, &["-drain"], &[]));
        let busy_reads = || {
            let reqs = f.requests();
            let post = reqs
                .iter()
                .position(|r| r.method == "POST" && r.status == 202);
            post.map_or(0, |p| reqs[p..].iter().filter(|r| r.status == 200).count())
        };
        while busy_reads() < 2 && !h.is_finished() {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(!h.is_finished(), "still waiting while busy");
        f.set_status(LB, "ACTIVE", None);
        h.join().unwrap()
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        f.lb_status(LB),
        "ACTIVE",
        "exits only once the next change can be made"
    );
    assert!(
        out.stderr
            .contains("Load balancer 1 accepted the change, waiting for it to be ACTIVE again")
    );
    let c = calls(&f);
    let post = c.iter().position(|x| x == POST).unwrap();
    assert!(
        c[post + 1..]
            .iter()
            .filter(|x| *x == "GET /loadbalancers/1")
            .count()
            >= 2,
        "{c:?}"
    );
}

#[test]
fn another_hosts_change_after_ours_means_ours_is_applied() {
    // In a fleet the load balancer is seldom ACTIVE: it goes from one host's change to the
    // next. It takes one change at a time, so once another node changes after ours, ours is
    // done, busy or not.
    // The fake itself stays PENDING_UPDATE after our change, so no test thread races the
    // POST; and the fake records a request before it answers, so "peekaboo has looked" means
    // a read answered, or the new node could already be in that first look.
    let f = fake_with(Config {
        pending: Duration::from_secs(3600),
        ..Config::default()
    });
    let out = std::thread::scope(|s| {
        let h = s.spawn(|| run(&f, &["-timeout", "5s"], &[]));
        let looked_after_change = || {
            let reqs = f.requests();
            let post = reqs
                .iter()
                .position(|r| r.method == "POST" && r.status == 202);
            post.is_some_and(|p| {
                reqs[p + 1..].iter().any(|r| {
                    r.method == "GET" && r.path.ends_with("/loadbalancers/1") && r.status == 200
                })
            })
        };
        while !looked_after_change() && !h.is_finished() {
            std::thread::sleep(Duration::from_millis(1));
        }
        // Once peekaboo has looked after its change, another host's node appears.
        f.add_node(LB, "10.9.9.9", PORT, "ENABLED");
        h.join().unwrap()
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.lb_status(LB), "PENDING_UPDATE", "never ACTIVE again");
    assert!(
        out.stderr
            .contains("Load balancer 1 has applied the change: another has started since"),
        "{}",
        out.stderr
    );
    assert_eq!(condition(&f).as_deref(), Some("ENABLED"));
}

#[test]
fn a_busy_answer_to_the_change_is_waited_out() {
    // Another host changed the load balancer between our read and our write.
    let f = fake();
    let busy = r#"{"message":"Load Balancer '1' has a status of 'PENDING_UPDATE' and is considered immutable.","code":422}"#;
    f.inject(fault("POST", "/nodes", 2, respond(422, busy)));
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.mutations(), [POST, POST, POST]);
    assert_eq!(condition(&f).as_deref(), Some("ENABLED"));
    assert!(
        out.stderr.contains("Changing the node: Load Balancer '1' has a status of 'PENDING_UPDATE' and is considered immutable.; checking again in"),
        "{}",
        out.stderr
    );
}

#[test]
fn deadline_on_a_load_balancer_stuck_in_pending_update() {
    let f = fake();
    f.add_node(LB, ADDR, PORT, "ENABLED");
    f.set_status(LB, "PENDING_UPDATE", None);
    let out = run(&f, &["-drain", "-timeout", "300ms"], &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(f.mutations().is_empty());
    assert!(
        out.stderr.contains("Error: gave up after -timeout 300ms: load balancer 1 is PENDING_UPDATE, waiting for ACTIVE before changing it"),
        "{}",
        out.stderr
    );
}

// ---- transient failures --------------------------------------------------------------------

#[test]
fn service_unavailable_then_success() {
    let f = fake();
    f.inject(fault("GET", "/loadbalancers/1", 2, status(503)));
    f.inject(fault("POST", "/tokens", 1, status(502)));
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.mutations(), [POST]);
    assert!(
        out.stderr
            .contains("Authenticating failed: Bad Gateway; trying again in"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("Reading the load balancer failed: Service Unavailable; trying again in"),
        "{}",
        out.stderr
    );
}

#[test]
fn html_error_pages_and_connection_failures_are_retried() {
    let f = fake();
    let html = respond(504, "<html><body>Gateway Timeout</body></html>");
    f.inject(fault("GET", "/loadbalancers/1", 1, html));
    f.inject(fault("POST", "/nodes", 1, Action::CloseBeforeHandling));
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Reading the load balancer failed: HTTP 504"),
        "{}",
        out.stderr
    );
    // The fake's host and port, as its catalog names it.
    let at = format!("127.0.0.1:{}", f.port());
    assert!(
        out.stderr
            .contains(&format!("Changing the node failed: request to {at} failed")),
        "{}",
        out.stderr
    );
}

#[test]
fn an_oversized_answer_is_refused_and_read_again() {
    let f = fake();
    let huge = format!(
        r#"{{"loadBalancer":{{"padding":"{}"}}}}"#,
        "x".repeat(2 << 20)
    );
    f.inject(fault("GET", "/loadbalancers/1", 1, respond(200, huge)));
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let at = format!("127.0.0.1:{}", f.port());
    assert!(
        out.stderr.contains(&format!(
            "Reading the load balancer failed: {at} sent an answer over 1048576 bytes"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(f.mutations(), [POST]);
}

#[test]
fn a_failed_listing_is_never_taken_as_no_node() {
    for flags in [&[][..], &["-delete"][..]] {
        let f = fake();
        f.add_node(LB, ADDR, PORT, "ENABLED");
        // The load balancer comes without its nodes, and listing them fails.
        let bare = r#"{"loadBalancer":{"id":1,"status":"ACTIVE"}}"#;
        f.inject(fault("GET", "/loadbalancers/1", 1000, respond(200, bare)));
        f.inject(fault("GET", "/nodes", 1000, status(500)));
        let before = f.nodes(LB);
        let out = run(&f, &[&["-timeout", "400ms"], flags].concat(), &[]);
        assert_eq!(out.code, 3, "{}", out.stderr);
        assert_eq!(f.nodes(LB), before);
        // Enabling tries the create a load balancer without nodes allows, which the API
        // refuses as a duplicate; nothing else is sent that could change anything.
        let sent: Vec<(String, u16)> = f
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET" && !r.path.ends_with("/tokens"))
            .map(|r| (r.method, r.status))
            .collect();
        let expected: &[(String, u16)] = if flags.is_empty() {
            &[("POST".to_string(), 422)]
        } else {
            &[]
        };
        assert_eq!(sent, expected);
        assert!(!out.stderr.contains("Final node state"), "{}", out.stderr);
        assert!(
            out.stderr.contains(
                "gave up after -timeout 400ms: listing the nodes failed: Internal Server Error"
            ),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_create_without_a_listing_that_is_refused_lists_then_updates() {
    let limit = r#"{"message":"Nodes must not exceed 25 per load balancer.","code":413}"#;
    // Refused as a duplicate, or for the node limit (an API may check that first).
    for (refusal, says) in [
        (None, "The node exists already"),
        (
            Some(respond(413, limit)),
            "Creating the node was refused (Nodes must not exceed 25 per load balancer.): listing the nodes before deciding",
        ),
    ] {
        let f = fake();
        f.add_node(LB, ADDR, PORT, "DISABLED");
        // Read once as if it had no nodes, while ours is there.
        let bare = r#"{"loadBalancer":{"id":1,"status":"ACTIVE"}}"#;
        f.inject(fault("GET", "/loadbalancers/1", 1, respond(200, bare)));
        if let Some(r) = refusal {
            f.inject(fault("POST", "/nodes", 1, r));
        }
        let out = run(&f, &[], &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(condition(&f).as_deref(), Some("ENABLED"));
        assert_eq!(f.mutations(), [POST, "PUT /loadbalancers/1/nodes/1000"]);
        assert!(out.stderr.contains(says), "{}", out.stderr);
    }
}

#[test]
fn a_lost_answer_to_the_create_makes_no_duplicate() {
    let f = fake();
    f.inject(fault("POST", "/nodes", 1, Action::CloseAfterApplying));
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.mutations(), [POST], "no second POST");
    assert_eq!(our_nodes(&f).len(), 1);
    assert!(
        out.stderr.contains("Changing the node failed"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_lost_answer_to_a_delete_is_checked_not_assumed() {
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "DRAINING");
    f.inject(fault(
        "DELETE",
        &format!("/nodes/{id}"),
        1,
        Action::CloseBeforeHandling,
    ));
    let out = run(&f, &["-delete"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let del = format!("DELETE /loadbalancers/1/nodes/{id}");
    assert_eq!(
        f.mutations(),
        [del.clone(), del],
        "the lost one was not applied: sent again"
    );
    assert!(our_nodes(&f).is_empty());
}

#[test]
fn duplicate_node_answer_lists_again_and_updates() {
    // A stale listing hides a node that another try created: the POST is refused as a
    // duplicate, and the fresh listing shows the node to update instead.
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "DISABLED");
    f.inject(fault(
        "GET",
        "/loadbalancers/1",
        1,
        respond(
            200,
            r#"{"loadBalancer":{"id":1,"status":"ACTIVE","nodes":[]}}"#,
        ),
    ));
    let out = run(&f, &[], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        f.mutations(),
        [POST.to_string(), format!("PUT /loadbalancers/1/nodes/{id}")]
    );
    assert_eq!(condition(&f).as_deref(), Some("ENABLED"));
    assert!(
        out.stderr.contains("The node exists already"),
        "{}",
        out.stderr
    );
}

#[test]
fn rate_limits_wait_as_told_in_seconds_and_as_a_date() {
    for seconds_form in [true, false] {
        // The date is made as the fake answers, two seconds ahead: read a moment later, in
        // whole seconds, it is one or two seconds away.
        let (retry, told) = if seconds_form {
            (over_limit("1"), &["in 1.0s"][..])
        } else {
            (
                Action::OverLimitFor(Duration::from_secs(2)),
                &["in 1.0s", "in 2.0s"][..],
            )
        };
        let retry_after = if seconds_form { "1" } else { "a date 2s ahead" };
        let f = fake();
        f.inject(fault("GET", "/loadbalancers/1", 1, retry));
        let out = run(&f, &[], &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(f.mutations(), [POST]);
        assert!(
            told.iter().any(|t| out.stderr.contains(&format!(
                "Rate limited while reading the load balancer; trying again {t}"
            ))),
            "Retry-After {retry_after}:\n{}",
            out.stderr
        );
    }
}
