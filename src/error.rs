//! The one error type. Each variant maps to a documented exit code, so `main` can turn any
//! failure into the right code in one place.

use std::fmt;
use std::time::Duration;

#[derive(Debug, PartialEq)]
pub enum Error {
    /// The command line or an environment variable is wrong. Nothing was sent. Exit 2.
    Usage(String),
    /// The API says the configuration cannot work: credentials rejected, OS_AUTH_URL not the
    /// Identity v2.0 base, region not in the catalog, load balancer unknown or deleted.
    /// Retrying will not help. Exit 2.
    Config(String),
    /// The API refused or failed the change for good (node limit, validation), or answered
    /// what no retry can change (identity's answer oversized or no token answer, a catalog
    /// endpoint that is not a URL). Exit 1.
    Failed(String),
    /// `-timeout` passed before the node reached the wanted state. Exit 3.
    Deadline {
        limit: Duration,
        waiting_for: String,
    },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Failed(_) => 1,
            Error::Usage(_) | Error::Config(_) => 2,
            Error::Deadline { .. } => 3,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Config(m) | Error::Failed(m) => f.write_str(m),
            Error::Deadline { limit, waiting_for } => write!(
                f,
                "gave up after -timeout {}: {waiting_for}",
                crate::time::format_duration(*limit)
            ),
        }
    }
}
