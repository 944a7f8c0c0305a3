//! Flags and environment, in two steps as ripgrep does it: `parse_args` turns the command line
//! into `Args` (what was typed), `Config::new` checks it against the environment and produces
//! the `Config` the run uses, its `Mode` decided once. Every mistake becomes one line naming
//! the culprit and the fix.

mod args;
mod config;
pub mod env;
mod usage;

pub use args::parse_args;
pub use config::docker::Labelled;
pub use config::{Agent, Backend, Config, container};
pub use usage::USAGE;
