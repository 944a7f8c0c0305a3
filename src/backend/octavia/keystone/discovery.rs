//! An OS_AUTH_URL that is an identity root (`https://keystone.example:5000`, devstack's
//! `http://host/identity`) rather than the v3 base: read the root's version document, as the
//! openstack CLI does, and take the v3 entry's `self` link. `v3_link` decides from the answer
//! (pure, table-tested); `discover` sends the one GET and checks the link like OS_AUTH_URL.

use serde_json::Value;

use super::EXAMPLE_AUTH_URL;
use crate::backend::ApiError;
use crate::backend::answer::retry_after;
use crate::backend::http::{Http, check_url, printable, url_parses};
use crate::error::Error;
use crate::time::Deadline;

/// OS_AUTH_URL as the v3 base, when it is one: then it is used as it is, with no request.
pub fn v3_base(auth_url: &str) -> Option<&str> {
    auth_url.ends_with("/v3").then_some(auth_url)
}

/// Why a root's answer gives no v3 base.
#[derive(Debug, PartialEq)]
pub enum NoV3 {
    /// Neither 300 nor 200.
    Status(u16),
    /// A 300 or 200 that is not JSON: a web page, a proxy's.
    NotJson(u16),
    /// JSON, but no version document in it.
    NotVersions(u16),
    /// A version document without v3: the versions it offers.
    Offers(Vec<String>),
    /// A v3 entry without a `self` link: its id.
    NoLink(String),
}

/// The v3 base a root's answer (`status`, `body`) links to, without its trailing slash:
/// Keystone answers 300 with `{"versions": {"values": [...]}}`; a plain list of versions or a
/// single `{"version": {...}}` (and 200) is taken too. A relative link is made absolute on
/// `root`.
pub fn v3_link(status: u16, body: &[u8], root: &str) -> Result<String, NoV3> {
    if status != 300 && status != 200 {
        return Err(NoV3::Status(status));
    }
    let v: Value = serde_json::from_slice(body).map_err(|_| NoV3::NotJson(status))?;
    let listed = match (v.get("versions"), v.get("version")) {
        (Some(Value::Object(o)), _) => o.get("values").and_then(Value::as_array).cloned(),
        (Some(Value::Array(a)), _) => Some(a.clone()),
        (None, Some(one @ Value::Object(_))) => Some(vec![one.clone()]),
        _ => None,
    };
    let versions = listed.ok_or(NoV3::NotVersions(status))?;
    let id = |e: &Value| {
        e.get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let v3: Vec<&Value> = versions
        .iter()
        .filter(|e| id(e) == "v3" || id(e).starts_with("v3."))
        .collect();
    let Some(first) = v3.first() else {
        return Err(NoV3::Offers(versions.iter().map(id).collect()));
    };
    let href = v3
        .iter()
        .find_map(|e| self_link(e))
        .ok_or_else(|| NoV3::NoLink(id(first)))?;
    let href = href.trim_end_matches('/');
    if href.starts_with('/') {
        return Ok(format!("{}{href}", origin(root)));
    }
    Ok(href.to_string())
}

fn self_link(entry: &Value) -> Option<&str> {
    entry
        .get("links")?
        .as_array()?
        .iter()
        .find(|l| l.get("rel").and_then(Value::as_str) == Some("self"))?
        .get("href")?
        .as_str()
        .filter(|h| !h.is_empty())
}

/// `scheme://authority` of `url`.
fn origin(url: &str) -> &str {
    let after = url.find("://").map_or(0, |i| i + 3);
    let end = url[after..].find('/').map_or(url.len(), |i| after + i);
    &url[..end]
}

/// Reads the version document at `root` (OS_AUTH_URL) and returns the v3 base it links to,
/// checked as OS_AUTH_URL is. Trouble at the root is retried; what will not change is final.
pub fn discover(
    http: &Http,
    root: &str,
    allow_http: bool,
    deadline: &Deadline,
) -> Result<String, ApiError> {
    // With the slash, as recorded from Keystone and as other clients send it: a deployment
    // under a path may answer only there.
    let url = format!("{root}/");
    let reply = http
        .send("GET", &url, None, None, deadline)
        .map_err(ApiError::from)?;
    match reply.status {
        429 => return Err(ApiError::RateLimited(retry_after(&reply))),
        500..=599 => {
            return Err(ApiError::Server(format!(
                "reading the version document at {url}: HTTP {}",
                reply.status
            )));
        }
        _ => {}
    }
    let v3 = v3_link(reply.status, &reply.body, root)
        .map_err(|why| ApiError::Final(Error::Config(no_v3(&why, root))))?;
    checked(&v3, root, allow_http).map_err(|m| ApiError::Final(Error::Config(m)))?;
    Ok(v3)
}

/// The one line for a root that gives no v3 base.
pub fn no_v3(why: &NoV3, root: &str) -> String {
    let fix = format!("set OS_AUTH_URL to the Keystone v3 URL (usually {root}/v3)");
    match why {
        NoV3::Status(status) => format!(
            "OS_AUTH_URL {root} is neither a Keystone v3 URL nor an identity root: GET {root}/ answered HTTP {status}: {fix}, e.g. {EXAMPLE_AUTH_URL}"
        ),
        NoV3::NotJson(status) => format!(
            "OS_AUTH_URL {root} is neither a Keystone v3 URL nor an identity root: GET {root}/ answered HTTP {status} that is not JSON (a web page?): {fix}, e.g. {EXAMPLE_AUTH_URL}"
        ),
        NoV3::NotVersions(status) => format!(
            "OS_AUTH_URL {root} is neither a Keystone v3 URL nor an identity root: GET {root}/ answered HTTP {status} with JSON that lists no versions: {fix}, e.g. {EXAMPLE_AUTH_URL}"
        ),
        NoV3::Offers(ids) => {
            let offered: Vec<String> = ids
                .iter()
                .filter(|i| !i.is_empty())
                .map(|i| printable(i))
                .collect();
            let offers = if offered.is_empty() {
                "no version at all".to_string()
            } else {
                format!("{} only", offered.join(", "))
            };
            format!(
                "OS_AUTH_URL {root} offers {offers}, not Keystone v3, which Octavia signs in with: set OS_AUTH_URL to a Keystone v3 URL, e.g. {EXAMPLE_AUTH_URL}"
            )
        }
        NoV3::NoLink(id) => format!(
            "OS_AUTH_URL {root} offers Keystone {} without a link to it: {fix}",
            printable(id)
        ),
    }
}

/// The v3 base a root linked to must be one ureq can use and that keeps the password
/// private, as OS_AUTH_URL must: else the line names both and the fix.
pub fn checked(v3: &str, root: &str, allow_http: bool) -> Result<(), String> {
    let direct = "set OS_AUTH_URL to the Keystone v3 URL directly";
    if !url_parses(v3) {
        return Err(format!(
            "OS_AUTH_URL {root} links to Keystone v3 at '{}', which is not a valid URL: {direct}",
            printable(v3)
        ));
    }
    check_url(v3, allow_http).map_err(|why| {
        format!("OS_AUTH_URL {root} links to Keystone v3 at {v3}, which {why}; {direct}")
    })
}

#[cfg(test)]
mod tests;
