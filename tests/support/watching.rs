//! What the watch-mode tests share: an app on loopback whose health the test flips, and a
//! peekaboo -watch running beside the test, whose log lines the test waits for.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::fake::Fake;
use crate::support::{Out, finish, spawn};

/// Only so a broken build cannot hang the suite: no test waits anywhere near this long.
const HANG: Duration = Duration::from_secs(60);

/// An HTTP app on 127.0.0.1: `GET /health` answers 200 while healthy, 503 when not. Every
/// probe is counted, with the time it came.
pub struct App {
    pub port: u16,
    healthy: Arc<AtomicBool>,
    probes: Arc<Mutex<Vec<(Instant, bool)>>>,
}

impl App {
    pub fn start(healthy: bool) -> App {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = App {
            port,
            healthy: Arc::new(AtomicBool::new(healthy)),
            probes: Arc::new(Mutex::new(Vec::new())),
        };
        let (ok, probes) = (Arc::clone(&app.healthy), Arc::clone(&app.probes));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                // The load balancer's connections (from 127.0.0.2, see `lb_connection`) stay
                // open until the test closes its end, as a client's would.
                let from_loopback = conn
                    .peer_addr()
                    .is_ok_and(|a| a.ip().to_string() == "127.0.0.1");
                if !from_loopback {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut conn, &mut std::io::sink());
                    });
                    continue;
                }
                let mut head = [0u8; 1024];
                let _ = conn.read(&mut head);
                let healthy = ok.load(Ordering::SeqCst);
                probes.lock().unwrap().push((Instant::now(), healthy));
                let status = if healthy {
                    "200 OK"
                } else {
                    "503 Service Unavailable"
                };
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
            }
        });
        app
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/health", self.port)
    }

    pub fn set_healthy(&self, healthy: bool) {
        self.healthy.store(healthy, Ordering::SeqCst);
    }

    /// When each probe came and whether it passed, in order.
    pub fn probes(&self) -> Vec<(Instant, bool)> {
        self.probes.lock().unwrap().clone()
    }

    /// Waits until `n` more probes than now have been answered: the next verdict is in.
    pub fn wait_probes(&self, n: usize) {
        let start = self.probes().len();
        wait_until("probes", || self.probes().len() >= start + n);
    }
}

/// Waits until `done` says so, polling; panics naming `what` if that never comes.
pub fn wait_until(what: &str, done: impl Fn() -> bool) {
    let give_up = Instant::now() + HANG;
    while !done() {
        assert!(Instant::now() < give_up, "never came: {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A connection as the load balancer's would be: from 127.0.0.2 (the fake's ServiceNet source)
/// to the app. It lasts until the test drops it.
pub fn lb_connection(app: &App) -> std::net::TcpStream {
    use nix::sys::socket::{SockaddrIn, connect};
    let fd = crate::support::bound_socket("127.0.0.2");
    let dst: std::net::SocketAddrV4 = format!("127.0.0.1:{}", app.port).parse().unwrap();
    connect(std::os::fd::AsRawFd::as_raw_fd(&fd), &SockaddrIn::from(dst)).unwrap();
    std::net::TcpStream::from(fd)
}

/// peekaboo -watch on `app`, fast: probes every 10 ms, and whatever `extra` adds or
/// overrides (a flag given there replaces its default here).
pub fn watch_app(f: &Fake, app: &App, extra: &[&str], env: &[(&str, &str)]) -> Watching {
    let (port, url) = (app.port.to_string(), app.url());
    let flags = vec![
        "-watch",
        "-health",
        &url,
        "-ip",
        "127.0.0.1",
        "-port",
        &port,
    ];
    let flags = fast(flags, &[("-rise", "2"), ("-fall", "2")], extra);
    Watching::start(f, &flags, env)
}

/// `flags`, the timing that keeps a test quick (probes every 10 ms, a change given 10 s) and
/// `defaults`, then `extra`: a flag given in `extra` replaces its default.
pub fn fast<'a>(
    mut flags: Vec<&'a str>,
    defaults: &[(&'a str, &'a str)],
    extra: &[&'a str],
) -> Vec<&'a str> {
    let quick = [
        ("-health-interval", "10ms"),
        ("-health-timeout", "1s"),
        ("-interval", "50ms"),
        ("-resync", "1h"),
        ("-timeout", "10s"),
    ];
    for (flag, value) in quick.iter().chain(defaults) {
        if !extra.contains(flag) {
            flags.extend([*flag, *value]);
        }
    }
    flags.extend(extra);
    flags
}

/// A peekaboo -watch started by the test.
pub struct Watching {
    child: Child,
    lines: Arc<(Mutex<Vec<String>>, Condvar)>,
    /// Lines already looked at by `wait_line`: each wait starts after the last match.
    seen: AtomicUsize,
    stdout: Option<std::thread::JoinHandle<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Watching {
    pub fn start(fake: &Fake, flags: &[&str], env: &[(&str, &str)]) -> Watching {
        let (mut child, stdout) = spawn(fake, flags, env);
        let lines = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let (into, stderr) = (Arc::clone(&lines), child.stderr.take().unwrap());
        let reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            loop {
                let mut line = String::new();
                let n = r.read_line(&mut line).unwrap_or(0);
                let (lock, cv) = &*into;
                if n == 0 {
                    // The end, as a line no log line can be.
                    lock.lock().unwrap().push("\0".into());
                    cv.notify_all();
                    return;
                }
                lock.lock().unwrap().push(line);
                cv.notify_all();
            }
        });
        Watching {
            child,
            lines,
            seen: AtomicUsize::new(0),
            stdout: Some(stdout),
            reader: Some(reader),
        }
    }

    /// Waits for the next log line containing `needle` and returns it; panics with the whole
    /// log if peekaboo ends first.
    pub fn wait_line(&self, needle: &str) -> String {
        self.wait_for(&[needle])
    }

    /// Waits until every one of `needles` has shown in a line after the last wait, in any
    /// order (the lines of several children interleave as they like); the next wait starts
    /// after the last of them. Panics with the whole log if peekaboo ends first.
    pub fn wait_lines(&self, needles: &[&str]) {
        self.wait_for(needles);
    }

    /// `wait_lines`, returning the last of the lines found.
    fn wait_for(&self, needles: &[&str]) -> String {
        let (lock, cv) = &*self.lines;
        let give_up = Instant::now() + HANG;
        let mut lines = lock.lock().unwrap();
        loop {
            let from = self.seen.load(Ordering::SeqCst);
            let found: Option<Vec<usize>> = needles
                .iter()
                .map(|n| lines[from..].iter().position(|l| l.contains(n)))
                .collect();
            if let Some(last) = found.and_then(|at| at.into_iter().max()) {
                self.seen.store(from + last + 1, Ordering::SeqCst);
                return lines[from + last].clone();
            }
            let ended = lines.last().is_some_and(|l| l == "\0");
            if ended || Instant::now() >= give_up {
                let log = lines.concat();
                // Unlocked first, so the reader thread is not poisoned by this panic.
                drop(lines);
                panic!("no line with each of {needles:?}:\n{log}");
            }
            lines = cv.wait_timeout(lines, Duration::from_millis(50)).unwrap().0;
        }
    }

    /// The log so far.
    pub fn log(&self) -> String {
        self.lines.0.lock().unwrap().concat()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, signal).unwrap();
    }

    /// `wait_read` for this peekaboo.
    pub fn wait_read(&self, signal: nix::sys::signal::Signal) {
        wait_read(self.child.id(), signal);
    }

    /// Waits for peekaboo to exit (killing it if it hangs) and returns what it printed.
    pub fn finish(mut self) -> Out {
        let give_up = Instant::now() + HANG;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > give_up {
                let _ = self.child.kill();
                break self.child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        self.reader.take().unwrap().join().unwrap();
        let stdout = self.stdout.take().unwrap().join().unwrap();
        let stderr = self.log().replace('\0', "");
        finish(std::process::Output {
            status,
            stdout,
            stderr: stderr.into_bytes(),
        })
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        // A failed test must not leave a watcher running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until process `pid` (a peekaboo) has read `signal` from its signalfd (a blocked
/// signal stays in the pending sets of /proc/PID/status until then), or has ended. For a
/// signal that says nothing in the log.
pub fn wait_read(pid: u32, signal: nix::sys::signal::Signal) {
    let bit = 1u64 << (signal as i32 - 1);
    let status = format!("/proc/{pid}/status");
    wait_until("the signal read", || {
        let text = std::fs::read_to_string(&status).unwrap_or_default();
        let ended = text
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z'));
        ended
            || !text.lines().any(|l| {
                let pending = l
                    .strip_prefix("ShdPnd:")
                    .or_else(|| l.strip_prefix("SigPnd:"));
                pending.is_some_and(|v| u64::from_str_radix(v.trim(), 16).unwrap_or(0) & bit != 0)
            })
    });
}
