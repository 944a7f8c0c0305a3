//! Octavia v2: the calls peekaboo makes on a load balancer's pool, what each answer means, and
//! the member bodies it sends (`body.rs`, the pure decisions).

use serde::Deserialize;
use serde_json::Value;

use crate::backend::answer::{one_line, retry_after};
use crate::backend::http::{Http, Reply};
use crate::backend::{ApiError, Secret};
use crate::error::Error;
use crate::time::Deadline;

pub mod body;
mod shapes;
pub use shapes::{LoadBalancer, OctMember, Pool};

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
