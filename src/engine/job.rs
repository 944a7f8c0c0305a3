//! What a run is asked to do, decided once by `cli`: nothing downstream re-checks flags.

use std::net::IpAddr;
use std::time::Duration;

use crate::core::model::{Attrs, Condition, LbRef, Want};
use crate::host::addr::Net;

/// The one thing a run does. Flag combinations that make no sense never reach here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Make the change; with `wait`, join only once the app answers and until the health
    /// check passes, and leave by draining until the connections end.
    Apply { want: Want, wait: bool },
    /// `-status`: read only, and say whether the node is there.
    Status,
    /// `-dry-run`: read, and say what the change would start with.
    DryRun(Want),
    /// `-watch`: stay beside the app until SIGTERM or SIGINT, keep the node where its health
    /// says, then leave.
    Watch(Watch),
    /// `-docker`: follow the local Docker engine, one watch per labelled container, until
    /// SIGTERM or SIGINT; each container's own watch leaves when its container stops.
    Docker,
}

/// How the app's health is checked in watch mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HealthCheck {
    /// `-health tcp`: a TCP connect to the node's address and port passes.
    Tcp,
    /// `-health URL`: a GET answered 2xx or 3xx passes.
    Http(String),
    /// `-health /PATH`: the same GET of `http://ADDR:PORT/PATH`, the node's own address.
    Path(String),
    /// `-health docker`, only for a container the `-docker` agent follows: Docker's own health
    /// status of the container with this id, asked of the engine at `socket`. `healthy`
    /// passes, `unhealthy` and `starting` fail, and an engine that does not answer cannot tell.
    Docker {
        id: String,
        socket: std::path::PathBuf,
    },
}

/// What a leave ends with, after the drain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leave {
    Delete,
    Disable,
}

impl Leave {
    pub fn want(self) -> Want {
        match self {
            Leave::Delete => Want::Absent,
            Leave::Disable => Want::Present(Condition::Disabled),
        }
    }
}

/// Watch mode's settings. `Timing::timeout` bounds each change and the whole leave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    pub check: HealthCheck,
    /// `-health-interval`: between probes, jittered by ±10 %.
    pub every: Duration,
    /// `-health-timeout`: one probe's limit.
    pub probe_timeout: Duration,
    /// `-rise`: passes in a row before the node is enabled.
    pub rise: u32,
    /// `-fall`: failures in a row before it is drained.
    pub fall: u32,
    pub leave: Leave,
    /// `-resync`: how often the node is re-read and put back if it drifted (jittered ±10 %).
    pub resync: Duration,
    /// NOTIFY_SOCKET: a path, or `@name` for an abstract socket.
    pub notify_socket: Option<String>,
    /// WATCHDOG_USEC, when WATCHDOG_PID is unset or names this process.
    pub watchdog: Option<Duration>,
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
    /// `-drain-from`: where the load balancer's connections come from, for the drain wait,
    /// when the service does not say (empty: any address but this host's).
    pub drain_from: Vec<Net>,
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

/// The container a watch is for: set only by the `-docker` agent, in the environment of each
/// watcher it starts (PEEKABOO_CONTAINER, PEEKABOO_CONTAINER_ID).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// As `docker ps` shows it: `web-1`.
    pub name: String,
    /// The full id, 64 hex digits.
    pub id: String,
}

impl Container {
    /// How every log line names it: `web-1 (3f2a9c1b)`, the name and the id's first 8 digits
    /// (enough to tell one host's containers apart, and a name reused by a new container).
    pub fn tag(&self) -> String {
        tag(&self.name, &self.id)
    }
}

/// `Container::tag` for a container known by its name and id.
pub fn tag(name: &str, id: &str) -> String {
    let short = id.get(..8).unwrap_or(id);
    format!("{name} ({short})")
}

/// Everything the engine reads, borrowed from the checked configuration; how to reach the
/// service is the backend's.
pub struct Job<'a> {
    pub mode: &'a Mode,
    /// The load balancers to apply the change to, in order.
    pub lbs: &'a [LbRef],
    pub node: &'a NodeSpec,
    pub timing: Timing,
    /// Lines to log at the start of the run (the original's "$APP_PORT not set" and the like).
    pub notes: &'a [String],
    /// Warnings to log at the start of the run (a value that ended with a carriage return).
    pub warnings: &'a [String],
    /// The container this run is for, under the `-docker` agent: named in every -json object.
    pub container: Option<&'a Container>,
}
