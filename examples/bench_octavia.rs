//! `make bench`, the OpenStack rows: what one peekaboo run costs against the fake Keystone v3
//! and Octavia v2, with 50 ms added to every answer and a 1 s PENDING_UPDATE after each member
//! write (BENCH_WINDOW seconds if set, as for `bench`). The same rows as bench's "one host,
//! cold start" table, so the two backends compare line by line; numbers only, no verdicts.
//!
//!     cargo run --release --example bench_octavia -- target/release/peekaboo

// Each example uses only a part of the fake.
#[allow(dead_code)]
#[path = "../tests/fake/mod.rs"]
mod fake;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake::octavia::OMember;
use fake::{Config, Fake};

const LB: &str = "web-lb";
const REGION: &str = "DFW3";
const LATENCY: Duration = Duration::from_millis(50);

fn window() -> Duration {
    std::env::var("BENCH_WINDOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_secs_f64)
}

/// The member fields a start state stands for; None: no member. The operating status is what
/// the fake's health manager would say of them with a monitor.
fn start_as(state: &str) -> impl FnOnce(&mut OMember) {
    let (admin, weight, operating) = match state {
        "ENABLED" => (true, 1, "ONLINE"),
        "DRAINING" => (true, 0, "DRAINING"),
        "DISABLED" => (false, 0, "OFFLINE"),
        other => panic!("bench: no start state {other}"),
    };
    move |m: &mut OMember| {
        m.admin = admin;
        m.weight = weight;
        m.operating = operating.into();
    }
}

fn single(bin: &str, name: &str, start: Option<&str>, flags: &[&str]) {
    let f = Fake::start(Config {
        pending: window(),
        latency: LATENCY,
        ..Config::default()
    });
    let lb = f.add_octavia_lb(LB);
    // With a health monitor, as a production pool has: enable then waits for ONLINE too.
    let pool = f.add_pool(&lb, "web-pool", true);
    if let Some(state) = start {
        let m = f.add_member(&pool, "10.1.2.3", 8080);
        f.edit_member(&m, start_as(state));
    }
    let t = Instant::now();
    let status = Command::new(bin)
        .args(flags)
        .env_clear()
        .envs(f.os_env(LB, REGION))
        .env("APP_PORT", "8080")
        .env("RAX_SERVICENET_IPV4", "10.1.2.3")
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("bench: cannot run {bin}: {e}"));
    let wall = t.elapsed();
    // Token requests count as writes, as in bench's CLB rows.
    let reqs = f.requests();
    let reads = reqs.iter().filter(|r| r.method == "GET").count();
    let writes = reqs.len() - reads;
    println!(
        "| {name:<32} | {:>4} | {:>7.2} s | {:>8} | {reads:>5} | {writes:>6} |",
        status.code().unwrap_or(-1),
        wall.as_secs_f64(),
        reqs.len()
    );
}

fn main() {
    let bin = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/peekaboo".into());
    // BENCH_FLEET runs only the fleets of bench.rs.
    if std::env::var_os("BENCH_FLEET").is_some() {
        return;
    }
    println!(
        "\npeekaboo bench, OpenStack: fake Keystone v3 + Octavia v2 with {} ms added to every answer,",
        LATENCY.as_millis()
    );
    println!(
        "{} s PENDING_UPDATE after each member write; an openrc (password, project by name),",
        window().as_secs_f64()
    );
    println!("load balancer by name, a pool with a health monitor; peekaboo with its defaults.\n");
    println!(
        "| Octavia: one host, cold start     | exit |    wall   | requests | reads | writes |"
    );
    println!("|----------------------------------|------|-----------|----------|-------|--------|");
    single(&bin, "enable (creates the member)", None, &[]);
    single(&bin, "drain (weight 1 -> 0)", Some("ENABLED"), &["-drain"]);
    single(
        &bin,
        "disable (admin up -> down)",
        Some("DRAINING"),
        &["-disable"],
    );
    single(
        &bin,
        "delete (disabled -> gone)",
        Some("DISABLED"),
        &["-delete"],
    );
    single(&bin, "enable, already ENABLED", Some("ENABLED"), &[]);
    single(&bin, "delete, already gone", None, &["-delete"]);
}
