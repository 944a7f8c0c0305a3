//! Octavia members as an operator meets them: backup members (`-type`), members the provider
//! failed (provisioning ERROR), and words peekaboo does not know, against the fake Octavia.

use crate::fake;
use crate::support;

use fake::Fake;
use fake::octavia::OMember;
use nix::sys::signal::Signal;
use serde_json::Value;

use super::octavia::{octavia, ours, run, run_env};
use super::octavia_wait::watch_octavia;

/// The body of each write to Octavia, in order.
pub(super) fn write_bodies(f: &Fake) -> Vec<Value> {
    f.requests()
        .iter()
        .filter(|r| r.path.starts_with("/octavia/") && matches!(r.method.as_str(), "PUT" | "POST"))
        .map(|r| serde_json::from_str(&r.body).unwrap_or(Value::Null))
        .collect()
}

/// Our member at 10.1.2.3:8080, made by hand: ACTIVE, then `edit`ed.
pub(super) fn member(f: &Fake, pool: &str, edit: impl FnOnce(&mut OMember)) -> String {
    let id = f.add_member(pool, "10.1.2.3", 8080);
    f.edit_member(&id, edit);
    id
}

#[test]
fn type_secondary_is_a_backup_member_and_primary_puts_it_back() {
    let (f, _lb, pool) = octavia();
    let out = run(&f, "web-lb", &["-type", "SECONDARY"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &pool).unwrap().backup);
    assert_eq!(
        write_bodies(&f)[0]["member"]["backup"],
        true,
        "sent on create"
    );
    let status = run(&f, "web-lb", &["-status", "-json"]);
    let v: Value = serde_json::from_str(status.stdout.trim()).unwrap();
    assert_eq!(v["type"], "SECONDARY");
    // Asked again: nothing to change, nothing sent.
    let again = run(&f, "web-lb", &["-type", "SECONDARY"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(f.octavia_writes().len(), 1, "{}", again.stderr);
    let back = run(&f, "web-lb", &["-type", "PRIMARY"]);
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert!(!ours(&f, &pool).unwrap().backup);
    let bodies = write_bodies(&f);
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[1], serde_json::json!({"member": {"backup": false}}));
}

#[test]
fn a_provider_without_backup_members_is_one_line_and_nothing_changed() {
    let (f, lb, pool) = octavia();
    f.set_provider(&lb, "ovn");
    let out = run(&f, "web-lb", &["-type", "SECONDARY"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(error.contains("provider 'ovn'"), "{error}");
    assert!(error.contains("nothing was changed"), "{error}");
    assert!(ours(&f, &pool).is_none());
    // An existing member: its state stays as it was, whatever else was asked with -type.
    let id = member(&f, &pool, |m| m.admin = false);
    let out = run(&f, "web-lb", &["-type", "SECONDARY"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let m = ours(&f, &pool).unwrap();
    assert_eq!((m.id, m.admin, m.backup), (id, false, false));
}

#[test]
fn a_member_in_error_is_deleted_like_any_other() {
    let (f, _lb, pool) = octavia();
    let id = member(&f, &pool, |m| m.provisioning = "ERROR".into());
    let out = run(&f, "web-lb", &["-delete"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &pool).is_none());
    assert_eq!(
        f.octavia_writes(),
        [format!("DELETE /pools/{pool}/members/{id}")]
    );
}

#[test]
fn a_change_asked_of_a_member_in_error_is_sent_even_when_it_reads_as_done() {
    let (f, _lb, pool) = octavia();
    // Reads ENABLED, but the provider failed to apply it: a join sends it again (made by
    // another tool, it gets the tag peekaboo with that PUT).
    member(&f, &pool, |m| m.provisioning = "ERROR".into());
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        write_bodies(&f),
        [serde_json::json!({"member": {"admin_state_up": true, "tags": ["peekaboo"]}})]
    );
    assert_eq!(ours(&f, &pool).unwrap().provisioning, "ACTIVE");
    // A drain of a member in ERROR goes out as any drain does.
    f.edit_member(&ours(&f, &pool).unwrap().id, |m| {
        m.provisioning = "ERROR".into()
    });
    let out = run(&f, "web-lb", &["-drain"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = ours(&f, &pool).unwrap();
    assert_eq!((m.weight, m.provisioning.as_str()), (0, "ACTIVE"));
}

#[test]
fn only_a_member_that_fails_again_after_our_change_is_exit_1() {
    let (f, lb, pool) = octavia();
    let id = member(&f, &pool, |m| m.provisioning = "ERROR".into());
    f.fail_member_writes(&lb, 1);
    let out = run(&f, "web-lb", &["-drain"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(
        error.contains(&format!("node {id} went to ERROR after peekaboo's change")),
        "{error}"
    );
    assert_eq!(f.octavia_writes().len(), 1, "sent once, not again");
}

#[test]
fn status_shows_a_member_in_error_and_exits_1() {
    let (f, _lb, pool) = octavia();
    let id = member(&f, &pool, |m| m.provisioning = "ERROR".into());
    let out = run(&f, "web-lb", &["-status"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.trim_end().ends_with("provisioning_status ERROR"),
        "{}",
        out.stdout
    );
    let error = support::error_line(&out);
    assert!(
        error.contains(&format!("node {id} is in provisioning_status ERROR")),
        "{error}"
    );
    let out = run(&f, "web-lb", &["-status", "-json"]);
    let v: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(v["provisioning_status"], "ERROR");
    assert!(f.octavia_writes().is_empty());
}

#[test]
fn words_peekaboo_does_not_know_on_octavia() {
    let (f, lb, pool) = octavia();
    // Another member in a status of the future is no concern of ours.
    let other = f.add_member(&pool, "10.1.2.99", 8080);
    f.edit_member(&other, |m| {
        m.provisioning = "PENDING_SOMETHING".into();
        m.operating = "WOBBLY".into();
    });
    assert_eq!(run(&f, "web-lb", &[]).code, 0);
    // Ours in a word peekaboo does not know is not taken as done: the change is sent.
    let id = ours(&f, &pool).unwrap().id;
    f.edit_member(&id, |m| m.provisioning = "REPROVISIONING".into());
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.octavia_writes().len(), 2, "{}", out.stderr);
    // A load balancer status peekaboo does not know is waited on, and named.
    f.set_lb_provisioning(&lb, Some("MIGRATING"));
    let out = run_env(&f, "web-lb", &["-drain", "-timeout", "300ms"], &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("load balancer web-lb is MIGRATING, a status peekaboo does not know"),
        "{}",
        out.stderr
    );
    assert_eq!(f.octavia_writes().len(), 2);
}

#[test]
fn the_watchs_leave_removes_a_member_the_provider_failed() {
    let (f, _lb, pool) = octavia();
    let app = support::watching::App::start(true);
    let w = watch_octavia(&f, &app, &["-rise", "1"]);
    w.wait_line("is ENABLED: healthy");
    let m = f.octavia_members(&pool).pop().unwrap();
    f.edit_member(&m.id, |m| m.provisioning = "ERROR".into());
    w.signal(Signal::SIGTERM);
    let out = w.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(f.octavia_members(&pool).is_empty(), "{}", out.stderr);
}

#[test]
fn drain_with_a_weight_remembers_it_and_sends_one_change() {
    let (f, _lb, pool) = octavia();
    assert_eq!(run(&f, "web-lb", &["-weight", "7"]).code, 0);
    let out = run(&f, "web-lb", &["-drain", "-weight", "5"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = ours(&f, &pool).unwrap();
    assert_eq!(m.weight, 0);
    assert!(
        m.tags.contains(&"peekaboo-weight:5".to_string()),
        "{:?}",
        m.tags
    );
    // Asked again: the drain remembers 5 already, nothing to send.
    let again = run(&f, "web-lb", &["-drain", "-weight", "5"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(f.octavia_writes().len(), 2, "{}", again.stderr);
    // -json says the weight it will serve with, the drain being its condition.
    let status = run(&f, "web-lb", &["-status", "-json"]);
    let v: Value = serde_json::from_str(status.stdout.trim()).unwrap();
    assert_eq!(
        (&v["condition"], &v["weight"]),
        (&Value::from("DRAINING"), &Value::from(5))
    );
    assert_eq!(run(&f, "web-lb", &[]).code, 0);
    assert_eq!(ours(&f, &pool).unwrap().weight, 5);
}
