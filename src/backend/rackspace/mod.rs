//! Rackspace: Identity v2.0 and Cloud Load Balancers v1.0, the only place that knows their
//! wire words.

use std::cell::Cell;
use std::net::SocketAddr;

use crate::backend::http::Transport;
use crate::backend::http::{Http, preflight};
use crate::backend::{ApiError, Backend, Fact, Secret};
use crate::core::model::{Action, LbRef, Member, Snapshot};
use crate::time::Deadline;

pub mod clb;
#[cfg(test)]
mod fuzz;
pub mod identity;

use crate::backend::token::{self, Session};
use clb::Clb;

pub const DEFAULT_AUTH_URL: &str = "https://identity.api.rackspacecloud.com/v2.0";

/// What it takes to reach the account's load balancers, checked.
#[derive(Debug)]
pub struct Settings {
    pub username: String,
    pub api_key: Secret,
    /// OS_REGION_NAME, upper case; None means the account's only region.
    pub region: Option<String>,
    /// The Identity v2.0 base, without a trailing slash.
    pub auth_url: String,
    /// `-allow-http`: plain http to a non-loopback identity endpoint is accepted.
    pub allow_http: bool,
    pub transport: Transport,
}

/// The Rackspace backend: one token for every load balancer of the run.
pub struct Rackspace<'a> {
    cfg: &'a Settings,
    http: Http,
    session: Option<Session>,
    /// Whether the endpoint answered, or a failure to reach it said how it was chosen.
    endpoint_settled: Cell<bool>,
}

impl<'a> Rackspace<'a> {
    pub fn new(cfg: &'a Settings) -> Rackspace<'a> {
        Rackspace {
            cfg,
            http: Http::new(&cfg.transport),
            session: None,
            endpoint_settled: Cell::new(false),
        }
    }

    /// A load balancer call's result, as `token::note_endpoint` words it.
    fn noted<T>(&self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        token::note_endpoint(result, self.session.as_ref(), &self.endpoint_settled)
    }

    /// The load balancer API for `lb`, with the current token; None before authenticating.
    fn clb<'s>(&'s self, lb: &'s LbRef, deadline: &'s Deadline) -> Result<Clb<'s>, ApiError> {
        // The engine authenticates before any call; a call without a token is its bug, worded
        // as the 401 the service would answer.
        let session = self.session.as_ref().ok_or(ApiError::Unauthorized)?;
        Ok(Clb {
            http: &self.http,
            endpoint: &session.endpoint,
            token: &session.token,
            lb: &lb.0,
            deadline,
        })
    }
}

impl Backend for Rackspace<'_> {
    fn preflight(&self) -> Vec<String> {
        preflight(&self.cfg.auth_url)
    }

    fn authenticate(&mut self, deadline: &Deadline) -> Result<(), ApiError> {
        let (http, cfg) = (&self.http, self.cfg);
        token::refresh(&mut self.session, || {
            identity::authenticate(http, cfg, deadline)
        })
    }

    fn forget_token(&mut self) {
        self.session = None;
    }

    fn region(&self) -> String {
        token::region(self.session.as_ref(), self.cfg.region.as_deref())
    }

    fn snapshot(&self, lb: &LbRef, deadline: &Deadline) -> Result<Snapshot, ApiError> {
        let clb = self.clb(lb, deadline)?;
        self.noted(clb.load_balancer())?.snapshot()
    }

    fn members(&self, lb: &LbRef, deadline: &Deadline) -> Result<Vec<Member>, ApiError> {
        self.noted(self.clb(lb, deadline)?.nodes())
    }

    fn apply(
        &self,
        lb: &LbRef,
        target: SocketAddr,
        action: &Action,
        deadline: &Deadline,
    ) -> Result<(), ApiError> {
        let clb = self.clb(lb, deadline)?;
        self.noted(match action {
            Action::Nothing => Ok(()),
            Action::Create(c, attrs) => {
                clb.create(&target.ip().to_string(), target.port(), *c, attrs)
            }
            Action::Update(id, change) => clb.update(id, change),
            Action::Delete(id) => clb.delete(id),
        })
    }

    fn explain(&self, fact: Fact<'_>) -> String {
        match fact {
            Fact::NotFound { lb, detail } => format!(
                "load balancer {lb} was not found in region {} ({detail}): check LOAD_BALANCER_ID and OS_REGION_NAME",
                self.session.as_ref().map_or("", |s| s.region.as_str())
            ),
            Fact::Deleted { lb, detail } => {
                format!("load balancer {lb} is deleted ({detail}): check LOAD_BALANCER_ID")
            }
            Fact::Gone { lb, word } => {
                format!("load balancer {lb} is {word}: check LOAD_BALANCER_ID")
            }
            Fact::TokenRefused { doing } => format!(
                "{doing}: the load balancer API refused a fresh token (401): check that user '{}' may manage load balancers",
                self.cfg.username
            ),
        }
    }

    fn requests(&self) -> usize {
        self.http.requests()
    }
}
