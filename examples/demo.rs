//! `make demo`: the whole job end to end against the built-in fake Rackspace API, with no
//! account. Starts the fake on a loopback port, then runs the real peekaboo binary through
//! enable → enable again → drain → disable → delete, showing its log and the load balancer
//! after each step (all on stderr, so the two interleave in order). Exits 0 only if every
//! step did.
//!
//!     cargo run --example demo -- target/debug/peekaboo

// Each example uses only a part of the fake.
#[allow(dead_code)]
#[path = "../tests/fake/mod.rs"]
mod fake;

use std::process::{Command, exit};
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
    eprintln!("\nDemo done: every step exited 0 and 10.0.0.7 was never touched.");
}
