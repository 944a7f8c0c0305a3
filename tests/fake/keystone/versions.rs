//! Keystone's version documents, as a real Keystone (30) answers them: `GET {root}/` is
//! `300 Multiple Choices` listing every version it offers (v3 only, these days) with a `self`
//! link each, and `GET {root}/v3` is `200` with that one version. A deployment under a path
//! (devstack's `/identity`) answers the same there, its links under the path too.

use serde_json::{Value, json};

use super::super::http::{Resp, json_resp};
use super::super::{Request, Shared};

/// What a version request asks for: the root's list, or the one version.
pub(in super::super) enum Versions {
    Root,
    V3,
}

/// Where a Keystone path goes, with the path prefix it is served under ("" or "/identity").
pub(in super::super) enum KeystonePath<'a> {
    Tokens,
    Versions(&'a str, Versions),
}

/// The Keystone a `path` (without its query string) is for, at the root or under `/identity`.
pub(in super::super) fn keystone_path(path: &str) -> Option<KeystonePath<'_>> {
    let (prefix, rest) = match path.strip_prefix("/identity") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => ("/identity", rest),
        _ => ("", path),
    };
    match rest {
        "/v3/auth/tokens" => Some(KeystonePath::Tokens),
        "" | "/" => Some(KeystonePath::Versions(prefix, Versions::Root)),
        "/v3" | "/v3/" => Some(KeystonePath::Versions(prefix, Versions::V3)),
        _ => None,
    }
}

/// The v3 entry, linking to `{root}{prefix}/v3/` where root is `Keystone::public_url`, else
/// what the request's Host header names (as Keystone's `public_endpoint` and its fallback).
fn v3(sh: &Shared, req: &Request, prefix: &str) -> Value {
    let root = match &sh.cfg.keystone.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => format!("http://{}", req.header("host").unwrap_or("127.0.0.1")),
    };
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{root}{prefix}/v3/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    })
}

pub(in super::super) fn handle(sh: &Shared, req: &Request, prefix: &str, which: Versions) -> Resp {
    if req.method != "GET" && req.method != "HEAD" {
        return super::error(
            sh,
            405,
            "The method is not allowed for the requested URL.",
            false,
        );
    }
    let entry = v3(sh, req, prefix);
    match which {
        Versions::Root => {
            let location = entry["links"][0]["href"].as_str().unwrap_or("").to_string();
            json_resp(300, json!({"versions": {"values": [entry]}}).to_string())
                .with_header("Location", &location)
        }
        Versions::V3 => json_resp(200, json!({ "version": entry }).to_string()),
    }
}
