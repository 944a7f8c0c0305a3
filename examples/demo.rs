//! `make demo`: the whole job end to end against the built-in fake Rackspace API, with no
//! account. Starts the fake on a loopback port, then runs the real peekaboo binary through
//! enable → enable again → drain → disable → delete, showing its log and the load balancer
//! after each step (all on stderr, so the two interleave in order). Then watch mode: an app
//! on loopback falls sick and recovers while `peekaboo -watch` follows it, and SIGTERM ends
//! it. Exits 0 only if every step did.
//!
//!     cargo run --example demo -- target/debug/peekaboo

// Each example uses only a part of the fake.
#[allow(dead_code)]
#[path = "../tests/fake/mod.rs"]
mod fake;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, exit};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fake::{Config, Fake};

const LB: u64 = 1;

fn main() {
    let bin = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/debug/peekaboo".into());
    // One second of PENDING_UPDATE after each change, like a real load balancer on a calm day.
    let cfg = Config {
        pending: Duration::from_secs(1),
        ..Config::default()
    };
    let fake = Fake::start(cfg);
    fake.add_lb(LB, "DFW");
    let neighbour = fake.add_node(LB, "10.0.0.7", 80, "ENABLED");
    eprintln!("Fake Rackspace API at {}", fake.auth_url());
    eprintln!("Load balancer {LB} in DFW holds one other host, 10.0.0.7:80.");

    let steps: [(&str, &[&str]); 5] = [
        ("join the pool", &[]),
        ("join again: nothing to change", &[]),
        ("stop taking new connections", &["-drain"]),
        ("cut the rest", &["-disable"]),
        ("leave the pool", &["-delete"]),
    ];
    for (what, flags) in steps {
        eprintln!("\n== {what}: peekaboo {}", flags.join(" "));
        let sent_before = fake.requests().len();
        let started = Instant::now();
        let status = Command::new(&bin)
            .args(flags)
            .envs(fake.env(LB, "dfw"))
            .env("APP_PORT", "8080")
            .env("RAX_SERVICENET_IPV4", "10.1.2.3")
            .status();
        let code = match status {
            Ok(s) => s.code().unwrap_or(-1),
            Err(e) => {
                eprintln!("demo: cannot run {bin}: {e} (build it first: cargo build)");
                exit(1);
            }
        };
        let requests = fake.requests();
        let sent = &requests[sent_before..];
        let writes: Vec<String> = sent
            .iter()
            .filter(|r| r.method != "GET" && !r.path.ends_with("/tokens"))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        eprintln!(
            "-> exit {code} in {:.1}s, {} requests, changes sent: {}",
            started.elapsed().as_secs_f64(),
            sent.len(),
            if writes.is_empty() {
                "none".to_string()
            } else {
                writes.join(", ")
            }
        );
        for n in fake.nodes(LB) {
            eprintln!("   node {} {}:{} {}", n.id, n.address, n.port, n.condition);
        }
        if code != 0 {
            eprintln!("demo: step '{what}' failed with exit {code}");
            exit(1);
        }
    }
    let touched = fake
        .mutations()
        .iter()
        .any(|m| m.ends_with(&format!("/nodes/{neighbour}")));
    let still_there = fake.nodes(LB).iter().any(|n| n.id == neighbour);
    if touched || !still_there {
        eprintln!("demo: the other host's node 10.0.0.7 was changed");
        exit(1);
    }
    watch(&bin, &fake);
    eprintln!("\nDemo done: every step exited 0 and 10.0.0.7 was never touched.");
}

/// Watch mode beside an app whose health the demo flips: it joins, drains while the app is
/// sick, comes back, and leaves on SIGTERM.
fn watch(bin: &str, fake: &Fake) {
    let healthy = Arc::new(AtomicBool::new(true));
    let port = serve_health(Arc::clone(&healthy));
    let url = format!("http://127.0.0.1:{port}/health");
    let port = port.to_string();
    let flags = [
        "-watch",
        "-health",
        &url,
        "-health-interval",
        "0.2s",
        "-interval",
        "1s",
        "-ip",
        "127.0.0.1",
        "-port",
        &port,
        "-timeout",
        "30s",
    ];
    eprintln!("\n== stay beside the app: peekaboo {}", flags.join(" "));
    let mut child = Command::new(bin)
        .args(flags)
        .envs(fake.env(LB, "dfw"))
        .spawn()
        .unwrap_or_else(|e| {
            eprintln!("demo: cannot run {bin}: {e}");
            exit(1)
        });
    let node = |condition: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let ours = fake
                .nodes(LB)
                .into_iter()
                .find(|n| n.address == "127.0.0.1");
            if ours.is_some_and(|n| n.condition == condition) {
                eprintln!("-> the node is {condition}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("demo: the node never became {condition}");
        exit(1);
    };
    node("ENABLED");
    eprintln!("\n== the app falls sick (its /health answers 503)");
    healthy.store(false, Ordering::SeqCst);
    node("DRAINING");
    eprintln!("\n== the app recovers");
    healthy.store(true, Ordering::SeqCst);
    node("ENABLED");
    eprintln!("\n== docker stop, or systemctl stop: SIGTERM");
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let code = child.wait().map_or(-1, |s| s.code().unwrap_or(-1));
    let gone = !fake.nodes(LB).iter().any(|n| n.address == "127.0.0.1");
    eprintln!(
        "-> exit {code}; the node is {}",
        if gone { "gone" } else { "still there" }
    );
    if code != 0 || !gone {
        eprintln!("demo: the watch did not leave cleanly");
        exit(1);
    }
}

/// An app on 127.0.0.1 whose `/health` answers 200 while `healthy`, 503 when not.
fn serve_health(healthy: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("demo: bind 127.0.0.1:0");
    let port = listener.local_addr().expect("demo: local_addr").port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let _ = conn.read(&mut [0u8; 1024]);
            let status = if healthy.load(Ordering::SeqCst) {
                "200 OK"
            } else {
                "503 Service Unavailable"
            };
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    port
}
