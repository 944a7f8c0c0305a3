//! Keystone v3: trade a password or an application credential for a token (the
//! `X-Subject-Token` header of a 201), find Octavia in the catalog, and decide when the token
//! is renewed; `discovery` finds the v3 base from an identity root, `refusal` says what a
//! refusal means. The deciding is pure (`auth_body`, `pick_endpoint`, `octavia_base`,
//! `session`, `v3_link`, `refusal`); `authenticate` and `discover` only send.

use std::time::Instant;

use serde_json::{Value, json};

use super::{AppCredential, Auth, Domain, Named, Settings};

mod catalog;
mod discovery;
mod refusal;
pub use catalog::{Endpoint, Service, octavia_base, pick_endpoint};
pub use discovery::{discover, v3_base};
pub use refusal::{Upstream, via_rackspace};

use crate::backend::answer::warn_clear_text;
use crate::backend::http::{Failure, Http, Reply, check_url, printable, url_parses};
use crate::backend::token::{Session, renewal_or_warn};
use crate::backend::{ApiError, Secret};
use crate::error::Error;
use crate::time::{Deadline, parse_rfc3339};

/// What a Keystone v3 base looks like, for the errors that say OS_AUTH_URL is not one.
pub const EXAMPLE_AUTH_URL: &str = "https://keystone.api.dfw3.rackspacecloud.com/v3";

/// The token request for `auth`. A password is scoped to its project; an application
/// credential never is: its project is fixed, and Keystone refuses a scope with it (401).
pub fn auth_body(auth: &Auth) -> Value {
    match auth {
        Auth::Password {
            user,
            password,
            project,
        } => {
            let mut user = named(user);
            user["password"] = json!(password.0);
            let mut body = json!({"auth": {"identity": {
                "methods": ["password"],
                "password": {"user": user},
            }}});
            if let Some(project) = project {
                body["auth"]["scope"] = json!({ "project": named(project) });
            }
            body
        }
        Auth::AppCredential { credential, secret } => {
            let mut cred = match credential {
                AppCredential::Id(id) => json!({ "id": id }),
                AppCredential::Name { name, user } => json!({"name": name, "user": named(user)}),
            };
            cred["secret"] = json!(secret.0);
            json!({"auth": {"identity": {
                "methods": ["application_credential"],
                "application_credential": cred,
            }}})
        }
    }
}

fn named(n: &Named) -> Value {
    match n {
        Named::Id(id) => json!({ "id": id }),
        Named::Name { name, domain } => json!({"name": name, "domain": domain_json(domain)}),
    }
}

fn domain_json(d: &Domain) -> Value {
    match d {
        Domain::Id(id) => json!({ "id": id }),
        Domain::Name(name) => json!({ "name": name }),
    }
}

/// One token request: what to send, and where.
pub struct Attempt<'a> {
    pub cfg: &'a Settings,
    /// The Keystone v3 base: OS_AUTH_URL when it ends in /v3, else the one its root links to.
    pub v3: &'a str,
    /// Whether a 401 may be Flex's trouble upstream, and whether the last try was refused.
    pub upstream: Upstream,
}

/// Sends the token request and reads the answer.
pub fn authenticate(http: &Http, at: &Attempt, deadline: &Deadline) -> Result<Session, ApiError> {
    let url = format!("{}/auth/tokens", at.v3);
    let reply = http
        .send("POST", &url, None, Some(&auth_body(&at.cfg.auth)), deadline)
        .map_err(|f| transport_failure(f, at.v3))?;
    let session = session(&reply, at, Instant::now())?;
    warn_clear_text(&session.endpoint);
    Ok(session)
}

/// What Keystone's answer, received at `received`, means: a session, or why there is none.
/// The token is registered as a secret as soon as it is read, before anything can quote it.
pub fn session(reply: &Reply, at: &Attempt, received: Instant) -> Result<Session, ApiError> {
    let (auth_url, cfg) = (at.v3, at.cfg);
    if !(200..300).contains(&reply.status) {
        return Err(refusal::refusal(reply, auth_url, &cfg.auth, at.upstream));
    }
    let token = reply
        .header("x-subject-token")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Final(Error::Failed(format!(
                "keystone at {auth_url} answered HTTP {} without an X-Subject-Token header: check that OS_AUTH_URL is the Keystone v3 base, e.g. {EXAMPLE_AUTH_URL}",
                reply.status
            )))
        })?;
    crate::log::secret(token);
    let (expires, catalog) = read_token(&reply.body).map_err(|e| match e {
        // Unreadable is what a cut-off answer looks like: worth another try.
        Unfit::NotJson => ApiError::Transport("keystone sent an unreadable answer".into()),
        Unfit::NotKeystone(what) => ApiError::Final(Error::Failed(format!(
            "keystone at {auth_url} answered with JSON that is not a Keystone v3 token answer ({what}): check that OS_AUTH_URL is the Keystone v3 base, e.g. {EXAMPLE_AUTH_URL}"
        ))),
    })?;
    let picked = pick_endpoint(&catalog, cfg.region.as_deref(), &cfg.interface)
        .map_err(|m| ApiError::Final(Error::Config(m)))?;
    let endpoint = octavia_base(&picked.url);
    check_endpoint(&endpoint, cfg.allow_http)?;
    Ok(Session {
        token: Secret(token.to_string()),
        endpoint,
        region: picked.region,
        chosen: picked.how,
        renewal: expires.and_then(|at| renewal_or_warn(at, received)),
    })
}

/// An answer over the size limit would be the same on every try (a token answer with its
/// catalog is a few KiB): the URL is wrong. The rest may pass.
fn transport_failure(failure: Failure, auth_url: &str) -> ApiError {
    if failure.oversized {
        ApiError::Final(Error::Failed(format!(
            "authenticating: {} (a token answer is a few KiB): check that OS_AUTH_URL ({auth_url}) is the Keystone v3 base, e.g. {EXAMPLE_AUTH_URL}",
            failure.msg
        )))
    } else {
        ApiError::from(failure)
    }
}

/// Why a 2xx answer cannot be used.
#[derive(Debug, PartialEq)]
enum Unfit {
    /// Not JSON at all: cut off, or a proxy's page.
    NotJson,
    /// JSON, but not a token answer: what is wrong with it, never what it holds.
    NotKeystone(&'static str),
}

/// The expiry (unix seconds) and catalog of Keystone's answer. Strict about what a token
/// answer must have, liberal about the rest: a missing or unreadable expiry only means the
/// token is renewed when refused.
fn read_token(body: &[u8]) -> Result<(Option<i64>, Vec<Service>), Unfit> {
    let v: Value = serde_json::from_slice(body).map_err(|_| Unfit::NotJson)?;
    let token = v
        .get("token")
        .filter(|t| t.is_object())
        .ok_or(Unfit::NotKeystone("no token object"))?;
    let expires = token
        .get("expires_at")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339);
    let entries = match token.get("catalog") {
        // Missing: a token without a catalog, which pick_endpoint explains.
        None => &[][..],
        Some(Value::Array(list)) => list.as_slice(),
        Some(_) => return Err(Unfit::NotKeystone("catalog is not a list")),
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let catalog = entries
        .iter()
        .map(|s| Service {
            name: text(s, "name").unwrap_or_default(),
            kind: text(s, "type").unwrap_or_default(),
            endpoints: s
                .get("endpoints")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .filter_map(|e| {
                    Some(Endpoint {
                        interface: text(e, "interface").unwrap_or_default(),
                        region_id: text(e, "region_id").filter(|r| !r.is_empty()),
                        region: text(e, "region").filter(|r| !r.is_empty()),
                        url: text(e, "url")?,
                    })
                })
                .collect(),
        })
        .collect();
    Ok((expires, catalog))
}

/// The catalog's endpoint must be a URL ureq can use (else every try fails the same way: the
/// catalog is broken, exit 1) and keep the token private unless -allow-http (exit 2).
fn check_endpoint(endpoint: &str, allow_http: bool) -> Result<(), ApiError> {
    if !url_parses(endpoint) {
        return Err(ApiError::Final(Error::Failed(format!(
            "the catalog's load-balancer endpoint '{}' is not a valid http(s) URL: keystone's catalog is broken; report it to whoever runs the cloud",
            printable(endpoint)
        ))));
    }
    check_url(endpoint, allow_http).map_err(|why| {
        ApiError::Final(Error::Config(format!(
            "the catalog's load-balancer endpoint '{endpoint}' {why}"
        )))
    })
}

#[cfg(test)]
mod tests;
