//! What a run knows of one load balancer, and how far that may be stated.

use std::net::IpAddr;
use std::time::Instant;

use crate::core::converge::Did;
use crate::core::model::{LbRef, Member};
use crate::core::pace::Seen;
use crate::time::format_seconds;

/// What the run knows of one load balancer.
pub(super) struct LbState {
    pub(super) id: LbRef,
    pub(super) did: Did,
    /// With -dry-run, what would have been sent.
    pub(super) would: Option<String>,
    /// Where the load balancer connects from, as last read (None: it does not say).
    pub(super) sources: Option<Vec<IpAddr>>,
    /// The members that came with the last read, if they did: a listing that costs no GET.
    pub(super) inline: Option<Vec<Member>>,
    /// Our members as last read, first first: usually one, more when duplicates were left.
    pub(super) mine: Vec<Member>,
    /// Every other member, as last read.
    pub(super) others: Vec<Member>,
    /// Listings (or reads carrying the members) so far, and when the last was.
    pub(super) listings: u32,
    pub(super) read_at: Option<Instant>,
    /// Why `mine` may no longer be how our members stand; None: it is the last word.
    pub(super) stale: Option<Stale>,
    /// The last converge kept our node ENABLED, since draining it would empty the pool.
    pub(super) failed_open: bool,
    pub(super) warned_duplicates: bool,
    /// Told already that this load balancer takes a drain but ignores it.
    pub(super) warned_drain: bool,
    /// The last read's progress, and how many reads in a row showed none: pacing the wait
    /// for a turn on a load balancer that stays busy.
    pub(super) last_seen: Option<Seen>,
    pub(super) quiet: u32,
}

/// Why what was last read of our members may no longer hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stale {
    /// A read failed since.
    ReadFailed,
    /// A change was sent since, and accepted (or its answer was lost).
    ChangeSent,
}

impl LbState {
    /// Where our member stands, never more than was read: "node 1001 is ENABLED", "the node
    /// is absent", "node 1001 was ENABLED before the change", or that it is unknown, with what
    /// was read last and how long ago.
    pub(super) fn stands(&self) -> String {
        let Some(at) = self.read_at else {
            return match self.last_seen {
                Some(_) => "the nodes were not listed yet".into(),
                None => "nothing was read yet".into(),
            };
        };
        let (is, was) = match self.mine.first() {
            Some(m) => (
                format!("node {} is {}", m.id, m.condition.word),
                format!("node {} was {}", m.id, m.condition.word),
            ),
            None => ("the node is absent".into(), "the node was absent".into()),
        };
        match self.stale {
            None => is,
            Some(Stale::ChangeSent) => format!("{was} before the change"),
            Some(Stale::ReadFailed) => format!(
                "the node's state is unknown: reading it failed; {} ago {was}",
                format_seconds(at.elapsed())
            ),
        }
    }

    /// Our members as a report may state them: None when they are not known now.
    pub(super) fn known(&self) -> Option<&[Member]> {
        (self.read_at.is_some() && self.stale.is_none()).then_some(&self.mine[..])
    }

    pub(super) fn new(id: LbRef) -> LbState {
        LbState {
            id,
            did: Did::Unchanged,
            would: None,
            sources: Some(Vec::new()),
            inline: None,
            mine: Vec::new(),
            others: Vec::new(),
            listings: 0,
            read_at: None,
            stale: None,
            failed_open: false,
            warned_duplicates: false,
            warned_drain: false,
            last_seen: None,
            quiet: 0,
        }
    }
}
