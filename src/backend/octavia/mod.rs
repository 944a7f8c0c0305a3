//! OpenStack: Keystone v3 and Octavia v2, the only place that knows their wire words.
//! (Settings first; the backend itself lands with `keystone.rs` and `api.rs`.)

pub mod keystone;

use crate::backend::Secret;
use crate::backend::http::Transport;

pub mod api;

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
    /// The Keystone v3 base, ending in `/v3`, without a trailing slash.
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
