//! -watch's settings, checked: the flags only it takes, the ones it rules out, and the
//! systemd variables it reads.

use std::time::Duration;

use super::DAY;
use crate::cli::args::Args;
use crate::cli::env::{
    notify_socket, parse_count, parse_duration_flag, parse_health, parse_leave, watchdog,
};
use crate::engine::{HealthCheck, Leave, Watch};
use crate::error::Error;

const DEFAULT_HEALTH_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(2);
const DEFAULT_RISE: u32 = 2;
const DEFAULT_FALL: u32 = 3;
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
pub(super) fn watch(
    args: &Args,
    var: &dyn Fn(&str) -> Result<Option<String>, Error>,
    warnings: &mut Vec<String>,
) -> Result<Watch, Error> {
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
    if let Some((_, flag, why, fix)) = conflicts.iter().find(|c| c.0) {
        let fix = fix.map_or_else(|| format!("drop {flag}"), str::to_string);
        return Err(Error::Usage(format!(
            "{flag} makes no sense with -watch: {why}; {fix}"
        )));
    }
    let duration = |v: &Option<String>, what, default, max| match v {
        Some(v) => parse_duration_flag(v, what, max),
        None => Ok(default),
    };
    let count = |v: &Option<String>, what, default| match v {
        Some(v) => parse_count(v, what),
        None => Ok(default),
    };
    let hour = Duration::from_secs(3600);
    let check = match &args.health {
        Some(v) => parse_health(v)?,
        None => HealthCheck::Tcp,
    };
    let every = duration(
        &args.health_interval,
        "-health-interval",
        DEFAULT_HEALTH_INTERVAL,
        hour,
    )?;
    let probe_timeout = duration(
        &args.health_timeout,
        "-health-timeout",
        DEFAULT_HEALTH_TIMEOUT,
        hour,
    )?;
    let rise = count(&args.rise, "-rise", DEFAULT_RISE)?;
    let fall = count(&args.fall, "-fall", DEFAULT_FALL)?;
    let leave = match &args.leave {
        Some(v) => parse_leave(v)?,
        None => Leave::Delete,
    };
    let resync = duration(&args.resync, "-resync", DEFAULT_RESYNC, DAY)?;

    let mut systemd = |name| match var(name) {
        Ok(v) => v,
        // systemd set it, not the user: no reason to stop the run.
        Err(_) => {
            warnings.push(format!("Warning: {name} is not valid UTF-8: ignoring it"));
            None
        }
    };
    let notify = systemd("NOTIFY_SOCKET");
    let usec = systemd("WATCHDOG_USEC");
    let pid = systemd("WATCHDOG_PID");
    let notify_socket = notify_socket(notify.as_deref()).unwrap_or_else(|w| {
        warnings.push(w);
        None
    });
    let watchdog =
        watchdog(usec.as_deref(), pid.as_deref(), std::process::id()).unwrap_or_else(|w| {
            warnings.push(w);
            None
        });
    Ok(Watch {
        check,
        every,
        probe_timeout,
        rise,
        fall,
        leave,
        resync,
        notify_socket,
        watchdog,
    })
}
