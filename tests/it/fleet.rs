//! Many hosts changing one load balancer at once, as in a rolling reboot or an autoscaling
//! burst: with the first published table of rate limits enforced and a PENDING_UPDATE window
//! after each change, every host gets its change in, with no duplicate and no 413 storm. (Times
//! are in `make bench`; this test only checks outcomes.)

use crate::fake;
use crate::support;

use std::process::{Command, Stdio};
use std::time::Duration;

use fake::{Config, Fake, Limits};

const LB: u64 = 1;

fn fleet(n: usize, flags: &[&str], prepare: impl Fn(&Fake, &str)) -> Fake {
    let f = Fake::start(Config {
        pending: Duration::from_millis(100),
        limits: Some(Limits::First),
        ..Config::default()
    });
    f.add_lb(LB, "DFW");
    let ips: Vec<String> = (1..=n).map(|i| format!("10.0.0.{i}")).collect();
    for ip in &ips {
        prepare(&f, ip);
    }
    let children: Vec<_> = ips
        .iter()
        .map(|ip| {
            Command::new(env!("CARGO_BIN_EXE_peekaboo"))
                .args(flags)
                .args(["-timeout", "90s"])
                .env_clear()
                .envs(f.env(LB, "DFW"))
                .env("APP_PORT", "80")
                .env("RAX_SERVICENET_IPV4", ip)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (ip, child) in ips.iter().zip(children) {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{ip}:\n{stderr}");
        support::assert_no_secret(&stderr);
    }
    // A 413 costs its host a second at least: a few as the fleet finds its pace, not a storm.
    assert!(
        f.rate_limited() <= 3 * n,
        "{} rate-limited answers for {n} hosts",
        f.rate_limited()
    );
    f
}

fn assert_one_node_each(f: &Fake, n: usize, condition: &str) {
    let nodes = f.nodes(LB);
    assert_eq!(nodes.len(), n, "{nodes:?}");
    let mut addrs: Vec<&str> = nodes.iter().map(|n| n.address.as_str()).collect();
    addrs.sort_unstable();
    addrs.dedup();
    assert_eq!(addrs.len(), n, "no duplicates");
    assert!(nodes.iter().all(|n| n.condition == condition), "{nodes:?}");
}

#[test]
fn ten_hosts_join_at_once() {
    let f = fleet(10, &[], |_, _| {});
    assert_one_node_each(&f, 10, "ENABLED");
}

#[test]
fn twenty_five_hosts_join_at_once() {
    let f = fleet(25, &[], |_, _| {});
    assert_one_node_each(&f, 25, "ENABLED");
}

#[test]
fn ten_hosts_drain_at_once() {
    let f = fleet(10, &["-drain"], |f, ip| {
        f.add_node(LB, ip, 80, "ENABLED");
    });
    assert_one_node_each(&f, 10, "DRAINING");
}

#[test]
fn ten_hosts_leave_at_once() {
    let f = fleet(10, &["-delete"], |f, ip| {
        f.add_node(LB, ip, 80, "ENABLED");
    });
    assert!(f.nodes(LB).is_empty());
}
