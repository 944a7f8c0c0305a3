//! -watch's settings, checked: the flags only it takes, the ones it rules out, and the
//! systemd variables it reads.

use std::time::Duration;

use super::DAY;
use crate::cli::args::Args;
use crate::cli::env::{
    notify_socket, parse_count, parse_duration_flag, parse_health, parse_leave, watchdog,
};
use crate::engine::{Container, HealthCheck, Leave, Watch};
use crate::error::Error;

const DEFAULT_HEALTH_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(2);
const DEFAULT_RISE: u32 = 2;
const DEFAULT_FALL: u32 = 3;
/// With -health docker: Docker counts its own retries before it says `unhealthy`.
const DOCKER_RISE_FALL: u32 = 1;
const DEFAULT_RESYNC: Duration = Duration::from_secs(300);

/// The flags that mean something only with -watch, and whether each was given.
pub(super) fn watch_flags(args: &Args) -> [(bool, &'static str); 7] {
    [
        (args.health.is_some(), "-health"),
        (args.health_interval.is_some(), "-health-interval"),
        (args.health_timeout.is_some(), "-health-timeout"),
        (args.rise.is_some(), "-rise"),
        (args.fall.is_some(), "-fall"),
        (args.leave.is_some(), "-leave"),
        (args.resync.is_some(), "-resync"),
    ]
}

/// -watch's settings, and the systemd variables it reads (only it: a one-shot run under
/// systemd must not be warned about a watchdog it never feeds). A systemd variable that does
/// not parse adds to `warnings` and turns its feature off instead of failing the run.
/// `container`: the one the -docker agent named, which -health docker asks Docker about.
pub(super) fn watch(
    args: &Args,
    var: &dyn Fn(&str) -> Result<Option<String>, Error>,
    container: Option<&Container>,
    warnings: &mut Vec<String>,
) -> Result<Watch, Error> {
    refuse_one_shot_flags(args)?;
    let duration = |v: &Option<String>, what, default, max| match v {
        Some(v) => parse_duration_flag(v, what, max),
        None => Ok(default),
    };
    let count = |v: &Option<String>, what, default| match v {
        Some(v) => parse_count(v, what),
        None => Ok(default),
    };
    let hour = Duration::from_secs(3600);
    let (notify_socket, watchdog) = systemd(var, warnings);
    let check = match &args.health {
        Some(v) if v.trim().eq_ignore_ascii_case("docker") => match container {
            Some(c) => {
                let socket = crate::docker::socket_path(var("DOCKER_HOST")?.as_deref())
                    .map_err(|why| Error::Usage(format!("DOCKER_HOST {why}")))?;
                HealthCheck::Docker {
                    id: c.id.clone(),
                    socket,
                }
            }
            None => return Err(Error::Usage(
                "-health docker is for containers the -docker agent follows: give -health tcp or a URL".into(),
            )),
        },
        Some(v) => parse_health(v)?,
        None => HealthCheck::Tcp,
    };
    let (rise, fall) = match check {
        HealthCheck::Docker { .. } => (DOCKER_RISE_FALL, DOCKER_RISE_FALL),
        _ => (DEFAULT_RISE, DEFAULT_FALL),
    };
    Ok(Watch {
        check,
        every: duration(
            &args.health_interval,
            "-health-interval",
            DEFAULT_HEALTH_INTERVAL,
            hour,
        )?,
        probe_timeout: duration(
            &args.health_timeout,
            "-health-timeout",
            DEFAULT_HEALTH_TIMEOUT,
            hour,
        )?,
        rise: count(&args.rise, "-rise", rise)?,
        fall: count(&args.fall, "-fall", fall)?,
        leave: match &args.leave {
            Some(v) => parse_leave(v)?,
            None => Leave::Delete,
        },
        resync: duration(&args.resync, "-resync", DEFAULT_RESYNC, DAY)?,
        notify_socket,
        watchdog,
    })
}

/// The one-shot flags -watch rules out, each with why and the fix.
fn refuse_one_shot_flags(args: &Args) -> Result<(), Error> {
    let conflicts = [
        (
            args.status,
            "-status",
            "watch mode keeps changing the node, -status only reads it",
            None,
        ),
        (
            args.dry_run,
            "-dry-run",
            "watch mode changes the node whenever the app's health does, so there is no one change to show",
            None,
        ),
        (
            args.drain,
            "-drain",
            "watch mode drains by itself on SIGTERM",
            None,
        ),
        (
            args.disable,
            "-disable",
            "watch mode drains and deletes the node by itself on SIGTERM",
            Some("to end with it DISABLED instead, give -leave disable in place of -disable"),
        ),
        (
            args.delete,
            "-delete",
            "watch mode drains and deletes the node by itself on SIGTERM",
            None,
        ),
        (
            args.wait,
            "-wait",
            "watch mode waits for the app's health and for the drain by itself",
            None,
        ),
    ];
    match conflicts.iter().find(|c| c.0) {
        Some((_, flag, why, fix)) => {
            let fix = fix.map_or_else(|| format!("drop {flag}"), str::to_string);
            Err(Error::Usage(format!(
                "{flag} makes no sense with -watch: {why}; {fix}"
            )))
        }
        None => Ok(()),
    }
}

/// sd_notify's socket and the watchdog's interval, as systemd set them: what does not parse
/// is warned about and turned off.
pub(super) fn systemd(
    var: &dyn Fn(&str) -> Result<Option<String>, Error>,
    warnings: &mut Vec<String>,
) -> (Option<String>, Option<Duration>) {
    let mut read = |name| match var(name) {
        Ok(v) => v,
        // systemd set it, not the user: no reason to stop the run.
        Err(_) => {
            warnings.push(format!("Warning: {name} is not valid UTF-8: ignoring it"));
            None
        }
    };
    let notify = read("NOTIFY_SOCKET");
    let usec = read("WATCHDOG_USEC");
    let pid = read("WATCHDOG_PID");
    let notify_socket = notify_socket(notify.as_deref()).unwrap_or_else(|w| {
        warnings.push(w);
        None
    });
    let watchdog =
        watchdog(usec.as_deref(), pid.as_deref(), std::process::id()).unwrap_or_else(|w| {
            warnings.push(w);
            None
        });
    (notify_socket, watchdog)
}
