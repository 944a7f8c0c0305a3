//! A fake Rackspace Identity v2.0 + Cloud Load Balancers v1.0 server for tests.
//!
//! It answers the way docs/clb-api.md says the real service does (bodies, status codes, error
//! texts), so the client can be tested against the awkward cases: PENDING_UPDATE locks,
//! duplicate nodes, deleted LBs, expired tokens, rate limits and lost responses.
//!
//! This file holds what every service shares: the handle tests drive (`Fake`), its `Config`,
//! the fault types, the state behind one lock, and `handle`, the one place a request is routed
//! to a service. The HTTP side is `http.rs`; each service is a file of its own (`identity.rs`,
//! `clb.rs`), so another backend (Keystone v3, Octavia) joins as a file and an arm of `Route`.

mod clb;
// The Docker engine: a server of its own, on a unix socket.
pub mod docker;
mod http;
// A query string's pairs, decoded.
mod query;
// Public for the self-test that walks the limiter through a minute without waiting one.
pub mod limits;
// Public for `OMember`, which tests read members as.
pub mod octavia;
// Public for `rfc3339_millis`, which self-tests check `expires` against.
pub mod identity;
// Public for its users, domains and `rfc3339_micros`, which self-tests check against.
pub mod keystone;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use http::{Resp, flat, reason};
pub use limits::Limits;

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
    /// Enforce one of the published per-account rate limit tables on the CLB API, per verb per
    /// second and per minute, with the rate limiter's 413 and a `Retry-After` in seconds.
    pub limits: Option<Limits>,
    /// What the catalog's load balancer endpoints (CLB's and Octavia's) start with instead of
    /// this fake's own `http://127.0.0.1:PORT`: a TLS front, or a made-up host a test proxy
    /// maps here.
    pub lb_base: Option<String>,
    /// How long a token works: `expires` says so, and the CLB answers 401 once it has passed.
    pub token_ttl: Duration,
    /// Keystone v3's users, projects, application credential and regions.
    pub keystone: keystone::Keystone,
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
            limits: None,
            lb_base: None,
            token_ttl: Duration::from_secs(24 * 3600),
            keystone: keystone::Keystone::default(),
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
    /// The `Retry-After` seconds it was told if the rate limits (`Config::limits`) refused it.
    pub rate_limited: Option<u64>,
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
    /// The rate limiter's 413 with `Retry-After` as an HTTP date this long after the answer
    /// (made when answering, so it means the same however late the request comes).
    OverLimitFor(Duration),
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

/// keystonemiddleware's 401 for the next `method` request to a path ending in `suffix`: the
/// token was revoked in between.
pub fn token_revoked_at(method: &str, suffix: &str) -> Fault {
    let body = serde_json::json!({"error": {"code": 401, "title": "Unauthorized", "message": keystone::GENERIC_401}});
    fault(method, suffix, 1, respond(401, body.to_string()))
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
    /// Each token that works, and when it stops working.
    tokens: BTreeMap<String, Instant>,
    faults: Vec<Fault>,
    /// Random faults: (xorshift state, percent of requests, actions to pick from).
    chaos: Option<(u64, u32, Vec<Action>)>,
    /// How many requests got a fault, scripted or random (rate limits not counted).
    fired: usize,
    /// How many requests the rate limits refused.
    rate_limited: usize,
    /// The CLB requests the rate limits counted.
    limiter: limits::Limiter,
    requests: Vec<Request>,
    mutations: Vec<String>,
    /// Octavia's load balancers, pools and members.
    octavia: octavia::Octavia,
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
                        thread::spawn(move || http::serve(&sh, stream));
                    }
                    // Out of file descriptors and the like: don't spin at full speed.
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Fake { shared }
    }

    /// The Identity endpoint, "http://127.0.0.1:PORT/v2.0" (what OS_AUTH_URL holds).
    /// The loopback port it serves on.
    pub fn port(&self) -> u16 {
        self.shared.port
    }

    pub fn auth_url(&self) -> String {
        format!("http://127.0.0.1:{}/v2.0", self.shared.port)
    }

    /// The Keystone v3 endpoint, "http://127.0.0.1:PORT/v3" (what an openrc's OS_AUTH_URL holds).
    pub fn keystone_url(&self) -> String {
        format!("http://127.0.0.1:{}/v3", self.shared.port)
    }

    /// An openrc's environment for load balancer `lb` (an id or name) in `region`: the password
    /// user `peek` of domain Default, scoped to project `web` by name.
    pub fn os_env(&self, lb: &str, region: &str) -> Vec<(&'static str, String)> {
        let k = &self.shared.cfg.keystone;
        let domain = || keystone::DEFAULT_DOMAIN.1.to_string();
        vec![
            ("OS_AUTH_URL", self.keystone_url()),
            ("OS_USERNAME", k.user.clone()),
            ("OS_PASSWORD", k.password.clone()),
            ("OS_USER_DOMAIN_NAME", domain()),
            ("OS_PROJECT_NAME", k.project.clone()),
            ("OS_PROJECT_DOMAIN_NAME", domain()),
            ("OS_REGION_NAME", region.to_string()),
            ("LOAD_BALANCER_ID", lb.to_string()),
        ]
    }

    /// The same with the application credential by id, as Horizon's openrc for one writes it.
    pub fn os_app_env(&self, lb: &str, region: &str) -> Vec<(&'static str, String)> {
        let k = &self.shared.cfg.keystone;
        vec![
            ("OS_AUTH_URL", self.keystone_url()),
            ("OS_AUTH_TYPE", "v3applicationcredential".to_string()),
            ("OS_APPLICATION_CREDENTIAL_ID", k.app_cred_id.clone()),
            (
                "OS_APPLICATION_CREDENTIAL_SECRET",
                k.app_cred_secret.clone(),
            ),
            ("OS_REGION_NAME", region.to_string()),
            ("LOAD_BALANCER_ID", lb.to_string()),
        ]
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

    /// How many requests the rate limits (`Config::limits`) refused with 413.
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

/// The service a request belongs to. Each answers under a path prefix of its own on the one
/// listener, so the path alone decides.
enum Route<'a> {
    /// Rackspace Identity v2.0: the token request.
    Identity,
    /// Keystone v3: the token request, at the root or under `/identity`.
    Keystone,
    /// Keystone's version documents: the path prefix, and which.
    KeystoneVersions(&'a str, keystone::versions::Versions),
    /// Cloud Load Balancers through a region's catalog endpoint: that region, and the path
    /// relative to the tenant endpoint.
    Clb {
        region: &'a str,
        sub: &'a str,
    },
    /// The catalog's decoy endpoints.
    Decoy,
    /// Octavia v2 under `/octavia` (`/v2/lbaas` or `/v2.0/lbaas` after it).
    Octavia,
    Unknown,
}

/// Where `path` (without its query string) goes.
fn route<'a>(cfg: &'a Config, path: &'a str) -> Route<'a> {
    if path == "/v2.0/tokens" {
        return Route::Identity;
    }
    match keystone::keystone_path(path) {
        Some(keystone::KeystonePath::Tokens) => return Route::Keystone,
        Some(keystone::KeystonePath::Versions(prefix, which)) => {
            return Route::KeystoneVersions(prefix, which);
        }
        None => {}
    }
    if path.starts_with("/decoy/") {
        return Route::Decoy;
    }
    if octavia::is_octavia(path) {
        return Route::Octavia;
    }
    match clb::prefix(cfg, path) {
        Some((region, sub)) => Route::Clb { region, sub },
        None => Route::Unknown,
    }
}

fn handle(sh: &Shared, req: &Request, path: &str) -> Resp {
    match route(&sh.cfg, path) {
        Route::Identity => identity::handle(sh, req),
        Route::Keystone => keystone::handle(sh, req),
        Route::KeystoneVersions(prefix, which) => {
            keystone::versions::handle(sh, req, prefix, which)
        }
        Route::Clb { region, sub } => clb::handle(sh, req, region, sub),
        // Only a client that picked the catalog entry by type alone, not by name, gets here.
        Route::Decoy => http::clb_error(500, "decoy endpoint: wrong catalog entry chosen"),
        Route::Octavia => octavia::handle(sh, req, path),
        Route::Unknown => http::not_found(),
    }
}
