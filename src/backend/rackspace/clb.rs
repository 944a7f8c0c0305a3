//! Cloud Load Balancers v1.0: the five calls peekaboo makes, and what each answer means.
//! The status code alone does not say what to do (422 is "busy", "deleted" or "duplicate";
//! 413 is "slow down" or "full"), so `classify` reads the body too.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::backend::ApiError;
use crate::backend::Secret;
use crate::backend::answer::{now_unix, one_line};
use crate::backend::http::{Http, Reply};
use crate::core::model::{
    Attrs, Change, CheckStatus, Condition, LbPhase, Member, MemberId, NodeType, Said, Snapshot,
};
use crate::time::Deadline;

/// Reads an error answer. `now_unix` is for `Retry-After` given as a date.
pub fn classify(reply: &Reply, now_unix: u64) -> ApiError {
    let msg = message(&reply.body).unwrap_or_else(|| format!("HTTP {}", reply.status));
    let retry_after = reply.header("retry-after");
    let over_limit = retry_after.is_some() || json_has(&reply.body, "overLimit");
    match reply.status {
        401 => ApiError::Unauthorized,
        404 => ApiError::NotFound(msg),
        410 => ApiError::Gone(msg),
        413 if over_limit => ApiError::RateLimited(
            retry_after.and_then(|v| crate::time::parse_retry_after(v, now_unix)),
        ),
        // Rate limiting is also reported as 429 by some proxies.
        429 => ApiError::RateLimited(
            retry_after.and_then(|v| crate::time::parse_retry_after(v, now_unix)),
        ),
        422 if msg.contains("Duplicate nodes") => ApiError::Duplicate,
        422 if msg.contains("deleted") => ApiError::Gone(msg),
        422 if msg.contains("immutable") || msg.contains("not ACTIVE") => ApiError::Busy(msg),
        500..=599 => ApiError::Server(msg),
        _ => ApiError::Refused(msg),
    }
}

/// The `message` of a flat (`{"message":…}`) or wrapped (`{"badRequest":{"message":…}}`) error
/// body, with `details` when it adds something; one line, bounded in length.
pub fn message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let obj = if v.get("message").is_some() {
        &v
    } else {
        v.as_object()?
            .values()
            .find(|x| x.get("message").is_some())?
    };
    let msg = obj.get("message")?.as_str()?.trim();
    let text = match obj.get("details").and_then(Value::as_str).map(str::trim) {
        Some(d) if !d.is_empty() && d != msg => format!("{msg} ({d})"),
        _ => msg.to_string(),
    };
    Some(one_line(&text))
}

fn json_has(body: &[u8], key: &str) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|v| v.get(key).is_some())
}

/// A node as the API lists it. Only id, address, port and condition are sure to be there.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Node {
    pub id: u64,
    pub address: String,
    pub port: u16,
    pub condition: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub weight: Option<u32>,
    #[serde(default, rename = "type")]
    pub node_type: Option<String>,
}

impl Node {
    /// The node in peekaboo's terms. A word the API does not document is kept as said: another
    /// node's is of no concern, and ours is then not taken to be as asked.
    fn member(self) -> Member {
        let node_type = self
            .node_type
            .map(|t| Said::new(NodeType::from_word(&t), t));
        Member {
            id: MemberId(self.id.to_string()),
            condition: Said::new(Condition::from_word(&self.condition), self.condition),
            address: self.address,
            port: self.port,
            status: self.status.map(|s| Said::new(health(&s), s)),
            weight: self.weight,
            node_type,
            admin_up: None,
            provisioning: None,
            name: None,
        }
    }
}

/// A node's `status`, set by the load balancer's health check.
fn health(word: &str) -> Option<CheckStatus> {
    match word {
        "ONLINE" => Some(CheckStatus::Online),
        "OFFLINE" => Some(CheckStatus::Offline),
        _ => None,
    }
}

fn members(nodes: Vec<Node>) -> Vec<Member> {
    nodes.into_iter().map(Node::member).collect()
}

fn unreadable() -> ApiError {
    ApiError::Transport("the load balancer API sent an unreadable answer".into())
}

/// The load balancer, as far as peekaboo cares.
#[derive(Debug, Deserialize)]
pub struct LoadBalancer {
    pub status: String,
    /// `{"ipv4Public": …, "ipv4Servicenet": …, "ipv6Public": …}`: where it connects from.
    #[serde(rename = "sourceAddresses", default)]
    pub source_addresses: std::collections::BTreeMap<String, Value>,
    /// The nodes, when the API includes them (it leaves the key out when there are none, and
    /// perhaps otherwise: absent means "list them", never "no nodes").
    #[serde(default)]
    pub nodes: Option<Vec<Node>>,
    /// `{"time": …}`, bumped by every change applied: the same time means no progress.
    #[serde(default)]
    pub updated: Option<Value>,
}

impl LoadBalancer {
    /// The read in peekaboo's terms.
    pub fn snapshot(self) -> Result<Snapshot, ApiError> {
        let sources = self.sources();
        let phase = match self.status.as_str() {
            "ACTIVE" => LbPhase::Active,
            "DELETED" | "PENDING_DELETE" => LbPhase::Gone(self.status),
            // Building, applying a change, or held by Rackspace: not now.
            "BUILD" | "PENDING_UPDATE" | "SUSPENDED" | "ERROR" => LbPhase::Busy(self.status),
            _ => LbPhase::Unknown(self.status),
        };
        Ok(Snapshot {
            phase,
            sources: Some(sources),
            can_drain: true,
            blind_create: true,
            progress: self.updated.map(|u| u.to_string()),
            members: self.nodes.map(members),
        })
    }

    /// The addresses the load balancer connects to nodes from (unparsable entries skipped).
    pub fn sources(&self) -> Vec<std::net::IpAddr> {
        self.source_addresses
            .values()
            // ipv6Public may come with a prefix length ("2001:db8::5/64"): the address is
            // the part before it.
            .filter_map(|v| v.as_str()?.trim().split('/').next()?.parse().ok())
            .collect()
    }
}

/// A load balancer endpoint bound to one load balancer id and a token.
pub struct Clb<'a> {
    pub http: &'a Http,
    pub endpoint: &'a str,
    pub token: &'a Secret,
    pub lb: &'a str,
    pub deadline: &'a Deadline,
}

impl Clb<'_> {
    pub fn load_balancer(&self) -> Result<LoadBalancer, ApiError> {
        #[derive(Deserialize)]
        struct Wrap {
            #[serde(rename = "loadBalancer")]
            load_balancer: LoadBalancer,
        }
        let body = self.call("GET", "", None)?;
        parse::<Wrap>(&body).map(|w| w.load_balancer)
    }

    pub fn nodes(&self) -> Result<Vec<Member>, ApiError> {
        #[derive(Deserialize)]
        struct Wrap {
            nodes: Vec<Node>,
        }
        let body = self.call("GET", "/nodes", None)?;
        Ok(members(parse::<Wrap>(&body)?.nodes))
    }

    pub fn create(
        &self,
        address: &str,
        port: u16,
        c: Condition,
        attrs: &Attrs,
    ) -> Result<(), ApiError> {
        let mut node = json!({"address": address, "port": port, "condition": c.as_str()});
        if let Some(w) = attrs.weight {
            node["weight"] = w.into();
        }
        if let Some(t) = attrs.node_type {
            node["type"] = t.as_str().into();
        }
        self.call("POST", "/nodes", Some(&json!({"nodes": [node]})))
            .map(drop)
    }

    /// Sends only what changes. A node has no name: `-name` never reaches here as a change.
    pub fn update(&self, id: &MemberId, change: &Change) -> Result<(), ApiError> {
        let mut node = serde_json::Map::new();
        if let Some(c) = change.condition {
            node.insert("condition".into(), c.as_str().into());
        }
        if let Some(w) = change.weight {
            node.insert("weight".into(), w.into());
        }
        if let Some(t) = change.node_type {
            node.insert("type".into(), t.as_str().into());
        }
        self.call("PUT", &format!("/nodes/{id}"), Some(&json!({"node": node})))
            .map(drop)
    }

    pub fn delete(&self, id: &MemberId) -> Result<(), ApiError> {
        self.call("DELETE", &format!("/nodes/{id}"), None).map(drop)
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Vec<u8>, ApiError> {
        let url = format!("{}/loadbalancers/{}{path}", self.endpoint, self.lb);
        let reply = self
            .http
            .send(method, &url, Some(self.token), body, self.deadline)
            .map_err(ApiError::from)?;
        if (200..300).contains(&reply.status) {
            Ok(reply.body)
        } else {
            Err(classify(&reply, now_unix()))
        }
    }
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn reply(status: u16, body: &str, retry_after: Option<&str>) -> ApiError {
        let r = Reply {
            status,
            headers: retry_after
                .map(|v| ("retry-after".to_string(), v.to_string()))
                .into_iter()
                .collect(),
            body: body.as_bytes().to_vec(),
        };
        classify(&r, 1_434_234_600)
    }

    #[test]
    fn the_several_422s() {
        let busy = r#"{"message":"Load Balancer '123' has a status of 'PENDING_UPDATE' and is considered immutable.","code":422}"#;
        assert!(
            matches!(reply(422, busy, None), ApiError::Busy(m) if m.contains("PENDING_UPDATE"))
        );
        let inactive = r#"{"message":"LoadBalancer is not ACTIVE","code":422}"#;
        assert!(matches!(reply(422, inactive, None), ApiError::Busy(_)));
        let deleted =
            r#"{"message":"The load balancer is deleted and considered immutable.","code":422}"#;
        assert!(matches!(reply(422, deleted, None), ApiError::Gone(_)));
        let dup = r#"{"message":"Duplicate nodes detected. One or more nodes already configured on load balancer.","code":422}"#;
        assert_eq!(reply(422, dup, None), ApiError::Duplicate);
        assert!(matches!(
            reply(422, r#"{"message":"Something new","code":422}"#, None),
            ApiError::Refused(_)
        ));
    }

    #[test]
    fn the_two_413s() {
        let over = r#"{"overLimit":{"code":413,"message":"OverLimit Retry...","retryAfter":"2015-06-13T22:30:10Z"}}"#;
        assert_eq!(
            reply(413, over, Some("Sat, 13 Jun 2015 22:30:10 GMT")),
            ApiError::RateLimited(Some(Duration::from_secs(10)))
        );
        assert_eq!(
            reply(413, over, Some("3")),
            ApiError::RateLimited(Some(Duration::from_secs(3)))
        );
        assert_eq!(reply(413, over, None), ApiError::RateLimited(None));
        let full = r#"{"message":"Nodes must not exceed 25 per load balancer.","code":413}"#;
        assert_eq!(
            reply(413, full, None),
            ApiError::Refused("Nodes must not exceed 25 per load balancer.".into())
        );
    }

    #[test]
    fn other_statuses() {
        assert_eq!(reply(401, "", None), ApiError::Unauthorized);
        assert!(
            matches!(reply(404, r#"{"message":"Load balancer not found","code":404}"#, None), ApiError::NotFound(m) if m == "Load balancer not found")
        );
        assert!(matches!(
            reply(
                410,
                r#"{"message":"The loadbalancer is marked as deleted.","code":410}"#,
                None
            ),
            ApiError::Gone(_)
        ));
        assert_eq!(
            reply(503, "<html>Service Unavailable</html>", None),
            ApiError::Server("HTTP 503".into())
        );
        assert_eq!(
            reply(500, r#"{"message":"boom","code":500}"#, None),
            ApiError::Server("boom".into())
        );
        assert_eq!(
            reply(
                400,
                r#"{"message":"Validation Failure","code":400,"details":"bad port"}"#,
                None
            ),
            ApiError::Refused("Validation Failure (bad port)".into())
        );
    }

    #[test]
    fn source_addresses() {
        let lb: LoadBalancer = serde_json::from_str(
            r#"{"status":"ACTIVE","sourceAddresses":{"ipv4Public":"10.0.0.1","ipv4Servicenet":"10.183.248.16","ipv6Public":"2001:4800:7901::5/64","ipv6Servicenet":"2001:db8::9","other":7,"bad":"x"}}"#,
        )
        .unwrap();
        let want: Vec<std::net::IpAddr> = [
            "10.0.0.1",
            "10.183.248.16",
            "2001:4800:7901::5",
            "2001:db8::9",
        ]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
        assert_eq!(lb.sources(), want);
        let bare: LoadBalancer = serde_json::from_str(r#"{"status":"BUILD"}"#).unwrap();
        assert!(bare.sources().is_empty());
    }

    #[test]
    fn messages_from_wrapped_bodies() {
        let body = br#"{"unauthorized":{"code":401,"message":"Unable to authenticate user with credentials provided."}}"#;
        assert_eq!(
            message(body).as_deref(),
            Some("Unable to authenticate user with credentials provided.")
        );
        assert_eq!(message(b"not json"), None);
        assert_eq!(message(br#"{"message":"a\nb"}"#).as_deref(), Some("ab"));
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(5000));
        assert_eq!(message(long.as_bytes()).map(|m| m.len()), Some(300));
    }
}
