//! SIGTERM, SIGINT and SIGHUP as a request to stop, seen by every wait.
//!
//! The signals are blocked and read from a signalfd, rather than caught by a handler that
//! writes to a self-pipe:
//! - No handler ever runs, so no system call is interrupted: a blocking HTTP request that a
//!   signal arrives during finishes (EINTR would end a socket read that has a timeout even
//!   with SA_RESTART, and turn an accepted change into a "failed" one), and the signal stays
//!   queued until the next wait reads it. Nothing is lost and nothing is half-sent.
//! - As PID 1 (a scratch container), the kernel drops a signal whose action is the default,
//!   but never a blocked one: it is queued, so the signalfd sees it there too.
//! - Threads inherit the mask, so `install` must run before any thread starts, as `main`'s
//!   first act. The `-docker` agent's children inherit the mask, which is what they block
//!   too: a signal sent before a child opens its own signalfd waits for it there.
//!
//! The first stop signal is remembered: once asked to stop, every later wait ends at once,
//! unless the caller lets some through (`let_through`): watch mode's leave is not stopped by
//! the signal that started it, and only a second one cuts its drain short.
//! SIGHUP ends a wait as SIGTERM does, and a one-shot run treats it so (exit 129): told to
//! hang up, it ends at its next wait as cleanly. Watch mode reads it as "detach" rather than
//! "leave" when it is the first of the three (`first`); once a leave lets stop signals
//! through, a SIGHUP ends no wait and does not count as the second signal.
//! SIGUSR1 and SIGUSR2 hold and release the node in watch mode; a one-shot run ignores them.
//! Each one read is kept, in order, until watch mode takes it (`take_holds`), so a repeated
//! one is seen too, not only a change of the hold.
//!
//! Standard signals do not queue: two SIGTERMs sent before the first is read count as one.
//! Every wait reads them at once, so only two within one blocking request can merge; the
//! `-docker` agent sends SIGINT for the second so that its two never do.
//!
//! A watch the `-docker` agent started takes signals from the agent alone (`only_from`):
//! systemd's stop of the whole unit, or a Ctrl-C to the terminal's group, must reach the
//! agent, which decides for each container, not every watch at once.

use std::cell::RefCell;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, Signal as Sig};
use nix::sys::signalfd::{SfdFlags, SignalFd};

/// A signal that asks the run to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Term,
    Int,
    Hup,
}

const WATCHED: [Signal; 3] = [Signal::Term, Signal::Int, Signal::Hup];
/// Watch mode's maintenance hold (SIGUSR1) and its release (SIGUSR2).
const HOLD: Sig = Sig::SIGUSR1;
const RELEASE: Sig = Sig::SIGUSR2;

impl Signal {
    fn sig(self) -> Sig {
        match self {
            Signal::Term => Sig::SIGTERM,
            Signal::Int => Sig::SIGINT,
            Signal::Hup => Sig::SIGHUP,
        }
    }

    /// "SIGTERM", as kill(1) and the logs name it.
    pub fn name(self) -> &'static str {
        self.sig().as_str()
    }

    /// Exiting with 128 plus this, as a shell reports a process the signal ended, rather
    /// than re-raising it, also works as PID 1, where a re-raised signal would be ignored.
    pub fn number(self) -> u8 {
        self.sig() as u8
    }

    fn from_number(n: i32) -> Option<Signal> {
        WATCHED.into_iter().find(|s| i32::from(s.number()) == n)
    }
}

static FD: OnceLock<SignalFd> = OnceLock::new();
/// The first stop signal read, SIGHUP included, as its number (0: none yet).
static STOPPED: AtomicI32 = AtomicI32::new(0);
/// The last SIGTERM or SIGINT read, as its number (0: none yet).
static LAST: AtomicI32 = AtomicI32::new(0);
/// SIGTERMs and SIGINTs read so far (a SIGHUP is never a leave's second signal).
static STOPS: AtomicU32 = AtomicU32::new(0);
/// The only process whose signals count (0: any).
static ONLY_FROM: AtomicU32 = AtomicU32::new(0);
/// How many stop signals the waits let pass before they end.
static LET_THROUGH: AtomicU32 = AtomicU32::new(0);
/// SIGUSR1 (true) and SIGUSR2 (false) as read, oldest first, until `take_holds` takes them.
static HOLDS: Mutex<Vec<bool>> = Mutex::new(Vec::new());

/// Blocks SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 and opens the signalfd that receives
/// them.
/// Call once, before any thread starts. On failure nothing is blocked: the signals keep their
/// default action (they end the process at once, unlogged) and the waits are plain sleeps.
pub fn install() -> Result<(), String> {
    let mut mask = SigSet::empty();
    for s in WATCHED {
        mask.add(s.sig());
    }
    mask.add(HOLD);
    mask.add(RELEASE);
    let fd = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
        .map_err(|e| format!("cannot open a signalfd: {e}"))?;
    mask.thread_block()
        .map_err(|e| format!("cannot block SIGTERM, SIGINT and SIGHUP: {e}"))?;
    let _ = FD.set(fd);
    Ok(())
}

/// Reads every signal that has arrived, in order.
fn read_all() {
    let Some(fd) = FD.get() else { return };
    while let Ok(Some(info)) = fd.read_signal() {
        let n = info.ssi_signo as i32;
        let only = ONLY_FROM.load(Ordering::Relaxed);
        // The kernel's own (pid 0: the parent's death signal) always counts.
        if only != 0 && info.ssi_pid != only && info.ssi_pid != 0 {
            continue;
        }
        if let Some(s) = Signal::from_number(n) {
            let _ = STOPPED.compare_exchange(
                0,
                i32::from(s.number()),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
            if s != Signal::Hup {
                STOPS.fetch_add(1, Ordering::Relaxed);
                LAST.store(n, Ordering::Relaxed);
            }
        } else if n == HOLD as i32 || n == RELEASE as i32 {
            holds().push(n == HOLD as i32);
        }
    }
}

/// The signal that asked the run to stop, if one did and more arrived than are let through;
/// never waits.
pub fn pending() -> Option<Signal> {
    read_all();
    ending(
        Signal::from_number(STOPPED.load(Ordering::Relaxed)),
        STOPS.load(Ordering::Relaxed),
        LET_THROUGH.load(Ordering::Relaxed),
    )
}

/// Whether the waits end, given the first stop signal, the SIGTERMs and SIGINTs read and how
/// many are let through: a SIGHUP that came first ends them only while none are, since what
/// lets signals through is a leave under way, which a hang-up does not stop.
fn ending(first: Option<Signal>, stops: u32, let_through: u32) -> Option<Signal> {
    match first? {
        Signal::Hup => (let_through == 0).then_some(Signal::Hup),
        s => (stops > let_through).then_some(s),
    }
}

/// The first stop signal, SIGHUP included, whether or not it is let through; never waits.
pub fn first() -> Option<Signal> {
    read_all();
    Signal::from_number(STOPPED.load(Ordering::Relaxed))
}

/// The last SIGTERM or SIGINT read: the one that ended a wait a leave let the first through.
pub fn last() -> Option<Signal> {
    read_all();
    Signal::from_number(LAST.load(Ordering::Relaxed))
}

/// From now on waits end only once more than `n` SIGTERMs and SIGINTs have arrived; a SIGHUP
/// ends none.
pub fn let_through(n: u32) {
    LET_THROUGH.store(n, Ordering::Relaxed);
}

thread_local! {
    /// A call every wait makes at least this often: watch mode's systemd watchdog, kept fed
    /// through a long change or drain as well as between probes.
    static BEAT: RefCell<Option<Beat>> = const { RefCell::new(None) };
}

struct Beat {
    every: Duration,
    next: Instant,
    call: Box<dyn Fn()>,
}

/// Makes `call` now, and from inside every wait from now on whenever `every` has passed.
pub fn beat_every(every: Duration, call: Box<dyn Fn()>) {
    call();
    let next = Instant::now() + every;
    BEAT.with(|b| *b.borrow_mut() = Some(Beat { every, next, call }));
}

/// From now on only signals that process `pid` sends count; others are read and dropped.
pub fn only_from(pid: u32) {
    ONLY_FROM.store(pid, Ordering::Relaxed);
}

/// The signalfd, for a caller that waits on other fds beside it (Docker mode's agent); once
/// it is readable, `pending` says what came.
pub fn fd() -> Option<BorrowedFd<'static>> {
    FD.get().map(|f| f.as_fd())
}

/// Makes the beat's call if it is due; when the next one is due.
pub fn beat() -> Option<Instant> {
    BEAT.with(|b| {
        let mut b = b.borrow_mut();
        let beat = b.as_mut()?;
        let now = Instant::now();
        if now >= beat.next {
            (beat.call)();
            beat.next = now + beat.every;
        }
        Some(beat.next)
    })
}

/// The hold signals read and not taken yet. The lock is held only to push or take, so a
/// poisoned one still guards a whole list.
fn holds() -> std::sync::MutexGuard<'static, Vec<bool>> {
    HOLDS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every SIGUSR1 (true) and SIGUSR2 (false) read since the last call, oldest first.
pub fn take_holds() -> Vec<bool> {
    read_all();
    std::mem::take(&mut *holds())
}

/// Waits for `d`, or until a stop signal arrives (or arrived before), whichever is first.
pub fn sleep(d: Duration) -> Result<(), Signal> {
    nap(d, false)
}

/// As `sleep`, and, with `wake_on_hold`, ends early with `Ok` once a SIGUSR1 or SIGUSR2
/// waits to be taken.
pub fn nap(d: Duration, wake_on_hold: bool) -> Result<(), Signal> {
    let end = Instant::now().checked_add(d);
    loop {
        if let Some(s) = pending() {
            return Err(s);
        }
        if wake_on_hold && !holds().is_empty() {
            return Ok(());
        }
        let next_beat = beat();
        let now = Instant::now();
        let left = end.map_or(Duration::MAX, |e| e.saturating_duration_since(now));
        if left.is_zero() {
            return Ok(());
        }
        let left = next_beat.map_or(left, |b| left.min(b.saturating_duration_since(now)));
        let Some(fd) = FD.get() else {
            std::thread::sleep(left);
            continue;
        };
        // A readable fd, a timeout or EINTR (from a stop and continue): all go round again.
        let _ = poll(
            &mut [PollFd::new(fd.as_fd(), PollFlags::POLLIN)],
            poll_timeout(left),
        );
    }
}

/// `left` in whole milliseconds, rounded up so a wait never spins on a zero timeout, and
/// capped at what poll takes (the loop goes round again for the rest).
fn poll_timeout(left: Duration) -> PollTimeout {
    let ms = left.as_nanos().div_ceil(1_000_000);
    PollTimeout::try_from(ms.min(i32::MAX as u128)).unwrap_or(PollTimeout::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_exit_codes() {
        assert_eq!(Signal::Term.name(), "SIGTERM");
        assert_eq!(Signal::Int.name(), "SIGINT");
        assert_eq!(Signal::Term.number(), 15);
        assert_eq!(Signal::Int.number(), 2);
        assert_eq!(Signal::Hup.name(), "SIGHUP");
        assert_eq!(Signal::Hup.number(), 1);
        assert_eq!(Signal::from_number(15), Some(Signal::Term));
        assert_eq!(Signal::from_number(2), Some(Signal::Int));
        assert_eq!(Signal::from_number(1), Some(Signal::Hup));
        assert_eq!(Signal::from_number(10), None);
        assert_eq!(Signal::from_number(0), None);
    }

    #[test]
    fn a_sighup_ends_waits_only_when_first_and_outside_a_leave() {
        use Signal::*;
        let table = [
            // (first, SIGTERMs and SIGINTs read, let through, what ends the waits)
            (None, 0, 0, None),
            (Some(Term), 1, 0, Some(Term)),
            (Some(Int), 1, 0, Some(Int)),
            (Some(Hup), 0, 0, Some(Hup)),
            // A SIGTERM after a SIGHUP: the SIGHUP came first, so it is what ended them.
            (Some(Hup), 1, 0, Some(Hup)),
            // A leave: only a second SIGTERM or SIGINT ends its drain, never a SIGHUP.
            (Some(Term), 1, 1, None),
            (Some(Term), 2, 1, Some(Term)),
            (Some(Term), 1, u32::MAX, None),
            (Some(Hup), 0, 1, None),
        ];
        for (first, stops, through, want) in table {
            assert_eq!(
                ending(first, stops, through),
                want,
                "{first:?} {stops} {through}"
            );
        }
    }

    #[test]
    fn poll_timeouts_round_up_and_cap() {
        let ms = |d: Duration| i32::from(poll_timeout(d));
        assert_eq!(ms(Duration::from_nanos(1)), 1);
        assert_eq!(ms(Duration::from_millis(250)), 250);
        assert_eq!(ms(Duration::from_micros(1500)), 2);
        assert_eq!(ms(Duration::MAX), i32::MAX);
    }
}
