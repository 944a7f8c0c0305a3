//! What Octavia's answers hold, as far as peekaboo reads them, and what their words mean in
//! the model's terms: the edge where a status word becomes a meaning (or stays a word).

use serde::Deserialize;

use crate::backend::ApiError;
use crate::core::model::{
    CheckStatus, Condition, LbPhase, Member, MemberId, NodeType, Provisioning, Said, Snapshot,
};
use crate::error::Error;

use super::body;

/// `{"id": …}` as a load balancer lists its pools.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct IdRef {
    pub id: String,
}

/// A load balancer, as far as peekaboo cares.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct LoadBalancer {
    pub id: String,
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    pub provisioning_status: String,
    #[serde(default, deserialize_with = "or_default")]
    pub provider: String,
    #[serde(default)]
    pub pools: Vec<IdRef>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl LoadBalancer {
    /// "web-lb (999f…)" or the id alone, for messages.
    pub fn shown(&self) -> String {
        if self.name.is_empty() {
            self.id.clone()
        } else {
            self.name.clone()
        }
    }

    /// Where it stands. ERROR is not waited out: Octavia leaves it only through an operator
    /// (a failover, or delete and recreate) and refuses every member change meanwhile, so a
    /// wait would end at -timeout with nothing learnt; the API's word goes into the error.
    /// PENDING_DELETE ends in DELETED, never in ACTIVE.
    pub fn phase(&self) -> Result<LbPhase, ApiError> {
        let word = self.provisioning_status.as_str();
        match word {
            "ACTIVE" => Ok(LbPhase::Active),
            "DELETED" | "PENDING_DELETE" => Ok(LbPhase::Gone(word.into())),
            "ERROR" => Err(ApiError::Final(Error::Failed(format!(
                "load balancer {} ({}) is in ERROR: its provider failed to apply a change, and Octavia takes no member change until an operator repairs it (openstack loadbalancer failover) or recreates it",
                self.shown(),
                self.id
            )))),
            "PENDING_CREATE" | "PENDING_UPDATE" => Ok(LbPhase::Busy(word.into())),
            _ => Ok(LbPhase::Unknown(word.into())),
        }
    }

    pub fn snapshot(&self) -> Result<Snapshot, ApiError> {
        Ok(Snapshot {
            phase: self.phase()?,
            // Octavia does not say where its amphorae connect from.
            sources: None,
            // The ovn provider stores a weight of 0 and keeps sending new connections.
            can_drain: !self.provider.eq_ignore_ascii_case("ovn"),
            progress: self.updated_at.clone(),
            members: None,
            blind_create: false,
        })
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Pool {
    pub id: String,
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    #[serde(default)]
    pub healthmonitor_id: Option<String>,
}

impl Pool {
    pub(super) fn shown(&self) -> String {
        if self.name.is_empty() {
            self.id.clone()
        } else {
            format!("{} {}", self.name, self.id)
        }
    }
}

/// A member as Octavia lists it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct OctMember {
    pub id: String,
    /// `""` when it has none (or `null`).
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    pub address: String,
    pub protocol_port: u16,
    #[serde(default = "one")]
    pub weight: u32,
    #[serde(default = "yes")]
    pub admin_state_up: bool,
    #[serde(default, deserialize_with = "or_default")]
    pub provisioning_status: String,
    #[serde(default)]
    pub operating_status: Option<String>,
    #[serde(default, deserialize_with = "or_default")]
    pub tags: Vec<String>,
    /// A backup member gets traffic only when no other member is up: CLB's SECONDARY node.
    #[serde(default, deserialize_with = "or_default")]
    pub backup: bool,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// A `null` reads as the field's default: "", false or [] (Octavia sends `"name": null` at
/// times).
fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl OctMember {
    /// The condition peekaboo would call it: the admin state first (a disabled member gets
    /// nothing whatever its weight), then a weight of 0 (no new connections).
    pub fn condition(&self) -> Condition {
        if !self.admin_state_up {
            Condition::Disabled
        } else if self.weight == 0 {
            Condition::Draining
        } else {
            Condition::Enabled
        }
    }

    pub fn member(&self) -> Member {
        let condition = self.condition();
        Member {
            id: MemberId(self.id.clone()),
            address: self.address.clone(),
            port: self.protocol_port,
            condition: Said::new(Some(condition), condition.as_str()),
            status: self.operating_status.as_deref().map(health),
            weight: Some(self.serving_weight()),
            node_type: Some(self.node_type().said()),
            admin_up: Some(self.admin_state_up),
            provisioning: Some(provisioning(&self.provisioning_status)),
            name: Some(self.name.clone()).filter(|n| !n.is_empty()),
        }
    }

    /// The weight it takes traffic with, in peekaboo's terms: CLB's, whose drain is a
    /// condition beside the weight. Octavia's drain *is* weight 0, so a drained member's is
    /// the one its drain remembered (else 1, what a join gives back): `-drain -weight 5`
    /// then compares 5 with what the next join would restore, not with the 0 of the drain.
    pub fn serving_weight(&self) -> u32 {
        match self.weight {
            0 => self.remembered_weight().unwrap_or(1),
            w => w,
        }
    }

    pub fn node_type(&self) -> NodeType {
        if self.backup {
            NodeType::Secondary
        } else {
            NodeType::Primary
        }
    }

    /// The weight a drain remembered, if the tag holds one Octavia would take.
    pub fn remembered_weight(&self) -> Option<u32> {
        body::remembered(&self.tags)
    }
}

/// A member's `operating_status`. ERROR is a failing health check; DEGRADED is a pool's or a
/// load balancer's word, unknown on a member.
fn health(word: &str) -> Said<CheckStatus> {
    let meaning = match word {
        "ONLINE" => Some(CheckStatus::Online),
        "NO_MONITOR" => Some(CheckStatus::Unchecked),
        "OFFLINE" | "ERROR" => Some(CheckStatus::Offline),
        "DRAINING" => Some(CheckStatus::Draining),
        _ => None,
    };
    Said::new(meaning, word)
}

/// A member's `provisioning_status`. DELETED is a member on its way out: look again.
fn provisioning(word: &str) -> Said<Provisioning> {
    let meaning = match word {
        "ACTIVE" => Some(Provisioning::Settled),
        "PENDING_CREATE" | "PENDING_UPDATE" | "PENDING_DELETE" | "DELETED" => {
            Some(Provisioning::Pending)
        }
        "ERROR" => Some(Provisioning::Failed),
        _ => None,
    };
    Said::new(meaning, word)
}
