//! SIGTERM and SIGINT as a request to stop, seen by every wait.
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
//!   first act. peekaboo execs nothing; a child would inherit the mask and must reset it.
//!
//! The first signal is remembered: once asked to stop, every later wait ends at once.
//! (A watch mode that counts a second SIGTERM, or takes SIGUSR1/2, adds them to `WATCHED`.)

use std::os::fd::AsFd;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, Signal as Sig};
use nix::sys::signalfd::{SfdFlags, SignalFd};

/// A signal that asks the run to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Term,
    Int,
}

const WATCHED: [Signal; 2] = [Signal::Term, Signal::Int];

impl Signal {
    fn sig(self) -> Sig {
        match self {
            Signal::Term => Sig::SIGTERM,
            Signal::Int => Sig::SIGINT,
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
/// The first signal read, as its number (0: none yet).
static STOPPED: AtomicI32 = AtomicI32::new(0);

/// Blocks SIGTERM and SIGINT and opens the signalfd that receives them. Call once, before
/// any thread starts. On failure nothing is blocked: the signals keep their default action
/// (they end the process at once, unlogged) and the waits are plain sleeps.
pub fn install() -> Result<(), String> {
    let mut mask = SigSet::empty();
    for s in WATCHED {
        mask.add(s.sig());
    }
    let fd = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
        .map_err(|e| format!("cannot open a signalfd: {e}"))?;
    mask.thread_block()
        .map_err(|e| format!("cannot block SIGTERM and SIGINT: {e}"))?;
    let _ = FD.set(fd);
    Ok(())
}

/// The signal that asked the run to stop, if one did; never waits.
pub fn pending() -> Option<Signal> {
    if let Some(s) = Signal::from_number(STOPPED.load(Ordering::Relaxed)) {
        return Some(s);
    }
    let fd = FD.get()?;
    // Only watched signals are in the mask, so anything read is one of them.
    while let Ok(Some(info)) = fd.read_signal() {
        if let Some(s) = Signal::from_number(info.ssi_signo as i32) {
            let _ = STOPPED.compare_exchange(
                0,
                i32::from(s.number()),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
            return Signal::from_number(STOPPED.load(Ordering::Relaxed));
        }
    }
    None
}

/// Waits for `d`, or until SIGTERM or SIGINT arrives (or arrived before), whichever is first.
pub fn sleep(d: Duration) -> Result<(), Signal> {
    let end = Instant::now().checked_add(d);
    loop {
        if let Some(s) = pending() {
            return Err(s);
        }
        let left = end.map_or(Duration::MAX, |e| {
            e.saturating_duration_since(Instant::now())
        });
        if left.is_zero() {
            return Ok(());
        }
        let Some(fd) = FD.get() else {
            std::thread::sleep(left);
            return Ok(());
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
        assert_eq!(Signal::from_number(15), Some(Signal::Term));
        assert_eq!(Signal::from_number(2), Some(Signal::Int));
        assert_eq!(Signal::from_number(10), None);
        assert_eq!(Signal::from_number(0), None);
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
