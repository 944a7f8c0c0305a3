//! Runs the test fake of Rackspace Identity + Cloud Load Balancers for manual trials:
//!
//!     cargo run --example fake_rackspace [-- --pending-ms N]
//!
//! It prints the environment peekaboo needs as `export VAR=value` lines to paste into a shell
//! (the node is 10.1.2.3:8080, an address that needs no interface), then one `# ` line per
//! change of load balancer 1 (status or nodes) on stdout, and each request it receives on
//! stderr. Runs until killed.

// Each example uses only a part of the fake.
#[allow(dead_code)]
#[path = "../tests/fake/mod.rs"]
mod fake;

use fake::{Config, Fake, Node};
use std::io::Write;
use std::process::exit;
use std::thread::sleep;
use std::time::Duration;

const LB: u64 = 1;

fn usage() -> ! {
    eprintln!("usage: fake_rackspace [--pending-ms N]");
    exit(2)
}

fn summary(status: &str, nodes: &[Node]) -> String {
    if nodes.is_empty() {
        return format!("# lb {LB} {status}: no nodes");
    }
    let nodes: Vec<String> = nodes
        .iter()
        .map(|n| {
            format!(
                "#{} {}:{} {} {}",
                n.id, n.address, n.port, n.condition, n.status
            )
        })
        .collect();
    format!("# lb {LB} {status}: {}", nodes.join(", "))
}

fn main() {
    let mut cfg = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--pending-ms" => args.next(),
            a if a.starts_with("--pending-ms=") => Some(a["--pending-ms=".len()..].to_string()),
            _ => usage(),
        };
        match value.and_then(|v| v.parse().ok()) {
            Some(ms) => cfg.pending = Duration::from_millis(ms),
            None => usage(),
        }
    }
    let fake = Fake::start(cfg);
    fake.add_lb(LB, "DFW");

    let node = [("APP_PORT", "8080"), ("RAX_SERVICENET_IPV4", "10.1.2.3")];
    let node = node.map(|(name, value)| (name, value.to_string()));
    for (name, value) in fake.env(LB, "DFW").into_iter().chain(node) {
        println!("export {name}={value}");
    }
    let _ = std::io::stdout().flush();

    // Polling is plenty for a human watching; it also catches PENDING_UPDATE clearing by itself.
    let (mut last, mut seen) = (String::new(), 0);
    loop {
        let requests = fake.requests();
        for r in &requests[seen..] {
            eprintln!("{} {}", r.method, r.path);
        }
        seen = requests.len();
        let line = summary(&fake.lb_status(LB), &fake.nodes(LB));
        if line != last {
            println!("{line}");
            let _ = std::io::stdout().flush();
            last = line;
        }
        sleep(Duration::from_millis(50));
    }
}
