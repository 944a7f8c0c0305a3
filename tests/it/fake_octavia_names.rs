//! The fake Octavia keeps a member's name and tags as written by a POST or a PUT, lists them,
//! and lists by tag, as docs/octavia-api.md says; a name Octavia would refuse is refused.

use crate::fake::*;

use serde_json::json;

use super::fake_octavia::{call, fault_of, members};

#[test]
fn a_members_name_and_tags_are_kept_listed_and_filtered_on() {
    let f = Fake::start(Config::default());
    let lb = f.add_octavia_lb("web-lb");
    let pool = f.add_pool(&lb, "web-pool", false);
    let by_hand = f.add_member(&pool, "10.0.0.9", 80);
    let t = f.issue_token();
    let t = Some(t.as_str());
    let body = json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "name": "web-1", "tags": ["peekaboo", "team:web"]}});
    let r = call(&f, "POST", &members(&pool), t, Some(body));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["member"]["name"], "web-1");
    assert_eq!(r.json()["member"]["tags"], json!(["peekaboo", "team:web"]));
    let id = r.json()["member"]["id"].as_str().unwrap().to_string();
    let list = |query: &str| {
        let r = call(&f, "GET", &format!("{}{query}", members(&pool)), t, None);
        assert_eq!(r.status, 200, "{query}: {}", r.body);
        r.json()["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["id"].as_str().unwrap().to_string(), m["name"].clone()))
            .collect::<Vec<_>>()
    };
    // A member with no name lists "" (never null), as the real one does.
    assert_eq!(
        list(""),
        [(by_hand.clone(), json!("")), (id.clone(), json!("web-1"))]
    );
    // `openstack loadbalancer member list --tags peekaboo`: every tag given must be there.
    assert_eq!(list("?tags=peekaboo"), [(id.clone(), json!("web-1"))]);
    assert_eq!(
        list("?tags=peekaboo,team:web"),
        [(id.clone(), json!("web-1"))]
    );
    assert!(list("?tags=peekaboo,team:api").is_empty());
    assert_eq!(list("?name=web-1"), [(id.clone(), json!("web-1"))]);
    // A PUT replaces the name; the tags stay unless sent, and a list sent replaces them.
    let put = |body| {
        call(
            &f,
            "PUT",
            &format!("{}/{id}", members(&pool)),
            t,
            Some(body),
        )
    };
    assert_eq!(put(json!({"member": {"name": "web-2"}})).status, 200);
    let m = &f.octavia_members(&pool)[1];
    assert_eq!((m.name.as_str(), m.tags.len()), ("web-2", 2));
    assert_eq!(put(json!({"member": {"tags": ["peekaboo"]}})).status, 200);
    let m = &f.octavia_members(&pool)[1];
    assert_eq!(
        (m.name.as_str(), m.tags.as_slice()),
        ("web-2", &["peekaboo".to_string()][..])
    );
}

#[test]
fn a_name_octavia_refuses_is_a_400_in_wsmes_words() {
    let f = Fake::start(Config::default());
    let lb = f.add_octavia_lb("web-lb");
    let pool = f.add_pool(&lb, "web-pool", false);
    let t = f.issue_token();
    let long = "a".repeat(256);
    let post = |name: serde_json::Value| {
        let body = json!({"member": {"address": "10.9.9.9", "protocol_port": 8080, "name": name}});
        call(&f, "POST", &members(&pool), Some(&t), Some(body))
    };
    let r = post(json!(long));
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        fault_of(&r),
        format!(
            "Invalid input for field/attribute name. Value: '{long}'. Value should have a maximum character requirement of 255"
        )
    );
    let r = post(json!(7));
    assert_eq!(
        (r.status, fault_of(&r)),
        (
            400,
            "Invalid input for field/attribute name. Value: '7'. Wrong type. Expected 'str'".into()
        )
    );
    assert!(f.octavia_members(&pool).is_empty());
    // 255 characters, of any width, are taken.
    let r = post(json!("é".repeat(255)));
    assert_eq!(r.status, 201, "{}", r.body);
}
