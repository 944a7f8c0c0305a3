//! `make bench`, Docker mode: what a steady host of 20 labelled containers costs, with one
//! `peekaboo -docker` agent and its 20 `-watch` children. Prints numbers, asserts nothing.
//!
//! The fake Rackspace API (50 ms added to every answer, the first table of rate limits, a
//! PENDING_UPDATE window after each change) and the fake Docker engine hold 20 running
//! containers on load balancer 1, each with a HEALTHCHECK Docker calls healthy and an app port
//! of its own. The agent runs at the default timing flags but one, `-resync 5s`: at the default
//! 5m a span short enough to wait for would hold no resync at all.
//!
//! - Requests: once every container's node is ENABLED, the load balancer API requests over a
//!   measured span, scaled to an hour at the default `-resync 5m` (a steady child sends the
//!   API nothing but its resyncs, so the count goes as 1 / -resync); and the engine's
//!   requests (all GETs: each child reads its container's health every -health-interval, at
//!   its default 5s) per hour as measured.
//! - Memory: then the Rss and Pss (/proc/PID/smaps_rollup) of the agent and of each child
//!   (/proc/PID/task/TID/children), summed. Pss shares each page among the processes that map
//!   it, so the 21 copies of one static binary's code are counted once in all.
//!
//!     cargo run --release --example bench_docker -- [peekaboo binary]
//!
//! The binary defaults to the static one `make static` builds, the one that ships (its memory
//! is musl's allocator's). BENCH_WATCH_SECS sets the measured span (10 s by default),
//! BENCH_WINDOW the PENDING_UPDATE window in seconds (1 by default; it only slows the joins).

// Each example uses only a part of the fake.
#[allow(dead_code)]
#[path = "../tests/fake/mod.rs"]
mod fake;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio, exit};
use std::thread::sleep;
use std::time::{Duration, Instant};

use fake::docker::{DockerConfig, FakeDocker, Spec};
use fake::{Config, Fake, Limits};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const LB: u64 = 1;
const CONTAINERS: usize = 20;
const LATENCY: Duration = Duration::from_millis(50);
/// The resync the requests are measured at, and the default they are scaled to. At 5s the 20
/// children's reads (4 a second) stay under the API's 10 GETs a second.
const RESYNC: Duration = Duration::from_secs(5);
const DEFAULT_RESYNC: Duration = Duration::from_secs(300);
/// Far longer than 20 joins take, one after another, through the PENDING_UPDATE windows.
const JOIN_LIMIT: Duration = Duration::from_secs(300);

fn window() -> Duration {
    std::env::var("BENCH_WINDOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_secs_f64)
}

fn span() -> Duration {
    std::env::var("BENCH_WATCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(10), Duration::from_secs_f64)
}

/// 20 running containers, healthy, each with its app's port taken on loopback.
fn host(d: &FakeDocker) -> (Vec<u16>, Vec<TcpListener>) {
    let mut ports = Vec::new();
    let mut apps = Vec::new();
    for i in 1..=CONTAINERS {
        let app = TcpListener::bind("127.0.0.1:0").expect("bench: bind 127.0.0.1:0");
        let port = app.local_addr().expect("bench: local_addr").port();
        let mut spec = Spec::labelled(&format!("web-{i}"), &LB.to_string())
            .label("peekaboo.port", &port.to_string());
        spec.healthcheck = true;
        let id = d.add(spec);
        d.start(&id);
        d.set_health(&id, true);
        ports.push(port);
        apps.push(app);
    }
    (ports, apps)
}

fn agent(bin: &str, f: &Fake, d: &FakeDocker, log: &std::path::Path) -> Child {
    let log = std::fs::File::create(log).expect("bench: the agent's log file");
    Command::new(bin)
        .args(["-docker", "-ip", "127.0.0.1", "-resync"])
        .arg(format!("{}s", RESYNC.as_secs()))
        .env_clear()
        .envs(f.env(LB, "DFW"))
        .env("DOCKER_HOST", d.docker_host())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("bench: cannot run {bin}: {e}"))
}

fn enabled(f: &Fake, ports: &[u16]) -> usize {
    let nodes = f.nodes(LB);
    (ports.iter())
        .filter(|p| {
            (nodes.iter())
                .any(|n| n.port == **p && n.address == "127.0.0.1" && n.condition == "ENABLED")
        })
        .count()
}

/// SIGTERM, as systemd sends it; the agent's exit code.
fn leave(mut child: Child) -> String {
    let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
    match child.wait() {
        Ok(s) => s.code().map_or(format!("{s}"), |c| c.to_string()),
        Err(e) => format!("unknown ({e})"),
    }
}

/// The agent's children: every task's `children` file.
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect();
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// Rss and Pss in KiB, from /proc/PID/smaps_rollup.
fn rss_pss(pid: u32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| {
        (text.lines())
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("Rss:"), field("Pss:"))
}

fn requests(f: &Fake, d: &FakeDocker, ports: &[u16]) {
    let (r0, e0, t0) = (f.requests().len(), d.requests().len(), Instant::now());
    sleep(span());
    let (r1, e1, t1) = (f.requests().len(), d.requests().len(), Instant::now());
    let secs = (t1 - t0).as_secs_f64();
    let all = f.requests();
    let sent = &all[r0..r1];
    let gets = sent.iter().filter(|r| r.method == "GET").count();
    let tokens = sent.iter().filter(|r| r.path.ends_with("/tokens")).count();
    let limited = sent.iter().filter(|r| r.rate_limited.is_some()).count();
    let asked = d.requests();
    let engine = &asked[e0..e1];
    let engine_gets = engine.iter().filter(|r| r.starts_with("GET ")).count();
    let per_hour = sent.len() as f64 * 3600.0 / secs;
    let at_default = per_hour * RESYNC.as_secs_f64() / DEFAULT_RESYNC.as_secs_f64();
    let engine_hour = engine.len() as f64 * 3600.0 / secs;
    let n = CONTAINERS as f64;
    println!(
        "docker, {CONTAINERS} containers steady (-resync {}s, the other timing flags at their defaults): \
         {} load balancer requests ({gets} GET, {tokens} token, {limited} rate-limited) in {secs:.1} s; \
         nodes ENABLED at the end: {}/{CONTAINERS}",
        RESYNC.as_secs(),
        sent.len(),
        enabled(f, ports),
    );
    println!(
        "  -> {per_hour:.0} per hour at -resync {}s, so {at_default:.0} per hour for the host at the \
         default -resync 5m ({:.1} per container); it goes as 1 / -resync",
        RESYNC.as_secs(),
        at_default / n
    );
    println!(
        "  engine: {} requests ({engine_gets} GET) in {secs:.1} s -> {engine_hour:.0} per hour for the \
         host ({:.0} per container) at the default -health-interval 5s",
        engine.len(),
        engine_hour / n
    );
}

fn memory(bin: &str, agent: u32) {
    let kids = children(agent);
    let (agent_rss, agent_pss) = rss_pss(agent);
    let (mut rss, mut pss) = (0, 0);
    for pid in &kids {
        let (r, p) = rss_pss(*pid);
        rss += r;
        pss += p;
    }
    let k = kids.len().max(1) as u64;
    println!("docker, memory once steady ({bin}):");
    println!("  |                  | processes |   RSS KiB |   PSS KiB |");
    println!("  |------------------|-----------|-----------|-----------|");
    println!(
        "  | agent            | {:>9} | {agent_rss:>9} | {agent_pss:>9} |",
        1
    );
    println!(
        "  | children         | {:>9} | {rss:>9} | {pss:>9} |",
        kids.len()
    );
    println!(
        "  | per child        |           | {:>9} | {:>9} |",
        rss / k,
        pss / k
    );
    println!(
        "  | total            | {:>9} | {:>9} | {:>9} |",
        kids.len() + 1,
        agent_rss + rss,
        agent_pss + pss
    );
}

fn main() {
    // BENCH_FLEET runs only the fleets of bench.rs.
    if std::env::var_os("BENCH_FLEET").is_some() {
        return;
    }
    let bin = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/x86_64-unknown-linux-musl/release/peekaboo".into());
    let f = Fake::start(Config {
        pending: window(),
        latency: LATENCY,
        limits: Some(Limits::First),
        ..Config::default()
    });
    f.add_lb(LB, "DFW");
    let d = FakeDocker::new(DockerConfig::default());
    let (ports, _apps) = host(&d);
    let log =
        std::env::temp_dir().join(format!("peekaboo-bench-docker-{}.log", std::process::id()));
    let started = Instant::now();
    let child = agent(&bin, &f, &d, &log);
    let pid = child.id();
    let give_up = started + JOIN_LIMIT;
    while enabled(&f, &ports) < CONTAINERS {
        if Instant::now() > give_up {
            println!(
                "docker: only {}/{CONTAINERS} nodes ENABLED after {} s; exit {}; the agent's log: {}",
                enabled(&f, &ports),
                JOIN_LIMIT.as_secs(),
                leave(child),
                log.display()
            );
            exit(1);
        }
        sleep(Duration::from_millis(20));
    }
    let joined = f.requests();
    let count = |p: &dyn Fn(&fake::Request) -> bool| joined.iter().filter(|r| p(r)).count();
    println!();
    println!(
        "docker, {CONTAINERS} containers joining one load balancer at once (PENDING_UPDATE {:.1} s): \
         all ENABLED after {:.1} s, {} requests ({} token, {} GET, {} writes; {} rate-limited)",
        window().as_secs_f64(),
        started.elapsed().as_secs_f64(),
        joined.len(),
        count(&|r| r.path.ends_with("/tokens")),
        count(&|r| r.method == "GET"),
        count(&|r| r.method != "GET" && !r.path.ends_with("/tokens")),
        count(&|r| r.rate_limited.is_some()),
    );
    // The joins' own reads and waits are over well before a resync comes round.
    sleep(RESYNC * 3 / 2);
    requests(&f, &d, &ports);
    memory(&bin, pid);
    println!("  exit after SIGTERM {}", leave(child));
    let _ = std::fs::remove_file(&log);
}
