//! `Config::new`: the command line checked against the environment, every mode and default
//! decided here once, so nothing downstream re-checks a flag combination.

use std::cell::RefCell;
use std::ffi::OsString;
use std::time::Duration;

use crate::backend::Secret;
use crate::backend::http::{self, Transport, proxy, url_parses};
use crate::backend::octavia;
use crate::backend::rackspace::{DEFAULT_AUTH_URL, Settings};
use crate::cli::args::{Args, FLAGS, Kind};
use crate::cli::env::*;
use crate::core::model::{Attrs, LbRef, Want};
use crate::engine::{AddressSource, Job, Mode, NodeSpec, Timing};
use crate::error::Error;
use mode::{drain_from, drain_timeout, mode, want};
use openstack::{Missing, Service, Var, choose};
use watch::watch;

pub use openstack::Backend;

mod mode;
mod openstack;
mod watch;

const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
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
        // A variable read twice (to choose the backend, then to sign in) is warned about once.
        let var = |name: &str| {
            let mut said = Vec::new();
            let value = read_var(name, env(name), &mut said);
            let mut warnings = warnings.borrow_mut();
            for w in said {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            value
        };
        let missing = |name: &str| missing(name, env(name).as_deref());
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
        let choice = choose(&args, &var)?;
        notes.extend(choice.note());
        let want = want(&args, &mut notes);
        let octavia = choice.kind == Service::Octavia;
        let lbs = lbs(&args, &var, octavia)?;
        // Read where CLB always read its credentials, so its errors come in the same order.
        let credentials = if octavia {
            Credentials::Octavia(openstack::auth(&var, &missing, &choice, &mut notes)?)
        } else {
            Credentials::Clb(clb_credentials(&var, &missing)?)
        };
        let region = match &args.region {
            Some(v) => Some(region(v, "-region", octavia)?),
            None => match var("OS_REGION_NAME")? {
                Some(v) => Some(region(&v, "OS_REGION_NAME", octavia)?),
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
        let auth_url = if octavia {
            openstack::auth_url(choice.auth_url.as_deref(), &missing, args.allow_http)?
        } else {
            clb_auth_url(choice.auth_url.as_deref(), args.allow_http)?
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
        let max_weight = if octavia { 256 } else { 100 };
        let attrs = Attrs {
            weight: args
                .weight
                .as_deref()
                .map(|w| parse_weight(w, max_weight))
                .transpose()?,
            node_type: args.node_type.as_deref().map(parse_node_type).transpose()?,
            // Checked for both, kept for Octavia: a CLB node has no name, and one unit serves both.
            name: parse_name(args.name.as_deref())?.filter(|_| octavia),
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
        let drain_from = match &args.drain_from {
            Some(v) => drain_from(v, &mode, drain_timeout)?,
            None => Vec::new(),
        };
        let (pool, subnet) = pool_and_subnet(&args, octavia)?;
        let interface = if octavia {
            Some(openstack::interface(var("OS_INTERFACE")?.as_deref())?)
        } else {
            None
        };
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
        let transport = Transport {
            request_timeout,
            ca_certs,
            proxy,
        };
        let allow_http = args.allow_http;
        let backend = match credentials {
            Credentials::Clb((username, api_key)) => Backend::Clb(Settings {
                username,
                api_key,
                region,
                auth_url,
                allow_http,
                transport,
            }),
            Credentials::Octavia(auth) => Backend::Octavia(octavia::Settings {
                auth_url,
                auth,
                region,
                interface: interface.unwrap_or_default(),
                pool,
                subnet,
                allow_http,
                transport,
            }),
        };
        Ok(Config {
            mode,
            lbs,
            node: NodeSpec {
                address,
                port,
                attrs,
                drain_from,
            },
            timing: Timing {
                interval,
                timeout,
                drain_timeout,
            },
            backend,
            json: args.json,
            quiet: args.quiet,
            notes,
            warnings: warnings.into_inner(),
        })
    }
}

/// What signs in, read before anything else of the backend's.
enum Credentials {
    Clb((String, Secret)),
    Octavia(octavia::Auth),
}

/// The load balancers: numbers on Cloud Load Balancers, ids or names on Octavia.
fn lbs(args: &Args, var: &Var, octavia: bool) -> Result<Vec<LbRef>, Error> {
    let (v, what) = match &args.lb {
        Some(v) => (v.clone(), "-lb"),
        None => match var("LOAD_BALANCER_ID")? {
            Some(v) => (v, "LOAD_BALANCER_ID"),
            None if octavia => {
                return Err(Error::Usage(
                    "LOAD_BALANCER_ID is not set: export the id or name of the Octavia load balancer (or pass -lb ID|NAME)".into(),
                ));
            }
            None => {
                return Err(Error::Usage(
                    "LOAD_BALANCER_ID is not set: export the numeric id of the load balancer (or pass -lb ID)".into(),
                ));
            }
        },
    };
    Ok(if octavia {
        parse_lb_refs(&v, what)?.into_iter().map(LbRef).collect()
    } else {
        parse_lb_ids(&v, what)
            .map_err(|e| match e {
                // A UUID or a name is an Octavia load balancer given to a run that chose CLB.
                Error::Usage(m) if v.chars().any(|c| c.is_ascii_alphabetic()) => Error::Usage(format!(
                    "{m}; an Octavia load balancer's id or name needs -backend octavia, or an OS_AUTH_URL ending in /v3"
                )),
                e => e,
            })?
            .into_iter()
            .map(|id| LbRef(id.to_string()))
            .collect()
    })
}

fn clb_credentials(var: &Var, missing: &Missing) -> Result<(String, Secret), Error> {
    let username = var("OS_USERNAME")?.ok_or_else(|| {
        Error::Usage(format!(
            "{}: export your Rackspace user name",
            missing("OS_USERNAME")
        ))
    })?;
    let api_key = var("OS_PASSWORD")?.map(Secret).ok_or_else(|| {
        Error::Usage(format!(
            "{}: export your Rackspace API key (or password), ideally from an EnvironmentFile",
            missing("OS_PASSWORD")
        ))
    })?;
    Ok((username, api_key))
}

fn region(v: &str, what: &str, octavia: bool) -> Result<String, Error> {
    if octavia {
        openstack::region(v, what)
    } else {
        parse_region(v, what)
    }
}

/// The Identity v2.0 base, the Rackspace one when unset.
fn clb_auth_url(raw: Option<&str>, allow_http: bool) -> Result<String, Error> {
    let Some(v) = raw else {
        return Ok(DEFAULT_AUTH_URL.to_string());
    };
    let v = v.trim().trim_end_matches('/').to_string();
    http::check_url(&v, allow_http)
        .map_err(|why| Error::Usage(format!("OS_AUTH_URL '{v}' {why}")))?;
    // ureq would refuse it on every try until the deadline: say so now.
    if !url_parses(&v) {
        return Err(Error::Usage(format!(
            "OS_AUTH_URL '{}' is not a valid URL: use the Identity v2.0 base, e.g. {DEFAULT_AUTH_URL}",
            http::printable(&v)
        )));
    }
    Ok(v)
}

/// -pool and -subnet, which only an Octavia member has.
fn pool_and_subnet(args: &Args, octavia: bool) -> Result<(Option<String>, Option<String>), Error> {
    let given = [(&args.pool, "-pool"), (&args.subnet, "-subnet")];
    if !octavia && let Some((_, flag)) = given.iter().find(|g| g.0.is_some()) {
        return Err(Error::Usage(format!(
            "{flag} applies only to Octavia, and this run uses Cloud Load Balancers (OS_AUTH_URL does not end in /v3): give -backend octavia with an OpenStack openrc, or drop {flag}"
        )));
    }
    let pool = args
        .pool
        .as_deref()
        .map(|v| parse_word(v, "-pool", "-pool web-pool"))
        .transpose()?;
    let subnet = args
        .subnet
        .as_deref()
        .map(|v| parse_word(v, "-subnet", "the subnet id from openstack subnet list"))
        .transpose()?;
    Ok((pool, subnet))
}

#[cfg(test)]
mod tests;
