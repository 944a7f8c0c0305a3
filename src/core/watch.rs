//! Watch mode's deciding: what the app's health says after each probe, what each load balancer
//! should then hold, and when a load balancer is worth a request. Pure: the engine feeds it
//! probe results, signals and the clock, and does what it says.

use std::time::{Duration, Instant};

use crate::core::model::{Condition, Member, Want};

/// What the probes say of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not enough probes in a row yet either way: nothing is changed.
    Unknown,
    Up,
    Down,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Unknown => "unknown",
            Verdict::Up => "healthy",
            Verdict::Down => "unhealthy",
        }
    }
}

/// What one probe says of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probed {
    Pass,
    /// It fails, and why.
    Fail(String),
    /// It cannot tell, and why: what it asks does not answer now (the Docker engine restarting),
    /// which says nothing of the app.
    Unknown(String),
}

/// What one probe changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// The new verdict, when this probe changed it.
    pub flip: Option<Verdict>,
    /// A run of probes that cannot tell begins or ends.
    pub unsure: Option<Unsure>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsure {
    /// This probe cannot tell, and the one before could.
    Began,
    /// This probe tells again, after this many that could not.
    Ended(u32),
}

/// The health threshold counter: `rise` passes in a row make the app healthy, `fall` failures
/// in a row unhealthy. A probe that cannot tell neither counts nor breaks a run: it is as if
/// it had not been made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    pub verdict: Verdict,
    /// The last telling probe's result and how many in a row gave it.
    streak: Option<(bool, u32)>,
    /// Probes in a row, up to the last, that could not tell.
    unknowns: u32,
    /// The node was ENABLED everywhere at the start: a first pass adopts it as healthy, so a
    /// restart of peekaboo beside a healthy app changes nothing.
    adopt: bool,
}

impl Health {
    pub fn new(adopt: bool) -> Health {
        Health {
            verdict: Verdict::Unknown,
            streak: None,
            unknowns: 0,
            adopt,
        }
    }

    /// Whether the last probe could not tell.
    pub fn unsure(&self) -> bool {
        self.unknowns > 0
    }

    /// One probe's result: whether it changed the verdict, and whether a run of probes that
    /// cannot tell began or ended with it.
    pub fn observe(&mut self, probed: &Probed, rise: u32, fall: u32) -> Observed {
        let pass = match probed {
            Probed::Unknown(_) => {
                self.unknowns = self.unknowns.saturating_add(1);
                let began = (self.unknowns == 1).then_some(Unsure::Began);
                return Observed {
                    flip: None,
                    unsure: began,
                };
            }
            Probed::Pass => true,
            Probed::Fail(_) => false,
        };
        let ended = std::mem::take(&mut self.unknowns);
        Observed {
            flip: self.count(pass, rise, fall),
            unsure: (ended > 0).then_some(Unsure::Ended(ended)),
        }
    }

    /// One telling probe; the new verdict when it changed it.
    fn count(&mut self, pass: bool, rise: u32, fall: u32) -> Option<Verdict> {
        let first = self.streak.is_none();
        let run = match self.streak {
            Some((last, n)) if last == pass => n.saturating_add(1),
            _ => 1,
        };
        self.streak = Some((pass, run));
        let next = match (pass, self.verdict) {
            (true, Verdict::Up) | (false, Verdict::Down) => return None,
            (true, _) if run >= rise || (first && self.adopt) => Verdict::Up,
            (false, _) if run >= fall => Verdict::Down,
            _ => return None,
        };
        self.verdict = next;
        Some(next)
    }
}

/// What a load balancer should hold for this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aim {
    pub want: Want,
    /// Drained for ill health: kept ENABLED instead when it is the last node serving.
    pub fail_open: bool,
}

/// The aim for a verdict and the SIGUSR1 hold; None while the verdict is unknown and nothing
/// is held, when the node stays as it is.
pub fn aim(verdict: Verdict, held: bool) -> Option<Aim> {
    let (want, fail_open) = match (held, verdict) {
        (true, _) => (Want::Drained, false),
        (false, Verdict::Up) => (Want::Present(Condition::Enabled), false),
        (false, Verdict::Down) => (Want::Drained, true),
        (false, Verdict::Unknown) => return None,
    };
    Some(Aim { want, fail_open })
}

/// Whether draining `ours` would leave the load balancer with no node ENABLED and ONLINE:
/// one of ours is ENABLED, and no other node is both. `others` are every member but ours.
pub fn last_serving(ours: &[Member], others: &[Member]) -> bool {
    ours.iter().any(|m| m.condition.is(Condition::Enabled))
        && !others
            .iter()
            .any(|m| m.condition.is(Condition::Enabled) && m.is_online())
}

/// Why a load balancer is worth a request now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The aim changed since it was last reached there (or the last try did not reach it).
    Aim,
    /// Time for the periodic re-read: repair whatever drifted.
    Resync,
}

/// What is known of one load balancer between its reconciles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    /// The aim it was last brought to, and found at.
    pub reached: Option<Aim>,
    pub next_resync: Instant,
    /// Not before this (after a failure that will not mend soon): the next try.
    pub not_before: Option<Instant>,
}

/// Whether load balancer `t` needs a request at `now` for aim `aim`.
pub fn due(t: &Track, aim: Option<Aim>, now: Instant) -> Option<Why> {
    if t.not_before.is_some_and(|nb| now < nb) {
        return None;
    }
    match aim {
        Some(a) if t.reached != Some(a) => Some(Why::Aim),
        _ if now >= t.next_resync => Some(Why::Resync),
        // A failed try is due again once its wait is over, even before a resync.
        Some(_) if t.not_before.is_some() => Some(Why::Aim),
        _ => None,
    }
}

/// `d` spread by ±10 % with `fraction` in [0, 1), so hosts started together drift apart.
pub fn spread(d: Duration, fraction: f64) -> Duration {
    d.mul_f64(0.9 + 0.2 * fraction.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests;
