//! The fleet decisions of one converge step, apart from the requests: after each read of the
//! load balancer, after each listing and after each change sent, what to do next. The engine
//! reads and sends; `Converge` remembers what this step did and decides.
//!
//! - While the load balancer is busy with our change, a look costs one read; once another
//!   host's change has started after ours, ours was applied (it takes one at a time).
//! - A change decided while it was busy waits for its turn and is sent as decided, without
//!   listing again (the API refuses it if it went stale, and then we list).
//! - On a load balancer that came without members, a create needs no listing: the API refuses
//!   a duplicate, and any refusal sends us back to listing.
//! - A change accepted but found not applied, again and again on an ACTIVE load balancer, is
//!   swallowed by something between us and the service: after `UNAPPLIED_LIMIT` sends, stop.

use crate::core::model::{Action, Attrs, Member, Want};
use crate::core::plan::{plan_each, unapplied};

/// Accepted-but-never-applied sends of one change before giving up: something between us
/// and the service (a proxy) answers for it, and sending it again will not mend that.
pub const UNAPPLIED_LIMIT: u32 = 3;

/// What one converge step has done so far. A new step starts from `default()`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Converge {
    /// Whether this step sent a change (so it must wait for the load balancer to apply it).
    pub changed: bool,
    /// The change decided while the load balancer was busy, waiting for its turn.
    pub planned: Option<Action>,
    /// The members other than ours as first seen after our last change, while it was busy.
    pub seen_after_change: Option<Vec<Member>>,
    /// The create being tried was decided without a listing.
    pub unlisted: bool,
    /// A create without a listing was refused, or one was accepted: list before deciding.
    pub must_list: bool,
    /// The last change accepted, and how many times in a row a listing on an ACTIVE load
    /// balancer asked for that very change again.
    pub last_sent: Option<Action>,
    pub unapplied: u32,
}

/// What a read of the load balancer says to do.
#[derive(Clone, Debug, PartialEq)]
pub enum AfterRead {
    /// Our change is still being applied: look again.
    Applying,
    /// A change waits for its turn: look again, at the pace of a waiting fleet.
    WaitTurn,
    /// Send this change, decided before, without listing again.
    Send(Action),
    /// Decide from the members: those that came with the read, else a listing. `applied`: ours
    /// was applied, since another host's change has started (worth a line in the log).
    Decide { applied: bool },
    /// Decide without a listing: the read came without members, and only a create can follow.
    DecideUnlisted,
}

/// What the answer to a change says to do.
#[derive(Clone, Debug, PartialEq)]
pub enum AfterSend {
    /// Accepted: wait until it is applied.
    Accepted,
    /// Look again at once: the member went away, or exists already (`duplicate`), or the
    /// unlisted create was refused (`refused`): the next decision lists.
    Relist,
    /// Another change got in first: ours waits its turn, as decided.
    WaitTurn,
    /// Anything else: for the engine's error handling.
    Trouble,
}

/// The answer to a change, as far as the decision goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Accepted,
    /// 404 on the member.
    Gone,
    /// The load balancer is busy.
    Busy,
    /// The member exists already.
    Duplicate,
    /// Refused for good (validation, a limit).
    Refused,
    /// Anything else (transport, 5xx, rate limit, 401).
    Other,
}

impl Converge {
    /// After reading the load balancer: `active` whether it takes a change now, `others` the
    /// members other than ours if the read carried members, `may_skip_listing` false where a
    /// listing is always wanted (-dry-run).
    pub fn after_read(
        &mut self,
        active: bool,
        others: Option<Vec<Member>>,
        want: Want,
        may_skip_listing: bool,
    ) -> AfterRead {
        let came_with_members = others.is_some();
        let mut applied = false;
        if !active && self.changed {
            match (&self.seen_after_change, others) {
                (Some(before), Some(now)) if *before != now => applied = true,
                (None, now @ Some(_)) => {
                    self.seen_after_change = now;
                    return AfterRead::Applying;
                }
                _ => return AfterRead::Applying,
            }
        }
        if !active && self.planned.is_some() {
            return AfterRead::WaitTurn;
        }
        if let Some(action) = self.planned.take() {
            return AfterRead::Send(action);
        }
        // Only a create may go without a listing: the API refuses a duplicate, but nothing
        // guards an update or a delete.
        if !came_with_members
            && matches!(want, Want::Present(_))
            && !self.must_list
            && may_skip_listing
        {
            self.unlisted = true;
            return AfterRead::DecideUnlisted;
        }
        self.unlisted = false;
        AfterRead::Decide { applied }
    }

    /// Decides from our members (none: `DecideUnlisted`). Err(count) once the same change was
    /// accepted and found not applied `UNAPPLIED_LIMIT` times on an ACTIVE load balancer.
    pub fn decide(
        &mut self,
        active: bool,
        ours: &[Member],
        want: Want,
        attrs: Attrs,
    ) -> Result<Action, u32> {
        let action = plan_each(ours, want, attrs);
        if active && self.changed && !self.unlisted {
            self.unapplied = unapplied(self.unapplied, self.last_sent.as_ref(), &action);
            if self.unapplied >= UNAPPLIED_LIMIT {
                return Err(self.unapplied);
            }
        }
        Ok(action)
    }

    /// A change decided while the load balancer is busy: kept for its turn.
    pub fn hold(&mut self, action: Action) {
        self.planned = Some(action);
    }

    /// After the answer to `action`.
    pub fn after_send(&mut self, action: &Action, answer: Answer) -> AfterSend {
        match answer {
            Answer::Accepted => {
                self.changed = true;
                self.last_sent = Some(action.clone());
                // What the others look like after this change, not an earlier one of ours.
                self.seen_after_change = None;
                // Whether a create landed is for a listing to say: a read without members does
                // not prove it absent, and a swallowed create must be noticed.
                self.must_list |= matches!(action, Action::Create(..));
                AfterSend::Accepted
            }
            Answer::Gone if matches!(action, Action::Update(..) | Action::Delete(_)) => {
                AfterSend::Relist
            }
            Answer::Busy => {
                self.planned = Some(action.clone());
                AfterSend::WaitTurn
            }
            Answer::Duplicate => {
                self.must_list = true;
                AfterSend::Relist
            }
            // The member limit, say, says nothing about a member that is there already: look.
            Answer::Refused if self.unlisted => {
                self.must_list = true;
                AfterSend::Relist
            }
            _ => AfterSend::Trouble,
        }
    }
}

/// What was done on one load balancer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Did {
    Unchanged,
    Created,
    Updated,
    Deleted,
    WouldCreate,
    WouldUpdate,
    WouldDelete,
}

impl Did {
    /// The stable names of `-json`'s `action` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Did::Unchanged => "unchanged",
            Did::Created => "created",
            Did::Updated => "updated",
            Did::Deleted => "deleted",
            Did::WouldCreate => "would_create",
            Did::WouldUpdate => "would_update",
            Did::WouldDelete => "would_delete",
        }
    }

    /// After `action` was accepted: a run that created the member reports `created` even if
    /// it then updated it; a delete reports `deleted`.
    pub fn after(self, action: &Action) -> Did {
        match (action, self) {
            (Action::Create(..), _) => Did::Created,
            (Action::Delete(_), _) => Did::Deleted,
            (_, Did::Created) => Did::Created,
            _ => Did::Updated,
        }
    }

    /// What -dry-run says it would do.
    pub fn would(action: &Action) -> Did {
        match action {
            Action::Create(..) => Did::WouldCreate,
            Action::Update(..) => Did::WouldUpdate,
            Action::Delete(_) => Did::WouldDelete,
            Action::Nothing => Did::Unchanged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Change, Condition::*};

    fn member(id: u64, address: &str, condition: &str) -> Member {
        Member {
            id: id.into(),
            address: address.into(),
            port: 80,
            condition: condition.into(),
            status: None,
            weight: None,
            node_type: None,
        }
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
                c.decide(true, &ours, want, Attrs::default()),
                Ok(drain(1)),
                "{send}"
            );
            c.after_send(&drain(1), Answer::Accepted);
        }
        assert_eq!(c.decide(true, &ours, want, Attrs::default()), Err(3));
        // Applied at last: nothing to do, and the count starts afresh.
        let mut c = Converge::default();
        c.after_send(&drain(1), Answer::Accepted);
        let done = vec![member(1, "10.0.0.1", "DRAINING")];
        assert_eq!(
            c.decide(true, &done, want, Attrs::default()),
            Ok(Action::Nothing)
        );
        assert_eq!(c.unapplied, 0);
        // While busy, a listing that asks again is not evidence: the change may be pending.
        let mut c = Converge::default();
        c.after_send(&drain(1), Answer::Accepted);
        for _ in 0..5 {
            assert_eq!(c.decide(false, &ours, want, Attrs::default()), Ok(drain(1)));
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
}
