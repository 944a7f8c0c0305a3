//! Keystone v3: trade a password or an application credential for a token (the
//! `X-Subject-Token` header of a 201), find Octavia in the catalog, and decide when the token
//! is renewed. The deciding is pure (`auth_body`, `pick_endpoint`, `octavia_base`, `session`);
//! `authenticate` only sends.

use std::time::Instant;

use serde_json::{Value, json};

use super::{AppCredential, Auth, Domain, Named, Settings};

mod catalog;
pub use catalog::{Endpoint, Service, octavia_base, pick_endpoint};

use super::api::message;
use crate::backend::answer::{retry_after, warn_clear_text};
use crate::backend::http::{Failure, Http, Reply, check_url, printable, url_parses};
use crate::backend::token::{Session, renewal_or_warn};
use crate::backend::{ApiError, Secret};
use crate::error::Error;
use crate::time::{Deadline, parse_rfc3339};

/// What a Keystone v3 base looks like, for the errors that say OS_AUTH_URL is not one.
pub const EXAMPLE_AUTH_URL: &str = "https://keystone.api.dfw3.rackspacecloud.com/v3";

/// Keystone's production 401 text: it says nothing, so the error says what to check instead.
const GENERIC_401: &str = "The request you have made requires authentication.";

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

/// Sends the token request and reads the answer.
pub fn authenticate(http: &Http, cfg: &Settings, deadline: &Deadline) -> Result<Session, ApiError> {
    let url = format!("{}/auth/tokens", cfg.auth_url);
    let reply = http
        .send("POST", &url, None, Some(&auth_body(&cfg.auth)), deadline)
        .map_err(|f| transport_failure(f, &cfg.auth_url))?;
    let session = session(&reply, cfg, Instant::now())?;
    warn_clear_text(&session.endpoint);
    Ok(session)
}

/// What Keystone's answer, received at `received`, means: a session, or why there is none.
/// The token is registered as a secret as soon as it is read, before anything can quote it.
pub fn session(reply: &Reply, cfg: &Settings, received: Instant) -> Result<Session, ApiError> {
    let auth_url = &cfg.auth_url;
    if !(200..300).contains(&reply.status) {
        return Err(refusal(reply, auth_url, &cfg.auth));
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

/// Who asked, in Keystone's terms, and the variables that say so.
fn who(auth: &Auth) -> (String, &'static str, String) {
    fn user(n: &Named) -> (String, String) {
        match n {
            Named::Id(id) => (format!("user id '{id}'"), "OS_USER_ID".into()),
            Named::Name { name, domain } => {
                let (d, var) = match domain {
                    Domain::Id(d) => (format!("domain id '{d}'"), "OS_USER_DOMAIN_ID"),
                    Domain::Name(d) => (format!("domain '{d}'"), "OS_USER_DOMAIN_NAME"),
                };
                (
                    format!("user '{name}' in {d}"),
                    format!("OS_USERNAME, {var}"),
                )
            }
        }
    }
    match auth {
        Auth::Password { user: u, .. } => {
            let (who, vars) = user(u);
            let api_key = matches!(u, Named::Name { domain: Domain::Name(d), .. } if d == "rackspace_cloud_domain");
            let password = if api_key {
                "OS_PASSWORD (the API key or the password)"
            } else {
                "OS_PASSWORD"
            };
            (who, "password", format!("{vars} and {password}"))
        }
        Auth::AppCredential { credential, .. } => match credential {
            AppCredential::Id(id) => (
                format!("application credential '{id}'"),
                "application credential",
                "OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET".into(),
            ),
            AppCredential::Name { name, user: u } => {
                let (owner, vars) = user(u);
                (
                    format!("application credential '{name}' of {owner}"),
                    "application credential",
                    format!(
                        "OS_APPLICATION_CREDENTIAL_NAME, OS_APPLICATION_CREDENTIAL_SECRET, {vars}"
                    ),
                )
            }
        },
    }
}

/// What Keystone's refusal means. Credentials get "authentication failed:" first, as on CLB;
/// a path that is not Keystone v3 is the configuration's fault and will not change; 5xx (but
/// 501) and rate limits are for retrying.
fn refusal(reply: &Reply, auth_url: &str, auth: &Auth) -> ApiError {
    let final_config = |m: String| ApiError::Final(Error::Config(m));
    let (who, method, vars) = who(auth);
    // Keystone's own words only when they say more than "requires authentication".
    let said = message(&reply.body).filter(|m| m != GENERIC_401);
    let quoted = said.as_deref().map_or(String::new(), |m| format!(": {m}"));
    match reply.status {
        401 if reply.header("openstack-auth-receipt").is_some() => final_config(format!(
            "authentication failed: keystone at {auth_url} wants another factor for {who} ({method}) under its multi-factor rules: use an application credential (OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET)"
        )),
        401 => {
            let scope = match auth {
                Auth::Password {
                    project: Some(_), ..
                } => {
                    ", and that the user has a role on the project (OS_PROJECT_ID or OS_PROJECT_NAME)"
                }
                _ => "",
            };
            // Flex's Rackspace users are found only in a domain named by name: by id (which
            // wins when both are set) the login falls through to Keystone's own users.
            let by_id = matches!(
                auth,
                Auth::Password {
                    user: Named::Name {
                        domain: Domain::Id(_),
                        ..
                    },
                    ..
                }
            );
            let flex = if by_id && auth_url.contains(".rackspacecloud.com") {
                "; on Rackspace OpenStack Flex name the domain instead: unset OS_USER_DOMAIN_ID and set OS_USER_DOMAIN_NAME=rackspace_cloud_domain"
            } else {
                ""
            };
            final_config(format!(
                "authentication failed: keystone at {auth_url} rejected {who} ({method}){quoted}: check {vars}{scope}{flex}"
            ))
        }
        403 => final_config(format!(
            "authentication failed: keystone at {auth_url} refused {who} ({method}): {}: check that the user is enabled and has a role on the project",
            said.unwrap_or_else(|| "HTTP 403".into())
        )),
        400 => {
            let project = match auth {
                Auth::Password { .. } => {
                    ", OS_PROJECT_ID or OS_PROJECT_NAME with OS_PROJECT_DOMAIN_NAME or _ID"
                }
                Auth::AppCredential { .. } => "",
            };
            final_config(format!(
                "keystone at {auth_url} refused the token request for {who} ({method}) as malformed: {}: check {vars}{project}",
                said.unwrap_or_else(|| "HTTP 400".into())
            ))
        }
        // No such resource, method or feature: POST {auth_url}/auth/tokens is not Keystone v3.
        404 | 405 | 501 => final_config(format!(
            "POST {auth_url}/auth/tokens answered HTTP {}: OS_AUTH_URL must be the Keystone v3 base, e.g. {EXAMPLE_AUTH_URL}",
            reply.status
        )),
        // Keystone limits no rate of its own; a gateway in front of it may.
        429 => ApiError::RateLimited(retry_after(reply)),
        413 if reply.header("retry-after").is_some() => ApiError::RateLimited(retry_after(reply)),
        500..=599 => ApiError::Server(said.unwrap_or_else(|| format!("HTTP {}", reply.status))),
        _ => final_config(format!(
            "keystone at {auth_url} refused to authenticate {who} ({method}): {}",
            said.unwrap_or_else(|| format!("HTTP {}", reply.status))
        )),
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
