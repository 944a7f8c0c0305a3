//! Waiting, bounded: one deadline for the whole run, jittered exponential backoff between
//! tries, and `Retry-After` in both of its forms. The arithmetic is pure; only `Deadline`
//! reads the clock. (The one wait, which a signal ends, is `host::signal::sleep`.)

use std::time::{Duration, Instant};

mod rfc3339;

pub use rfc3339::{format_rfc3339, parse_rfc3339};

/// One deadline for the whole run, so no wait and no request outlives `-timeout`.
pub struct Deadline {
    end: Instant,
}

impl Deadline {
    pub fn new(limit: Duration) -> Deadline {
        Deadline {
            end: Instant::now() + limit,
        }
    }

    pub fn remaining(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }
}

/// Exponential backoff with "equal jitter": half the step is fixed, half random, so a fleet
/// that failed together does not retry together, yet no wait collapses to nothing.
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
    rng: u64,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration, seed: u64) -> Backoff {
        Backoff {
            base,
            cap,
            attempt: 0,
            rng: seed | 1,
        }
    }

    pub fn next_delay(&mut self) -> Duration {
        let fraction = self.fraction();
        let d = backoff_delay(self.base, self.cap, self.attempt, fraction);
        self.attempt = self.attempt.saturating_add(1);
        d
    }

    /// `d` spread evenly over [d/2, 3d/2): same mean, no two hosts in step.
    pub fn jitter(&mut self, d: Duration) -> Duration {
        d / 2 + d.mul_f64(self.fraction())
    }

    /// A number in [0, 1) from xorshift64: plenty for jitter, and no dependency.
    pub fn fraction(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// The delay before try `attempt` (0-based): `min(cap, base·2^attempt)`, of which the upper
/// half is scaled by `fraction` in [0, 1).
pub fn backoff_delay(base: Duration, cap: Duration, attempt: u32, fraction: f64) -> Duration {
    let step = base.saturating_mul(1u32 << attempt.min(20)).min(cap);
    step / 2 + (step / 2).mul_f64(fraction.clamp(0.0, 1.0))
}

/// A seed that differs between hosts and runs, without a dependency: the clock and the pid.
pub fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// Reads `Retry-After`: delta seconds (`120`) or an HTTP date (`Sat, 13 Jun 2015 22:30:10 GMT`),
/// the latter measured from `now_unix`. A date in the past means "now".
pub fn parse_retry_after(value: &str, now_unix: u64) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(v)?;
    Some(Duration::from_secs(at.saturating_sub(now_unix)))
}

/// IMF-fixdate, the one form HTTP/1.1 servers send: `Sun, 06 Nov 1994 08:49:37 GMT`.
fn parse_http_date(v: &str) -> Option<u64> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as u32 + 1;
    let day: u32 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let year: i64 = year.parse().ok().filter(|y| (1970..=9999).contains(y))?;
    let hms: Vec<u64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days as u64 * 86_400 + h * 3600 + m * 60 + s)
}

/// Parses plain seconds (`5`, `0.5`) or a Go duration (`1m30s`, `250ms`, `1.5h`). No sign.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return decimal_nanos(s, 1_000_000_000).map(nanos_to_duration);
    }
    let mut total: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        total = total.checked_add(decimal_nanos(num, scale)?)?;
        rest = tail;
    }
    Some(nanos_to_duration(total))
}

fn nanos_to_duration(n: u128) -> Duration {
    Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX))
}

/// `digits[.digits]` times `scale`, in whole nanoseconds; None if malformed or absurdly long.
fn decimal_nanos(num: &str, scale: u128) -> Option<u128> {
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if (int.is_empty() && frac.is_empty()) || int.len() > 20 || frac.contains('.') {
        return None;
    }
    let int_val: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut value = int_val.checked_mul(scale)?;
    let mut place = scale;
    for c in frac.chars().take(20) {
        place /= 10;
        value += u128::from(c.to_digit(10)?) * place;
    }
    Some(value)
}

/// `format_duration` of `d` to the nearest second: for how long ago something was.
pub fn format_seconds(d: Duration) -> String {
    format_duration(Duration::from_secs(d.as_secs_f64().round() as u64))
}

/// Formats a duration the way people write it: `250ms`, `1.5s`, `2m`, `1m30s`, `1h`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if ms < 60_000 && !ms.is_multiple_of(1000) {
        let tenths = (ms + 50) / 100;
        return format!("{}.{}s", tenths / 10, tenths % 10);
    }
    let s = d.as_secs();
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out += &format!("{h}h");
    }
    if m > 0 {
        out += &format!("{m}m");
    }
    if s > 0 || out.is_empty() {
        out += &format!("{s}s");
    }
    out
}

/// The inverse: (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let (base, cap) = (100 * MS, 1000 * MS);
        assert_eq!(backoff_delay(base, cap, 0, 0.0), 50 * MS);
        assert_eq!(backoff_delay(base, cap, 0, 1.0), 100 * MS);
        assert_eq!(backoff_delay(base, cap, 2, 0.0), 200 * MS);
        assert_eq!(backoff_delay(base, cap, 3, 0.5), 600 * MS);
        assert_eq!(backoff_delay(base, cap, 4, 1.0), 1000 * MS);
        assert_eq!(backoff_delay(base, cap, 10_000, 1.0), 1000 * MS);
    }

    #[test]
    fn backoff_stays_in_bounds_and_resets() {
        let mut b = Backoff::new(100 * MS, 800 * MS, 42);
        let delays: Vec<Duration> = (0..50).map(|_| b.next_delay()).collect();
        for (i, d) in delays.iter().enumerate() {
            let step = (100 * MS * (1 << i.min(10))).min(800 * MS);
            assert!(*d >= step / 2 && *d <= step, "try {i}: {d:?}");
        }
        assert!(
            delays[20..].windows(2).any(|w| w[0] != w[1]),
            "jitter varies"
        );
        b.reset();
        assert!(b.next_delay() <= 100 * MS);
        let spread: Vec<Duration> = (0..200).map(|_| b.jitter(100 * MS)).collect();
        assert!(spread.iter().all(|d| *d >= 50 * MS && *d < 150 * MS));
        assert!(spread.iter().any(|d| *d < 75 * MS) && spread.iter().any(|d| *d > 125 * MS));
    }

    #[test]
    fn retry_after_in_both_forms() {
        // 2015-06-13T22:30:10Z
        let at = 1_434_234_610;
        assert_eq!(parse_retry_after("7", at), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sat, 13 Jun 2015 22:30:10 GMT", at - 3),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after("Sat, 13 Jun 2015 22:30:10 GMT", at + 60),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "soon",
            "-1",
            "Sat, 13 Jun 2015 25:30:10 GMT",
            "Sat, 13 Foo 2015 22:30:10 GMT",
            "2015-06-13T22:30:10Z",
        ] {
            assert_eq!(parse_retry_after(bad, at), None, "{bad}");
        }
    }

    #[test]
    fn durations() {
        let d = |s| parse_duration(s);
        assert_eq!(d("5"), Some(Duration::from_secs(5)));
        assert_eq!(d("0.25"), Some(Duration::from_millis(250)));
        assert_eq!(d("90s"), Some(Duration::from_secs(90)));
        assert_eq!(d("2m"), Some(Duration::from_secs(120)));
        assert_eq!(d("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(d("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(d("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(d("10us"), Some(Duration::from_micros(10)));
        for bad in [
            "",
            "-5",
            "5x",
            "m",
            "1..5s",
            ".",
            "1s2",
            "99999999999999999999999h",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_print_as_written() {
        let f = |ms| format_duration(Duration::from_millis(ms));
        assert_eq!(f(250), "250ms");
        assert_eq!(f(1500), "1.5s");
        assert_eq!(f(5000), "5s");
        assert_eq!(f(120_000), "2m");
        assert_eq!(f(90_000), "1m30s");
        assert_eq!(f(3_600_000), "1h");
    }
}
