//! How often to look at a load balancer that is busy with changes not ours. In a fleet it is
//! busy because other hosts take their turns, and each turn shows (the `updated` time moves,
//! another node changes): then our turn is near and worth watching for. A load balancer that
//! stays busy with nothing to show (stuck, or held by a long operation) is watched less and
//! less often, toward -interval, so a host does not spend the account's shared GET budget on
//! it for the whole deadline. Pure: the caller reads, this decides.

use std::net::IpAddr;
use std::time::Duration;

use crate::core::model::Member;
use crate::core::plan::find_nodes;

/// What one read of a busy load balancer shows of its progress.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    /// Whatever the service bumps with every change applied (CLB's `updated` time).
    pub updated: Option<String>,
    /// The members other than ours, as `others` leaves them; None when the read left them out.
    pub others: Option<Vec<Member>>,
}

/// Whether anything happened between two reads: a change applied (the `updated` time moved),
/// or another host's node changed, appeared or went. Health checks flipping are not progress.
pub fn progressed(before: &Seen, now: &Seen) -> bool {
    before != now
}

/// Polls that see no progress before slowing down: a normal busy window after a change (1 to 3 s)
/// ends within them, and is still noticed within one base pace.
const GRACE: u32 = 3;
/// How much slower each further poll without progress gets.
const GROWTH: f64 = 1.5;

/// The mean wait before the next look at a busy load balancer, when the last `quiet` reads in
/// a row showed no progress: `base` at first, then growing toward `interval` (never beyond
/// it, unless `base` is already longer, as when the account is crowded).
pub fn busy_pace(base: Duration, interval: Duration, quiet: u32) -> Duration {
    if base >= interval || quiet <= GRACE {
        return base;
    }
    let slower = GROWTH.powi((quiet - GRACE).min(64) as i32);
    base.mul_f64(slower).min(interval)
}

/// The nodes other than ours (every one of ours, duplicates included), as changes leave them:
/// without the health status, which moves by itself.
pub fn others(nodes: &[Member], address: IpAddr, port: u16) -> Vec<Member> {
    let ours: Vec<_> = find_nodes(nodes, address, port)
        .into_iter()
        .map(|n| n.id)
        .collect();
    nodes
        .iter()
        .filter(|n| !ours.contains(&n.id))
        .map(|n| Member {
            status: None,
            ..n.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(id: u64, address: &str, condition: &str, status: &str) -> Member {
        Member {
            status: Some(status.into()),
            weight: Some(1),
            ..Member::sample(id, address, 80, condition)
        }
    }

    #[test]
    fn others_leave_out_our_nodes_and_the_health_status() {
        let me: IpAddr = "10.0.0.1".parse().unwrap();
        let before = vec![
            node(1, "10.0.0.1", "ENABLED", "ONLINE"),
            node(2, "10.0.0.2", "ENABLED", "ONLINE"),
            // A duplicate of ours is ours, not another host's.
            node(4, "::ffff:10.0.0.1", "ENABLED", "ONLINE"),
        ];
        // Our nodes changing, or another's health flipping, is no sign of another change...
        let mut later = before.clone();
        later[0].condition = "DRAINING".into();
        later[2].condition = "DRAINING".into();
        later[1].status = Some("OFFLINE".into());
        assert_eq!(others(&before, me, 80), others(&later, me, 80));
        // ...another node's condition changing, or a node appearing, is.
        later[1].condition = "DRAINING".into();
        assert_ne!(others(&before, me, 80), others(&later, me, 80));
        let mut grown = before.clone();
        grown.push(node(3, "10.0.0.3", "ENABLED", "ONLINE"));
        assert_ne!(others(&before, me, 80), others(&grown, me, 80));
    }

    #[test]
    fn progress_is_a_change_applied_or_another_node_changed() {
        let t = |s: &str| Some(json!({ "time": s }).to_string());
        let a = vec![node(2, "10.0.0.2", "ENABLED", "")];
        let mut b = a.clone();
        b[0].condition = "DRAINING".into();
        let seen = |updated, others: Option<&Vec<Member>>| Seen {
            updated,
            others: others.cloned(),
        };
        let t1 = "2026-12-01T10:00:01Z";
        let t2 = "2026-12-01T10:00:02Z";
        for (before, now, moved) in [
            (seen(t(t1), Some(&a)), seen(t(t1), Some(&a)), false),
            (seen(t(t1), Some(&a)), seen(t(t2), Some(&a)), true),
            (seen(t(t1), Some(&a)), seen(t(t1), Some(&b)), true),
            // A service without `updated`: the nodes alone tell.
            (seen(None, Some(&a)), seen(None, Some(&a)), false),
            (seen(None, Some(&a)), seen(None, Some(&b)), true),
            // The last other node went, and the list with it.
            (seen(t(t1), Some(&a)), seen(t(t1), None), true),
            (seen(None, None), seen(None, None), false),
        ] {
            assert_eq!(progressed(&before, &now), moved, "{before:?} -> {now:?}");
        }
    }

    #[test]
    fn the_pace_slows_toward_interval_only_without_progress() {
        let ms = Duration::from_millis;
        let (base, interval) = (ms(500), ms(5000));
        for (quiet, want) in [
            (0, 500),
            (3, 500),
            (4, 750),
            (5, 1125),
            (8, 3796),
            (9, 5000),
            (1000, 5000),
        ] {
            let got = busy_pace(base, interval, quiet).as_millis();
            assert!(got.abs_diff(want) <= 1, "{quiet}: {got} ms, not {want}");
        }
        // Crowded already past -interval: never faster because of it.
        assert_eq!(busy_pace(ms(8000), interval, 20), ms(8000));
        // Stuck for 20 s at the default -interval: well under 30 looks.
        let (mut t, mut looks) = (Duration::ZERO, 0);
        while t < Duration::from_secs(20) {
            looks += 1;
            t += busy_pace(base, interval, looks);
        }
        assert!(looks <= 15, "{looks} looks in 20 s");
    }
}
