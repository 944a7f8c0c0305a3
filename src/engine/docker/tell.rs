//! What the agent says of each container: one line per thing that happened to it, naming it
//! (`web-1 (3f2a9c1b)`). Its child says the rest, in lines that name it too.

use crate::core::docker::{Happened, Phase};
use crate::docker::Action;
use crate::engine::Plan;
use crate::engine::docker::child::Followed;
use crate::log;

/// The line for `what` happening to `f`, which was in phase `before`.
pub(super) fn happened(f: &Followed, before: Phase, what: Happened, action: &Action) {
    let who = f.shown();
    let line = match (what, before, f.phase) {
        (Happened::StopKill, _, Phase::Stopping) => {
            format!("{who}: docker stop: draining its node at once, then leaving")
        }
        (Happened::Died, Phase::Stopping, _) => {
            format!("{who}: it has exited: no more waiting for its connections")
        }
        (Happened::Died, _, Phase::Held) => {
            let code = match action {
                Action::Die { exit_code } => format!(" (exit {exit_code})"),
                _ => String::new(),
            };
            format!(
                "{who}: it died without being stopped{code}: its node is held DRAINING until it runs again or is removed"
            )
        }
        (Happened::Started, Phase::Held | Phase::Stopping, Phase::Renewing) => {
            format!("{who}: it runs again: following it afresh once its node is let go")
        }
        (Happened::Destroyed, _, Phase::Removing | Phase::ThenDelete | Phase::Deleting) => {
            format!("{who}: removed: deleting its node")
        }
        _ => return,
    };
    log::log(&line);
}

/// The line for its child having exited.
pub(super) fn child_exited(f: &Followed, before: Phase, ok: bool) {
    let who = f.shown();
    match (before, ok) {
        (Phase::Watching | Phase::Held, false) => log::error(&format!(
            "Error: {who}: its watch ended (the line above says why); it is left out until it starts again"
        )),
        (Phase::Stopping | Phase::Removing | Phase::Deleting, false) => log::error(&format!(
            "Error: {who}: its node could not be taken out (the line above says why)"
        )),
        _ => {}
    }
}

/// The line for a child started for it: a watch that follows it, or a one-shot delete.
pub(super) fn following(f: &Followed, plan: &Plan, deleting: bool) {
    let what = if deleting {
        "deleting its node".to_string()
    } else {
        format!("following it, health {}", plan.health)
    };
    log::log(&format!(
        "{}: {what} (load balancer {}, port {})",
        f.shown(),
        plan.lb,
        plan.port
    ));
}

/// The line for what a listing found that no event said.
pub(super) fn caught_up(f: &Followed, before: Phase) {
    let why = match (before, f.phase) {
        (Phase::Idle, Phase::Deleting) => "it stopped while no agent watched",
        (Phase::Watching | Phase::Held, Phase::Stopping) => {
            "it stopped while the engine did not answer: taking its node out"
        }
        (Phase::Watching | Phase::Held, Phase::Removing) => {
            "it was removed while the engine did not answer: taking its node out"
        }
        _ => return,
    };
    log::log(&format!("{}: {why}", f.shown()));
}
