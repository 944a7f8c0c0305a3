//! The member bodies peekaboo sends and the pool it picks: pure decisions, table-tested in
//! `tests.rs`. Octavia keeps a drained member's weight nowhere (weight 0 *is* the drain), so
//! the weight to give back on the next join travels with the member as a tag. Every member
//! peekaboo creates or changes carries the tag `peekaboo`, so an operator can list them all
//! (`openstack loadbalancer member list --tags peekaboo POOL`).

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use super::{LoadBalancer, OctMember, Pool};
use crate::core::model::{Attrs, Change, Condition, NodeType};
use crate::error::Error;

#[cfg(test)]
mod tests;

/// The tag that holds a drained member's weight: `peekaboo-weight:5`.
pub const WEIGHT_TAG: &str = "peekaboo-weight:";
/// The tag of a member peekaboo created, or changed since.
pub const OWN_TAG: &str = "peekaboo";
/// Octavia's bounds for a member's weight (0 drains).
pub const MAX_WEIGHT: u32 = 256;

pub(super) fn remembered(tags: &[String]) -> Option<u32> {
    tags.iter()
        .find_map(|t| t.strip_prefix(WEIGHT_TAG)?.parse().ok())
        .filter(|w| (1..=MAX_WEIGHT).contains(w))
}

/// The request body for a new member: every field explicit, real JSON types, the address in
/// RFC 5952 text (Octavia stores the string as sent and filters on it byte for byte, so one
/// spelling everywhere keeps the lookup exact). `subnet_id` only when given: without it
/// Octavia uses the VIP's subnet, which is what a routable member wants. The name is -name's,
/// else `host_name` (this host's, when it could be read), else none.
pub fn create_body(
    (address, port): (IpAddr, u16),
    c: Condition,
    attrs: &Attrs,
    subnet: Option<&str>,
    host_name: Option<&str>,
) -> Value {
    let weight = attrs.weight.unwrap_or(1);
    let (admin, weight, remember) = match c {
        Condition::Enabled => (true, weight, vec![]),
        Condition::Disabled => (false, weight, vec![]),
        Condition::Draining => (true, 0, remember_tag(weight)),
    };
    let tags: Vec<String> = [OWN_TAG.to_string()].into_iter().chain(remember).collect();
    let mut m = json!({
        "address": address.to_string(),
        "protocol_port": port,
        "admin_state_up": admin,
        "weight": weight,
        "tags": tags,
    });
    if let Some(name) = attrs.name.as_deref().or(host_name) {
        m["name"] = name.into();
    }
    // Only when it is not Octavia's default: clouds before API 2.1, and providers without
    // backup members (ovn), refuse the attribute even when it says no.
    if attrs.node_type == Some(NodeType::Secondary) {
        m["backup"] = true.into();
    }
    if let Some(s) = subnet {
        m["subnet_id"] = s.into();
    }
    json!({ "member": m })
}

/// The tag to remember weight `w` by. 1 needs none (it is what a join falls back to).
fn remember_tag(w: u32) -> Vec<String> {
    if w == 1 || w == 0 {
        vec![]
    } else {
        vec![format!("{WEIGHT_TAG}{w}")]
    }
}

/// The fields of a PUT that takes `current` to what `change` asks, only those that differ;
/// None when nothing does. Octavia accepts a PUT that changes nothing and still locks the
/// whole load balancer for it, so "no change" must be decided here, before anything is sent.
///
/// ENABLED is `admin_state_up` true with a weight of at least 1: `-weight`, else the weight
/// the member has, else the one its drain remembered, else 1. DRAINING is weight 0 (admin
/// up), remembering the weight it had (or `-weight`) in a tag. DISABLED is `admin_state_up`
/// false, the weight left alone (or `-weight`). Tags replace the whole list on a PUT, so the
/// member's other tags go along unchanged. SECONDARY is `backup` true, PRIMARY false. A name
/// is sent when `-name` asked for one the member does not have.
///
/// A member whose provisioning is not ACTIVE (ERROR: the provider failed the last change)
/// gets its admin state sent even when nothing differs: Octavia takes that PUT, and the
/// provider applies the member afresh. A PUT that goes anyway adds the tag `peekaboo` when
/// the member lacks it (one peekaboo adopted); the tag alone is never worth a PUT.
pub fn update_body(current: &OctMember, change: &Change) -> Option<Value> {
    let cond = change.condition.unwrap_or(current.condition());
    let asked = change.weight.filter(|w| *w > 0);
    let (admin, weight) = match cond {
        Condition::Enabled => {
            let back = (current.weight > 0).then_some(current.weight);
            let w = asked.or(back).or(current.remembered_weight()).unwrap_or(1);
            (true, w)
        }
        Condition::Draining => (true, 0),
        Condition::Disabled => (false, asked.unwrap_or(current.weight)),
    };
    let others = current
        .tags
        .iter()
        .filter(|t| !t.starts_with(WEIGHT_TAG))
        .cloned();
    let mut tags: Vec<String> = if weight == 0 {
        let keep = asked
            .or((current.weight > 0).then_some(current.weight))
            .or(current.remembered_weight());
        others
            .chain(keep.map(remember_tag).unwrap_or_default())
            .collect()
    } else if current.weight == 0 {
        // Back in service: the remembered weight has done its job.
        others.collect()
    } else {
        current.tags.clone()
    };
    let mut m = Map::new();
    if admin != current.admin_state_up {
        m.insert("admin_state_up".into(), admin.into());
    }
    if weight != current.weight {
        m.insert("weight".into(), weight.into());
    }
    if let Some(t) = change.node_type
        && (t == NodeType::Secondary) != current.backup
    {
        m.insert("backup".into(), (t == NodeType::Secondary).into());
    }
    if let Some(name) = &change.name
        && *name != current.name
    {
        m.insert("name".into(), name.as_str().into());
    }
    if m.is_empty() && tags == current.tags && current.provisioning_status != "ACTIVE" {
        m.insert("admin_state_up".into(), admin.into());
    }
    let sent = !m.is_empty() || tags != current.tags;
    if sent && !tags.iter().any(|t| t == OWN_TAG) {
        tags.push(OWN_TAG.into());
    }
    if tags != current.tags {
        m.insert("tags".into(), tags.into());
    }
    sent.then(|| json!({ "member": m }))
}

/// Which pool of `lb` to join: the one `-pool` names (by id or name), else the only one.
pub fn choose_pool<'p>(
    lb: &LoadBalancer,
    pools: &'p [Pool],
    want: Option<&str>,
) -> Result<&'p Pool, Error> {
    let list = || pools.iter().map(Pool::shown).collect::<Vec<_>>().join(", ");
    match want {
        None => match pools {
            [only] => Ok(only),
            [] => Err(Error::Config(format!(
                "load balancer {} has no pools: add one (openstack loadbalancer pool create), or check LOAD_BALANCER_ID",
                lb.shown()
            ))),
            _ => Err(Error::Config(format!(
                "load balancer {} has {} pools ({}): choose one with -pool ID or NAME",
                lb.shown(),
                pools.len(),
                list()
            ))),
        },
        Some(w) => {
            if let Some(p) = pools.iter().find(|p| p.id.eq_ignore_ascii_case(w)) {
                return Ok(p);
            }
            let named: Vec<&Pool> = pools.iter().filter(|p| p.name == w).collect();
            match named.as_slice() {
                [p] => Ok(p),
                [] => Err(Error::Config(format!(
                    "load balancer {} has no pool {w} (it has: {}): check -pool",
                    lb.shown(),
                    if pools.is_empty() {
                        "none".into()
                    } else {
                        list()
                    }
                ))),
                several => Err(Error::Config(format!(
                    "load balancer {} has {} pools named {w} ({}): give -pool the id",
                    lb.shown(),
                    several.len(),
                    several
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            }
        }
    }
}
