//! `-watch` as a long-running service: systemd's notify socket and watchdog, tokens that expire
//! while it runs, and credentials refused long after the start.

use crate::fake;
use crate::support;

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::signal::Signal::SIGTERM;

use fake::{Config, Fake, fault, status};
use support::watching::{App, wait_until, watch_app};
use support::{LB, datagrams};

#[test]
fn systemd_hears_ready_status_watchdog_and_stopping_on_a_path_or_an_abstract_socket() {
    let dir = std::env::temp_dir().join(format!("peekaboo-notify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("notify");
    let _ = std::fs::remove_file(&path);
    let abstract_name = format!("peekaboo-test-notify-{}", std::process::id());
    let sockets = [
        (
            UnixDatagram::bind(&path).unwrap(),
            path.to_str().unwrap().to_string(),
        ),
        (
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(&abstract_name).unwrap())
                .unwrap(),
            format!("@{abstract_name}"),
        ),
    ];
    for (socket, name) in sockets {
        let (f, app) = (Fake::start(Config::default()), App::start(true));
        f.add_lb(LB, "DFW");
        let got = datagrams(socket);
        let env = [
            ("NOTIFY_SOCKET", name.as_str()),
            ("WATCHDOG_USEC", "100000"),
        ];
        let w = watch_app(&f, &app, &["-rise", "1"], &env);
        w.wait_line("node 1000 is ENABLED");
        let pings = |got: &Mutex<Vec<String>>| {
            got.lock()
                .unwrap()
                .iter()
                .filter(|m| *m == "WATCHDOG=1")
                .count()
        };
        // Fed at half of WATCHDOG_USEC: two more pings prove it keeps coming.
        let now = pings(&got);
        wait_until("two watchdog pings", || pings(&got) >= now + 2);
        w.signal(SIGTERM);
        let out = w.finish();
        assert_eq!(out.code, 0, "{}", out.stderr);
        wait_until("STOPPING=1", || {
            got.lock().unwrap().iter().any(|m| m == "STOPPING=1")
        });
        let got = got.lock().unwrap().clone();
        let at = |what: &str| got.iter().position(|m| m.starts_with(what));
        let ready = at("READY=1").unwrap_or_else(|| panic!("{name}: {got:?}"));
        let healthy = got
            .iter()
            .position(|m| m.starts_with("STATUS=app healthy"))
            .unwrap_or_else(|| panic!("{name}: {got:?}"));
        assert!(ready < healthy, "{name}: {got:?}");
        assert!(healthy < at("STOPPING=1").unwrap(), "{name}: {got:?}");
        assert!(got.iter().all(|m| !m.contains("tok-")), "{got:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tokens_are_renewed_before_they_expire_and_no_call_is_refused() {
    let f = Fake::start(Config {
        token_ttl: Duration::from_millis(1500),
        ..Config::default()
    });
    f.add_lb(LB, "DFW");
    let app = App::start(true);
    let w = watch_app(&f, &app, &["-rise", "1", "-resync", "50ms"], &[]);
    w.wait_line("node 1000 is ENABLED");
    let tokens = || {
        support::calls(&f)
            .iter()
            .filter(|c| *c == "POST /tokens")
            .count()
    };
    wait_until("two renewals", || tokens() >= 3);
    w.signal(SIGTERM);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let refused: Vec<String> = f
        .requests()
        .iter()
        .filter(|r| r.status == 401)
        .map(|r| r.path.clone())
        .collect();
    assert!(refused.is_empty(), "{refused:?}\n{}", out.stderr);
    assert!(f.nodes(LB).is_empty());
}

#[test]
fn credentials_refused_later_leave_the_node_as_it_is_and_are_tried_again() {
    let (f, app) = (Fake::start(Config::default()), App::start(true));
    f.add_lb(LB, "DFW");
    let id = f.add_node(LB, "127.0.0.1", app.port, "ENABLED");
    let w = watch_app(&f, &app, &["-resync", "200ms"], &[]);
    w.wait_line("The app is healthy");
    // The key is refused from now on, twice over (the key, then as a password), for two
    // rounds; the token held goes at the same time.
    f.inject(fault("POST", "/tokens", 4, status(401)));
    f.expire_tokens();
    let first = w.wait_line("Error: load balancer 1: authentication failed");
    assert!(
        first.contains("the node is left as it is, trying again at the next resync"),
        "{first}"
    );
    w.wait_line("Error: load balancer 1: authentication failed");
    wait_until("the faults spent", || f.unspent() == 0);
    // Not hammered: the second round waits for the resync (200 ms, less its 10 % jitter).
    let logins: Vec<_> = f
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/tokens") && r.status == 401)
        .collect();
    assert!(logins[2].at - logins[1].at >= Duration::from_millis(180));
    // Once identity takes the key again, the watch goes on as if nothing happened.
    let n = f.requests().len();
    wait_until("a resync after the refusals", || {
        f.requests()[n..]
            .iter()
            .any(|r| r.status == 200 && r.method == "GET")
    });
    assert_eq!(f.nodes(LB)[0].condition, "ENABLED");
    assert!(f.mutations().is_empty(), "{:?}", f.mutations());
    w.signal(SIGTERM);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(f.nodes(LB).iter().all(|n| n.id != id));
}
