use super::*;
use crate::core::model::{Change, Condition::*};

fn member(id: u64, address: &str, condition: &str) -> Member {
    Member::sample(id, address, 80, condition)
}

fn drain(id: u64) -> Action {
    Action::Update(
        id.into(),
        Change {
            condition: Some(Draining),
            ..Change::default()
        },
    )
}

const ENABLE: Want = Want::Present(Enabled);

#[test]
fn reads_before_any_change() {
    let others = || Some(vec![member(2, "10.0.0.2", "ENABLED")]);
    // (active, others came along, want, may skip listing) -> decision
    for (active, others, want, skip, expected) in [
        (
            true,
            others(),
            ENABLE,
            true,
            AfterRead::Decide { applied: false },
        ),
        (true, None, ENABLE, true, AfterRead::DecideUnlisted),
        // Busy with nothing planned yet: decide, and hold the change for its turn.
        (false, None, ENABLE, true, AfterRead::DecideUnlisted),
        (
            false,
            others(),
            ENABLE,
            true,
            AfterRead::Decide { applied: false },
        ),
        // No listing skipped for what a create cannot do, nor under -dry-run.
        (
            true,
            None,
            Want::Absent,
            true,
            AfterRead::Decide { applied: false },
        ),
        (
            true,
            None,
            Want::Drained,
            true,
            AfterRead::Decide { applied: false },
        ),
        (
            true,
            None,
            ENABLE,
            false,
            AfterRead::Decide { applied: false },
        ),
    ] {
        let mut c = Converge::default();
        assert_eq!(c.after_read(active, others, want, skip), expected);
        assert_eq!(c.unlisted, expected == AfterRead::DecideUnlisted);
    }
}

#[test]
fn a_change_waiting_for_its_turn_is_sent_as_decided_once_active() {
    let mut c = Converge::default();
    c.hold(drain(1));
    assert_eq!(c.after_read(false, None, ENABLE, true), AfterRead::WaitTurn);
    assert_eq!(
        c.after_read(false, Some(vec![]), ENABLE, true),
        AfterRead::WaitTurn
    );
    assert_eq!(
        c.after_read(true, None, ENABLE, true),
        AfterRead::Send(drain(1))
    );
    assert_eq!(c.planned, None);
    // Refused as busy after all: held again.
    assert_eq!(c.after_send(&drain(1), Answer::Busy), AfterSend::WaitTurn);
    assert_eq!(c.planned, Some(drain(1)));
}

#[test]
fn after_our_change_another_hosts_change_means_ours_is_applied() {
    let mut c = Converge::default();
    assert_eq!(
        c.after_send(&drain(1), Answer::Accepted),
        AfterSend::Accepted
    );
    let quiet = vec![member(2, "10.0.0.2", "ENABLED")];
    let moved = vec![member(2, "10.0.0.2", "DRAINING")];
    // Busy, no members in the read: nothing to compare, look again.
    assert_eq!(c.after_read(false, None, ENABLE, true), AfterRead::Applying);
    // The first look with members is the baseline...
    assert_eq!(
        c.after_read(false, Some(quiet.clone()), ENABLE, true),
        AfterRead::Applying
    );
    assert_eq!(
        c.after_read(false, Some(quiet.clone()), ENABLE, true),
        AfterRead::Applying
    );
    // ...and another member changing after it means the load balancer moved on.
    assert_eq!(
        c.after_read(false, Some(moved), ENABLE, true),
        AfterRead::Decide { applied: true }
    );
    // Our next change takes a new baseline.
    c.after_send(&drain(3), Answer::Accepted);
    assert_eq!(c.seen_after_change, None);
    // ACTIVE again: decide from the members.
    assert_eq!(
        c.after_read(true, Some(quiet), ENABLE, true),
        AfterRead::Decide { applied: false }
    );
}

#[test]
fn answers_to_a_change() {
    let create = Action::Create(Enabled, Attrs::default());
    for (action, unlisted, answer, expected, must_list) in [
        (drain(1), false, Answer::Gone, AfterSend::Relist, false),
        (
            create.clone(),
            false,
            Answer::Gone,
            AfterSend::Trouble,
            false,
        ),
        (
            create.clone(),
            false,
            Answer::Duplicate,
            AfterSend::Relist,
            true,
        ),
        (
            create.clone(),
            true,
            Answer::Refused,
            AfterSend::Relist,
            true,
        ),
        (
            create.clone(),
            false,
            Answer::Refused,
            AfterSend::Trouble,
            false,
        ),
        (drain(1), false, Answer::Other, AfterSend::Trouble, false),
        (
            create.clone(),
            false,
            Answer::Accepted,
            AfterSend::Accepted,
            true,
        ),
        (
            drain(1),
            false,
            Answer::Accepted,
            AfterSend::Accepted,
            false,
        ),
    ] {
        let mut c = Converge {
            unlisted,
            ..Converge::default()
        };
        assert_eq!(
            c.after_send(&action, answer.clone()),
            expected,
            "{answer:?}"
        );
        assert_eq!(c.must_list, must_list, "{action:?} {answer:?}");
    }
}

#[test]
fn a_change_accepted_but_never_applied_stops_after_three_sends() {
    let ours = vec![member(1, "10.0.0.1", "ENABLED")];
    let want = Want::Present(Draining);
    let mut c = Converge::default();
    // Three sends accepted, each found not applied: the fourth decision stops.
    for send in 1..=3 {
        assert_eq!(
            c.decide(true, &ours, want, &Attrs::default()),
            Ok(drain(1)),
            "{send}"
        );
        c.after_send(&drain(1), Answer::Accepted);
    }
    assert_eq!(c.decide(true, &ours, want, &Attrs::default()), Err(3));
    // Applied at last: nothing to do, and the count starts afresh.
    let mut c = Converge::default();
    c.after_send(&drain(1), Answer::Accepted);
    let done = vec![member(1, "10.0.0.1", "DRAINING")];
    assert_eq!(
        c.decide(true, &done, want, &Attrs::default()),
        Ok(Action::Nothing)
    );
    assert_eq!(c.unapplied, 0);
    // While busy, a listing that asks again is not evidence: the change may be pending.
    let mut c = Converge::default();
    c.after_send(&drain(1), Answer::Accepted);
    for _ in 0..5 {
        assert_eq!(
            c.decide(false, &ours, want, &Attrs::default()),
            Ok(drain(1))
        );
    }
}

#[test]
fn what_a_run_did() {
    let create = Action::Create(Enabled, Attrs::default());
    assert_eq!(Did::Unchanged.after(&create), Did::Created);
    assert_eq!(Did::Created.after(&drain(1)), Did::Created);
    assert_eq!(Did::Unchanged.after(&drain(1)), Did::Updated);
    assert_eq!(Did::Updated.after(&Action::Delete(1.into())), Did::Deleted);
    assert_eq!(Did::would(&create), Did::WouldCreate);
    assert_eq!(Did::would(&Action::Nothing), Did::Unchanged);
}

#[test]
fn a_change_asked_for_again_counts_as_not_applied() {
    let other = drain(5);
    let drain = drain(4);
    for (count, last, now, want) in [
        (0, Some(drain.clone()), drain.clone(), 1),
        (2, Some(drain.clone()), drain.clone(), 3),
        // Another node next (a duplicate), or nothing left to do: progress.
        (2, Some(drain.clone()), other, 0),
        (2, Some(drain.clone()), Action::Nothing, 0),
        (1, None, drain, 0),
        (
            0,
            Some(Action::Delete(4.into())),
            Action::Delete(4.into()),
            1,
        ),
    ] {
        assert_eq!(
            unapplied(count, last.as_ref(), &now),
            want,
            "{count} {last:?} {now:?}"
        );
    }
}

#[test]
fn a_member_that_fails_after_our_change_is_ours_to_report() {
    let accepted = |c: &mut Converge, a: Action| c.after_send(&a, Answer::Accepted);
    let mut c = Converge::default();
    let m = member(7, "10.0.0.1", "ENABLED");
    assert!(
        !c.failed_us(&m),
        "not changed by this step: a change is due"
    );
    accepted(&mut c, drain(8));
    assert!(!c.failed_us(&m), "another member was changed, not this one");
    accepted(&mut c, drain(7));
    assert!(c.failed_us(&m));
    assert_eq!(c.touched, vec![MemberId::from(8), MemberId::from(7)]);
    let mut c = Converge::default();
    c.after_send(&drain(7), Answer::Busy);
    assert!(!c.failed_us(&m), "a refused change did not touch it");
    accepted(&mut c, Action::Create(Enabled, Attrs::default()));
    assert!(
        c.failed_us(&m),
        "after a create, any of ours failing is the new one"
    );
}
