//! Members an operator can recognise: named after this host (or `-name`), tagged `peekaboo`,
//! a name changed only when `-name` asks, and shown by -status and -json; CLB takes `-name`
//! and sends nothing of it. The real binary against the fake Octavia and the fake CLB.

use crate::support;

use nix::sys::signal::Signal;
use serde_json::{Value, json};

use super::octavia::{octavia, ours, run};
use super::octavia_members::{member as by_hand, write_bodies};
use super::octavia_wait::watch_octavia;

/// This host's name as peekaboo reads it: what the kernel says, trimmed.
fn hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("a host name");
    name.trim().to_string()
}

#[test]
fn a_created_member_is_named_after_this_host_and_tagged_peekaboo() {
    let (f, _lb, pool) = octavia();
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = ours(&f, &pool).expect("created");
    assert_eq!(m.name, hostname());
    assert_eq!(m.tags, ["peekaboo"]);
    let sent = &write_bodies(&f)[0]["member"];
    assert_eq!(
        (&sent["name"], &sent["tags"]),
        (&json!(hostname()), &json!(["peekaboo"]))
    );
    // Created as DRAINING: named and tagged all the same.
    assert_eq!(run(&f, "web-lb", &["-delete"]).code, 0);
    let out = run(&f, "web-lb", &["-drain"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = ours(&f, &pool).unwrap();
    assert_eq!(
        (m.weight, m.name, m.tags),
        (0, hostname(), vec!["peekaboo".to_string()])
    );
}

#[test]
fn name_names_it_and_a_later_run_without_it_leaves_the_name_alone() {
    let (f, _lb, pool) = octavia();
    let out = run(&f, "web-lb", &["-name", "web-1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = ours(&f, &pool).unwrap();
    assert_eq!(
        (m.name.as_str(), m.tags.as_slice()),
        ("web-1", &["peekaboo".to_string()][..])
    );
    assert_eq!(write_bodies(&f)[0]["member"]["name"], "web-1");
    // Renamed by hand since: a run without -name keeps that name and sends nothing.
    f.edit_member(&m.id, |m| m.name = "web-blue".into());
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("already in that state"),
        "{}",
        out.stderr
    );
    assert_eq!(ours(&f, &pool).unwrap().name, "web-blue");
    assert_eq!(f.octavia_writes().len(), 1, "{}", out.stderr);
    // The same name asked again: nothing to send either.
    f.edit_member(&m.id, |m| m.name = "web-1".into());
    let out = run(&f, "web-lb", &["-name", "web-1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.octavia_writes().len(), 1, "{}", out.stderr);
}

#[test]
fn name_on_an_existing_member_is_one_put_of_the_name_alone() {
    let (f, _lb, pool) = octavia();
    assert_eq!(run(&f, "web-lb", &["-name", "web-1"]).code, 0);
    let id = ours(&f, &pool).unwrap().id;
    let dry = run(&f, "web-lb", &["-dry-run", "-name", "web-2"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains(&format!("would update node {id}: name web-2")),
        "{}",
        dry.stdout
    );
    let out = run(&f, "web-lb", &["-name", "web-2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("Updating node {id}: name web-2")),
        "{}",
        out.stderr
    );
    assert_eq!(ours(&f, &pool).unwrap().name, "web-2");
    assert_eq!(
        f.octavia_writes(),
        [
            format!("POST /pools/{pool}/members"),
            format!("PUT /pools/{pool}/members/{id}")
        ]
    );
    assert_eq!(write_bodies(&f)[1], json!({"member": {"name": "web-2"}}));
}

#[test]
fn a_put_to_a_member_without_the_tag_adds_it_and_keeps_its_others() {
    let (f, _lb, pool) = octavia();
    let id = by_hand(&f, &pool, |m| {
        m.name = "legacy-7".into();
        m.tags = vec!["team:web".into()];
    });
    // Already as asked: the tag alone is not worth a PUT, which locks the load balancer.
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(f.octavia_writes().is_empty(), "{}", out.stderr);
    // A drain goes anyway: the tag rides along, the member's own tag and name stay.
    let out = run(&f, "web-lb", &["-drain"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        f.octavia_writes(),
        [format!("PUT /pools/{pool}/members/{id}")]
    );
    assert_eq!(
        write_bodies(&f),
        [json!({"member": {"weight": 0, "tags": ["team:web", "peekaboo"]}})]
    );
    let m = ours(&f, &pool).unwrap();
    assert_eq!((m.name.as_str(), m.weight), ("legacy-7", 0));
    assert_eq!(m.tags, ["team:web", "peekaboo"]);
}

#[test]
fn status_and_json_show_the_name() {
    let (f, _lb, pool) = octavia();
    let absent = run(&f, "web-lb", &["-status", "-json"]);
    assert_eq!(absent.code, 4, "{}", absent.stderr);
    let v: Value = serde_json::from_str(absent.stdout.trim()).unwrap();
    assert_eq!((&v["name"], &v["nodes"]), (&Value::Null, &json!([])));
    assert_eq!(run(&f, "web-lb", &["-name", "web-1"]).code, 0);
    let id = ours(&f, &pool).unwrap().id;
    let out = run(&f, "web-lb", &["-status"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.trim_end(),
        format!(
            "load balancer web-lb (DFW3): {{10.1.2.3 {id} 8080 NO_MONITOR ENABLED 1 PRIMARY}} name web-1"
        )
    );
    let out = run(&f, "web-lb", &["-status", "-json"]);
    let v: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(
        (&v["name"], &v["nodes"][0]["name"]),
        (&json!("web-1"), &json!("web-1"))
    );
    // A member without a name: no name on the line, null in -json.
    f.edit_member(&id, |m| m.name = String::new());
    let out = run(&f, "web-lb", &["-status"]);
    assert!(
        out.stdout.trim_end().ends_with("PRIMARY}"),
        "{}",
        out.stdout
    );
    let out = run(&f, "web-lb", &["-status", "-json"]);
    let v: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(
        (&v["name"], &v["nodes"][0]["name"]),
        (&Value::Null, &Value::Null)
    );
}

#[test]
fn clb_takes_name_and_sends_nothing_of_it() {
    let f = super::actions::fake();
    let out = super::actions::run(&f, &["-name", "web-1"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("name"), "not a word:\n{}", out.stderr);
    let posts: Vec<String> = f
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/nodes"))
        .map(|r| r.body)
        .collect();
    assert_eq!(
        posts,
        [r#"{"nodes":[{"address":"10.1.2.3","condition":"ENABLED","port":8080}]}"#]
    );
    // Present, and asked again with the name: nothing to change.
    let again = super::actions::run(&f, &["-name", "web-1"], &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(f.mutations().len(), 1, "{}", again.stderr);
    let status = support::peekaboo(&f, &["-status", "-json"], &[]);
    let v: Value = serde_json::from_str(status.stdout.trim()).unwrap();
    assert_eq!(
        (&v["name"], &v["nodes"][0]["name"]),
        (&Value::Null, &Value::Null)
    );
}

#[test]
fn the_watch_names_and_tags_the_member_it_creates() {
    let (f, _lb, pool) = octavia();
    let app = support::watching::App::start(true);
    let w = watch_octavia(&f, &app, &["-rise", "1"]);
    w.wait_line("is ENABLED: healthy");
    let m = f.octavia_members(&pool).pop().expect("created");
    assert_eq!((m.name, m.tags), (hostname(), vec!["peekaboo".to_string()]));
    w.signal(Signal::SIGTERM);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(f.octavia_members(&pool).is_empty(), "{}", out.stderr);
}

#[test]
fn a_name_octavia_would_refuse_is_exit_2_before_anything_is_sent() {
    let (f, _lb, _pool) = octavia();
    let long = "w".repeat(256);
    for (given, why) in [
        (
            long.as_str(),
            "is 256 characters, and Octavia takes at most 255",
        ),
        ("", "is empty"),
    ] {
        let out = run(&f, "web-lb", &["-name", given]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        let error = support::error_line(&out);
        assert!(error.contains("Error: -name '"), "{error}");
        assert!(error.contains(why), "{error}");
    }
    assert!(f.requests().is_empty(), "nothing sent");
}
