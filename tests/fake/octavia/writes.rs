//! The fake Octavia's writes: the body checks in WSME's words, then the pool and the load
//! balancer checked and locked (in the real one's order), then the member changed and left
//! PENDING_* until the provider is done.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::super::http::{Resp, empty, json_resp};
use super::wire::{fault, immutable, member_json};
use super::{OLb, OMember, pool_status};

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
    // `null` leaves it unset, as in WSME; a string is at most 255 characters.
    match m.get("name") {
        Some(n @ Value::String(s)) if s.chars().count() > 255 => {
            return Err(invalid(
                "name",
                n,
                "Value should have a maximum character requirement of 255",
            ));
        }
        Some(Value::String(_) | Value::Null) | None => {}
        Some(n) => return Err(invalid("name", n, "Wrong type. Expected 'str'")),
    }
    if let Some(b) = m.get("backup")
        && boolean(b).is_none()
    {
        return Err(invalid("backup", b, "Wrong type. Expected 'bool'"));
    }
    Ok(m.clone())
}

/// The provider's verdict on the options asked for, before anything is locked or changed (the
/// real one rolls the whole request back): ovn has no backup members.
fn provider_takes(l: &OLb, f: &Map<String, Value>) -> Result<(), Resp> {
    if l.provider == "ovn" && f.get("backup").and_then(boolean) == Some(true) {
        return Err(fault(
            501,
            "Provider 'ovn' does not support a requested option: OVN provider does not support the backup member option",
        ));
    }
    Ok(())
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
    if let Some(b) = f.get("backup").and_then(boolean) {
        m.backup = b;
    }
    if let Some(n) = f.get("name").and_then(Value::as_str) {
        m.name = n.into();
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

pub(super) fn create(
    l: &mut OLb,
    pool: &str,
    (id, check): (String, String),
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
    if let Err(r) = provider_takes(l, &f) {
        return r;
    }
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
        name: String::new(),
        address: address.into(),
        port,
        weight: 1,
        admin: true,
        provisioning: "PENDING_CREATE".into(),
        operating: if p.monitor { "OFFLINE" } else { "NO_MONITOR" }.into(),
        check,
        tags: vec![],
        backup: false,
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

pub(super) fn update(
    l: &mut OLb,
    pool: &str,
    mid: &str,
    body: &str,
    now: Instant,
    pending: Duration,
) -> Resp {
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
    if let Err(r) = provider_takes(l, &f) {
        return r;
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

pub(super) fn delete(l: &mut OLb, pool: &str, mid: &str, now: Instant, pending: Duration) -> Resp {
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
