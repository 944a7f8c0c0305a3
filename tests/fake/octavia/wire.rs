//! The fake Octavia's reads and routing: which call a request is, the token, the filters and
//! `fields=`, and the JSON of load balancers, pools and members as the real one writes them.

use std::time::Instant;

use serde_json::{Value, json};

use super::super::http::{Resp, json_resp};
use super::super::keystone::unauthorized;
use super::super::query::pairs;
use super::super::{Request, Shared, State};
use super::writes::{create, delete, update};
use super::{OLb, OMember, OPool, Octavia, PROJECT, lbaas, pool_status};

/// WSME's error body, which Octavia's own refusals come in.
pub(super) fn fault(status: u16, msg: &str) -> Resp {
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

fn invalid_filter() -> Resp {
    fault(400, "One or more arguments are either duplicate or invalid")
}

pub(super) fn immutable(what: &str, id: &str) -> Resp {
    fault(
        409,
        &format!("{what} {id} is immutable and cannot be updated."),
    )
}

/// The query as (key, value) pairs; an error answer when a key is not one `allowed` names
/// (Octavia's `enforce_valid_params`).
fn query(req: &Request, allowed: &[&str]) -> Result<Vec<(String, String)>, Resp> {
    let Some((_, q)) = req.path.split_once('?') else {
        return Ok(vec![]);
    };
    let mut out = vec![];
    for (k, v) in pairs(q) {
        let paging = ["fields", "limit", "marker", "page_reverse", "tags"];
        if !allowed.contains(&k.as_str()) && !paging.contains(&k.as_str()) {
            return Err(invalid_filter());
        }
        out.push((k, v));
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

/// Whether `obj` passes every filter in `q` on keys it has (paging keys aside). `tags=a,b`
/// passes when it carries each of them, as since API 2.5 (its `tags-any`, `not-tags` and
/// `not-tags-any` are not implemented: they answer 400 as unknown filters).
fn matches(obj: &Value, q: &[(String, String)]) -> bool {
    q.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "fields" | "limit" | "marker" | "page_reverse"))
        .all(|(k, want)| match &obj[k.as_str()] {
            Value::Array(tags) if k == "tags" => want
                .split(',')
                .all(|w| tags.iter().any(|t| t.as_str() == Some(w))),
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

pub(super) fn member_json(m: &OMember) -> Value {
    json!({
        "id": m.id, "name": m.name, "operating_status": m.operating,
        "provisioning_status": m.provisioning, "admin_state_up": m.admin,
        "address": m.address, "protocol_port": m.port, "weight": m.weight,
        "backup": m.backup, "subnet_id": m.subnet, "project_id": PROJECT,
        "created_at": "2026-12-01T19:11:26.305155", "updated_at": null,
        "monitor_address": null, "monitor_port": null, "tags": m.tags,
        "vnic_type": "normal", "tenant_id": PROJECT,
    })
}

pub(crate) fn handle(sh: &Shared, req: &Request, path: &str) -> Resp {
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
                    let check = super::first_check(&sh.cfg);
                    create(
                        &mut octavia.lbs[li],
                        pool,
                        (id, check),
                        &req.body,
                        now,
                        pending,
                    )
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
