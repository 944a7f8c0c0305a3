//! Cloud Load Balancers v1.0 as the fake answers it: a load balancer's status and nodes,
//! PENDING_UPDATE after every change, the validation, duplicate and limit checks in the real
//! service's order, and the test setup methods of `Fake` that reach past the API.

use serde_json::{Value, json};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::http::{Resp, clb_error, empty, json_resp, not_found, validation};
use super::{Config, Fake, Lb, Node, Request, Shared, State};

const DUPLICATE: &str =
    "Duplicate nodes detected. One or more nodes already configured on load balancer.";

impl Fake {
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

    /// A change made behind the client's back (the control panel, another tool).
    pub fn set_node_condition(&self, lb: u64, node: u64, condition: &str) {
        let mut st = self.shared.lock();
        match lb_mut(&mut st, lb).nodes.iter_mut().find(|n| n.id == node) {
            Some(n) => n.condition = condition.to_string(),
            None => panic!("fake: no node {node} on load balancer {lb}"),
        }
    }

    /// A node removed behind the client's back.
    pub fn remove_node(&self, lb: u64, node: u64) {
        lb_mut(&mut self.shared.lock(), lb)
            .nodes
            .retain(|n| n.id != node);
    }

    /// Scripted faults not yet spent are dropped: an outage the test started is over.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
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
}

fn lb_mut(st: &mut State, id: u64) -> &mut Lb {
    match st.lbs.get_mut(&id) {
        Some(lb) => lb,
        None => panic!("fake: no load balancer {id}; call add_lb first"),
    }
}

/// Splits "/dfw/v1.0/123456/loadbalancers/1" into the configured region ("DFW") and the path
/// relative to the tenant endpoint ("/loadbalancers/1"). Each region gets its own path prefix so
/// that one listener can tell which catalog endpoint the client picked.
pub(super) fn prefix<'a>(cfg: &'a Config, path: &'a str) -> Option<(&'a str, &'a str)> {
    let (region, rest) = path.strip_prefix('/')?.split_once('/')?;
    let region = cfg.regions.iter().find(|r| r.to_lowercase() == region)?;
    let sub = rest
        .strip_prefix("v1.0/")?
        .strip_prefix(cfg.tenant.as_str())?;
    (sub.is_empty() || sub.starts_with('/')).then_some((region.as_str(), sub))
}

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

pub(super) fn handle(sh: &Shared, req: &Request, region: &str, sub: &str) -> Resp {
    let mut st = sh.lock();
    // Unknown, revoked and expired tokens get the same bare 401, as from the real service.
    let token = req.header("x-auth-token");
    let working = |t: &str| st.tokens.get(t).is_some_and(|end| Instant::now() < *end);
    if !token.is_some_and(working) {
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
