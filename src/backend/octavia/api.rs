//! Octavia v2: the calls peekaboo makes on a load balancer's pool, what each answer means, and
//! the member bodies it sends (`body.rs`, the pure decisions).

use serde::Deserialize;
use serde_json::Value;

use crate::backend::answer::{one_line, retry_after};
use crate::backend::http::{Http, Reply};
use crate::backend::{ApiError, Secret};
use crate::core::model::{
    CheckStatus, Condition, LbPhase, Member, MemberId, NodeType, Provisioning, Said, Snapshot,
};
use crate::error::Error;
use crate::time::Deadline;

pub mod body;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_tests;

/// Reads an error answer: the status alone does not tell a busy 409 from a duplicate one.
pub fn classify(reply: &Reply) -> ApiError {
    let msg = message(&reply.body).unwrap_or_else(|| format!("HTTP {}", reply.status));
    match reply.status {
        401 => ApiError::Unauthorized,
        404 => ApiError::NotFound(msg),
        // The pool's text while another member change is in flight, the load balancer's when
        // it alone is busy: both pass once it is ACTIVE again.
        409 if msg.contains("is immutable") => ApiError::Busy(msg),
        409 if msg.starts_with("Another member") => ApiError::Duplicate,
        // Octavia has no rate limiter of its own, but a gateway in front of it may.
        429 => ApiError::RateLimited(retry_after(reply)),
        // 501: the provider does not support what was asked; asking again changes nothing.
        501 => ApiError::Refused(msg),
        500..=599 => ApiError::Server(msg),
        _ => ApiError::Refused(msg),
    }
}

/// The message of any of the three error bodies Octavia's side sends: WSME's `faultstring`,
/// pecan's `{"code","title","description"}` and keystonemiddleware's `{"error":{"message"}}`;
/// one line, bounded in length, secrets scrubbed.
pub fn message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let text = v
        .get("faultstring")
        .or_else(|| v.get("description"))
        .or_else(|| v.get("error").and_then(|e| e.get("message")))
        .or_else(|| v.get("message"))?
        .as_str()?;
    Some(one_line(text))
}

/// `{"id": …}` as a load balancer lists its pools.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct IdRef {
    pub id: String,
}

/// A load balancer, as far as peekaboo cares.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct LoadBalancer {
    pub id: String,
    #[serde(default, deserialize_with = "or_empty")]
    pub name: String,
    pub provisioning_status: String,
    #[serde(default, deserialize_with = "or_empty")]
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
    #[serde(default, deserialize_with = "or_empty")]
    pub name: String,
    #[serde(default)]
    pub healthmonitor_id: Option<String>,
}

impl Pool {
    fn shown(&self) -> String {
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
    pub address: String,
    pub protocol_port: u16,
    #[serde(default = "one")]
    pub weight: u32,
    #[serde(default = "yes")]
    pub admin_state_up: bool,
    #[serde(default, deserialize_with = "or_empty")]
    pub provisioning_status: String,
    #[serde(default)]
    pub operating_status: Option<String>,
    #[serde(default, deserialize_with = "or_default")]
    pub tags: Vec<String>,
    /// A backup member gets traffic only when no other member is up: CLB's SECONDARY node.
    #[serde(default, deserialize_with = "or_no")]
    pub backup: bool,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// A `null` where a string is expected reads as "" (Octavia sends `"name": null` at times).
fn or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

fn or_no<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or_default())
}

fn or_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
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
            weight: Some(self.weight),
            node_type: Some(self.node_type().said()),
            admin_up: Some(self.admin_state_up),
            provisioning: Some(provisioning(&self.provisioning_status)),
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

/// Whether `s` is written as a UUID (with or without dashes, as Octavia takes ids).
pub fn looks_like_uuid(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    hex.len() == 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && (s.len() == 32 || s.len() == 36)
}

/// Percent-encodes a query value (names may hold spaces, `&`, anything).
pub fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The Octavia API at `base` (the catalog's URL, without `/v2`), with a token and a deadline.
pub struct Octavia<'a> {
    pub http: &'a Http,
    pub base: &'a str,
    pub token: &'a Secret,
    pub deadline: &'a Deadline,
}

impl Octavia<'_> {
    /// The load balancer named `lb`: by id when it is written as one (and by name should no
    /// load balancer have that id), else by name. Several of that name: a Config error
    /// naming their ids. None: NotFound.
    pub fn load_balancer(&self, lb: &str) -> Result<LoadBalancer, ApiError> {
        #[derive(Deserialize)]
        struct One {
            loadbalancer: LoadBalancer,
        }
        #[derive(Deserialize)]
        struct List {
            loadbalancers: Vec<LoadBalancer>,
        }
        if looks_like_uuid(lb) {
            match self.get(&format!("/loadbalancers/{lb}")) {
                Ok(body) => return parse::<One>(&body).map(|o| o.loadbalancer),
                Err(ApiError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let body = self.get(&format!("/loadbalancers?name={}", query_value(lb)))?;
        let mut found = parse::<List>(&body)?.loadbalancers;
        match found.len() {
            0 => {
                // Name what exists: a typo, or the right name in another region or project.
                #[derive(Deserialize)]
                struct Brief {
                    id: String,
                    #[serde(default)]
                    name: Option<String>,
                }
                #[derive(Deserialize)]
                struct Briefs {
                    loadbalancers: Vec<Brief>,
                }
                let body = self.get("/loadbalancers?fields=id&fields=name")?;
                let all = parse::<Briefs>(&body)?.loadbalancers;
                let names: Vec<String> = all
                    .iter()
                    .take(10)
                    .map(|l| match l.name.as_deref() {
                        Some(n) if !n.is_empty() => format!("{n} ({})", l.id),
                        _ => l.id.clone(),
                    })
                    .collect();
                let has = match (names.is_empty(), all.len() > names.len()) {
                    (true, _) => "the project has none here".to_string(),
                    (false, false) => format!("the project has {}", names.join(", ")),
                    (false, true) => format!("the project has {}, …", names.join(", ")),
                };
                Err(ApiError::NotFound(format!("no id or name matches; {has}")))
            }
            1 => Ok(found.remove(0)),
            n => Err(ApiError::Final(Error::Config(format!(
                "{n} load balancers are named {lb} ({}): set LOAD_BALANCER_ID to the id of one",
                found
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))),
        }
    }

    pub fn pools(&self, lb_id: &str) -> Result<Vec<Pool>, ApiError> {
        #[derive(Deserialize)]
        struct List {
            pools: Vec<Pool>,
        }
        let body = self.get(&format!("/pools?loadbalancer_id={}", query_value(lb_id)))?;
        parse::<List>(&body).map(|l| l.pools)
    }

    pub fn members(&self, pool: &str) -> Result<Vec<OctMember>, ApiError> {
        #[derive(Deserialize)]
        struct List {
            members: Vec<OctMember>,
        }
        let body = self.get(&format!("/pools/{pool}/members"))?;
        parse::<List>(&body).map(|l| l.members)
    }

    /// POST a `create_body`; the member as created (PENDING_CREATE, as a rule).
    pub fn create(&self, pool: &str, body: &Value) -> Result<OctMember, ApiError> {
        let reply = self.call("POST", &format!("/pools/{pool}/members"), Some(body))?;
        parse::<OneMember>(&reply).map(|o| o.member)
    }

    /// PUT an `update_body` (200 in the code, 202 in the api-ref: any 2xx).
    pub fn update(&self, pool: &str, id: &str, body: &Value) -> Result<(), ApiError> {
        let path = format!("/pools/{pool}/members/{id}");
        self.call("PUT", &path, Some(body)).map(drop)
    }

    pub fn delete(&self, pool: &str, id: &str) -> Result<(), ApiError> {
        let path = format!("/pools/{pool}/members/{id}");
        self.call("DELETE", &path, None).map(drop)
    }

    fn get(&self, path: &str) -> Result<Vec<u8>, ApiError> {
        self.call("GET", path, None)
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Vec<u8>, ApiError> {
        let url = format!("{}/v2/lbaas{path}", self.base);
        let reply = self
            .http
            .send(method, &url, Some(self.token), body, self.deadline)
            .map_err(ApiError::from)?;
        if (200..300).contains(&reply.status) {
            Ok(reply.body)
        } else {
            Err(classify(&reply))
        }
    }
}

#[derive(Deserialize)]
struct OneMember {
    member: OctMember,
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|_| ApiError::Transport("the load balancer API sent an unreadable answer".into()))
}
