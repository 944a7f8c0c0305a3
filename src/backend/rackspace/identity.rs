//! Identity v2.0: trade the user name and API key for a token, find the load balancer
//! endpoint for the region in the service catalog, and decide when the token is renewed.

use std::time::Instant;

use serde_json::{Value, json};

use crate::backend::ApiError;
use crate::backend::Secret;
use crate::backend::answer::{now_unix, warn_clear_text};
use crate::backend::http::{Failure, Http, Reply, check_url};
use crate::backend::http::{printable, url_parses};
use crate::backend::rackspace::clb::{classify, message};
use crate::backend::rackspace::{DEFAULT_AUTH_URL, Settings};
use crate::backend::token::{Picked, Session, renewal_or_warn};
use crate::error::Error;
use crate::time::{Deadline, parse_rfc3339};

pub struct Service {
    pub name: String,
    pub kind: String,
    pub endpoints: Vec<Endpoint>,
}

pub struct Endpoint {
    pub region: Option<String>,
    pub public_url: Option<String>,
}

/// Authenticates with the API key, and once more with the same secret as a password if the
/// key is refused, so an `openrc` file holding a real password works too.
pub fn authenticate(http: &Http, cfg: &Settings, deadline: &Deadline) -> Result<Session, ApiError> {
    let url = format!("{}/tokens", cfg.auth_url);
    let user = cfg.username.as_str();
    let secret = cfg.api_key.0.as_str();
    let by_key =
        json!({"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": user, "apiKey": secret}}});
    let by_password =
        json!({"auth": {"passwordCredentials": {"username": user, "password": secret}}});
    let mut reply = http.send("POST", &url, None, Some(&by_key), deadline);
    if matches!(&reply, Ok(r) if r.status == 401) {
        reply = http.send("POST", &url, None, Some(&by_password), deadline);
    }
    let reply = reply.map_err(|m| transport_failure(m, &cfg.auth_url))?;
    if !(200..300).contains(&reply.status) {
        return Err(refusal(&reply, &cfg.auth_url, user));
    }
    let received = Instant::now();
    let (token, expires, catalog) = read_access(&reply.body).map_err(|e| match e {
        // Unreadable is what a cut-off answer looks like: worth another try.
        Unfit::NotJson => ApiError::Transport("identity sent an unreadable answer".into()),
        Unfit::NotIdentity(what) => ApiError::Final(Error::Failed(format!(
            "identity at {} answered with JSON that is not an Identity v2.0 token answer ({what}): check that OS_AUTH_URL is the Identity v2.0 base, e.g. {DEFAULT_AUTH_URL}",
            cfg.auth_url
        ))),
    })?;
    let picked = pick_endpoint(&catalog, cfg.region.as_deref())
        .map_err(|m| ApiError::Final(Error::Config(m)))?;
    check_endpoint(&picked.url, cfg.allow_http)?;
    warn_clear_text(&picked.url);
    Ok(Session {
        token: Secret(token),
        endpoint: picked.url,
        region: picked.region,
        chosen: picked.how,
        renewal: expires.and_then(|at| renewal_or_warn(at, received)),
    })
}

/// What a failed request means: an answer over the size limit would be the same on every try
/// (a token answer is a few KiB; identity's catalog does not change within a run), unlike the
/// load balancer's, which is read again anyway as its state moves. The rest may pass.
fn transport_failure(failure: Failure, auth_url: &str) -> ApiError {
    if failure.oversized {
        ApiError::Final(Error::Failed(format!(
            "authenticating: {} (a token answer is a few KiB): check that OS_AUTH_URL ({auth_url}) is the Identity v2.0 base, e.g. {DEFAULT_AUTH_URL}",
            failure.msg
        )))
    } else {
        ApiError::from(failure)
    }
}

/// What identity's refusal means. Credentials get "authentication failed:" first, since that
/// is what people search logs for; a path that is not Identity v2.0 is the configuration's
/// fault and will not change; 5xx (but 501) and rate limits are for retrying.
fn refusal(reply: &Reply, auth_url: &str, user: &str) -> ApiError {
    let final_config = |m: String| ApiError::Final(Error::Config(m));
    match reply.status {
        401 => final_config(format!(
            "authentication failed: identity at {auth_url} rejected user '{user}' with the OS_PASSWORD given (tried as API key and as password): check OS_USERNAME and OS_PASSWORD"
        )),
        // Rackspace's 403: a disabled user, or one that must use multi-factor authentication.
        403 => final_config(format!(
            "authentication failed: identity at {auth_url} refused user '{user}': {}: check in the control panel that the user is enabled and may use the API",
            message(&reply.body).unwrap_or_else(|| "HTTP 403".into())
        )),
        // No such resource, method or feature: POST {auth_url}/tokens is not Identity v2.0.
        404 | 405 | 501 => final_config(format!(
            "POST {auth_url}/tokens answered HTTP {}: OS_AUTH_URL must be the Identity v2.0 base, e.g. {DEFAULT_AUTH_URL}",
            reply.status
        )),
        _ => match classify(reply, now_unix()) {
            ApiError::Refused(m) | ApiError::NotFound(m) | ApiError::Gone(m) => final_config(
                format!("identity at {auth_url} refused to authenticate user '{user}': {m}"),
            ),
            other => other,
        },
    }
}

/// Why a 2xx answer cannot be used.
#[derive(Debug, PartialEq)]
enum Unfit {
    /// Not JSON at all: cut off, or a proxy's page.
    NotJson,
    /// JSON, but not a token answer: what is wrong with it, never what it holds.
    NotIdentity(&'static str),
}

/// The token, its expiry (unix seconds) and the catalog from identity's answer. Strict about
/// what a token answer must have, liberal about the rest: a missing or unreadable expiry only
/// means the token is renewed when refused. The body holds the token: errors describe its
/// shape, never its content.
fn read_access(body: &[u8]) -> Result<(String, Option<i64>, Vec<Service>), Unfit> {
    let v: Value = serde_json::from_slice(body).map_err(|_| Unfit::NotJson)?;
    let access = v
        .get("access")
        .filter(|a| a.is_object())
        .ok_or(Unfit::NotIdentity("no access object"))?;
    let token = access
        .get("token")
        .and_then(|t| t.get("id"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or(Unfit::NotIdentity("no access.token.id"))?;
    let expires = access["token"]
        .get("expires")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339);
    let entries = match access.get("serviceCatalog") {
        // Missing: an account with no services, which pick_endpoint explains.
        None => &[][..],
        Some(Value::Array(list)) => list.as_slice(),
        Some(_) => return Err(Unfit::NotIdentity("serviceCatalog is not a list")),
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
                .map(|e| Endpoint {
                    region: text(e, "region"),
                    public_url: text(e, "publicURL"),
                })
                .collect(),
        })
        .collect();
    Ok((token.to_string(), expires, catalog))
}

/// The catalog's endpoint must be a URL ureq can use (else every try fails the same way: the
/// catalog is broken, exit 1) and keep the token private unless -allow-http (exit 2: the
/// user's choice).
fn check_endpoint(endpoint: &str, allow_http: bool) -> Result<(), ApiError> {
    if !url_parses(endpoint) {
        return Err(ApiError::Final(Error::Failed(format!(
            "the catalog's load balancer endpoint '{}' is not a valid http(s) URL: identity's catalog is broken; report it to whoever runs the identity service",
            printable(endpoint)
        ))));
    }
    check_url(endpoint, allow_http).map_err(|why| {
        ApiError::Final(Error::Config(format!(
            "the catalog's load balancer endpoint '{endpoint}' {why}"
        )))
    })
}

/// Picks the load balancer endpoint: the service named `cloudLoadBalancers`, else the first of
/// type `rax:load-balancer`; then the endpoint of `region` (any case). Without a region, the
/// only endpoint there is. The URL comes without a trailing slash.
pub fn pick_endpoint(catalog: &[Service], region: Option<&str>) -> Result<Picked, String> {
    let service = catalog
        .iter()
        .find(|s| s.name == "cloudLoadBalancers")
        .or_else(|| catalog.iter().find(|s| s.kind == "rax:load-balancer"))
        .ok_or("the account's service catalog has no Cloud Load Balancers endpoint: check that the account has Cloud Load Balancers")?;
    let endpoints: Vec<(&str, &str)> = service
        .endpoints
        .iter()
        .filter_map(|e| Some((e.region.as_deref().unwrap_or(""), e.public_url.as_deref()?)))
        .collect();
    let regions = || {
        let mut r: Vec<&str> = endpoints
            .iter()
            .map(|e| e.0)
            .filter(|r| !r.is_empty())
            .collect();
        r.sort_unstable();
        r.dedup();
        if r.is_empty() {
            "none".to_string()
        } else {
            r.join(", ")
        }
    };
    let found = match region {
        Some(want) => endpoints
            .iter()
            .find(|e| e.0.eq_ignore_ascii_case(want))
            // An endpoint without a region serves every region.
            .or_else(|| endpoints.iter().find(|e| e.0.is_empty()))
            .ok_or_else(|| {
                format!(
                    "region {want} is not in this account's catalog for load balancers (it has: {}): set OS_REGION_NAME or -region to the load balancer's region",
                    regions()
                )
            })?,
        None if endpoints.len() == 1 => &endpoints[0],
        None => {
            return Err(format!(
                "OS_REGION_NAME is not set and this account has load balancers in several regions ({}): set it to the load balancer's region",
                regions()
            ));
        }
    };
    let name = region
        .map_or(found.0, |r| if found.0.is_empty() { r } else { found.0 })
        .to_ascii_uppercase();
    let region = Picked::region_words(region, &name);
    Ok(Picked {
        url: found.1.trim_end_matches('/').to_string(),
        how: format!(
            "the catalog's Cloud Load Balancers endpoint '{}', {region}",
            printable(&service.name)
        ),
        region: name,
    })
}

#[cfg(test)]
mod tests;
