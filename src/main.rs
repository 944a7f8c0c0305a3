//! peekaboo: put this host into a Rackspace Cloud Load Balancer at boot, take it out at
//! shutdown. `main` turns the result into an exit code in one place.

mod backend;
mod cli;
mod core;
// The agent of -docker uses it; until it is wired, only its tests do.
#[cfg_attr(not(test), allow(dead_code))]
mod docker;
mod engine;
mod error;
mod host;
mod log;
mod report;
mod time;
mod yaml;

#[cfg(test)]
mod fuzz;

use cli::{Config, USAGE, parse_args};
use error::Error;

/// The exit codes: this table, `Error::exit_code` and the README's "Exit codes" say the same.
pub mod exit {
    /// The node is as asked (or, -status, present everywhere).
    pub const OK: u8 = 0;
    /// The API refused or failed the change for good.
    pub const FAILED: u8 = 1;
    /// Usage or configuration: a flag, a variable, credentials, region or load balancer.
    pub const CONFIG: u8 = 2;
    /// -timeout passed before the node reached the state asked for.
    pub const DEADLINE: u8 = 3;
    /// -status: the node is absent from a load balancer.
    pub const ABSENT: u8 = 4;
    /// A signal stopped the run: this plus its number, as a shell reports (130, 143).
    pub const SIGNALED: u8 = 128;
}

fn main() -> std::process::ExitCode {
    // First, before any thread exists: threads inherit the blocked signals.
    let signals = host::signal::install();
    let journal = log::stderr_is_journal(std::env::var("JOURNAL_STREAM").ok().as_deref());
    // Before the flags, so every line names the container, a usage error's too.
    let container = cli::container(&|name| std::env::var_os(name));
    log::init(journal, false, &log_prefix(container.as_ref()));
    if let Err(why) = signals {
        log::warn(&format!(
            "Warning: {why}; SIGTERM, SIGINT and SIGHUP will end peekaboo without a word"
        ));
    }
    std::process::ExitCode::from(match real_main(journal) {
        Ok(code) => code,
        Err(e) => {
            log::error(&format!("Error: {e}"));
            e.exit_code()
        }
    })
}

fn real_main(journal: bool) -> Result<u8, Error> {
    let args = parse_args(std::env::args_os().skip(1))?;
    // Printing is all -help and -version do: when that fails, so did they.
    if args.help {
        return Ok(printed(log::stdout_line(USAGE.trim_end())));
    }
    if args.version {
        return Ok(printed(log::stdout_line(&format!(
            "peekaboo {}",
            env!("CARGO_PKG_VERSION")
        ))));
    }
    let cfg = Config::new(args, &|name| std::env::var_os(name))?;
    log::secret(&cfg.backend.secret().0);
    log::init(journal, cfg.quiet, &log_prefix(cfg.container.as_ref()));
    match &cfg.backend {
        cli::Backend::Clb(settings) => {
            drive(&cfg, &mut backend::rackspace::Rackspace::new(settings))
        }
        cli::Backend::Octavia(settings) => {
            drive(&cfg, &mut backend::octavia::Octavia::new(settings))
        }
    }
}

/// What every log line starts with: the container's name and short id under the -docker agent.
fn log_prefix(container: Option<&engine::Container>) -> String {
    container.map_or_else(String::new, |c| format!("{}: ", c.tag()))
}

/// The run, once the backend is built.
fn drive(cfg: &Config, backend: &mut dyn backend::Backend) -> Result<u8, Error> {
    if let engine::Mode::Watch(w) = &cfg.mode {
        return match engine::watch(&cfg.job(), w, cfg.json, backend, &mut probe(w, cfg))? {
            engine::Ended::Left(outcomes) => Ok(report::report(cfg, &outcomes)),
            // Its one line said where the node stands; there is no final state to report.
            engine::Ended::Detached => Ok(exit::OK),
        };
    }
    let outcomes = engine::run(&cfg.job(), backend)?;
    if let Some(s) = host::signal::pending().filter(|_| !interrupted(&outcomes)) {
        log::log(&format!(
            "{} arrived as the run finished: nothing was left to stop",
            s.name()
        ));
    }
    Ok(report::report(cfg, &outcomes))
}

/// Whether a wait ended at the stop signal. If none did, the signal came during the last
/// request, with no wait after it: the run did finish.
fn interrupted(outcomes: &[engine::Outcome]) -> bool {
    outcomes
        .iter()
        .any(|o| matches!(o.error, Some(Error::Interrupted { .. })))
}

/// Watch mode's health check, as -health asks.
fn probe<'c>(w: &'c engine::Watch, cfg: &Config) -> Box<engine::Probe<'c>> {
    match &w.check {
        engine::HealthCheck::Tcp => {
            Box::new(|addr, limit| told(host::probe::app_accepts(addr, limit)))
        }
        engine::HealthCheck::Http(url) => {
            let http = backend::http::Http::new(cfg.backend.transport());
            Box::new(move |_, limit| told(http.health_get(url, limit).map(drop)))
        }
        // wired in issue 19 by the lead
        engine::HealthCheck::Docker(_) => {
            Box::new(|_, _| engine::Probed::Unknown("docker health: not wired yet".into()))
        }
    }
}

/// A probe that always tells: it passes, or fails saying why.
fn told(result: Result<(), String>) -> engine::Probed {
    result.map_or_else(engine::Probed::Fail, |()| engine::Probed::Pass)
}

fn printed(result: std::io::Result<()>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            log::error(&format!("Error: could not write to stdout: {e}"));
            1
        }
    }
}
