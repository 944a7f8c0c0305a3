//! Octavia v2 as the fake answers it, under `/octavia` (`/v2/lbaas/…` and its `/v2.0` alias):
//! load balancers with pools and members; every member write locks the load balancer and the
//! pool (PENDING_UPDATE for `Config.pending`) and leaves the member PENDING_* meanwhile; the
//! 409s, 400s, 404s (both body shapes) and keystonemiddleware's 401 as recorded from a real
//! one (docs/octavia-fake.md). Time is read, not run: a status is computed from when its
//! hold ends, so no thread flips anything back.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::http::{Resp, empty, json_resp, with_header};
use super::{Fake, Request, Shared, State};

const PROJECT: &str = "2d77f7bd05fa4b41a29953595304fd1d";
const PUT_FIELDS: [&str; 7] = [
    "name",
    "admin_state_up",
    "weight",
    "backup",
    "monitor_address",
    "monitor_port",
    "tags",
];
const POST_FIELDS: [&str; 10] = [
    "name",
    "admin_state_up",
    "weight",
    "backup",
    "monitor_address",
    "monitor_port",
    "tags",
    "address",
    "protocol_port",
    "subnet_id",
];

/// A member as the fake keeps it; tests read these through `octavia_members`.
#[derive(Clone, Debug, PartialEq)]
pub struct OMember {
    pub id: String,
    pub address: String,
    pub port: u16,
    pub weight: u32,
    pub admin: bool,
    pub provisioning: String,
    pub operating: String,
    pub tags: Vec<String>,
    pub subnet: Option<String>,
    /// When the provider is done with the last write (None: nothing in flight).
    pending_until: Option<Instant>,
    /// That write ends in ERROR (`fail_member_writes`).
    fails: bool,
}

struct OPool {
    id: String,
    name: String,
    monitor: bool,
    busy_until: Option<Instant>,
    members: Vec<OMember>,
}

struct OLb {
    id: String,
    name: String,
    provider: String,
    /// A status forced by a test (ERROR, PENDING_DELETE; DELETED: it answers 404).
    forced: Option<String>,
    busy_until: Option<Instant>,
    pools: Vec<OPool>,
    /// Writes so far: `updated_at` moves on with each, as on the real one.
    changes: u64,
    /// How many of the next member writes end in ERROR.
    failing: usize,
}

impl OLb {
    fn status(&self, now: Instant) -> String {
        match &self.forced {
            Some(s) => s.clone(),
            None if self.busy_until.is_some_and(|t| now < t) => "PENDING_UPDATE".into(),
            None => "ACTIVE".into(),
        }
    }
}

fn pool_status(p: &OPool, now: Instant) -> &'static str {
    if p.busy_until.is_some_and(|t| now < t) {
        "PENDING_UPDATE"
    } else {
        "ACTIVE"
    }
}

#[derive(Default)]
pub(super) struct Octavia {
    lbs: Vec<OLb>,
    next_id: u64,
}

impl Octavia {
    fn uuid(&mut self) -> String {
        self.next_id += 1;
        let n = self.next_id;
        let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{n:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            (h >> 4) & 0xfff,
            h & 0xfff
        )
    }

    /// What the provider finished by `now`: members out of PENDING_*, deleted ones gone.
    fn settle(&mut self, now: Instant) {
        for p in self.lbs.iter_mut().flat_map(|l| l.pools.iter_mut()) {
            let monitor = p.monitor;
            p.members.retain_mut(|m| {
                if m.pending_until.is_none_or(|t| now < t) {
                    return true;
                }
                m.pending_until = None;
                if m.fails {
                    m.fails = false;
                    m.provisioning = "ERROR".into();
                    return true;
                }
                if m.provisioning == "PENDING_DELETE" {
                    return false;
                }
                m.provisioning = "ACTIVE".into();
                m.operating = operating(m, monitor);
                true
            });
        }
    }

    fn lb(&mut self, id: &str) -> &mut OLb {
        match self.lbs.iter_mut().find(|l| l.id == id) {
            Some(l) => l,
            None => panic!("fake: no Octavia load balancer {id}; call add_octavia_lb first"),
        }
    }

    fn pool(&mut self, id: &str) -> &mut OPool {
        let found = self.lbs.iter_mut().flat_map(|l| l.pools.iter_mut());
        match found.into_iter().find(|p| p.id == id) {
            Some(p) => p,
            None => panic!("fake: no Octavia pool {id}; call add_pool first"),
        }
    }

    fn member(&mut self, id: &str) -> &mut OMember {
        let all = self.lbs.iter_mut().flat_map(|l| l.pools.iter_mut());
        match all.flat_map(|p| p.members.iter_mut()).find(|m| m.id == id) {
            Some(m) => m,
            None => panic!("fake: no Octavia member {id}"),
        }
    }
}

/// What the health manager would report once the provider is done: disabled is OFFLINE, no
/// monitor is NO_MONITOR (weight 0 included), else DRAINING at weight 0, else the check's
/// verdict (`Config.new_node_status`, as for CLB nodes).
fn operating(m: &OMember, monitor: bool) -> String {
    if !m.admin {
        "OFFLINE".into()
    } else if !monitor {
        "NO_MONITOR".into()
    } else if m.weight == 0 {
        "DRAINING".into()
    } else {
        "ONLINE".into()
    }
}

impl Fake {
    /// The Octavia endpoint the Keystone catalog names: "http://127.0.0.1:PORT/octavia".
    pub fn octavia_url(&self) -> String {
        format!("http://127.0.0.1:{}/octavia", self.shared.port)
    }

    /// A token Octavia takes, as if from Keystone (for tests that need no Keystone).
    pub fn issue_token(&self) -> String {
        let mut st = self.shared.lock();
        st.token_count += 1;
        let token = format!("gAAAAABoct-{}-a1b2c3d4e5f6", st.token_count);
        let end = Instant::now() + self.shared.cfg.token_ttl;
        st.tokens.insert(token.clone(), end);
        token
    }

    /// An ACTIVE load balancer of provider `amphora` with no pools; its id.
    pub fn add_octavia_lb(&self, name: &str) -> String {
        let mut st = self.shared.lock();
        let id = st.octavia.uuid();
        st.octavia.lbs.push(OLb {
            id: id.clone(),
            name: name.into(),
            provider: "amphora".into(),
            forced: None,
            busy_until: None,
            pools: vec![],
            changes: 0,
            failing: 0,
        });
        id
    }

    /// `ovn` ignores weight; `amphora` (the default) honours it.
    pub fn set_provider(&self, lb: &str, provider: &str) {
        self.shared.lock().octavia.lb(lb).provider = provider.into();
    }

    /// Forces the load balancer's provisioning status (ERROR, PENDING_DELETE; DELETED: it
    /// answers 404 from now on, as the real one hides deleted ones); None: back to normal.
    pub fn set_lb_provisioning(&self, lb: &str, status: Option<&str>) {
        self.shared.lock().octavia.lb(lb).forced = status.map(str::to_string);
    }

    /// The load balancer's provisioning status now.
    pub fn lb_provisioning(&self, lb: &str) -> String {
        self.shared.lock().octavia.lb(lb).status(Instant::now())
    }

    /// A pool on `lb`, with a health monitor or without; its id.
    pub fn add_pool(&self, lb: &str, name: &str, monitor: bool) -> String {
        let mut st = self.shared.lock();
        let id = st.octavia.uuid();
        st.octavia.lb(lb).pools.push(OPool {
            id: id.clone(),
            name: name.into(),
            monitor,
            busy_until: None,
            members: vec![],
        });
        id
    }

    /// Test setup, not an API call: an ACTIVE member (weight 1, admin up), no lock; its id.
    pub fn add_member(&self, pool: &str, address: &str, port: u16) -> String {
        let mut st = self.shared.lock();
        let id = st.octavia.uuid();
        let p = st.octavia.pool(pool);
        let mut m = OMember {
            id: id.clone(),
            address: address.into(),
            port,
            weight: 1,
            admin: true,
            provisioning: "ACTIVE".into(),
            operating: String::new(),
            tags: vec![],
            subnet: None,
            pending_until: None,
            fails: false,
        };
        m.operating = operating(&m, p.monitor);
        p.members.push(m);
        id
    }

    /// The pool's members now, in creation order.
    pub fn octavia_members(&self, pool: &str) -> Vec<OMember> {
        let mut st = self.shared.lock();
        st.octavia.settle(Instant::now());
        st.octavia.pool(pool).members.clone()
    }

    /// A change behind the client's back (another tool, the health manager, a failed
    /// provider): weight, admin state, tags, either status.
    pub fn edit_member(&self, member: &str, edit: impl FnOnce(&mut OMember)) {
        let mut st = self.shared.lock();
        st.octavia.settle(Instant::now());
        edit(st.octavia.member(member));
    }

    /// What the health manager says of a member: ONLINE, ERROR, OFFLINE...
    pub fn set_member_status(&self, member: &str, operating: &str) {
        self.edit_member(member, |m| m.operating = operating.into());
    }

    /// The next `n` member writes on `lb` end in ERROR on the member (the provider failed;
    /// the load balancer and pool are ACTIVE again, as after the real revert).
    pub fn fail_member_writes(&self, lb: &str, n: usize) {
        self.shared.lock().octavia.lb(lb).failing = n;
    }

    /// The load balancer alone PENDING_UPDATE for `for_` (an LB-level change): writes get the
    /// 409 naming the load balancer.
    pub fn hold_lb(&self, lb: &str, for_: Duration) {
        let until = Instant::now() + for_;
        self.shared.lock().octavia.lb(lb).busy_until = Some(until);
    }

    /// The pool and its load balancer PENDING_UPDATE for `for_` (another host's member change
    /// in flight): writes get the 409 naming the pool.
    pub fn hold_pool(&self, pool: &str, for_: Duration) {
        let until = Instant::now() + for_;
        let mut st = self.shared.lock();
        let lbs = &mut st.octavia.lbs;
        for l in lbs
            .iter_mut()
            .filter(|l| l.pools.iter().any(|p| p.id == pool))
        {
            l.busy_until = Some(until);
            for p in l.pools.iter_mut().filter(|p| p.id == pool) {
                p.busy_until = Some(until);
            }
        }
    }

    /// "METHOD /pools/…/members/…" (after `/v2/lbaas`) for each POST, PUT or DELETE sent to
    /// Octavia, in order, whatever the answer.
    pub fn octavia_writes(&self) -> Vec<String> {
        let reqs = self.shared.lock().requests.clone();
        reqs.iter()
            .filter(|r| matches!(r.method.as_str(), "POST" | "PUT" | "DELETE"))
            .filter_map(|r| Some(format!("{} {}", r.method, lbaas(&r.path)?)))
            .collect()
    }
}

/// The path after `/octavia/v2/lbaas` (or `/v2.0/lbaas`), query string included.
fn lbaas(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/octavia/")?;
    let rest = rest
        .strip_prefix("v2.0/")
        .or_else(|| rest.strip_prefix("v2/"))?;
    rest.strip_prefix("lbaas")
        .filter(|r| r.is_empty() || r.starts_with('/'))
}

pub(super) fn is_octavia(path: &str) -> bool {
    path == "/octavia" || path.starts_with("/octavia/")
}

fn fault(status: u16, msg: &str) -> Resp {
    json_resp(
        status,
        json!({"faultcode": "Client", "faultstring": msg, "debuginfo": null}).to_string(),
    )
}

/// The pecan lookup's 404, a shape of its own (and "Bad Request" as its title, as recorded).
fn pecan_404(msg: &str) -> Resp {
    json_resp(
        404,
        json!({"code": 404, "title": "Bad Request", "description": msg}).to_string(),
    )
}

fn unauthorized(sh: &Shared) -> Resp {
    let body = r#"{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}"#;
    let uri = format!("Keystone uri=\"http://127.0.0.1:{}/v3\"", sh.port);
    with_header(json_resp(401, body.into()), "WWW-Authenticate", &uri)
}

fn invalid_filter() -> Resp {
    fault(400, "One or more arguments are either duplicate or invalid")
}

fn immutable(what: &str, id: &str) -> Resp {
    fault(
        409,
        &format!("{what} {id} is immutable and cannot be updated."),
    )
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query as (key, value) pairs; an error answer when a key is not one `allowed` names
/// (Octavia's `enforce_valid_params`).
fn query(req: &Request, allowed: &[&str]) -> Result<Vec<(String, String)>, Resp> {
    let Some((_, q)) = req.path.split_once('?') else {
        return Ok(vec![]);
    };
    let mut out = vec![];
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = decode(k);
        let paging = ["fields", "limit", "marker", "page_reverse", "tags"];
        if !allowed.contains(&k.as_str()) && !paging.contains(&k.as_str()) {
            return Err(invalid_filter());
        }
        out.push((k, decode(v)));
    }
    Ok(out)
}

/// Keeps only the `fields=` columns asked for, if any were.
fn select(v: Value, q: &[(String, String)]) -> Value {
    let fields: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "fields")
        .map(|(_, v)| v.as_str())
        .collect();
    match v {
        Value::Object(o) if !fields.is_empty() => Value::Object(
            o.into_iter()
                .filter(|(k, _)| fields.contains(&k.as_str()))
                .collect(),
        ),
        v => v,
    }
}

/// Whether `obj` passes every filter in `q` on keys it has (paging keys aside).
fn matches(obj: &Value, q: &[(String, String)]) -> bool {
    q.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "fields" | "limit" | "marker" | "page_reverse"))
        .all(|(k, want)| match &obj[k.as_str()] {
            Value::String(s) => s == want,
            Value::Null => false,
            other => serde_json::from_str::<Value>(want).is_ok_and(|w| w == *other),
        })
}

fn stamp(changes: u64) -> String {
    let s = 68_000 + changes;
    format!(
        "2026-12-01T{:02}:{:02}:{:02}.{:06}",
        s / 3600 % 24,
        s / 60 % 60,
        s % 60,
        changes * 7919 % 1_000_000
    )
}

fn lb_json(l: &OLb, now: Instant) -> Value {
    json!({
        "id": l.id, "name": l.name, "description": "",
        "provisioning_status": l.status(now), "operating_status": "ONLINE",
        "admin_state_up": true, "project_id": PROJECT,
        "created_at": "2026-12-01T19:10:21.656297", "updated_at": stamp(l.changes),
        "vip_address": "198.0.2.5", "vip_sg_ids": [], "additional_vips": [],
        "listeners": [{"id": "6454596c-1cb9-4c2a-ad21-00fc82a2e0e3"}],
        "pools": l.pools.iter().map(|p| json!({"id": p.id})).collect::<Vec<_>>(),
        "provider": l.provider, "flavor_id": null, "tags": [],
        "availability_zone": null, "tenant_id": PROJECT,
    })
}

fn pool_json(l: &OLb, p: &OPool, now: Instant) -> Value {
    json!({
        "id": p.id, "name": p.name, "description": "",
        "provisioning_status": pool_status(p, now), "operating_status": "ONLINE",
        "admin_state_up": true, "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
        "loadbalancers": [{"id": l.id}], "loadbalancer_id": l.id,
        "listeners": [{"id": "6454596c-1cb9-4c2a-ad21-00fc82a2e0e3"}],
        "members": p.members.iter().map(|m| json!({"id": m.id})).collect::<Vec<_>>(),
        "healthmonitor_id": if p.monitor { Value::from(format!("hm-{}", p.id)) } else { Value::Null },
        "project_id": PROJECT, "tags": [], "tenant_id": PROJECT,
    })
}

fn member_json(m: &OMember) -> Value {
    json!({
        "id": m.id, "name": "", "operating_status": m.operating,
        "provisioning_status": m.provisioning, "admin_state_up": m.admin,
        "address": m.address, "protocol_port": m.port, "weight": m.weight,
        "backup": false, "subnet_id": m.subnet, "project_id": PROJECT,
        "created_at": "2026-12-01T19:11:26.305155", "updated_at": null,
        "monitor_address": null, "monitor_port": null, "tags": m.tags,
        "vnic_type": "normal", "tenant_id": PROJECT,
    })
}

pub(super) fn handle(sh: &Shared, req: &Request, path: &str) -> Resp {
    let mut st = sh.lock();
    let token = req.header("x-auth-token");
    let working = |t: &str| st.tokens.get(t).is_some_and(|end| Instant::now() < *end);
    if !token.is_some_and(working) {
        return unauthorized(sh);
    }
    let Some(sub) = lbaas(path) else {
        return pecan_404("The resource could not be found.");
    };
    let now = Instant::now();
    st.octavia.settle(now);
    let segs: Vec<&str> = sub.split('/').filter(|s| !s.is_empty()).collect();
    let pending = sh.cfg.pending;
    let State { octavia, .. } = &mut *st;
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["loadbalancers"]) => {
            let allowed = [
                "id",
                "name",
                "provider",
                "provisioning_status",
                "project_id",
            ];
            let q = match query(req, &allowed) {
                Ok(q) => q,
                Err(r) => return r,
            };
            let found: Vec<Value> = visible(octavia)
                .map(|l| lb_json(l, now))
                .filter(|v| matches(v, &q))
                .map(|v| select(v, &q))
                .collect();
            json_resp(
                200,
                json!({"loadbalancers": found, "loadbalancers_links": []}).to_string(),
            )
        }
        ("GET", ["loadbalancers", id]) => match visible(octavia).find(|l| l.id == *id) {
            Some(l) => match query(req, &[]) {
                Ok(q) => json_resp(
                    200,
                    json!({"loadbalancer": select(lb_json(l, now), &q)}).to_string(),
                ),
                Err(r) => r,
            },
            None => fault(404, &format!("Load Balancer {id} not found.")),
        },
        ("GET", ["pools"]) => {
            let q = match query(req, &["loadbalancer_id", "id", "name", "project_id"]) {
                Ok(q) => q,
                Err(r) => return r,
            };
            let found: Vec<Value> = visible(octavia)
                .flat_map(|l| l.pools.iter().map(move |p| pool_json(l, p, now)))
                .filter(|v| matches(v, &q))
                .map(|v| select(v, &q))
                .collect();
            json_resp(200, json!({"pools": found, "pools_links": []}).to_string())
        }
        ("GET", ["pools", id]) => match find_pool(octavia, id) {
            Some((l, p)) => json_resp(200, json!({"pool": pool_json(l, p, now)}).to_string()),
            None => fault(404, &format!("Pool {id} not found.")),
        },
        (method, ["pools", pool, "members", rest @ ..]) if rest.len() <= 1 => {
            let Some(li) = octavia.lbs.iter().position(|l| {
                l.forced.as_deref() != Some("DELETED") && l.pools.iter().any(|p| p.id == *pool)
            }) else {
                return pecan_404(&format!("Pool {pool} not found."));
            };
            let l = &mut octavia.lbs[li];
            match (method, rest) {
                ("GET", []) => {
                    let allowed = [
                        "id",
                        "name",
                        "address",
                        "protocol_port",
                        "weight",
                        "admin_state_up",
                        "provisioning_status",
                        "operating_status",
                        "subnet_id",
                        "project_id",
                    ];
                    let q = match query(req, &allowed) {
                        Ok(q) => q,
                        Err(r) => return r,
                    };
                    let p = l.pools.iter().find(|p| p.id == *pool).expect("found above");
                    let found: Vec<Value> = p
                        .members
                        .iter()
                        .map(member_json)
                        .filter(|v| matches(v, &q))
                        .map(|v| select(v, &q))
                        .collect();
                    json_resp(
                        200,
                        json!({"members": found, "members_links": []}).to_string(),
                    )
                }
                ("GET", [mid]) => {
                    let p = l.pools.iter().find(|p| p.id == *pool).expect("found above");
                    match p.members.iter().find(|m| m.id == *mid) {
                        Some(m) => json_resp(200, json!({"member": member_json(m)}).to_string()),
                        None => fault(404, &format!("Member {mid} not found.")),
                    }
                }
                ("POST", []) => {
                    let id = octavia.uuid();
                    create(&mut octavia.lbs[li], pool, id, &req.body, now, pending)
                }
                ("PUT", [mid]) => update(l, pool, mid, &req.body, now, pending),
                ("DELETE", [mid]) => delete(l, pool, mid, now, pending),
                _ => fault(405, "Method not allowed."),
            }
        }
        _ => pecan_404("The resource could not be found."),
    }
}

fn visible(o: &Octavia) -> impl Iterator<Item = &OLb> {
    o.lbs
        .iter()
        .filter(|l| l.forced.as_deref() != Some("DELETED"))
}

fn find_pool<'a>(o: &'a Octavia, id: &str) -> Option<(&'a OLb, &'a OPool)> {
    visible(o).find_map(|l| Some((l, l.pools.iter().find(|p| p.id == id)?)))
}

/// The member body, or the 400 Octavia gives for it: unknown attributes (address in a PUT
/// among them), weights out of 0–256, wrong types. Numbers as strings pass, as in WSME.
fn fields(body: &str, allowed: &[&str]) -> Result<Map<String, Value>, Resp> {
    let v: Value = serde_json::from_str(body).map_err(|_| fault(400, "Invalid JSON body"))?;
    let Some(m) = v.get("member").and_then(Value::as_object) else {
        return Err(fault(400, "Missing argument: \"member\""));
    };
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(fault(
            400,
            &format!("Unknown attribute for argument member_.member: {k}"),
        ));
    }
    let invalid = |f: &str, v: &Value, why: &str| {
        let shown = v.as_str().map_or(v.to_string(), str::to_string);
        fault(
            400,
            &format!("Invalid input for field/attribute {f}. Value: '{shown}'. {why}"),
        )
    };
    if let Some(w) = m.get("weight") {
        match number(w) {
            Some(n) if n > 256 => {
                return Err(invalid(
                    "weight",
                    w,
                    "Value should be lower or equal to 256",
                ));
            }
            Some(_) => {}
            None => return Err(invalid("weight", w, "Wrong type. Expected 'int'")),
        }
    }
    if let Some(a) = m.get("admin_state_up")
        && boolean(a).is_none()
    {
        return Err(invalid("admin_state_up", a, "Wrong type. Expected 'bool'"));
    }
    if let Some(t) = m.get("tags")
        && !t.as_array().is_some_and(|a| a.iter().all(Value::is_string))
    {
        return Err(invalid("tags", t, "Wrong type. Expected '[str]'"));
    }
    Ok(m.clone())
}

fn number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

fn boolean(v: &Value) -> Option<bool> {
    v.as_bool().or_else(|| match v.as_str()? {
        "true" | "True" => Some(true),
        "false" | "False" => Some(false),
        _ => None,
    })
}

fn apply(m: &mut OMember, f: &Map<String, Value>) {
    if let Some(w) = f.get("weight") {
        // `weight: null` resets it to the default, as on the real one.
        m.weight = number(w).unwrap_or(1) as u32;
    }
    if let Some(a) = f.get("admin_state_up").and_then(boolean) {
        m.admin = a;
    }
    if let Some(t) = f.get("tags").and_then(Value::as_array) {
        m.tags = t
            .iter()
            .filter_map(|s| Some(s.as_str()?.to_string()))
            .collect();
    }
}

/// The pool first, then the load balancer, as Octavia checks them; then the lock for the write.
fn lock(l: &mut OLb, pool: &str, now: Instant, pending: Duration) -> Result<bool, Resp> {
    let p = l
        .pools
        .iter()
        .find(|p| p.id == pool)
        .expect("pool of this lb");
    if pool_status(p, now) != "ACTIVE" {
        return Err(immutable("Pool", pool));
    }
    if l.status(now) != "ACTIVE" {
        return Err(immutable("Load Balancer", &l.id));
    }
    let until = now + pending;
    l.busy_until = Some(until);
    l.changes += 1;
    for p in l.pools.iter_mut().filter(|p| p.id == pool) {
        p.busy_until = Some(until);
    }
    let fails = l.failing > 0;
    l.failing = l.failing.saturating_sub(1);
    Ok(fails)
}

fn create(
    l: &mut OLb,
    pool: &str,
    id: String,
    body: &str,
    now: Instant,
    pending: Duration,
) -> Resp {
    let f = match fields(body, &POST_FIELDS) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(address) = f.get("address").and_then(Value::as_str) else {
        return fault(
            400,
            "Invalid input for field/attribute address. Value: 'None'. Mandatory field missing.",
        );
    };
    if address.parse::<IpAddr>().is_err() {
        let msg = format!(
            "Invalid input for field/attribute address. Value: '{address}'. Value should be IPv4 or IPv6 format"
        );
        return fault(400, &msg);
    }
    let port = match f.get("protocol_port").and_then(number) {
        Some(p @ 1..=65535) => p as u16,
        _ => {
            return fault(
                400,
                "Invalid input for field/attribute protocol_port. Value: 'None'. Mandatory field missing.",
            );
        }
    };
    let fails = match lock(l, pool, now, pending) {
        Ok(fails) => fails,
        Err(r) => return r,
    };
    let p = l
        .pools
        .iter_mut()
        .find(|p| p.id == pool)
        .expect("pool of this lb");
    // The unique key is on the address as stored: a spelling of its own is another member.
    if p.members
        .iter()
        .any(|m| m.address == address && m.port == port)
    {
        return fault(
            409,
            &format!(
                "Another member on this pool is already using ip {address} on protocol_port {port}"
            ),
        );
    }
    let mut m = OMember {
        id,
        address: address.into(),
        port,
        weight: 1,
        admin: true,
        provisioning: "PENDING_CREATE".into(),
        operating: if p.monitor { "OFFLINE" } else { "NO_MONITOR" }.into(),
        tags: vec![],
        subnet: f
            .get("subnet_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        pending_until: Some(now + pending),
        fails,
    };
    apply(&mut m, &f);
    let out = json!({"member": member_json(&m)}).to_string();
    p.members.push(m);
    json_resp(201, out)
}

fn update(l: &mut OLb, pool: &str, mid: &str, body: &str, now: Instant, pending: Duration) -> Resp {
    let f = match fields(body, &PUT_FIELDS) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if !l
        .pools
        .iter()
        .any(|p| p.id == pool && p.members.iter().any(|m| m.id == mid))
    {
        return fault(404, &format!("Member {mid} not found."));
    }
    // Even a PUT that changes nothing locks the load balancer, as the real one does.
    let fails = match lock(l, pool, now, pending) {
        Ok(fails) => fails,
        Err(r) => return r,
    };
    let m = member_in(l, pool, mid);
    apply(m, &f);
    m.provisioning = "PENDING_UPDATE".into();
    m.pending_until = Some(now + pending);
    m.fails = fails;
    json_resp(200, json!({"member": member_json(m)}).to_string())
}

fn delete(l: &mut OLb, pool: &str, mid: &str, now: Instant, pending: Duration) -> Resp {
    if !l
        .pools
        .iter()
        .any(|p| p.id == pool && p.members.iter().any(|m| m.id == mid))
    {
        return fault(404, &format!("Member {mid} not found."));
    }
    let fails = match lock(l, pool, now, pending) {
        Ok(fails) => fails,
        Err(r) => return r,
    };
    let m = member_in(l, pool, mid);
    m.provisioning = "PENDING_DELETE".into();
    m.pending_until = Some(now + pending);
    m.fails = fails;
    empty(204)
}

fn member_in<'a>(l: &'a mut OLb, pool: &str, mid: &str) -> &'a mut OMember {
    let p = l
        .pools
        .iter_mut()
        .find(|p| p.id == pool)
        .expect("pool of this lb");
    p.members
        .iter_mut()
        .find(|m| m.id == mid)
        .expect("member checked above")
}
