//! `Config::new`: the command line checked against the environment, every mode and default
//! decided here once, so nothing downstream re-checks a flag combination.

use std::cell::RefCell;
use std::ffi::OsString;
use std::time::Duration;

use crate::backend::Secret;
use crate::backend::http::{self, Transport, proxy, url_parses};
use crate::backend::rackspace::{DEFAULT_AUTH_URL, Settings};
use crate::cli::args::{Args, FLAGS, Kind};
use crate::cli::env::*;
use crate::core::model::{Attrs, Condition, LbRef, Want};
use crate::engine::{AddressSource, Job, Mode, NodeSpec, Timing};
use crate::error::Error;
use crate::time::{format_duration, parse_duration};
use watch::{watch, watch_flags};

mod watch;

const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Under systemd's default 90 s stop timeout, with room left to disable or delete the node.
const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(60);
pub(super) const DAY: Duration = Duration::from_secs(24 * 3600);

/// Everything a run needs, checked.
#[derive(Debug)]
pub struct Config {
    pub mode: Mode,
    /// The load balancers to apply the change to, in order.
    pub lbs: Vec<LbRef>,
    pub node: NodeSpec,
    pub timing: Timing,
    pub backend: Settings,
    /// `-json`: one JSON object per load balancer on stdout at the end, in every mode.
    pub json: bool,
    /// `-quiet`: log only errors and the final state.
    pub quiet: bool,
    /// Lines to log at the start of the run (the original's "$APP_PORT not set" and the like).
    pub notes: Vec<String>,
    /// Warnings to log at the start of the run (a value that ended with a carriage return).
    pub warnings: Vec<String>,
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
        }
    }

    /// Checks `args` against the environment, read through `env` (raw, as the OS holds it) so
    /// tests need not touch the process environment. Empty variables count as unset, as they
    /// did in the original. A variable is read only when no flag overrides it, so one that is
    /// not used cannot fail the run.
    pub fn new(mut args: Args, env: &dyn Fn(&str) -> Option<OsString>) -> Result<Config, Error> {
        let warnings = RefCell::new(Vec::new());
        let var = |name: &str| read_var(name, env(name), &mut warnings.borrow_mut());
        // systemd expands ${VAR} from an EnvironmentFile into ExecStart= arguments, so a CRLF
        // file reaches flag values too: the same rule as for variables.
        for flag in FLAGS {
            if let Kind::Value { slot, .. } = flag.kind {
                let value = slot(&mut args);
                if let Some(v) = value.take() {
                    let what = format!("-{}", flag.name);
                    *value = Some(strip_cr(&what, v, &mut warnings.borrow_mut()));
                }
            }
        }
        let mut notes = Vec::new();
        let want = want(&args, &mut notes);

        let lbs = match &args.lb {
            Some(v) => parse_lb_ids(v, "-lb")?,
            None => match var("LOAD_BALANCER_ID")? {
                Some(v) => parse_lb_ids(&v, "LOAD_BALANCER_ID")?,
                None => {
                    return Err(Error::Usage(
                        "LOAD_BALANCER_ID is not set: export the numeric id of the load balancer (or pass -lb ID)"
                            .into(),
                    ));
                }
            },
        };
        let lbs: Vec<LbRef> = lbs.into_iter().map(|id| LbRef(id.to_string())).collect();
        let username = var("OS_USERNAME")?.ok_or_else(|| {
            Error::Usage("OS_USERNAME is not set: export your Rackspace user name".into())
        })?;
        let api_key = var("OS_PASSWORD")?.map(Secret).ok_or_else(|| {
            Error::Usage(
                "OS_PASSWORD is not set: export your Rackspace API key (or password), ideally from an EnvironmentFile"
                    .into(),
            )
        })?;
        let region = match &args.region {
            Some(v) => Some(parse_region(v, "-region")?),
            None => match var("OS_REGION_NAME")? {
                Some(v) => Some(parse_region(&v, "OS_REGION_NAME")?),
                None => None,
            },
        };
        let port = match &args.port {
            Some(v) => parse_port(v, "-port")?,
            None => match var("APP_PORT")? {
                Some(v) => parse_port(&v, "APP_PORT")?,
                None => {
                    notes.push("$APP_PORT not set, defaulting to 80".into());
                    80
                }
            },
        };
        let address = if let Some(v) = &args.ip {
            Some((parse_ip(v, "-ip")?, AddressSource::Flag))
        } else if let Some(v) = var("RAX_SERVICENET_IPV4")? {
            Some((
                parse_ip(&v, "RAX_SERVICENET_IPV4")?,
                AddressSource::Servicenet,
            ))
        } else if let Some(v) = var("RAX_PUBLICNET_IPV4")? {
            Some((
                parse_ip(&v, "RAX_PUBLICNET_IPV4")?,
                AddressSource::Publicnet,
            ))
        } else {
            None
        };
        let auth_url = match var("OS_AUTH_URL")? {
            Some(v) => {
                let v = v.trim().trim_end_matches('/').to_string();
                http::check_url(&v, args.allow_http)
                    .map_err(|why| Error::Usage(format!("OS_AUTH_URL '{v}' {why}")))?;
                // ureq would refuse it on every try until the deadline: say so now.
                if !url_parses(&v) {
                    return Err(Error::Usage(format!(
                        "OS_AUTH_URL '{}' is not a valid URL: use the Identity v2.0 base, e.g. {DEFAULT_AUTH_URL}",
                        http::printable(&v)
                    )));
                }
                v
            }
            None => DEFAULT_AUTH_URL.to_string(),
        };
        let interval = match &args.interval {
            Some(v) => parse_duration_flag(v, "-interval", Duration::from_secs(3600))?,
            None => DEFAULT_INTERVAL,
        };
        let timeout = match &args.timeout {
            Some(v) => parse_duration_flag(v, "-timeout", DAY)?,
            None => DEFAULT_TIMEOUT,
        };
        let request_timeout = match var("PEEKABOO_REQUEST_TIMEOUT")? {
            Some(v) => {
                parse_duration_flag(&v, "PEEKABOO_REQUEST_TIMEOUT", Duration::from_secs(600))?
            }
            None => DEFAULT_REQUEST_TIMEOUT,
        };
        let ca_certs = match var("OS_CACERT")? {
            Some(path) => Some(http::load_ca(&path).map_err(|why| {
                Error::Usage(format!(
                    "OS_CACERT '{path}' {why}: point it at a PEM file of CA certificates, or unset it to trust the built-in roots"
                ))
            })?),
            None => None,
        };
        let attrs = Attrs {
            weight: args.weight.as_deref().map(parse_weight).transpose()?,
            node_type: args.node_type.as_deref().map(parse_node_type).transpose()?,
        };
        // Before the -weight check, so `-watch -delete -weight 5` is told about -delete.
        let mode = if args.watch {
            let mut said = Vec::new();
            let watch = watch(&args, &var, &mut said)?;
            warnings.borrow_mut().extend(said);
            Mode::Watch(watch)
        } else {
            mode(&args, want)?
        };
        if want == Want::Absent && attrs != Attrs::default() {
            return Err(Error::Usage(
                "-weight and -type set a node that stays: drop them with -delete".into(),
            ));
        }
        let drain_timeout = drain_timeout(&args, &mode, timeout)?;
        // Read like every other variable (not UTF-8 is an error, a CR is stripped with a
        // warning); whether a proxy value is usable is for `proxy` to say when one is needed.
        let mut proxy_vars = Vec::new();
        for name in proxy::VARIABLES {
            if let Some(v) = var(name)? {
                proxy_vars.push((*name, v));
            }
        }
        let proxy = proxy::ProxyEnv::from_env(&|name| {
            proxy_vars
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        });
        Ok(Config {
            mode,
            lbs,
            node: NodeSpec {
                address,
                port,
                attrs,
                drain_from: Vec::new(),
            },
            timing: Timing {
                interval,
                timeout,
                drain_timeout,
            },
            backend: Settings {
                username,
                api_key,
                region,
                auth_url,
                allow_http: args.allow_http,
                transport: Transport {
                    request_timeout,
                    ca_certs,
                    proxy,
                },
            },
            json: args.json,
            quiet: args.quiet,
            notes,
            warnings: warnings.into_inner(),
        })
    }
}

/// The state asked for: -delete wins over -disable, -disable over -drain, as it always has.
fn want(args: &Args, notes: &mut Vec<String>) -> Want {
    let chosen = [
        (args.delete, "-delete", Want::Absent),
        (args.disable, "-disable", Want::Present(Condition::Disabled)),
        (args.drain, "-drain", Want::Present(Condition::Draining)),
    ];
    let given: Vec<_> = chosen.iter().filter(|c| c.0).collect();
    if given.len() > 1 {
        let names: Vec<&str> = given.iter().map(|c| c.1).collect();
        notes.push(format!(
            "{} given together: {} wins, as it always has",
            names.join(" and "),
            names[0]
        ));
    }
    given
        .first()
        .map_or(Want::Present(Condition::Enabled), |c| c.2)
}

/// The one mode of the run without -watch, refusing the combinations that ask for two.
fn mode(args: &Args, want: Want) -> Result<Mode, Error> {
    if let Some((_, flag)) = watch_flags(args).iter().find(|f| f.0) {
        return Err(Error::Usage(format!(
            "{flag} only applies with -watch: add -watch, or drop it"
        )));
    }
    if args.status {
        let changes = [
            (args.drain, "-drain"),
            (args.disable, "-disable"),
            (args.delete, "-delete"),
            (args.wait, "-wait"),
            (args.dry_run, "-dry-run"),
            (args.weight.is_some(), "-weight"),
            (args.node_type.is_some(), "-type"),
        ];
        if let Some((_, flag)) = changes.iter().find(|c| c.0) {
            return Err(Error::Usage(format!(
                "-status only reads: drop {flag}, or drop -status to make the change"
            )));
        }
        return Ok(Mode::Status);
    }
    if args.dry_run {
        if args.wait {
            return Err(Error::Usage(
                "-dry-run shows the one change a run would start with: drop -wait".into(),
            ));
        }
        return Ok(Mode::DryRun(want));
    }
    Ok(Mode::Apply {
        want,
        wait: args.wait,
    })
}

/// -drain-timeout, which only a -wait that leaves, or a -watch, has use for.
fn drain_timeout(args: &Args, mode: &Mode, timeout: Duration) -> Result<Duration, Error> {
    let watch = matches!(mode, Mode::Watch(_));
    let leaving_with_wait = watch
        || matches!(
            mode,
            Mode::Apply { want, wait: true } if *want != Want::Present(Condition::Enabled)
        );
    let drain_timeout = match &args.drain_timeout {
        // Half of a short -timeout, so the run still has time to disable or delete.
        None => DEFAULT_DRAIN_TIMEOUT.min(timeout / 2),
        Some(_) if !leaving_with_wait => {
            return Err(Error::Usage(
                "-drain-timeout only applies with -wait and -drain, -disable or -delete, or with -watch: add -wait, or drop it".into(),
            ));
        }
        // Zero is the emergency switch: drain, then disable or delete without waiting.
        Some(v) if parse_duration(v) == Some(Duration::ZERO) => Duration::ZERO,
        Some(v) => parse_duration_flag(v, "-drain-timeout", DAY)?,
    };
    if leaving_with_wait && drain_timeout >= timeout {
        return Err(Error::Usage(format!(
            "-drain-timeout {} must be shorter than -timeout {}, which bounds the whole {}: raise -timeout or lower -drain-timeout",
            format_duration(drain_timeout),
            format_duration(timeout),
            if watch { "leave" } else { "run" }
        )));
    }
    Ok(drain_timeout)
}

#[cfg(test)]
mod tests;
