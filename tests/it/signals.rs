//! SIGTERM, SIGINT and SIGHUP in a one-shot run: the real binary, signalled while it waits on the
//! fake. A test knows peekaboo is in a wait when it logs the line that starts one ("...;
//! checking again in 6s", "Node 1000 is draining: ..."): nothing is sent between that line
//! and the wait, so no test depends on timing.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use crate::fake::{Action, Config, Fake, fault};
use crate::support::{ADDR, LB, PORT, assert_no_secret, calls};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Long enough that only a wedged run could take it: the runs here end at a signal.
const GIVE_UP: Duration = Duration::from_secs(60);

/// A running peekaboo, its stderr read line by line as it comes.
struct Run {
    child: Child,
    lines: Receiver<String>,
    stderr: Vec<String>,
}

/// peekaboo against `fake` (load balancer 1, 10.1.2.3:8080 unless `flags` say otherwise), with
/// waits long enough that only a signal ends them before -timeout.
fn start(fake: &Fake, flags: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_peekaboo"))
        .env_clear()
        .envs(fake.env(LB, "DFW"))
        .env("APP_PORT", PORT.to_string())
        .env("RAX_SERVICENET_IPV4", ADDR)
        .args(["-timeout", "5m", "-interval", "1m"])
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start peekaboo");
    let (tx, lines) = channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Run {
        child,
        lines,
        stderr: Vec::new(),
    }
}

impl Run {
    /// Reads stderr until a line contains `needle`.
    fn wait_for_line(&mut self, needle: &str) {
        let give_up = Instant::now() + GIVE_UP;
        loop {
            match self
                .lines
                .recv_timeout(give_up.saturating_duration_since(Instant::now()))
            {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.stderr.push(line);
                    if found {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("no line with {needle:?}:\n{}", self.stderr.join("\n"));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("exited before {needle:?}:\n{}", self.stderr.join("\n"))
                }
            }
        }
    }

    fn signal(&self, sig: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), sig).expect("kill");
    }

    /// Exit code, stdout and all of stderr, once it exits. Panics if that takes longer than
    /// GIVE_UP: the waits it was in would have lasted minutes, so it did not stop "at once".
    fn finish(mut self) -> (i32, String, String) {
        let give_up = Instant::now() + GIVE_UP;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > give_up {
                let _ = self.child.kill();
                panic!("still running:\n{}", self.stderr.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // The reader ends at EOF, so this gets the whole rest.
        self.stderr.extend(self.lines.iter());
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut self.child.stdout.take().unwrap(), &mut stdout).unwrap();
        let stderr = self.stderr.join("\n");
        assert_no_secret(&stderr);
        assert_no_secret(&stdout);
        (status.code().unwrap_or(-1), stdout, stderr)
    }
}

fn fake_with(cfg: Config) -> Fake {
    let f = Fake::start(cfg);
    f.add_lb(LB, "DFW");
    f
}

#[test]
fn sigterm_while_the_load_balancer_stays_busy_exits_143_and_sends_nothing() {
    let f = fake_with(Config::default());
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    f.set_status(LB, "PENDING_UPDATE", None);
    let mut run = start(&f, &["-disable"]);
    run.wait_for_line("waiting for ACTIVE before changing it; checking again in");
    let sent_before = calls(&f);
    run.signal(Signal::SIGTERM);
    let (code, _, stderr) = run.finish();
    assert_eq!(code, 143, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Error: interrupted by SIGTERM while waiting: load balancer 1 is PENDING_UPDATE, waiting for ACTIVE before changing it; node {id} is ENABLED"
        )),
        "{stderr}"
    );
    assert_eq!(stderr.matches("interrupted by").count(), 1, "{stderr}");
    assert_eq!(calls(&f), sent_before, "nothing sent after the signal");
    assert!(f.mutations().is_empty(), "no change sent");
    assert_eq!(f.nodes(LB)[0].condition, "ENABLED");
}

#[test]
fn sighup_in_a_one_shot_run_stops_it_as_sigterm_does_with_exit_129() {
    let f = fake_with(Config::default());
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    f.set_status(LB, "PENDING_UPDATE", None);
    let mut run = start(&f, &["-drain"]);
    run.wait_for_line("waiting for ACTIVE before changing it; checking again in");
    let sent_before = calls(&f);
    run.signal(Signal::SIGHUP);
    let (code, _, stderr) = run.finish();
    assert_eq!(code, 129, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Error: interrupted by SIGHUP while waiting: load balancer 1 is PENDING_UPDATE, waiting for ACTIVE before changing it; node {id} is ENABLED"
        )),
        "{stderr}"
    );
    assert_eq!(calls(&f), sent_before, "nothing sent after the signal");
    assert!(f.mutations().is_empty(), "no change sent");
}

#[test]
fn sigint_exits_130_and_says_the_nodes_were_not_listed() {
    let f = fake_with(Config::default());
    f.set_status(LB, "PENDING_UPDATE", None);
    let mut run = start(&f, &["-json"]);
    run.wait_for_line("waiting for ACTIVE before changing it; checking again in");
    run.signal(Signal::SIGINT);
    let (code, stdout, stderr) = run.finish();
    assert_eq!(code, 130, "{stderr}");
    let msg = "interrupted by SIGINT while waiting: load balancer 1 is PENDING_UPDATE, waiting for ACTIVE before changing it; the nodes were not listed yet";
    assert!(stderr.contains(&format!("Error: {msg}")), "{stderr}");
    // -json carries it like any other failure.
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).expect(&stdout);
    assert_eq!(json["error"], msg);
    assert_eq!(json["action"], "failed");
    assert!(f.mutations().is_empty() && f.nodes(LB).is_empty());
}

/// The app: a listener on 127.0.0.1, and a connection to it from the load balancer's
/// ServiceNet address (127.0.0.2 in the fake), both ends held by the test.
fn app_with_lb_connection() -> (TcpListener, TcpStream, TcpStream) {
    let app = TcpListener::bind("127.0.0.1:0").unwrap();
    let (client, server) = crate::support::connect_from("127.0.0.2", &app);
    (app, client, server)
}

#[test]
fn a_signal_during_the_drain_watch_stops_it_and_does_not_disable() {
    signal_during_the_drain_watch("-drain");
}

#[test]
fn a_signal_during_a_disable_waits_drain_says_only_that_it_interrupted_the_drain() {
    signal_during_the_drain_watch("-disable");
}

/// `-drain -wait` and `-disable -wait` alike: the signal ends the drain watch, says only that
/// (never that it came "as the run finished"), and nothing after the drain is sent.
fn signal_during_the_drain_watch(leave: &str) {
    let f = fake_with(Config::default());
    let (app, _lb_side, _app_side) = app_with_lb_connection();
    let port = app.local_addr().unwrap().port().to_string();
    let id = f.add_node(LB, "127.0.0.1", app.local_addr().unwrap().port(), "ENABLED");
    let flags = ["-ip", "127.0.0.1", "-port", &port, leave, "-wait"];
    let mut run = start(&f, &[&flags[..], &["-drain-timeout", "4m"]].concat());
    run.wait_for_line(&format!("Node {id} is draining: 1 (1 from 127.0.0.2)"));
    run.signal(Signal::SIGTERM);
    let (code, _, stderr) = run.finish();
    assert_eq!(code, 143, "{leave}: {stderr}");
    assert!(
        stderr.contains(&format!(
            "Error: interrupted by SIGTERM while waiting: the drain of node {id}, with 1 (1 from 127.0.0.2) connections left; node {id} is DRAINING"
        )),
        "{leave}: {stderr}"
    );
    assert!(!stderr.contains("nothing was left to stop"), "{stderr}");
    let put = format!("PUT /loadbalancers/1/nodes/{id}");
    assert_eq!(
        f.mutations(),
        [put],
        "{leave}: DRAINING only, never DISABLED"
    );
    assert_eq!(f.nodes(LB)[0].condition, "DRAINING");
}

#[test]
fn a_signal_during_a_request_lets_it_finish_and_stops_at_the_next_wait() {
    // The change is accepted, and the load balancer stays busy applying it.
    let f = fake_with(Config {
        pending: Duration::from_secs(600),
        ..Config::default()
    });
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    f.inject(fault(
        "PUT",
        "/nodes/1000",
        1,
        Action::Delay(Duration::from_secs(3)),
    ));
    let mut run = start(&f, &["-drain"]);
    run.wait_for_line(&format!("Updating node {id} to DRAINING"));
    // The PUT is in flight once the fake has read it; it answers seconds later.
    let give_up = Instant::now() + GIVE_UP;
    while !f.requests().iter().any(|r| r.method == "PUT") {
        assert!(Instant::now() < give_up, "no PUT arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    run.signal(Signal::SIGTERM);
    let (code, _, stderr) = run.finish();
    assert_eq!(code, 143, "{stderr}");
    // Answered in full and taken for what it was: accepted, not a failure to retry.
    let put = f
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.status, 202);
    assert_eq!(f.unspent(), 0);
    assert!(
        stderr.contains(&format!(
            "Error: interrupted by SIGTERM while waiting: load balancer 1 accepted the change, waiting for it to be ACTIVE again; node {id} was ENABLED before the change"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("trying again"), "{stderr}");
    assert_eq!(
        calls(&f).last().map(String::as_str),
        Some(format!("PUT /loadbalancers/1/nodes/{id}").as_str()),
        "nothing sent after the accepted change"
    );
    assert_eq!(f.nodes(LB)[0].condition, "DRAINING");
}

#[test]
fn a_signal_during_the_last_request_lets_the_run_finish_and_says_so() {
    let f = fake_with(Config::default());
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    let read = "/loadbalancers/1";
    f.inject(fault("GET", read, 1, Action::Delay(Duration::from_secs(3))));
    let run = start(&f, &["-status"]);
    let give_up = Instant::now() + GIVE_UP;
    while !f.requests().iter().any(|r| r.path.ends_with(read)) {
        assert!(Instant::now() < give_up, "no read arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    run.signal(Signal::SIGTERM);
    let (code, stdout, stderr) = run.finish();
    // Nothing was left to wait for: the answer is the run's, not the signal's.
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("{id}")), "{stdout}");
    assert!(
        stderr.contains("SIGTERM arrived as the run finished: nothing was left to stop"),
        "{stderr}"
    );
}
