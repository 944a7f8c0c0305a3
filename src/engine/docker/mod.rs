//! Docker mode: the agent follows the local Docker engine and keeps one `peekaboo -watch` child
//! per labelled container, so one container's trouble (its load balancer busy for minutes,
//! its health check hanging) never delays another's join or drain. `core::docker` decides what
//! each event means for a child; this module reads the engine, starts, signals and reaps the
//! children (`child.rs`), and tells. The agent never changes a member itself, and sends the
//! engine nothing but GETs.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal as Sig;

use crate::core::model::Condition;
use crate::docker::{Container, DockerError, Engine, EventStream, State, Summary};
use crate::engine::{Job, Run};
use crate::error::Error;
use crate::host::notify::Notifier;
use crate::host::signal;
use crate::log;
use crate::time::{format_duration, format_seconds};

use child::Followed;

mod check;
mod child;
mod follow;
mod tell;

/// How long one request to the local engine may take.
const LOCAL: Duration = Duration::from_secs(5);
/// The longest pause between tries to reach an engine that went away.
const LONGEST_PAUSE: Duration = Duration::from_secs(30);

/// What the agent is given, besides the run's job.
pub struct DockerJob<'a> {
    pub engine: Engine,
    /// DOCKER_HOST as each child gets it.
    pub docker_host: String,
    /// `-leave disable`: a child's leave keeps the member, so a removal deletes it after.
    pub keeps_member: bool,
    pub json: bool,
    pub notify: Notifier,
    /// What a container's labels make of it, or why they do not do.
    pub plan: &'a dyn Fn(&Container) -> Result<Plan, String>,
    /// How long the agent's own stop waits for its children to let go.
    pub grace: Duration,
}

/// What a container's labels make of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Its member's load balancer and port.
    pub lb: String,
    pub port: u16,
    /// Its health check, as `-health` says it.
    pub health: String,
    /// The command line of the `peekaboo -watch` that follows it.
    pub watch: Vec<String>,
    /// The command line of the one-shot `peekaboo -delete` that removes its member.
    pub delete: Vec<String>,
}

impl Plan {
    /// Each load balancer `peekaboo.lb` names (a comma-separated list, as `-lb` takes).
    pub fn lbs(&self) -> impl Iterator<Item = &str> {
        self.lb
            .split(',')
            .map(str::trim)
            .filter(|lb| !lb.is_empty())
    }
}

/// The engine went away: since when, and when to knock again.
struct Away {
    since: Instant,
    next: Instant,
    pause: Duration,
}

pub(super) struct Agent<'a, 'r> {
    job: &'a DockerJob<'a>,
    run: Run<'r>,
    followed: BTreeMap<String, Followed>,
    stream: Option<EventStream>,
    away: Option<Away>,
    /// The first listing is yet to come: it checks the load balancers and catches up with
    /// what stopped while no agent watched.
    first: bool,
    /// Load balancers the check found unusable, with why: their containers are left out of
    /// the first catch-up.
    unusable: Vec<(String, String)>,
    /// The agent's own stop has begun: no child is started any more.
    stopping: bool,
}

/// Follows the engine until SIGTERM or SIGINT, then lets every child go, leaving each member
/// as it is. Errs only at the start: credentials refused, an engine too old.
pub fn docker(
    cfg: &Job,
    job: &DockerJob,
    backend: &mut dyn crate::backend::Backend,
) -> Result<(), Error> {
    let run = Run::start(cfg, backend)?;
    let mut agent = Agent {
        job,
        run,
        followed: BTreeMap::new(),
        stream: None,
        away: None,
        first: true,
        unusable: Vec::new(),
        stopping: false,
    };
    log::log(&format!(
        "Following the Docker engine at {}: one node per container labelled peekaboo.lb",
        job.docker_host
    ));
    agent.connect()?;
    // Ready whether the engine answered or not: a unit ordered before docker.service must be
    // started for the engine to start at all.
    job.notify.ready();
    agent.status();
    loop {
        if let Some(s) = signal::pending() {
            agent.stop(s.name());
            return Ok(());
        }
        agent.wait_and_read();
        if agent
            .away
            .as_ref()
            .is_some_and(|a| Instant::now() >= a.next)
        {
            agent.connect()?;
        }
    }
}

impl Agent<'_, '_> {
    /// Reaches the engine: its version, the labelled containers, the event stream. The first
    /// time, the load balancers are checked too. An engine away is waited for, never an exit.
    fn connect(&mut self) -> Result<(), Error> {
        let engine = &self.job.engine;
        // The stream first: a container that starts while the listing is read is then in one
        // or the other, or both (a start seen twice is followed once).
        let reached = engine.version(LOCAL).and_then(|_| {
            let stream = engine.events(None, LOCAL)?;
            let listed = engine.labelled(LOCAL)?;
            Ok((listed, stream))
        });
        let (listed, stream) = match reached {
            Ok(r) => r,
            // Waiting changes neither.
            Err(e @ (DockerError::TooOld(_) | DockerError::Denied(_))) => {
                return Err(Error::Config(e.to_string()));
            }
            Err(e) => {
                self.lost(&e);
                return Ok(());
            }
        };
        if let Some(away) = self.away.take() {
            log::log(&format!(
                "The Docker engine is back after {}: catching up with what happened meanwhile",
                format_seconds(away.since.elapsed())
            ));
        }
        self.stream = Some(stream);
        if self.first {
            self.check(&listed)?;
        }
        self.catch_up(&listed);
        self.first = false;
        self.unusable.clear();
        self.status();
        Ok(())
    }

    /// Says once that the engine went away, and when to knock again.
    fn lost(&mut self, why: &DockerError) {
        self.stream = None;
        let now = Instant::now();
        match &mut self.away {
            None => {
                log::warn(&format!(
                    "Warning: {why}: every node stays as it is; trying again until it answers"
                ));
                self.away = Some(Away {
                    since: now,
                    next: now + Duration::from_secs(1),
                    pause: Duration::from_secs(1),
                });
            }
            Some(a) => {
                a.pause = (a.pause * 2).min(LONGEST_PAUSE);
                a.next = now + a.pause;
            }
        }
    }

    /// The labelled containers, inspected for their load balancer and port, checked against
    /// the load balancers (credentials, load balancers that do not exist, members no
    /// container claims).
    fn check(&mut self, listed: &[Summary]) -> Result<(), Error> {
        let mut claims: BTreeMap<String, Vec<(u16, String)>> = BTreeMap::new();
        for s in listed.iter().filter(|s| s.state == State::Running) {
            let Ok(c) = self.job.engine.inspect(&s.id, LOCAL) else {
                continue;
            };
            let Ok(plan) = (self.job.plan)(&c) else {
                continue;
            };
            let shown = crate::engine::job::tag(&c.name, &c.id);
            for lb in plan.lbs() {
                claims
                    .entry(lb.to_string())
                    .or_default()
                    .push((plan.port, shown.clone()));
            }
        }
        self.unusable = check::check(&mut self.run, &claims)?;
        Ok(())
    }

    /// Waits for an event, a child's line or exit, or a signal; handles what came.
    fn wait_and_read(&mut self) {
        let now = Instant::now();
        let mut timeout = match &self.away {
            Some(a) => a.next.saturating_duration_since(now),
            None => Duration::from_secs(3600),
        };
        // systemd's watchdog, fed from this wait as from every other.
        if let Some(beat) = signal::beat() {
            timeout = timeout.min(beat.saturating_duration_since(now));
        }
        let ids: Vec<String> = self
            .followed
            .iter()
            .filter(|(_, f)| f.stdout().is_some())
            .map(|(id, _)| id.clone())
            .collect();
        let (stream_ready, children_ready) = {
            let mut fds: Vec<PollFd> = Vec::new();
            if let Some(fd) = signal::fd() {
                fds.push(PollFd::new(fd, PollFlags::POLLIN));
            }
            let stream_at = fds.len();
            if let Some(s) = &self.stream {
                fds.push(PollFd::new(s.as_fd(), PollFlags::POLLIN));
            }
            let children_at = fds.len();
            for id in &ids {
                if let Some(fd) = self.followed.get(id).and_then(Followed::stdout) {
                    fds.push(PollFd::new(fd, PollFlags::POLLIN));
                }
            }
            let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
            let _ = poll(
                &mut fds,
                PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
            );
            let ready = |fd: &PollFd| fd.any().unwrap_or(false);
            let stream_ready = self.stream.is_some() && ready(&fds[stream_at]);
            let children: Vec<bool> = fds[children_at..].iter().map(ready).collect();
            (stream_ready, children)
        };
        if stream_ready {
            self.read_events();
        }
        for (id, ready) in ids.iter().zip(children_ready) {
            if ready {
                self.read_child(id);
            }
        }
    }

    /// SIGTERM or SIGINT: every child watching lets go of its container, leaving the member
    /// as it is; a child already taking its member out (its container stopped or removed, as
    /// when the engine stops before the agent at shutdown) finishes, within -timeout. A second
    /// signal cuts their drains short.
    fn stop(&mut self, by: &str) {
        self.job.notify.stopping();
        self.stopping = true;
        // What the engine says from now on is for the next agent to catch up with.
        self.stream = None;
        let leaving = self
            .followed
            .values()
            .filter(|f| f.child.is_some() && f.leaving())
            .count();
        let within = format_duration(self.job.grace);
        let finishing = match leaving {
            0 => String::new(),
            1 => format!(
                "; 1 container stopped or removed finishes taking its node out first, for up to {within}"
            ),
            n => format!(
                "; {n} containers stopped or removed finish taking their nodes out first, for up to {within}"
            ),
        };
        log::log(&format!(
            "{by}: stopping: every node is left as it is, and the containers keep running{finishing}"
        ));
        for f in self.followed.values().filter(|f| !f.leaving()) {
            f.signal(Sig::SIGHUP);
        }
        // Only a second signal ends the waits of the leaves under way.
        signal::let_through(1);
        let until = Instant::now() + self.job.grace;
        while self.followed.values().any(|f| f.child.is_some()) && Instant::now() < until {
            if let Some(s) = signal::pending() {
                signal::let_through(2);
                log::log(&format!(
                    "Second {}: cutting the drains short; the nodes are taken out now",
                    s.name()
                ));
                // SIGINT: their second stop signal (the first was a SIGTERM).
                for f in self.followed.values().filter(|f| f.leaving()) {
                    f.signal(Sig::SIGINT);
                }
            }
            self.wait_and_read();
        }
        for f in self.followed.values_mut() {
            if f.child.is_some() {
                log::error(&format!(
                    "Error: {}: its peekaboo did not end within {}: killed",
                    f.shown(),
                    format_duration(self.job.grace)
                ));
                f.signal(Sig::SIGKILL);
                f.reap();
            }
        }
    }

    /// systemd's status line: how many containers are followed, and how many serve.
    fn status(&self) {
        let followed = self.followed.values().filter(|f| f.child.is_some()).count();
        let serving = self
            .followed
            .values()
            .filter(|f| f.child.is_some() && f.condition == Some(Condition::Enabled))
            .count();
        self.job.notify.status(&format!(
            "following {followed} containers, {serving} serving"
        ));
    }
}
