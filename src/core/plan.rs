//! The deciding, apart from the doing: given what the load balancer holds now and what is
//! wanted, name the one next request. Pure, so every case is tested without a network.

use std::net::IpAddr;

use crate::core::model::{Action, Attrs, Change, Condition, Member, Want};

/// One stage of a run. Without `-wait` a run is a single `Converge`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Wait until the app accepts TCP connections on the node's address and port.
    WaitForApp,
    Converge(Want),
    /// Wait until the load balancer's connections to the app have ended.
    WatchDrain,
    /// Wait until the load balancer's health check reports the node ONLINE.
    WaitOnline,
}

/// The stages that `want` takes. With `-wait`, enabling waits for the app before and for the
/// health check after; leaving drains, waits for the connections to end, then finishes
/// (`-disable -wait` is the same graceful exit as `-drain -wait`).
pub fn steps(want: Want, wait: bool) -> Vec<Step> {
    match (want, wait) {
        (_, false) | (Want::Drained, true) => vec![Step::Converge(want)],
        (Want::Present(Condition::Enabled), true) => {
            vec![Step::WaitForApp, Step::Converge(want), Step::WaitOnline]
        }
        (Want::Present(_), true) => vec![
            Step::Converge(Want::Drained),
            Step::WatchDrain,
            Step::Converge(Want::Present(Condition::Disabled)),
        ],
        (Want::Absent, true) => vec![
            Step::Converge(Want::Drained),
            Step::WatchDrain,
            Step::Converge(Want::Absent),
        ],
    }
}

/// Whether a member may be taking new connections, for a drain: ENABLED, or in doubt and not
/// DISABLED (draining a disabled member would bring it back up where the service keeps the
/// two apart).
fn may_serve(n: &Member) -> bool {
    match n.condition.meaning {
        Some(Condition::Enabled) => true,
        Some(Condition::Disabled) => false,
        Some(Condition::Draining) | None => n.in_doubt(),
    }
}

/// Whether a member's `written` address is `address`, compared as an IP: `::1` and
/// `0:0:0:0:0:0:0:1` are one, and a v4-mapped `::ffff:10.0.0.1` is `10.0.0.1`.
pub fn same_address(written: &str, address: IpAddr) -> bool {
    written
        .trim()
        .parse::<IpAddr>()
        .is_ok_and(|a| a.to_canonical() == address.to_canonical())
}

/// Finds our nodes, lowest id first: same port, and the same address compared as an IP, so
/// `::1`, `0:0:0:0:0:0:0:1` and a v4-mapped `::ffff:10.0.0.1` all match their plain forms.
/// Usually one; more when a race, a hand or two spellings of one address left duplicates.
pub fn find_nodes(nodes: &[Member], address: IpAddr, port: u16) -> Vec<Member> {
    let mut ours: Vec<Member> = nodes
        .iter()
        .filter(|n| n.port == port && same_address(&n.address, address))
        .cloned()
        .collect();
    ours.sort_by(|a, b| a.id.cmp(&b.id));
    ours
}

/// Every request that would bring `ours` (as `find_nodes` returns them) to what is wanted,
/// lowest id first; one at most per node. None of ours: as `plan` says (create, or nothing).
pub fn plan_all(ours: &[Member], want: Want, attrs: &Attrs) -> Vec<Action> {
    if ours.is_empty() {
        return vec![plan(None, want, attrs)]
            .into_iter()
            .filter(|a| *a != Action::Nothing)
            .collect();
    }
    ours.iter()
        .map(|n| plan(Some(n), want, attrs))
        .filter(|a| *a != Action::Nothing)
        .collect()
}

/// The next request when all of `ours` must end as wanted: the first of `plan_all`, so each
/// pass sends one (the load balancer takes one change at a time) and decides again after it.
pub fn plan_each(ours: &[Member], want: Want, attrs: &Attrs) -> Action {
    plan_all(ours, want, attrs)
        .into_iter()
        .next()
        .unwrap_or(Action::Nothing)
}

/// The next request to send. `Nothing` means no mutating request at all: changing a node to
/// what it already is still locks the load balancer for everyone. `attrs` apply to `Present`;
/// a name differs only when one was asked for, so a node renamed by hand keeps its name.
pub fn plan(current: Option<&Member>, want: Want, attrs: &Attrs) -> Action {
    match (current, want) {
        (None, Want::Absent) => Action::Nothing,
        (Some(n), Want::Absent) => Action::Delete(n.id.clone()),
        (None, Want::Present(c)) => Action::Create(c, attrs.clone()),
        (Some(n), Want::Present(c)) => {
            // A member in doubt is not taken to be as it reads: the change goes all the same.
            let doubt = n.in_doubt();
            let change = Change {
                condition: Some(c).filter(|c| doubt || !n.condition.is(*c)),
                weight: attrs.weight.filter(|w| n.weight != Some(*w)),
                node_type: attrs
                    .node_type
                    .filter(|t| !n.node_type.as_ref().is_some_and(|have| have.is(*t))),
                name: attrs.name.clone().filter(|w| n.name.as_ref() != Some(w)),
            };
            if change == Change::default() {
                Action::Nothing
            } else {
                Action::Update(n.id.clone(), change)
            }
        }
        (Some(n), Want::Drained) if may_serve(n) => Action::Update(
            n.id.clone(),
            Change {
                condition: Some(Condition::Draining),
                ..Change::default()
            },
        ),
        (_, Want::Drained) => Action::Nothing,
    }
}

#[cfg(test)]
mod tests;
