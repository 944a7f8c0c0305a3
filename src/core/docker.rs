//! Docker mode's decisions, apart from the doing: one process per labelled container (a
//! `peekaboo -watch` child does its load balancer work), and, for each thing that happens to
//! the container or its child, what the agent does to the child next. Pure: the agent reads
//! the engine's events and its children, and asks `next`.

/// Where the agent stands with one container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No child: not running, or left out (its labels are wrong).
    Idle,
    /// A child follows it.
    Watching,
    /// Its app crashed: the child holds the member drained (the same member, kept).
    Held,
    /// `docker stop`: the child leaves (drain at once, wait for the connections, delete).
    Stopping,
    /// Started again after a crash: the held child detaches, and a fresh one follows it.
    Renewing,
    /// Removed: the child leaves, and the container is forgotten once it has.
    Removing,
    /// Removed while its child was on its way out, leaving the member: delete it after.
    ThenDelete,
    /// Removed while its member was kept (held, or left disabled): a one-shot delete runs.
    Deleting,
}

/// What happened, in the agent's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Happened {
    /// It runs (a `start` event, or a listing that finds it running).
    Started,
    /// Killed with its own stop signal: `docker stop` began, the app is still up.
    StopKill,
    /// Its process ended.
    Died,
    /// Removed (`docker rm`, `rm -f`).
    Destroyed,
    /// The child exited; `ok`: with 0.
    ChildExited { ok: bool },
}

/// What the agent does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Do {
    /// Start a `-watch` child for it.
    Spawn,
    /// SIGTERM the child: leave (drain, wait, delete or disable).
    Leave,
    /// SIGINT the child, leaving already: its second stop signal, which cuts the drain. Not a
    /// second SIGTERM, which would merge with the first if both came before the child read
    /// either.
    Hurry,
    /// SIGUSR1 the child: hold the member drained.
    Hold,
    /// SIGHUP the child: exit, leaving the member as it is.
    Detach,
    /// Run a one-shot `-delete` for its member.
    Delete,
    /// Forget the container.
    Forget,
}

/// The next phase and what to do, after `what` in `phase`. `keeps_member`: the agent's leave
/// ends with the member kept (`-leave disable`), so a removal after it still deletes it.
pub fn next(phase: Phase, what: Happened, keeps_member: bool) -> (Phase, &'static [Do]) {
    use Do::*;
    use Happened::*;
    use Phase::*;
    match (phase, what) {
        (Idle, Started) => (Watching, &[Spawn]),
        // A stop's leave, then a start (`docker restart`): follow it afresh once it has left.
        (Stopping, Started) => (Renewing, &[]),
        (Held, Started) => (Renewing, &[Detach]),
        (Watching | Renewing | Removing | ThenDelete | Deleting, Started) => (phase, &[]),

        (Watching | Held, StopKill) => (Stopping, &[Leave]),
        (_, StopKill) => (phase, &[]),

        // The container has died: the drain waits no longer for it.
        (Stopping, Died) => (Stopping, &[Hurry]),
        (Watching, Died) => (Held, &[Hold]),
        (_, Died) => (phase, &[]),

        // A member the leave keeps (disabled) is deleted once the leave is done.
        // Gone, its app with it: nothing is left to drain for.
        (Watching | Held, Destroyed) if keeps_member => (ThenDelete, &[Leave, Hurry]),
        (Watching | Held, Destroyed) => (Removing, &[Leave, Hurry]),
        (Stopping, Destroyed) if keeps_member => (ThenDelete, &[Hurry]),
        (Stopping, Destroyed) => (Removing, &[Hurry]),
        (Renewing, Destroyed) => (ThenDelete, &[]),
        (Idle, Destroyed) if keeps_member => (Deleting, &[Delete]),
        (Idle, Destroyed) => (Idle, &[Forget]),
        (Removing | ThenDelete | Deleting, Destroyed) => (phase, &[]),

        (Renewing, ChildExited { .. }) => (Watching, &[Spawn]),
        (ThenDelete, ChildExited { .. }) => (Deleting, &[Delete]),
        (Removing | Deleting, ChildExited { .. }) => (Idle, &[Forget]),
        (Watching | Held | Stopping | Idle, ChildExited { .. }) => (Idle, &[]),
    }
}

/// A labelled container as a listing finds it, for the catch-up at the agent's start and
/// after the engine came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    Running,
    /// Restarting after a crash (its restart policy is at work).
    Restarting,
    /// Exited or dead: stopped, or crashed with no restart to come.
    Down,
    /// Created, paused, being removed: nothing to do yet.
    Other,
}

/// What a listing means for a container in `phase`: `Some(found)` when it is listed, `None`
/// when it is not (removed). `at_start`: the agent's own start, when a container found down
/// was stopped while no agent watched, and its member is caught up (deleted).
pub fn catch_up(phase: Phase, found: Option<Found>, at_start: bool) -> (Phase, &'static [Do]) {
    use Do::*;
    use Phase::*;
    match (phase, found) {
        (Idle, Some(Found::Running)) => (Watching, &[Spawn]),
        (Idle, Some(Found::Restarting)) => (Held, &[Spawn, Hold]),
        (Idle, Some(Found::Down)) if at_start => (Deleting, &[Delete]),
        // Stopped while the engine could not say so: as a stop, without the drain to wait.
        (Watching | Held, Some(Found::Down)) => (Stopping, &[Leave, Hurry]),
        (Watching | Held, None) => (Removing, &[Leave, Hurry]),
        (Idle, None) => (Idle, &[Forget]),
        _ => (phase, &[]),
    }
}

#[cfg(test)]
mod tests;
