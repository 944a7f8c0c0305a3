//! `-docker`, a container's life: the agent against the fake Docker engine and the fake load
//! balancer API, the real binary with its real children. Each test drives containers through
//! the engine's own event sequences (docker run, stop, kill, a crash, rm -f) and waits for the
//! line that says the agent or a child got there.

use crate::fake;
use crate::support;

use std::time::Duration;

use nix::sys::signal::Signal::SIGTERM;

use fake::docker::{DockerConfig, FakeDocker, Spec};
use fake::{Config, Fake};
use support::watching::{App, Watching, fast, lb_connection, wait_until};
use support::{LB, Out};

/// Another host's node on load balancer 1, serving: a drain is never held off as the last
/// serving node's would be.
pub(super) const OTHER: &str = "10.9.9.9";

/// The fake CLB with load balancer 1 and another host's node on it.
pub(super) fn fake_lb() -> Fake {
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    f.add_node(LB, OTHER, 80, "ENABLED");
    f
}

pub(super) fn engine() -> FakeDocker {
    FakeDocker::new(DockerConfig::default())
}

/// peekaboo -docker on `d`, fast: children probe every 10 ms; `extra` adds flags (one given
/// there replaces its default here), `env` variables.
pub(super) fn agent_env(
    f: &Fake,
    d: &FakeDocker,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Watching {
    let flags = fast(vec!["-docker", "-ip", "127.0.0.1"], &[], extra);
    let host = d.docker_host();
    let mut all = vec![("DOCKER_HOST", host.as_str())];
    all.extend(env);
    Watching::start(f, &flags, &all)
}

pub(super) fn agent(f: &Fake, d: &FakeDocker, extra: &[&str]) -> Watching {
    agent_env(f, d, extra, &[])
}

/// A container of `app` labelled for load balancer `lb`, with a HEALTHCHECK, created (not
/// started).
pub(super) fn spec(name: &str, lb: &str, app: &App) -> Spec {
    let mut spec = Spec::labelled(name, lb).label("peekaboo.port", &app.port.to_string());
    spec.healthcheck = true;
    spec
}

/// `spec` for load balancer 1, created and started (Docker's health `starting`).
pub(super) fn web(d: &FakeDocker, name: &str, app: &App) -> String {
    let id = d.add(spec(name, "1", app));
    d.start(&id);
    id
}

/// SIGTERM to the agent, and what it printed.
pub(super) fn stop(w: Watching) -> Out {
    w.signal(SIGTERM);
    w.finish()
}

/// How each line about container `name` begins.
pub(super) fn who(name: &str, id: &str) -> String {
    format!("{name} ({}): ", &id[..8])
}

/// Our node on load balancer 1 (127.0.0.1 on `port`), as the fake holds it.
pub(super) fn ours(f: &Fake, port: u16) -> Option<fake::Node> {
    f.nodes(LB)
        .into_iter()
        .find(|n| n.address == "127.0.0.1" && n.port == port)
}

/// One healthy container, `web-1` on load balancer 1, followed by an agent with `extra` flags
/// until its node 1001 is ENABLED.
pub(super) struct Serving {
    pub f: Fake,
    pub d: FakeDocker,
    pub app: App,
    pub id: String,
    /// How its lines begin.
    pub me: String,
    pub w: Watching,
}

pub(super) fn serving(extra: &[&str]) -> Serving {
    let (f, d, app) = (fake_lb(), engine(), App::start(true));
    let id = web(&d, "web-1", &app);
    d.set_health(&id, true);
    let w = agent(&f, &d, extra);
    let me = who("web-1", &id);
    w.wait_line(&format!("{me}Load balancer 1: node 1001 is ENABLED"));
    Serving {
        f,
        d,
        app,
        id,
        me,
        w,
    }
}

impl Serving {
    /// Waits for its watch to delete node 1001, stops the agent (exit 0), and checks the
    /// delete was the last change; the fake, for more.
    pub fn deleted(self) -> Fake {
        let Serving { f, app, me, w, .. } = self;
        w.wait_line(&format!("{me}Final node state: Deleted"));
        let out = stop(w);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(ours(&f, app.port).is_none());
        assert_eq!(
            f.mutations().last().unwrap(),
            "DELETE /loadbalancers/1/nodes/1001"
        );
        f
    }
}

/// Every request the agent and its children sent the engine was a GET.
pub(super) fn only_gets(d: &FakeDocker) {
    let requests = d.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert!(r.starts_with("GET /"), "{r}: {requests:?}");
    }
}

#[test]
fn joins_once_docker_says_healthy_drains_when_not_and_docker_stop_takes_it_out() {
    let (f, d, app) = (fake_lb(), engine(), App::start(true));
    let id = web(&d, "web-1", &app);
    let w = agent(&f, &d, &[]);
    let me = who("web-1", &id);
    let follow = w.wait_line("following it");
    assert!(
        follow.ends_with(&format!(
            "{me}following it, health docker (load balancer 1, port {})\n",
            app.port
        )),
        "{follow}"
    );
    // Docker's `starting` is no pass: nothing joins yet.
    w.wait_line(&format!(
        "{me}The app is unhealthy: the probe fails: Docker says it is starting"
    ));
    assert!(ours(&f, app.port).is_none());
    d.set_health(&id, true);
    w.wait_line(&format!(
        "{me}Load balancer 1: node 1001 is ENABLED: healthy"
    ));
    d.set_health(&id, false);
    w.wait_line(&format!(
        "{me}Load balancer 1: node 1001 is DRAINING: unhealthy"
    ));
    d.set_health(&id, true);
    w.wait_line(&format!(
        "{me}Load balancer 1: node 1001 is ENABLED: healthy"
    ));
    d.stop(&id);
    w.wait_line(&format!(
        "{me}docker stop: draining its node at once, then leaving"
    ));
    w.wait_line(&format!("{me}Final node state: Deleted"));
    let out = stop(w);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        f.mutations(),
        [
            "POST /loadbalancers/1/nodes",
            "PUT /loadbalancers/1/nodes/1001",
            "PUT /loadbalancers/1/nodes/1001",
            "PUT /loadbalancers/1/nodes/1001",
            "DELETE /loadbalancers/1/nodes/1001",
        ]
    );
    let nodes = f.nodes(LB);
    assert_eq!(nodes.len(), 1, "only the other host's node is left");
    assert_eq!(nodes[0].address, OTHER);
    only_gets(&d);
}

#[test]
fn docker_stop_drains_at_once_and_the_containers_end_cuts_the_wait_for_connections() {
    let s = serving(&["-drain-timeout", "50m", "-timeout", "1h"]);
    let (me, w) = (&s.me, &s.w);
    let _client = lb_connection(&s.app);
    // docker stop, staged: the stop signal reaches the app, which takes its time to end.
    s.d.signal(&s.id, 15);
    w.wait_line(&format!("{me}docker stop: draining its node at once"));
    w.wait_line(&format!(
        "{me}Waiting for connections from the load balancer"
    ));
    assert_eq!(ours(&s.f, s.app.port).unwrap().condition, "DRAINING");
    s.d.crash(&s.id, 143);
    w.wait_line(&format!(
        "{me}it has exited: no more waiting for its connections"
    ));
    w.wait_line(&format!("{me}Second SIGINT: cutting the drain short"));
    let f = s.deleted();
    assert_eq!(
        f.mutations(),
        [
            "POST /loadbalancers/1/nodes",
            "PUT /loadbalancers/1/nodes/1001",
            "DELETE /loadbalancers/1/nodes/1001",
        ]
    );
}

#[test]
fn docker_stop_of_an_app_that_exits_at_once_still_cuts_the_wait_for_connections() {
    // kill, die and stop in one go: the agent's two signals reach the watch before it has read
    // the first, and must not merge into one (the drain would then wait its 50 minutes).
    let s = serving(&["-drain-timeout", "50m", "-timeout", "1h"]);
    let _client = lb_connection(&s.app);
    s.d.stop(&s.id);
    s.w.wait_line(&format!("{}docker stop: draining its node at once", s.me));
    s.w.wait_line(&format!("{}it has exited", s.me));
    s.deleted();
}

#[test]
fn a_crash_holds_the_same_node_drained_and_the_restart_enables_it_again() {
    let (f, d, app) = (fake_lb(), engine(), App::start(true));
    let mut s = spec("web-1", "1", &app);
    s.restart = "always".into();
    let id = d.add(s);
    d.start(&id);
    d.set_health(&id, true);
    let w = agent(&f, &d, &[]);
    let me = who("web-1", &id);
    w.wait_line(&format!("{me}Load balancer 1: node 1001 is ENABLED"));
    // die, then start at once: the restart policy at work.
    d.crash(&id, 3);
    w.wait_line(&format!(
        "{me}it died without being stopped (exit 3): its node is held DRAINING"
    ));
    w.wait_line(&format!("{me}it runs again: following it afresh"));
    w.wait_line(&format!("{me}SIGHUP: detaching: the node is left as it is"));
    // The fresh watch: Docker says `starting` again, so the node is drained until healthy
    // (by the held watch, or by the fresh one).
    w.wait_line(&format!("{me}Ready: app"));
    w.wait_line(&format!("{me}The app is unhealthy"));
    wait_until("the node drained", || {
        ours(&f, app.port).unwrap().condition == "DRAINING"
    });
    d.set_health(&id, true);
    w.wait_line(&format!(
        "{me}Load balancer 1: node 1001 is ENABLED: healthy"
    ));
    let out = stop(w);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mutations = f.mutations();
    assert_eq!(mutations[0], "POST /loadbalancers/1/nodes");
    assert!(
        mutations[1..]
            .iter()
            .all(|m| m == "PUT /loadbalancers/1/nodes/1001"),
        "the same node, never deleted nor made again: {mutations:?}"
    );
    assert_eq!(ours(&f, app.port).unwrap().condition, "ENABLED");
}

#[test]
fn a_crash_without_restart_is_held_until_the_container_is_removed_then_deleted() {
    let s = serving(&[]);
    let (me, w) = (&s.me, &s.w);
    s.d.crash(&s.id, 1);
    w.wait_line(&format!("{me}it died without being stopped (exit 1)"));
    w.wait_line(&format!("{me}SIGUSR1: holding the node DRAINING"));
    // Held (its failing probe may have drained it first): there while the container is.
    wait_until("the node drained", || {
        ours(&s.f, s.app.port).unwrap().condition == "DRAINING"
    });
    s.d.remove(&s.id);
    w.wait_line(&format!("{me}removed: deleting its node"));
    s.deleted();
}

#[test]
fn rm_f_of_a_running_container_deletes_its_node() {
    let s = serving(&[]);
    // kill 9 (not its stop signal), die 137, destroy.
    s.d.remove(&s.id);
    s.w.wait_line(&format!("{}removed: deleting its node", s.me));
    s.deleted();
}

#[test]
fn with_leave_disable_a_stop_keeps_the_node_disabled_until_the_container_is_removed() {
    let s = serving(&["-leave", "disable"]);
    let (me, w) = (&s.me, &s.w);
    s.d.stop(&s.id);
    w.wait_line(&format!(
        "{me}Load balancer 1: node 1001 is DISABLED: leaving"
    ));
    w.wait_line(&format!("{me}Final node state: {{127.0.0.1 1001"));
    assert_eq!(ours(&s.f, s.app.port).unwrap().condition, "DISABLED");
    s.d.remove(&s.id);
    w.wait_line(&format!(
        "{me}deleting its node (load balancer 1, port {})",
        s.app.port
    ));
    s.deleted();
}

#[test]
fn a_load_balancer_busy_for_long_delays_no_other_containers_join() {
    let f = Fake::start(Config::default());
    let (busy, free) = (f.add_octavia_lb("busy-lb"), f.add_octavia_lb("free-lb"));
    let busy_pool = f.add_pool(&busy, "web-pool", false);
    let free_pool = f.add_pool(&free, "web-pool", false);
    f.add_member(&busy_pool, OTHER, 80);
    f.add_member(&free_pool, OTHER, 80);
    f.hold_lb(&busy, Duration::from_secs(600));
    let (d, a, b) = (engine(), App::start(true), App::start(true));
    let stuck = d.add(spec("stuck", "busy-lb", &a));
    let quick = d.add(spec("quick", "free-lb", &b));
    for id in [&stuck, &quick] {
        d.start(id);
        d.set_health(id, true);
    }
    let os = f.os_env("busy-lb", "DFW3");
    let env: Vec<(&str, &str)> = os.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let w = agent_env(&f, &d, &[], &env);
    // Two children's lines, in either order.
    let ready = format!("{}Ready:", who("stuck", &stuck));
    let joined = format!("{}Load balancer free-lb: node", who("quick", &quick));
    w.wait_lines(&[&ready, &joined]);
    let joined = |pool: &str, port: u16| {
        f.octavia_members(pool)
            .iter()
            .any(|m| m.address == "127.0.0.1" && m.port == port)
    };
    assert!(joined(&free_pool, b.port));
    assert!(!joined(&busy_pool, a.port));
    let out = stop(w);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Let go as they were: the stuck one never joined, the quick one stays.
    wait_until("the agent gone", || d.subscribers() == 0);
    assert!(joined(&free_pool, b.port));
    assert!(!joined(&busy_pool, a.port));
}
