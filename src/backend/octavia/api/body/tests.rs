//! The member bodies and the pool chosen, as tables.

use super::super::tests::{lb, om};
use super::*;
use serde_json::json;
use std::net::IpAddr;

#[test]
fn create_bodies() {
    let v6: IpAddr = "2001:DB8:0:0:0:0:0:1".parse().unwrap();
    let v4: IpAddr = "10.9.9.9".parse().unwrap();
    let w = |weight| Attrs {
        weight: Some(weight),
        ..Attrs::default()
    };
    let named = |name: &str| Attrs {
        name: Some(name.into()),
        ..Attrs::default()
    };
    let cases = [
        (
            v4,
            Condition::Enabled,
            Attrs::default(),
            None,
            None,
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": true, "weight": 1, "tags": ["peekaboo"]}}),
        ),
        (
            v6,
            Condition::Enabled,
            w(7),
            Some("5b0c6a38-3f39-4e5c-9b8e-0c4e8e2b9d10"),
            Some("web-1.example.com"),
            json!({"member": {"address": "2001:db8::1", "protocol_port": 8080, "admin_state_up": true, "weight": 7, "subnet_id": "5b0c6a38-3f39-4e5c-9b8e-0c4e8e2b9d10", "name": "web-1.example.com", "tags": ["peekaboo"]}}),
        ),
        (
            v4,
            Condition::Disabled,
            Attrs::default(),
            None,
            Some("web-1"),
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": false, "weight": 1, "name": "web-1", "tags": ["peekaboo"]}}),
        ),
        (
            v4,
            Condition::Draining,
            Attrs::default(),
            None,
            None,
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": true, "weight": 0, "tags": ["peekaboo"]}}),
        ),
        (
            v4,
            Condition::Draining,
            w(5),
            None,
            None,
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": true, "weight": 0, "tags": ["peekaboo", "peekaboo-weight:5"]}}),
        ),
        // -name wins over the host's name, and needs none.
        (
            v4,
            Condition::Enabled,
            named("web-2"),
            None,
            Some("web-1"),
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": true, "weight": 1, "name": "web-2", "tags": ["peekaboo"]}}),
        ),
        (
            v4,
            Condition::Enabled,
            named("web 2 (blue)"),
            None,
            None,
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": true, "weight": 1, "name": "web 2 (blue)", "tags": ["peekaboo"]}}),
        ),
    ];
    for (addr, c, attrs, subnet, host, want) in cases {
        assert_eq!(
            create_body((addr, 8080), c, &attrs, subnet, host),
            want,
            "{c:?} {attrs:?} {host:?}"
        );
    }
}

fn to(c: Condition) -> Change {
    Change {
        condition: Some(c),
        ..Change::default()
    }
}

fn to_w(c: Condition, w: u32) -> Change {
    Change {
        condition: Some(c),
        weight: Some(w),
        ..Change::default()
    }
}

fn rename(c: Condition, name: &str) -> Change {
    Change {
        condition: Some(c),
        name: Some(name.into()),
        ..Change::default()
    }
}

/// A member peekaboo created: tagged `peekaboo` before its other tags.
fn own(admin: bool, weight: u32, status: &str, tags: &[&str]) -> OctMember {
    let mut m = om(admin, weight, status, tags);
    m.tags.insert(0, OWN_TAG.into());
    m
}

fn named(mut m: OctMember, name: &str) -> OctMember {
    m.name = name.into();
    m
}

#[test]
fn update_bodies_send_only_what_differs() {
    use Condition::{Disabled, Draining, Enabled};
    let none = || None::<Value>;
    let body = |v: Value| Some(json!({ "member": v }));
    let cases: Vec<(OctMember, Change, Option<Value>)> = vec![
        // Nothing differs: no body, whatever the condition.
        (own(true, 3, "ACTIVE", &[]), to(Enabled), none()),
        (own(true, 3, "ACTIVE", &[]), to_w(Enabled, 3), none()),
        (own(true, 0, "ACTIVE", &[]), to(Draining), none()),
        (
            own(true, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to(Draining),
            none(),
        ),
        (own(false, 3, "ACTIVE", &["x"]), to(Disabled), none()),
        (
            own(true, 3, "ACTIVE", &["peekaboo-weight:9"]),
            to(Enabled),
            none(),
        ),
        // Drain: weight 0, the weight it had remembered (1 needs no tag), other tags kept.
        (
            own(true, 1, "ACTIVE", &[]),
            to(Draining),
            body(json!({"weight": 0})),
        ),
        (
            own(true, 5, "ACTIVE", &["team:web"]),
            to(Draining),
            body(json!({"weight": 0, "tags": ["peekaboo", "team:web", "peekaboo-weight:5"]})),
        ),
        (
            own(true, 5, "ACTIVE", &[]),
            to_w(Draining, 8),
            body(json!({"weight": 0, "tags": ["peekaboo", "peekaboo-weight:8"]})),
        ),
        (
            own(true, 1, "ACTIVE", &["peekaboo-weight:5", "a"]),
            to(Draining),
            body(json!({"weight": 0, "tags": ["peekaboo", "a"]})),
        ),
        (
            own(true, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to_w(Draining, 6),
            body(json!({"tags": ["peekaboo", "peekaboo-weight:6"]})),
        ),
        (
            own(false, 4, "ACTIVE", &[]),
            to(Draining),
            body(
                json!({"admin_state_up": true, "weight": 0, "tags": ["peekaboo", "peekaboo-weight:4"]}),
            ),
        ),
        // Join: the remembered weight back, its tag dropped; else 1; -weight wins.
        (
            own(true, 0, "ACTIVE", &["a", "peekaboo-weight:5"]),
            to(Enabled),
            body(json!({"weight": 5, "tags": ["peekaboo", "a"]})),
        ),
        (
            own(true, 0, "ACTIVE", &[]),
            to(Enabled),
            body(json!({"weight": 1})),
        ),
        (
            own(true, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to_w(Enabled, 2),
            body(json!({"weight": 2, "tags": ["peekaboo"]})),
        ),
        (
            own(true, 0, "ACTIVE", &["peekaboo-weight:999"]),
            to(Enabled),
            body(json!({"weight": 1, "tags": ["peekaboo"]})),
        ),
        (
            own(true, 0, "ACTIVE", &["peekaboo-weight:x"]),
            to(Enabled),
            body(json!({"weight": 1, "tags": ["peekaboo"]})),
        ),
        (
            own(false, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to(Enabled),
            body(json!({"admin_state_up": true, "weight": 5, "tags": ["peekaboo"]})),
        ),
        (
            own(false, 3, "ACTIVE", &[]),
            to(Enabled),
            body(json!({"admin_state_up": true})),
        ),
        (
            own(true, 3, "ACTIVE", &[]),
            to_w(Enabled, 7),
            body(json!({"weight": 7})),
        ),
        // Disable: admin state down, the weight left as it is (and its tag with it).
        (
            own(true, 3, "ACTIVE", &[]),
            to(Disabled),
            body(json!({"admin_state_up": false})),
        ),
        (
            own(true, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to(Disabled),
            body(json!({"admin_state_up": false})),
        ),
        (
            own(false, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to_w(Disabled, 2),
            body(json!({"weight": 2, "tags": ["peekaboo"]})),
        ),
        // A weight alone keeps the condition the member has.
        (
            own(true, 3, "ACTIVE", &[]),
            Change {
                weight: Some(4),
                ..Change::default()
            },
            body(json!({"weight": 4})),
        ),
        // A member peekaboo did not create: tagged by a PUT that goes anyway, its own tags
        // kept; never a PUT for the tag alone.
        (om(true, 3, "ACTIVE", &["team:web"]), to(Enabled), none()),
        (om(false, 3, "ACTIVE", &[]), to(Disabled), none()),
        (
            om(true, 1, "ACTIVE", &["team:web"]),
            to(Draining),
            body(json!({"weight": 0, "tags": ["team:web", "peekaboo"]})),
        ),
        (
            om(true, 3, "ACTIVE", &["team:web"]),
            to(Draining),
            body(json!({"weight": 0, "tags": ["team:web", "peekaboo-weight:3", "peekaboo"]})),
        ),
        (
            om(true, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to(Enabled),
            body(json!({"weight": 5, "tags": ["peekaboo"]})),
        ),
        (
            om(true, 3, "ERROR", &[]),
            to(Enabled),
            body(json!({"admin_state_up": true, "tags": ["peekaboo"]})),
        ),
        (
            own(true, 3, "ERROR", &[]),
            to(Enabled),
            body(json!({"admin_state_up": true})),
        ),
        // A name asked for: sent when the member's differs, alone or with the rest.
        (
            own(true, 3, "ACTIVE", &[]),
            rename(Enabled, "web-2"),
            body(json!({"name": "web-2"})),
        ),
        (
            named(own(true, 3, "ACTIVE", &[]), "web-1"),
            rename(Draining, "web-2"),
            body(json!({"weight": 0, "name": "web-2", "tags": ["peekaboo", "peekaboo-weight:3"]})),
        ),
        (
            named(own(true, 3, "ACTIVE", &[]), "web-2"),
            rename(Enabled, "web-2"),
            none(),
        ),
        (
            named(om(true, 3, "ACTIVE", &["team:web"]), "old"),
            rename(Enabled, "web-2"),
            body(json!({"name": "web-2", "tags": ["team:web", "peekaboo"]})),
        ),
        // No name asked for: the member's stays, whatever it is.
        (
            named(own(true, 3, "ACTIVE", &[]), "renamed-by-hand"),
            to(Enabled),
            none(),
        ),
    ];
    for (current, change, want) in cases {
        assert_eq!(
            update_body(&current, &change),
            want,
            "{current:?} {change:?}"
        );
    }
}

#[test]
fn what_a_drain_remembers_a_join_gives_back() {
    let mut m = own(true, 5, "ACTIVE", &["team:web"]);
    for (change, weight) in [(to(Condition::Draining), 0), (to(Condition::Enabled), 5)] {
        let body = update_body(&m, &change).expect("a change");
        let f = &body["member"];
        m.weight = f["weight"].as_u64().unwrap() as u32;
        if let Some(tags) = f.get("tags") {
            m.tags = serde_json::from_value(tags.clone()).unwrap();
        }
        assert_eq!(m.weight, weight);
    }
    assert_eq!(m.tags, ["peekaboo", "team:web"]);
}

fn pool(id: &str, name: &str) -> Pool {
    Pool {
        id: id.into(),
        name: name.into(),
        healthmonitor_id: None,
    }
}

#[test]
fn choosing_the_pool() {
    let l = lb("ACTIVE", "amphora");
    let web = pool("7e092d18-0e83-4bdc-a69c-1d15a92dd0e2", "web-pool");
    let api = pool("1a2b3c4d-0000-4000-8000-000000000001", "api-pool");
    let two = [web.clone(), api.clone()];
    assert_eq!(choose_pool(&l, std::slice::from_ref(&web), None), Ok(&web));
    assert_eq!(choose_pool(&l, &two, Some("api-pool")), Ok(&api));
    assert_eq!(
        choose_pool(&l, &two, Some("7E092D18-0E83-4BDC-A69C-1D15A92DD0E2")),
        Ok(&web)
    );
    let err = |want: Option<&str>, pools: &[Pool]| match choose_pool(&l, pools, want) {
        Err(Error::Config(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        err(None, &two),
        "load balancer web-lb has 2 pools (web-pool 7e092d18-0e83-4bdc-a69c-1d15a92dd0e2, api-pool 1a2b3c4d-0000-4000-8000-000000000001): choose one with -pool ID or NAME"
    );
    assert!(err(None, &[]).starts_with("load balancer web-lb has no pools: "));
    assert_eq!(
        err(Some("db"), &two),
        "load balancer web-lb has no pool db (it has: web-pool 7e092d18-0e83-4bdc-a69c-1d15a92dd0e2, api-pool 1a2b3c4d-0000-4000-8000-000000000001): check -pool"
    );
    let twins = [
        web.clone(),
        pool("00000000-0000-4000-8000-000000000002", "web-pool"),
    ];
    assert_eq!(
        err(Some("web-pool"), &twins),
        "load balancer web-lb has 2 pools named web-pool (7e092d18-0e83-4bdc-a69c-1d15a92dd0e2, 00000000-0000-4000-8000-000000000002): give -pool the id"
    );
}
