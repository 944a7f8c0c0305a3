//! The run's edges: duplicate nodes of ours, a stdout or stderr nobody reads, servers quoting
//! secrets back, a load balancer that stays busy, and changes accepted but never applied.
//! The real binary against the fake.

use crate::fake;
use crate::support;

use std::process::{Command, Stdio};
use std::time::Duration;

use fake::{Config, Fake, fault, respond};
use support::{ADDR, LB, PORT, calls, json_lines, peekaboo};

fn fake() -> Fake {
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    f
}

fn run(f: &Fake, flags: &[&str]) -> support::Out {
    let mut all = vec!["-interval", "40ms", "-timeout", "10s"];
    all.extend(flags);
    peekaboo(f, &all, &[])
}

fn conditions(f: &Fake) -> Vec<(u64, String)> {
    f.nodes(LB)
        .into_iter()
        .map(|n| (n.id, n.condition))
        .collect()
}

fn mutations(f: &Fake) -> Vec<String> {
    calls(f)
        .into_iter()
        .filter(|c| !c.starts_with("GET") && !c.contains("/tokens"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Duplicates of our node

#[test]
fn drain_and_disable_set_every_duplicate_and_warn_once() {
    for (flag, want) in [("-drain", "DRAINING"), ("-disable", "DISABLED")] {
        let f = fake();
        let other = f.add_node(LB, "10.9.9.9", PORT, "ENABLED");
        let a = f.add_node(LB, ADDR, PORT, "ENABLED");
        let b = f.add_node(LB, ADDR, PORT, "ENABLED");
        let out = run(&f, &[flag]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(
            conditions(&f),
            [
                (other, "ENABLED".to_string()),
                (a, want.to_string()),
                (b, want.to_string())
            ]
        );
        assert_eq!(
            mutations(&f),
            [
                format!("PUT /loadbalancers/{LB}/nodes/{a}"),
                format!("PUT /loadbalancers/{LB}/nodes/{b}")
            ]
        );
        let warning = format!(
            "Warning: load balancer {LB} has 2 nodes for {ADDR}:{PORT} (ids {a}, {b}); each is handled, but one is enough: delete the extra ({b}) in the control panel or through the API"
        );
        assert_eq!(out.stderr.matches(&warning).count(), 1, "{}", out.stderr);
    }
}

#[test]
fn two_spellings_of_one_ipv6_address_are_both_ours() {
    let f = fake();
    let a = f.add_node(LB, "2001:db8::5", PORT, "ENABLED");
    let b = f.add_node(LB, "2001:DB8:0:0::5", PORT, "DRAINING");
    let out = run(&f, &["-disable", "-ip", "2001:db8::5"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        conditions(&f),
        [(a, "DISABLED".to_string()), (b, "DISABLED".to_string())]
    );
    assert!(
        out.stderr.contains(&format!("(ids {a}, {b})")),
        "{}",
        out.stderr
    );
}

#[test]
fn enabling_updates_duplicates_and_never_creates() {
    let f = fake();
    let a = f.add_node(LB, ADDR, PORT, "ENABLED");
    let b = f.add_node(LB, ADDR, PORT, "DISABLED");
    let out = run(&f, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        mutations(&f),
        [format!("PUT /loadbalancers/{LB}/nodes/{b}")]
    );
    assert_eq!(
        conditions(&f),
        [(a, "ENABLED".to_string()), (b, "ENABLED".to_string())]
    );
}

#[test]
fn our_own_duplicate_changing_is_no_sign_of_another_host() {
    // Each change locks the load balancer for a while: the second change must be waited out
    // like the first, not taken as another host's turn after ours.
    let f = Fake::start(Config {
        pending: Duration::from_millis(300),
        ..Config::default()
    });
    f.add_lb(LB, "DFW");
    f.add_node(LB, ADDR, PORT, "ENABLED");
    f.add_node(LB, ADDR, PORT, "ENABLED");
    let out = run(&f, &["-drain"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !out.stderr.contains("another has started since"),
        "{}",
        out.stderr
    );
    assert_eq!(f.lb_status(LB), "ACTIVE", "{}", out.stderr);
    assert!(f.nodes(LB).iter().all(|n| n.condition == "DRAINING"));
}

#[test]
fn status_and_json_report_each_duplicate() {
    let f = fake();
    let a = f.add_node(LB, ADDR, PORT, "DRAINING");
    let b = f.add_node(LB, ADDR, PORT, "ENABLED");
    let out = run(&f, &["-status"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "load balancer {LB} (DFW): {{{ADDR} {a} {PORT} ONLINE DRAINING 1 PRIMARY}}\n\
             load balancer {LB} (DFW): {{{ADDR} {b} {PORT} ONLINE ENABLED 1 PRIMARY}}\n"
        )
    );
    assert!(
        out.stderr.contains(&format!("(ids {a}, {b})")),
        "{}",
        out.stderr
    );
    let out = run(&f, &["-status", "-json"]);
    let j = &json_lines(&out.stdout)[0];
    assert_eq!(
        (j["node_id"].as_u64(), j["condition"].as_str()),
        (Some(a), Some("DRAINING"))
    );
    let nodes = j["nodes"].as_array().expect("nodes");
    assert_eq!(
        nodes[0],
        serde_json::json!({"node_id": a, "condition": "DRAINING", "status": "ONLINE", "weight": 1, "type": "PRIMARY", "admin_state_up": null, "provisioning_status": null, "name": null})
    );
    assert_eq!(nodes[1]["node_id"].as_u64(), Some(b));
    assert_eq!(nodes.len(), 2);
    // A dry run names each change it would make.
    let out = run(&f, &["-disable", "-dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "load balancer {LB} (DFW): would update node {a} to DISABLED, then update node {b} to DISABLED\n"
        )
    );
    // The change reported afterwards is the state of both.
    let out = run(&f, &["-drain", "-json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = &json_lines(&out.stdout)[0];
    let all: Vec<&str> = j["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["condition"].as_str().unwrap())
        .collect();
    assert_eq!(all, ["DRAINING", "DRAINING"]);
}

// ---------------------------------------------------------------------------------------------
// A stdout or stderr nobody reads

enum Sink {
    Captured,
    ClosedPipe,
    Full,
}

fn stdio(sink: &Sink) -> Stdio {
    match sink {
        Sink::Captured => Stdio::piped(),
        Sink::ClosedPipe => {
            // The reading end is gone before peekaboo writes: every write fails with EPIPE.
            let (reader, writer) = std::io::pipe().expect("pipe");
            drop(reader);
            writer.into()
        }
        Sink::Full => std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
            .into(),
    }
}

/// peekaboo with stdout and stderr going where asked; returns (code, stdout, stderr) with the
/// captured ones only.
fn run_into(f: &Fake, flags: &[&str], out: Sink, err: Sink) -> (i32, String, String) {
    let mut all = vec!["-interval", "40ms", "-timeout", "10s"];
    all.extend(flags);
    let child = Command::new(env!("CARGO_BIN_EXE_peekaboo"))
        .env_clear()
        .envs(f.env(LB, "DFW"))
        .env("APP_PORT", PORT.to_string())
        .env("RAX_SERVICENET_IPV4", ADDR)
        .args(&all)
        .stdin(Stdio::null())
        .stdout(stdio(&out))
        .stderr(stdio(&err))
        .output()
        .expect("run peekaboo");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (o, e) = (text(&child.stdout), text(&child.stderr));
    support::assert_no_secret(&o);
    support::assert_no_secret(&e);
    (child.status.code().unwrap_or(-1), o, e)
}

#[test]
fn a_closed_or_full_stdout_costs_the_report_not_the_exit_code() {
    let told = "could not write the report to stdout";
    for sink in [Sink::ClosedPipe, Sink::Full] {
        let f = fake();
        let id = f.add_node(LB, ADDR, PORT, "ENABLED");
        let (code, _, err) = run_into(&f, &["-disable", "-json"], sink, Sink::Captured);
        assert_eq!(code, 0, "{err}");
        assert_eq!(conditions(&f), [(id, "DISABLED".to_string())]);
        assert_eq!(err.matches(told).count(), 1, "{err}");
    }
    // -status: the code still says present (0) or absent (4).
    let f = fake();
    let (code, _, err) = run_into(&f, &["-status"], Sink::Full, Sink::Captured);
    assert_eq!(code, 4, "{err}");
    assert_eq!(err.matches(told).count(), 1, "{err}");
    f.add_node(LB, ADDR, PORT, "ENABLED");
    let (code, _, err) = run_into(&f, &["-status"], Sink::ClosedPipe, Sink::Captured);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches(told).count(), 1, "{err}");
    // A failure is still the failure's code.
    f.delete_lb(LB);
    let (code, _, err) = run_into(&f, &["-status", "-json"], Sink::Full, Sink::Captured);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(told), "{err}");
    // Printing is all -version does: failing to, it fails.
    let (code, _, err) = run_into(&f, &["-version"], Sink::Full, Sink::Captured);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("could not write to stdout"), "{err}");
}

#[test]
fn a_closed_stderr_changes_nothing_but_the_log() {
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    let (code, out, _) = run_into(&f, &["-drain", "-json"], Sink::Captured, Sink::ClosedPipe);
    assert_eq!(code, 0);
    assert_eq!(conditions(&f), [(id, "DRAINING".to_string())]);
    assert_eq!(json_lines(&out)[0]["condition"], "DRAINING");
    // Failing, with nowhere to say so: the code says it.
    f.delete_lb(LB);
    let (code, _, _) = run_into(&f, &["-drain"], Sink::Full, Sink::ClosedPipe);
    assert_eq!(code, 2);
}

// ---------------------------------------------------------------------------------------------
// Secrets quoted back

#[test]
fn an_identity_error_quoting_the_key_is_scrubbed() {
    let f = fake();
    let key = Config::default().api_key;
    let body = format!(
        r#"{{"badRequest":{{"code":400,"message":"Invalid API key '{key}' for user demo"}}}}"#
    );
    f.inject(fault("POST", "/tokens", 1, respond(400, body)));
    // peekaboo() fails the test if the key reaches stdout or stderr.
    let out = run(&f, &["-json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Invalid API key '[redacted]' for user demo"),
        "{}",
        out.stderr
    );
    let j = &json_lines(&out.stdout)[0];
    assert!(j["error"].as_str().unwrap().contains("'[redacted]'"), "{j}");
}

#[test]
fn an_error_body_quoting_the_token_is_scrubbed() {
    let f = fake();
    f.add_node(LB, ADDR, PORT, "ENABLED");
    // The fake's first token.
    let token = "tok-1-a1b2c3d4e5f6";
    let body = format!(
        r#"{{"message":"Validation Failure","code":400,"details":"token {token} may not change node"}}"#
    );
    f.inject(fault("PUT", "/nodes/1000", 1, respond(400, body)));
    let out = run(&f, &["-drain", "-json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("token [redacted] may not change node"),
        "{}",
        out.stderr
    );
    let j = &json_lines(&out.stdout)[0];
    assert!(
        j["error"].as_str().unwrap().contains("token [redacted]"),
        "{j}"
    );
}

#[test]
fn a_secret_quoted_where_a_long_message_is_cut_leaves_no_piece() {
    let f = fake();
    let key = Config::default().api_key;
    // The message is cut at 300 characters, in the middle of the key.
    let message = format!("{}{key} is not valid", "x".repeat(290));
    let body = serde_json::json!({"badRequest": {"code": 400, "message": message}});
    f.inject(fault("POST", "/tokens", 1, respond(400, body.to_string())));
    let out = run(&f, &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!out.stderr.contains(&key[..8]), "{}", out.stderr);
    assert!(out.stderr.contains("x[redacted]"), "{}", out.stderr);
}

#[test]
fn a_secret_is_scrubbed_in_its_json_escaped_form_too() {
    // A key with a quote and a backslash reads differently inside a JSON string.
    let key = r#"k"ey\0123456789"#;
    let f = Fake::start(Config {
        api_key: key.into(),
        ..Config::default()
    });
    f.add_lb(LB, "DFW");
    let body = serde_json::json!({"badRequest": {"code": 400, "message": format!("Invalid API key {key}")}});
    f.inject(fault("POST", "/tokens", 1, respond(400, body.to_string())));
    let out = peekaboo(&f, &["-json", "-timeout", "10s"], &[("OS_PASSWORD", key)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let escaped = serde_json::to_string(key).unwrap();
    let escaped = &escaped[1..escaped.len() - 1];
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains(key) && !text.contains(escaped), "{text}");
        assert!(text.contains("Invalid API key [redacted]"), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// A load balancer that stays busy

#[test]
fn a_load_balancer_stuck_busy_is_polled_ever_more_gently() {
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    f.set_status(LB, "PENDING_UPDATE", None);
    // The default -interval (5 s): the pace a host keeps once nothing moves.
    let out = peekaboo(&f, &["-disable", "-timeout", "20s"], &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let sent = f.requests().len();
    assert!(sent <= 30, "{sent} requests in 20 s:\n{}", out.stderr);
    assert!(mutations(&f).is_empty());
    assert_eq!(conditions(&f), [(id, "ENABLED".to_string())]);
}

// ---------------------------------------------------------------------------------------------
// Changes accepted but never applied

#[test]
fn a_change_accepted_but_never_applied_stops_after_three_sends() {
    let swallowed = |method: &str, path: &str| fault(method, path, 100, respond(202, ""));
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    f.inject(swallowed("PUT", &format!("/nodes/{id}")));
    let out = run(&f, &["-disable", "-json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        mutations(&f),
        vec![format!("PUT /loadbalancers/{LB}/nodes/{id}"); 3]
    );
    let said = format!(
        "Error: load balancer {LB} accepted the change (update node {id} to DISABLED) 3 times but never applied it: it is ACTIVE and the node is as it was"
    );
    // The last word, not a deadline's "waiting for it to be ACTIVE".
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(&said[..]) || last.contains(&said),
        "{}",
        out.stderr
    );
    // -json keeps the node as last read, not null.
    let j = &json_lines(&out.stdout)[0];
    assert_eq!(
        (
            j["node_id"].as_u64(),
            j["condition"].as_str(),
            j["action"].as_str()
        ),
        (Some(id), Some("ENABLED"), Some("failed"))
    );

    // A create swallowed: the node stays absent.
    let f = fake();
    f.inject(swallowed("POST", "/nodes"));
    let out = run(&f, &["-json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        mutations(&f),
        vec![format!("POST /loadbalancers/{LB}/nodes"); 3]
    );
    assert!(
        out.stderr
            .contains("accepted the change (create the node as ENABLED) 3 times"),
        "{}",
        out.stderr
    );
    assert!(f.nodes(LB).is_empty());
    assert!(json_lines(&out.stdout)[0]["node_id"].is_null());

    // A delete swallowed: the node stays.
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "DISABLED");
    f.inject(swallowed("DELETE", &format!("/nodes/{id}")));
    let out = run(&f, &["-delete", "-json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        mutations(&f),
        vec![format!("DELETE /loadbalancers/{LB}/nodes/{id}"); 3]
    );
    assert_eq!(json_lines(&out.stdout)[0]["node_id"].as_u64(), Some(id));
}

#[test]
fn a_change_swallowed_twice_then_applied_succeeds() {
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    f.inject(fault("PUT", &format!("/nodes/{id}"), 2, respond(202, "")));
    let out = run(&f, &["-drain"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(mutations(&f).len(), 3);
    assert_eq!(conditions(&f), [(id, "DRAINING".to_string())]);
}

#[test]
fn progress_between_swallowed_sends_starts_the_count_afresh() {
    // Two duplicates, each change swallowed twice and then applied: four swallowed sends in
    // all, never three of one change in a row.
    let f = fake();
    let a = f.add_node(LB, ADDR, PORT, "ENABLED");
    let b = f.add_node(LB, ADDR, PORT, "ENABLED");
    f.inject(fault("PUT", &format!("/nodes/{a}"), 2, respond(202, "")));
    f.inject(fault("PUT", &format!("/nodes/{b}"), 2, respond(202, "")));
    let out = run(&f, &["-disable"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(mutations(&f).len(), 6);
    assert_eq!(f.unspent(), 0);
    assert!(f.nodes(LB).iter().all(|n| n.condition == "DISABLED"));
}
