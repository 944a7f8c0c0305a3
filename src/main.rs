//! peekaboo: put this host into a Rackspace Cloud Load Balancer at boot, take it out at
//! shutdown. `main` turns the result into an exit code in one place.

mod backend;
mod cli;
mod core;
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
    if container.is_some() {
        // A watch the -docker agent started: the agent decides for each container, so a
        // signal to the whole unit or group must not reach every watch at once.
        host::signal::only_from(std::os::unix::process::parent_id());
    }
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
    if let Some(agent) = &cfg.docker {
        return follow_docker(cfg, agent, backend);
    }
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

/// Docker mode: the agent, with how a container's labels become its child's flags.
fn follow_docker(
    cfg: &Config,
    agent: &cli::Agent,
    backend: &mut dyn backend::Backend,
) -> Result<u8, Error> {
    fn labelled(c: &docker::Container) -> cli::Labelled<'_> {
        cli::Labelled {
            labels: &c.labels,
            published: &c.published_tcp,
            healthcheck: c.healthcheck,
        }
    }
    let plan = |c: &docker::Container| agent.plan(&labelled(c));
    if let (Some(every), Some(socket)) = (agent.watchdog, &agent.notify_socket) {
        // systemd asks for a ping at half the watchdog interval at the latest.
        let notify = host::notify::Notifier::new(Some(socket));
        host::signal::beat_every(every / 2, Box::new(move || notify.watchdog()));
    }
    let job = engine::DockerJob {
        engine: docker::Engine::new(agent.socket.clone()),
        docker_host: format!("unix://{}", agent.socket.display()),
        keeps_member: agent.keeps_member,
        json: cfg.json,
        notify: host::notify::Notifier::new(agent.notify_socket.as_deref()),
        plan: &plan,
        grace: cfg.timing.timeout,
    };
    engine::docker(&cfg.job(), &job, backend)?;
    Ok(exit::OK)
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
        engine::HealthCheck::Path(path) => {
            let http = backend::http::Http::new(cfg.backend.transport());
            Box::new(move |addr, limit| {
                told(
                    http.health_get(&format!("http://{addr}{path}"), limit)
                        .map(drop),
                )
            })
        }
        engine::HealthCheck::Docker { id, socket } => {
            let engine = docker::Engine::new(socket.clone());
            Box::new(move |_, limit| docker_health(engine.inspect(id, limit)))
        }
    }
}

/// What Docker says of a container's health, as a probe: only `healthy` passes, and an
/// engine that does not answer (restarting) cannot tell, which leaves the node as it is.
fn docker_health(inspected: Result<docker::Container, docker::DockerError>) -> engine::Probed {
    use engine::Probed::{Fail, Pass, Unknown};
    let c = match inspected {
        Ok(c) => c,
        Err(e @ docker::DockerError::Unreachable(_)) => return Unknown(e.to_string()),
        Err(e) => return Fail(e.to_string()),
    };
    match (&c.state, &c.health) {
        (docker::State::Running, Some(docker::Health::Healthy)) => Pass,
        (docker::State::Running, Some(h)) => Fail(format!("Docker says it is {}", h.word())),
        (docker::State::Running, None) => Fail("it has no HEALTHCHECK".into()),
        (state, _) => Fail(format!("it is {}", state.word())),
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
