//! `-watch` as the `-docker` agent runs one per container, and as anyone may: SIGHUP detaches
//! (the node left as it is), a probe that cannot tell, and the container named on every line
//! and event. The real binary, real signals, the fake API; each test waits for the line that
//! says the watcher got there.

use crate::fake;
use crate::support;

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal::{SIGHUP, SIGTERM, SIGUSR1};

use fake::Config;
use support::watching::{App, Watching, lb_connection, wait_until, watch_app};
use support::{LB, Out};

use super::actions::fake_with;

fn events(out: &Out) -> Vec<serde_json::Value> {
    support::json_lines(&out.stdout)
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

const ID: &str = "3f2a9c1b7d5e4f60a1b2c3d4e5f60718293a4b5c6d7e8f9012345678abcdef01";
const UNDER_THE_AGENT: &[(&str, &str)] = &[
    ("PEEKABOO_CONTAINER", "web-1"),
    ("PEEKABOO_CONTAINER_ID", ID),
];

/// Every line of `stderr` starts with a time stamp and then the container's name and short id.
fn every_line_names_the_container(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(!lines.is_empty());
    for line in lines {
        // "2026/12/01 22:17:34 " is 20 characters.
        let (time, rest) = line.split_at_checked(20).unwrap_or((line, ""));
        assert!(
            time.len() == 20 && time.as_bytes()[4] == b'/' && time.as_bytes()[13] == b':',
            "{line}\n{stderr}"
        );
        assert!(rest.starts_with("web-1 (3f2a9c1b): "), "{line}\n{stderr}");
    }
}

#[test]
fn under_the_agent_every_line_and_event_names_the_container() {
    let (f, app) = (fake_with(Config::default()), App::start(true));
    let w = watch_app(&f, &app, &["-json", "-rise", "1"], UNDER_THE_AGENT);
    w.wait_line("node 1000 is ENABLED: healthy");
    w.signal(SIGTERM);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    every_line_names_the_container(&out.stderr);
    assert!(
        out.stderr
            .contains("web-1 (3f2a9c1b): Final node state: Deleted")
    );
    let all = events(&out);
    assert!(all.len() >= 4, "{}", out.stdout);
    for e in &all {
        assert_eq!(e["container"], "web-1", "{e}");
        assert_eq!(e["container_id"], ID, "{e}");
    }
}

#[test]
fn without_the_agent_events_keep_their_keys_with_null() {
    let (f, app) = (fake_with(Config::default()), App::start(true));
    let w = watch_app(&f, &app, &["-json", "-rise", "1"], &[]);
    w.wait_line("node 1000 is ENABLED: healthy");
    w.signal(SIGHUP);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("web-1"), "{}", out.stderr);
    for e in events(&out) {
        let keys = e.as_object().unwrap();
        assert!(
            keys["container"].is_null() && keys["container_id"].is_null(),
            "{e}"
        );
    }
}

#[test]
fn under_the_agent_the_errors_at_the_end_name_the_container_too() {
    let f = fake_with(Config::default());
    // A usage error, found before the configuration is whole.
    let out = support::peekaboo(&f, &["-watch", "-health", "ftp://x"], UNDER_THE_AGENT);
    assert_eq!(out.code, 2, "{}", out.stderr);
    every_line_names_the_container(&out.stderr);
    assert!(
        out.stderr
            .contains("web-1 (3f2a9c1b): Error: -health: 'ftp://x'")
    );
    // A one-shot run's failure, and its -json object.
    let mut env = UNDER_THE_AGENT.to_vec();
    env.push(("LOAD_BALANCER_ID", "99"));
    let out = support::peekaboo(&f, &["-delete", "-json"], &env);
    assert_eq!(out.code, 2, "{}", out.stderr);
    every_line_names_the_container(&out.stderr);
    assert!(
        support::error_line(&out).contains("web-1 (3f2a9c1b): Error: "),
        "{}",
        out.stderr
    );
    let report: serde_json::Value = serde_json::from_str(out.stdout.trim()).expect(&out.stdout);
    assert_eq!(report["container"], "web-1");
    assert_eq!(report["container_id"], ID);
}

#[test]
fn a_probe_that_cannot_tell_leaves_the_node_as_it_is_and_says_so_once() {
    // -health docker with no engine at DOCKER_HOST: every probe cannot tell.
    let (f, app) = (fake_with(Config::default()), App::start(true));
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let port = app.port.to_string();
    let flags = [
        "-watch",
        "-health",
        "docker",
        "-json",
        "-ip",
        "127.0.0.1",
        "-port",
        &port,
        "-health-interval",
        "10ms",
        "-interval",
        "50ms",
    ];
    // The watchdog's pings come from the same loop as the probes, and at least one probe
    // comes between two pings: how the test knows the probes went on, with no clock.
    let name = format!("peekaboo-test-unknown-{}", std::process::id());
    let addr = SocketAddr::from_abstract_name(&name).unwrap();
    let got = support::datagrams(UnixDatagram::bind_addr(&addr).unwrap());
    let pings = || {
        got.lock()
            .unwrap()
            .iter()
            .filter(|m| *m == "WATCHDOG=1")
            .count()
    };
    let notify = format!("@{name}");
    let mut env = UNDER_THE_AGENT.to_vec();
    env.extend([
        ("NOTIFY_SOCKET", notify.as_str()),
        ("WATCHDOG_USEC", "40000"),
        ("DOCKER_HOST", "unix:///nonexistent/docker.sock"),
    ]);
    let w = Watching::start(&f, &flags, &env);
    let start = w.wait_line("Watching: ");
    assert!(
        start.contains(
            "Docker's health status of the container every 10ms (limit 2s); enabled after 1 passes, drained after 1 failures"
        ),
        "{start}"
    );
    w.wait_line(
        "Warning: the probe cannot tell the app's health: the Docker engine is unreachable: ",
    );
    let seen = pings();
    wait_until("more probes", || pings() >= seen + 4);
    // The watch goes on: a hold drains the node, and its release leaves it so, since the
    // probes never told the app healthy.
    w.signal(SIGUSR1);
    w.wait_line(&format!("node {id} is DRAINING: held"));
    w.signal(nix::sys::signal::Signal::SIGUSR2);
    w.wait_line("SIGUSR2: released");
    w.signal(SIGHUP);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        lines_with(&out, "cannot tell the app's health").len(),
        1,
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("The app is"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "SIGHUP: detaching: the node is left as it is (load balancer 1: node {id} is DRAINING)"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(f.mutations(), [format!("PUT /loadbalancers/1/nodes/{id}")]);
    assert_eq!(f.nodes(LB)[0].condition, "DRAINING");
    let unknown: Vec<serde_json::Value> = events(&out)
        .into_iter()
        .filter(|e| e["event"] == "probe_unknown")
        .collect();
    assert_eq!(unknown.len(), 1, "{}", out.stdout);
    assert!(
        unknown[0]["reason"].as_str().is_some_and(
            |r| r.starts_with("the Docker engine is unreachable: /nonexistent/docker.sock")
        ),
        "{unknown:?}"
    );
    assert_eq!(unknown[0]["container"], "web-1");
    assert!(unknown[0]["load_balancer"].is_null());
}
