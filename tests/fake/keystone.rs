//! Keystone v3 as the fake answers it (docs/octavia-api.md): `POST /v3/auth/tokens` with a
//! password (user by id or by name in a domain, project scope by id or by name in a domain) or
//! an application credential (by id, or by name with its user; never with a scope). The token
//! is the `X-Subject-Token` header of a 201; the body holds its expiry and the catalog.
//! Tokens go into the store the CLB side uses, so `expire_tokens` and `token_ttl` mean the same.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::http::{Resp, json_resp};
use super::identity::rfc3339_millis;
use super::{Fake, Request, Shared, fault};

pub(super) mod versions;
pub(super) use versions::{KeystonePath, keystone_path};

/// Who exists in the fake Keystone, and where Octavia is.
#[derive(Clone, Debug)]
pub struct Keystone {
    /// A user of domain `Default` (id `default`), with a role on project `project`.
    pub user: String,
    pub user_id: String,
    pub password: String,
    pub project: String,
    pub project_id: String,
    /// The user's application credential: by id, or by name with the user.
    pub app_cred_id: String,
    pub app_cred_name: String,
    pub app_cred_secret: String,
    /// Flex: a user of `rackspace_cloud_domain` whose password field takes the API key (or the
    /// password), with a role on project `flex_project` of that domain.
    pub flex_user: String,
    pub flex_api_key: String,
    pub flex_password: String,
    pub flex_project: String,
    pub flex_project_id: String,
    /// One set of catalog endpoints per region (`region_id` and `region` alike); all share
    /// one Octavia.
    pub regions: Vec<String>,
    /// Octavia's internal endpoint instead of the decoy: a URL where nobody listens, as an
    /// internal endpoint is from outside the cloud's control plane.
    pub octavia_internal: Option<String>,
    /// The root the version documents link to, as Keystone's `public_endpoint` sets it; None:
    /// `http://` and the request's Host, as Keystone falls back to.
    pub public_url: Option<String>,
}

impl Default for Keystone {
    fn default() -> Self {
        Keystone {
            user: "peek".into(),
            user_id: "d3c5c139d8b84b968238670a3218d7af".into(),
            // Distinctive so a test can grep logs and error messages for leaked secrets.
            password: "ks-pass-0123456789abcdef".into(),
            project: "web".into(),
            project_id: "2d77f7bd05fa4b41a29953595304fd1d".into(),
            app_cred_id: "d33375dd0d23400bb06116a9d6251255".into(),
            app_cred_name: "peekaboo-bars".into(),
            app_cred_secret: "ks-secret-0123456789abcdef".into(),
            flex_user: "rackuser".into(),
            flex_api_key: "0123456789abcdef0123456789abcdef".into(),
            flex_password: "ks-flexpass-0123456789abcdef".into(),
            flex_project: "123456_Flex".into(),
            flex_project_id: "9e822f3bce56475787f3000aa4ef89e6".into(),
            regions: vec!["DFW3".into(), "SJC3".into()],
            octavia_internal: None,
            public_url: None,
        }
    }
}

pub const DEFAULT_DOMAIN: (&str, &str) = ("default", "Default");
pub const FLEX_DOMAIN: (&str, &str) =
    ("0c7f1e5a8d2b4e6f9a3c5b7d1e9f2a4c", "rackspace_cloud_domain");
/// Keystone's production 401 text, which says nothing on purpose.
pub const GENERIC_401: &str = "The request you have made requires authentication.";

/// A user the fake knows: (id, name, domain (id, name), the secrets it accepts, its project).
struct User<'a> {
    id: &'a str,
    name: &'a str,
    domain: (&'a str, &'a str),
    secrets: Vec<&'a str>,
    project: (&'a str, &'a str),
}

fn users(k: &Keystone) -> [User<'_>; 2] {
    [
        User {
            id: &k.user_id,
            name: &k.user,
            domain: DEFAULT_DOMAIN,
            secrets: vec![&k.password],
            project: (&k.project_id, &k.project),
        },
        User {
            id: "f1e2d3c4b5a697887766554433221100",
            name: &k.flex_user,
            domain: FLEX_DOMAIN,
            secrets: vec![&k.flex_api_key, &k.flex_password],
            project: (&k.flex_project_id, &k.flex_project),
        },
    ]
}

/// Keystone's error body: `{"error": {code, message, title}}`, plus `identity` for an
/// auth plugin's refusal; 401s name the realm as Keystone does.
fn error(sh: &Shared, code: u16, message: &str, identity: bool) -> Resp {
    let title = match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let mut body = json!({"error": {"code": code, "message": message, "title": title}});
    if identity {
        body["error"]["identity"] = json!({});
    }
    let resp = json_resp(code, body.to_string());
    if code == 401 {
        let uri = format!("Keystone uri=\"http://127.0.0.1:{}/v3\"", sh.port);
        resp.with_header("WWW-Authenticate", &uri)
    } else {
        resp
    }
}

/// keystonemiddleware's 401, as Keystone and every service behind it answer a token it
/// refuses.
pub(super) fn unauthorized(sh: &Shared) -> Resp {
    error(sh, 401, GENERIC_401, false)
}

fn bad_request(sh: &Shared, what: &str) -> Resp {
    let msg = format!(
        "{what} The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error."
    );
    error(sh, 400, &msg, false)
}

/// A domain as a request names it: `{"id": …}` or `{"name": …}`.
fn domain_matches(d: &Value, (id, name): (&str, &str)) -> bool {
    match (d["id"].as_str(), d["name"].as_str()) {
        (Some(i), _) => i == id,
        (None, Some(n)) => n == name,
        _ => false,
    }
}

/// The user a request names (`{"id"}` or `{"name", "domain"}`); Err: the 400 for a name
/// without its domain.
fn find_user<'a>(
    sh: &Shared,
    users: &'a [User<'a>],
    u: &Value,
) -> Result<Option<&'a User<'a>>, Resp> {
    if let Some(id) = u["id"].as_str() {
        return Ok(users.iter().find(|x| x.id == id));
    }
    let Some(name) = u["name"].as_str() else {
        return Err(bad_request(sh, "Expecting to find id or name in user."));
    };
    if !u["domain"].is_object() {
        return Err(bad_request(sh, "Expecting to find domain in user."));
    }
    // Flex's plugin takes a user only when the domain is named: by id it falls through to
    // Keystone's own users, who do not include Rackspace's.
    let by_id_on_flex = |x: &User| x.domain == FLEX_DOMAIN && u["domain"]["name"].is_null();
    Ok(users
        .iter()
        .find(|x| x.name == name && domain_matches(&u["domain"], x.domain) && !by_id_on_flex(x)))
}

pub(super) fn handle(sh: &Shared, req: &Request) -> Resp {
    if req.method != "POST" {
        return error(
            sh,
            405,
            "The method is not allowed for the requested URL.",
            false,
        );
    }
    let k = &sh.cfg.keystone;
    let Ok(v) = serde_json::from_str::<Value>(&req.body) else {
        return bad_request(sh, "Malformed request body.");
    };
    let identity = &v["auth"]["identity"];
    let scope = &v["auth"]["scope"];
    let all = users(k);
    let methods: Vec<&str> = identity["methods"]
        .as_array()
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let (user, app_cred) = match methods.as_slice() {
        ["password"] => {
            let u = &identity["password"]["user"];
            let user = match find_user(sh, &all, u) {
                Ok(user) => user,
                Err(resp) => return resp,
            };
            let given = u["password"].as_str().unwrap_or("");
            match user.filter(|x| x.secrets.contains(&given)) {
                Some(user) => (user, None),
                None => return error(sh, 401, GENERIC_401, false),
            }
        }
        ["application_credential"] => {
            let c = &identity["application_credential"];
            let named = match (c["id"].as_str(), c["name"].as_str()) {
                // An id Keystone does not know is a 404 naming it, not the generic 401.
                (Some(id), _) if id != k.app_cred_id => {
                    let msg = format!("Could not find Application Credential: {id}.");
                    return error(sh, 404, &msg, false);
                }
                (Some(_), _) => true,
                (None, Some(name)) => {
                    if !c["user"].is_object() {
                        return bad_request(
                            sh,
                            "Expecting to find user in application_credential.",
                        );
                    }
                    match find_user(sh, &all, &c["user"]) {
                        Ok(owner) => {
                            name == k.app_cred_name && owner.is_some_and(|o| o.id == k.user_id)
                        }
                        Err(resp) => return resp,
                    }
                }
                _ => {
                    return bad_request(
                        sh,
                        "Expecting to find id or name in application_credential.",
                    );
                }
            };
            if !named || c["secret"].as_str() != Some(k.app_cred_secret.as_str()) {
                return error(sh, 401, GENERIC_401, false);
            }
            if !scope.is_null() {
                let msg = "Error authenticating with application credential: Application credentials cannot request a scope.";
                return error(sh, 401, msg, true);
            }
            (
                &all[0],
                Some(json!({"id": k.app_cred_id, "name": k.app_cred_name, "restricted": true})),
            )
        }
        _ => {
            return error(
                sh,
                401,
                "Attempted to authenticate with an unsupported method.",
                true,
            );
        }
    };
    // A project scope: by id, or by name in its domain; only the user's own project works.
    let project = if app_cred.is_some() {
        Some(user.project)
    } else if scope.is_null() {
        None
    } else {
        let p = &scope["project"];
        let found = match (p["id"].as_str(), p["name"].as_str()) {
            (Some(id), _) => id == user.project.0,
            (None, Some(name)) if p["domain"].is_object() => {
                name == user.project.1 && domain_matches(&p["domain"], user.domain)
            }
            (None, Some(_)) => return bad_request(sh, "Expecting to find domain in project."),
            _ => return bad_request(sh, "Expecting to find id or name in project."),
        };
        if !found {
            return error(sh, 401, GENERIC_401, false);
        }
        Some(user.project)
    };
    issue(sh, user, project, app_cred, &methods)
}

fn issue(
    sh: &Shared,
    user: &User,
    project: Option<(&str, &str)>,
    app_cred: Option<Value>,
    methods: &[&str],
) -> Resp {
    // The wall clock for the answer, the monotonic one for the check: read together.
    let (issued, issued_at) = (SystemTime::now(), Instant::now());
    let cfg = &sh.cfg;
    let token = {
        let mut st = sh.lock();
        st.token_count += 1;
        let token = format!("tok-{}-ks-gAAAAABrDxvc", st.token_count);
        st.tokens.insert(token.clone(), issued_at + cfg.token_ttl);
        token
    };
    let domain = |(id, name): (&str, &str)| json!({"id": id, "name": name});
    let mut body = json!({"token": {
        "methods": methods,
        "user": {"domain": domain(user.domain), "id": user.id, "name": user.name, "password_expires_at": null},
        "audit_ids": ["KA9mbrlaQyaTt6TsBl0R5Q"],
        "expires_at": rfc3339_micros(issued + cfg.token_ttl),
        "issued_at": rfc3339_micros(issued),
        "is_domain": false,
    }});
    // An unscoped token has neither a project nor a catalog, as Keystone's.
    if let Some((id, name)) = project {
        body["token"]["project"] = json!({"domain": domain(user.domain), "id": id, "name": name});
        body["token"]["roles"] = json!([{"id": "ddf2938d8f784d6da4f51d48143114cf", "name": "member"}, {"id": "8d3ca4b0d5784a4087d58a3a472a4823", "name": "reader"}]);
        body["token"]["catalog"] = catalog(sh);
    }
    if let Some(c) = app_cred {
        body["token"]["application_credential"] = c;
    }
    json_resp(201, body.to_string())
        .with_header("X-Subject-Token", &token)
        .with_header(
            "x-openstack-request-id",
            "req-e1e283e1-5ad3-47f2-bfc6-9545b9b1467a",
        )
}

/// Identity, Octavia and Neutron per region. Octavia's public URL is this fake's own (or
/// `Config::lb_base`) under `/octavia`, bare as real catalogs hold it; the internal one is a
/// decoy that answers 500, for a client that ignores OS_INTERFACE, unless
/// `Keystone::octavia_internal` names another.
fn catalog(sh: &Shared) -> Value {
    let base = format!("http://127.0.0.1:{}", sh.port);
    let lb_base = sh.cfg.lb_base.as_deref().unwrap_or(&base);
    let internal = (sh.cfg.keystone.octavia_internal.clone())
        .unwrap_or_else(|| format!("{base}/decoy/octavia-internal/"));
    let regions = &sh.cfg.keystone.regions;
    let endpoints = |set: &[(&str, String)]| -> Vec<Value> {
        regions
            .iter()
            .flat_map(|r| {
                set.iter().map(move |(interface, url)| {
                    json!({"id": format!("{interface}-{r}"), "interface": interface, "region_id": r, "url": url, "region": r})
                })
            })
            .collect()
    };
    json!([
        {"endpoints": endpoints(&[("public", format!("{base}/v3")), ("internal", format!("{base}/v3"))]),
         "id": "e57baaf5637541ac993f3d82b89fe790", "type": "identity", "name": "keystone"},
        {"endpoints": endpoints(&[("public", format!("{lb_base}/octavia")), ("internal", internal)]),
         "id": "90d1c057f7304bafbba4db9f91ef247e", "type": "load-balancer", "name": "octavia"},
        {"endpoints": endpoints(&[("public", format!("{base}/decoy/network/"))]),
         "id": "0e8696f8213b453f9e1b454984e630a5", "type": "network", "name": "neutron"},
    ])
}

/// `2026-12-01T20:11:24.559881Z`: RFC 3339 in UTC with microseconds, as Keystone writes
/// `expires_at`.
pub fn rfc3339_micros(t: SystemTime) -> String {
    let millis = rfc3339_millis(t);
    let micros = t
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .subsec_micros();
    let whole = millis.split('.').next().expect("a fraction");
    format!("{whole}.{micros:06}Z")
}

impl Fake {
    /// The next `n` token requests are answered with the generic 401, whatever they send: what
    /// Flex's `rxt` plugin answers when Rackspace Identity times out or cannot be reached.
    pub fn keystone_upstream_trouble(&self, n: usize) {
        let answer = unauthorized(&self.shared).into();
        self.inject(fault("POST", "/v3/auth/tokens", n, answer));
    }
}
