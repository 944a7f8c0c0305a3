//! The mode of a run: what it changes the node to, whether it waits, and the flags that only
//! a wait for the drain has use for.

use std::time::Duration;

use super::DAY;
use super::DEFAULT_DRAIN_TIMEOUT;
use super::watch::watch_flags;
use crate::cli::args::Args;
use crate::cli::env::{parse_duration_flag, parse_nets};
use crate::core::model::{Condition, Want};
use crate::engine::Mode;
use crate::error::Error;
use crate::host::addr::Net;
use crate::time::{format_duration, parse_duration};

/// -drain-from, which only a drain wait reads.
pub(super) fn drain_from(v: &str, mode: &Mode, drain_timeout: Duration) -> Result<Vec<Net>, Error> {
    if !drain_waits(mode) {
        return Err(Error::Usage(
            "-drain-from only applies with -wait and -drain, -disable or -delete, or with -watch: add -wait, or drop it".into(),
        ));
    }
    if drain_timeout.is_zero() {
        return Err(Error::Usage(
            "-drain-from has no use with -drain-timeout 0, which skips the drain wait: drop one of them".into(),
        ));
    }
    parse_nets(v)
}

/// The state asked for: -delete wins over -disable, -disable over -drain, as it always has.
pub(super) fn want(args: &Args, notes: &mut Vec<String>) -> Want {
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
pub(super) fn mode(args: &Args, want: Want) -> Result<Mode, Error> {
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
            (args.name.is_some(), "-name"),
        ];
        if let Some((_, flag)) = changes.iter().find(|c| c.0) {
            return Err(Error::Usage(format!(
                "-status only reads: drop {flag}, or drop -status to make the change"
            )));
        }
        return Ok(Mode::Status);
    }
    if want == Want::Absent && args.name.is_some() {
        return Err(Error::Usage(
            "-name names a node that stays: drop it with -delete".into(),
        ));
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

/// Whether the run may wait for a drain: a -wait that leaves, or a -watch.
pub(super) fn drain_waits(mode: &Mode) -> bool {
    matches!(mode, Mode::Watch(_) | Mode::Docker)
        || matches!(
            mode,
            Mode::Apply { want, wait: true } if *want != Want::Present(Condition::Enabled)
        )
}

/// -drain-timeout, which only a -wait that leaves, or a -watch, has use for.
pub(super) fn drain_timeout(
    args: &Args,
    mode: &Mode,
    timeout: Duration,
) -> Result<Duration, Error> {
    let watch = matches!(mode, Mode::Watch(_) | Mode::Docker);
    let leaving_with_wait = drain_waits(mode);
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
