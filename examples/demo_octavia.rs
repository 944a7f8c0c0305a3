//! `make demo`, the OpenStack half: the same job against the built-in fake Keystone v3 and
//! Octavia v2, signing in from a clouds.yaml (password, project by name) with no OS_*
//! credential in the environment. Load
//! balancer `web-lb` in DFW3 has one pool holding one other member; peekaboo runs join →
//! join again → drain → disable → delete, and after each step the demo shows peekaboo's log,
//! the requests it sent and the member fields Octavia reports. Exits 0 only if every step did,
//! left the member as that step promises, and the other member was never written to.
//!
//!     cargo run --example demo_octavia -- target/debug/peekaboo

// Each example uses only a part of the fake.
#[allow(dead_code)]
#[path = "../tests/fake/mod.rs"]
mod fake;

use std::process::{Command, exit};
use std::time::{Duration, Instant};

use fake::octavia::OMember;
use fake::{Config, Fake};

const LB: &str = "web-lb";
const REGION: &str = "DFW3";
const ADDRESS: &str = "10.1.2.3";
const PORT: u16 = 8080;

/// What a step must leave our member as: admin_state_up and weight, or None for gone.
type Expect = Option<(bool, u32)>;

fn main() {
    let bin = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/debug/peekaboo".into());
    // One second of PENDING_UPDATE after each write, as for the CLB half: it shows peekaboo
    // waiting for the provider to finish before it calls the change done.
    let fake = Fake::start(Config {
        pending: Duration::from_secs(1),
        ..Config::default()
    });
    let lb = fake.add_octavia_lb(LB);
    // A health monitor, so operating_status says something (ONLINE, DRAINING, OFFLINE)
    // rather than NO_MONITOR throughout.
    let pool = fake.add_pool(&lb, "web-pool", true);
    let neighbour = fake.add_member(&pool, "10.0.0.7", 80);
    let theirs = |f: &Fake| {
        f.octavia_members(&pool)
            .into_iter()
            .find(|m| m.id == neighbour)
    };
    let neighbour_before = theirs(&fake);
    eprintln!(
        "\nFake Keystone v3 at {}, Octavia at {}",
        fake.keystone_url(),
        fake.octavia_url()
    );
    eprintln!("Load balancer {LB} in {REGION} holds one other member, 10.0.0.7:80.");
    let clouds = clouds_yaml(&fake);
    eprintln!(
        "peekaboo gets OS_CLOUD=web and this clouds.yaml (OS_CLIENT_CONFIG_FILE), no OS_* credential:"
    );
    let text = std::fs::read_to_string(&clouds).unwrap_or_default();
    for line in text.lines() {
        let shown = match line.split_once("password:") {
            Some((indent, _)) => format!("{indent}password: ********"),
            None => line.to_string(),
        };
        eprintln!("   {shown}");
    }

    let steps: [(&str, &[&str], Expect); 5] = [
        ("join the pool", &[], Some((true, 1))),
        ("join again: nothing to change", &[], Some((true, 1))),
        ("stop taking new connections", &["-drain"], Some((true, 0))),
        ("cut the rest", &["-disable"], Some((false, 0))),
        ("leave the pool", &["-delete"], None),
    ];
    for (what, flags, expect) in steps {
        eprintln!("\n== {what}: peekaboo {}", flags.join(" "));
        let sent_before = fake.requests().len();
        let started = Instant::now();
        let mut cmd = Command::new(&bin);
        for (name, _) in fake.os_env(LB, REGION) {
            cmd.env_remove(name);
        }
        let status = cmd
            .args(flags)
            .env("OS_CLOUD", "web")
            .env("OS_CLIENT_CONFIG_FILE", &clouds)
            .env("LOAD_BALANCER_ID", LB)
            .env("APP_PORT", PORT.to_string())
            .env("RAX_SERVICENET_IPV4", ADDRESS)
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
        eprintln!(
            "-> exit {code} in {:.1}s, {} requests:",
            started.elapsed().as_secs_f64(),
            sent.len()
        );
        for r in sent {
            eprintln!("   {} {} -> {}", r.method, short(&r.path), r.status);
        }
        let members = fake.octavia_members(&pool);
        for m in &members {
            eprintln!("   {}", fields(m));
        }
        if code != 0 {
            eprintln!("demo: step '{what}' failed with exit {code}");
            exit(1);
        }
        let ours = members
            .iter()
            .find(|m| m.address == ADDRESS && m.port == PORT);
        let got = ours.map(|m| (m.admin, m.weight));
        if got != expect {
            eprintln!("demo: step '{what}' left our member as {got:?}, not {expect:?}");
            exit(1);
        }
    }
    // Both: no write named it, and nothing about it changed (the fake's own settling included).
    let written = fake.octavia_writes().iter().any(|w| w.contains(&neighbour));
    if written || theirs(&fake) != neighbour_before {
        eprintln!("demo: the other member 10.0.0.7:80 was changed");
        exit(1);
    }
    eprintln!("\nOctavia demo done: every step exited 0 and 10.0.0.7 was never touched.");
}

/// A clouds.yaml for the fake's user, as the dashboard writes one, in a file of its own.
fn clouds_yaml(fake: &Fake) -> std::path::PathBuf {
    let os = fake.os_env(LB, REGION);
    let get = |k: &str| {
        os.iter()
            .find(|(n, _)| *n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let text = format!(
        "clouds:\n  web:\n    auth:\n      auth_url: {}\n      username: {}\n      password: {}\n      project_name: {}\n      user_domain_name: {}\n      project_domain_name: {}\n    region_name: {REGION}\n    interface: public\n    identity_api_version: 3\n",
        get("OS_AUTH_URL"),
        get("OS_USERNAME"),
        get("OS_PASSWORD"),
        get("OS_PROJECT_NAME"),
        get("OS_USER_DOMAIN_NAME"),
        get("OS_PROJECT_DOMAIN_NAME"),
    );
    let path =
        std::env::temp_dir().join(format!("peekaboo-demo-clouds-{}.yaml", std::process::id()));
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("demo: cannot write {}: {e}", path.display());
        exit(1);
    }
    path
}

/// The path without the fake's `http://127.0.0.1:PORT/octavia/v2/lbaas` prefix, so the
/// requests line up; Keystone's stay whole (`/v3/auth/tokens`).
fn short(path: &str) -> &str {
    path.strip_prefix("/octavia/v2/lbaas").unwrap_or(path)
}

/// The fields Octavia's member GET shows, as the API words them.
fn fields(m: &OMember) -> String {
    format!(
        "member {}:{} name={:?} tags={:?} admin_state_up={} weight={} provisioning_status={} operating_status={}",
        m.address, m.port, m.name, m.tags, m.admin, m.weight, m.provisioning, m.operating
    )
}
