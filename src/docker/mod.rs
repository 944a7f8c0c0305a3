//! The local Docker engine, read through its API: which containers carry the `peekaboo.lb`
//! label, one container's settings and health, and the stream of their events. Only GETs are
//! ever sent: the engine's socket is root on the host, and nothing here needs more.
//!
//! HTTP/1.1 over the engine's unix socket is written by hand (`wire.rs`, one request per
//! connection), since the binary ships no HTTP crate that speaks over a unix socket; the
//! answers' shapes and words become peekaboo's terms in `model.rs`, so no wire word leaves this
//! module. A leaf: it uses std, serde and nix, nothing else of peekaboo.
//!
//! The API version: peekaboo reads the answers as API 1.41 (Docker 20.10) shapes them, and
//! speaks 1.41 to every engine that still does (20.10 to 28). Docker 29 refuses a client older
//! than 1.44, so `version` asks the engine which versions it speaks and, where 1.41 is no
//! longer one of them, speaks the oldest it accepts: no field read here changed from 1.41 to
//! 1.52 (the events lost only the `status`, `id` and `from` copies of what `Action` and
//! `Actor` hold).

mod events;
mod model;
mod signal;
mod wire;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

// Until the agent uses them all (its tests use only some).
pub use events::EventStream;
pub use model::{Action, Container, Health, State, Summary};

/// Where the engine listens when DOCKER_HOST does not say.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The label that makes a container take part.
pub const LABEL: &str = "peekaboo.lb";

/// The API version (its minor number; the major is 1) the answers are read as: Docker 20.10's.
const API_MINOR: u32 = 41;

/// The longest path a `sockaddr_un` holds, without its NUL.
const PATH_MAX: usize = 107;

/// Where the engine is, from DOCKER_HOST (or -docker-host): `unix:///path`, by default
/// /var/run/docker.sock. Any other scheme is refused: tcp:// needs TLS client certificates to
/// be safe at all, and ssh:// a program peekaboo does not run.
pub fn socket_path(docker_host: Option<&str>) -> Result<PathBuf, String> {
    let host = match docker_host.map(str::trim) {
        None | Some("") => return Ok(PathBuf::from(DEFAULT_SOCKET)),
        Some(host) => host,
    };
    let Some(path) = host.strip_prefix("unix://") else {
        let scheme = host.split_once("://").map_or("a bare path", |(s, _)| s);
        return Err(format!(
            "{host}: peekaboo speaks to the Docker engine only over its unix socket, not {scheme}; \
             mount the socket and give unix:///path/to/docker.sock"
        ));
    };
    if path.is_empty() {
        return Ok(PathBuf::from(DEFAULT_SOCKET));
    }
    if path.len() > PATH_MAX || path.contains('\0') {
        return Err(format!(
            "{host}: not a usable socket path (longer than {PATH_MAX} bytes, or holds a NUL)"
        ));
    }
    Ok(PathBuf::from(path))
}

/// Why a request to the engine did not give what was asked.
#[derive(Clone, Debug, PartialEq)]
pub enum DockerError {
    /// No connection, no answer in time, or the connection or the event stream ended: the
    /// engine is down or restarting. The socket's path and what the OS said.
    Unreachable(String),
    /// The engine answered with an error status: its status and its message.
    Refused { status: u16, message: String },
    /// Inspect: the engine has no such container (it was removed).
    NoSuchContainer(String),
    /// The answer is not what the Engine API sends: broken HTTP, JSON not of the shape, over a
    /// size limit.
    Unreadable(String),
    /// The socket refuses this user (EACCES): only root and the docker group may use it. The
    /// socket's path. Waiting does not change it.
    Denied(String),
    /// The engine speaks no API as new as 1.41 (older than Docker 20.10): its own words.
    TooOld(String),
}

impl fmt::Display for DockerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DockerError::Unreachable(why) => write!(f, "the Docker engine is unreachable: {why}"),
            DockerError::Refused { status, message } => {
                write!(f, "the Docker engine answered {status}: {message}")
            }
            DockerError::NoSuchContainer(id) => {
                write!(f, "the Docker engine has no container {id}")
            }
            DockerError::Unreadable(why) => {
                write!(f, "the Docker engine's answer is unreadable: {why}")
            }
            DockerError::Denied(place) => write!(
                f,
                "{place}: permission denied: run peekaboo as root or as a member of the docker group"
            ),
            DockerError::TooOld(why) => write!(
                f,
                "the Docker engine is too old: {why}; peekaboo needs API 1.41 (Docker 20.10 or later)"
            ),
        }
    }
}

/// The engine behind one socket.
pub struct Engine {
    path: PathBuf,
    /// The API version spoken (its minor number): 1.41 until `version` learns the engine no
    /// longer speaks it.
    api: AtomicU32,
}

impl Engine {
    pub fn new(path: PathBuf) -> Engine {
        Engine {
            path,
            api: AtomicU32::new(API_MINOR),
        }
    }

    /// The API version spoken, "1.41" unless `version` found the engine past it.
    pub fn api_version(&self) -> String {
        format!("1.{}", self.api.load(Ordering::Relaxed))
    }

    /// `GET /version`, the one path every engine answers without a version in it: the engine's
    /// version ("20.10.24+dfsg1"), and the API version spoken from now on. An engine that does
    /// not reach API 1.41 is `TooOld`.
    pub fn version(&self, limit: Duration) -> Result<String, DockerError> {
        let body = self.get("/version", limit)?;
        let v = model::version(&body).map_err(DockerError::Unreadable)?;
        if v.api < API_MINOR {
            return Err(DockerError::TooOld(format!(
                "Docker {} speaks API 1.{} at most",
                v.version, v.api
            )));
        }
        self.api.store(v.min_api.max(API_MINOR), Ordering::Relaxed);
        Ok(v.version)
    }

    /// `GET /containers/json?all=1` of the containers labelled `peekaboo.lb`, whatever their
    /// state.
    pub fn labelled(&self, limit: Duration) -> Result<Vec<Summary>, DockerError> {
        let filters = format!(r#"{{"label":["{LABEL}"]}}"#);
        let target = format!(
            "{}/containers/json?all=1&filters={}",
            self.base(),
            query(&filters)
        );
        let body = self.get(&target, limit)?;
        model::summaries(&body).map_err(DockerError::Unreadable)
    }

    /// `GET /containers/{id}/json`: one container's settings and state. `id` is an id or a name.
    pub fn inspect(&self, id: &str, limit: Duration) -> Result<Container, DockerError> {
        let target = format!("{}/containers/{}/json", self.base(), query(id));
        match self.get(&target, limit) {
            Ok(body) => model::container(&body).map_err(DockerError::Unreadable),
            Err(DockerError::Refused { status: 404, .. }) => {
                Err(DockerError::NoSuchContainer(id.to_string()))
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /events` of labelled containers, from `since` (unix seconds; the engine replays what
    /// happened from then on) or from now: the open stream, its head read within `limit`.
    pub fn events(&self, since: Option<i64>, limit: Duration) -> Result<EventStream, DockerError> {
        let filters = format!(r#"{{"type":["container"],"label":["{LABEL}"]}}"#);
        let mut target = format!("{}/events?filters={}", self.base(), query(&filters));
        if let Some(since) = since {
            target.push_str(&format!("&since={since}"));
        }
        let place = self.place();
        let mut conn = wire::Conn::open(&self.path, &place, limit)?;
        conn.send(&target)?;
        // Byte by byte: what follows the head is the stream's, read when poll says so.
        let head = conn.head(true)?;
        if !(200..300).contains(&head.status) {
            let body = conn.body(head.framing)?;
            return Err(refusal(head.status, &body));
        }
        EventStream::new(conn, head.framing, place)
    }

    fn base(&self) -> String {
        format!("/v{}", self.api_version())
    }

    fn place(&self) -> String {
        self.path.display().to_string()
    }

    /// One GET: the body of a 2xx answer, or what the engine said instead.
    fn get(&self, target: &str, limit: Duration) -> Result<Vec<u8>, DockerError> {
        let mut conn = wire::Conn::open(&self.path, &self.place(), limit)?;
        conn.send(target)?;
        let head = conn.head(false)?;
        let body = conn.body(head.framing)?;
        if (200..300).contains(&head.status) {
            return Ok(body);
        }
        Err(refusal(head.status, &body))
    }
}

/// An error answer: `{"message": "..."}` (or plain text) as one line. A 400 that says the
/// client's version is too new comes from an engine older than 1.41.
fn refusal(status: u16, body: &[u8]) -> DockerError {
    let message = model::message(body);
    if status == 400 && message.contains("is too new") {
        return DockerError::TooOld(message);
    }
    DockerError::Refused { status, message }
}

/// `text` as a query value (or a path segment): everything but the unreserved characters
/// percent-encoded.
fn query(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
