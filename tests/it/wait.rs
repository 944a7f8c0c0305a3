//! `-wait` with real sockets on loopback: the fake load balancer connects from 127.0.0.2 (its
//! ServiceNet source address), the "app" listens on 127.0.0.1, and peekaboo reads the kernel's
//! own connection table. Nothing about the kernel is mocked.

use crate::fake;
use crate::support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use fake::{Config, Fake, Request};
use support::{LB, Out, closed_port, connect_from, peekaboo, peekaboo_watching, start_app};

/// The app: a listener on 127.0.0.1 and its port.
fn app() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

fn fake_with(cfg: Config) -> Fake {
    let f = Fake::start(cfg);
    f.add_lb(LB, "DFW");
    f
}

fn run(f: &Fake, port: u16, flags: &[&str]) -> Out {
    let port = port.to_string();
    peekaboo(f, &args(&port, flags), &[])
}

/// As `run`, with each stderr line handed to `on_line` as it comes.
fn run_watching(f: &Fake, port: u16, flags: &[&str], on_line: impl FnMut(&str)) -> Out {
    let port = port.to_string();
    peekaboo_watching(f, &args(&port, flags), &[], on_line)
}

fn args<'a>(port: &'a str, flags: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["-ip", "127.0.0.1", "-port", port, "-interval", "40ms"];
    if !flags.contains(&"-timeout") {
        all.extend(["-timeout", "10s"]);
    }
    all.extend(flags);
    all
}

/// The first request whose body or path contains `needle`, waiting for it to arrive.
fn wait_for(
    f: &Fake,
    what: impl Fn(&Request) -> bool,
    give_up: &std::thread::ScopedJoinHandle<'_, Out>,
) -> Option<Request> {
    loop {
        if let Some(r) = f.requests().into_iter().find(|r| what(r)) {
            return Some(r);
        }
        if give_up.is_finished() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn put_of(condition: &'static str) -> impl Fn(&Request) -> bool {
    move |r: &Request| r.method == "PUT" && r.body.contains(condition)
}

#[test]
fn drain_wait_disables_right_after_the_last_lb_connection_ends() {
    let f = fake_with(Config::default());
    let (app, port) = app();
    let id = f.add_node(LB, "127.0.0.1", port, "ENABLED");
    let lb_conn = connect_from("127.0.0.2", &app);
    let (out, closed_at) = std::thread::scope(|s| {
        let (counted, seen) = std::sync::mpsc::channel();
        let h = s.spawn(|| {
            // Moved in, so that a run which never counts it still ends the wait below.
            let counted = counted;
            run_watching(&f, port, &["-drain", "-wait"], |line| {
                if line.contains("is draining:") {
                    let _ = counted.send(());
                }
            })
        });
        wait_for(&f, put_of("DRAINING"), &h).expect("DRAINING sent");
        // Once peekaboo has counted it (a busy machine may take a while to get there), the load
        // balancer's connection lives on for a while after DRAINING, then ends.
        let _ = seen.recv();
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            f.requests().iter().all(|r| !r.body.contains("DISABLED")),
            "disabled too early"
        );
        let closed_at = Instant::now();
        drop(lb_conn);
        (h.join().unwrap(), closed_at)
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    let put = format!("PUT /loadbalancers/1/nodes/{id}");
    assert_eq!(f.mutations(), [put.clone(), put]);
    let disabled = f.requests().into_iter().find(put_of("DISABLED")).unwrap();
    assert!(disabled.at > closed_at, "DISABLED only after the close");
    assert!(
        disabled.at - closed_at < Duration::from_secs(2),
        "and soon after it: {:?}\n{}",
        disabled.at - closed_at,
        out.stderr
    );
    assert_eq!(f.nodes(LB)[0].condition, "DISABLED");
    for line in [
        "Draining 127.0.0.1:",
        "Updating node 1000 to DRAINING",
        "Waiting for connections from the load balancer (127.0.0.3, 127.0.0.2, ::1) to port",
        "is draining: 1 (1 from 127.0.0.2) connections left",
        "All connections ended after",
        "Updating node 1000 to DISABLED",
        "Final node state: {127.0.0.1 1000",
    ] {
        assert!(
            out.stderr.contains(line),
            "missing {line:?}:\n{}",
            out.stderr
        );
    }
}

#[test]
fn other_sources_and_other_ports_do_not_hold_the_drain() {
    let f = fake_with(Config::default());
    let (app, port) = app();
    let (other_app, _) = self::app();
    f.add_node(LB, "127.0.0.1", port, "ENABLED");
    // A client that is not the load balancer, and the load balancer on another port.
    let _stranger = connect_from("127.0.0.5", &app);
    let _elsewhere = connect_from("127.0.0.2", &other_app);
    let out = run(&f, port, &["-drain", "-wait"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("All connections ended after"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("is draining:"),
        "nothing counted:\n{}",
        out.stderr
    );
    assert_eq!(f.nodes(LB)[0].condition, "DISABLED");
}

#[test]
fn drain_timeout_cuts_the_connections_over() {
    let f = fake_with(Config::default());
    let (app, port) = app();
    f.add_node(LB, "127.0.0.1", port, "ENABLED");
    let _held = connect_from("127.0.0.2", &app);
    let out = run(&f, port, &["-delete", "-wait", "-drain-timeout", "300ms"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let reqs = f.requests();
    let drained = reqs.iter().find(|r| put_of("DRAINING")(r)).unwrap();
    let deleted = reqs.iter().find(|r| r.method == "DELETE").unwrap();
    assert!(
        deleted.at - drained.at >= Duration::from_millis(300),
        "waited the drain timeout"
    );
    assert!(
        out.stderr
            .contains("-drain-timeout 300ms passed: cutting 1 (1 from 127.0.0.2) connections"),
        "{}",
        out.stderr
    );
    assert!(f.nodes(LB).is_empty());
    assert!(out.stderr.trim_end().ends_with("Final node state: Deleted"));
}

#[test]
fn delete_wait_skips_the_drain_for_a_node_that_is_not_serving() {
    for condition in ["DISABLED", "absent"] {
        let f = fake_with(Config::default());
        let (_app, port) = app();
        if condition != "absent" {
            f.add_node(LB, "127.0.0.1", port, condition);
        }
        let out = run(&f, port, &["-delete", "-wait"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            f.mutations().iter().all(|m| m.starts_with("DELETE")),
            "{:?}",
            f.mutations()
        );
        assert!(
            out.stderr
                .contains("Node is not serving: no connections to wait for"),
            "{}",
            out.stderr
        );
        assert!(f.nodes(LB).is_empty());
    }
}

#[test]
fn drain_timeout_zero_skips_the_wait() {
    let f = fake_with(Config::default());
    let (app, port) = app();
    f.add_node(LB, "127.0.0.1", port, "ENABLED");
    let _held = connect_from("127.0.0.2", &app);
    let out = run(&f, port, &["-disable", "-wait", "-drain-timeout", "0"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("-drain-timeout 0: not waiting for connections to end")
    );
    assert_eq!(f.mutations().len(), 2);
    assert_eq!(f.nodes(LB)[0].condition, "DISABLED");
}

#[test]
fn a_host_without_the_node_address_says_so_and_waits_the_drain_timeout() {
    let f = fake_with(Config::default());
    f.add_node(LB, "10.1.2.3", 8080, "ENABLED");
    let out = peekaboo(
        &f,
        &[
            "-drain",
            "-wait",
            "-drain-timeout",
            "200ms",
            "-interval",
            "40ms",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("Cannot watch connections: this host has no interface with the node's address 10.1.2.3 (a container without --net=host sees only its own network: run it with --net=host); waiting the whole -drain-timeout 200ms instead"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("going on without knowing whether connections remain")
    );
    assert!(!out.stderr.contains("All connections ended"));
    assert_eq!(f.nodes(LB)[0].condition, "DISABLED");
}

#[test]
fn enable_wait_does_not_enable_while_nothing_listens() {
    let f = fake_with(Config::default());
    let (_closed, port) = closed_port();
    let out = run(&f, port, &["-wait", "-timeout", "500ms"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(f.requests().is_empty(), "not even authenticated");
    assert!(
        out.stderr.contains(&format!("gave up after -timeout 500ms: the app does not accept connections on 127.0.0.1:{port} yet (connection refused), waiting before enabling it")),
        "{}",
        out.stderr
    );
}

#[test]
fn enable_wait_enables_once_the_app_listens_then_waits_for_online() {
    let f = fake_with(Config {
        new_node_status: "OFFLINE".into(),
        ..Config::default()
    });
    let (closed, port) = closed_port();
    let (out, listening_at, online_at) = std::thread::scope(|s| {
        let (refused, seen) = std::sync::mpsc::channel();
        let h = s.spawn(|| {
            // Moved in, so that a run which never finds it refused still ends the wait below.
            let refused = refused;
            run_watching(&f, port, &["-wait"], |line| {
                if line.contains("(connection refused)") {
                    let _ = refused.send(());
                }
            })
        });
        // The app comes up a little later, once peekaboo has found it not listening (however
        // long a busy machine takes to get there).
        let _ = seen.recv();
        std::thread::sleep(Duration::from_millis(200));
        // Taken before the listen, not after: peekaboo may see the app, enable it and have
        // the fake record the POST while this thread waits for a core between the two lines.
        let listening_at = Instant::now();
        let _app = start_app(closed);
        let post = wait_for(&f, |r| r.method == "POST" && r.path.ends_with("/nodes"), &h)
            .expect("enabled");
        assert!(post.at > listening_at, "enabled only once the app listened");
        // Then the health check passes, a little later.
        std::thread::sleep(Duration::from_millis(200));
        assert!(!h.is_finished(), "waits for ONLINE");
        let online_at = Instant::now();
        f.set_node_status(LB, 1000, "ONLINE");
        (h.join().unwrap(), listening_at, online_at)
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(listening_at < online_at);
    assert_eq!(f.mutations(), ["POST /loadbalancers/1/nodes"]);
    let lines = [
        format!("Waiting for the app to accept connections on 127.0.0.1:{port} before enabling it"),
        "(connection refused), waiting before enabling it; checking again in".to_string(),
        "Node 1000 is OFFLINE, waiting for the load balancer's health check to pass; checking again in".to_string(),
        "Node 1000 is ONLINE: its health check passes".to_string(),
        format!("Final node state: {{127.0.0.1 1000 {port} ONLINE ENABLED 1 PRIMARY}}"),
    ];
    for line in lines {
        assert!(
            out.stderr.contains(&line),
            "missing {line:?}:\n{}",
            out.stderr
        );
    }
}
