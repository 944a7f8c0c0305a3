//! The load balancer services peekaboo talks to, behind one trait, and the transport they
//! share. The engine sees only `Backend`, `ApiError` and the model in `core`: a backend is the
//! only place that knows its service's wire words.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use crate::core::model::{Action, LbRef, Member, Snapshot};
use crate::error::Error;
use crate::time::Deadline;

pub mod answer;
pub mod http;
pub mod octavia;
pub mod rackspace;
pub mod token;

/// A value that must never be printed: Debug shows a placeholder.
#[derive(Clone, PartialEq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// What a failed call means for the caller.
#[derive(Debug, PartialEq)]
pub enum ApiError {
    /// No answer, or one we could not read: the request may or may not have been applied.
    Transport(String),
    /// 5xx: the service is in trouble; try again later.
    Server(String),
    /// 413 from the rate limiter: wait as told (or back off when it does not say).
    RateLimited(Option<Duration>),
    /// A refusal the service also gives for a passing trouble of its own (Flex's Keystone
    /// answers 401 when Rackspace Identity does not answer it): the words, and the pause
    /// before the one more try the backend allows; it makes the next refusal final.
    TryAgainIn(String, Duration),
    /// 422: the load balancer is busy with another change.
    Busy(String),
    /// 422: a node with this address and port exists already.
    Duplicate,
    /// 401: the token is no longer valid.
    Unauthorized,
    /// 404: the load balancer or the node does not exist (which one depends on the call).
    NotFound(String),
    /// 410, or 422 "deleted": the load balancer is gone.
    Gone(String),
    /// Any other refusal (400, 403, the node limit): final.
    Refused(String),
    /// Already decided to be final by the caller.
    Final(Error),
}

/// What the engine must tell the user in the backend's terms: which setting to check, which
/// permission is missing.
#[derive(Debug)]
pub enum Fact<'a> {
    /// The load balancer does not exist (404 on reading it); `detail` is the service's words.
    NotFound { lb: &'a LbRef, detail: String },
    /// The load balancer is deleted (410 and the like).
    Deleted { lb: &'a LbRef, detail: String },
    /// A read shows it gone or going, in the service's word for that.
    Gone { lb: &'a LbRef, word: &'a str },
    /// A token fresh from identity is refused by the load balancer API.
    TokenRefused { doing: &'a str },
}

/// One load balancer service. Every call is bounded by the deadline it is given, so each change
/// can have its own; every answer that is not a success is an `ApiError` the engine decides on.
pub trait Backend {
    /// Warnings worth a line before anything is sent (plain http, no DNS configuration).
    fn preflight(&self) -> Vec<String>;
    /// Gets a token, unless one is held that is not yet due for renewal. Called before each
    /// round of calls: that is when a token nearing its expiry is renewed.
    fn authenticate(&mut self, deadline: &Deadline) -> Result<(), ApiError>;
    /// Drops the token (the service refused it): the next `authenticate` gets a new one.
    fn forget_token(&mut self);
    /// The region the catalog named, else the one configured, for the report.
    fn region(&self) -> String;
    /// Reads the load balancer (with its members, when the service sends them along).
    fn snapshot(&self, lb: &LbRef, deadline: &Deadline) -> Result<Snapshot, ApiError>;
    /// Lists the members.
    fn members(&self, lb: &LbRef, deadline: &Deadline) -> Result<Vec<Member>, ApiError>;
    /// Sends one change for this host's member at `target`.
    fn apply(
        &self,
        lb: &LbRef,
        target: SocketAddr,
        action: &Action,
        deadline: &Deadline,
    ) -> Result<(), ApiError>;
    /// The words for a fact the user must act on.
    fn explain(&self, fact: Fact<'_>) -> String;
    /// Requests sent so far (tried, at least), for -json.
    fn requests(&self) -> usize;
}
