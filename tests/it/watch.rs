//! `-watch` with the real binary: an HTTP app on loopback whose health the test flips, the fake
//! API, and real signals. Each test waits for the log line that says the watcher got there,
//! never for a while.

use crate::fake;
use crate::support;

use std::time::Instant;

use nix::sys::signal::Signal::{SIGTERM, SIGUSR1, SIGUSR2};

use fake::{Config, Fake, Fault, Request, status};
use support::watching::{App, Watching, lb_connection, wait_until, watch_app};
use support::{LB, Out};

fn fake() -> Fake {
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    f
}

fn watch(f: &Fake, app: &App, extra: &[&str]) -> Watching {
    watch_app(f, app, extra, &[])
}

/// Each change sent to the CLB API, as "POST", "PUT DRAINING", "DELETE 1000".
fn changes(f: &Fake) -> Vec<String> {
    f.requests()
        .iter()
        .filter(|r| r.path.contains("/loadbalancers/") && r.method != "GET")
        .map(|r| {
            let id = r.path.rsplit('/').next().unwrap_or("");
            let condition = ["ENABLED", "DRAINING", "DISABLED"]
                .into_iter()
                .find(|c| r.body.contains(c))
                .unwrap_or("");
            match r.method.as_str() {
                "POST" => format!("POST {condition}"),
                "PUT" => format!("PUT {id} {condition}"),
                m => format!("{m} {id}"),
            }
        })
        .collect()
}

fn change_at(f: &Fake, what: impl Fn(&Request) -> bool) -> Instant {
    f.requests()
        .into_iter()
        .find(|r| r.path.contains("/loadbalancers/") && r.method != "GET" && what(r))
        .expect("the change was sent")
        .at
}

fn left(w: Watching) -> Out {
    w.signal(SIGTERM);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    out
}

#[test]
fn joins_only_after_rise_passes_and_leaves_on_sigterm() {
    let (f, app) = (fake(), App::start(true));
    let w = watch(&f, &app, &["-rise", "3"]);
    w.wait_line("The app is healthy: 3 probes in a row pass");
    w.wait_line("node 1000 is ENABLED: healthy");
    let created = change_at(&f, |r| r.method == "POST");
    let passes_before = app.probes().iter().filter(|p| p.0 < created).count();
    assert!(
        passes_before >= 3,
        "created after {passes_before} probes of {:?}\n{}",
        app.probes(),
        w.log()
    );
    let out = left(w);
    assert_eq!(
        changes(&f),
        ["POST ENABLED", "PUT 1000 DRAINING", "DELETE 1000"]
    );
    assert!(f.nodes(LB).is_empty());
    assert!(out.stderr.contains("SIGTERM: leaving"), "{}", out.stderr);
    assert!(
        out.stderr.contains("Final node state: Deleted"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_enabled_node_with_a_healthy_app_is_adopted_and_nothing_is_sent_while_steady() {
    let (f, app) = (fake(), App::start(true));
    f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch(&f, &app, &[]);
    w.wait_line("adopted as it is");
    let (log, requests) = (w.log(), f.requests().len());
    app.wait_probes(20);
    // No line and no request per probe: while nothing changes, the watcher is silent.
    assert_eq!(w.log(), log);
    assert_eq!(f.requests().len(), requests);
    assert_eq!(
        support::calls(&f),
        ["POST /tokens", "GET /loadbalancers/1"],
        "one token, one read: the nodes come with the load balancer"
    );
    left(w);
    assert_eq!(changes(&f), ["PUT 1000 DRAINING", "DELETE 1000"]);
}

#[test]
fn a_sick_app_is_drained_after_fall_failures_and_enabled_again_after_rise() {
    let (f, app) = (fake(), App::start(true));
    f.add_node(LB, "10.9.9.9", 80, "ENABLED");
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch(&f, &app, &["-fall", "3"]);
    w.wait_line("The app is healthy");
    app.set_healthy(false);
    w.wait_line("The app is unhealthy: 3 probes in a row fail, the last: GET");
    w.wait_line(&format!("node {id} is DRAINING: unhealthy"));
    let drained = change_at(&f, |r| r.body.contains("DRAINING"));
    let failures = app
        .probes()
        .iter()
        .filter(|p| !p.1 && p.0 < drained)
        .count();
    assert!(failures >= 3, "drained after {failures} failures");
    app.set_healthy(true);
    w.wait_line(&format!("node {id} is ENABLED: healthy"));
    left(w);
    assert_eq!(
        changes(&f),
        [
            format!("PUT {id} DRAINING"),
            format!("PUT {id} ENABLED"),
            format!("PUT {id} DRAINING"),
            format!("DELETE {id}"),
        ]
    );
}

#[test]
fn the_last_node_serving_fails_open_until_another_serves() {
    let (f, app) = (fake(), App::start(false));
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch(&f, &app, &["-resync", "100ms"]);
    w.wait_line("The app is unhealthy");
    let warning = w.wait_line("fail open");
    assert!(
        warning.contains(&format!(
            "Warning: load balancer 1: node {id} is the last one taking traffic, counting the nodes ENABLED whose health check passes or that have none (there is no other node)"
        )),
        "{warning}"
    );
    // Each time it would have drained, at each resync, it says so again.
    w.wait_line("fail open");
    assert!(changes(&f).is_empty(), "{:?}", changes(&f));
    f.add_node(LB, "10.9.9.9", 80, "ENABLED");
    w.wait_line(&format!("node {id} is DRAINING: unhealthy"));
    left(w);
    assert_eq!(
        changes(&f),
        [format!("PUT {id} DRAINING"), format!("DELETE {id}")]
    );
}

#[test]
fn sigusr1_holds_the_node_draining_and_sigusr2_releases_it() {
    let (f, app) = (fake(), App::start(true));
    // The only node: the hold drains it all the same (fail open is for ill health only).
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch(&f, &app, &[]);
    w.wait_line("The app is healthy");
    w.signal(SIGUSR1);
    w.wait_line("SIGUSR1: holding the node DRAINING");
    w.wait_line(&format!("node {id} is DRAINING: held"));
    // Probes go on while held, and change nothing.
    app.wait_probes(5);
    assert_eq!(changes(&f), [format!("PUT {id} DRAINING")]);
    w.signal(SIGUSR2);
    w.wait_line("SIGUSR2: released");
    w.wait_line(&format!("node {id} is ENABLED: healthy"));
    left(w);
    assert_eq!(
        changes(&f),
        [
            format!("PUT {id} DRAINING"),
            format!("PUT {id} ENABLED"),
            format!("PUT {id} DRAINING"),
            format!("DELETE {id}"),
        ]
    );
}

#[test]
fn a_repeated_sigusr1_or_sigusr2_says_it_changes_nothing() {
    let (f, app) = (fake(), App::start(true));
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch(&f, &app, &["-json"]);
    w.wait_line("The app is healthy");
    w.signal(SIGUSR1);
    w.wait_line(&format!("node {id} is DRAINING: held"));
    w.signal(SIGUSR1);
    w.wait_line("SIGUSR1: the node is held already; nothing changes");
    w.signal(SIGUSR2);
    w.wait_line(&format!("node {id} is ENABLED: healthy"));
    w.signal(SIGUSR2);
    w.wait_line("SIGUSR2: the node is not held; nothing changes");
    let out = left(w);
    // One hold and one release: a repeat is a log line, not an event or a change.
    assert_eq!(
        out.stderr.matches("SIGUSR1: holding").count(),
        1,
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("SIGUSR2: released").count(),
        1,
        "{}",
        out.stderr
    );
    let events: Vec<String> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event"].to_string())
        .filter(|e| e.contains("hold") || e.contains("release"))
        .collect();
    assert_eq!(events, ["\"hold\"", "\"release\""]);
    assert_eq!(
        changes(&f),
        [
            format!("PUT {id} DRAINING"),
            format!("PUT {id} ENABLED"),
            format!("PUT {id} DRAINING"),
            format!("DELETE {id}"),
        ]
    );
}

#[test]
fn drift_is_repaired_at_the_next_resync_with_one_read_each() {
    let (f, app) = (fake(), App::start(true));
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch(&f, &app, &["-resync", "50ms"]);
    w.wait_line("The app is healthy");
    f.set_node_condition(LB, id, "DISABLED");
    let line = w.wait_line("behind peekaboo's back");
    assert!(line.contains("put it back to ENABLED"), "{line}");
    // While nothing drifts, a resync is one read of the load balancer: its nodes come with it.
    let n = f.requests().len();
    wait_until("three resyncs", || f.requests().len() >= n + 3);
    let resyncs: Vec<String> = support::calls(&f)[n..n + 3].to_vec();
    assert_eq!(resyncs, ["GET /loadbalancers/1"; 3]);
    f.remove_node(LB, id);
    w.wait_line("behind peekaboo's back");
    left(w);
    assert_eq!(
        changes(&f),
        [
            format!("PUT {id} ENABLED"),
            "POST ENABLED".into(),
            "PUT 1001 DRAINING".into(),
            "DELETE 1001".into(),
        ]
    );
}

#[test]
fn an_api_outage_is_waited_out_and_the_change_lands_when_it_ends() {
    let (f, app) = (fake(), App::start(true));
    f.add_node(LB, "10.9.9.9", 80, "ENABLED");
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch(&f, &app, &["-timeout", "300ms"]);
    w.wait_line("The app is healthy");
    f.inject(Fault {
        method: None,
        path_suffix: None,
        times: usize::MAX,
        skip: 0,
        action: status(503),
    });
    app.set_healthy(false);
    // Past -timeout the change is given up for now, and tried again: never an exit.
    w.wait_line("the node is left as it is, trying again at the next probe");
    w.wait_line("the node is left as it is, trying again at the next probe");
    f.clear_faults();
    w.wait_line(&format!("node {id} is DRAINING: unhealthy"));
    let out = left(w);
    assert_eq!(
        changes(&f).last().map(String::as_str),
        Some(format!("DELETE {id}").as_str())
    );
    assert!(out.stderr.contains("503"), "{}", out.stderr);
}

#[test]
fn sigterm_drains_and_deletes_only_once_the_load_balancers_connection_ends() {
    let (f, app) = (fake(), App::start(true));
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch(&f, &app, &["-drain-timeout", "5s"]);
    w.wait_line("The app is healthy");
    let conn = lb_connection(&app);
    w.signal(SIGTERM);
    w.wait_line("connections left");
    assert_eq!(changes(&f), [format!("PUT {id} DRAINING")]);
    let closed = Instant::now();
    drop(conn);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(change_at(&f, |r| r.method == "DELETE") > closed);
    assert!(
        out.stderr.contains("All connections ended"),
        "{}",
        out.stderr
    );
    assert!(f.nodes(LB).is_empty());
}

#[test]
fn a_second_sigterm_cuts_the_drain_short_and_the_leave_still_completes() {
    let (f, app) = (fake(), App::start(true));
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch(&f, &app, &["-drain-timeout", "8s", "-leave", "disable"]);
    w.wait_line("The app is healthy");
    let _conn = lb_connection(&app);
    w.signal(SIGTERM);
    w.wait_line("connections left");
    w.signal(SIGTERM);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Second SIGTERM: cutting the drain short"),
        "{}",
        out.stderr
    );
    assert_eq!(
        changes(&f),
        [format!("PUT {id} DRAINING"), format!("PUT {id} DISABLED")]
    );
    assert_eq!(f.nodes(LB)[0].condition, "DISABLED");
}

#[test]
fn a_leave_past_timeout_exits_3_saying_where_the_node_is() {
    let (f, app) = (fake(), App::start(true));
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch(&f, &app, &["-timeout", "500ms"]);
    w.wait_line("The app is healthy");
    f.set_status(LB, "PENDING_UPDATE", None);
    w.signal(SIGTERM);
    let out = w.finish();
    assert_eq!(out.code, 3, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(error.contains("gave up after -timeout 500ms"), "{error}");
    assert!(error.contains(&format!("node {id} is ENABLED")), "{error}");
    assert!(changes(&f).is_empty());
}

#[test]
fn json_prints_one_event_per_line_for_each_flip_and_change() {
    let (f, app) = (fake(), App::start(true));
    let w = watch(&f, &app, &["-json", "-rise", "1"]);
    w.wait_line("node 1000 is ENABLED");
    let out = left(w);
    let events: Vec<serde_json::Value> = support::json_lines(&out.stdout);
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..3], ["ready", "healthy", "change"], "{}", out.stdout);
    let join = &events[2];
    assert_eq!(join["load_balancer"], 1);
    assert_eq!(join["node_id"], 1000);
    assert_eq!(join["condition"], "ENABLED");
    assert_eq!(join["reason"], "healthy");
    assert!(join["time"].as_str().unwrap().ends_with('Z'));
    assert!(kinds.contains(&"leave"), "{}", out.stdout);
}

#[test]
fn several_load_balancers_are_each_kept_with_one_token() {
    let (f, app) = (fake(), App::start(true));
    f.add_lb(2, "DFW");
    let w = watch_app(&f, &app, &["-rise", "1"], &[("LOAD_BALANCER_ID", "1,2")]);
    w.wait_line("Load balancer 1: node 1000 is ENABLED");
    w.wait_line("Load balancer 2: node 1001 is ENABLED");
    left(w);
    assert!(f.nodes(1).is_empty() && f.nodes(2).is_empty());
    let tokens = support::calls(&f)
        .iter()
        .filter(|c| *c == "POST /tokens")
        .count();
    assert_eq!(tokens, 1);
}

#[test]
fn at_the_start_what_cannot_mend_ends_the_watch_with_exit_2() {
    let (f, app) = (fake(), App::start(true));
    let w = watch_app(&f, &app, &[], &[("OS_PASSWORD", "wrong-key-000")]);
    let out = w.finish();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(support::error_line(&out).contains("authentication failed"));
    let w = watch_app(&f, &app, &[], &[("LOAD_BALANCER_ID", "99")]);
    let out = w.finish();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(support::error_line(&out).contains("99"), "{}", out.stderr);
    assert!(
        app.probes().is_empty(),
        "no probe before the load balancer was read"
    );
}
