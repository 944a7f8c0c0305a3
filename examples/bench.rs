//! `make bench`: what peekaboo costs, against the fake with a simulated WAN (50 ms added to
//! every answer), the documented rate limits enforced and a 1 s PENDING_UPDATE after each
//! change. Prints a plain table: requests and wall time per action from a cold start, the
//! already-in-state case, fleets of hosts changing one load balancer at once, peak memory of
//! one run, and the static binary's size.
//!
//!     cargo run --release --example bench -- target/release/peekaboo [static binary]

// Each example uses only a part of the fake.
#[allow(dead_code)]
#[path = "../tests/fake/mod.rs"]
mod fake;

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

fn fake() -> Fake {
    let f = Fake::start(Config {
        pending: window(),
        latency: LATENCY,
        limits: Some(Limits::First),
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
    let f = fake();
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

/// Runs each fleet BENCH_RUNS times (once unless set), then sums the ratios up: fleet times
/// vary a lot from run to run, so one run says little.
fn fleets(bin: &str, sizes: &[usize]) {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let mut summary = Vec::new();
    for &n in sizes {
        let mut ratios: Vec<f64> = (0..runs).map(|_| fleet(bin, n)).collect();
        ratios.sort_by(f64::total_cmp);
        let median = (ratios[(runs - 1) / 2] + ratios[runs / 2]) / 2.0;
        summary.push(format!(
            "fleet of {n}: ratio {:.2}-{:.2}, median {median:.2}, over {runs} runs",
            ratios[0],
            ratios[runs - 1]
        ));
    }
    if runs > 1 {
        println!();
        for line in summary {
            println!("{line}");
        }
    }
}

/// One fleet: prints its row and returns its ratio to the floor.
fn fleet(bin: &str, n: usize) -> f64 {
    let f = fake();
    let t = Instant::now();
    let children: Vec<Child> = (0..n)
        .map(|i| spawn(bin, &f, &format!("10.0.{}.{}", i / 200, i % 200 + 1), &[]))
        .collect();
    let failed = children
        .into_iter()
        .map(|mut c| c.wait().map(|s| s.success()).unwrap_or(false))
        .filter(|ok| !ok)
        .count();
    let wall = t.elapsed();
    if std::env::var("BENCH_TRACE").is_ok() {
        for r in f.requests() {
            eprintln!(
                "{:>7.3} {} {} {}",
                r.at.duration_since(t).as_secs_f64(),
                r.method,
                r.path.rsplit("123456").next().unwrap_or(""),
                r.status
            );
        }
    }
    let floor = window() * n as u32;
    let ratio = wall.as_secs_f64() / floor.as_secs_f64();
    let (reads, writes) = counts(&f);
    let nodes = f.nodes(LB);
    let mut addresses: Vec<&str> = nodes.iter().map(|n| n.address.as_str()).collect();
    addresses.sort_unstable();
    addresses.dedup();
    println!(
        "| fleet of {n:<3} | {:>3} | {:>5}/{:<5} | {:>7.2} s | {:>5.1} s | {:>5.2} | {reads:>5} | {writes:>6} | {:>4} | {:>8} |",
        n - failed,
        nodes.len(),
        addresses.len(),
        wall.as_secs_f64(),
        floor.as_secs_f64(),
        ratio,
        f.rate_limited(),
        peak_gets_per_second(&f),
    );
    ratio
}

/// The peak of this one run, from wait4: RUSAGE_CHILDREN would also count every earlier child,
/// and under `cargo run` (which execs the bench) the compilers cargo ran before it.
#[allow(clippy::zombie_processes)] // wait4 reaps it
fn peak_rss_kib(bin: &str) -> i64 {
    let f = fake();
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
    // BENCH_FLEET=10,25 runs just those fleets, for trying a change to the fleet pacing.
    if let Ok(sizes) = std::env::var("BENCH_FLEET") {
        let sizes: Vec<usize> = sizes
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        fleets(&bin, &sizes);
        return;
    }
    println!(
        "peekaboo bench: fake API with {} ms added to every answer, {} s PENDING_UPDATE after each change,",
        LATENCY.as_millis(),
        window().as_secs_f64()
    );
    println!(
        "rate limits enforced (GET 10/s, POST 5/s, PUT 10/s, DELETE 5/s); peekaboo with its defaults.\n"
    );
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
    println!(
        "| fleet (all enable at once) | ok  | nodes/addrs |    wall   |  floor  | ratio | reads | writes |  413 | GET/s max |"
    );
    println!(
        "|---------------|-----|-------------|-----------|---------|-------|-------|--------|------|----------|"
    );
    fleets(&bin, &[10, 25]);
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
