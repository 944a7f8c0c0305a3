//! Telling systemd how the run goes (sd_notify(3)): READY=1 once in place, STATUS=… lines for
//! `systemctl status`, STOPPING=1 when leaving, WATCHDOG=1 to show we are alive. One datagram
//! per message to NOTIFY_SOCKET, written here rather than taken from a crate: the protocol is
//! a single `sendto`.
//!
//! Notifying is a courtesy to the service manager, never part of the job: a send that fails
//! (systemd restarting, or gone during shutdown) is logged once and then ignored, and sends
//! never block.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::atomic::{AtomicBool, Ordering};

/// Where NOTIFY_SOCKET points.
#[derive(Debug, PartialEq)]
enum Target {
    Path(String),
    /// `@name`: a Linux abstract socket; the `@` stands for the leading NUL, not part of the name.
    Abstract(Vec<u8>),
}

/// The longest path a `sockaddr_un` holds, its NUL included.
const SUN_PATH: usize = 108;

/// Reads NOTIFY_SOCKET. systemd only ever sets an absolute path or `@name` (and, since v254,
/// `vsock:…` for virtual machines, which this does not speak).
fn parse(socket: &str) -> Result<Target, String> {
    if let Some(name) = socket.strip_prefix('@') {
        if name.is_empty() || name.len() >= SUN_PATH {
            return Err("an abstract socket name must be 1 to 107 bytes after the @".into());
        }
        return Ok(Target::Abstract(name.as_bytes().to_vec()));
    }
    if socket.starts_with("vsock:") {
        return Err("vsock sockets are not supported".into());
    }
    if !socket.starts_with('/') {
        return Err("neither an absolute path nor @name".into());
    }
    if socket.len() >= SUN_PATH || socket.contains('\0') {
        return Err("not a usable socket path (too long, or holds a NUL)".into());
    }
    Ok(Target::Path(socket.to_string()))
}

/// What is said to systemd.
#[derive(Clone, Copy, Debug)]
enum Message<'a> {
    Ready,
    Status(&'a str),
    Stopping,
    Watchdog,
}

/// systemd reads at most this many bytes of one message and drops a longer one whole
/// (NOTIFY_BUFFER_MAX, PIPE_BUF), so a long status is cut rather than lost.
const MESSAGE_MAX: usize = 4096;

/// The datagram's text. A status is one line: systemd reads each line as its own assignment, so
/// a newline in it would end the status early and start a bogus variable. It is scrubbed like
/// every line peekaboo writes, since `systemctl status` shows it to anyone.
fn text(message: Message) -> String {
    match message {
        Message::Ready => "READY=1".into(),
        Message::Stopping => "STOPPING=1".into(),
        Message::Watchdog => "WATCHDOG=1".into(),
        Message::Status(line) => {
            let line: String = crate::log::scrub(line)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let mut out = format!("STATUS={line}");
            if out.len() > MESSAGE_MAX {
                let mut end = MESSAGE_MAX;
                while !out.is_char_boundary(end) {
                    end -= 1;
                }
                out.truncate(end);
            }
            out
        }
    }
}

/// Sends sd_notify messages, or nothing when the service manager gave no NOTIFY_SOCKET.
#[derive(Debug)]
pub struct Notifier {
    /// None: not run by systemd (or not Type=notify); every send is a no-op.
    to: Option<Channel>,
}

#[derive(Debug)]
struct Channel {
    /// NOTIFY_SOCKET as given, for the warning.
    shown: String,
    /// The socket and its address, or why they cannot be had.
    link: Result<(UnixDatagram, SocketAddr), String>,
    /// Whether the one warning about failed sends has been given.
    warned: AtomicBool,
}

impl Notifier {
    /// None when `socket` is None: every send is then a no-op.
    pub fn new(socket: Option<&str>) -> Notifier {
        Notifier {
            to: socket.map(|s| Channel {
                shown: s.to_string(),
                link: connect(s),
                warned: AtomicBool::new(false),
            }),
        }
    }

    /// "READY=1": the node is where it should be and the watch has begun.
    pub fn ready(&self) {
        self.send(Message::Ready);
    }

    /// "STATUS=<line>", newlines (and other control characters) replaced by spaces.
    pub fn status(&self, line: &str) {
        self.send(Message::Status(line));
    }

    /// "STOPPING=1": the leave has begun.
    pub fn stopping(&self) {
        self.send(Message::Stopping);
    }

    /// "WATCHDOG=1": still alive, for WatchdogSec=.
    pub fn watchdog(&self) {
        self.send(Message::Watchdog);
    }

    fn send(&self, message: Message) {
        if let Some(warning) = self.try_send(message) {
            crate::log::warn(&warning);
        }
    }

    /// Sends `message`; returns the warning to log when this is the first send to fail.
    fn try_send(&self, message: Message) -> Option<String> {
        let to = self.to.as_ref()?;
        let result = match &to.link {
            Ok((sock, addr)) => {
                let bytes = text(message).into_bytes();
                match sock.send_to_addr(&bytes, addr) {
                    Ok(n) if n == bytes.len() => Ok(()),
                    Ok(n) => Err(format!("only {n} of {} bytes were sent", bytes.len())),
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(why) => Err(why.clone()),
        };
        let why = result.err()?;
        // Once is enough to see what is wrong; during shutdown systemd may be gone for good,
        // and a warning per watchdog ping would flood the log.
        (!to.warned.swap(true, Ordering::Relaxed)).then(|| {
            format!(
                "Cannot notify systemd through NOTIFY_SOCKET {}: {why}; further notifications that fail are not logged",
                to.shown
            )
        })
    }
}

/// An unbound datagram socket and the address to send to. Non-blocking: a service manager
/// that stops reading must not hold up a drain or a leave.
fn connect(socket: &str) -> Result<(UnixDatagram, SocketAddr), String> {
    let addr = match parse(socket)? {
        Target::Path(p) => SocketAddr::from_pathname(p),
        Target::Abstract(name) => SocketAddr::from_abstract_name(name),
    }
    .map_err(|e| e.to_string())?;
    let sock = UnixDatagram::unbound().map_err(|e| format!("cannot create a socket: {e}"))?;
    sock.set_nonblocking(true)
        .map_err(|e| format!("cannot make the socket non-blocking: {e}"))?;
    Ok((sock, addr))
}

#[cfg(test)]
mod tests;
