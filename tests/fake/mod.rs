//! A fake Rackspace Identity v2.0 + Cloud Load Balancers v1.0 server for tests.
//!
//! It answers the way docs/clb-api.md says the real service does (bodies, status codes, error
//! texts), so the client can be tested against the awkward cases: PENDING_UPDATE locks,
//! duplicate nodes, deleted LBs, expired tokens, rate limits and lost responses.
//!
//! The HTTP side is deliberately minimal: one request per connection, every answer carries
//! `Connection: close`. That keeps the server tiny and still exercises the client's reconnects.
//! JSON goes through serde_json, which peekaboo already depends on (no new crate).
#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// Limits on what we read: anything bigger is a broken client, and it must not eat the memory.
const MAX_LINE: u64 = 16 * 1024;
const MAX_HEADERS: usize = 100;
const MAX_BODY: usize = 1024 * 1024;

const DUPLICATE: &str =
    "Duplicate nodes detected. One or more nodes already configured on load balancer.";

#[derive(Clone, Debug)]
pub struct Config {
    pub username: String,
    pub api_key: String,
    pub password: String,
    pub tenant: String,
    /// One catalog endpoint per region; all regions share one state.
    pub regions: Vec<String>,
    /// How long an LB stays PENDING_UPDATE after each accepted change.
    pub pending: Duration,
    pub node_limit: usize,
    /// The `status` a node gets when the API creates it: "ONLINE" (the health check passes at
    /// once) or "OFFLINE" (until `set_node_status`).
    pub new_node_status: String,
    /// Added before every answer, like a WAN round trip (the benchmark uses 50 ms).
    pub latency: Duration,
    /// Enforce the documented per-account rate limits on the CLB API (GET 10/s, POST 5/s,
    /// PUT 10/s, DELETE 5/s) with the rate limiter's 413 and `Retry-After: 1`.
    pub rate_limits: bool,
    /// What the catalog's load balancer endpoints start with instead of this fake's own
    /// `http://127.0.0.1:PORT`: a TLS front, or a made-up host a test proxy maps here.
    pub lb_base: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            username: "demo".into(),
            // Distinctive so a test can grep logs and error messages for leaked secrets.
            api_key: "key-0123456789abcdef".into(),
            password: "pass-0123456789abcdef".into(),
            tenant: "123456".into(),
            regions: vec!["DFW".into(), "ORD".into(), "IAD".into()],
            pending: Duration::ZERO,
            node_limit: 25,
            new_node_status: "ONLINE".into(),
            latency: Duration::ZERO,
            rate_limits: false,
            lb_base: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub id: u64,
    pub address: String,
    pub port: u16,
    pub condition: String,
    pub status: String,
    pub weight: u32,
    pub node_type: String,
}

#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// The request target exactly as received, e.g. "/dfw/v1.0/123456/loadbalancers/1/nodes".
    pub path: String,
    pub body: String,
    /// When the request was read in full: tests compare it with what they did and when.
    pub at: Instant,
    /// Whether the rate limits (`Config::rate_limits`) refused it.
    pub rate_limited: bool,
    /// The status answered (0 when the connection was closed instead).
    pub status: u16,
    /// Names lower-cased, values trimmed, in the order received.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Fault {
    pub method: Option<String>,
    /// Matches if the request path (without any query string) ends with this.
    pub path_suffix: Option<String>,
    /// How many matching requests it applies to; then it is spent.
    pub times: usize,
    /// How many matching requests to let through first: `skip: 2` faults the third.
    pub skip: usize,
    pub action: Action,
}

#[derive(Clone, Debug)]
pub enum Action {
    /// Answer this instead of handling the request.
    Respond {
        status: u16,
        body: String,
        headers: Vec<(String, String)>,
    },
    /// Read the request, then close the socket without answering or applying it.
    CloseBeforeHandling,
    /// Apply the request as normal, then close without answering: a lost response.
    CloseAfterApplying,
    /// Apply the request as normal, then answer only after this long (a slow response).
    Delay(Duration),
    /// Apply the request as normal, then send the head and half the body, and close.
    Truncate,
}

/// A fault on requests with `method` whose path ends with `path_suffix`.
pub fn fault(method: &str, path_suffix: &str, times: usize, action: Action) -> Fault {
    Fault {
        method: Some(method.to_string()),
        path_suffix: Some(path_suffix.to_string()),
        times,
        skip: 0,
        action,
    }
}

/// The rate-limit proxy's answer: 413 with a wrapped `overLimit` body and a `Retry-After` header
/// (pass seconds like "1" or an HTTP date; both occur in the wild).
pub fn over_limit(retry_after_header: &str) -> Action {
    Action::Respond {
        status: 413,
        body: r#"{"overLimit":{"code":413,"message":"OverLimit Retry...","retryAfter":"2026-01-01T00:00:00Z"}}"#
            .to_string(),
        headers: vec![("Retry-After".to_string(), retry_after_header.to_string())],
    }
}

/// Answer `status` with `body` and no particular header.
pub fn respond(status: u16, body: impl Into<String>) -> Action {
    Action::Respond {
        status,
        body: body.into(),
        headers: vec![],
    }
}

/// A plain flat JSON error such as `{"message":"Service Unavailable","code":503}`.
pub fn status(code: u16) -> Action {
    Action::Respond {
        status: code,
        body: flat(code, reason(code)),
        headers: vec![("Content-Type".to_string(), "application/json".to_string())],
    }
}

struct Lb {
    region: String,
    deleted: bool,
    /// An override of ACTIVE, until the deadline (None = for good). Computing the effective
    /// status from an Instant means no background thread has to flip it back.
    status: Option<(String, Option<Instant>)>,
    nodes: Vec<Node>,
    /// Changes applied so far: the `updated` time moves on by a second with each, as the real
    /// one moves with every change (so a client can tell a stuck load balancer from a busy one).
    changes: u64,
}

impl Lb {
    fn effective_status(&self, now: Instant) -> String {
        if self.deleted {
            return "DELETED".into();
        }
        match &self.status {
            Some((s, until)) if until.is_none_or(|t| now < t) => s.clone(),
            _ => "ACTIVE".into(),
        }
    }

    /// Every accepted change locks the LB for a while, as the real service does.
    fn touch(&mut self, now: Instant, pending: Duration) {
        self.changes += 1;
        if !pending.is_zero() {
            self.status = Some(("PENDING_UPDATE".into(), Some(now + pending)));
        }
    }
}

#[derive(Default)]
struct State {
    lbs: BTreeMap<u64, Lb>,
    next_node_id: u64,
    token_count: u64,
    tokens: Vec<String>,
    faults: Vec<Fault>,
    /// Random faults: (xorshift state, percent of requests, actions to pick from).
    chaos: Option<(u64, u32, Vec<Action>)>,
    /// How many requests got a fault, scripted or random (rate limits not counted).
    fired: usize,
    /// How many requests the rate limits refused.
    rate_limited: usize,
    /// Recent CLB requests per verb, for the rate limits.
    recent: BTreeMap<String, Vec<Instant>>,
    requests: Vec<Request>,
    mutations: Vec<String>,
}

impl State {
    fn take_fault(&mut self, method: &str, path: &str) -> Option<Action> {
        let scripted = self.faults.iter_mut().find(|f| {
            f.times > 0
                && f.method
                    .as_ref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && f.path_suffix
                    .as_ref()
                    .is_none_or(|s| path.ends_with(s.as_str()))
        });
        if let Some(f) = scripted {
            if f.skip > 0 {
                f.skip -= 1;
                return None;
            }
            f.times -= 1;
            let action = f.action.clone();
            self.fired += 1;
            return Some(action);
        }
        let (rng, percent, actions) = self.chaos.as_mut()?;
        // xorshift64: the same seed gives the same faults on the same request sequence.
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        if (*rng % 100) as u32 >= *percent || actions.is_empty() {
            return None;
        }
        let action = actions[(*rng >> 32) as usize % actions.len()].clone();
        self.fired += 1;
        Some(action)
    }

    /// Whether `method` is over its documented per-second limit; records the request if not.
    fn over_rate_limit(&mut self, method: &str, now: Instant) -> bool {
        let per_second = match method {
            "GET" | "PUT" => 10,
            _ => 5,
        };
        let recent = self.recent.entry(method.to_string()).or_default();
        recent.retain(|t| now.duration_since(*t) < Duration::from_secs(1));
        if recent.len() >= per_second {
            return true;
        }
        recent.push(now);
        false
    }
}

struct Shared {
    cfg: Config,
    port: u16,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking handler thread must not take the whole fake down with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Handle to a running fake. The server threads live as long as the test process.
pub struct Fake {
    shared: Arc<Shared>,
}

impl Fake {
    pub fn start(cfg: Config) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake: bind 127.0.0.1:0");
        let port = listener.local_addr().expect("fake: local_addr").port();
        let shared = Arc::new(Shared {
            cfg,
            port,
            state: Mutex::new(State {
                next_node_id: 1000,
                ..State::default()
            }),
        });
        let sh = Arc::clone(&shared);
        thread::spawn(move || {
            for conn in listener.incoming() {
                match conn {
                    Ok(stream) => {
                        let sh = Arc::clone(&sh);
                        thread::spawn(move || serve(&sh, stream));
                    }
                    // Out of file descriptors and the like: don't spin at full speed.
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Fake { shared }
    }

    /// The Identity endpoint, "http://127.0.0.1:PORT/v2.0" (what OS_AUTH_URL holds).
    pub fn auth_url(&self) -> String {
        format!("http://127.0.0.1:{}/v2.0", self.shared.port)
    }

    /// The environment peekaboo needs to use this fake for load balancer `lb` in `region`.
    pub fn env(&self, lb: u64, region: &str) -> Vec<(&'static str, String)> {
        vec![
            ("OS_AUTH_URL", self.auth_url()),
            ("OS_USERNAME", self.shared.cfg.username.clone()),
            ("OS_PASSWORD", self.shared.cfg.api_key.clone()),
            ("OS_REGION_NAME", region.to_string()),
            ("LOAD_BALANCER_ID", lb.to_string()),
        ]
    }

    /// An ACTIVE LB with no nodes, visible only through `region`'s catalog endpoint.
    pub fn add_lb(&self, id: u64, region: &str) {
        let regions = &self.shared.cfg.regions;
        assert!(
            regions.iter().any(|r| r.eq_ignore_ascii_case(region)),
            "fake: add_lb({id}, {region:?}): region not in Config.regions {regions:?}"
        );
        let lb = Lb {
            region: region.to_string(),
            deleted: false,
            status: None,
            nodes: Vec::new(),
            changes: 0,
        };
        self.shared.lock().lbs.insert(id, lb);
    }

    /// Test setup, not an API call: no validation, no duplicate check, no PENDING_UPDATE.
    pub fn add_node(&self, lb: u64, address: &str, port: u16, condition: &str) -> u64 {
        let mut st = self.shared.lock();
        let id = st.next_node_id;
        st.next_node_id += 1;
        let node = Node {
            id,
            address: address.to_string(),
            port,
            condition: condition.to_string(),
            status: "ONLINE".into(),
            weight: 1,
            node_type: "PRIMARY".into(),
        };
        lb_mut(&mut st, lb).nodes.push(node);
        id
    }

    /// Current nodes, in creation order. Panics on an unknown LB (a test bug), as do the
    /// other per-LB helpers.
    pub fn nodes(&self, lb: u64) -> Vec<Node> {
        lb_mut(&mut self.shared.lock(), lb).nodes.clone()
    }

    /// What the health check says of a node: "ONLINE" or "OFFLINE".
    pub fn set_node_status(&self, lb: u64, node: u64, status: &str) {
        let mut st = self.shared.lock();
        match lb_mut(&mut st, lb).nodes.iter_mut().find(|n| n.id == node) {
            Some(n) => n.status = status.to_string(),
            None => panic!("fake: no node {node} on load balancer {lb}"),
        }
    }

    pub fn lb_status(&self, lb: u64) -> String {
        lb_mut(&mut self.shared.lock(), lb).effective_status(Instant::now())
    }

    /// Forces a status, back to ACTIVE after `for_` (None: until changed again).
    pub fn set_status(&self, lb: u64, status: &str, for_: Option<Duration>) {
        let until = for_.map(|d| Instant::now() + d);
        lb_mut(&mut self.shared.lock(), lb).status = Some((status.to_string(), until));
    }

    /// GETs answer 410 from now on, mutations 422.
    pub fn delete_lb(&self, lb: u64) {
        lb_mut(&mut self.shared.lock(), lb).deleted = true;
    }

    /// Every token issued so far stops working: CLB calls answer 401 until a new login.
    pub fn expire_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// Faults are tried in the order injected; the first unspent match applies.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// How many requests got a fault so far, scripted or random.
    pub fn fired(&self) -> usize {
        self.shared.lock().fired
    }

    /// How many requests the rate limits (`Config::rate_limits`) refused with 413.
    pub fn rate_limited(&self) -> usize {
        self.shared.lock().rate_limited
    }

    /// Scripted faults not yet used up: a test whose faults never fired tested nothing.
    pub fn unspent(&self) -> usize {
        self.shared.lock().faults.iter().map(|f| f.times).sum()
    }

    /// From now on, `percent` of the requests no scripted fault takes get one of `actions`,
    /// chosen by a generator seeded with `seed` (so a failing run can be replayed).
    pub fn chaos(&self, seed: u64, percent: u32, actions: Vec<Action>) {
        self.shared.lock().chaos = Some((seed | 1, percent, actions));
    }

    /// Every parsed request, faulted ones included (unparseable ones are answered 400 only).
    pub fn requests(&self) -> Vec<Request> {
        self.shared.lock().requests.clone()
    }

    /// "METHOD /loadbalancers/..." for each POST/PUT/DELETE/PATCH received through a region's
    /// CLB endpoint (the "/{region}/v1.0/{tenant}" prefix stripped), whether it was accepted,
    /// refused or faulted. Requests to the decoy endpoints are only in `requests()`.
    pub fn mutations(&self) -> Vec<String> {
        self.shared.lock().mutations.clone()
    }
}

fn lb_mut(st: &mut State, id: u64) -> &mut Lb {
    match st.lbs.get_mut(&id) {
        Some(lb) => lb,
        None => panic!("fake: no load balancer {id}; call add_lb first"),
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP

struct Resp {
    status: u16,
    body: String,
    headers: Vec<(String, String)>,
}

fn json_resp(status: u16, body: String) -> Resp {
    let headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    Resp {
        status,
        body,
        headers,
    }
}

fn empty(status: u16) -> Resp {
    Resp {
        status,
        body: String::new(),
        headers: Vec::new(),
    }
}

/// CLB error bodies are flat; written by hand so the key order matches the real service.
fn flat(code: u16, message: &str) -> String {
    format!(r#"{{"message":{},"code":{code}}}"#, Value::from(message))
}

fn clb_error(code: u16, message: &str) -> Resp {
    json_resp(code, flat(code, message))
}

fn validation(details: &str) -> Resp {
    let body = format!(
        r#"{{"message":"Validation Failure","code":400,"details":{}}}"#,
        Value::from(details)
    );
    json_resp(400, body)
}

fn not_found() -> Resp {
    clb_error(404, "Resource not found")
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        413 => "Request Entity Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

enum ReadError {
    /// The peer went away or stalled; there is nobody to answer.
    Gone,
    /// Not a request we can parse: answer 400.
    Bad(String),
}

fn bad(msg: &str) -> ReadError {
    ReadError::Bad(msg.to_string())
}

fn read_line(r: &mut impl BufRead) -> Result<String, ReadError> {
    let mut buf = Vec::new();
    r.take(MAX_LINE)
        .read_until(b'\n', &mut buf)
        .map_err(|_| ReadError::Gone)?;
    if buf.last() != Some(&b'\n') {
        // EOF mid-line, or a line longer than MAX_LINE.
        return Err(if buf.len() as u64 >= MAX_LINE {
            bad("line too long")
        } else {
            ReadError::Gone
        });
    }
    let line = String::from_utf8(buf).map_err(|_| bad("request head is not UTF-8"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn read_request(stream: &TcpStream) -> Result<Request, ReadError> {
    let mut r = BufReader::new(stream);
    let line = read_line(&mut r)?;
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, path, version] = parts.as_slice() else {
        return Err(bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !path.starts_with('/') {
        return Err(bad("malformed request line"));
    }
    let mut headers = Vec::new();
    loop {
        let line = read_line(&mut r)?;
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(bad("too many headers"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("malformed header"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut req = Request {
        method: method.to_string(),
        path: path.to_string(),
        body: String::new(),
        at: Instant::now(),
        rate_limited: false,
        status: 0,
        headers,
    };
    if req
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        let mut w = stream;
        let _ = w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    // ureq sends sized bodies; refuse anything else loudly rather than misread it.
    if req.header("transfer-encoding").is_some() {
        return Err(bad("the fake only reads Content-Length bodies"));
    }
    let len = match req.header("content-length") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| bad("bad Content-Length"))?,
    };
    if len > MAX_BODY {
        return Err(bad("body too large"));
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).map_err(|_| ReadError::Gone)?;
    req.body = String::from_utf8(body).map_err(|_| bad("body is not UTF-8"))?;
    req.at = Instant::now();
    Ok(req)
}

fn write_response(mut stream: &TcpStream, resp: &Resp) {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (name, value) in &resp.headers {
        // Framing is ours to decide, whatever a scripted fault says.
        let n = name.to_ascii_lowercase();
        if n != "content-length" && n != "connection" && n != "transfer-encoding" {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        resp.body.len()
    ));
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(resp.body.as_bytes());
    let _ = stream.flush();
}

/// The head promises the whole body; only half of it comes before the connection closes.
fn write_truncated(mut stream: &TcpStream, resp: &Resp) {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        resp.status,
        reason(resp.status),
        resp.body.len()
    );
    let half = &resp.body.as_bytes()[..resp.body.len() / 2];
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(half);
    let _ = stream.flush();
}

fn serve(sh: &Shared, stream: TcpStream) {
    // A client that connects and then says nothing must not pin this thread forever.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let req = match read_request(&stream) {
        Ok(req) => req,
        Err(ReadError::Gone) => return,
        Err(ReadError::Bad(msg)) => {
            let body = format!(
                r#"{{"message":"Bad Request","code":400,"details":{}}}"#,
                Value::from(msg)
            );
            write_response(&stream, &json_resp(400, body));
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    };
    let route = req.path.split('?').next().unwrap_or("").to_string();
    if !sh.cfg.latency.is_zero() {
        thread::sleep(sh.cfg.latency);
    }
    let (index, fault) = {
        let mut st = sh.lock();
        st.requests.push(req.clone());
        let index = st.requests.len() - 1;
        let clb = clb_prefix(&sh.cfg, &route);
        if matches!(req.method.as_str(), "POST" | "PUT" | "DELETE" | "PATCH")
            && let Some((_, sub)) = clb
        {
            st.mutations.push(format!("{} {}", req.method, sub));
        }
        let fault = if sh.cfg.rate_limits
            && clb.is_some()
            && st.over_rate_limit(&req.method, Instant::now())
        {
            st.rate_limited += 1;
            st.requests[index].rate_limited = true;
            Some(over_limit("1"))
        } else {
            st.take_fault(&req.method, &route)
        };
        (index, fault)
    };
    let resp = match fault {
        Some(Action::Respond {
            status,
            body,
            headers,
        }) => Resp {
            status,
            body,
            headers,
        },
        Some(Action::CloseBeforeHandling) => {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        Some(Action::CloseAfterApplying) => {
            let _ = handle(sh, &req, &route);
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        Some(Action::Delay(d)) => {
            let resp = handle(sh, &req, &route);
            thread::sleep(d);
            resp
        }
        Some(Action::Truncate) => {
            let mut resp = handle(sh, &req, &route);
            if resp.body.len() < 2 {
                resp.body = r#"{"nodes":[]}"#.to_string();
            }
            write_truncated(&stream, &resp);
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        None => handle(sh, &req, &route),
    };
    sh.lock().requests[index].status = resp.status;
    write_response(&stream, &resp);
    let _ = stream.shutdown(Shutdown::Both);
}

/// Splits "/dfw/v1.0/123456/loadbalancers/1" into the configured region ("DFW") and the path
/// relative to the tenant endpoint ("/loadbalancers/1"). Each region gets its own path prefix so
/// that one listener can tell which catalog endpoint the client picked.
fn clb_prefix<'a>(cfg: &'a Config, path: &'a str) -> Option<(&'a str, &'a str)> {
    let (region, rest) = path.strip_prefix('/')?.split_once('/')?;
    let region = cfg.regions.iter().find(|r| r.to_lowercase() == region)?;
    let sub = rest
        .strip_prefix("v1.0/")?
        .strip_prefix(cfg.tenant.as_str())?;
    (sub.is_empty() || sub.starts_with('/')).then_some((region.as_str(), sub))
}

fn handle(sh: &Shared, req: &Request, route: &str) -> Resp {
    if route == "/v2.0/tokens" && req.method == "POST" {
        return identity(sh, req);
    }
    if route.starts_with("/decoy/") {
        // Only a client that picked the catalog entry by type alone, not by name, gets here.
        return clb_error(500, "decoy endpoint: wrong catalog entry chosen");
    }
    match clb_prefix(&sh.cfg, route) {
        Some((region, sub)) => clb(sh, req, region, sub),
        None => not_found(),
    }
}

// ---------------------------------------------------------------------------------------------
// Identity

fn identity(sh: &Shared, req: &Request) -> Resp {
    let cfg = &sh.cfg;
    let bad_request = |msg: &str| {
        json_resp(
            400,
            json!({"badRequest": {"code": 400, "message": msg}}).to_string(),
        )
    };
    let Ok(v) = serde_json::from_str::<Value>(&req.body) else {
        return bad_request("Invalid json request body");
    };
    // Indexing a serde_json Value never panics: a missing key or wrong type is Null.
    let auth = &v["auth"];
    let (user, secret, expected) = if let Some(c) = auth.get("RAX-KSKEY:apiKeyCredentials") {
        (c["username"].as_str(), c["apiKey"].as_str(), &cfg.api_key)
    } else if let Some(c) = auth.get("passwordCredentials") {
        (
            c["username"].as_str(),
            c["password"].as_str(),
            &cfg.password,
        )
    } else {
        return bad_request("Invalid request body: no supported credentials found");
    };
    let (Some(user), Some(secret)) = (user, secret) else {
        return bad_request("Invalid request body: username and credential are required");
    };
    if user != cfg.username || secret != expected {
        let body = json!({"unauthorized": {
            "code": 401,
            "message": "Unable to authenticate user with credentials provided."
        }});
        return json_resp(401, body.to_string());
    }
    let token = {
        let mut st = sh.lock();
        st.token_count += 1;
        let token = format!("tok-{}-a1b2c3d4e5f6", st.token_count);
        st.tokens.push(token.clone());
        token
    };
    let base = format!("http://127.0.0.1:{}", sh.port);
    let lb_base = cfg.lb_base.as_deref().unwrap_or(&base);
    let t = &cfg.tenant;
    let per_region = |url: &dyn Fn(&str) -> String| -> Vec<Value> {
        let endpoint =
            |r: &String| json!({"region": r, "tenantId": t, "publicURL": url(r.as_str())});
        cfg.regions.iter().map(endpoint).collect()
    };
    // The decoys come first so that a client taking the first entry of the right type, or the
    // first entry at all, lands on an endpoint that answers 500.
    let catalog = json!([
        {"name": "cloudServersOpenStack", "type": "compute",
         "endpoints": per_region(&|r: &str| format!("{base}/decoy/compute/{}/v2/{t}", r.to_lowercase()))},
        {"name": "cloudLoadBalancersTest", "type": "rax:load-balancer",
         "endpoints": per_region(&|_: &str| format!("{base}/decoy/{t}"))},
        // Real catalogs have entries without a region; the client must cope.
        {"name": "cloudDNS", "type": "rax:dns",
         "endpoints": [{"tenantId": t, "publicURL": format!("{base}/decoy/dns/v1.0/{t}")}]},
        {"name": "cloudLoadBalancers", "type": "rax:load-balancer",
         "endpoints": per_region(&|r: &str| format!("{lb_base}/{}/v1.0/{t}", r.to_lowercase()))},
    ]);
    let body = json!({"access": {
        "token": {
            "id": token,
            "expires": "2026-12-01T12:00:00.000Z",
            "tenant": {"id": t, "name": t},
            "RAX-AUTH:authenticatedBy": ["APIKEY"],
        },
        "serviceCatalog": catalog,
        "user": {
            "id": "10001",
            "name": cfg.username,
            "roles": [{"id": "3", "name": "identity:user-admin"}],
            "RAX-AUTH:defaultRegion": cfg.regions.first().cloned().unwrap_or_default(),
        },
    }});
    json_resp(200, body.to_string())
}

// ---------------------------------------------------------------------------------------------
// Cloud Load Balancers

enum Op {
    GetLb,
    ListNodes,
    GetNode(u64),
    AddNodes,
    UpdateNode(u64),
    DeleteNode(u64),
}

fn parse_op(method: &str, sub: &str) -> Option<(u64, Op)> {
    let segs: Vec<&str> = sub.strip_prefix('/')?.split('/').collect();
    let ["loadbalancers", lb, rest @ ..] = segs.as_slice() else {
        return None;
    };
    let op = match (method, rest) {
        ("GET", []) => Op::GetLb,
        ("GET", ["nodes"]) => Op::ListNodes,
        ("POST", ["nodes"]) => Op::AddNodes,
        ("GET", ["nodes", n]) => Op::GetNode(n.parse().ok()?),
        ("PUT", ["nodes", n]) => Op::UpdateNode(n.parse().ok()?),
        ("DELETE", ["nodes", n]) => Op::DeleteNode(n.parse().ok()?),
        _ => return None,
    };
    Some((lb.parse().ok()?, op))
}

fn clb(sh: &Shared, req: &Request, region: &str, sub: &str) -> Resp {
    let mut st = sh.lock();
    let token = req.header("x-auth-token");
    if !token.is_some_and(|t| st.tokens.iter().any(|k| k == t)) {
        return empty(401);
    }
    let Some((id, op)) = parse_op(&req.method, sub) else {
        return not_found();
    };
    let now = Instant::now();
    let State {
        lbs, next_node_id, ..
    } = &mut *st;
    // An LB is only visible through its own region's endpoint, as with the real per-region hosts.
    let Some(lb) = lbs
        .get_mut(&id)
        .filter(|lb| lb.region.eq_ignore_ascii_case(region))
    else {
        return clb_error(404, "Load balancer not found");
    };
    if lb.deleted {
        return match op {
            Op::GetLb | Op::ListNodes | Op::GetNode(_) => {
                clb_error(410, "The loadbalancer is marked as deleted.")
            }
            _ => clb_error(
                422,
                "The load balancer is deleted and considered immutable.",
            ),
        };
    }
    let cfg = &sh.cfg;
    match op {
        Op::GetLb => json_resp(
            200,
            json!({"loadBalancer": lb_json(id, lb, now)}).to_string(),
        ),
        Op::ListNodes => {
            let nodes: Vec<Value> = lb.nodes.iter().map(node_json).collect();
            json_resp(200, json!({"nodes": nodes}).to_string())
        }
        Op::GetNode(nid) => match lb.nodes.iter().find(|n| n.id == nid) {
            Some(n) => json_resp(200, json!({"node": node_json(n)}).to_string()),
            None => clb_error(404, "Node not found"),
        },
        Op::AddNodes => add_nodes(cfg, lb, id, next_node_id, &req.body, now),
        Op::UpdateNode(nid) => update_node(cfg, lb, id, nid, &req.body, now),
        Op::DeleteNode(nid) => {
            let Some(pos) = lb.nodes.iter().position(|n| n.id == nid) else {
                return clb_error(404, "Node not found");
            };
            if let Some(refused) = immutable(lb, id, now) {
                return refused;
            }
            lb.nodes.remove(pos);
            lb.touch(now, cfg.pending);
            empty(202)
        }
    }
}

fn immutable(lb: &Lb, id: u64, now: Instant) -> Option<Resp> {
    let status = lb.effective_status(now);
    (status != "ACTIVE").then(|| {
        let msg =
            format!("Load Balancer '{id}' has a status of '{status}' and is considered immutable.");
        clb_error(422, &msg)
    })
}

// Checks run in this order: body validation (400), LB status (422), duplicates (422), limit (413).
fn add_nodes(
    cfg: &Config,
    lb: &mut Lb,
    id: u64,
    next_id: &mut u64,
    body: &str,
    now: Instant,
) -> Resp {
    let v: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => return validation(&format!("malformed JSON: {e}")),
    };
    let Some(items) = v["nodes"].as_array().filter(|a| !a.is_empty()) else {
        return validation("expected {\"nodes\":[...]} with at least one node");
    };
    let mut new = Vec::new();
    for item in items {
        match new_node(item) {
            Ok(node) => new.push(node),
            Err(details) => return validation(&details),
        }
    }
    if let Some(refused) = immutable(lb, id, now) {
        return refused;
    }
    for (i, n) in new.iter().enumerate() {
        if lb
            .nodes
            .iter()
            .chain(&new[..i])
            .any(|o| same_endpoint(o, n))
        {
            return clb_error(422, DUPLICATE);
        }
    }
    if lb.nodes.len() + new.len() > cfg.node_limit {
        let msg = format!(
            "Nodes must not exceed {} per load balancer.",
            cfg.node_limit
        );
        return clb_error(413, &msg);
    }
    for n in &mut new {
        n.id = *next_id;
        n.status = cfg.new_node_status.clone();
        *next_id += 1;
    }
    let out: Vec<Value> = new.iter().map(node_json).collect();
    lb.nodes.extend(new);
    lb.touch(now, cfg.pending);
    json_resp(202, json!({"nodes": out}).to_string())
}

fn update_node(cfg: &Config, lb: &mut Lb, id: u64, nid: u64, body: &str, now: Instant) -> Resp {
    let Some(pos) = lb.nodes.iter().position(|n| n.id == nid) else {
        return clb_error(404, "Node not found");
    };
    let v: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => return validation(&format!("malformed JSON: {e}")),
    };
    let Some(fields) = v["node"].as_object().filter(|o| !o.is_empty()) else {
        return validation("expected {\"node\":{...}} with condition, type or weight");
    };
    // Address and port cannot change on the real service; sending them is a client bug.
    if let Some(key) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "condition" | "type" | "weight"))
    {
        return validation(&format!("attribute '{key}' cannot be updated"));
    }
    let parsed = (|| -> Result<_, String> {
        let condition = fields.get("condition").map(parse_condition).transpose()?;
        let node_type = fields.get("type").map(parse_type).transpose()?;
        let weight = fields.get("weight").map(parse_weight).transpose()?;
        Ok((condition, node_type, weight))
    })();
    let (condition, node_type, weight) = match parsed {
        Ok(p) => p,
        Err(details) => return validation(&details),
    };
    if let Some(refused) = immutable(lb, id, now) {
        return refused;
    }
    let node = &mut lb.nodes[pos];
    if let Some(c) = condition {
        node.condition = c;
    }
    if let Some(t) = node_type {
        node.node_type = t;
    }
    if let Some(w) = weight {
        node.weight = w;
    }
    // Even a no-op change locks the LB: the real service does not look.
    lb.touch(now, cfg.pending);
    empty(202)
}

fn new_node(v: &Value) -> Result<Node, String> {
    let address = v["address"].as_str().ok_or("node address is required")?;
    if address.parse::<IpAddr>().is_err() {
        return Err(format!(
            "node address '{address}' is not a valid IP address"
        ));
    }
    let port = v["port"]
        .as_u64()
        .filter(|p| (1..=65535).contains(p))
        .ok_or("node port must be an integer from 1 to 65535")?;
    let condition = parse_condition(&v["condition"])?;
    let node_type = match v.get("type") {
        Some(t) => parse_type(t)?,
        None => "PRIMARY".into(),
    };
    let weight = match v.get("weight") {
        Some(w) => parse_weight(w)?,
        None => 1,
    };
    Ok(Node {
        id: 0,
        address: address.to_string(),
        port: port as u16,
        condition,
        status: "ONLINE".into(),
        weight,
        node_type,
    })
}

fn parse_condition(v: &Value) -> Result<String, String> {
    match v.as_str() {
        Some(c @ ("ENABLED" | "DISABLED" | "DRAINING")) => Ok(c.to_string()),
        _ => Err(format!(
            "node condition must be ENABLED, DISABLED or DRAINING, not {v}"
        )),
    }
}

fn parse_type(v: &Value) -> Result<String, String> {
    match v.as_str() {
        Some(t @ ("PRIMARY" | "SECONDARY")) => Ok(t.to_string()),
        _ => Err(format!("node type must be PRIMARY or SECONDARY, not {v}")),
    }
}

fn parse_weight(v: &Value) -> Result<u32, String> {
    match v.as_u64() {
        Some(w @ 1..=100) => Ok(w as u32),
        _ => Err(format!(
            "node weight must be an integer from 1 to 100, not {v}"
        )),
    }
}

/// Same port and same IP, whatever the spelling ("::1" is "0:0:0:0:0:0:0:1").
fn same_endpoint(a: &Node, b: &Node) -> bool {
    let same_ip = match (a.address.parse::<IpAddr>(), b.address.parse::<IpAddr>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.address == b.address,
    };
    a.port == b.port && same_ip
}

fn node_json(n: &Node) -> Value {
    json!({
        "id": n.id,
        "address": n.address,
        "port": n.port,
        "condition": n.condition,
        "status": n.status,
        "weight": n.weight,
        "type": n.node_type,
    })
}

/// The real service's format, a second later for each change applied.
fn updated_time(changes: u64) -> String {
    let s = 36_000 + changes;
    format!(
        "2026-12-{:02}T{:02}:{:02}:{:02}Z",
        1 + s / 86_400,
        s / 3600 % 24,
        s / 60 % 60,
        s % 60
    )
}

fn lb_json(id: u64, lb: &Lb, now: Instant) -> Value {
    let mut v = json!({
        "id": id,
        "name": format!("lb-{id}"),
        "status": lb.effective_status(now),
        "protocol": "HTTP",
        "port": 80,
        "algorithm": "RANDOM",
        "created": {"time": "2026-12-01T10:00:00Z"},
        "updated": {"time": updated_time(lb.changes)},
        "sourceAddresses": {
            "ipv4Public": "127.0.0.3",
            "ipv4Servicenet": "127.0.0.2",
            "ipv6Public": "::1",
        },
    });
    // The real service leaves the key out rather than sending an empty list.
    if !lb.nodes.is_empty() {
        v["nodes"] = lb.nodes.iter().map(node_json).collect();
    }
    v
}
