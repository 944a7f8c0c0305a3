//! The engine's containers and events in peekaboo's terms, with a word not known kept as it
//! was said (`Other`) rather than guessed. `read.rs` reads the answers' shapes into them: no
//! other place knows one.

use std::collections::BTreeMap;
use std::fmt;

mod read;
#[cfg(test)]
mod tests;

#[cfg(test)]
use read::Version;
pub(super) use read::{container, event, message, summaries, version};

/// A labelled container, as the listing gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub id: String,
    /// Without the leading '/'.
    pub name: String,
    pub state: State,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    Other(String),
}

/// One container's settings and state, as inspect gives them.
#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    pub id: String,
    /// Without the leading '/'.
    pub name: String,
    pub state: State,
    /// Docker's verdict; None when it has none: no HEALTHCHECK, or the container has not run
    /// since it was created.
    pub health: Option<Health>,
    /// Whether the container (or its image) has a HEALTHCHECK, running or not.
    pub healthcheck: bool,
    pub labels: BTreeMap<String, String>,
    /// The signal `docker stop` sends first (SIGTERM unless the container says otherwise).
    pub stop_signal: i32,
    /// The host ports its TCP ports are published on, in order, each once.
    pub published_tcp: Vec<u16>,
    /// "no", "always", "unless-stopped" or "on-failure".
    pub restart_policy: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    Starting,
    Healthy,
    Unhealthy,
    Other(String),
}

/// One event of a container.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: String,
    /// The container's name.
    pub name: String,
    pub action: Action,
    /// Unix seconds.
    pub time: i64,
    /// The container's labels: the event's attributes but those the engine adds itself.
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    Start,
    /// `signal` 0 when the event did not say which.
    Kill {
        signal: i32,
    },
    /// `exit_code` -1 when the event did not say.
    Die {
        exit_code: i32,
    },
    Stop,
    Destroy,
    /// `health_status: healthy` and the like.
    Health(Health),
    Pause,
    Unpause,
    /// Everything else (`exec_create: …`, `rename`, `oom`, …), as said.
    Other(String),
}

impl State {
    pub(super) fn from_word(word: &str) -> State {
        match word {
            "created" => State::Created,
            "running" => State::Running,
            "paused" => State::Paused,
            "restarting" => State::Restarting,
            "removing" => State::Removing,
            "exited" => State::Exited,
            "dead" => State::Dead,
            other => State::Other(other.to_string()),
        }
    }

    /// The engine's word for it.
    pub fn word(&self) -> &str {
        match self {
            State::Created => "created",
            State::Running => "running",
            State::Paused => "paused",
            State::Restarting => "restarting",
            State::Removing => "removing",
            State::Exited => "exited",
            State::Dead => "dead",
            State::Other(word) => word,
        }
    }
}

impl Health {
    pub(super) fn from_word(word: &str) -> Health {
        match word {
            "starting" => Health::Starting,
            "healthy" => Health::Healthy,
            "unhealthy" => Health::Unhealthy,
            other => Health::Other(other.to_string()),
        }
    }

    /// The engine's word for it.
    pub fn word(&self) -> &str {
        match self {
            Health::Starting => "starting",
            Health::Healthy => "healthy",
            Health::Unhealthy => "unhealthy",
            Health::Other(word) => word,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}
