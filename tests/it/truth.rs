//! What a run says of the node is what it read: a state that was not read is called unknown
//! (with what was read last, and when), a word peekaboo does not know is named and never
//! guessed at, and -json keeps one schema whatever the node's fate. The real binary against
//! the fake Cloud Load Balancers.

use crate::fake;
use crate::support;

use nix::sys::signal::Signal::SIGTERM;
use serde_json::Value;

use fake::{Fake, Fault, status};
use support::watching::{App, watch_app};
use support::{ADDR, LB, PORT, calls, peekaboo};

use super::actions::fake;

fn run(f: &Fake, flags: &[&str]) -> support::Out {
    let mut all = vec!["-interval", "40ms"];
    all.extend(flags);
    peekaboo(f, &all, &[])
}

/// Every request from now on answered 503: the API is gone.
fn outage(f: &Fake, skip: usize) {
    f.inject(Fault {
        method: None,
        path_suffix: None,
        times: usize::MAX,
        skip,
        action: status(503),
    });
}

#[test]
fn a_leave_during_an_outage_says_the_state_is_unknown_not_absent() {
    let f = fake();
    let app = App::start(true);
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch_app(&f, &app, &["-timeout", "500ms"], &[]);
    w.wait_line("Ready");
    outage(&f, 0);
    w.signal(SIGTERM);
    let out = w.finish();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        !out.stderr.contains("Node is not serving"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("absent"), "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(
        error.contains("the node's state is unknown: reading it failed;"),
        "{error}"
    );
    assert!(
        error.ends_with(&format!(" ago node {id} was ENABLED")),
        "{error}"
    );
    assert_eq!(f.nodes(LB)[0].condition, "ENABLED");
}

#[test]
fn json_says_null_for_a_state_not_read_back_and_gives_the_last_read() {
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    // The first read and the change go through; nothing after them does.
    outage(&f, 3);
    let out = run(&f, &["-drain", "-json", "-timeout", "400ms"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        support::error_line(&out).ends_with(&format!("node {id} was ENABLED before the change")),
        "{}",
        out.stderr
    );
    let v: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    for key in ["node_id", "condition", "status", "weight", "type"] {
        assert_eq!(v[key], Value::Null, "{key}: {v}");
    }
    assert_eq!(v["nodes"], serde_json::json!([]));
    let last = &v["last_read"];
    assert!(last["age_s"].is_u64(), "{v}");
    assert_eq!(last["nodes"][0]["node_id"], id);
    assert_eq!(last["nodes"][0]["condition"], "ENABLED");
    // The drain did land: the fake holds it DRAINING, which the run could not read back.
    assert_eq!(f.nodes(LB)[0].condition, "DRAINING");
}

#[test]
fn json_has_every_key_whether_the_node_is_present_or_absent() {
    let f = fake();
    let keys = |out: &support::Out| -> Vec<String> {
        let v: Value = serde_json::from_str(out.stdout.trim()).unwrap();
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let absent = run(&f, &["-status", "-json"]);
    assert_eq!(absent.code, 4, "{}", absent.stderr);
    f.add_node(LB, ADDR, PORT, "ENABLED");
    let present = run(&f, &["-status", "-json"]);
    assert_eq!(present.code, 0, "{}", present.stderr);
    assert_eq!(keys(&absent), keys(&present));
    for key in [
        "admin_state_up",
        "provisioning_status",
        "name",
        "last_read",
        "condition",
    ] {
        assert!(keys(&absent).contains(&key.to_string()), "{key}");
    }
}

#[test]
fn another_nodes_odd_condition_is_no_concern_and_ours_is_not_taken_as_asked() {
    let f = fake();
    f.add_node(LB, "10.9.9.9", PORT, "QUARANTINED");
    let out = run(&f, &["-timeout", "5s"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let ours = f.add_node(LB, "10.9.9.8", PORT, "QUARANTINED");
    let out = peekaboo(
        &f,
        &["-interval", "40ms", "-timeout", "5s"],
        &[("RAX_SERVICENET_IPV4", "10.9.9.8")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let node = f.nodes(LB).into_iter().find(|n| n.id == ours).unwrap();
    assert_eq!(node.condition, "ENABLED");
    assert!(
        calls(&f).contains(&format!("PUT /loadbalancers/{LB}/nodes/{ours}")),
        "{:?}",
        calls(&f)
    );
}

#[test]
fn a_load_balancer_status_peekaboo_does_not_know_is_waited_on_and_named() {
    let f = fake();
    f.set_status(LB, "MIGRATING", None);
    let out = run(&f, &["-timeout", "300ms"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "load balancer 1 is MIGRATING, a status peekaboo does not know: waiting for ACTIVE"
        ),
        "{}",
        out.stderr
    );
    assert!(f.mutations().is_empty());
}

#[test]
fn a_watchs_error_event_names_no_condition_it_could_not_read() {
    let f = fake();
    let app = App::start(true);
    f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch_app(&f, &app, &["-json", "-timeout", "300ms"], &[]);
    w.wait_line("Ready");
    outage(&f, 0);
    app.set_healthy(false);
    w.wait_line("the node is left as it is");
    w.signal(SIGTERM);
    let out = w.finish();
    let events: Vec<Value> = support::json_lines(&out.stdout);
    let error = events.iter().find(|e| e["event"] == "error").unwrap();
    assert_eq!(error["condition"], Value::Null, "{error}");
    assert_eq!(error["node_id"], Value::Null, "{error}");
}
