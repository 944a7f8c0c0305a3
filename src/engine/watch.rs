//! Watch mode: stay beside the app until SIGTERM or SIGINT (then leave) or SIGHUP (then
//! detach), probe its health, and keep this host's node on every load balancer where the
//! health says (`core::watch` decides; this file probes, reads, sends and waits). Only the
//! start, the leave and the detach can end it: an outage, a change past -timeout or a refused
//! token is logged and tried again, never an exit.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::core::converge::Converge;
use crate::core::model::{Condition, LbRef, Member};
use crate::core::plan::plan_all;
use crate::core::watch::{Aim, Health, Probed, Track, Why, aim, due, spread};
use crate::engine::events::{Events, Level};
use crate::engine::{Job, LbState, Outcome, Run, Watch};
use crate::error::Error;
use crate::host::notify::Notifier;
use crate::host::signal;
use crate::time::{Backoff, Deadline, format_duration, seed};

mod tell;

/// Checks the app's health once, within the limit given: it passes, fails or cannot tell, and
/// says why. The node's address and port are given for `-health tcp`.
pub type Probe<'p> = dyn FnMut(SocketAddr, Duration) -> Probed + 'p;

/// How a watch ended.
pub enum Ended {
    /// SIGTERM or SIGINT: the leave's outcomes, one per load balancer.
    Left(Vec<Outcome>),
    /// SIGHUP: every node was left as it was, and the one line saying so is written.
    Detached,
}

/// One load balancer as watch mode keeps it.
struct Kept {
    lb: LbState,
    track: Track,
}

pub(super) struct Watcher<'w> {
    pub(super) w: &'w Watch,
    pub(super) events: Events,
    kept: Vec<Kept>,
    health: Health,
    /// Probes made so far that could tell.
    probes: u64,
    held: bool,
    /// For jitter only.
    rng: Backoff,
}

/// Watches until a stop signal, then leaves, or detaches if that signal was SIGHUP. Errs only
/// at the start (configuration, credentials), as a one-shot run would.
pub fn watch(
    cfg: &Job,
    w: &Watch,
    json: bool,
    backend: &mut dyn crate::backend::Backend,
    probe: &mut Probe,
) -> Result<Ended, Error> {
    let mut run = Run::start(cfg, backend)?;
    run.watching = true;
    let now = Instant::now();
    let mut me = Watcher {
        w,
        events: Events::new(
            json,
            Notifier::new(w.notify_socket.as_deref()),
            cfg.container.cloned(),
        ),
        kept: cfg
            .lbs
            .iter()
            .map(|id| Kept {
                lb: LbState::new(id.clone()),
                track: Track {
                    reached: None,
                    next_resync: now,
                    not_before: None,
                },
            })
            .collect(),
        health: Health::new(false),
        probes: 0,
        held: false,
        rng: Backoff::new(w.every, w.every, seed()),
    };
    if let (Some(every), Some(_)) = (w.watchdog, &w.notify_socket) {
        // systemd asks for a ping at half the watchdog interval at the latest.
        let notify = Notifier::new(w.notify_socket.as_deref());
        signal::beat_every(every / 2, Box::new(move || notify.watchdog()));
    }
    log_start(&run, w);
    // A hold sent before the watch began is told like any other.
    me.follow_hold();
    if me.first_reads(&mut run)? {
        me.steady(&mut run, probe);
    }
    // Only a signal ends the watching: the first one read says how it ends.
    if signal::first() == Some(signal::Signal::Hup) {
        me.detach();
        return Ok(Ended::Detached);
    }
    Ok(Ended::Left(me.leave(&mut run)))
}

fn log_start(run: &Run, w: &Watch) {
    let check = match &w.check {
        crate::engine::HealthCheck::Tcp => format!("a TCP connect to {}", run.target()),
        crate::engine::HealthCheck::Http(url) => format!("GET {url}"),
        crate::engine::HealthCheck::Path(path) => format!("GET http://{}{path}", run.target()),
        crate::engine::HealthCheck::Docker { .. } => {
            "Docker's health status of the container".into()
        }
    };
    crate::log::log(&format!(
        "Watching: {check} every {} (limit {}); enabled after {} passes, drained after {} failures; resync every {}",
        format_duration(w.every),
        format_duration(w.probe_timeout),
        w.rise,
        w.fall,
        format_duration(w.resync)
    ));
}

impl Watcher<'_> {
    /// Authenticates and reads each load balancer, until it works or a signal comes (false).
    /// An outage is waited out; what cannot mend (configuration, credentials) ends the run.
    fn first_reads(&mut self, run: &mut Run) -> Result<bool, Error> {
        for i in 0..self.kept.len() {
            loop {
                let deadline = Deadline::new(run.cfg.timing.timeout);
                let result = self.on(run, i, |run| run.drive(&deadline, Run::status_pass));
                match result {
                    Ok(_) => break,
                    Err(Error::Interrupted { .. }) => return Ok(false),
                    Err(e @ Error::Deadline { .. }) => {
                        crate::log::warn(&format!(
                            "Warning: load balancer {}: {e}; still trying",
                            self.kept[i].lb.id
                        ));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let ours: Vec<&Member> = self.kept.iter().flat_map(|k| &k.lb.mine).collect();
        let enabled = !ours.is_empty()
            && self.kept.iter().all(|k| !k.lb.mine.is_empty())
            && ours
                .iter()
                .all(|m| m.condition.is(Condition::Enabled) && !m.in_doubt());
        self.health = Health::new(enabled);
        for i in 0..self.kept.len() {
            self.kept[i].track.next_resync = self.next_resync();
        }
        self.events.notify.ready();
        let status = self.status();
        self.tell(
            Level::Info,
            "ready",
            None,
            &status,
            format!("Ready: {status}"),
        );
        Ok(true)
    }

    /// Probes, reconciles and waits, until a stop signal.
    fn steady(&mut self, run: &mut Run, probe: &mut Probe) {
        let mut next_probe = Instant::now();
        loop {
            if signal::pending().is_some() {
                return;
            }
            self.follow_hold();
            let now = Instant::now();
            if now >= next_probe {
                let result = probe(run.target(), self.w.probe_timeout);
                next_probe = now + spread(self.w.every, self.rng.fraction());
                self.observe(result);
            }
            let aim = aim(self.health.verdict, self.held);
            for i in 0..self.kept.len() {
                // A signal that came during the probe or the last change: no new change now.
                if let Some(why) = due(&self.kept[i].track, aim, Instant::now())
                    && (signal::pending().is_some() || !self.reconcile(run, i, aim, why))
                {
                    return;
                }
            }
            let wake = self
                .kept
                .iter()
                .map(|k| k.track.not_before.unwrap_or(k.track.next_resync))
                .fold(next_probe, Instant::min);
            let nap = wake.saturating_duration_since(Instant::now());
            if signal::nap(nap, true).is_err() {
                return;
            }
        }
    }

    /// Takes each SIGUSR1 and SIGUSR2 read, in order: a flip is told everywhere, a repeat
    /// only in the log.
    fn follow_hold(&mut self) {
        for hold in signal::take_holds() {
            let line = hold_line(self.held, hold);
            if hold == self.held {
                crate::log::log(line);
                continue;
            }
            self.held = hold;
            let kind = if hold { "hold" } else { "release" };
            self.tell(Level::Info, kind, None, line, line.into());
            self.status();
        }
    }

    fn observe(&mut self, probed: Probed) {
        let (rise, fall) = (self.w.rise, self.w.fall);
        let seen = self.health.observe(&probed, rise, fall);
        self.unsure(seen.unsure, &probed);
        if matches!(probed, Probed::Unknown(_)) {
            return;
        }
        let first = self.probes == 0;
        self.probes += 1;
        let Some(verdict) = seen.flip else { return };
        let reason = match &probed {
            Probed::Fail(why) if fall == 1 => format!("the probe fails: {why}"),
            Probed::Fail(why) => format!("{fall} probes in a row fail, the last: {why}"),
            Probed::Pass if first && rise > 1 => {
                "the first probe passes, and the node is ENABLED already: adopted as it is".into()
            }
            Probed::Pass if rise == 1 => "the probe passes".into(),
            _ => format!("{rise} probes in a row pass"),
        };
        let line = format!("The app is {}: {reason}", verdict.as_str());
        self.tell(Level::Info, verdict.as_str(), None, &reason, line);
        self.status();
    }

    /// Brings load balancer `i` to `aim` (or, without one, just reads it). False when a stop
    /// signal came meanwhile: the leave follows.
    fn reconcile(&mut self, run: &mut Run, i: usize, aim: Option<Aim>, why: Why) -> bool {
        let Some(aim) = aim else {
            // Nothing to hold it to yet: the resync is only a look.
            self.kept[i].track.next_resync = self.next_resync();
            return true;
        };
        // A new aim the last read shows reached already (a node adopted as it is) costs no
        // request: whatever changes after that read, the resync finds.
        let k = &self.kept[i];
        if why == Why::Aim
            && k.track.not_before.is_none()
            && k.lb.listings > 0
            && !k.lb.failed_open
            && plan_all(&k.lb.mine, aim.want, &run.cfg.node.attrs).is_empty()
        {
            self.kept[i].track.reached = Some(aim);
            return true;
        }
        let before: Vec<Member> = self.kept[i].lb.mine.clone();
        let was_failing_open = self.kept[i].lb.failed_open;
        let deadline = Deadline::new(run.cfg.timing.timeout);
        let mut step = Converge::default();
        let result = self.on(run, i, |run| {
            run.drive(&deadline, |run, d| {
                run.converge_pass(&mut step, aim.want, aim.fail_open, d)
            })
        });
        let lb = self.kept[i].lb.id.clone();
        match result {
            Ok(_) => {
                let next_resync = self.next_resync();
                let k = &mut self.kept[i];
                k.track.reached = Some(aim);
                k.track.not_before = None;
                k.track.next_resync = next_resync;
                let failed_open = self.kept[i].lb.failed_open;
                let now: Vec<Member> = self.kept[i].lb.mine.clone();
                if failed_open {
                    let others = self.kept[i].lb.others.clone();
                    self.fail_open(&lb, now.first(), &others);
                } else if step.changed {
                    // A drain held back by fail open is no drift when it goes through at last.
                    let why = if was_failing_open { Why::Aim } else { why };
                    self.changed(&lb, &before, &now, why);
                }
                true
            }
            Err(Error::Interrupted { .. }) => false,
            Err(e) => {
                // An outage past -timeout is tried again at the next probe; what will not mend
                // soon (a refused token, a vanished load balancer) at the next resync.
                // A fresh token for the next try: the one refused may be mended by then.
                run.reauthenticated = false;
                let (level, again, at) = match e {
                    Error::Deadline { .. } => (
                        Level::Warning,
                        "at the next probe",
                        Instant::now() + self.w.every,
                    ),
                    _ => (
                        Level::Error,
                        "at the next resync",
                        Instant::now() + self.w.resync,
                    ),
                };
                let k = &mut self.kept[i];
                k.track.not_before = Some(at);
                k.track.next_resync = k.track.next_resync.max(at);
                let line = format!(
                    "load balancer {lb}: {e}; the node is left as it is, trying again {again}"
                );
                self.tell(level, "error", Some(&lb), &e.to_string(), line);
                true
            }
        }
    }

    fn next_resync(&mut self) -> Instant {
        Instant::now() + spread(self.w.resync, self.rng.fraction())
    }

    /// Runs `f` with load balancer `i` as the run's own, and keeps what it learned there.
    pub(super) fn on<T>(&mut self, run: &mut Run, i: usize, f: impl FnOnce(&mut Run) -> T) -> T {
        std::mem::swap(&mut run.lb, &mut self.kept[i].lb);
        let t = f(run);
        std::mem::swap(&mut run.lb, &mut self.kept[i].lb);
        t
    }

    pub(super) fn lb_id(&self, i: usize) -> LbRef {
        self.kept[i].lb.id.clone()
    }

    /// Where our node stands on load balancer `i`, never more than was read.
    pub(super) fn stands(&self, i: usize) -> String {
        self.kept[i].lb.stands()
    }

    pub(super) fn take_lb(&mut self, i: usize) -> LbState {
        let id = self.kept[i].lb.id.clone();
        std::mem::replace(&mut self.kept[i].lb, LbState::new(id))
    }

    pub(super) fn count(&self) -> usize {
        self.kept.len()
    }
}

/// What a SIGUSR1 (`hold`) or a SIGUSR2 read while the node is `held` or not does, in words.
fn hold_line(held: bool, hold: bool) -> &'static str {
    match (held, hold) {
        (false, true) => "SIGUSR1: holding the node DRAINING whatever the probes say",
        (true, false) => "SIGUSR2: released; the probes decide again",
        (true, true) => "SIGUSR1: the node is held already; nothing changes",
        (false, false) => "SIGUSR2: the node is not held; nothing changes",
    }
}

#[cfg(test)]
mod tests {
    use super::hold_line;

    #[test]
    fn a_hold_signal_says_whether_it_changed_anything() {
        let table = [
            (false, true, "SIGUSR1: holding the node DRAINING"),
            (true, false, "SIGUSR2: released"),
            (
                true,
                true,
                "SIGUSR1: the node is held already; nothing changes",
            ),
            (
                false,
                false,
                "SIGUSR2: the node is not held; nothing changes",
            ),
        ];
        for (held, hold, start) in table {
            let line = hold_line(held, hold);
            assert!(line.starts_with(start), "held {held}, hold {hold}: {line}");
        }
    }
}
