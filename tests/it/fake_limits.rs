//! The fake's rate limits follow Rackspace's two published tables (docs/clb-api.md): each verb
//! limited per second and per minute, refused requests not counted, and `Retry-After` saying
//! when the request would be accepted. The limiter is walked through a minute on a clock of its
//! own; one burst over HTTP shows the fake answers with it.

use crate::fake;
use crate::fake_selftest::{call, session};
use fake::limits::{Limiter, retry_after};
use fake::{Config, Fake, Limits};

use std::time::{Duration, Instant};

/// Each table and verb: (per second, per minute), as published.
const TABLES: [(Limits, &str, usize, usize); 8] = [
    (Limits::First, "GET", 10, 600),
    (Limits::First, "POST", 5, 300),
    (Limits::First, "PUT", 10, 600),
    (Limits::First, "DELETE", 5, 300),
    (Limits::Second, "GET", 5, 100),
    (Limits::Second, "POST", 2, 25),
    (Limits::Second, "PUT", 5, 50),
    (Limits::Second, "DELETE", 2, 50),
];

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn each_verb_is_limited_per_second() {
    for (limits, verb, per_second, _) in TABLES {
        let what = format!("{limits:?} {verb}");
        let t0 = Instant::now();
        let mut l = Limiter::default();
        for i in 0..per_second {
            assert_eq!(l.admit(limits, verb, t0), Ok(()), "{what}: request {i}");
        }
        assert_eq!(l.admit(limits, verb, t0), Err(secs(1)), "{what}");
        // Refused requests do not count: the window frees a second after the first burst.
        assert_eq!(l.admit(limits, verb, t0 + ms(400)), Err(ms(600)), "{what}");
        assert_eq!(l.admit(limits, verb, t0 + ms(999)), Err(ms(1)), "{what}");
        assert_eq!(l.admit(limits, verb, t0 + secs(1)), Ok(()), "{what}");
        // Each verb has limits of its own.
        let other = if verb == "GET" { "PUT" } else { "GET" };
        assert_eq!(l.admit(limits, other, t0 + secs(1)), Ok(()), "{what}");
    }
}

#[test]
fn each_verb_is_limited_per_minute() {
    for (limits, verb, per_second, per_minute) in TABLES {
        let what = format!("{limits:?} {verb}");
        let t0 = Instant::now();
        let mut l = Limiter::default();
        // As many as the per-second limit lets through, each whole second, until either the
        // minute's limit is reached or the minute is over.
        let mut accepted = 0;
        let mut second = 0;
        while accepted < per_minute && second < 60 {
            for _ in 0..per_second.min(per_minute - accepted) {
                let now = t0 + secs(second);
                assert_eq!(l.admit(limits, verb, now), Ok(()), "{what} at {second} s");
                accepted += 1;
            }
            second += 1;
        }
        let last = second - 1;
        if per_minute == 60 * per_second {
            // The first table: its per-minute limit is what its per-second one allows anyway.
            assert_eq!((accepted, last), (per_minute, 59), "{what}");
        } else {
            // Full for the minute: the wait is until the first second's requests are a minute
            // old, longer than any per-second wait.
            assert!(last < 59, "{what}");
            let now = t0 + secs(last);
            assert_eq!(l.admit(limits, verb, now), Err(secs(60 - last)), "{what}");
            let now = t0 + secs(last) + ms(500);
            let wait = secs(59 - last) + ms(500);
            assert_eq!(l.admit(limits, verb, now), Err(wait), "{what}");
            let now = t0 + ms(59_900);
            assert_eq!(l.admit(limits, verb, now), Err(ms(100)), "{what}");
        }
        // A minute after the first burst it is out of both windows; the refusals never counted.
        assert_eq!(l.admit(limits, verb, t0 + secs(60)), Ok(()), "{what}");
    }
}

#[test]
fn the_wait_is_the_longest_of_the_full_windows() {
    let t0 = Instant::now();
    let mut l = Limiter::default();
    // The second table's POSTs: 2 a second for 12 s is 24, and 1 more fills the minute.
    for second in 0..12 {
        for _ in 0..2 {
            assert_eq!(l.admit(Limits::Second, "POST", t0 + secs(second)), Ok(()));
        }
    }
    let t = t0 + secs(12);
    assert_eq!(l.admit(Limits::Second, "POST", t), Ok(()));
    assert_eq!(l.admit(Limits::Second, "POST", t), Err(secs(48)));
    // Its GETs at the same time: only the second is full.
    for _ in 0..5 {
        assert_eq!(l.admit(Limits::Second, "GET", t), Ok(()));
    }
    assert_eq!(l.admit(Limits::Second, "GET", t + ms(250)), Err(ms(750)));
}

#[test]
fn retry_after_rounds_up_to_whole_seconds_and_at_least_one() {
    for (wait, seconds) in [
        (Duration::ZERO, 1),
        (ms(1), 1),
        (ms(1000), 1),
        (ms(1001), 2),
        (ms(22_400), 23),
        (secs(41), 41),
    ] {
        assert_eq!(retry_after(wait), seconds, "{wait:?}");
    }
}

/// GETs sent one after another until one is refused: how many got through first, and the
/// refusal. `quick` is whether the first `per_second + 1` of them went out within a second.
fn burst(limits: Limits, per_second: usize) -> (usize, crate::fake_selftest::Reply, bool) {
    let f = Fake::start(Config {
        limits: Some(limits),
        ..Config::default()
    });
    f.add_lb(1, "DFW");
    let (tok, base) = session(&f, "DFW");
    let lb = format!("{base}/loadbalancers/1");
    let start = Instant::now();
    let mut quick = false;
    for accepted in 0..1000 {
        let r = call(&lb, "GET", Some(&tok), None);
        if accepted == per_second {
            quick = start.elapsed() < secs(1);
        }
        if r.status != 200 {
            let told: Vec<u64> = f.requests().iter().filter_map(|r| r.rate_limited).collect();
            assert_eq!((f.rate_limited(), told), (1, vec![1]));
            return (accepted, r, quick);
        }
    }
    panic!("{limits:?}: 1000 GETs in a row and no refusal");
}

#[test]
fn the_fake_refuses_a_burst_with_413_and_retry_after() {
    for (limits, per_second) in [(Limits::First, 10), (Limits::Second, 5)] {
        let (accepted, r, quick) = burst(limits, per_second);
        assert!(accepted >= per_second, "{limits:?}: {accepted} accepted");
        if quick {
            assert_eq!(accepted, per_second, "{limits:?}");
        }
        assert_eq!(r.status, 413, "{limits:?}: {}", r.body);
        assert_eq!(r.header("retry-after"), Some("1"), "{limits:?}");
        assert_eq!(r.json()["overLimit"]["code"], 413, "{limits:?}");
    }
}
