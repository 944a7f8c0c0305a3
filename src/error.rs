//! The one error type. Each variant maps to a documented exit code, so `main` can turn any
//! failure into the right code in one place.

use std::fmt;
use std::time::Duration;

use crate::host::signal::Signal;

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
    /// SIGTERM or SIGINT ended a wait. Exit 128 + the signal's number (143, 130).
    Interrupted {
        signal: Signal,
        /// What the wait was for, as the drive loop says it.
        waiting_for: String,
        /// Where the node stands: "node 1001 is ENABLED", "the node is absent", ...
        stands: String,
    },
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Failed(_) => crate::exit::FAILED,
            Error::Usage(_) | Error::Config(_) => crate::exit::CONFIG,
            Error::Deadline { .. } => crate::exit::DEADLINE,
            Error::Interrupted { signal, .. } => crate::exit::SIGNALED + signal.number(),
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
            Error::Interrupted {
                signal,
                waiting_for,
                stands,
            } => write!(
                f,
                "interrupted by {} while waiting: {waiting_for}; {stands}",
                signal.name()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupt_says_what_it_waited_for_and_exits_128_plus_the_signal() {
        let e = |signal| Error::Interrupted {
            signal,
            waiting_for: "load balancer 7 is PENDING_UPDATE, waiting for ACTIVE".into(),
            stands: "node 1001 is ENABLED".into(),
        };
        assert_eq!(
            e(Signal::Term).to_string(),
            "interrupted by SIGTERM while waiting: load balancer 7 is PENDING_UPDATE, waiting for ACTIVE; node 1001 is ENABLED"
        );
        assert_eq!(e(Signal::Term).exit_code(), 143);
        assert_eq!(e(Signal::Int).exit_code(), 130);
    }
}
