//! `make demo`, Docker mode: `peekaboo -docker` follows the built-in fake Docker engine and keeps
//! one node per labelled container on the fake Rackspace API. Two containers, web-1 and web-2,
//! each with a HEALTHCHECK and an app port of its own on loopback, go through: both healthy →
//! both ENABLED; web-2 unhealthy → DRAINING; healthy again → ENABLED; `docker stop web-1` → its
//! node deleted; SIGTERM to the agent → exit 0, web-2's node left as it is (the app still runs).
//! The agent's log (its own lines and its children's) is shown as it comes, and the load
//! balancer after each step. Each step waits for the fake to get there, with a deadline; the
//! demo exits 1 naming the step that did not happen.
//!
//!     cargo run --example demo_docker -- target/debug/peekaboo

// Each example uses only a part of the fake.
#[allow(dead_code)]
#[path = "../tests/fake/mod.rs"]
mod fake;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, ChildStderr, Command, Stdio, exit};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use fake::docker::{DockerConfig, FakeDocker, Spec};
use fake::{Config, Fake, Node};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const LB: u64 = 1;
const OTHER: &str = "10.0.0.7";
/// Far more than any step takes: only a step that will not happen gets near it.
const DEADLINE: Duration = Duration::from_secs(20);

/// A container of the demo: its name, id and app port.
struct Web {
    name: &'static str,
    id: String,
    port: u16,
    /// The app's listener: the port is taken while the demo runs. Nothing connects to it.
    _app: TcpListener,
}

fn main() {
    let bin = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/debug/peekaboo".into());
    // Half a second of PENDING_UPDATE after each change: the two containers' children take
    // turns on the one load balancer, as they would on a real one, and the demo stays short.
    let fake = Fake::start(Config {
        pending: Duration::from_millis(500),
        ..Config::default()
    });
    fake.add_lb(LB, "DFW");
    let neighbour = fake.add_node(LB, OTHER, 80, "ENABLED");
    let engine = FakeDocker::new(DockerConfig::default());
    eprintln!(
        "\nFake Rackspace API at {}, fake Docker engine at {}",
        fake.auth_url(),
        engine.docker_host()
    );
    eprintln!("Load balancer {LB} in DFW holds one other host, {OTHER}:80.");

    let web1 = web(&engine, "web-1");
    eprintln!("\n== docker run web-1 (before the agent starts; Docker says `starting`)");
    engine.start(&web1.id);
    let flags = [
        "-docker",
        "-ip",
        "127.0.0.1",
        "-health-interval",
        "100ms",
        "-interval",
        "200ms",
        "-timeout",
        "30s",
    ];
    eprintln!("\n== the agent: peekaboo {}", flags.join(" "));
    let mut demo = Demo::start(&bin, &flags, &fake, &engine);
    demo.wait("the agent follows web-1", || engine.subscribers() >= 1);
    demo.line("the agent follows web-1", &["web-1 (", ": following it"]);
    let web2 = web(&engine, "web-2");
    eprintln!("\n== docker run web-2 (the agent hears its start event)");
    engine.start(&web2.id);
    demo.line("the agent follows web-2", &["web-2 (", ": following it"]);
    let webs = [&web1, &web2];
    demo.show(&webs);

    eprintln!("\n== Docker says both are healthy");
    engine.set_health(&web1.id, true);
    engine.set_health(&web2.id, true);
    let step = "both join";
    demo.wait(step, || {
        webs.iter()
            .all(|w| condition(&fake, w).as_deref() == Some("ENABLED"))
    });
    demo.lines(
        step,
        &[
            &["web-1 (", "is ENABLED: healthy"],
            &["web-2 (", "is ENABLED: healthy"],
        ],
    );
    demo.show(&webs);

    eprintln!("\n== Docker says web-2 is unhealthy");
    engine.set_health(&web2.id, false);
    let step = "web-2 drains";
    demo.wait(step, || {
        condition(&fake, &web2).as_deref() == Some("DRAINING")
    });
    demo.line(step, &["web-2 (", "is DRAINING: unhealthy"]);
    demo.show(&webs);

    eprintln!("\n== Docker says web-2 is healthy again");
    engine.set_health(&web2.id, true);
    let step = "web-2 serves again";
    demo.wait(step, || {
        condition(&fake, &web2).as_deref() == Some("ENABLED")
    });
    demo.line(step, &["web-2 (", "is ENABLED: healthy"]);
    demo.show(&webs);

    eprintln!("\n== docker stop web-1");
    engine.stop(&web1.id);
    let step = "web-1 leaves";
    demo.wait(step, || condition(&fake, &web1).is_none());
    demo.line(step, &["web-1 (", "Final node state: Deleted"]);
    demo.show(&webs);

    // To the agent alone: a signal to its whole group (systemd's default KillMode=control-group)
    // also reaches every child, and each would take its own node out.
    eprintln!("\n== kill -TERM <the agent's pid>: SIGTERM to the agent alone");
    let step = "the agent stops, web-2 left serving";
    let code = demo.stop(step);
    demo.show(&webs);
    let left = condition(&fake, &web2);
    eprintln!(
        "-> the agent exited {code}; web-2's node is {}",
        left.as_deref().unwrap_or("gone")
    );
    if code != 0 || left.as_deref() != Some("ENABLED") {
        demo.fail(
            step,
            "the agent did not exit 0 leaving web-2's node ENABLED",
        );
    }

    let touched = (fake.mutations().iter()).any(|m| m.ends_with(&format!("/nodes/{neighbour}")));
    let asked = engine.requests();
    let writes: Vec<&String> = asked.iter().filter(|r| !r.starts_with("GET ")).collect();
    eprintln!(
        "-> the engine was sent {} requests, {} of them not GETs",
        asked.len(),
        writes.len()
    );
    if touched || !writes.is_empty() {
        eprintln!("demo: {OTHER}'s node was written to, or the engine was sent {writes:?}");
        exit(1);
    }
    eprintln!("\nDocker demo done: every step happened and {OTHER} was never touched.");
}

/// A container for load balancer 1 with a HEALTHCHECK and its app on a loopback port of its
/// own, created (`docker create`); the demo starts it.
fn web(engine: &FakeDocker, name: &'static str) -> Web {
    let app = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| {
        eprintln!("demo: cannot listen on 127.0.0.1: {e}");
        exit(1)
    });
    let port = app.local_addr().map_or(0, |a| a.port());
    let mut spec = Spec::labelled(name, &LB.to_string()).label("peekaboo.port", &port.to_string());
    spec.healthcheck = true;
    let id = engine.add(spec);
    eprintln!(
        "   {name} ({}): labels peekaboo.lb={LB} peekaboo.port={port}, HEALTHCHECK",
        &id[..8]
    );
    Web {
        name,
        id,
        port,
        _app: app,
    }
}

/// The condition of `w`'s node, or None while it has none.
fn condition(fake: &Fake, w: &Web) -> Option<String> {
    ours(&fake.nodes(LB), w).map(|n| n.condition.clone())
}

fn ours<'a>(nodes: &'a [Node], w: &Web) -> Option<&'a Node> {
    (nodes.iter()).find(|n| n.address == "127.0.0.1" && n.port == w.port)
}

/// The agent as the demo runs it: its stderr shown as it comes and kept, so each step can
/// wait for the line that says it got there before showing the load balancer.
struct Demo<'a> {
    fake: &'a Fake,
    agent: Child,
    /// Every line so far; a line "\0" once the agent and its children closed their stderr.
    lines: Arc<(Mutex<Vec<String>>, Condvar)>,
    /// Lines already matched: each wait looks after them.
    seen: usize,
}

impl<'a> Demo<'a> {
    fn start(bin: &str, flags: &[&str], fake: &'a Fake, engine: &FakeDocker) -> Demo<'a> {
        let mut agent = Command::new(bin)
            .args(flags)
            .env_clear()
            .envs(fake.env(LB, "DFW"))
            .env("DOCKER_HOST", engine.docker_host())
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                eprintln!("demo: cannot run {bin}: {e} (build it first: cargo build)");
                exit(1)
            });
        let lines = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let stderr = agent.stderr.take().expect("piped stderr");
        let into = Arc::clone(&lines);
        std::thread::spawn(move || show_log(stderr, &into));
        Demo {
            fake,
            agent,
            lines,
            seen: 0,
        }
    }

    /// Polls until `done`; past the deadline, the demo fails naming `step`.
    fn wait(&mut self, step: &str, done: impl Fn() -> bool) {
        let give_up = Instant::now() + DEADLINE;
        while !done() {
            if Instant::now() > give_up {
                self.fail(step, "the fake never got there");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the next line holding every part of `parts`.
    fn line(&mut self, step: &str, parts: &[&str]) {
        self.lines(step, &[parts]);
    }

    /// Waits until each of `wanted` (the parts one line holds) has shown after the last
    /// wait, in any order: two children's lines interleave as they like.
    fn lines(&mut self, step: &str, wanted: &[&[&str]]) {
        let give_up = Instant::now() + DEADLINE;
        let (lock, cv) = &*self.lines;
        let mut lines = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let after = &lines[self.seen..];
            let at: Option<Vec<usize>> = (wanted.iter())
                .map(|parts| {
                    after
                        .iter()
                        .position(|l| parts.iter().all(|p| l.contains(p)))
                })
                .collect();
            if let Some(at) = at {
                self.seen += at.into_iter().max().unwrap_or(0) + 1;
                return;
            }
            let ended = lines.last().is_some_and(|l| l == "\0");
            if ended || Instant::now() > give_up {
                drop(lines);
                let why = format!("no log line with {wanted:?}");
                self.fail(step, &why);
            }
            lines = cv
                .wait_timeout(lines, Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// The load balancer's nodes, ours named by container.
    fn show(&self, webs: &[&Web]) {
        for n in self.fake.nodes(LB) {
            let whose = (webs.iter())
                .find(|w| n.address == "127.0.0.1" && n.port == w.port)
                .map_or(String::new(), |w| format!(" ({})", w.name));
            eprintln!(
                "   node {} {}:{} {}{whose}",
                n.id, n.address, n.port, n.condition
            );
        }
    }

    /// SIGTERM, then the agent's exit code once it and its children have closed the log.
    fn stop(&mut self, step: &str) -> i32 {
        let _ = kill(Pid::from_raw(self.agent.id() as i32), Signal::SIGTERM);
        let give_up = Instant::now() + DEADLINE;
        let code = loop {
            match self.agent.try_wait() {
                Ok(Some(s)) => break s.code().unwrap_or(-1),
                Ok(None) if Instant::now() < give_up => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => self.fail(step, "the agent did not exit"),
            }
        };
        self.lines(step, &[&["\0"]]);
        code
    }

    /// Says which step did not happen, and ends the demo (and the agent) with exit 1.
    fn fail(&mut self, step: &str, why: &str) -> ! {
        // SIGTERM first: the agent lets its children go; SIGKILL would leave them running.
        let _ = kill(Pid::from_raw(self.agent.id() as i32), Signal::SIGTERM);
        let give_up = Instant::now() + Duration::from_secs(5);
        while matches!(self.agent.try_wait(), Ok(None)) && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.agent.kill();
        let _ = self.agent.wait();
        eprintln!("demo: step '{step}' did not happen: {why}");
        exit(1);
    }
}

/// Shows each line of the agent's stderr as it comes, and keeps it.
fn show_log(stderr: ChildStderr, lines: &(Mutex<Vec<String>>, Condvar)) {
    let (lock, cv) = lines;
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        eprintln!("{line}");
        lock.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        cv.notify_all();
    }
    lock.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push("\0".into());
    cv.notify_all();
}
