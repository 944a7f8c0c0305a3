//! The loop under every wait: run a pass until it is done, waiting between passes as it asks,
//! never past the deadline. A pass returns `Err(Pause)` when it is not done, so passes use `?`
//! on what they call; the pacing of each kind of wait lives here.

use std::time::Duration;

use crate::core::pace::busy_pace;
use crate::engine::{Run, Stale};
use crate::error::Error;
use crate::host::signal::{self, Signal};
use crate::log::{log, warn};
use crate::time::{Backoff, Deadline, format_duration, seed};

/// Why a pass is not done yet, and how to wait before the next one.
#[derive(Debug)]
pub enum Pause {
    /// Go again at once (after re-authenticating, or to re-read after a duplicate).
    Now,
    /// Our change was accepted: poll, from the shortest delay, until it is applied.
    Changed(String),
    /// Not there yet (the load balancer is busy, the app is not up): check again later.
    Poll(String),
    /// The load balancer is busy with another host's change and ours waits its turn: check
    /// again at a pace that leaves the fleet's shared GET budget to the others.
    Blocked(String),
    /// Something failed that may work later: back off.
    Retry(String),
    /// Rate limited: wait this long (or back off if the server did not say).
    RetryAfter(String, Option<Duration>),
    /// Refused once in a way that may be the service's own trouble: try once more after this
    /// pause (no crowding: it says nothing of how busy the account is).
    RetryIn(String, Duration),
    /// Stop: this will not get better.
    Fail(Error),
}

impl From<Error> for Pause {
    fn from(e: Error) -> Pause {
        Pause::Fail(e)
    }
}

impl Run<'_> {
    /// Runs `pass` until it is done, within `deadline`. Polling and error backoff start small
    /// and grow to -interval.
    pub(super) fn drive<T>(
        &mut self,
        deadline: &Deadline,
        mut pass: impl FnMut(&mut Self, &Deadline) -> Result<T, Pause>,
    ) -> Result<T, Error> {
        let interval = self.cfg.timing.interval;
        let base = interval / 8;
        let mut polls = Backoff::new(base, interval, seed());
        let mut errors = Backoff::new(base, interval, seed().rotate_left(17));
        // Only its random numbers are used: for spreading waits that are not backoffs.
        let mut jitter = Backoff::new(base, base, seed().rotate_left(31));
        let mut last_why = None;
        loop {
            let stale_before = self.lb.stale;
            let pause = match pass(self, deadline) {
                Ok(t) => return Ok(t),
                Err(pause) => pause,
            };
            let (why, again, delay) = match pause {
                Pause::Fail(e) => return Err(e),
                Pause::Now => continue,
                Pause::Changed(why) => {
                    polls.reset();
                    (why, "checking again", polls.next_delay())
                }
                Pause::Poll(why) => {
                    errors.reset();
                    (why, "checking again", polls.next_delay())
                }
                Pause::Blocked(why) => {
                    errors.reset();
                    self.crowd = (self.crowd * 0.8).max(1.0);
                    let pace = busy_pace(self.pace(), interval, self.lb.quiet);
                    (why, "checking again", jitter.jitter(pace))
                }
                Pause::Retry(why) => (why, "trying again", errors.next_delay()),
                Pause::RetryIn(why, after) => (why, "trying again", after),
                // A fleet told the same Retry-After must not come back in step: spread it.
                Pause::RetryAfter(why, after) => {
                    self.crowd = (self.crowd * 2.0).min(16.0);
                    let spread = jitter.jitter(self.pace());
                    (why, "trying again", after.unwrap_or_default() + spread)
                }
            };
            if deadline.remaining().is_zero() {
                // A read the deadline itself cut short says nothing of the node: where it
                // stands is what the passes before found.
                if self.lb.stale == Some(Stale::ReadFailed) {
                    self.lb.stale = stale_before;
                }
                // This pass was cut short by the deadline itself; what we were waiting for is
                // what the pass before it found.
                return Err(self.deadline_error(last_why.unwrap_or(why)));
            }
            if deadline.remaining() <= delay {
                // Waiting any longer cannot help: the next try would start after the deadline.
                if let Err(signal) = signal::sleep(delay.min(deadline.remaining())) {
                    return Err(self.interrupted(signal, why));
                }
                return Err(self.deadline_error(why));
            }
            let line = format!(
                "{}; {again} in {}",
                capitalize(&why),
                format_duration(delay)
            );
            // Waiting on a busy load balancer is routine; a failure to retry is worth a look.
            // Watch mode's log is a line per change: the polls within one are left out.
            if again == "trying again" {
                warn(&line);
            } else if !self.watching {
                log(&line);
            }
            if let Err(signal) = signal::sleep(delay.min(deadline.remaining())) {
                return Err(self.interrupted(signal, why));
            }
            last_why = Some(why);
        }
    }

    /// The mean wait for a turn on a busy load balancer: a tenth of -interval (0.5 s by
    /// default) per unit of crowding, at most twice -interval.
    fn pace(&self) -> Duration {
        (self.cfg.timing.interval / 10)
            .mul_f64(self.crowd)
            .min(self.cfg.timing.interval * 2)
    }

    /// A signal ended a wait: what it was for, and where our member stands as far as it was
    /// read.
    pub(super) fn interrupted(&self, signal: Signal, waiting_for: String) -> Error {
        Error::Interrupted {
            signal,
            waiting_for,
            stands: self.lb.stands(),
        }
    }

    /// -timeout passed: what it waited for, and where our member stands as far as it was read.
    pub(super) fn deadline_error(&self, waiting_for: String) -> Error {
        Error::Deadline {
            limit: self.cfg.timing.timeout,
            waiting_for: format!("{waiting_for}; {}", self.lb.stands()),
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
