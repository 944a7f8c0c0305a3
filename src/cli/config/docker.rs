//! `-docker`'s settings: the engine's socket, the flags every container's `-watch` child is
//! given, and how a container's labels become its own flags (each wrong label named).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::cli::args::Args;
use crate::cli::env::{parse_duration_flag, parse_name, parse_node_type, parse_port, parse_word};
use crate::engine::Plan;
use crate::error::Error;

use super::watch;
use super::{DAY, Var};

/// `-docker`'s settings: the engine's socket (`-docker-host`, else DOCKER_HOST), the flags
/// every child gets, and systemd's variables, which the agent alone reads.
pub(super) fn docker_agent(
    args: &Args,
    var: &Var,
    max_weight: u32,
    warnings: &mut Vec<String>,
) -> Result<Agent, Error> {
    let (host, what) = match &args.docker_host {
        Some(h) => (Some(h.clone()), "-docker-host"),
        None => (var("DOCKER_HOST")?, "DOCKER_HOST"),
    };
    let socket = crate::docker::socket_path(host.as_deref())
        .map_err(|why| Error::Usage(format!("{what} {why}")))?;
    let mut agent = Agent::new(args, socket, max_weight)?;
    (agent.notify_socket, agent.watchdog) = watch::systemd(var, warnings);
    Ok(agent)
}

/// A line naming LOAD_BALANCER_ID and APP_PORT when an environment file shared with the other
/// modes sets them: under -docker each container's labels say its own.
pub(super) fn unused_by_docker(var: &Var) -> Result<Option<String>, Error> {
    let mut set = Vec::new();
    for name in ["LOAD_BALANCER_ID", "APP_PORT"] {
        if var(name)?.is_some() {
            set.push(name);
        }
    }
    Ok((!set.is_empty()).then(|| {
        let verb = if set.len() == 1 { "is" } else { "are" };
        format!(
            "{} {verb} not used with -docker: each container's labels say its load balancer (peekaboo.lb) and port (peekaboo.port)",
            set.join(" and ")
        )
    }))
}

/// The label a container takes part with; the others refine it.
pub use crate::docker::LABEL as LB_LABEL;

/// What the agent needs: where the engine is, and the flags every child gets.
#[derive(Debug, PartialEq)]
pub struct Agent {
    pub socket: PathBuf,
    /// Flags from the agent's own command line for every child, each with its value (None:
    /// a switch).
    forward: Vec<(&'static str, Option<String>)>,
    /// The agent's own -pool, -weight, -type and -name, by the label that replaces each: what
    /// a container without the label gets.
    defaults: Vec<(&'static str, String)>,
    /// The largest weight the service takes (for `peekaboo.weight`).
    max_weight: u32,
    /// `-leave disable`: a child's leave keeps the member (disabled).
    pub keeps_member: bool,
    /// NOTIFY_SOCKET and the watchdog's interval, for the agent alone.
    pub notify_socket: Option<String>,
    pub watchdog: Option<std::time::Duration>,
}

/// What a container is, as far as its labels go.
pub struct Labelled<'a> {
    pub labels: &'a BTreeMap<String, String>,
    /// Its published TCP ports (host side).
    pub published: &'a [u16],
    /// Whether it has a HEALTHCHECK (its own or its image's).
    pub healthcheck: bool,
}

/// The flags `-docker` rules out: each container's labels say them, or the agent has no use.
const NOT_WITH_DOCKER: &[&str] = &[
    "-lb", "-port", "-health", "-watch", "-status", "-dry-run", "-drain", "-disable", "-delete",
    "-wait",
];

/// What a one-shot delete of a stopped container's member keeps of the agent's flags.
const FOR_DELETE: &[&str] = &[
    "-timeout",
    "-interval",
    "-backend",
    "-cloud",
    "-ip",
    "-region",
    "-allow-http",
    "-quiet",
];

impl Agent {
    /// -docker's settings, from the flags as typed. `max_weight`: the backend's.
    pub fn new(args: &Args, socket: PathBuf, max_weight: u32) -> Result<Agent, Error> {
        let given = [
            args.lb.is_some(),
            args.port.is_some(),
            args.health.is_some(),
            args.watch,
            args.status,
            args.dry_run,
            args.drain,
            args.disable,
            args.delete,
            args.wait,
        ];
        if let Some((_, flag)) = given.iter().zip(NOT_WITH_DOCKER).find(|(g, _)| **g) {
            let why = match *flag {
                "-lb" | "-port" | "-health" => {
                    "each container says it with its labels (peekaboo.lb, peekaboo.port, peekaboo.health)"
                }
                _ => "the agent follows every labelled container by itself",
            };
            return Err(Error::Usage(format!(
                "{flag} makes no sense with -docker: {why}; drop {flag}"
            )));
        }
        let values = [
            ("-interval", &args.interval),
            ("-timeout", &args.timeout),
            ("-drain-timeout", &args.drain_timeout),
            ("-health-interval", &args.health_interval),
            ("-health-timeout", &args.health_timeout),
            ("-rise", &args.rise),
            ("-fall", &args.fall),
            ("-resync", &args.resync),
            ("-leave", &args.leave),
            ("-backend", &args.backend),
            ("-cloud", &args.cloud),
            ("-ip", &args.ip),
            ("-region", &args.region),
            ("-subnet", &args.subnet),
            ("-drain-from", &args.drain_from),
        ];
        let mut forward: Vec<(&'static str, Option<String>)> = values
            .into_iter()
            .filter_map(|(flag, v)| Some((flag, Some(v.clone()?))))
            .collect();
        for (flag, on) in [("-quiet", args.quiet), ("-allow-http", args.allow_http)] {
            if on {
                forward.push((flag, None));
            }
        }
        let defaults = [
            ("peekaboo.pool", &args.pool),
            ("peekaboo.weight", &args.weight),
            ("peekaboo.type", &args.node_type),
            ("peekaboo.name", &args.name),
        ]
        .into_iter()
        .filter_map(|(label, v)| Some((label, v.clone()?)))
        .collect();
        Ok(Agent {
            socket,
            forward,
            defaults,
            max_weight,
            keeps_member: args.leave.as_deref().is_some_and(|l| l.trim() == "disable"),
            notify_socket: None,
            watchdog: None,
        })
    }

    /// What the container's labels make of it: its member's load balancer and port, and its
    /// children's command lines; or the one line that says which label is wrong and how.
    pub fn plan(&self, c: &Labelled) -> Result<Plan, String> {
        let (lb, port) = self.target(c)?;
        let health = self.health(c)?;
        let at = [
            "-lb".to_string(),
            lb.clone(),
            "-port".into(),
            port.to_string(),
        ];
        let mut watch = vec!["-watch".to_string(), "-json".into()];
        watch.extend(at.iter().cloned());
        watch.extend(["-health".to_string(), health.clone()]);
        watch.extend(self.own_flags(c)?);
        let mut delete = vec!["-delete".to_string(), "-json".into()];
        delete.extend(at);
        for (flag, value) in self.forward.iter().filter(|f| FOR_DELETE.contains(&f.0)) {
            delete.push(flag.to_string());
            delete.extend(value.clone());
        }
        Ok(Plan {
            lb,
            port,
            health,
            watch,
            delete,
        })
    }

    /// The watch's flags past where and how: each label over the agent's own flag, then the
    /// agent's flags every child gets.
    fn own_flags(&self, c: &Labelled) -> Result<Vec<String>, String> {
        let label = |key: &str| {
            c.labels
                .get(key)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let mut args = Vec::new();
        for (key, flag) in [
            ("peekaboo.pool", "-pool"),
            ("peekaboo.weight", "-weight"),
            ("peekaboo.type", "-type"),
            ("peekaboo.name", "-name"),
        ] {
            let default = self.defaults.iter().find(|d| d.0 == key);
            let value = match (label(key), default) {
                (Some(v), _) => self.checked(key, v)?,
                (None, Some((_, v))) => v.clone(),
                (None, None) => continue,
            };
            args.extend([flag.to_string(), value]);
        }
        // A label's drain timeout replaces the agent's.
        let drain = label("peekaboo.drain-timeout")
            .map(|v| self.checked("peekaboo.drain-timeout", v))
            .transpose()?;
        for (flag, value) in &self.forward {
            if *flag == "-drain-timeout" && drain.is_some() {
                continue;
            }
            args.push(flag.to_string());
            args.extend(value.clone());
        }
        if let Some(d) = drain {
            args.extend(["-drain-timeout".to_string(), d]);
        }
        Ok(args)
    }

    /// Where the member goes: `peekaboo.lb`, and `peekaboo.port` (else the container's one
    /// published TCP port).
    fn target(&self, c: &Labelled) -> Result<(String, u16), String> {
        let lb = c
            .labels
            .get(LB_LABEL)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .ok_or("label peekaboo.lb is empty: give the load balancer's id or name")?;
        let port = match c.labels.get("peekaboo.port").map(|v| v.trim()) {
            Some(v) => parse_port(v, "label peekaboo.port").map_err(text)?,
            None => match c.published {
                [one] => *one,
                [] => {
                    return Err(
                        "no port to be found: it publishes no TCP port (with --net=host none is published): set label peekaboo.port to the port the load balancer sends to"
                            .into(),
                    );
                }
                several => {
                    let list: Vec<String> = several.iter().map(u16::to_string).collect();
                    return Err(format!(
                        "it publishes TCP ports {}: set label peekaboo.port to the one the load balancer sends to",
                        list.join(", ")
                    ));
                }
            },
        };
        Ok((lb.to_string(), port))
    }

    /// `-health`: `peekaboo.health` (docker, tcp, a path or a URL), else Docker's own health
    /// status when the container has a HEALTHCHECK, else a TCP connect.
    fn health(&self, c: &Labelled) -> Result<String, String> {
        let given = c.labels.get("peekaboo.health").map(|v| v.trim());
        let health = match given {
            None | Some("") if c.healthcheck => "docker".to_string(),
            None | Some("") => "tcp".to_string(),
            Some(v) if v.eq_ignore_ascii_case("docker") && !c.healthcheck => {
                return Err(
                    "label peekaboo.health is docker, but the container has no HEALTHCHECK: give it one, or set peekaboo.health to tcp, a path or a URL"
                        .into(),
                );
            }
            Some(v)
                if v.eq_ignore_ascii_case("docker")
                    || v.eq_ignore_ascii_case("tcp")
                    || v.starts_with('/')
                    || v.contains("://") =>
            {
                v.to_string()
            }
            Some(v) => {
                return Err(format!(
                    "label peekaboo.health '{v}' is not docker, tcp, a path (/healthz) or a URL"
                ));
            }
        };
        Ok(health)
    }

    /// A label's value checked as its flag would be, the error naming the label.
    fn checked(&self, key: &str, v: &str) -> Result<String, String> {
        let what = format!("label {key}");
        match key {
            "peekaboo.weight" => match crate::cli::env::parse_weight(v, self.max_weight) {
                Ok(_) => Ok(v.into()),
                Err(_) => Err(format!(
                    "{what} '{v}' is not a weight: use a whole number from 1 to {}",
                    self.max_weight
                )),
            },
            "peekaboo.type" => parse_node_type(v)
                .map(|t| t.as_str().to_string())
                .map_err(|_| format!("{what} '{v}' is not PRIMARY or SECONDARY")),
            "peekaboo.name" => parse_name(Some(v), &what)
                .map(|_| v.to_string())
                .map_err(text),
            "peekaboo.drain-timeout" => parse_duration_flag(v, &what, DAY)
                .map(|_| v.to_string())
                .map_err(text),
            _ => parse_word(v, &what, "web-pool")
                .map(|_| v.to_string())
                .map_err(text),
        }
    }
}

fn text(e: Error) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests;
