//! `make bench`'s fleet rows: many hosts changing one load balancer at once, under each
//! published table of rate limits, several runs of each, summed up in a table to paste into an
//! issue note. Fleet times vary a lot from run to run, so one run says little.

use std::process::Child;
use std::time::{Duration, Instant};

use crate::fake::{Fake, Limits, Request};
use crate::{LATENCY, LB, counts, fake, peak_gets_per_second, spawn, window};

/// Hosts starting together: joining (each creates its node) or draining (each node ENABLED).
#[derive(Clone, Copy)]
pub struct Fleet {
    pub hosts: usize,
    pub drain: bool,
}

impl Fleet {
    /// "25" is 25 hosts joining, "drain25" 25 draining.
    fn parse(s: &str) -> Option<Fleet> {
        let (drain, n) = match s.strip_prefix("drain") {
            Some(n) => (true, n),
            None => (false, s),
        };
        let hosts = n.parse().ok().filter(|&n| (1..=25).contains(&n))?;
        Some(Fleet { hosts, drain })
    }

    fn name(&self) -> String {
        let verb = if self.drain { "drain" } else { "join" };
        format!("{} {verb}", self.hosts)
    }

    fn condition(&self) -> &'static str {
        if self.drain { "DRAINING" } else { "ENABLED" }
    }
}

fn table_name(limits: Limits) -> &'static str {
    match limits {
        Limits::First => "first",
        Limits::Second => "second",
    }
}

/// "GET 10/s 600/min, POST 5/s 300/min, …": the table as the fake enforces it.
fn describe(limits: Limits) -> String {
    let verbs = ["GET", "POST", "PUT", "DELETE"].map(|verb| {
        let (per_second, per_minute) = limits.of(verb);
        format!("{verb} {per_second}/s {per_minute}/min")
    });
    verbs.join(", ")
}

/// A setting the bench cannot use ends it, naming the variable and what it takes.
fn bad(name: &str, value: &str, takes: &str) -> ! {
    eprintln!("bench: {name}={value:?}: {takes}");
    std::process::exit(2)
}

/// BENCH_FLEET: which fleets, e.g. "10,25,drain25" (the default); up to 25 hosts, the fake's
/// node limit.
pub fn fleets_from_env() -> Vec<Fleet> {
    let value = std::env::var("BENCH_FLEET").unwrap_or_else(|_| "10,25,drain25".into());
    let takes = "sizes like 10,25,drain25 (N joining or drainN draining, N up to 25)";
    value
        .split(',')
        .map(|s| Fleet::parse(s.trim()).unwrap_or_else(|| bad("BENCH_FLEET", &value, takes)))
        .collect()
}

/// BENCH_LIMITS: which table, "first" or "second"; both when unset.
pub fn limits_from_env() -> Vec<Limits> {
    match std::env::var("BENCH_LIMITS").as_deref() {
        Err(_) => vec![Limits::First, Limits::Second],
        Ok("first") => vec![Limits::First],
        Ok("second") => vec![Limits::Second],
        Ok(v) => bad("BENCH_LIMITS", v, "first or second"),
    }
}

/// BENCH_RUNS: how many runs of each fleet, 5 unless set.
fn runs() -> usize {
    match std::env::var("BENCH_RUNS") {
        Err(_) => 5,
        Ok(v) => v
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| bad("BENCH_RUNS", &v, "a number of runs, 1 or more")),
    }
}

/// What one run of a fleet came to.
struct Run {
    /// Hosts whose node ended in the state asked for, one node each, and whose run exited 0.
    ok: usize,
    wall: Duration,
    ratio: f64,
    limited: usize,
}

/// Every fleet under every table, `runs()` times each: a row per run, a line per fleet, and the
/// summary table last.
pub fn run_all(bin: &str, tables: &[Limits], fleets: &[Fleet]) {
    let runs = runs();
    println!(
        "Fleets: every host joins (or drains) at once, {} ms added to every answer, {} s PENDING_UPDATE",
        LATENCY.as_millis(),
        window().as_secs_f64()
    );
    println!(
        "after each change. Rate limits, first table: {},",
        describe(Limits::First)
    );
    println!("second: {}.\n", describe(Limits::Second));
    println!(
        "| limits | fleet    | run | ok | nodes/addrs |    wall   |  floor  | ratio | reads | writes |  413 | 413/host | GET/s max |"
    );
    println!(
        "|--------|----------|-----|----|-------------|-----------|---------|-------|-------|--------|------|----------|-----------|"
    );
    let mut summary = Vec::new();
    for &limits in tables {
        for fleet in fleets {
            let all: Vec<Run> = (1..=runs).map(|i| run(bin, limits, fleet, i)).collect();
            summary.push(sum_up(limits, fleet, &all));
        }
    }
    println!();
    println!(
        "Fleets under each table, {runs} runs each; ratio = wall / (hosts x {} s window):",
        window().as_secs_f64()
    );
    println!();
    println!(
        "| limits | fleet    | runs | ratio median (range) | 413 per host (total) | wall median | ok      |"
    );
    println!(
        "|--------|----------|------|----------------------|----------------------|-------------|---------|"
    );
    for line in summary {
        println!("{line}");
    }
}

fn median(sorted: &[f64]) -> f64 {
    let k = sorted.len();
    (sorted[(k - 1) / 2] + sorted[k / 2]) / 2.0
}

/// The summary row of one fleet's runs.
fn sum_up(limits: Limits, fleet: &Fleet, all: &[Run]) -> String {
    let mut ratios: Vec<f64> = all.iter().map(|r| r.ratio).collect();
    ratios.sort_by(f64::total_cmp);
    let mut walls: Vec<f64> = all.iter().map(|r| r.wall.as_secs_f64()).collect();
    walls.sort_by(f64::total_cmp);
    let limited: usize = all.iter().map(|r| r.limited).sum();
    let hosts = fleet.hosts * all.len();
    let ok: usize = all.iter().map(|r| r.ok).sum();
    let ratio = format!(
        "{:.2} ({:.2}-{:.2})",
        median(&ratios),
        ratios[0],
        ratios[ratios.len() - 1]
    );
    let per_host = format!("{:.2} ({limited})", limited as f64 / hosts as f64);
    format!(
        "| {:<6} | {:<8} | {:>4} | {ratio:<20} | {per_host:<20} | {:>9.1} s | {:>7} |",
        table_name(limits),
        fleet.name(),
        all.len(),
        median(&walls),
        format!("{ok}/{hosts}")
    )
}

/// One run: the fleet's hosts started together, each waited for; prints its row.
fn run(bin: &str, limits: Limits, fleet: &Fleet, i: usize) -> Run {
    let f = fake(limits);
    let ips: Vec<String> = (0..fleet.hosts)
        .map(|i| format!("10.0.{}.{}", i / 200, i % 200 + 1))
        .collect();
    let flags: &[&str] = if fleet.drain { &["-drain"] } else { &[] };
    if fleet.drain {
        for ip in &ips {
            f.add_node(LB, ip, 8080, "ENABLED");
        }
    }
    let t = Instant::now();
    let children: Vec<Child> = ips.iter().map(|ip| spawn(bin, &f, ip, flags)).collect();
    let exited: Vec<bool> = children
        .into_iter()
        .map(|mut c| c.wait().map(|s| s.success()).unwrap_or(false))
        .collect();
    let wall = t.elapsed();
    if std::env::var("BENCH_TRACE").is_ok() {
        trace(
            &f,
            t,
            &format!("{} table, {}, run {i}", table_name(limits), fleet.name()),
        );
    }
    let nodes = f.nodes(LB);
    let ok = ips
        .iter()
        .zip(&exited)
        .filter(|&(ip, &exit0)| {
            let mine: Vec<_> = nodes.iter().filter(|n| &n.address == ip).collect();
            exit0 && mine.len() == 1 && mine[0].condition == fleet.condition()
        })
        .count();
    let mut addresses: Vec<&str> = nodes.iter().map(|n| n.address.as_str()).collect();
    addresses.sort_unstable();
    addresses.dedup();
    let floor = window() * fleet.hosts as u32;
    let ratio = wall.as_secs_f64() / floor.as_secs_f64();
    let (reads, writes) = counts(&f);
    let limited = f.rate_limited();
    println!(
        "| {:<6} | {:<8} | {i:>3} | {ok:>2} | {:>5}/{:<5} | {:>7.2} s | {:>5.1} s | {ratio:>5.2} | {reads:>5} | {writes:>6} | {limited:>4} | {:>8.2} | {:>9} |",
        table_name(limits),
        fleet.name(),
        nodes.len(),
        addresses.len(),
        wall.as_secs_f64(),
        floor.as_secs_f64(),
        limited as f64 / fleet.hosts as f64,
        peak_gets_per_second(&f),
    );
    Run {
        ok,
        wall,
        ratio,
        limited,
    }
}

/// Each request of the run on stderr: seconds since the start, the host (numbered by the token
/// it signed in with), the request, its status, and for a 413 the `Retry-After` it was told.
fn trace(f: &Fake, t: Instant, title: &str) {
    eprintln!("# {title}");
    for r in f.requests() {
        let refused = r
            .rate_limited
            .map(|s| format!(" retry {s}s"))
            .unwrap_or_default();
        eprintln!(
            "{:>7.3} {:<4} {:<6} {:<22} {}{refused}",
            r.at.duration_since(t).as_secs_f64(),
            host(&r),
            r.method,
            r.path.rsplit("123456").next().unwrap_or(""),
            r.status
        );
    }
}

/// "h7" for a request with the seventh token the fake issued; "-" for the token requests.
fn host(r: &Request) -> String {
    r.header("x-auth-token")
        .and_then(|t| t.split('-').nth(1))
        .map_or_else(|| "-".into(), |n| format!("h{n}"))
}
