//! Every mode against the fake Keystone v3 and Octavia: the same guarantees as on CLB (no write
//! when already in state, busy answers waited out, final ones final, nothing secret printed),
//! with Octavia's member fields and its refusals.

use crate::fake;
use crate::support;

use std::time::Duration;

use fake::{Config, Fake};
use support::{Out, peekaboo};

pub(super) const REGION: &str = "DFW3";
pub(super) const PORT: &str = "8080";

/// A fake with load balancer `web-lb` and its one pool `web-pool` (no health monitor).
pub(super) fn octavia() -> (Fake, String, String) {
    octavia_with(Config::default())
}

pub(super) fn octavia_with(cfg: Config) -> (Fake, String, String) {
    let f = Fake::start(cfg);
    let lb = f.add_octavia_lb("web-lb");
    let pool = f.add_pool(&lb, "web-pool", false);
    (f, lb, pool)
}

/// peekaboo with an openrc's environment (password, project by name) for load balancer `lb`.
pub(super) fn run(f: &Fake, lb: &str, flags: &[&str]) -> Out {
    run_env(f, lb, flags, &[])
}

pub(super) fn run_env(f: &Fake, lb: &str, flags: &[&str], extra: &[(&str, &str)]) -> Out {
    let os = f.os_env(lb, REGION);
    let mut env: Vec<(&str, &str)> = os.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend([("APP_PORT", PORT), ("RAX_SERVICENET_IPV4", "10.1.2.3")]);
    env.extend(extra);
    let mut all = vec!["-interval", "40ms"];
    if !flags.contains(&"-timeout") {
        all.extend(["-timeout", "10s"]);
    }
    all.extend(flags);
    peekaboo(f, &all, &env)
}

/// The member of `pool` at 10.1.2.3:8080, as the fake holds it.
pub(super) fn ours(f: &Fake, pool: &str) -> Option<fake::octavia::OMember> {
    f.octavia_members(pool)
        .into_iter()
        .find(|m| m.address == "10.1.2.3" && m.port == 8080)
}

#[test]
fn the_whole_cycle_sets_the_member_fields_and_deletes_it() {
    let (f, lb, pool) = octavia();
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = ours(&f, &pool).expect("created");
    assert_eq!(
        (m.admin, m.weight, m.provisioning.as_str()),
        (true, 1, "ACTIVE")
    );
    assert!(
        out.stderr.contains("Using OpenStack Octavia"),
        "{}",
        out.stderr
    );
    let id = m.id.clone();

    let again = run(&f, &lb, &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("already in that state"),
        "{}",
        again.stderr
    );

    assert_eq!(run(&f, "web-lb", &["-drain"]).code, 0);
    let m = ours(&f, &pool).unwrap();
    assert_eq!((m.admin, m.weight), (true, 0));
    assert_eq!(run(&f, "web-lb", &["-disable"]).code, 0);
    let m = ours(&f, &pool).unwrap();
    assert!(!m.admin);
    let out = run(&f, "web-lb", &["-delete"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &pool).is_none());
    assert!(
        out.stderr.contains("Final node state: Deleted"),
        "{}",
        out.stderr
    );
    assert_eq!(
        f.octavia_writes(),
        [
            format!("POST /pools/{pool}/members"),
            format!("PUT /pools/{pool}/members/{id}"),
            format!("PUT /pools/{pool}/members/{id}"),
            format!("DELETE /pools/{pool}/members/{id}"),
        ],
        "one write per change, none when already in state"
    );
}

#[test]
fn a_drained_member_gets_back_the_weight_it_had() {
    let (f, _lb, pool) = octavia();
    assert_eq!(run(&f, "web-lb", &["-weight", "7"]).code, 0);
    assert_eq!(run(&f, "web-lb", &["-drain"]).code, 0);
    assert_eq!(ours(&f, &pool).unwrap().weight, 0);
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = ours(&f, &pool).unwrap();
    assert_eq!((m.admin, m.weight), (true, 7));
    // The remembered weight's tag is gone; peekaboo's own stays.
    assert_eq!(m.tags, ["peekaboo"]);
}

#[test]
fn status_and_json_report_the_member_fields() {
    let (f, lb, pool) = octavia();
    let absent = run(&f, "web-lb", &["-status"]);
    assert_eq!(absent.code, 4, "{}", absent.stderr);
    assert_eq!(run(&f, "web-lb", &[]).code, 0);
    let id = ours(&f, &pool).unwrap().id;
    let out = run(&f, "web-lb", &["-status", "-json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(v["load_balancer"], "web-lb");
    assert_eq!(v["node_id"], id.as_str());
    assert_eq!(v["condition"], "ENABLED");
    assert_eq!(v["admin_state_up"], true);
    assert_eq!(v["weight"], 1);
    assert_eq!(v["provisioning_status"], "ACTIVE");
    assert_eq!(v["status"], "NO_MONITOR");
    assert_eq!(v["region"], REGION);
    let _ = lb;
}

#[test]
fn dry_run_sends_nothing() {
    let (f, _lb, _pool) = octavia();
    let out = run(&f, "web-lb", &["-dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("would create the node as ENABLED"),
        "{}",
        out.stdout
    );
    assert!(f.octavia_writes().is_empty());
}

#[test]
fn a_pool_is_chosen_by_name_and_several_without_one_is_an_error() {
    let (f, lb, pool) = octavia();
    let api = f.add_pool(&lb, "api-pool", false);
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(error.contains("has 2 pools"), "{error}");
    assert!(
        error.contains("web-pool") && error.contains("api-pool"),
        "{error}"
    );
    assert!(error.contains("-pool"), "{error}");
    assert!(f.octavia_writes().is_empty());
    let out = run(&f, "web-lb", &["-pool", "api-pool"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &api).is_some() && ours(&f, &pool).is_none());
}

#[test]
fn application_credentials_work_and_send_no_scope() {
    let (f, lb, pool) = octavia();
    let os = f.os_app_env(&lb, REGION);
    let mut env: Vec<(&str, &str)> = os.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend([("APP_PORT", PORT), ("RAX_SERVICENET_IPV4", "10.1.2.3")]);
    let out = peekaboo(&f, &["-interval", "40ms"], &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &pool).is_some());
    let login = f
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/auth/tokens"))
        .unwrap();
    assert!(
        login.body.contains("application_credential"),
        "{}",
        login.body
    );
    assert!(!login.body.contains("scope"), "{}", login.body);
}

#[test]
fn a_wrong_password_is_authentication_failed_with_no_octavia_request() {
    let (f, _lb, _pool) = octavia();
    let out = run_env(&f, "web-lb", &[], &[("OS_PASSWORD", "wrong-0123456789")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(error.contains("authentication failed:"), "{error}");
    // Off Flex a 401 is final at once: one sign-in.
    assert_eq!(logins(&f), 1, "{}", out.stderr);
    assert!(
        f.requests()
            .iter()
            .all(|r| !r.path.starts_with("/octavia/")),
        "no Octavia request after a refused login"
    );
}

#[test]
fn an_unknown_load_balancer_is_named() {
    let (f, _lb, _pool) = octavia();
    let out = run(&f, "nope-lb", &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(
        error.contains("nope-lb") && error.contains("not found"),
        "{error}"
    );
}

#[test]
fn a_busy_pool_is_waited_for_and_the_change_lands() {
    let (f, _lb, pool) = octavia();
    f.hold_pool(&pool, Duration::from_millis(400));
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &pool).is_some());
}

#[test]
fn a_member_that_exists_already_is_adopted_not_duplicated() {
    let (f, _lb, pool) = octavia();
    let id = f.add_member(&pool, "10.1.2.3", 8080);
    f.edit_member(&id, |m| m.admin = false);
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let members = f.octavia_members(&pool);
    assert_eq!(members.len(), 1);
    assert!(members[0].admin);
    assert_eq!(
        f.octavia_writes(),
        [format!("PUT /pools/{pool}/members/{id}")]
    );
}

#[test]
fn a_member_the_provider_fails_is_exit_1_with_the_words() {
    let (f, lb, _pool) = octavia();
    f.fail_member_writes(&lb, 1);
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(error.contains("ERROR"), "{error}");
}

#[test]
fn ipv6_members_are_found_by_address_not_spelling() {
    let (f, _lb, pool) = octavia();
    let id = f.add_member(&pool, "fd00:0:0:0:0:0:0:5", 8080);
    let out = run(&f, "web-lb", &["-ip", "fd00::5", "-drain"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = f
        .octavia_members(&pool)
        .into_iter()
        .find(|m| m.id == id)
        .unwrap();
    assert_eq!(m.weight, 0);
    assert_eq!(f.octavia_members(&pool).len(), 1, "no second member");
}

#[test]
fn an_ovn_load_balancer_warns_that_a_drain_does_nothing() {
    let (f, lb, _pool) = octavia();
    f.set_provider(&lb, "ovn");
    assert_eq!(run(&f, "web-lb", &[]).code, 0);
    let out = run(&f, "web-lb", &["-drain"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("provider ignores draining"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_subnet_is_sent_only_when_given() {
    let (f, _lb, pool) = octavia();
    assert_eq!(run(&f, "web-lb", &[]).code, 0);
    assert_eq!(ours(&f, &pool).unwrap().subnet, None);
    assert_eq!(run(&f, "web-lb", &["-delete"]).code, 0);
    let out = run(
        &f,
        "web-lb",
        &["-subnet", "5b0c6a38-3f39-4e5c-9b8e-0c4e8e2b9d10"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        ours(&f, &pool).unwrap().subnet.as_deref(),
        Some("5b0c6a38-3f39-4e5c-9b8e-0c4e8e2b9d10")
    );
}

#[test]
fn a_busy_load_balancer_is_waited_for_too() {
    let (f, lb, pool) = octavia();
    f.hold_lb(&lb, Duration::from_millis(400));
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &pool).is_some());
}

#[test]
fn a_duplicate_refusal_sends_it_back_to_listing_and_an_outage_is_retried() {
    let (f, _lb, pool) = octavia();
    let dup = r#"{"faultcode": "Client", "faultstring": "Another member on this pool is already using ip 10.1.2.3 on protocol_port 8080", "debuginfo": null}"#;
    f.inject(fake::fault("POST", "/members", 1, fake::respond(409, dup)));
    f.inject(fake::fault("GET", "/members", 1, fake::status(503)));
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.unspent(), 0, "both faults fired");
    assert!(
        out.stderr.contains("The node exists already"),
        "{}",
        out.stderr
    );
    assert_eq!(f.octavia_members(&pool).len(), 1);
}

#[test]
fn several_load_balancers_are_each_set_with_one_token() {
    let (f, _lb, pool) = octavia();
    let api = f.add_octavia_lb("api-lb");
    let api_pool = f.add_pool(&api, "api-pool", false);
    let out = run_env(&f, "web-lb", &[], &[("LOAD_BALANCER_ID", "web-lb,api-lb")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &pool).is_some() && ours(&f, &api_pool).is_some());
    let logins = f
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/auth/tokens"))
        .count();
    assert_eq!(logins, 1);
}

#[test]
fn a_pool_that_does_not_exist_is_named_with_those_that_do() {
    let (f, _lb, _pool) = octavia();
    let out = run(&f, "web-lb", &["-pool", "nope-pool"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(
        error.contains("nope-pool") && error.contains("web-pool"),
        "{error}"
    );
}

#[test]
fn a_policy_refusal_is_final_with_the_apis_words_and_a_revoked_token_is_renewed_once() {
    let (f, _lb, pool) = octavia();
    let policy = r#"{"faultcode": "Client", "faultstring": "Policy does not allow this request to be performed.", "debuginfo": null}"#;
    f.inject(fake::fault(
        "POST",
        "/members",
        1,
        fake::respond(403, policy),
    ));
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(error.contains("Policy does not allow"), "{error}");
    assert!(ours(&f, &pool).is_none());

    // The token revoked between two calls: one new sign-in, and the change lands.
    let before = logins(&f);
    f.inject(fake::token_revoked_at("GET", "/members"));
    let out = run(&f, "web-lb", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("authenticating again"),
        "{}",
        out.stderr
    );
    assert_eq!(
        logins(&f),
        before + 2,
        "one sign-in, and one more after the 401"
    );
    assert!(ours(&f, &pool).is_some());
}

/// Token requests the fake received.
pub(super) fn logins(f: &Fake) -> usize {
    f.requests()
        .iter()
        .filter(|r| r.path.ends_with("/auth/tokens"))
        .count()
}

#[test]
fn a_member_still_settling_is_waited_for_before_it_is_called_done() {
    let (f, _lb, pool) = octavia();
    let id = f.add_member(&pool, "10.1.2.3", 8080);
    // The load balancer is ACTIVE, but the member itself is still being deleted.
    f.edit_member(&id, |m| m.provisioning = "PENDING_DELETE".into());
    let out = std::thread::scope(|s| {
        let h = s.spawn(|| run(&f, "web-lb", &["-delete"]));
        support::watching::wait_until("peekaboo to look at the member", || {
            f.requests()
                .iter()
                .filter(|r| r.path.ends_with("/members"))
                .count()
                >= 2
        });
        // Not deleted again while it settles, and not called done either.
        assert!(!h.is_finished());
        f.edit_member(&id, |m| m.provisioning = "ACTIVE".into());
        h.join().unwrap()
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("is PENDING_DELETE, waiting for it to settle"),
        "{}",
        out.stderr
    );
    assert_eq!(
        f.octavia_writes(),
        [format!("DELETE /pools/{pool}/members/{id}")]
    );
}

#[test]
fn an_internal_endpoint_nobody_answers_at_says_how_the_catalog_chose_it() {
    let (_held, port) = support::closed_port();
    let mut cfg = Config::default();
    cfg.keystone.octavia_internal = Some(format!("http://127.0.0.1:{port}/"));
    let (f, _, pool) = octavia_with(cfg);
    let out = run_env(
        &f,
        "web-lb",
        &["-timeout", "2s"],
        &[("OS_INTERFACE", "internal")],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    let how = "(the catalog's load-balancer endpoint 'octavia', interface internal from OS_INTERFACE, region DFW3)";
    support::the_refusing_endpoint_is_explained_once(&out, port, how);
    assert!(
        out.stderr.contains("Error: gave up after -timeout 2s: "),
        "{}",
        out.stderr
    );
    assert!(f.octavia_members(&pool).is_empty());
    assert!(f.octavia_writes().is_empty());
}
