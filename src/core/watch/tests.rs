use super::*;
use crate::core::model::Said;
use Verdict::*;

/// `+` passes, `-` fails, `?` cannot tell.
fn probed(c: char) -> Probed {
    match c {
        '+' => Probed::Pass,
        '-' => Probed::Fail("refused".into()),
        _ => Probed::Unknown("the engine is restarting".into()),
    }
}

/// Probes as a string (see `probed`). Returns the verdict after each.
fn run(probes: &str, rise: u32, fall: u32, adopt: bool) -> String {
    let mut h = Health::new(adopt);
    probes
        .chars()
        .map(|c| {
            h.observe(&probed(c), rise, fall);
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
        // Probes that cannot tell count toward neither, and break no run.
        ("???", 1, 1, false, "???"),
        ("?+", 1, 1, false, "?U"),
        ("+?+", 2, 3, false, "??U"),
        ("-??-?-", 2, 3, false, "?????D"),
        ("++???", 2, 3, false, "?UUUU"),
        ("++???---", 2, 3, false, "?UUUUUUD"),
        ("---??+?+", 2, 3, false, "??DDDDDU"),
        ("-?-", 1, 1, false, "DDD"),
        // A first pass after some that could not tell still adopts; a failure then
        // still adopts nothing.
        ("??+", 2, 3, true, "??U"),
        ("?-?+", 2, 3, true, "????"),
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
    let mut flip = |c| h.observe(&probed(c), 2, 2).flip;
    assert_eq!(flip('+'), None);
    assert_eq!(flip('+'), Some(Up));
    assert_eq!(flip('+'), None);
    assert_eq!(flip('-'), None);
    assert_eq!(flip('-'), Some(Down));
    assert_eq!(flip('-'), None);
    assert_eq!(flip('?'), None);
}

#[test]
fn a_run_of_probes_that_cannot_tell_is_named_once_as_it_begins_and_as_it_ends() {
    use Unsure::*;
    let table: [(&str, &[Option<Unsure>]); 5] = [
        ("++", &[None, None]),
        ("?", &[Some(Began)]),
        ("???+", &[Some(Began), None, None, Some(Ended(3))]),
        ("+?-", &[None, Some(Began), Some(Ended(1))]),
        (
            "??-??+",
            &[
                Some(Began),
                None,
                Some(Ended(2)),
                Some(Began),
                None,
                Some(Ended(2)),
            ],
        ),
    ];
    for (probes, want) in table {
        let mut h = Health::new(false);
        let got: Vec<Option<Unsure>> = probes
            .chars()
            .map(|c| h.observe(&probed(c), 1, 1).unsure)
            .collect();
        assert_eq!(got, want, "{probes}");
        assert_eq!(h.unsure(), probes.ends_with('?'), "{probes}");
    }
    // The probe that ends the run is counted as any other: here it flips the verdict.
    let mut h = Health::new(false);
    h.observe(&probed('?'), 1, 1);
    let ended = h.observe(&probed('+'), 1, 1);
    assert_eq!(
        ended,
        Observed {
            flip: Some(Up),
            unsure: Some(Ended(1))
        }
    );
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
