//! What a run is asked to do, decided once by `cli`: nothing downstream re-checks flags.

use std::net::IpAddr;
use std::time::Duration;

use crate::core::model::{Attrs, Want};

/// The one thing a run does. Flag combinations that make no sense never reach here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Make the change; with `wait`, join only once the app answers and until the health
    /// check passes, and leave by draining until the connections end.
    Apply { want: Want, wait: bool },
    /// `-status`: read only, and say whether the node is there.
    Status,
    /// `-dry-run`: read, and say what the change would start with.
    DryRun(Want),
}

/// Where the node address came from, for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressSource {
    Flag,
    Servicenet,
    Publicnet,
}

/// This host's node, as the load balancers should hold it.
#[derive(Debug, PartialEq)]
pub struct NodeSpec {
    /// None: find it on the interfaces at run time.
    pub address: Option<(IpAddr, AddressSource)>,
    pub port: u16,
    /// `-weight` and `-type`, for a node that is added or kept.
    pub attrs: Attrs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// The longest wait between retries and status checks.
    pub interval: Duration,
    /// One deadline for the whole run.
    pub timeout: Duration,
    /// How long the drain wait may last before connections are cut; zero skips the wait.
    pub drain_timeout: Duration,
}

/// Everything the engine reads, borrowed from the checked configuration; how to reach the
/// service is the backend's.
pub struct Job<'a> {
    pub mode: Mode,
    /// The load balancers to apply the change to, in order.
    pub lbs: &'a [u64],
    pub node: &'a NodeSpec,
    pub timing: Timing,
    /// Lines to log at the start of the run (the original's "$APP_PORT not set" and the like).
    pub notes: &'a [String],
    /// Warnings to log at the start of the run (a value that ended with a carriage return).
    pub warnings: &'a [String],
}
