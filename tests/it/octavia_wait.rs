//! Waiting on Octavia: `-wait` when joining (a pool with a health monitor, or none) and when
//! leaving (the drain watch, narrowed by `-drain-from`), and `-watch` joining and leaving a
//! pool, against the fake Keystone v3 and Octavia with real sockets on loopback.

use crate::fake;
use crate::support;

use fake::{Config, Fake};
use nix::sys::signal::Signal;
use support::watching::{App, Watching};

use super::octavia::{PORT, REGION, octavia, octavia_with, run};

/// `-watch` beside `app` with an openrc's environment for load balancer `web-lb`.
pub(super) fn watch_octavia(f: &Fake, app: &App, flags: &[&str]) -> Watching {
    let os = f.os_env("web-lb", REGION);
    let env: Vec<(&str, &str)> = os.iter().map(|(k, v)| (*k, v.as_str())).collect();
    support::watching::watch_app(f, app, flags, &env)
}

#[test]
fn wait_accepts_no_monitor_and_says_so() {
    let (f, _lb, _pool) = octavia();
    let app = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = app.local_addr().unwrap().port().to_string();
    let out = run(&f, "web-lb", &["-wait", "-ip", "127.0.0.1", "-port", &port]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("no health monitor"), "{}", out.stderr);
}

#[test]
fn drain_wait_counts_connections_from_drain_from_and_deletes_after_they_end() {
    let (f, _lb, pool) = octavia();
    let app = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = app.local_addr().unwrap().port();
    let p = port.to_string();
    let base = ["-ip", "127.0.0.1", "-port", &p];
    assert_eq!(run(&f, "web-lb", &base).code, 0);
    let (client, server) = support::connect_from("127.0.0.2", &app);
    let mut flags = base.to_vec();
    flags.extend(["-delete", "-wait", "-drain-from", "127.0.0.2/32"]);
    let owned = env(&f);
    let env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = std::thread::scope(|s| {
        let h = s.spawn(|| support::peekaboo_watching(&f, &env_flags(&flags), &env, |_| {}));
        support::watching::wait_until("the drain to start", || {
            f.octavia_members(&pool)
                .iter()
                .any(|m| m.weight == 0 && m.provisioning == "ACTIVE")
        });
        // The member is drained and the wait counts the connection: nothing deleted yet.
        assert!(f.octavia_writes().iter().all(|w| !w.starts_with("DELETE")));
        drop((client, server));
        h.join().unwrap()
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("(127.0.0.2/32)"), "{}", out.stderr);
    assert!(
        out.stderr.contains("All connections ended"),
        "{}",
        out.stderr
    );
    assert!(f.octavia_members(&pool).is_empty());
}

#[test]
fn watch_mode_joins_and_leaves_an_octavia_pool() {
    let (f, _lb, pool) = octavia();
    let app = support::watching::App::start(true);
    let w = watch_octavia(&f, &app, &["-rise", "1"]);
    w.wait_line("is ENABLED: healthy");
    assert!(ours_at(&f, &pool, app.port).is_some());
    w.signal(Signal::SIGTERM);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours_at(&f, &pool, app.port).is_none());
    assert!(
        out.stderr.contains("Final node state: Deleted"),
        "{}",
        out.stderr
    );
}

fn ours_at(f: &Fake, pool: &str, port: u16) -> Option<fake::octavia::OMember> {
    f.octavia_members(pool)
        .into_iter()
        .find(|m| m.address == "127.0.0.1" && m.port == port)
}

/// The flags `run` adds, for runs that need `peekaboo_watching`.
fn env_flags<'a>(flags: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["-interval", "40ms", "-timeout", "10s"];
    all.extend(flags);
    all
}

fn env(f: &Fake) -> Vec<(&'static str, String)> {
    let mut env = f.os_env("web-lb", REGION);
    env.push(("APP_PORT", PORT.into()));
    env
}

#[test]
fn wait_with_a_health_monitor_waits_for_online() {
    let (f, lb, _pool) = octavia_with(Config {
        new_node_status: "OFFLINE".into(),
        ..Config::default()
    });
    let checked = f.add_pool(&lb, "checked", true);
    let app = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = app.local_addr().unwrap().port().to_string();
    let flags = [
        "-wait",
        "-pool",
        "checked",
        "-ip",
        "127.0.0.1",
        "-port",
        &port,
    ];
    let out = std::thread::scope(|s| {
        let h = s.spawn(|| run(&f, "web-lb", &flags));
        support::watching::wait_until("the member", || {
            f.octavia_members(&checked)
                .iter()
                .any(|m| m.provisioning == "ACTIVE")
        });
        let id = f.octavia_members(&checked)[0].id.clone();
        f.set_member_status(&id, "ONLINE");
        h.join().unwrap()
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("is ONLINE: its health check passes"),
        "{}",
        out.stderr
    );
}
