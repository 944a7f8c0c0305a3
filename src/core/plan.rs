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

/// Finds our nodes, lowest id first: same port, and the same address compared as an IP, so
/// `::1`, `0:0:0:0:0:0:0:1` and a v4-mapped `::ffff:10.0.0.1` all match their plain forms.
/// Usually one; more when a race, a hand or two spellings of one address left duplicates.
pub fn find_nodes(nodes: &[Member], address: IpAddr, port: u16) -> Vec<Member> {
    let mut ours: Vec<Member> = nodes
        .iter()
        .filter(|n| {
            n.port == port
                && n.address
                    .trim()
                    .parse::<IpAddr>()
                    .is_ok_and(|a| a.to_canonical() == address.to_canonical())
        })
        .cloned()
        .collect();
    ours.sort_by(|a, b| a.id.cmp(&b.id));
    ours
}

/// Every request that would bring `ours` (as `find_nodes` returns them) to what is wanted,
/// lowest id first; one at most per node. None of ours: as `plan` says (create, or nothing).
pub fn plan_all(ours: &[Member], want: Want, attrs: Attrs) -> Vec<Action> {
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
pub fn plan_each(ours: &[Member], want: Want, attrs: Attrs) -> Action {
    plan_all(ours, want, attrs)
        .into_iter()
        .next()
        .unwrap_or(Action::Nothing)
}

/// The next request to send. `Nothing` means no mutating request at all: changing a node to
/// what it already is still locks the load balancer for everyone. `attrs` apply to `Present`.
pub fn plan(current: Option<&Member>, want: Want, attrs: Attrs) -> Action {
    match (current, want) {
        (None, Want::Absent) => Action::Nothing,
        (Some(n), Want::Absent) => Action::Delete(n.id.clone()),
        (None, Want::Present(c)) => Action::Create(c, attrs),
        (Some(n), Want::Present(c)) => {
            // A member in doubt is not taken to be as it reads: the change goes all the same.
            let doubt = n.in_doubt();
            let change = Change {
                condition: Some(c).filter(|c| doubt || !n.condition.is(*c)),
                weight: attrs.weight.filter(|w| n.weight != Some(*w)),
                node_type: attrs
                    .node_type
                    .filter(|t| !n.node_type.as_ref().is_some_and(|have| have.is(*t))),
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
mod tests {
    use super::*;
    use crate::core::model::NodeType;
    use Condition::*;

    fn node(id: u64, address: &str, port: u16, condition: &str) -> Member {
        Member::sample(id, address, port, condition)
    }

    fn to(c: Condition) -> Change {
        Change {
            condition: Some(c),
            ..Change::default()
        }
    }

    const NONE: Attrs = Attrs {
        weight: None,
        node_type: None,
    };

    #[test]
    fn every_current_and_wanted_pair() {
        let all = [Enabled, Disabled, Draining];
        for want in all {
            assert_eq!(
                plan(None, Want::Present(want), NONE),
                Action::Create(want, NONE)
            );
            for have in all {
                let n = node(9, "10.0.0.1", 80, have.as_str());
                let expected = if have == want {
                    Action::Nothing
                } else {
                    Action::Update(9.into(), to(want))
                };
                assert_eq!(plan(Some(&n), Want::Present(want), NONE), expected);
                assert_eq!(plan(Some(&n), Want::Absent, NONE), Action::Delete(9.into()));
            }
        }
        assert_eq!(plan(None, Want::Absent, NONE), Action::Nothing);
    }

    #[test]
    fn weight_and_type_are_changed_only_when_asked_and_different() {
        let mut n = node(3, "10.0.0.1", 80, "ENABLED");
        n.weight = Some(1);
        n.node_type = Some("PRIMARY".into());
        let asked = Attrs {
            weight: Some(5),
            node_type: Some(NodeType::Secondary),
        };
        let both = Change {
            condition: None,
            weight: Some(5),
            node_type: Some(NodeType::Secondary),
        };
        assert_eq!(
            plan(Some(&n), Want::Present(Enabled), asked),
            Action::Update(3.into(), both)
        );
        assert_eq!(both.describe(), ": weight 5, type SECONDARY");
        let drain = Change {
            condition: Some(Draining),
            ..both
        };
        assert_eq!(
            plan(Some(&n), Want::Present(Draining), asked),
            Action::Update(3.into(), drain)
        );
        assert_eq!(drain.describe(), " to DRAINING, weight 5, type SECONDARY");
        n.weight = Some(5);
        n.node_type = Some("secondary".into());
        assert_eq!(
            plan(Some(&n), Want::Present(Enabled), asked),
            Action::Nothing
        );
        // A list that leaves weight out is answered with the weight asked for.
        n.weight = None;
        assert_eq!(
            plan(Some(&n), Want::Present(Enabled), asked),
            Action::Update(
                3.into(),
                Change {
                    weight: Some(5),
                    ..Change::default()
                }
            )
        );
        assert_eq!(
            plan(None, Want::Present(Enabled), asked),
            Action::Create(Enabled, asked)
        );
        // Draining and deleting never touch weight or type.
        assert_eq!(
            plan(Some(&n), Want::Drained, asked),
            Action::Update(3.into(), to(Draining))
        );
        assert_eq!(
            plan(Some(&n), Want::Absent, asked),
            Action::Delete(3.into())
        );
    }

    #[test]
    fn drained_only_ever_drains_a_serving_node() {
        assert_eq!(plan(None, Want::Drained, NONE), Action::Nothing);
        let n = |c: Condition| node(4, "10.0.0.1", 80, c.as_str());
        assert_eq!(
            plan(Some(&n(Enabled)), Want::Drained, NONE),
            Action::Update(4.into(), to(Draining))
        );
        assert_eq!(
            plan(Some(&n(Draining)), Want::Drained, NONE),
            Action::Nothing
        );
        assert_eq!(
            plan(Some(&n(Disabled)), Want::Drained, NONE),
            Action::Nothing
        );
    }

    #[test]
    fn steps_with_and_without_wait() {
        use Step::*;
        for want in [
            Want::Present(Enabled),
            Want::Present(Draining),
            Want::Present(Disabled),
            Want::Absent,
        ] {
            assert_eq!(steps(want, false), [Converge(want)]);
        }
        let enabled = Want::Present(Enabled);
        assert_eq!(
            steps(enabled, true),
            [WaitForApp, Converge(enabled), WaitOnline]
        );
        let graceful = [
            Converge(Want::Drained),
            WatchDrain,
            Converge(Want::Present(Disabled)),
        ];
        assert_eq!(steps(Want::Present(Draining), true), graceful);
        assert_eq!(steps(Want::Present(Disabled), true), graceful);
        assert_eq!(
            steps(Want::Absent, true),
            [Converge(Want::Drained), WatchDrain, Converge(Want::Absent)]
        );
    }

    #[test]
    fn condition_compares_without_case() {
        let n = node(1, "10.0.0.1", 80, "enabled");
        assert_eq!(
            plan(Some(&n), Want::Present(Enabled), NONE),
            Action::Nothing
        );
    }

    #[test]
    fn finds_by_ip_and_port() {
        let nodes = vec![
            node(1, "10.0.0.1", 8080, "ENABLED"),
            node(2, "10.0.0.10", 80, "ENABLED"),
            node(3, "2001:0db8:0000:0000:0000:0000:0000:0005", 80, "ENABLED"),
            node(4, "::ffff:10.0.0.7", 80, "ENABLED"),
            node(5, "not-an-ip", 80, "ENABLED"),
            node(6, "10.0.0.1", 80, "DRAINING"),
        ];
        let find = |a: &str, p| {
            find_nodes(&nodes, a.parse().unwrap(), p)
                .first()
                .map(|n| n.id.0.parse::<u64>().unwrap())
        };
        assert_eq!(
            find("10.0.0.1", 80),
            Some(6),
            "same address on another port is not ours"
        );
        assert_eq!(find("10.0.0.1", 8080), Some(1));
        assert_eq!(find("2001:db8::5", 80), Some(3));
        assert_eq!(find("10.0.0.7", 80), Some(4));
        assert_eq!(find("10.0.0.2", 80), None);
    }

    #[test]
    fn every_duplicate_ends_as_wanted_lowest_id_first() {
        let me: IpAddr = "2001:db8::5".parse().unwrap();
        let all = vec![
            node(7, "2001:DB8:0:0::5", 80, "ENABLED"),
            node(3, "2001:db8::5", 80, "DRAINING"),
            node(5, "2001:db8::6", 80, "ENABLED"),
        ];
        let ours = find_nodes(&all, me, 80);
        let ids: Vec<String> = ours.iter().map(|n| n.id.to_string()).collect();
        assert_eq!(ids, ["3", "7"]);
        let drain = Want::Present(Draining);
        for (want, expected) in [
            // 3 is DRAINING already: 7 is next.
            (drain, Action::Update(7.into(), to(Draining))),
            (Want::Drained, Action::Update(7.into(), to(Draining))),
            (
                Want::Present(Enabled),
                Action::Update(3.into(), to(Enabled)),
            ),
            (
                Want::Present(Disabled),
                Action::Update(3.into(), to(Disabled)),
            ),
            (Want::Absent, Action::Delete(3.into())),
        ] {
            assert_eq!(plan_each(&ours, want, NONE), expected, "{want:?}");
        }
        assert_eq!(
            plan_all(&ours, Want::Present(Disabled), NONE),
            [
                Action::Update(3.into(), to(Disabled)),
                Action::Update(7.into(), to(Disabled))
            ]
        );
        let mut done = ours.clone();
        done[1].condition = "DRAINING".into();
        assert_eq!(plan_each(&done, drain, NONE), Action::Nothing);
        assert_eq!(plan_each(&done, Want::Drained, NONE), Action::Nothing);
        // No node of ours: create (never when one exists), or nothing.
        assert_eq!(plan_each(&[], drain, NONE), Action::Create(Draining, NONE));
        assert_eq!(plan_each(&[], Want::Absent, NONE), Action::Nothing);
        assert_eq!(plan_each(&[], Want::Drained, NONE), Action::Nothing);
    }

    #[test]
    fn summary_matches_the_original_format() {
        let mut n = node(256073, "10.184.12.147", 80, "ENABLED");
        n.status = Some("ONLINE".into());
        n.weight = Some(1);
        n.node_type = Some("PRIMARY".into());
        assert_eq!(
            n.summary(),
            "{10.184.12.147 256073 80 ONLINE ENABLED 1 PRIMARY}"
        );
    }
}
