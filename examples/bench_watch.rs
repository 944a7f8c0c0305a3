//! `make bench`, watch mode: what a steady `peekaboo -watch` costs the API, and what it holds
//! in memory as probes pile up. Prints numbers, asserts nothing.
//!
//! - Requests: a watch with `-resync 1s -health-interval 10ms` against the fake (50 ms added to
//!   every answer, the first table of rate limits enforced), counted over a measured span once
//!   the node is ENABLED, then scaled to the default `-resync 5m`. Probes send no request, so at
//!   a steady health the count follows the resyncs alone.
//! - Memory: VmRSS (current) and VmHWM (peak) of the peekaboo process, from /proc, after 100
//!   and after 10,000 probe cycles at `-health-interval 1ms`. The app is a listener the bench
//!   owns, so each accepted connection is one probe (`-health tcp`).
//!
//!     cargo run --release --example bench_watch -- target/release/peekaboo [static binary]
//!
//! BENCH_WATCH_SECS sets the measured span (10 s by default).

// Each example uses only a part of the fake.
#[allow(dead_code)]
#[path = "../tests/fake/mod.rs"]
mod fake;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, sleep};
use std::time::{Duration, Instant};

use fake::{Config, Fake, Limits};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const LB: u64 = 1;
const LATENCY: Duration = Duration::from_millis(50);
/// The resync the requests are measured at, and the default they are scaled to.
const RESYNC: Duration = Duration::from_secs(1);
const DEFAULT_RESYNC: Duration = Duration::from_secs(300);

/// The app: a listener on loopback that counts the connections it accepts.
struct App {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

fn app() -> App {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bench: bind 127.0.0.1:0");
    let port = listener.local_addr().expect("bench: local_addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    thread::spawn(move || {
        for conn in listener.incoming() {
            if conn.is_ok() {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    App { port, accepted }
}

impl App {
    fn probes(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }
}

fn watch(bin: &str, f: &Fake, app: &App, flags: &[&str]) -> Child {
    Command::new(bin)
        .args([
            "-watch",
            "-health",
            "tcp",
            "-rise",
            "1",
            "-drain-timeout",
            "1s",
        ])
        .args(["-ip", "127.0.0.1", "-port", &app.port.to_string()])
        .args(flags)
        .env_clear()
        .envs(f.env(LB, "DFW"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("bench: cannot run {bin}: {e}"))
}

/// Polls until `done` or `limit` passes; says which.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > limit {
            return false;
        }
        sleep(Duration::from_millis(5));
    }
    true
}

fn enabled(f: &Fake, port: u16) -> bool {
    f.nodes(LB)
        .iter()
        .any(|n| n.port == port && n.condition == "ENABLED")
}

/// SIGTERM, as systemd and docker stop send it, then the exit code of the leave.
fn leave(mut child: Child) -> String {
    let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
    match child.wait() {
        Ok(s) => s.code().map_or(format!("{s}"), |c| c.to_string()),
        Err(e) => format!("unknown ({e})"),
    }
}

/// "VmRSS 3456 KiB, VmHWM 3520 KiB" from /proc/PID/status.
fn memory(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map_or("?".to_string(), |v| {
                v.trim().trim_end_matches(" kB").to_string()
            })
    };
    format!(
        "current (VmRSS) {:>6} KiB, peak (VmHWM) {:>6} KiB",
        field("VmRSS:"),
        field("VmHWM:")
    )
}

fn span() -> Duration {
    std::env::var("BENCH_WATCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(10), Duration::from_secs_f64)
}

fn requests(bin: &str) {
    let f = Fake::start(Config {
        pending: Duration::from_secs(1),
        latency: LATENCY,
        limits: Some(Limits::First),
        ..Config::default()
    });
    f.add_lb(LB, "DFW");
    let app = app();
    let child = watch(
        bin,
        &f,
        &app,
        &["-health-interval", "10ms", "-resync", "1s"],
    );
    if !wait_for(Duration::from_secs(30), || enabled(&f, app.port)) {
        println!(
            "watch, steady: the node never became ENABLED; exit {}",
            leave(child)
        );
        return;
    }
    // The change's own reads are over well before a resync comes round.
    sleep(RESYNC * 3 / 2);
    let (r0, p0, t0) = (f.requests().len(), app.probes(), Instant::now());
    sleep(span());
    let (r1, p1, t1) = (f.requests().len(), app.probes(), Instant::now());
    let measured = t1 - t0;
    let all = f.requests();
    let sent = &all[r0..r1];
    let gets = sent.iter().filter(|r| r.method == "GET").count();
    let tokens = sent.iter().filter(|r| r.path.ends_with("/tokens")).count();
    let still_enabled = enabled(&f, app.port);
    let code = leave(child);
    let per_resync = sent.len() as f64 * RESYNC.as_secs_f64() / measured.as_secs_f64();
    let per_hour = per_resync * 3600.0 / DEFAULT_RESYNC.as_secs_f64();
    println!(
        "watch, steady (-resync 1s -health-interval 10ms): {} requests ({gets} GET, {tokens} token) \
         in {:.1} s over {} probes; node ENABLED throughout: {still_enabled}; exit after SIGTERM {code}",
        sent.len(),
        measured.as_secs_f64(),
        p1 - p0
    );
    println!(
        "  -> {per_resync:.2} requests per -resync period, so {per_hour:.0} requests per hour at the \
         default -resync 5m (-health-interval does not change it)"
    );
}

fn rss(bin: &str) {
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    let app = app();
    let child = watch(bin, &f, &app, &["-health-interval", "1ms"]);
    for cycles in [100, 10_000] {
        let t = Instant::now();
        if !wait_for(Duration::from_secs(120), || app.probes() >= cycles) {
            println!(
                "watch, memory: only {} probes in 120 s; exit {}",
                app.probes(),
                leave(child)
            );
            return;
        }
        println!(
            "watch, memory after {cycles:>6} probes (-health-interval 1ms, {:>5.1} s): {}",
            t.elapsed().as_secs_f64(),
            memory(child.id())
        );
    }
    println!("  exit after SIGTERM {}", leave(child));
}

fn main() {
    // BENCH_FLEET runs only the fleets of bench.rs.
    if std::env::var_os("BENCH_FLEET").is_some() {
        return;
    }
    let mut args = std::env::args().skip(1);
    let bin = args
        .next()
        .unwrap_or_else(|| "target/release/peekaboo".into());
    // Memory is the shipped binary's (musl's allocator), when it is given.
    let shipped = args.next().unwrap_or_else(|| bin.clone());
    println!();
    requests(&bin);
    println!("memory of {shipped}:");
    rss(&shipped);
}
