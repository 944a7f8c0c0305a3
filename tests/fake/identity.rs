//! Rackspace Identity v2.0 as the fake answers it: API key or password credentials, a token,
//! and a service catalog with decoys that a careless client would pick.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::http::{Resp, json_resp, not_found};
use super::{Request, Shared};

pub(super) fn handle(sh: &Shared, req: &Request) -> Resp {
    if req.method != "POST" {
        return not_found();
    }
    let cfg = &sh.cfg;
    let bad_request = |msg: &str| {
        json_resp(
            400,
            json!({"badRequest": {"code": 400, "message": msg}}).to_string(),
        )
    };
    let Ok(v) = serde_json::from_str::<Value>(&req.body) else {
        return bad_request("Invalid json request body");
    };
    // Indexing a serde_json Value never panics: a missing key or wrong type is Null.
    let auth = &v["auth"];
    let (user, secret, expected) = if let Some(c) = auth.get("RAX-KSKEY:apiKeyCredentials") {
        (c["username"].as_str(), c["apiKey"].as_str(), &cfg.api_key)
    } else if let Some(c) = auth.get("passwordCredentials") {
        (
            c["username"].as_str(),
            c["password"].as_str(),
            &cfg.password,
        )
    } else {
        return bad_request("Invalid request body: no supported credentials found");
    };
    let (Some(user), Some(secret)) = (user, secret) else {
        return bad_request("Invalid request body: username and credential are required");
    };
    if user != cfg.username || secret != expected {
        let body = json!({"unauthorized": {
            "code": 401,
            "message": "Unable to authenticate user with credentials provided."
        }});
        return json_resp(401, body.to_string());
    }
    // The wall clock for the answer, the monotonic one for the check: read together.
    let (issued, issued_at) = (SystemTime::now(), Instant::now());
    let token = {
        let mut st = sh.lock();
        st.token_count += 1;
        let token = format!("tok-{}-a1b2c3d4e5f6", st.token_count);
        st.tokens.insert(token.clone(), issued_at + cfg.token_ttl);
        token
    };
    let expires = rfc3339_millis(issued + cfg.token_ttl);
    let base = format!("http://127.0.0.1:{}", sh.port);
    let lb_base = cfg.lb_base.as_deref().unwrap_or(&base);
    let t = &cfg.tenant;
    let per_region = |url: &dyn Fn(&str) -> String| -> Vec<Value> {
        let endpoint =
            |r: &String| json!({"region": r, "tenantId": t, "publicURL": url(r.as_str())});
        cfg.regions.iter().map(endpoint).collect()
    };
    // The decoys come first so that a client taking the first entry of the right type, or the
    // first entry at all, lands on an endpoint that answers 500.
    let catalog = json!([
        {"name": "cloudServersOpenStack", "type": "compute",
         "endpoints": per_region(&|r: &str| format!("{base}/decoy/compute/{}/v2/{t}", r.to_lowercase()))},
        {"name": "cloudLoadBalancersTest", "type": "rax:load-balancer",
         "endpoints": per_region(&|_: &str| format!("{base}/decoy/{t}"))},
        // Real catalogs have entries without a region; the client must cope.
        {"name": "cloudDNS", "type": "rax:dns",
         "endpoints": [{"tenantId": t, "publicURL": format!("{base}/decoy/dns/v1.0/{t}")}]},
        {"name": "cloudLoadBalancers", "type": "rax:load-balancer",
         "endpoints": per_region(&|r: &str| format!("{lb_base}/{}/v1.0/{t}", r.to_lowercase()))},
    ]);
    let body = json!({"access": {
        "token": {
            "id": token,
            "expires": expires,
            "tenant": {"id": t, "name": t},
            "RAX-AUTH:authenticatedBy": ["APIKEY"],
        },
        "serviceCatalog": catalog,
        "user": {
            "id": "10001",
            "name": cfg.username,
            "roles": [{"id": "3", "name": "identity:user-admin"}],
            "RAX-AUTH:defaultRegion": cfg.regions.first().cloned().unwrap_or_default(),
        },
    }});
    json_resp(200, body.to_string())
}

/// `2026-12-02T09:00:00.123Z`: RFC 3339 in UTC with milliseconds, as Rackspace writes
/// `expires`. (The fake cannot borrow peekaboo's code: it is the other side.)
pub fn rfc3339_millis(t: SystemTime) -> String {
    let ms = t
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as u64;
    let (secs, ms) = (ms / 1000, ms % 1000);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}
