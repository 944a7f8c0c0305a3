//! `Config::new`: the command line checked against the environment, every mode and default
//! decided here once, so nothing downstream re-checks a flag combination. Which backend runs
//! is chosen here (`choice`); each backend's own module reads what it needs (`clb`,
//! `openstack`), with what both read alike in `common`.

use std::cell::RefCell;
use std::ffi::OsString;
use std::time::Duration;

use crate::backend::Secret;
use crate::backend::http::Transport;
use crate::backend::octavia::{self, Auth};
use crate::backend::rackspace;
use crate::cli::args::{Args, FLAGS, Kind};
use crate::cli::env::*;
use crate::core::model::{Attrs, LbRef, Want};
use crate::engine::{Container, Job, Mode, NodeSpec, Timing};
use crate::error::Error;
use choice::{Service, backend_flag, choose};
use cloud::{Cloud, ReadFile};
use common::{node_spec, transport};
pub use docker::Agent;
use docker::{docker_agent, unused_by_docker};
use mode::{drain_from, drain_timeout, mode, want};
use watch::watch;

mod choice;
mod clb;
mod cloud;
mod common;
mod container;
pub mod docker;
mod mode;
mod openstack;
mod watch;

/// How `Config::new` reads a variable: blank is unset, not UTF-8 is an error.
pub(super) type Var<'a> = dyn Fn(&str) -> Result<Option<String>, Error> + 'a;

/// How a required variable that gave no value is named: unset, or set but empty.
pub(super) type Missing<'a> = dyn Fn(&str) -> String + 'a;

const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Under systemd's default 90 s stop timeout, with room left to disable or delete the node.
pub(super) const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(60);
pub(super) const DAY: Duration = Duration::from_secs(24 * 3600);

/// Everything a run needs, checked.
#[derive(Debug)]
pub struct Config {
    pub mode: Mode,
    /// The load balancers to apply the change to, in order.
    pub lbs: Vec<LbRef>,
    pub node: NodeSpec,
    pub timing: Timing,
    pub backend: Backend,
    /// `-docker`: the engine, and how each container's watch is started.
    pub docker: Option<Agent>,
    /// `-json`: one JSON object per load balancer on stdout at the end, in every mode.
    pub json: bool,
    /// `-quiet`: log only errors and the final state.
    pub quiet: bool,
    /// Lines to log at the start of the run (the original's "$APP_PORT not set" and the like).
    pub notes: Vec<String>,
    /// Warnings to log at the start of the run (a value that ended with a carriage return).
    pub warnings: Vec<String>,
    /// The container this run is for, when the `-docker` agent started it.
    pub container: Option<Container>,
}

impl Config {
    /// What the engine reads.
    pub fn job(&self) -> Job<'_> {
        Job {
            mode: &self.mode,
            lbs: &self.lbs,
            node: &self.node,
            timing: self.timing,
            notes: &self.notes,
            warnings: &self.warnings,
            container: self.container.as_ref(),
        }
    }

    /// Checks `args` against the environment, read through `env` (raw, as the OS holds it) so
    /// tests need not touch the process environment. Empty variables count as unset, as they
    /// did in the original. A variable is read only when no flag overrides it, so one that is
    /// not used cannot fail the run. Which backend runs is decided here; what each needs, its
    /// own module reads (`clb`, `openstack`).
    pub fn new(args: Args, env: &dyn Fn(&str) -> Option<OsString>) -> Result<Config, Error> {
        Config::with_files(args, env, &|path| std::fs::read_to_string(path))
    }

    /// As `new`, with clouds.yaml and secure.yaml read through `read`.
    pub fn with_files(
        mut args: Args,
        env: &dyn Fn(&str) -> Option<OsString>,
        read: &ReadFile,
    ) -> Result<Config, Error> {
        let mut vars = Vars {
            env,
            cloud: None,
            warnings: RefCell::new(Vec::new()),
        };
        strip_flag_crs(&mut args, &mut vars.warnings.borrow_mut());
        let flag = backend_flag(&args)?;
        let asked = cloud::asked(&args, &|name| vars.var(name), flag)?;
        if let Some((name, _)) = &asked {
            vars.cloud = Some(cloud::load(name, &|name| vars.var(name), read)?);
        }
        let var = |name: &str| vars.var(name);
        let missing = |name: &str| vars.missing(name);
        let sign = asked.map(|(name, from)| format!("{from} names cloud '{name}'"));
        let choice = choose(flag, &var, sign.as_deref())?;
        let mut notes: Vec<String> = choice.note().into_iter().collect();
        if let Some(c) = &vars.cloud {
            notes.push(format!("Using cloud '{}' from {}", c.name, c.source()));
        }
        let want = want(&args, &mut notes);
        let container = container::container(&var)?;
        let transport = transport(&var)?;
        // The agent's containers each name theirs.
        let lbs = match (args.docker, choice.kind) {
            (true, _) => Vec::new(),
            (false, Service::Clb) => clb::lbs(&args, &var)?,
            (false, Service::Octavia) => openstack::lbs(&args, &var)?,
        };
        let backend = match choice.kind {
            Service::Clb => Backend::Clb(clb::read(
                &args,
                &var,
                &missing,
                choice.auth_url.as_deref(),
                transport,
            )?),
            Service::Octavia => Backend::Octavia(openstack::read(
                &args,
                &var,
                &missing,
                &choice,
                vars.cloud.as_ref(),
                transport,
                &mut notes,
            )?),
        };
        let limits = (backend.max_weight(), backend.names_members());
        let node = node_spec(&args, &var, limits, &mut notes)?;
        let interval = match &args.interval {
            Some(v) => parse_duration_flag(v, "-interval", Duration::from_secs(3600))?,
            None => DEFAULT_INTERVAL,
        };
        let timeout = match &args.timeout {
            Some(v) => parse_duration_flag(v, "-timeout", DAY)?,
            None => DEFAULT_TIMEOUT,
        };
        // Before the -weight check, so `-watch -delete -weight 5` is told about -delete.
        let mut docker = None;
        let mode = if args.docker {
            let mut said = Vec::new();
            docker = Some(docker_agent(&args, &var, backend.max_weight(), &mut said)?);
            notes.extend(unused_by_docker(&var)?);
            vars.warnings.borrow_mut().extend(said);
            Mode::Docker
        } else if args.docker_host.is_some() {
            return Err(Error::Usage(
                "-docker-host only applies with -docker: add -docker, or drop it".into(),
            ));
        } else if args.watch {
            let mut said = Vec::new();
            let watch = watch(&args, &var, container.as_ref(), &mut said)?;
            vars.warnings.borrow_mut().extend(said);
            Mode::Watch(watch)
        } else {
            mode(&args, want)?
        };
        if want == Want::Absent && node.attrs != Attrs::default() {
            return Err(Error::Usage(
                "-weight and -type set a node that stays: drop them with -delete".into(),
            ));
        }
        let drain_timeout = drain_timeout(&args, &mode, timeout)?;
        let drain_from = match &args.drain_from {
            Some(v) => drain_from(v, &mode, drain_timeout)?,
            None => Vec::new(),
        };
        Ok(Config {
            mode,
            lbs,
            node: NodeSpec { drain_from, ..node },
            timing: Timing {
                interval,
                timeout,
                drain_timeout,
            },
            backend,
            docker,
            json: args.json,
            quiet: args.quiet,
            notes,
            warnings: vars.warnings.into_inner(),
            container,
        })
    }
}

/// The container the `-docker` agent named, read as `Config::new` reads it, for the logger
/// before the flags are read: every line names it, a usage error's too. A mistake in the
/// variables gives None here; `Config::new` says what it is.
pub fn container(env: &dyn Fn(&str) -> Option<OsString>) -> Option<Container> {
    let var = |name: &str| read_var(name, env(name), &mut Vec::new());
    container::container(&var).ok().flatten()
}

/// The variables as `Config::new` reads them: the environment first, then the keys of the
/// cloud named (if any) for the OS_* variables it does not set; each carriage return warned
/// about once, however often the variable is read.
struct Vars<'a> {
    env: &'a dyn Fn(&str) -> Option<OsString>,
    cloud: Option<Cloud>,
    warnings: RefCell<Vec<String>>,
}

impl Vars<'_> {
    fn var(&self, name: &str) -> Result<Option<String>, Error> {
        let mut said = Vec::new();
        let value = read_var(name, (self.env)(name), &mut said)?;
        let mut warnings = self.warnings.borrow_mut();
        for w in said {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        Ok(value.or_else(|| self.cloud.as_ref()?.get(name)))
    }

    /// Why a required variable gave nothing, naming the cloud's key too when one is in use.
    fn missing(&self, name: &str) -> String {
        let unset = missing(name, (self.env)(name).as_deref());
        match (&self.cloud, Cloud::key_for(name)) {
            (Some(c), Some(key)) => {
                format!(
                    "{unset}, and cloud '{}' ({}) has no {key}",
                    c.name,
                    c.source()
                )
            }
            _ => unset,
        }
    }
}

/// systemd expands ${VAR} from an EnvironmentFile into ExecStart= arguments, so a CRLF file
/// reaches flag values too: the same rule as for variables.
fn strip_flag_crs(args: &mut Args, warnings: &mut Vec<String>) {
    for flag in FLAGS {
        if let Kind::Value { slot, .. } = flag.kind {
            let value = slot(args);
            if let Some(v) = value.take() {
                *value = Some(strip_cr(&format!("-{}", flag.name), v, warnings));
            }
        }
    }
}

/// The service the run talks to, with what it takes to reach it.
#[derive(Debug)]
pub enum Backend {
    /// Rackspace Cloud Load Balancers, through Identity v2.0.
    Clb(rackspace::Settings),
    /// OpenStack Octavia, through Keystone v3.
    Octavia(octavia::Settings),
}

impl Backend {
    pub fn transport(&self) -> &Transport {
        match self {
            Backend::Clb(s) => &s.transport,
            Backend::Octavia(s) => &s.transport,
        }
    }

    /// The credential to scrub from every line written.
    pub fn secret(&self) -> &Secret {
        match self {
            Backend::Clb(s) => &s.api_key,
            Backend::Octavia(s) => match &s.auth {
                Auth::Password { password, .. } => password,
                Auth::AppCredential { secret, .. } => secret,
            },
        }
    }
}

impl Backend {
    /// The largest `-weight` the service takes.
    fn max_weight(&self) -> u32 {
        match self {
            Backend::Clb(_) => clb::MAX_WEIGHT,
            Backend::Octavia(_) => openstack::MAX_WEIGHT,
        }
    }

    /// Whether its members have names (a CLB node has none, so -name is dropped there).
    fn names_members(&self) -> bool {
        matches!(self, Backend::Octavia(_))
    }
}

#[cfg(test)]
mod tests;
