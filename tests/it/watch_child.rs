//! `-watch` as the `-docker` agent runs one per container, and as anyone may: SIGHUP detaches
//! (the node left as it is), a probe that cannot tell, and the container named on every line
//! and event. The real binary, real signals, the fake API; each test waits for the line that
//! says the watcher got there.

use crate::fake;
use crate::support;

use std::time::{Duration, Instant};

use nix::sys::signal::Signal::{SIGHUP, SIGTERM, SIGUSR1};

use fake::{Config, Fake};
use support::watching::{App, lb_connection, wait_until, watch_app};
use support::{LB, Out};

fn fake_with(cfg: Config) -> Fake {
    let f = Fake::start(cfg);
    f.add_lb(LB, "DFW");
    f
}

fn events(out: &Out) -> Vec<serde_json::Value> {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// The log lines that contain `needle`.
fn lines_with<'o>(out: &'o Out, needle: &str) -> Vec<&'o str> {
    out.stderr.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn sighup_detaches_an_adopted_node_as_it_is_with_one_line_and_exit_0() {
    let (f, app) = (fake_with(Config::default()), App::start(true));
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch_app(&f, &app, &["-json"], &[]);
    w.wait_line("adopted as it is");
    let before = f.requests().len();
    w.signal(SIGHUP);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let hup = lines_with(&out, "SIGHUP");
    assert_eq!(hup.len(), 1, "{}", out.stderr);
    assert!(
        hup[0].ends_with(&format!(
            " SIGHUP: detaching: the node is left as it is (load balancer 1: node {id} is ENABLED)"
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("leaving"), "{}", out.stderr);
    assert!(!out.stderr.contains("Final node state"), "{}", out.stderr);
    assert_eq!(f.requests().len(), before, "no request after the SIGHUP");
    assert!(f.mutations().is_empty(), "{:?}", f.mutations());
    assert_eq!(f.nodes(LB)[0].condition, "ENABLED");
    let detach = events(&out).pop().unwrap();
    assert_eq!(detach["event"], "detach", "{}", out.stdout);
    assert_eq!(detach["load_balancer"], 1);
    assert_eq!(detach["node_id"], id);
    assert_eq!(detach["condition"], "ENABLED");
    assert_eq!(detach["reason"], "SIGHUP");
}

#[test]
fn sighup_after_a_join_leaves_the_node_it_made() {
    let (f, app) = (fake_with(Config::default()), App::start(true));
    let w = watch_app(&f, &app, &[], &[]);
    w.wait_line("node 1000 is ENABLED: healthy");
    w.signal(SIGHUP);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        lines_with(&out, "SIGHUP: detaching").len(),
        1,
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "SIGHUP: detaching: the node is left as it is (load balancer 1: node 1000 is ENABLED)"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(f.mutations(), ["POST /loadbalancers/1/nodes"]);
    assert_eq!(f.nodes(LB)[0].condition, "ENABLED");
}

#[test]
fn sighup_while_a_change_waits_for_active_exits_without_sending_more() {
    // The hold's drain is accepted, and the load balancer stays busy applying it.
    let f = fake_with(Config {
        pending: Duration::from_secs(600),
        ..Config::default()
    });
    let app = App::start(true);
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch_app(&f, &app, &[], &[]);
    w.wait_line("adopted as it is");
    w.signal(SIGUSR1);
    // The change is sent, and a read after it found the load balancer still busy: the
    // watcher now waits for ACTIVE.
    let put = format!("PUT /loadbalancers/1/nodes/{id}");
    wait_until("a read after the change", || {
        let calls = support::calls(&f);
        calls
            .iter()
            .position(|c| *c == put)
            .is_some_and(|at| calls[at..].iter().any(|c| c.starts_with("GET")))
    });
    w.signal(SIGHUP);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.mutations(), [put.as_str()], "no change after the SIGHUP");
    assert!(
        out.stderr.contains(&format!(
            "SIGHUP: detaching: the node is left as it is (load balancer 1: node {id} is DRAINING)"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(f.nodes(LB)[0].condition, "DRAINING");
}

#[test]
fn sighup_during_the_leave_changes_nothing() {
    let (f, app) = (fake_with(Config::default()), App::start(true));
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch_app(&f, &app, &["-drain-timeout", "8s"], &[]);
    w.wait_line("The app is healthy");
    let conn = lb_connection(&app);
    w.signal(SIGTERM);
    w.wait_line("connections left");
    w.signal(SIGHUP);
    w.wait_read(SIGHUP);
    // Read, and the drain goes on: neither cut short nor the process ended.
    let closed = Instant::now();
    drop(conn);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("All connections ended"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("detaching"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("cutting the drain short"),
        "{}",
        out.stderr
    );
    assert_eq!(
        f.mutations(),
        [
            format!("PUT /loadbalancers/1/nodes/{id}"),
            format!("DELETE /loadbalancers/1/nodes/{id}")
        ]
    );
    let deleted = f
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .unwrap();
    assert!(deleted.at > closed, "deleted before the connection ended");
}
