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

use crate::core::model::{Action, Attrs, Member, MemberId, Want};
use crate::core::plan::plan_each;

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
    /// The members this step changed or deleted, and whether it created one: a member the
    /// service fails to provision after that is the service's failure to apply our change.
    pub touched: Vec<MemberId>,
    pub created: bool,
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
        attrs: &Attrs,
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

    /// What a member of ours that reads as not provisioned (`Member::in_doubt`) means. Before
    /// this step changed it, a change is due like any other; after, the service failed to
    /// apply ours and sending it again will not mend that.
    pub fn failed_us(&self, m: &Member) -> bool {
        self.created || self.touched.contains(&m.id)
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
                match action {
                    Action::Update(id, _) | Action::Delete(id) if !self.touched.contains(id) => {
                        self.touched.push(id.clone());
                    }
                    Action::Create(..) => self.created = true,
                    _ => {}
                }
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

/// How many sends in a row of one change the API accepted without applying, after a fresh
/// listing of an ACTIVE load balancer asks for `now` again, given the count so far and the
/// change last accepted. Anything else asked for is progress, and starts the count afresh.
pub fn unapplied(count: u32, last_accepted: Option<&Action>, now: &Action) -> u32 {
    if *now != Action::Nothing && last_accepted == Some(now) {
        count.saturating_add(1)
    } else {
        0
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
mod tests;
