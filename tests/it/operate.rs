//! What operators ask beyond the original: weight and type, several load balancers, -status,
//! -dry-run and -json. The real binary against the fake.

use crate::fake;
use crate::support;

use fake::{Config, Fake};
use support::{ADDR, LB, PORT, calls, json_lines, peekaboo};

fn fake() -> Fake {
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    f
}

fn run(f: &Fake, flags: &[&str]) -> support::Out {
    let mut all = vec!["-interval", "40ms", "-timeout", "10s"];
    all.extend(flags);
    peekaboo(f, &all, &[])
}

#[test]
fn weight_and_type_for_a_new_node() {
    let f = fake();
    let out = run(&f, &["-weight", "7", "-type", "secondary"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let post = f
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/nodes"))
        .unwrap();
    assert_eq!(
        post.body,
        r#"{"nodes":[{"address":"10.1.2.3","condition":"ENABLED","port":8080,"type":"SECONDARY","weight":7}]}"#
    );
    let n = &f.nodes(LB)[0];
    assert_eq!((n.weight, n.node_type.as_str()), (7, "SECONDARY"));
    assert!(
        out.stderr
            .contains("Creating new node as ENABLED, weight 7, type SECONDARY"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&format!(
        "Final node state: {{{ADDR} 1000 {PORT} ONLINE ENABLED 7 SECONDARY}}"
    )));
}

#[test]
fn weight_and_type_for_an_existing_node_change_only_what_differs() {
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    let out = run(&f, &["-weight", "20"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let put = f
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.body, r#"{"node":{"weight":20}}"#);
    assert!(
        out.stderr
            .contains(&format!("Updating node {id}: weight 20")),
        "{}",
        out.stderr
    );
    // Asked again: nothing to change, nothing sent.
    let before = f.mutations().len();
    let out = run(&f, &["-weight", "20", "-type", "PRIMARY"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.mutations().len(), before);
    // Draining with a new type: one PUT with both.
    let out = run(&f, &["-drain", "-type", "SECONDARY"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let put = f
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(
        put.body,
        r#"{"node":{"condition":"DRAINING","type":"SECONDARY"}}"#
    );
    assert_eq!(calls(&f).iter().filter(|c| c.starts_with("PUT")).count(), 2);
}

#[test]
fn status_reads_only_and_exits_4_when_absent() {
    let f = fake();
    let out = run(&f, &["-status"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!("load balancer 1 (DFW): {ADDR}:{PORT} is absent\n")
    );
    let id = f.add_node(LB, ADDR, PORT, "DRAINING");
    let out = run(&f, &["-status"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!("load balancer 1 (DFW): {{{ADDR} {id} {PORT} ONLINE DRAINING 1 PRIMARY}}\n")
    );
    assert!(f.mutations().is_empty(), "no mutating request");
    assert!(
        calls(&f)
            .iter()
            .all(|c| c.starts_with("GET") || c == "POST /tokens")
    );
}

#[test]
fn dry_run_says_what_it_would_change_and_changes_nothing() {
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    for (flags, would) in [
        (
            &["-dry-run", "-drain"][..],
            format!("would update node {id} to DRAINING"),
        ),
        (
            &["-dry-run", "-delete"][..],
            format!("would delete node {id}"),
        ),
        (
            &["-dry-run", "-weight", "9"][..],
            format!("would update node {id}: weight 9"),
        ),
        (&["-dry-run"][..], format!("{ADDR}:{PORT} needs no change")),
    ] {
        let out = run(&f, flags);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(
            out.stdout,
            format!("load balancer 1 (DFW): {would}\n"),
            "{flags:?}"
        );
    }
    let out = run(&f, &["-dry-run", "-lb", "1", "-ip", "10.9.9.9"]);
    assert_eq!(
        out.stdout,
        "load balancer 1 (DFW): would create the node as ENABLED\n"
    );
    assert!(
        out.stderr
            .contains("Dry run: would create the node as ENABLED; nothing sent"),
        "{}",
        out.stderr
    );
    assert!(
        f.mutations().is_empty(),
        "no mutating request: {:?}",
        f.mutations()
    );
    assert_eq!(f.nodes(LB)[0].condition, "ENABLED");
}

#[test]
fn json_reports_each_load_balancer() {
    let f = fake();
    f.add_lb(2, "DFW");
    let id = f.add_node(2, ADDR, PORT, "ENABLED");
    let out = run(&f, &["-drain", "-json", "-lb", "1,2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    let created = &lines[0];
    assert_eq!(created["load_balancer"], 1);
    assert_eq!(created["region"], "DFW");
    assert_eq!(created["address"], ADDR);
    assert_eq!(created["port"], PORT);
    assert_eq!(created["node_id"], 1001);
    assert_eq!(created["condition"], "DRAINING");
    assert_eq!(created["status"], "ONLINE");
    assert_eq!(created["weight"], 1);
    assert_eq!(created["type"], "PRIMARY");
    assert_eq!(created["action"], "created");
    assert_eq!(created["error"], serde_json::Value::Null);
    // At least: the token, the load balancer, the create, the load balancer again.
    assert!(created["requests"].as_u64().unwrap() >= 4, "{created}");
    let updated = &lines[1];
    assert_eq!(
        (
            updated["load_balancer"].as_u64(),
            updated["node_id"].as_u64()
        ),
        (Some(2), Some(id))
    );
    assert_eq!(updated["action"], "updated");
    // One authentication for both.
    assert_eq!(calls(&f).iter().filter(|c| *c == "POST /tokens").count(), 1);
    assert!(
        out.stderr
            .contains("Final node state on load balancer 2: {"),
        "{}",
        out.stderr
    );
}

#[test]
fn several_load_balancers_go_on_past_a_failure_and_say_which_failed() {
    let f = fake();
    f.add_lb(3, "DFW");
    let out = run(&f, &["-lb", "1,99,3", "-json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(f.nodes(1).len(), 1);
    assert_eq!(
        f.nodes(3).len(),
        1,
        "the one after the failure was done too"
    );
    assert!(
        out.stderr
            .contains("Error: load balancer 99 was not found in region DFW"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .trim_end()
            .ends_with("Error: failed on load balancer 99 (of 1, 99, 3)"),
        "{}",
        out.stderr
    );
    let lines = json_lines(&out.stdout);
    assert_eq!(lines[1]["action"], "failed");
    assert!(lines[1]["error"].as_str().unwrap().contains("not found"));
    assert_eq!(lines[2]["action"], "created");
}

#[test]
fn status_json_on_several_load_balancers() {
    let f = fake();
    f.add_lb(2, "DFW");
    f.add_node(2, ADDR, PORT, "ENABLED");
    let out = run(&f, &["-status", "-json", "-lb", "1,2"]);
    assert_eq!(out.code, 4, "absent from load balancer 1: {}", out.stderr);
    let lines = json_lines(&out.stdout);
    assert_eq!(lines[0]["node_id"], serde_json::Value::Null);
    assert_eq!(lines[0]["action"], "unchanged");
    assert_eq!(lines[1]["condition"], "ENABLED");
    assert!(f.mutations().is_empty());
}
