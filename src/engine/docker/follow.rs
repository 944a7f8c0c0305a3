//! What the agent does with what it reads: an engine event, a listing, a child's line or
//! exit, each turned by `core::docker` into what to do to the container's child, and done.

use nix::sys::signal::Signal as Sig;

use crate::core::docker::{Do, Found, Happened, Phase, catch_up, next};
use crate::docker::{Action, State, Summary};
use crate::log;

use super::child::Followed;
use super::{Agent, LOCAL, tell};

impl Agent<'_, '_> {
    /// What a listing says happened to each container, unseen.
    pub(super) fn catch_up(&mut self, listed: &[Summary]) {
        let at_start = self.first;
        for s in listed {
            self.followed
                .entry(s.id.clone())
                .or_insert_with(|| Followed::new(&s.id, &s.name));
            self.caught(&s.id, Some(found(&s.state)), at_start);
        }
        let gone: Vec<String> = self
            .followed
            .keys()
            .filter(|id| !listed.iter().any(|s| s.id == **id))
            .cloned()
            .collect();
        for id in gone {
            self.caught(&id, None, at_start);
        }
    }

    /// Moves container `id` to what a listing `found` of it (None: not listed) means.
    fn caught(&mut self, id: &str, found: Option<Found>, at_start: bool) {
        let Some(f) = self.followed.get_mut(id) else {
            return;
        };
        let before = f.phase;
        let (phase, dos) = catch_up(f.phase, found, at_start);
        f.phase = phase;
        tell::caught_up(f, before);
        self.act(id, dos);
    }

    pub(super) fn read_events(&mut self) {
        let Some(stream) = &mut self.stream else {
            return;
        };
        match stream.read_ready() {
            Ok(events) => {
                for e in events {
                    self.event(&e.id, &e.name, &e.action);
                }
            }
            Err(e) => self.lost(&e),
        }
    }

    /// One event of the engine's, for a labelled container.
    fn event(&mut self, id: &str, name: &str, action: &Action) {
        if matches!(action, Action::Start) {
            self.followed
                .entry(id.to_string())
                .or_insert_with(|| Followed::new(id, name));
        }
        let Some(f) = self.followed.get_mut(id) else {
            return;
        };
        let what = match action {
            Action::Start => Happened::Started,
            Action::Kill { signal } if *signal == f.stop_signal => Happened::StopKill,
            Action::Die { .. } => Happened::Died,
            Action::Destroy => Happened::Destroyed,
            _ => return,
        };
        let before = f.phase;
        let (phase, dos) = next(f.phase, what, self.job.keeps_member);
        f.phase = phase;
        tell::happened(f, before, what, action);
        self.act(id, dos);
        self.status();
    }

    /// After poll said child `id`'s stdout is readable: its events, or its end.
    pub(super) fn read_child(&mut self, id: &str) {
        let Some(f) = self.followed.get_mut(id) else {
            return;
        };
        match f.read() {
            Some(lines) => {
                if self.job.json {
                    for line in lines {
                        let _ = log::stdout_line(&line);
                    }
                }
            }
            None => {
                let ok = f.reap();
                let before = f.phase;
                let (phase, dos) =
                    next(f.phase, Happened::ChildExited { ok }, self.job.keeps_member);
                f.phase = phase;
                tell::child_exited(f, before, ok);
                self.act(id, dos);
            }
        }
        self.status();
    }

    /// Does what was decided for container `id`.
    fn act(&mut self, id: &str, dos: &[Do]) {
        for d in dos {
            let Some(f) = self.followed.get_mut(id) else {
                return;
            };
            match d {
                // The agent's stop starts nothing new; the next agent catches up.
                Do::Spawn | Do::Delete if self.stopping => {}
                Do::Spawn => self.spawn(id),
                Do::Leave => f.signal(Sig::SIGTERM),
                Do::Hurry => f.signal(Sig::SIGINT),
                Do::Hold => f.signal(Sig::SIGUSR1),
                Do::Detach => f.signal(Sig::SIGHUP),
                Do::Delete => self.delete(id),
                Do::Forget => {
                    self.followed.remove(id);
                }
            }
        }
    }

    /// Starts the container's `-watch`, from what it is now; a container whose labels do not
    /// do, or whose load balancer the start found unusable, is left out with one line.
    fn spawn(&mut self, id: &str) {
        let inspected = self.job.engine.inspect(id, LOCAL);
        let Some(f) = self.followed.get_mut(id) else {
            return;
        };
        let plan = inspected.map_err(|e| e.to_string()).and_then(|c| {
            f.stop_signal = c.stop_signal;
            (self.job.plan)(&c)
        });
        let started = plan.and_then(|plan| {
            let unusable = plan
                .lbs()
                .find_map(|lb| self.unusable.iter().find(|(u, _)| u == lb));
            if let Some((_, why)) = unusable {
                return Err(format!("label peekaboo.lb: {why}"));
            }
            tell::following(f, &plan, false);
            f.spawn(&plan.watch, &self.job.docker_host)?;
            f.plan = Some(plan);
            Ok(())
        });
        if let Err(why) = started {
            f.phase = Phase::Idle;
            log::error(&format!("Error: {}: {why}; it is left out", f.shown()));
        }
    }

    /// Starts the one-shot `-delete` of a container's member: as its labels said when it was
    /// followed (it may be gone from the engine by now), else as they say now.
    fn delete(&mut self, id: &str) {
        let Some(f) = self.followed.get_mut(id) else {
            return;
        };
        let plan = match f.plan.take() {
            Some(plan) => Ok(plan),
            None => self
                .job
                .engine
                .inspect(id, LOCAL)
                .map_err(|e| e.to_string())
                .and_then(|c| (self.job.plan)(&c)),
        };
        let started = plan.and_then(|plan| {
            tell::following(f, &plan, true);
            f.spawn(&plan.delete, &self.job.docker_host)
        });
        if let Err(why) = started {
            f.phase = Phase::Idle;
            log::error(&format!(
                "Error: {}: cannot delete its node: {why}",
                f.shown()
            ));
        }
    }
}

fn found(state: &State) -> Found {
    match state {
        State::Running => Found::Running,
        State::Restarting => Found::Restarting,
        State::Exited | State::Dead => Found::Down,
        _ => Found::Other,
    }
}
