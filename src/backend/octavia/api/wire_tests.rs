//! The client's calls against a scripted server on loopback: the requests it sends (method,
//! target, token, body) and how it reads what comes back.

use super::*;
use crate::backend::http::Transport;
use crate::backend::http::proxy::ProxyEnv;
use crate::core::model::Condition;
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LB: &str = "999f429b-f391-484e-a4ec-da3f197d4ce3";
const POOL: &str = "7e092d18-0e83-4bdc-a69c-1d15a92dd0e2";

/// Answers each request with the next (status, body) of `script`; records
/// "METHOD target token body" for each.
fn server(script: Vec<(u16, &'static str)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for ((status, body), tcp) in script.into_iter().zip(listener.incoming().flatten()) {
            tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let mut r = BufReader::new(&tcp);
            let (mut line, mut token, mut len) = (String::new(), String::new(), 0);
            r.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (name, value) = h.split_once(':').unwrap();
                match name.to_ascii_lowercase().as_str() {
                    "x-auth-token" => token = value.trim().to_string(),
                    "content-length" => len = value.trim().parse().unwrap(),
                    _ => {}
                }
            }
            let mut payload = vec![0; len];
            r.read_exact(&mut payload).unwrap();
            let target = line.split(' ').take(2).collect::<Vec<_>>().join(" ");
            let payload = String::from_utf8(payload).unwrap();
            log.lock()
                .unwrap()
                .push(format!("{target} {token} {payload}").trim_end().to_string());
            let answer = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let mut w = &tcp;
            let _ = w.write_all(answer.as_bytes());
        }
    });
    (base, seen)
}

fn run<T>(script: Vec<(u16, &'static str)>, f: impl FnOnce(&Octavia) -> T) -> (T, Vec<String>) {
    let (base, seen) = server(script);
    let http = Http::new(&Transport {
        request_timeout: Duration::from_secs(30),
        ca_certs: None,
        proxy: ProxyEnv::default(),
    });
    let token = Secret("tok-1".into());
    let deadline = Deadline::new(Duration::from_secs(30));
    let api = Octavia {
        http: &http,
        base: &base,
        token: &token,
        deadline: &deadline,
    };
    let out = f(&api);
    let seen = seen.lock().unwrap().clone();
    (out, seen)
}

const TWO: &str = r#"{"loadbalancers": [{"id": "a", "name": "web lb", "provisioning_status": "ACTIVE"}, {"id": "b", "name": "web lb", "provisioning_status": "ACTIVE"}], "loadbalancers_links": []}"#;
const NONE: &str = r#"{"loadbalancers": [], "loadbalancers_links": []}"#;
const WSME_404: &str =
    r#"{"faultcode": "Client", "faultstring": "Load Balancer x not found.", "debuginfo": null}"#;

#[test]
fn a_load_balancer_by_name_by_id_and_by_a_name_shaped_like_an_id() {
    let (got, seen) = run(vec![(200, TWO)], |api| api.load_balancer("web lb"));
    assert_eq!(seen, ["GET /v2/lbaas/loadbalancers?name=web%20lb tok-1"]);
    assert_eq!(
        got,
        Err(ApiError::Final(Error::Config(
            "2 load balancers are named web lb (a, b): set LOAD_BALANCER_ID to the id of one"
                .into()
        )))
    );
    let one = r#"{"loadbalancer": {"id": "999f429b-f391-484e-a4ec-da3f197d4ce3", "name": "web-lb", "provisioning_status": "ACTIVE", "provider": "ovn"}}"#;
    let (got, seen) = run(vec![(200, one)], |api| api.load_balancer(LB));
    assert_eq!(seen, [format!("GET /v2/lbaas/loadbalancers/{LB} tok-1")]);
    assert_eq!(got.map(|l| l.provider), Ok("ovn".to_string()));
    // Not found by id: looked up by name before it is called unknown, and then what exists
    // is named.
    let (got, seen) = run(vec![(404, WSME_404), (200, NONE), (200, TWO)], |api| {
        api.load_balancer(LB)
    });
    assert_eq!(
        seen,
        [
            format!("GET /v2/lbaas/loadbalancers/{LB} tok-1"),
            format!("GET /v2/lbaas/loadbalancers?name={LB} tok-1"),
            "GET /v2/lbaas/loadbalancers?fields=id&fields=name tok-1".to_string(),
        ]
    );
    assert_eq!(
        got,
        Err(ApiError::NotFound(
            "no id or name matches; the project has web lb (a), web lb (b)".into()
        ))
    );
    let (got, _) = run(vec![(200, NONE), (200, NONE)], |api| api.load_balancer("x"));
    assert_eq!(
        got,
        Err(ApiError::NotFound(
            "no id or name matches; the project has none here".into()
        ))
    );
}

#[test]
fn member_calls_send_what_they_should_and_read_what_comes_back() {
    let created = r#"{"member": {"id": "m1", "address": "10.9.9.9", "protocol_port": 8080, "weight": 1, "admin_state_up": true, "provisioning_status": "PENDING_CREATE", "operating_status": "NO_MONITOR", "tags": []}}"#;
    let list = r#"{"members": [{"id": "m1", "address": "10.9.9.9", "protocol_port": 8080, "weight": 0, "admin_state_up": true, "provisioning_status": "ACTIVE", "operating_status": "NO_MONITOR", "tags": []}], "members_links": []}"#;
    let pool_busy = r#"{"faultcode": "Client", "faultstring": "Pool 7e09 is immutable and cannot be updated.", "debuginfo": null}"#;
    let pools = r#"{"pools": [{"id": "7e092d18-0e83-4bdc-a69c-1d15a92dd0e2", "name": "web-pool", "healthmonitor_id": null}], "pools_links": []}"#;
    let script = vec![
        (200, pools),
        (201, created),
        (200, list),
        (409, pool_busy),
        (202, ""),
        (204, ""),
    ];
    let body = json!({"member": {"weight": 0}});
    let (got, seen) = run(script, |api| {
        let pools = api.pools(LB).map(|p| p.len());
        let made = api.create(POOL, &json!({"member": {"address": "10.9.9.9"}}));
        let listed = api.members(POOL).map(|m| m[0].member().condition.meaning);
        let busy = api.update(POOL, "m1", &body);
        let accepted = api.update(POOL, "m1", &body);
        let deleted = api.delete(POOL, "m1");
        (
            pools,
            made.map(|m| m.provisioning_status),
            listed,
            busy,
            accepted,
            deleted,
        )
    });
    assert_eq!(got.0, Ok(1));
    assert_eq!(got.1, Ok("PENDING_CREATE".to_string()));
    assert_eq!(got.2, Ok(Some(Condition::Draining)));
    assert!(matches!(got.3, Err(ApiError::Busy(m)) if m.starts_with("Pool 7e09")));
    assert_eq!((got.4, got.5), (Ok(()), Ok(())));
    let m = format!("/v2/lbaas/pools/{POOL}/members");
    assert_eq!(
        seen,
        [
            format!("GET /v2/lbaas/pools?loadbalancer_id={LB} tok-1"),
            format!(r#"POST {m} tok-1 {{"member":{{"address":"10.9.9.9"}}}}"#),
            format!("GET {m} tok-1"),
            format!(r#"PUT {m}/m1 tok-1 {{"member":{{"weight":0}}}}"#),
            format!(r#"PUT {m}/m1 tok-1 {{"member":{{"weight":0}}}}"#),
            format!("DELETE {m}/m1 tok-1"),
        ]
    );
}
