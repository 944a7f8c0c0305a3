//! Quick checks of the fake Rackspace server itself, through a raw TcpStream client, so that a
//! failing peekaboo test can be blamed on peekaboo and not on its fixture.

use crate::fake;
use fake::identity::rfc3339_millis;
use fake::*;

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request to a full URL and returns every byte the server sent back.
fn raw(url: &str, method: &str, token: Option<&str>, body: Option<&str>) -> Vec<u8> {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut s = TcpStream::connect(host).expect("connect to fake");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n");
    if let Some(t) = token {
        req += &format!("X-Auth-Token: {t}\r\n");
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method == "POST" || method == "PUT" {
        req += &format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
    }
    req += "\r\n";
    req += body;
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    // A reset counts as "no answer", which is what the close faults are for.
    let _ = s.read_to_end(&mut out);
    out
}

pub(crate) fn call(url: &str, method: &str, token: Option<&str>, body: Option<&str>) -> Reply {
    let bytes = raw(url, method, token, body);
    let text = String::from_utf8(bytes).expect("UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("no end of head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let reply = Reply {
        status,
        headers,
        body: body.to_string(),
    };
    assert_eq!(reply.header("connection"), Some("close"));
    assert_eq!(
        reply.header("content-length"),
        Some(&*body.len().to_string())
    );
    reply
}

fn api_key_body(user: &str, key: &str) -> String {
    json!({"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": user, "apiKey": key}}}).to_string()
}

/// Authenticates with the API key and returns (token, publicURL of cloudLoadBalancers in region).
pub(crate) fn session(f: &Fake, region: &str) -> (String, String) {
    let cfg = Config::default();
    let body = api_key_body(&cfg.username, &cfg.api_key);
    let r = call(
        &format!("{}/tokens", f.auth_url()),
        "POST",
        None,
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let token = v["access"]["token"]["id"].as_str().unwrap().to_string();
    let lb = v["access"]["serviceCatalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "cloudLoadBalancers")
        .expect("cloudLoadBalancers entry");
    let url = lb["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["region"] == region)
        .expect("region endpoint")["publicURL"]
        .as_str()
        .unwrap()
        .to_string();
    (token, url)
}

fn node_body(address: &str, port: u16, condition: &str) -> String {
    json!({"nodes": [{"address": address, "port": port, "condition": condition}]}).to_string()
}

#[test]
fn authenticates_with_api_key_and_with_password() {
    let f = Fake::start(Config::default());
    let (token, url) = session(&f, "DFW");
    assert!(token.starts_with("tok-1-"), "{token}");
    assert!(url.ends_with("/dfw/v1.0/123456"), "{url}");

    let body = json!({"auth": {"passwordCredentials": {
        "username": "demo", "password": "pass-0123456789abcdef"}}});
    let r = call(
        &format!("{}/tokens", f.auth_url()),
        "POST",
        None,
        Some(&body.to_string()),
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["access"]["token"]["tenant"]["id"], "123456");
    assert_ne!(v["access"]["token"]["id"], token.as_str());
    // The decoy load-balancer entry comes first, so picking by type alone goes wrong.
    let catalog = v["access"]["serviceCatalog"].as_array().unwrap();
    let lb_types: Vec<&Value> = catalog
        .iter()
        .filter(|e| e["type"] == "rax:load-balancer")
        .map(|e| &e["name"])
        .collect();
    assert_eq!(
        lb_types,
        [
            &json!("cloudLoadBalancersTest"),
            &json!("cloudLoadBalancers")
        ]
    );
    let decoy = catalog[1]["endpoints"][0]["publicURL"].as_str().unwrap();
    let r = call(
        &format!("{decoy}/loadbalancers/1"),
        "GET",
        Some(&token),
        None,
    );
    assert_eq!(r.status, 500);
}

#[test]
fn rejects_bad_credentials_and_malformed_bodies() {
    let f = Fake::start(Config::default());
    let url = format!("{}/tokens", f.auth_url());
    let r = call(&url, "POST", None, Some(&api_key_body("demo", "wrong")));
    assert_eq!(r.status, 401);
    assert_eq!(
        r.body,
        r#"{"unauthorized":{"code":401,"message":"Unable to authenticate user with credentials provided."}}"#
    );
    let r = call(&url, "POST", None, Some("{not json"));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["badRequest"]["code"], 400);
    let r = call(&url, "POST", None, Some(r#"{"auth":{}}"#));
    assert_eq!(r.status, 400);
    // Garbage on the wire gets a 400, and the server keeps serving.
    let bytes = raw(&f.auth_url(), "NOT A REQUEST", None, None);
    assert!(String::from_utf8_lossy(&bytes).starts_with("HTTP/1.1 400 "));
    session(&f, "DFW");
}

#[test]
fn node_lifecycle() {
    let f = Fake::start(Config::default());
    f.add_lb(1, "DFW");
    let (tok, base) = session(&f, "DFW");
    let tok = Some(tok.as_str());
    let lb = format!("{base}/loadbalancers/1");

    let r = call(&lb, "GET", tok, None);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["loadBalancer"]["status"], "ACTIVE");
    assert_eq!(
        v["loadBalancer"]["sourceAddresses"]["ipv4Servicenet"],
        "127.0.0.2"
    );
    assert!(
        v["loadBalancer"].get("nodes").is_none(),
        "no nodes key when empty"
    );

    let r = call(
        &format!("{lb}/nodes"),
        "POST",
        tok,
        Some(&node_body("10.0.0.1", 80, "ENABLED")),
    );
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"nodes": [{"id": 1000, "address": "10.0.0.1", "port": 80, "condition": "ENABLED",
                          "status": "ONLINE", "weight": 1, "type": "PRIMARY"}]})
    );
    let r = call(&format!("{lb}/nodes"), "GET", tok, None);
    assert_eq!(r.json()["nodes"][0]["id"], 1000);
    assert_eq!(
        call(&lb, "GET", tok, None).json()["loadBalancer"]["nodes"][0]["id"],
        1000
    );

    let put = json!({"node": {"condition": "DRAINING"}}).to_string();
    let r = call(&format!("{lb}/nodes/1000"), "PUT", tok, Some(&put));
    assert_eq!((r.status, r.body.as_str()), (202, ""));
    assert_eq!(f.nodes(1)[0].condition, "DRAINING");
    let r = call(&format!("{lb}/nodes/1000"), "GET", tok, None);
    assert_eq!(r.json()["node"]["condition"], "DRAINING");

    let r = call(&format!("{lb}/nodes/1000"), "DELETE", tok, None);
    assert_eq!((r.status, r.body.as_str()), (202, ""));
    assert!(f.nodes(1).is_empty());
    let r = call(&format!("{lb}/nodes/1000"), "GET", tok, None);
    assert_eq!(r.status, 404);
    assert_eq!(r.body, r#"{"message":"Node not found","code":404}"#);
    let r = call(&format!("{lb}/nodes/1000"), "PUT", tok, Some(&put));
    assert_eq!(r.status, 404);

    assert_eq!(
        f.mutations(),
        [
            "POST /loadbalancers/1/nodes",
            "PUT /loadbalancers/1/nodes/1000",
            "DELETE /loadbalancers/1/nodes/1000",
            "PUT /loadbalancers/1/nodes/1000",
        ]
    );
    let last = f.requests().pop().unwrap();
    assert_eq!(last.path, "/dfw/v1.0/123456/loadbalancers/1/nodes/1000");
    assert_eq!(last.body, put);
}

#[test]
fn duplicates_validation_and_limits() {
    let f = Fake::start(Config {
        node_limit: 2,
        ..Config::default()
    });
    f.add_lb(1, "DFW");
    f.add_node(1, "::1", 80, "ENABLED");
    let (tok, base) = session(&f, "DFW");
    let nodes = format!("{base}/loadbalancers/1/nodes");
    let post = |body: &str| call(&nodes, "POST", Some(&tok), Some(body));

    let r = post(&node_body("0:0:0:0:0:0:0:1", 80, "ENABLED"));
    assert_eq!(r.status, 422);
    assert_eq!(
        r.body,
        r#"{"message":"Duplicate nodes detected. One or more nodes already configured on load balancer.","code":422}"#
    );
    for bad in [
        node_body("not-an-ip", 80, "ENABLED"),
        node_body("10.0.0.1", 0, "ENABLED"),
        node_body("10.0.0.1", 80, "ON"),
        json!({"nodes": [{"address": "10.0.0.1", "port": 80, "condition": "ENABLED", "weight": 101}]})
            .to_string(),
        "{".to_string(),
    ] {
        let r = post(&bad);
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["message"], "Validation Failure");
    }
    let two = json!({"nodes": [
        {"address": "10.0.0.1", "port": 80, "condition": "ENABLED"},
        {"address": "10.0.0.2", "port": 80, "condition": "ENABLED"}]});
    let r = post(&two.to_string());
    assert_eq!(r.status, 413);
    assert_eq!(
        r.body,
        r#"{"message":"Nodes must not exceed 2 per load balancer.","code":413}"#
    );
    assert_eq!(f.nodes(1).len(), 1, "rejected requests change nothing");

    f.delete_lb(1);
    assert_eq!(call(&nodes, "GET", Some(&tok), None).status, 410);
    let r = post(&node_body("10.0.0.9", 80, "ENABLED"));
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["message"],
        "The load balancer is deleted and considered immutable."
    );
}

#[test]
fn pending_update_locks_then_clears() {
    // A window no stall between the calls below can outlast (tests share the CPU with whole
    // fleets), and then a short one on a fake of its own to see it clear.
    let f = Fake::start(Config {
        pending: Duration::from_secs(3600),
        ..Config::default()
    });
    f.add_lb(7, "DFW");
    let (tok, base) = session(&f, "DFW");
    let nodes = format!("{base}/loadbalancers/7/nodes");
    let r = call(
        &nodes,
        "POST",
        Some(&tok),
        Some(&node_body("10.0.0.1", 80, "ENABLED")),
    );
    assert_eq!(r.status, 202);
    assert_eq!(f.lb_status(7), "PENDING_UPDATE");
    let r = call(
        &nodes,
        "POST",
        Some(&tok),
        Some(&node_body("10.0.0.2", 80, "ENABLED")),
    );
    assert_eq!(r.status, 422);
    assert_eq!(
        r.body,
        r#"{"message":"Load Balancer '7' has a status of 'PENDING_UPDATE' and is considered immutable.","code":422}"#
    );
    // GETs always work, and show the status.
    let lb = call(&format!("{base}/loadbalancers/7"), "GET", Some(&tok), None);
    assert_eq!(lb.json()["loadBalancer"]["status"], "PENDING_UPDATE");
    let short = Fake::start(Config {
        pending: Duration::from_millis(40),
        ..Config::default()
    });
    short.add_lb(7, "DFW");
    let (tok, base) = session(&short, "DFW");
    let r = call(
        &format!("{base}/loadbalancers/7/nodes"),
        "POST",
        Some(&tok),
        Some(&node_body("10.0.0.1", 80, "ENABLED")),
    );
    assert_eq!(r.status, 202);
    sleep(Duration::from_millis(50));
    assert_eq!(short.lb_status(7), "ACTIVE");

    f.set_status(7, "ERROR", None);
    assert_eq!(f.lb_status(7), "ERROR");
    f.set_status(7, "PENDING_UPDATE", Some(Duration::ZERO));
    assert_eq!(f.lb_status(7), "ACTIVE");
}

#[test]
fn expired_tokens_get_401_with_empty_body() {
    let f = Fake::start(Config::default());
    f.add_lb(1, "DFW");
    let (tok, base) = session(&f, "DFW");
    let lb = format!("{base}/loadbalancers/1");
    assert_eq!(call(&lb, "GET", Some(&tok), None).status, 200);
    assert_eq!(call(&lb, "GET", None, None).status, 401);
    f.expire_tokens();
    let r = call(&lb, "GET", Some(&tok), None);
    assert_eq!((r.status, r.body.as_str()), (401, ""));
    let (fresh, _) = session(&f, "DFW");
    assert_eq!(call(&lb, "GET", Some(&fresh), None).status, 200);
}

/// The token's `expires`, with the wall clock just before and just after asking for it.
fn expiry(f: &Fake) -> (SystemTime, String, SystemTime) {
    let cfg = Config::default();
    let url = format!("{}/tokens", f.auth_url());
    let before = SystemTime::now();
    let r = call(
        &url,
        "POST",
        None,
        Some(&api_key_body("demo", &cfg.api_key)),
    );
    let after = SystemTime::now();
    assert_eq!(r.status, 200, "{}", r.body);
    let expires = r.json()["access"]["token"]["expires"]
        .as_str()
        .unwrap()
        .to_string();
    (before, expires, after)
}

#[test]
fn expires_is_rfc3339_with_milliseconds_one_ttl_ahead() {
    let at = |ms: u64| rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms));
    assert_eq!(at(1_796_202_000_123), "2026-12-02T09:00:00.123Z");
    assert_eq!(at(951_782_400_000), "2000-02-29T00:00:00.000Z");
    assert_eq!(at(1_483_228_799_999), "2016-12-31T23:59:59.999Z");
    for ttl in [Duration::from_secs(24 * 3600), Duration::from_millis(1500)] {
        let f = Fake::start(Config {
            token_ttl: ttl,
            ..Config::default()
        });
        let (before, expires, after) = expiry(&f);
        // The same form in UTC sorts as time does, so the bounds are string comparisons.
        let (low, high) = (rfc3339_millis(before + ttl), rfc3339_millis(after + ttl));
        assert!(
            low <= expires && expires <= high,
            "{low} <= {expires} <= {high}"
        );
        let b = expires.as_bytes();
        assert_eq!(
            (b.len(), b[10], b[19], b[23]),
            (24, b'T', b'.', b'Z'),
            "{expires}"
        );
    }
}

#[test]
fn tokens_stop_working_once_their_ttl_has_passed() {
    let ttl = Duration::from_secs(1);
    let f = Fake::start(Config {
        token_ttl: ttl,
        ..Config::default()
    });
    f.add_lb(1, "DFW");
    let asked = Instant::now();
    let (tok, base) = session(&f, "DFW");
    let lb = format!("{base}/loadbalancers/1");
    let first = call(&lb, "GET", Some(&tok), None);
    let answered = Instant::now();
    // Issued after `asked`, so it worked for this request if the answer came within the ttl.
    if answered < asked + ttl {
        assert_eq!(first.status, 200, "{}", first.body);
    }
    // Issued before `answered`, so expired by then: waiting for that event, not for a while.
    sleep((answered + ttl).saturating_duration_since(Instant::now()));
    let r = call(&lb, "GET", Some(&tok), None);
    assert_eq!((r.status, r.body.as_str()), (401, ""));
    let last = f.requests().pop().unwrap();
    assert_eq!((last.method.as_str(), last.status), ("GET", 401));
    let (fresh, _) = session(&f, "DFW");
    assert_ne!(fresh, tok);
}

#[test]
fn injected_faults() {
    let f = Fake::start(Config::default());
    f.add_lb(1, "DFW");
    let (tok, base) = session(&f, "DFW");
    let tok = Some(tok.as_str());
    let nodes = format!("{base}/loadbalancers/1/nodes");
    f.inject(Fault {
        method: Some("GET".into()),
        path_suffix: Some("/nodes".into()),
        times: 1,
        skip: 0,
        action: over_limit("1"),
    });
    let r = call(&nodes, "GET", tok, None);
    assert_eq!(r.status, 413);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.json()["overLimit"]["code"], 413);
    assert_eq!(
        call(&nodes, "GET", tok, None).status,
        200,
        "the fault is spent"
    );

    f.inject(Fault {
        method: None,
        path_suffix: None,
        times: 1,
        skip: 0,
        action: status(503),
    });
    let r = call(&nodes, "GET", tok, None);
    assert_eq!(r.body, r#"{"message":"Service Unavailable","code":503}"#);

    f.inject(Fault {
        method: Some("POST".into()),
        path_suffix: Some("/nodes".into()),
        times: 1,
        skip: 0,
        action: Action::CloseBeforeHandling,
    });
    f.inject(Fault {
        method: Some("POST".into()),
        path_suffix: Some("/nodes".into()),
        times: 1,
        skip: 0,
        action: Action::CloseAfterApplying,
    });
    let body = node_body("10.0.0.1", 80, "ENABLED");
    assert!(raw(&nodes, "POST", tok, Some(&body)).is_empty());
    assert!(
        f.nodes(1).is_empty(),
        "closed before handling: nothing applied"
    );
    assert!(raw(&nodes, "POST", tok, Some(&body)).is_empty());
    assert_eq!(
        f.nodes(1).len(),
        1,
        "closed after applying: the node exists"
    );
    assert_eq!(call(&nodes, "POST", tok, Some(&body)).status, 422);
    assert_eq!(f.mutations().len(), 3, "faulted requests are recorded too");
}

#[test]
fn regions_are_isolated() {
    let f = Fake::start(Config::default());
    f.add_lb(1, "DFW");
    let (tok, ord) = session(&f, "ORD");
    let r = call(&format!("{ord}/loadbalancers/1"), "GET", Some(&tok), None);
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        r#"{"message":"Load balancer not found","code":404}"#
    );
    let (_, dfw) = session(&f, "DFW");
    let r = call(&format!("{dfw}/loadbalancers/1"), "GET", Some(&tok), None);
    assert_eq!(r.status, 200);
    let r = call(&format!("{dfw}/loadbalancers/2"), "GET", Some(&tok), None);
    assert_eq!(r.status, 404);
}
