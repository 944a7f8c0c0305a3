//! The plan as tables: every current and wanted pair, the attributes asked for, duplicates.

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

const NONE: &Attrs = &Attrs {
    weight: None,
    node_type: None,
    name: None,
};

#[test]
fn every_current_and_wanted_pair() {
    let all = [Enabled, Disabled, Draining];
    for want in all {
        assert_eq!(
            plan(None, Want::Present(want), NONE),
            Action::Create(want, NONE.clone())
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
    let asked = &Attrs {
        weight: Some(5),
        node_type: Some(NodeType::Secondary),
        name: None,
    };
    let both = Change {
        condition: None,
        weight: Some(5),
        node_type: Some(NodeType::Secondary),
        name: None,
    };
    assert_eq!(
        plan(Some(&n), Want::Present(Enabled), asked),
        Action::Update(3.into(), both.clone())
    );
    assert_eq!(both.describe(), ": weight 5, type SECONDARY");
    let drain = Change {
        condition: Some(Draining),
        ..both
    };
    assert_eq!(
        plan(Some(&n), Want::Present(Draining), asked),
        Action::Update(3.into(), drain.clone())
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
        Action::Create(Enabled, asked.clone())
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
fn a_name_differs_only_when_one_is_asked_for() {
    let asked = |name: &str| Attrs {
        name: Some(name.into()),
        ..Attrs::default()
    };
    let named = |name: Option<&str>, condition: &str| {
        let mut n = node(5, "10.0.0.1", 80, condition);
        n.name = name.map(str::to_string);
        n
    };
    let rename = |condition: Option<Condition>, name: &str| {
        Action::Update(
            5.into(),
            Change {
                condition,
                name: Some(name.into()),
                ..Change::default()
            },
        )
    };
    let cases = [
        // No -name: whatever name the node has (none, the host's, one given by hand) stays.
        (named(None, "ENABLED"), NONE.clone(), Action::Nothing),
        (
            named(Some("web-1"), "ENABLED"),
            NONE.clone(),
            Action::Nothing,
        ),
        (
            named(Some("by-hand"), "ENABLED"),
            NONE.clone(),
            Action::Nothing,
        ),
        // -name: sent when the node's differs, alone or beside the condition.
        (
            named(Some("web-1"), "ENABLED"),
            asked("web-1"),
            Action::Nothing,
        ),
        (
            named(Some("web-1"), "ENABLED"),
            asked("web-2"),
            rename(None, "web-2"),
        ),
        (
            named(None, "ENABLED"),
            asked("web-2"),
            rename(None, "web-2"),
        ),
        (
            named(Some("web-1"), "DISABLED"),
            asked("web-2"),
            rename(Some(Enabled), "web-2"),
        ),
        // Names are compared as written: Web-1 is not web-1.
        (
            named(Some("Web-1"), "ENABLED"),
            asked("web-1"),
            rename(None, "web-1"),
        ),
    ];
    for (n, attrs, want) in cases {
        assert_eq!(
            plan(Some(&n), Want::Present(Enabled), &attrs),
            want,
            "{:?} {attrs:?}",
            n.name
        );
    }
    // A create carries the name asked for (none: the backend's default); a drain and a
    // delete never rename.
    assert_eq!(
        plan(None, Want::Present(Enabled), &asked("web-2")),
        Action::Create(Enabled, asked("web-2"))
    );
    let n = named(Some("web-1"), "ENABLED");
    assert_eq!(
        plan(Some(&n), Want::Drained, &asked("web-2")),
        Action::Update(5.into(), to(Draining))
    );
    assert_eq!(
        plan(Some(&n), Want::Absent, &asked("web-2")),
        Action::Delete(5.into())
    );
    let change = Change {
        condition: Some(Draining),
        weight: Some(3),
        name: Some("web-2".into()),
        ..Change::default()
    };
    assert_eq!(change.describe(), " to DRAINING, weight 3, name web-2");
    assert_eq!(
        Action::Create(Enabled, asked("web-2")).words(),
        "create the node as ENABLED, name web-2"
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
    assert_eq!(
        plan_each(&[], drain, NONE),
        Action::Create(Draining, NONE.clone())
    );
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
