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

/// The health threshold counter: `rise` passes in a row make the app healthy, `fall` failures
/// in a row unhealthy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    pub verdict: Verdict,
    /// The last probe's result and how many in a row gave it.
    streak: Option<(bool, u32)>,
    /// The node was ENABLED everywhere at the start: a first pass adopts it as healthy, so a
    /// restart of peekaboo beside a healthy app changes nothing.
    adopt: bool,
}

impl Health {
    pub fn new(adopt: bool) -> Health {
        Health {
            verdict: Verdict::Unknown,
            streak: None,
            adopt,
        }
    }

    /// One probe's result; the new verdict when this probe changed it.
    pub fn observe(&mut self, pass: bool, rise: u32, fall: u32) -> Option<Verdict> {
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
mod tests {
    use super::*;
    use crate::core::model::Said;
    use Verdict::*;

    /// Probes as a string: `+` passes, `-` fails. Returns the verdict after each.
    fn run(probes: &str, rise: u32, fall: u32, adopt: bool) -> String {
        let mut h = Health::new(adopt);
        probes
            .chars()
            .map(|c| {
                h.observe(c == '+', rise, fall);
                match h.verdict {
                    Unknown => '?',
                    Up => 'U',
                    Down => 'D',
                }
            })
            .collect()
    }

    #[test]
    fn rise_and_fall_count_probes_in_a_row() {
        let table = [
            // (probes, rise, fall, adopt, verdicts)
            ("++", 2, 3, false, "?U"),
            ("+-+", 2, 3, false, "???"),
            ("+-++", 2, 3, false, "???U"),
            ("---", 2, 3, false, "??D"),
            ("--+--", 2, 3, false, "?????"),
            ("++---", 2, 3, false, "?UUUD"),
            ("++--+--", 2, 3, false, "?UUUUUU"),
            ("++---++", 2, 3, false, "?UUUDDU"),
            ("---+", 2, 3, false, "??DD"),
            ("+", 1, 1, false, "U"),
            ("+-+-", 1, 1, false, "UDUD"),
            // Adopting: a first pass is enough; a first failure adopts nothing.
            ("+", 2, 3, true, "U"),
            ("-+", 2, 3, true, "??"),
            ("-++", 2, 3, true, "??U"),
            ("+--", 2, 3, true, "UUU"),
            ("+---", 2, 3, true, "UUUD"),
        ];
        for (probes, rise, fall, adopt, want) in table {
            assert_eq!(
                run(probes, rise, fall, adopt),
                want,
                "{probes} rise {rise} fall {fall} adopt {adopt}"
            );
        }
    }

    #[test]
    fn observe_names_only_flips() {
        let mut h = Health::new(false);
        assert_eq!(h.observe(true, 2, 2), None);
        assert_eq!(h.observe(true, 2, 2), Some(Up));
        assert_eq!(h.observe(true, 2, 2), None);
        assert_eq!(h.observe(false, 2, 2), None);
        assert_eq!(h.observe(false, 2, 2), Some(Down));
        assert_eq!(h.observe(false, 2, 2), None);
    }

    #[test]
    fn the_hold_wins_and_ill_health_alone_fails_open() {
        let enable = Want::Present(Condition::Enabled);
        let table = [
            (Unknown, false, None),
            (Up, false, Some((enable, false))),
            (Down, false, Some((Want::Drained, true))),
            (Unknown, true, Some((Want::Drained, false))),
            (Up, true, Some((Want::Drained, false))),
            (Down, true, Some((Want::Drained, false))),
        ];
        for (verdict, held, want) in table {
            let got = aim(verdict, held).map(|a| (a.want, a.fail_open));
            assert_eq!(got, want, "{verdict:?} held {held}");
        }
    }

    fn member(id: u64, condition: &str, status: Option<&str>) -> Member {
        Member {
            status: status.map(Said::from),
            ..Member::sample(id, "10.0.0.1", 80, condition)
        }
    }

    #[test]
    fn the_last_node_serving_is_the_last_enabled_and_online() {
        let ours = [member(1, "ENABLED", Some("OFFLINE"))];
        let draining = [member(1, "DRAINING", None)];
        let on = member(2, "ENABLED", Some("ONLINE"));
        let off = member(3, "ENABLED", Some("OFFLINE"));
        let drained = member(4, "DRAINING", Some("ONLINE"));
        let table: [(&[Member], Vec<Member>, bool); 7] = [
            (&ours, vec![], true),
            (&ours, vec![on.clone()], false),
            (&ours, vec![off.clone()], true),
            (&ours, vec![drained.clone()], true),
            (&ours, vec![off, drained, on], false),
            // Not serving already: draining it takes nothing from the pool.
            (&draining, vec![], false),
            (&[], vec![], false),
        ];
        for (i, (ours, others, want)) in table.into_iter().enumerate() {
            assert_eq!(last_serving(ours, &others), want, "row {i}");
        }
    }

    #[test]
    fn a_load_balancer_is_due_for_a_new_aim_a_resync_or_a_retry() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let enable = Some(Aim {
            want: Want::Present(Condition::Enabled),
            fail_open: false,
        });
        let drain = Some(Aim {
            want: Want::Drained,
            fail_open: true,
        });
        let track = |reached, resync: u64, not_before: Option<u64>| Track {
            reached,
            next_resync: t0 + s * resync as u32,
            not_before: not_before.map(|n| t0 + s * n as u32),
        };
        let table = [
            // (track, aim, now in s, due)
            (track(None, 300, None), None, 0, None),
            (track(None, 300, None), None, 300, Some(Why::Resync)),
            (track(None, 300, None), enable, 0, Some(Why::Aim)),
            (track(enable, 300, None), enable, 10, None),
            (track(enable, 300, None), enable, 300, Some(Why::Resync)),
            (track(enable, 300, None), drain, 10, Some(Why::Aim)),
            // After a failure: nothing until its wait is over, then the aim again.
            (track(None, 300, Some(60)), enable, 10, None),
            (track(None, 300, Some(60)), enable, 60, Some(Why::Aim)),
            (track(enable, 300, Some(60)), enable, 60, Some(Why::Aim)),
            (track(None, 30, Some(60)), None, 40, None),
            (track(None, 30, Some(60)), None, 60, Some(Why::Resync)),
        ];
        for (i, (t, aim, now, want)) in table.into_iter().enumerate() {
            assert_eq!(due(&t, aim, t0 + s * now), want, "row {i}");
        }
    }

    #[test]
    fn spreads_stay_within_ten_percent() {
        let d = Duration::from_secs(300);
        assert_eq!(spread(d, 0.0), Duration::from_secs(270));
        assert_eq!(spread(d, 0.5), Duration::from_secs(300));
        assert!(spread(d, 0.999_999) <= Duration::from_secs(330));
        assert_eq!(spread(d, 7.0), Duration::from_secs(330));
    }
}
