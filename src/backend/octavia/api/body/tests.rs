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
        node_type: None,
    };
    let cases = [
        (
            v4,
            Condition::Enabled,
            Attrs::default(),
            None,
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": true, "weight": 1}}),
        ),
        (
            v6,
            Condition::Enabled,
            w(7),
            Some("5b0c6a38-3f39-4e5c-9b8e-0c4e8e2b9d10"),
            json!({"member": {"address": "2001:db8::1", "protocol_port": 8080, "admin_state_up": true, "weight": 7, "subnet_id": "5b0c6a38-3f39-4e5c-9b8e-0c4e8e2b9d10"}}),
        ),
        (
            v4,
            Condition::Disabled,
            Attrs::default(),
            None,
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": false, "weight": 1}}),
        ),
        (
            v4,
            Condition::Draining,
            Attrs::default(),
            None,
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": true, "weight": 0}}),
        ),
        (
            v4,
            Condition::Draining,
            w(5),
            None,
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": true, "weight": 0, "tags": ["peekaboo-weight:5"]}}),
        ),
    ];
    for (addr, c, attrs, subnet, want) in cases {
        assert_eq!(
            create_body(addr, 8080, c, attrs, subnet),
            want,
            "{c:?} {attrs:?}"
        );
    }
}

fn to(c: Condition) -> Change {
    Change {
        condition: Some(c),
        weight: None,
        node_type: None,
    }
}

fn to_w(c: Condition, w: u32) -> Change {
    Change {
        condition: Some(c),
        weight: Some(w),
        node_type: None,
    }
}

#[test]
fn update_bodies_send_only_what_differs() {
    use Condition::{Disabled, Draining, Enabled};
    let none = || None::<Value>;
    let body = |v: Value| Some(json!({ "member": v }));
    let cases: Vec<(OctMember, Change, Option<Value>)> = vec![
        // Nothing differs: no body, whatever the condition.
        (om(true, 3, "ACTIVE", &[]), to(Enabled), none()),
        (om(true, 3, "ACTIVE", &[]), to_w(Enabled, 3), none()),
        (om(true, 0, "ACTIVE", &[]), to(Draining), none()),
        (
            om(true, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to(Draining),
            none(),
        ),
        (om(false, 3, "ACTIVE", &["x"]), to(Disabled), none()),
        (
            om(true, 3, "ACTIVE", &["peekaboo-weight:9"]),
            to(Enabled),
            none(),
        ),
        // Drain: weight 0, the weight it had remembered (1 needs no tag), other tags kept.
        (
            om(true, 1, "ACTIVE", &[]),
            to(Draining),
            body(json!({"weight": 0})),
        ),
        (
            om(true, 5, "ACTIVE", &["team:web"]),
            to(Draining),
            body(json!({"weight": 0, "tags": ["team:web", "peekaboo-weight:5"]})),
        ),
        (
            om(true, 5, "ACTIVE", &[]),
            to_w(Draining, 8),
            body(json!({"weight": 0, "tags": ["peekaboo-weight:8"]})),
        ),
        (
            om(true, 1, "ACTIVE", &["peekaboo-weight:5", "a"]),
            to(Draining),
            body(json!({"weight": 0, "tags": ["a"]})),
        ),
        (
            om(true, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to_w(Draining, 6),
            body(json!({"tags": ["peekaboo-weight:6"]})),
        ),
        (
            om(false, 4, "ACTIVE", &[]),
            to(Draining),
            body(json!({"admin_state_up": true, "weight": 0, "tags": ["peekaboo-weight:4"]})),
        ),
        // Join: the remembered weight back, its tag dropped; else 1; -weight wins.
        (
            om(true, 0, "ACTIVE", &["a", "peekaboo-weight:5"]),
            to(Enabled),
            body(json!({"weight": 5, "tags": ["a"]})),
        ),
        (
            om(true, 0, "ACTIVE", &[]),
            to(Enabled),
            body(json!({"weight": 1})),
        ),
        (
            om(true, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to_w(Enabled, 2),
            body(json!({"weight": 2, "tags": []})),
        ),
        (
            om(true, 0, "ACTIVE", &["peekaboo-weight:999"]),
            to(Enabled),
            body(json!({"weight": 1, "tags": []})),
        ),
        (
            om(true, 0, "ACTIVE", &["peekaboo-weight:x"]),
            to(Enabled),
            body(json!({"weight": 1, "tags": []})),
        ),
        (
            om(false, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to(Enabled),
            body(json!({"admin_state_up": true, "weight": 5, "tags": []})),
        ),
        (
            om(false, 3, "ACTIVE", &[]),
            to(Enabled),
            body(json!({"admin_state_up": true})),
        ),
        (
            om(true, 3, "ACTIVE", &[]),
            to_w(Enabled, 7),
            body(json!({"weight": 7})),
        ),
        // Disable: admin state down, the weight left as it is (and its tag with it).
        (
            om(true, 3, "ACTIVE", &[]),
            to(Disabled),
            body(json!({"admin_state_up": false})),
        ),
        (
            om(true, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to(Disabled),
            body(json!({"admin_state_up": false})),
        ),
        (
            om(false, 0, "ACTIVE", &["peekaboo-weight:5"]),
            to_w(Disabled, 2),
            body(json!({"weight": 2, "tags": []})),
        ),
        // A weight alone keeps the condition the member has.
        (
            om(true, 3, "ACTIVE", &[]),
            Change {
                condition: None,
                weight: Some(4),
                node_type: None,
            },
            body(json!({"weight": 4})),
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
    let mut m = om(true, 5, "ACTIVE", &["team:web"]);
    for (change, weight) in [(to(Condition::Draining), 0), (to(Condition::Enabled), 5)] {
        let body = update_body(&m, &change).expect("a change");
        let f = &body["member"];
        m.weight = f["weight"].as_u64().unwrap() as u32;
        if let Some(tags) = f.get("tags") {
            m.tags = serde_json::from_value(tags.clone()).unwrap();
        }
        assert_eq!(m.weight, weight);
    }
    assert_eq!(m.tags, vec!["team:web".to_string()]);
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
