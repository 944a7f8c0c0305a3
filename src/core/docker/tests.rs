use super::*;
use Do::*;
use Happened::*;
use Phase::*;

/// The phases a container goes through for `events`, from Idle, and everything done.
fn walk(events: &[Happened], keeps_member: bool) -> (Phase, Vec<Do>) {
    let mut phase = Idle;
    let mut done = Vec::new();
    for e in events {
        let (p, d) = next(phase, *e, keeps_member);
        phase = p;
        done.extend_from_slice(d);
    }
    (phase, done)
}

const OK: Happened = ChildExited { ok: true };
const FAILED: Happened = ChildExited { ok: false };

#[test]
fn the_sequences_a_real_engine_sends() {
    for (what, events, keeps, end, done) in [
        ("docker run", &[Started][..], false, Watching, &[Spawn][..]),
        (
            "docker stop: drain at once, the die cuts the drain, the leave deletes",
            &[Started, StopKill, Died, OK],
            false,
            Idle,
            &[Spawn, Leave, Hurry],
        ),
        (
            "docker stop then rm",
            &[Started, StopKill, Died, OK, Destroyed],
            false,
            Idle,
            &[Spawn, Leave, Hurry, Forget],
        ),
        (
            "docker stop with -leave disable, then rm: the kept member is deleted",
            &[Started, StopKill, Died, OK, Destroyed, OK],
            true,
            Idle,
            &[Spawn, Leave, Hurry, Delete, Forget],
        ),
        (
            "docker stop with -leave disable, rm before its leave ends: deleted after it",
            &[Started, StopKill, Died, Destroyed, OK, OK],
            true,
            Idle,
            &[Spawn, Leave, Hurry, Hurry, Delete, Forget],
        ),
        (
            "rm -f with -leave disable: the leave keeps the member, then it is deleted",
            &[Started, Died, Destroyed, OK, OK],
            true,
            Idle,
            &[Spawn, Hold, Leave, Hurry, Delete, Forget],
        ),
        (
            "a crash: the member is held, not deleted",
            &[Started, Died],
            false,
            Held,
            &[Spawn, Hold],
        ),
        (
            "a crash and a restart: the held child detaches, a fresh one follows",
            &[Started, Died, Started, OK],
            false,
            Watching,
            &[Spawn, Hold, Detach, Spawn],
        ),
        (
            "a crash loop",
            &[Started, Died, Started, OK, Died, Started, OK],
            false,
            Watching,
            &[Spawn, Hold, Detach, Spawn, Hold, Detach, Spawn],
        ),
        (
            "a crash, then rm -f: the held member is deleted",
            &[Started, Died, Destroyed, OK],
            false,
            Idle,
            &[Spawn, Hold, Leave, Hurry, Forget],
        ),
        (
            "rm -f of a running container: kill 9 is no stop, the die a crash, then destroy",
            &[Started, Died, Destroyed, OK],
            false,
            Idle,
            &[Spawn, Hold, Leave, Hurry, Forget],
        ),
        (
            "removed while its held child detached: deleted after",
            &[Started, Died, Started, Destroyed, OK, OK],
            false,
            Idle,
            &[Spawn, Hold, Detach, Delete, Forget],
        ),
        (
            "docker restart: the stop's leave, then a fresh child",
            &[Started, StopKill, Died, Started, OK],
            false,
            Watching,
            &[Spawn, Leave, Hurry, Spawn],
        ),
        (
            "a child that fails (its labels): left out until it starts again",
            &[Started, FAILED],
            false,
            Idle,
            &[Spawn],
        ),
        (
            "a container removed that was never followed",
            &[Destroyed],
            false,
            Idle,
            &[Forget],
        ),
    ] {
        assert_eq!(walk(events, keeps), (end, done.to_vec()), "{what}");
    }
}

#[test]
fn what_comes_twice_or_out_of_turn_does_nothing() {
    for phase in [
        Idle, Watching, Held, Stopping, Renewing, Removing, ThenDelete, Deleting,
    ] {
        for what in [StopKill, Died] {
            let (p, d) = next(phase, what, false);
            if !matches!(
                (phase, what),
                (Watching | Held, StopKill) | (Stopping | Watching, Died)
            ) {
                assert_eq!((p, d), (phase, &[][..]), "{phase:?} {what:?}");
            }
        }
    }
    assert_eq!(next(Watching, Started, false), (Watching, &[][..]));
    assert_eq!(next(Removing, Destroyed, false), (Removing, &[][..]));
}

#[test]
fn a_listing_catches_up_with_what_happened_unseen() {
    for (phase, found, at_start, want) in [
        (Idle, Some(Found::Running), true, (Watching, &[Spawn][..])),
        (Idle, Some(Found::Running), false, (Watching, &[Spawn][..])),
        (
            Idle,
            Some(Found::Restarting),
            true,
            (Held, &[Spawn, Hold][..]),
        ),
        // Stopped while no agent watched: its member is caught up at the agent's start.
        (Idle, Some(Found::Down), true, (Deleting, &[Delete][..])),
        (Idle, Some(Found::Down), false, (Idle, &[][..])),
        (Idle, Some(Found::Other), true, (Idle, &[][..])),
        // The engine was away: what stopped or went meanwhile leaves.
        (
            Watching,
            Some(Found::Down),
            false,
            (Stopping, &[Leave, Hurry][..]),
        ),
        (Held, None, false, (Removing, &[Leave, Hurry][..])),
        (Watching, Some(Found::Running), false, (Watching, &[][..])),
        (Stopping, Some(Found::Down), false, (Stopping, &[][..])),
        (Idle, None, false, (Idle, &[Forget][..])),
    ] {
        assert_eq!(
            catch_up(phase, found, at_start),
            want,
            "{phase:?} {found:?} {at_start}"
        );
    }
}
