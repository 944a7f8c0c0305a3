//! Quick checks of the fake Octavia itself, through a raw TcpStream client, so that a failing
//! peekaboo test against it can be blamed on peekaboo and not on its fixture. Lock checks use
//! a fake whose writes hold for an hour (nothing here waits one out); the cycle uses one
//! whose provider is done at once, so the next read shows the settled state.

use crate::fake::*;
use crate::fake_selftest::Reply;

use serde_json::{Value, json};
use std::time::Duration;

/// One request to `path` under the fake's Octavia URL, through `fake_selftest`'s raw client.
pub(super) fn call(
    f: &Fake,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let url = format!("{}{path}", f.octavia_url());
    let body = body.map(|b| b.to_string());
    crate::fake_selftest::call(&url, method, token, body.as_deref())
}

/// WSME's `faultstring`, which Octavia's own refusals carry.
pub(super) fn fault_of(r: &Reply) -> String {
    r.json()["faultstring"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn hour() -> Config {
    Config {
        pending: Duration::from_secs(3600),
        ..Config::default()
    }
}

pub(super) fn members(pool: &str) -> String {
    format!("/v2/lbaas/pools/{pool}/members")
}

#[test]
fn a_write_locks_the_pool_and_the_load_balancer_and_leaves_the_member_pending() {
    let f = Fake::start(hour());
    let lb = f.add_octavia_lb("web-lb");
    let pool = f.add_pool(&lb, "web-pool", false);
    let t = f.issue_token();
    let t = Some(t.as_str());
    let r = call(
        &f,
        "POST",
        &members(&pool),
        t,
        Some(json!({"member": {"address": "10.9.9.9", "protocol_port": 8080}})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let m = &r.json()["member"];
    assert_eq!(
        (
            m["provisioning_status"].as_str(),
            m["operating_status"].as_str()
        ),
        (Some("PENDING_CREATE"), Some("NO_MONITOR"))
    );
    assert_eq!(
        (m["weight"].as_u64(), m["admin_state_up"].as_bool()),
        (Some(1), Some(true))
    );
    let id = m["id"].as_str().unwrap().to_string();
    // A second write at once: the pool's text, as recorded.
    let r = call(
        &f,
        "PUT",
        &format!("{}/{id}", members(&pool)),
        t,
        Some(json!({"member": {"weight": 0}})),
    );
    assert_eq!(
        (r.status, fault_of(&r)),
        (
            409,
            format!("Pool {pool} is immutable and cannot be updated.")
        )
    );
    let r = call(
        &f,
        "GET",
        &format!("/v2/lbaas/loadbalancers/{lb}?fields=provisioning_status"),
        t,
        None,
    );
    assert_eq!(
        r.json(),
        json!({"loadbalancer": {"provisioning_status": "PENDING_UPDATE"}})
    );
    assert_eq!(f.lb_provisioning(&lb), "PENDING_UPDATE");
    let r = call(&f, "GET", &format!("/v2/lbaas/pools/{pool}"), t, None);
    assert_eq!(r.json()["pool"]["provisioning_status"], "PENDING_UPDATE");
    assert_eq!(f.octavia_members(&pool)[0].provisioning, "PENDING_CREATE");
    // A delete leaves the member PENDING_DELETE until the provider is done.
    let other = Fake::start(hour());
    let lb2 = other.add_octavia_lb("b");
    let p2 = other.add_pool(&lb2, "", false);
    let mid = other.add_member(&p2, "10.0.0.1", 80);
    let t2 = other.issue_token();
    let r = call(
        &other,
        "DELETE",
        &format!("{}/{mid}", members(&p2)),
        Some(&t2),
        None,
    );
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    let r = call(
        &other,
        "GET",
        &format!("{}/{mid}", members(&p2)),
        Some(&t2),
        None,
    );
    assert_eq!(r.json()["member"]["provisioning_status"], "PENDING_DELETE");
    assert_eq!(
        other.octavia_writes(),
        [format!("DELETE /pools/{p2}/members/{mid}")]
    );
}

#[test]
fn holds_answer_with_the_text_of_what_is_held() {
    let f = Fake::start(Config::default());
    let lb = f.add_octavia_lb("web-lb");
    let pool = f.add_pool(&lb, "web-pool", false);
    let mid = f.add_member(&pool, "10.9.9.9", 8080);
    let t = f.issue_token();
    let t = Some(t.as_str());
    let one = format!("{}/{mid}", members(&pool));
    f.hold_lb(&lb, Duration::from_secs(3600));
    let lb_text = format!("Load Balancer {lb} is immutable and cannot be updated.");
    for (method, path, body) in [
        (
            "PUT",
            one.as_str(),
            Some(json!({"member": {"admin_state_up": true, "weight": 1}})),
        ),
        ("DELETE", one.as_str(), None),
        (
            "POST",
            &members(&pool),
            Some(json!({"member": {"address": "10.9.9.10", "protocol_port": 8080}})),
        ),
    ] {
        let r = call(&f, method, path, t, body);
        assert_eq!((r.status, fault_of(&r)), (409, lb_text.clone()), "{method}");
    }
    let g = Fake::start(Config::default());
    let lb = g.add_octavia_lb("web-lb");
    let pool = g.add_pool(&lb, "web-pool", false);
    let mid = g.add_member(&pool, "10.9.9.9", 8080);
    let t = g.issue_token();
    g.hold_pool(&pool, Duration::from_secs(3600));
    let r = call(
        &g,
        "PUT",
        &format!("{}/{mid}", members(&pool)),
        Some(&t),
        Some(json!({"member": {"admin_state_up": true}})),
    );
    assert_eq!(
        (r.status, fault_of(&r)),
        (
            409,
            format!("Pool {pool} is immutable and cannot be updated.")
        )
    );
    assert_eq!(g.lb_provisioning(&lb), "PENDING_UPDATE");
    // An LB in ERROR refuses writes the same way; DELETED hides it.
    g.set_lb_provisioning(&lb, Some("ERROR"));
    let r = call(
        &g,
        "GET",
        &format!("/v2/lbaas/loadbalancers/{lb}"),
        Some(&t),
        None,
    );
    assert_eq!(r.json()["loadbalancer"]["provisioning_status"], "ERROR");
    g.set_lb_provisioning(&lb, Some("DELETED"));
    let r = call(
        &g,
        "GET",
        &format!("/v2/lbaas/loadbalancers/{lb}"),
        Some(&t),
        None,
    );
    assert_eq!(
        (r.status, fault_of(&r)),
        (404, format!("Load Balancer {lb} not found."))
    );
    g.set_lb_provisioning(&lb, None);
    assert_eq!(g.lb_provisioning(&lb), "PENDING_UPDATE");
}

#[test]
fn the_member_cycle_as_recorded() {
    let f = Fake::start(Config::default());
    let lb = f.add_octavia_lb("web-lb");
    let pool = f.add_pool(&lb, "web-pool", false);
    let t = f.issue_token();
    let t = Some(t.as_str());
    // Both version prefixes answer.
    let r = call(
        &f,
        "GET",
        &format!("/v2.0/lbaas/pools/{pool}/members"),
        t,
        None,
    );
    assert_eq!(r.json(), json!({"members": [], "members_links": []}));
    let r = call(
        &f,
        "POST",
        &members(&pool),
        t,
        Some(
            json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "admin_state_up": true, "weight": 3}}),
        ),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["member"]["id"].as_str().unwrap().to_string();
    let one = format!("{}/{id}", members(&pool));
    let r = call(&f, "GET", &one, t, None);
    assert_eq!(
        (
            r.json()["member"]["provisioning_status"].as_str(),
            r.json()["member"]["weight"].as_u64()
        ),
        (Some("ACTIVE"), Some(3))
    );
    let r = call(
        &f,
        "POST",
        &members(&pool),
        t,
        Some(json!({"member": {"address": "10.9.9.9", "protocol_port": 8080}})),
    );
    assert_eq!(
        (r.status, fault_of(&r)),
        (
            409,
            "Another member on this pool is already using ip 10.9.9.9 on protocol_port 8080"
                .to_string()
        )
    );
    let r = call(
        &f,
        "GET",
        &format!("{}?address=10.9.9.9&protocol_port=8080", members(&pool)),
        t,
        None,
    );
    assert_eq!(r.json()["members"].as_array().map(Vec::len), Some(1));
    let r = call(
        &f,
        "GET",
        &format!("{}?address=10.9.9.8", members(&pool)),
        t,
        None,
    );
    assert_eq!(r.json()["members"].as_array().map(Vec::len), Some(0));
    let r = call(
        &f,
        "PUT",
        &one,
        t,
        Some(json!({"member": {"weight": 0, "tags": ["peekaboo-weight:3"]}})),
    );
    assert_eq!(
        (r.status, r.json()["member"]["provisioning_status"].as_str()),
        (200, Some("PENDING_UPDATE"))
    );
    let r = call(
        &f,
        "PUT",
        &one,
        t,
        Some(json!({"member": {"admin_state_up": false}})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let m = &f.octavia_members(&pool)[0];
    assert_eq!(
        (
            m.admin,
            m.weight,
            m.operating.as_str(),
            m.provisioning.as_str()
        ),
        (false, 0, "OFFLINE", "ACTIVE")
    );
    assert_eq!(m.tags, ["peekaboo-weight:3"]);
    // A PUT that changes nothing is still a write.
    let r = call(
        &f,
        "PUT",
        &one,
        t,
        Some(json!({"member": {"admin_state_up": false}})),
    );
    assert_eq!(
        (r.status, r.json()["member"]["provisioning_status"].as_str()),
        (200, Some("PENDING_UPDATE"))
    );
    let r = call(&f, "DELETE", &one, t, None);
    assert_eq!(r.status, 204);
    let r = call(&f, "GET", &one, t, None);
    assert_eq!(
        (r.status, fault_of(&r)),
        (404, format!("Member {id} not found."))
    );
    let p = format!("/pools/{pool}/members");
    assert_eq!(
        f.octavia_writes(),
        [
            format!("POST {p}"),
            format!("POST {p}"),
            format!("PUT {p}/{id}"),
            format!("PUT {p}/{id}"),
            format!("PUT {p}/{id}"),
            format!("DELETE {p}/{id}"),
        ]
    );
    // The address is kept as sent: another spelling is another member, as on the real one.
    for a in ["2001:db8::1", "2001:DB8:0::1"] {
        let r = call(
            &f,
            "POST",
            &members(&pool),
            t,
            Some(json!({"member": {"address": a, "protocol_port": 80}})),
        );
        assert_eq!(r.status, 201, "{a}: {}", r.body);
    }
}

#[test]
fn refusals_in_the_real_words_and_shapes() {
    let f = Fake::start(Config::default());
    let lb = f.add_octavia_lb("web-lb");
    let pool = f.add_pool(&lb, "web-pool", false);
    let mid = f.add_member(&pool, "10.9.9.9", 8080);
    let tok = f.issue_token();
    let t = Some(tok.as_str());
    let one = format!("{}/{mid}", members(&pool));
    let r = call(
        &f,
        "PUT",
        &one,
        t,
        Some(json!({"member": {"address": "10.9.9.11"}})),
    );
    assert_eq!(
        (r.status, fault_of(&r)),
        (
            400,
            "Unknown attribute for argument member_.member: address".to_string()
        )
    );
    let r = call(&f, "PUT", &one, t, Some(json!({"member": {"weight": 257}})));
    assert_eq!((r.status, fault_of(&r)), (400, "Invalid input for field/attribute weight. Value: '257'. Value should be lower or equal to 256".to_string()));
    let r = call(
        &f,
        "GET",
        &format!("{}?ip=10.9.9.9", members(&pool)),
        t,
        None,
    );
    assert_eq!(
        (r.status, fault_of(&r)),
        (
            400,
            "One or more arguments are either duplicate or invalid".to_string()
        )
    );
    let nopool = "00000000-0000-0000-0000-00000000abcd";
    let r = call(&f, "GET", &members(nopool), t, None);
    assert_eq!(
        (r.status, r.json()),
        (
            404,
            json!({"code": 404, "title": "Bad Request", "description": format!("Pool {nopool} not found.")})
        )
    );
    let r = call(&f, "GET", &format!("{}/{nopool}", members(&pool)), t, None);
    assert_eq!(
        (r.status, fault_of(&r)),
        (404, format!("Member {nopool} not found."))
    );
    let ksm = json!({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}});
    for token in [None, Some("gAAAAAB-made-up")] {
        let r = call(&f, "GET", &members(&pool), token, None);
        assert_eq!((r.status, r.json()), (401, ksm.clone()), "{token:?}");
        let wanted = format!("Keystone uri=\"{}\"", f.keystone_url());
        assert_eq!(r.header("www-authenticate"), Some(wanted.as_str()));
    }
    f.expire_tokens();
    assert_eq!(call(&f, "GET", &members(&pool), t, None).status, 401);
    // Faults apply to Octavia as to the CLB API.
    let t = f.issue_token();
    f.inject(fault("GET", "/members", 1, status(503)));
    assert_eq!(call(&f, "GET", &members(&pool), Some(&t), None).status, 503);
    assert_eq!(call(&f, "GET", &members(&pool), Some(&t), None).status, 200);
    assert_eq!(f.fired(), 1);
}

#[test]
fn load_balancers_and_pools_by_name_provider_and_filter() {
    let f = Fake::start(Config::default());
    let a = f.add_octavia_lb("web lb");
    let b = f.add_octavia_lb("web lb");
    let c = f.add_octavia_lb("api");
    f.set_provider(&c, "ovn");
    let pa = f.add_pool(&a, "web-pool", false);
    let pc = f.add_pool(&c, "api-pool", true);
    let t = f.issue_token();
    let t = Some(t.as_str());
    let r = call(&f, "GET", "/v2/lbaas/loadbalancers?name=web%20lb", t, None);
    let ids: Vec<Value> = r.json()["loadbalancers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].clone())
        .collect();
    assert_eq!(ids, [json!(a), json!(b)]);
    let r = call(&f, "GET", &format!("/v2/lbaas/loadbalancers/{c}"), t, None);
    let l = &r.json()["loadbalancer"];
    assert_eq!(
        (l["provider"].as_str(), l["name"].as_str()),
        (Some("ovn"), Some("api"))
    );
    assert_eq!(l["pools"], json!([{"id": pc}]));
    let r = call(
        &f,
        "GET",
        &format!("/v2/lbaas/pools?loadbalancer_id={a}"),
        t,
        None,
    );
    let pools = r.json()["pools"].clone();
    assert_eq!(
        (pools.as_array().map(Vec::len), pools[0]["id"].as_str()),
        (Some(1), Some(pa.as_str()))
    );
    assert_eq!(pools[0]["healthmonitor_id"], Value::Null);
    let r = call(
        &f,
        "GET",
        &format!("/v2/lbaas/pools?loadbalancer_id={c}"),
        t,
        None,
    );
    assert!(r.json()["pools"][0]["healthmonitor_id"].is_string());
    assert_eq!(
        call(&f, "GET", "/v2/lbaas/loadbalancers?bogus=1", t, None).status,
        400
    );
    assert!(looks_like_uuid(&a) && a != b, "{a} {b}");
}

fn looks_like_uuid(s: &str) -> bool {
    let groups: Vec<usize> = s.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12] && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[test]
fn health_and_failures_the_hooks_set() {
    let f = Fake::start(Config::default());
    let lb = f.add_octavia_lb("web-lb");
    let pool = f.add_pool(&lb, "web-pool", true);
    let t = f.issue_token();
    let t = Some(t.as_str());
    let r = call(
        &f,
        "POST",
        &members(&pool),
        t,
        Some(json!({"member": {"address": "10.9.9.9", "protocol_port": 8080}})),
    );
    assert_eq!(r.json()["member"]["operating_status"], "OFFLINE");
    let m = f.octavia_members(&pool)[0].clone();
    assert_eq!(
        (m.operating.as_str(), m.provisioning.as_str()),
        ("ONLINE", "ACTIVE")
    );
    let one = format!("{}/{}", members(&pool), m.id);
    call(&f, "PUT", &one, t, Some(json!({"member": {"weight": 0}})));
    assert_eq!(f.octavia_members(&pool)[0].operating, "DRAINING");
    f.set_member_status(&m.id, "ERROR");
    assert_eq!(
        call(&f, "GET", &one, t, None).json()["member"]["operating_status"],
        "ERROR"
    );
    f.edit_member(&m.id, |m| m.tags = vec!["x".into()]);
    assert_eq!(
        call(&f, "GET", &one, t, None).json()["member"]["tags"],
        json!(["x"])
    );
    // The provider fails the next write: the member ends in ERROR, the load balancer ACTIVE.
    f.fail_member_writes(&lb, 1);
    assert_eq!(
        call(&f, "PUT", &one, t, Some(json!({"member": {"weight": 2}}))).status,
        200
    );
    assert_eq!(
        call(&f, "GET", &one, t, None).json()["member"]["provisioning_status"],
        "ERROR"
    );
    assert_eq!(f.lb_provisioning(&lb), "ACTIVE");
    assert_eq!(
        call(&f, "PUT", &one, t, Some(json!({"member": {"weight": 2}}))).status,
        200
    );
    let m = &call(&f, "GET", &one, t, None).json()["member"];
    // What the monitor said outlives the write.
    assert_eq!(
        (
            m["provisioning_status"].as_str(),
            m["operating_status"].as_str()
        ),
        (Some("ACTIVE"), Some("ERROR"))
    );
    // A check not yet passing: OFFLINE until the monitor says ONLINE, through later writes.
    let g = Fake::start(Config {
        new_node_status: "OFFLINE".into(),
        ..Config::default()
    });
    let lb = g.add_octavia_lb("web-lb");
    let pool = g.add_pool(&lb, "web-pool", true);
    let id = g.add_member(&pool, "10.9.9.9", 8080);
    assert_eq!(g.octavia_members(&pool)[0].operating, "OFFLINE");
    g.set_member_status(&id, "ONLINE");
    let t = g.issue_token();
    let r = call(
        &g,
        "PUT",
        &format!("{}/{id}", members(&pool)),
        Some(&t),
        Some(json!({"member": {"weight": 3}})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(g.octavia_members(&pool)[0].operating, "ONLINE");
}

#[test]
fn a_keystone_token_works_at_the_octavia_url_its_catalog_names() {
    let f = Fake::start(Config::default());
    let lb = f.add_octavia_lb("web-lb");
    let pool = f.add_pool(&lb, "web-pool", false);
    let k = Config::default().keystone;
    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": k.user, "domain": {"name": "Default"}, "password": k.password}}},
        "scope": {"project": {"name": k.project, "domain": {"name": "Default"}}}}});
    let url = format!("{}/auth/tokens", f.keystone_url());
    let r = crate::fake_selftest::call(&url, "POST", None, Some(&body.to_string()));
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r
        .header("x-subject-token")
        .expect("X-Subject-Token")
        .to_string();
    let catalog = r.json()["token"]["catalog"].clone();
    let octavia = catalog
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "load-balancer")
        .expect("a load-balancer entry")["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["interface"] == "public")
        .expect("a public endpoint")["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(octavia, f.octavia_url());
    let r = call(&f, "GET", &members(&pool), Some(&token), None);
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"members":[],"members_links":[]}"#)
    );
}
