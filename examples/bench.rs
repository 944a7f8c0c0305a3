//! `make bench`: what peekaboo costs, against the fake with a simulated WAN (50 ms added to
//! every answer), Rackspace's published rate limits enforced and a 1 s PENDING_UPDATE after each
//! change. Prints plain tables: requests and wall time per action from a cold start and the
//! already-in-state case (under the first table of rate limits), fleets of hosts changing one
//! load balancer at once under each table (`bench/fleet.rs`), peak memory of one run, and the
//! static binary's size.
//!
//!     cargo run --release --example bench -- target/release/peekaboo [static binary]

// Each example uses only a part of the fake.
#[allow(dead_code)]
#[path = "../tests/fake/mod.rs"]
mod fake;
#[path = "bench/fleet.rs"]
mod fleet;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake::{Config, Fake, Limits};

const LB: u64 = 1;
/// The PENDING_UPDATE window after each change: 1 s, or BENCH_WINDOW seconds (to see how the
/// fleet ratio moves with it; Rackspace's own windows last a few seconds).
fn window() -> Duration {
    std::env::var("BENCH_WINDOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_secs_f64)
}
const LATENCY: Duration = Duration::from_millis(50);

fn fake(limits: Limits) -> Fake {
    let f = Fake::start(Config {
        pending: window(),
        latency: LATENCY,
        limits: Some(limits),
        ..Config::default()
    });
    f.add_lb(LB, "DFW");
    f
}

fn spawn(bin: &str, f: &Fake, ip: &str, flags: &[&str]) -> Child {
    Command::new(bin)
        .args(flags)
        .env_clear()
        .envs(f.env(LB, "DFW"))
        .env("APP_PORT", "8080")
        .env("RAX_SERVICENET_IPV4", ip)
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("bench: cannot run {bin}: {e}"))
}

/// Reads and writes sent to the CLB API and identity (token requests count as writes).
fn counts(f: &Fake) -> (usize, usize) {
    let reqs = f.requests();
    let reads = reqs.iter().filter(|r| r.method == "GET").count();
    (reads, reqs.len() - reads)
}

/// The most GETs the fake saw within any one second.
fn peak_gets_per_second(f: &Fake) -> usize {
    let times: Vec<Instant> = f
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.at)
        .collect();
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| t.duration_since(times[i]) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

fn single(bin: &str, name: &str, start: Option<&str>, flags: &[&str]) {
    let f = fake(Limits::First);
    if let Some(c) = start {
        f.add_node(LB, "10.1.2.3", 8080, c);
    }
    let t = Instant::now();
    let status = spawn(bin, &f, "10.1.2.3", flags)
        .wait()
        .map(|s| s.code().unwrap_or(-1));
    let wall = t.elapsed();
    let (reads, writes) = counts(&f);
    println!(
        "| {name:<32} | {:>4} | {:>7.2} s | {:>8} | {reads:>5} | {writes:>6} |",
        status.unwrap_or(-1),
        wall.as_secs_f64(),
        reads + writes
    );
}

/// The peak of this one run, from wait4: RUSAGE_CHILDREN would also count every earlier child,
/// and under `cargo run` (which execs the bench) the compilers cargo ran before it.
#[allow(clippy::zombie_processes)] // wait4 reaps it
fn peak_rss_kib(bin: &str) -> i64 {
    let f = fake(Limits::First);
    let child = spawn(bin, &f, "10.1.2.3", &[]);
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; the pid is our own unwaited child.
    let mut usage: nix::libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { nix::libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    if pid < 0 { -1 } else { usage.ru_maxrss }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let bin = args
        .next()
        .unwrap_or_else(|| "target/release/peekaboo".into());
    let static_bin = args.next();
    let tables = fleet::limits_from_env();
    let fleets = fleet::fleets_from_env();
    // BENCH_FLEET alone runs just the fleets, for trying a change to the fleet pacing.
    if std::env::var("BENCH_FLEET").is_ok() {
        fleet::run_all(&bin, &tables, &fleets);
        return;
    }
    println!(
        "peekaboo bench: fake API with {} ms added to every answer, {} s PENDING_UPDATE after each change,",
        LATENCY.as_millis(),
        window().as_secs_f64()
    );
    println!(
        "the first table of rate limits (GET 10/s, POST 5/s, PUT 10/s, DELETE 5/s, and per minute);"
    );
    println!("peekaboo with its defaults.\n");
    println!(
        "| one host, cold start              | exit |    wall   | requests | reads | writes |"
    );
    println!("|----------------------------------|------|-----------|----------|-------|--------|");
    single(&bin, "enable (creates the node)", None, &[]);
    single(
        &bin,
        "drain (ENABLED -> DRAINING)",
        Some("ENABLED"),
        &["-drain"],
    );
    single(
        &bin,
        "disable (DRAINING -> DISABLED)",
        Some("DRAINING"),
        &["-disable"],
    );
    single(
        &bin,
        "delete (DISABLED -> gone)",
        Some("DISABLED"),
        &["-delete"],
    );
    single(&bin, "enable, already ENABLED", Some("ENABLED"), &[]);
    single(&bin, "delete, already gone", None, &["-delete"]);
    println!();
    fleet::run_all(&bin, &tables, &fleets);
    println!();
    println!(
        "peak resident memory of one run: {} KiB",
        peak_rss_kib(&bin)
    );
    if let Some(s) = static_bin {
        match std::fs::metadata(&s) {
            Ok(m) => println!("static binary: {} bytes ({s})", m.len()),
            Err(e) => println!("static binary: {s}: {e}"),
        }
    }
}
