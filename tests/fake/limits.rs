//! The per-account rate limits in front of the CLB API: each verb limited per second and per
//! minute, over sliding windows, as Rackspace's two published tables say (docs/clb-api.md).
//!
//! Pure: `Limiter::admit` takes the time, so a test can walk a minute without waiting one.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

/// Which of Rackspace's two published tables the fake enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limits {
    /// The API guide's: GET 10/s 600/min, POST 5/s 300/min, PUT 10/s 600/min, DELETE 5/s 300/min.
    First,
    /// The stricter one: GET 5/s 100/min, POST 2/s 25/min, PUT 5/s 50/min, DELETE 2/s 50/min.
    Second,
}

impl Limits {
    /// How many `method` requests are accepted per second and per minute.
    pub fn of(self, method: &str) -> (usize, usize) {
        match (self, method) {
            (Limits::First, "GET" | "PUT") => (10, 600),
            (Limits::First, _) => (5, 300),
            (Limits::Second, "GET") => (5, 100),
            (Limits::Second, "PUT") => (5, 50),
            (Limits::Second, "POST") => (2, 25),
            (Limits::Second, _) => (2, 50),
        }
    }
}

/// The accepted requests of the last minute, per verb, oldest first. Refused ones are not
/// counted: a client that retries too early does not push its own turn further away.
#[derive(Debug, Default)]
pub struct Limiter {
    accepted: BTreeMap<String, VecDeque<Instant>>,
}

impl Limiter {
    /// Counts a `method` request at `now` if `limits` let it through; otherwise says how long
    /// until a slot frees in every full window (the longest of their waits).
    pub fn admit(&mut self, limits: Limits, method: &str, now: Instant) -> Result<(), Duration> {
        let (per_second, per_minute) = limits.of(method);
        let times = self.accepted.entry(method.to_string()).or_default();
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= MINUTE)
        {
            times.pop_front();
        }
        let wait = [(SECOND, per_second), (MINUTE, per_minute)]
            .into_iter()
            .filter_map(|(span, limit)| {
                let inside: Vec<Instant> = times
                    .iter()
                    .copied()
                    .filter(|t| now.saturating_duration_since(*t) < span)
                    .collect();
                // The request that must leave the window before one more fits in it.
                let first_out = inside.len().checked_sub(limit)?;
                Some((inside[first_out] + span).saturating_duration_since(now))
            })
            .max();
        match wait {
            Some(wait) => Err(wait),
            None => {
                times.push_back(now);
                Ok(())
            }
        }
    }
}

/// The `Retry-After` seconds for a wait: rounded up, and at least 1 (0 would invite a spin).
pub fn retry_after(wait: Duration) -> u64 {
    (wait.as_nanos().div_ceil(SECOND.as_nanos()) as u64).max(1)
}
