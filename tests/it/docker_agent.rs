//! `-docker`, the agent itself: its start (adopting what is there without a write, catching up
//! with what stopped while no agent watched, naming what it cannot use), its stop (every node
//! left as it is), the engine going away and back, the refusals that end it at once, and what
//! systemd and a -json reader hear.

use crate::fake;
use crate::support;

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

use fake::docker::{DockerConfig, FakeDocker, Spec};
use fake::{Config, Fake};
use nix::sys::signal::Signal::{SIGKILL, SIGTERM, SIGUSR1};
use nix::sys::signal::kill;
use nix::unistd::Pid;

use support::watching::{App, Watching, lb_connection, wait_read, wait_until};
use support::{LB, datagrams, peekaboo};

use super::docker::{agent, agent_env, engine, fake_lb, ours, serving, spec, stop, web, who};

#[test]
fn a_restart_of_the_agent_adopts_without_a_write_and_deletes_what_stopped_meanwhile() {
    let (f, d, a, b) = (fake_lb(), engine(), App::start(true), App::start(true));
    let (one, two) = (web(&d, "web-1", &a), web(&d, "web-2", &b));
    for id in [&one, &two] {
        d.set_health(id, true);
    }
    let (n1, n2) = (
        f.add_node(LB, "127.0.0.1", a.port, "ENABLED"),
        f.add_node(LB, "127.0.0.1", b.port, "ENABLED"),
    );
    let w = agent(&f, &d, &[]);
    w.wait_lines(&[
        &format!("{}The app is healthy", who("web-1", &one)),
        &format!("{}The app is healthy", who("web-2", &two)),
    ]);
    let out = stop(w);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("node ENABLED on 1").count(),
        2,
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "SIGTERM: stopping: every node is left as it is, and the containers keep running"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("SIGHUP: detaching").count(),
        2,
        "{}",
        out.stderr
    );
    assert!(f.mutations().is_empty(), "{:?}", f.mutations());

    // web-2 stops while no agent watches; the next agent deletes its node, adopts web-1's.
    d.stop(&two);
    let w = agent(&f, &d, &[]);
    w.wait_lines(&[
        &format!("{}it stopped while no agent watched", who("web-2", &two)),
        &format!("{}Final node state: Deleted", who("web-2", &two)),
        &format!("{}The app is healthy", who("web-1", &one)),
    ]);
    let out = stop(w);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        f.mutations(),
        [format!("DELETE /loadbalancers/1/nodes/{n2}")]
    );
    assert_eq!(ours(&f, a.port).unwrap().id, n1);
    assert!(ours(&f, b.port).is_none());
}

#[test]
fn the_engine_going_away_moves_no_node_is_said_once_and_what_happened_meanwhile_is_caught_up() {
    let (f, d, a, b) = (fake_lb(), engine(), App::start(true), App::start(true));
    let (one, two) = (web(&d, "web-1", &a), web(&d, "web-2", &b));
    for id in [&one, &two] {
        d.set_health(id, true);
    }
    let w = agent(&f, &d, &[]);
    w.wait_lines(&[
        &format!("{}Load balancer 1: node", who("web-1", &one)),
        &format!("{}Load balancer 1: node", who("web-2", &two)),
    ]);
    let joined = f.mutations();
    let n2 = ours(&f, b.port).unwrap().id;
    d.drop_engine();
    w.wait_line("Warning: the Docker engine is unreachable");
    // While it is away, web-2 is stopped: no event will ever say so.
    d.stop(&two);
    d.restore_engine();
    w.wait_line("The Docker engine is back after");
    w.wait_lines(&[
        &format!(
            "{}it stopped while the engine did not answer: taking its node out",
            who("web-2", &two)
        ),
        &format!("{}Final node state: Deleted", who("web-2", &two)),
    ]);
    let out = stop(w);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let agent_warnings = out
        .stderr
        .lines()
        .filter(|l| l.contains("Warning: the Docker engine is unreachable"))
        .count();
    assert_eq!(agent_warnings, 1, "{}", out.stderr);
    let mut want = joined;
    want.extend([
        format!("PUT /loadbalancers/1/nodes/{n2}"),
        format!("DELETE /loadbalancers/1/nodes/{n2}"),
    ]);
    assert_eq!(f.mutations(), want);
    assert_eq!(ours(&f, a.port).unwrap().condition, "ENABLED");
}

#[test]
fn a_node_no_container_claims_is_named_once_and_left_alone() {
    let (f, d, app) = (fake_lb(), engine(), App::start(true));
    let id = web(&d, "web-1", &app);
    d.set_health(&id, true);
    let stray = f.add_node(LB, "127.0.0.1", 9, "ENABLED");
    let w = agent(&f, &d, &[]);
    w.wait_line(&format!("{}Load balancer 1: node", who("web-1", &id)));
    let out = stop(w);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let named: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("no labelled container claims"))
        .collect();
    assert_eq!(named.len(), 1, "{}", out.stderr);
    assert!(
        named[0].ends_with(&format!(
            "Load balancer 1 has node {stray} for 127.0.0.1:9 (ENABLED), which no labelled container claims: left as it is"
        )),
        "{}",
        named[0]
    );
    assert!(f.nodes(LB).iter().any(|n| n.id == stray));
}

#[test]
fn a_wrong_label_is_named_in_one_line_and_the_other_containers_go_on() {
    let (f, d, a, b) = (fake_lb(), engine(), App::start(true), App::start(true));
    let bad = d.add(spec("bad", "1", &a).label("peekaboo.weight", "heavy"));
    let no_port = d.add(Spec::labelled("noport", "1"));
    let nowhere = d.add(spec("nowhere", "1,999", &a));
    let good = web(&d, "good", &b);
    for id in [&bad, &no_port, &nowhere] {
        d.start(id);
    }
    d.set_health(&good, true);
    let w = agent(&f, &d, &[]);
    w.wait_line(&format!("{}Load balancer 1: node", who("good", &good)));
    let out = stop(w);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let about = |name: &str, id: &str| -> Vec<String> {
        let me = who(name, id);
        out.stderr
            .lines()
            .filter(|l| l.contains(&me))
            .map(str::to_string)
            .collect()
    };
    let bad_lines = about("bad", &bad);
    assert_eq!(bad_lines.len(), 1, "{}", out.stderr);
    assert!(
        bad_lines[0].ends_with(&format!(
            "Error: {}label peekaboo.weight 'heavy' is not a weight: use a whole number from 1 to 100; it is left out",
            who("bad", &bad)
        )),
        "{}",
        bad_lines[0]
    );
    let no_port_lines = about("noport", &no_port);
    assert_eq!(no_port_lines.len(), 1, "{}", out.stderr);
    assert!(
        no_port_lines[0].contains("no port to be found: it publishes no TCP port"),
        "{}",
        no_port_lines[0]
    );
    let nowhere_lines = about("nowhere", &nowhere);
    assert_eq!(nowhere_lines.len(), 1, "{}", out.stderr);
    assert!(
        nowhere_lines[0].contains("Error: nowhere (")
            && nowhere_lines[0].contains("label peekaboo.lb: ")
            && nowhere_lines[0].contains("999"),
        "{}",
        nowhere_lines[0]
    );
    assert!(ours(&f, a.port).is_none());
    assert!(ours(&f, b.port).is_some());
}

#[test]
fn what_cannot_change_on_retry_ends_the_agent_at_once_with_exit_2() {
    let f = fake_lb();
    let d = engine();
    let old = FakeDocker::new(DockerConfig::too_old());
    let host = d.docker_host();
    let old_host = old.docker_host();
    for (flags, env, says) in [
        (
            &["-docker"][..],
            vec![("DOCKER_HOST", "tcp://10.0.0.1:2375")],
            "Error: DOCKER_HOST tcp://10.0.0.1:2375: peekaboo speaks to the Docker engine only over its unix socket, not tcp; mount the socket and give unix:///path/to/docker.sock",
        ),
        (
            &["-docker"],
            vec![("DOCKER_HOST", old_host.as_str())],
            "Error: the Docker engine is too old: Docker 19.03.15 speaks API 1.40 at most; peekaboo needs API 1.41 (Docker 20.10 or later)",
        ),
        (
            &["-docker"],
            vec![("DOCKER_HOST", host.as_str()), ("OS_PASSWORD", "wrong-key")],
            "Error: authentication failed: identity at ",
        ),
        (
            &["-docker", "-lb", "7"],
            vec![("DOCKER_HOST", host.as_str())],
            "Error: -lb makes no sense with -docker: each container says it with its labels (peekaboo.lb, peekaboo.port, peekaboo.health); drop -lb",
        ),
        (
            &["-docker-host", "unix:///run/docker.sock"],
            vec![],
            "Error: -docker-host only applies with -docker: add -docker, or drop it",
        ),
    ] {
        let out = peekaboo(&f, flags, &env);
        assert_eq!(out.code, 2, "{flags:?} {env:?}: {}", out.stderr);
        let errors: Vec<&str> = out.stderr.lines().filter(|l| l.contains("Error")).collect();
        assert_eq!(errors.len(), 1, "{}", out.stderr);
        assert!(errors[0].contains(says), "{}", out.stderr);
    }
    assert!(f.mutations().is_empty());
}

#[test]
fn systemd_hears_ready_and_how_many_containers_serve_and_json_events_name_the_container() {
    let (f, d, app) = (fake_lb(), engine(), App::start(true));
    let id = web(&d, "web-1", &app);
    let name = format!("peekaboo-docker-notify-{}", std::process::id());
    let socket = UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(&name).unwrap()).unwrap();
    let got = datagrams(socket);
    let notify = format!("@{name}");
    let w = agent_env(&f, &d, &["-json"], &[("NOTIFY_SOCKET", notify.as_str())]);
    let said = |what: &str| got.lock().unwrap().iter().any(|m| m == what);
    wait_until("READY", || said("READY=1"));
    wait_until("following, none serving", || {
        said("STATUS=following 1 containers, 0 serving")
    });
    d.set_health(&id, true);
    w.wait_line("node 1001 is ENABLED");
    wait_until("one serving", || {
        said("STATUS=following 1 containers, 1 serving")
    });
    let out = stop(w);
    assert_eq!(out.code, 0, "{}", out.stderr);
    wait_until("STOPPING", || said("STOPPING=1"));
    // The children's own notify socket is the agent's alone: one READY.
    let ready = got
        .lock()
        .unwrap()
        .iter()
        .filter(|m| *m == "READY=1")
        .count();
    assert_eq!(ready, 1);
    let events: Vec<serde_json::Value> = support::json_lines(&out.stdout);
    let change = events
        .iter()
        .find(|e| e["event"] == "change")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert_eq!(change["container"], "web-1");
    assert_eq!(change["container_id"], id.as_str());
    assert_eq!(change["condition"], "ENABLED");
    assert_eq!(change["node_id"], 1001);
    assert!(
        events.iter().all(|e| e["container"] == "web-1"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_agent_that_starts_before_the_engine_is_ready_at_once_and_follows_it_once_it_is_up() {
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    let (d, app) = (engine(), App::start(true));
    d.drop_engine();
    let name = format!("peekaboo-docker-early-{}", std::process::id());
    let socket = UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(&name).unwrap()).unwrap();
    let got = datagrams(socket);
    let notify = format!("@{name}");
    let w = agent_env(&f, &d, &[], &[("NOTIFY_SOCKET", notify.as_str())]);
    w.wait_line("Warning: the Docker engine is unreachable");
    // systemd hears READY while the engine is still away: a boot is not held up by it.
    wait_until("READY", || {
        got.lock().unwrap().iter().any(|m| m == "READY=1")
    });
    d.restore_engine();
    w.wait_line("The Docker engine is back after");
    let id = web(&d, "web-1", &app);
    w.wait_line(&format!("{}following it", who("web-1", &id)));
    let out = stop(w);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn the_agents_stop_lets_a_stopped_containers_leave_finish_and_a_second_signal_cuts_its_drain() {
    for second in [false, true] {
        let s = serving(&["-drain-timeout", "50m", "-timeout", "1h"]);
        let (me, w) = (&s.me, &s.w);
        let client = lb_connection(&s.app);
        // At shutdown the engine stops its containers first: the leave is under way.
        s.d.signal(&s.id, 15);
        w.wait_line(&format!(
            "{me}Waiting for connections from the load balancer"
        ));
        w.signal(SIGTERM);
        w.wait_line(
            "SIGTERM: stopping: every node is left as it is, and the containers keep running; 1 container stopped or removed finishes taking its node out first, for up to 1h",
        );
        if second {
            w.signal(SIGTERM);
            w.wait_line("Second SIGTERM: cutting the drains short; the nodes are taken out now");
            w.wait_line(&format!("{me}Second SIGINT: cutting the drain short"));
        } else {
            drop(client);
        }
        w.wait_line(&format!("{me}Final node state: Deleted"));
        // The agent ends by itself once the leave is done.
        let out = s.w.finish();
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stderr.contains("killed"), "{}", out.stderr);
        let seconds = out.stderr.matches("Second SIG").count();
        assert_eq!(seconds, usize::from(second) * 2, "{}", out.stderr);
        assert!(ours(&s.f, s.app.port).is_none());
    }
}

/// The pids of the agent's children (its watches).
fn children(w: &Watching) -> Vec<i32> {
    let path = format!("/proc/{0}/task/{0}/children", w.pid());
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect()
}

/// Whether process `pid` is gone (or a zombie, its exit status all that is left).
fn gone(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status")).map_or(true, |s| {
        s.lines()
            .any(|l| l.starts_with("State:") && l.contains('Z'))
    })
}

#[test]
fn a_watch_takes_signals_from_its_agent_alone_and_lets_go_when_the_agent_dies() {
    let s = serving(&[]);
    let watch = children(&s.w);
    assert_eq!(watch.len(), 1);
    let pid = Pid::from_raw(watch[0]);
    // As systemd's stop of a whole unit, or a kill by hand: not from the agent, so nothing.
    kill(pid, SIGTERM).unwrap();
    kill(pid, SIGUSR1).unwrap();
    // Read (and passed over) before the SIGHUP below, which would otherwise come first.
    wait_read(watch[0] as u32, SIGTERM);
    wait_read(watch[0] as u32, SIGUSR1);
    // Its SIGHUP is the kernel's, as the agent dies: the node is left as it is.
    let agent = Pid::from_raw(s.w.pid() as i32);
    kill(agent, SIGKILL).unwrap();
    s.w.wait_line(&format!(
        "{}SIGHUP: detaching: the node is left as it is",
        s.me
    ));
    wait_until("the watch gone", || gone(watch[0]));
    let log = s.w.log();
    assert!(!log.contains("SIGTERM"), "{log}");
    assert!(!log.contains("SIGUSR1"), "{log}");
    assert_eq!(ours(&s.f, s.app.port).unwrap().condition, "ENABLED");
    assert_eq!(s.f.mutations(), ["POST /loadbalancers/1/nodes"]);
}
