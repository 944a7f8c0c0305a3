//! OpenStack: Keystone v3 and Octavia v2, the only place that knows their wire words.
//! `keystone` gets the token and the endpoint, `api` speaks Octavia; this file is the
//! `Backend` the engine sees, and the settings `cli` checks.

use std::cell::{Cell, OnceCell, RefCell};
use std::net::SocketAddr;
use std::time::Instant;

use crate::backend::http::{Http, Transport, credentials_in_clear, host_of, preflight};
use crate::backend::token::{self, Session};
use crate::backend::{ApiError, Backend, Fact, Secret};
use crate::core::model::{Action, LbRef, Member, NodeType, Snapshot};
use crate::error::Error;
use crate::host::hostname;
use crate::log::{log, warn};
use crate::time::Deadline;

pub mod api;
pub mod keystone;

use api::body;

/// A Keystone object named by id, or by name within a domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Named {
    Id(String),
    Name { name: String, domain: Domain },
}

/// A Keystone domain, by id or by name (a user name or project name is unique only within one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Domain {
    Id(String),
    Name(String),
}

/// How to get a token.
#[derive(Clone, Debug, PartialEq)]
pub enum Auth {
    /// `password`: a user (by id, or by name in its domain) and a project scope (by id, or by
    /// name in its domain); None: unscoped, which Octavia refuses, so `cli` always sets one.
    Password {
        user: Named,
        password: Secret,
        project: Option<Named>,
    },
    /// `application_credential`: by id, or by name with its user; never sent with a scope.
    AppCredential {
        credential: AppCredential,
        secret: Secret,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppCredential {
    Id(String),
    Name { name: String, user: Named },
}

/// What it takes to reach the project's load balancers, checked by `cli`.
#[derive(Debug)]
pub struct Settings {
    /// OS_AUTH_URL without a trailing slash: the Keystone v3 base when it ends in `/v3`, else
    /// an identity root whose version document names the v3 base.
    pub auth_url: String,
    pub auth: Auth,
    /// OS_REGION_NAME as given (matched against the catalog's `region_id` or `region`, in any
    /// case); None: the catalog's only region.
    pub region: Option<String>,
    /// OS_INTERFACE: `public` (default), `internal` or `admin`.
    pub interface: String,
    /// `-pool ID|NAME`: the pool of each load balancer to join; None: its only pool.
    pub pool: Option<String>,
    /// `-subnet ID`: sent as the member's `subnet_id` on create, only when given.
    pub subnet: Option<String>,
    /// `-allow-http`: plain http to a non-loopback endpoint is accepted.
    pub allow_http: bool,
    pub transport: Transport,
}

/// The Octavia backend: one token for every load balancer of the run, and each load balancer
/// as given (an id or a name) found once, with its pool.
pub struct Octavia<'a> {
    cfg: &'a Settings,
    http: Http,
    session: Option<Session>,
    /// The Keystone v3 base, once known: OS_AUTH_URL, or what its root linked to (read once
    /// per run; renewals do not ask again).
    v3: Option<String>,
    /// When Flex refused the last sign-in with a 401 it may have meant as trouble upstream:
    /// the next refusal is final. Cleared by any other answer.
    refused: Option<Instant>,
    found: RefCell<Vec<(String, Found)>>,
    /// The members as last listed, per pool: what a change starts from (the exact weight and
    /// the tags, which the model does not carry).
    listed: RefCell<Vec<(String, Vec<api::OctMember>)>>,
    /// Whether the endpoint answered, or a failure to reach it said how it was chosen.
    endpoint_settled: Cell<bool>,
    /// This host's name, for a member created without -name: read at the first such create,
    /// so a run that creates nothing never reads it.
    host_name: OnceCell<Option<String>>,
}

/// A load balancer found: its id, name and the pool peekaboo joins.
#[derive(Clone)]
struct Found {
    lb: api::LoadBalancer,
    pool: String,
}

impl<'a> Octavia<'a> {
    pub fn new(cfg: &'a Settings) -> Octavia<'a> {
        Octavia {
            cfg,
            http: Http::new(&cfg.transport),
            session: None,
            v3: keystone::v3_base(&cfg.auth_url).map(str::to_string),
            refused: None,
            found: RefCell::new(Vec::new()),
            listed: RefCell::new(Vec::new()),
            endpoint_settled: Cell::new(false),
            host_name: OnceCell::new(),
        }
    }

    /// A load balancer call's result, as `token::note_endpoint` words it.
    fn noted<T>(&self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        token::note_endpoint(result, self.session.as_ref(), &self.endpoint_settled)
    }

    fn api<'s>(&'s self, deadline: &'s Deadline) -> Result<api::Octavia<'s>, ApiError> {
        // The engine authenticates before any call; a call without a token is its bug, worded
        // as the 401 the service would answer.
        let session = self.session.as_ref().ok_or(ApiError::Unauthorized)?;
        Ok(api::Octavia {
            http: &self.http,
            base: &session.endpoint,
            token: &session.token,
            deadline,
        })
    }

    /// The load balancer `lb` names and its pool, looked up once per run; with the load
    /// balancer as just read, when this call looked it up.
    fn find(&self, lb: &LbRef, deadline: &Deadline) -> Result<(Found, bool), ApiError> {
        if let Some((_, f)) = self.found.borrow().iter().find(|(k, _)| *k == lb.0) {
            return Ok((f.clone(), false));
        }
        let api = self.api(deadline)?;
        let found = api.load_balancer(&lb.0)?;
        let pools = api.pools(&found.id)?;
        let pool = body::choose_pool(&found, &pools, self.cfg.pool.as_deref())
            .map_err(ApiError::Final)?
            .id
            .clone();
        let f = Found { lb: found, pool };
        self.found.borrow_mut().push((lb.0.clone(), f.clone()));
        Ok((f, true))
    }

    fn read(&self, lb: &LbRef, deadline: &Deadline) -> Result<Snapshot, ApiError> {
        // The read that found it is as fresh as another would be, and costs nothing more.
        match self.find(lb, deadline)? {
            (found, true) => found.lb.snapshot(),
            (found, false) => self.api(deadline)?.load_balancer(&found.lb.id)?.snapshot(),
        }
    }

    fn list(&self, lb: &LbRef, deadline: &Deadline) -> Result<Vec<Member>, ApiError> {
        let (found, _) = self.find(lb, deadline)?;
        let members = self.api(deadline)?.members(&found.pool)?;
        let model = members.iter().map(api::OctMember::member).collect();
        let mut listed = self.listed.borrow_mut();
        listed.retain(|(p, _)| *p != found.pool);
        listed.push((found.pool, members));
        Ok(model)
    }

    fn change(
        &self,
        lb: &LbRef,
        target: SocketAddr,
        action: &Action,
        deadline: &Deadline,
    ) -> Result<(), ApiError> {
        let (found, _) = self.find(lb, deadline)?;
        let api = self.api(deadline)?;
        let pool = found.pool.as_str();
        let sent = match action {
            Action::Nothing => Ok(()),
            Action::Create(c, attrs) => {
                let subnet = self.cfg.subnet.as_deref();
                let host = match attrs.name {
                    Some(_) => None,
                    None => self.host_name.get_or_init(hostname::hostname).as_deref(),
                };
                let at = (target.ip(), target.port());
                let body = body::create_body(at, *c, attrs, subnet, host);
                api.create(pool, &body).map(drop)
            }
            Action::Update(id, change) => {
                let Some(current) = self.listed(pool, &id.0) else {
                    // Not listed since: the engine lists before deciding, so this is gone.
                    return Err(ApiError::NotFound(format!("Member {id} not found.")));
                };
                match body::update_body(&current, change) {
                    Some(body) => api.update(pool, &id.0, &body),
                    // Octavia takes a PUT that changes nothing and locks the load balancer for it.
                    None => Ok(()),
                }
            }
            Action::Delete(id) => api.delete(pool, &id.0),
        };
        sent.map_err(|e| backup_refused(e, &found.lb, action))
    }

    /// The member with id `id` as last listed in `pool`.
    fn listed(&self, pool: &str, id: &str) -> Option<api::OctMember> {
        let listed = self.listed.borrow();
        let (_, members) = listed.iter().find(|(p, _)| p == pool)?;
        members.iter().find(|m| m.id == id).cloned()
    }
}

/// A provider without backup members (ovn) refuses the whole change that asks for one (501),
/// so nothing was changed: say which provider, and what to do instead.
fn backup_refused(e: ApiError, lb: &api::LoadBalancer, action: &Action) -> ApiError {
    let asked = match action {
        Action::Create(_, attrs) => attrs.node_type == Some(NodeType::Secondary),
        Action::Update(_, change) => change.node_type.is_some(),
        _ => false,
    };
    match e {
        ApiError::Refused(m) if asked && m.starts_with("Provider") => {
            ApiError::Final(Error::Failed(format!(
                "load balancer {}'s provider '{}' refused the member's backup setting, which -type asks for ({m}): nothing was changed; drop -type, or use a load balancer whose provider has backup members (amphora)",
                lb.shown(),
                lb.provider
            )))
        }
        e => e,
    }
}

/// The Keystone v3 base: known already, or read from OS_AUTH_URL's root, once per run.
fn v3_base(
    known: &mut Option<String>,
    http: &Http,
    cfg: &Settings,
    deadline: &Deadline,
) -> Result<String, ApiError> {
    if let Some(v3) = known {
        return Ok(v3.clone());
    }
    let found = keystone::discover(http, &cfg.auth_url, cfg.allow_http, deadline)?;
    log(&format!(
        "Using Keystone v3 at {found}, as the version document at OS_AUTH_URL {} links to it",
        cfg.auth_url
    ));
    // Preflight warned of the root's host; the password goes to this one.
    if host_of(&found) != host_of(&cfg.auth_url)
        && let Some(warning) = credentials_in_clear(&found)
    {
        warn(&warning);
    }
    Ok(known.insert(found).clone())
}

impl Backend for Octavia<'_> {
    fn preflight(&self) -> Vec<String> {
        preflight(&self.cfg.auth_url)
    }

    fn authenticate(&mut self, deadline: &Deadline) -> Result<(), ApiError> {
        let (http, cfg) = (&self.http, self.cfg);
        let (known, refused) = (&mut self.v3, &mut self.refused);
        token::refresh(&mut self.session, || {
            let v3 = v3_base(known, http, cfg, deadline)?;
            let upstream = match (keystone::via_rackspace(&cfg.auth_url, &cfg.auth), *refused) {
                (false, _) => keystone::Upstream::None,
                (true, None) => keystone::Upstream::FirstTry,
                (true, Some(at)) => keystone::Upstream::RefusedBefore(at.elapsed()),
            };
            let attempt = keystone::Attempt {
                cfg,
                v3: &v3,
                upstream,
            };
            let result = keystone::authenticate(http, &attempt, deadline);
            *refused = match &result {
                Err(ApiError::TryAgainIn(..)) => Some(Instant::now()),
                _ => None,
            };
            result
        })
    }

    fn forget_token(&mut self) {
        self.session = None;
    }

    fn region(&self) -> String {
        token::region(self.session.as_ref(), self.cfg.region.as_deref())
    }

    fn snapshot(&self, lb: &LbRef, deadline: &Deadline) -> Result<Snapshot, ApiError> {
        self.noted(self.read(lb, deadline))
    }

    fn members(&self, lb: &LbRef, deadline: &Deadline) -> Result<Vec<Member>, ApiError> {
        self.noted(self.list(lb, deadline))
    }

    fn apply(
        &self,
        lb: &LbRef,
        target: SocketAddr,
        action: &Action,
        deadline: &Deadline,
    ) -> Result<(), ApiError> {
        self.noted(self.change(lb, target, action, deadline))
    }

    fn explain(&self, fact: Fact<'_>) -> String {
        let region = self.region();
        match fact {
            Fact::NotFound { lb, detail } => format!(
                "load balancer {lb} was not found in region {region} ({detail}): check LOAD_BALANCER_ID (an id or a name: openstack loadbalancer list) and OS_REGION_NAME"
            ),
            Fact::Deleted { lb, detail } => {
                format!("load balancer {lb} is deleted ({detail}): check LOAD_BALANCER_ID")
            }
            Fact::Gone { lb, word } => {
                format!("load balancer {lb} is {word}: check LOAD_BALANCER_ID")
            }
            Fact::TokenRefused { doing } => format!(
                "{doing}: Octavia refused a fresh token (401): check that the project's role lets this user (or application credential) manage load balancers (the member role, or load-balancer_member)"
            ),
        }
    }

    fn requests(&self) -> usize {
        self.http.requests()
    }
}
