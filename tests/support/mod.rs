//! What the integration tests share: running the real binary against a fake with a hermetic
//! environment, and checking on every run that no secret reaches the output.

pub mod proxy;
pub mod tls_front;
pub mod watching;

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::process::{Command, Output, Stdio};

use crate::fake::{Config, Fake};

pub const LB: u64 = 1;
pub const ADDR: &str = "10.1.2.3";
pub const PORT: u16 = 8080;

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// peekaboo with a clean environment pointing at `fake`: load balancer 1 in DFW, APP_PORT
/// 8080 and address 10.1.2.3. `env` overrides these ("<unset>" removes one).
pub fn peekaboo(fake: &Fake, flags: &[&str], env: &[(&str, &str)]) -> Out {
    finish(command(fake, flags, env).output().expect("run peekaboo"))
}

/// As `peekaboo`, with each line of stderr handed to `on_line` as it comes: a test that must
/// act once the run has got somewhere waits for the line that says so, not for a while.
pub fn peekaboo_watching(
    fake: &Fake,
    flags: &[&str],
    env: &[(&str, &str)],
    mut on_line: impl FnMut(&str),
) -> Out {
    let (mut child, stdout) = spawn(fake, flags, env);
    let mut stderr = Vec::new();
    let mut lines = BufReader::new(child.stderr.take().expect("piped stderr"));
    loop {
        let mut line = Vec::new();
        match lines.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => on_line(&String::from_utf8_lossy(&line)),
        }
        stderr.extend(line);
    }
    let status = child.wait().expect("wait for peekaboo");
    let stdout = stdout.join().expect("stdout reader");
    finish(Output {
        status,
        stdout,
        stderr,
    })
}

/// peekaboo started with its stdout read beside it (so a run writing on stdout never blocks
/// on a full pipe) and its stderr left to the caller.
fn spawn(
    fake: &Fake,
    flags: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Child, std::thread::JoinHandle<Vec<u8>>) {
    let mut child = command(fake, flags, env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run peekaboo");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let stdout = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    (child, stdout)
}

fn command(fake: &Fake, flags: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peekaboo"));
    cmd.env_clear()
        .envs(fake.env(LB, "DFW"))
        .env("APP_PORT", PORT.to_string())
        .env("RAX_SERVICENET_IPV4", ADDR)
        .args(flags);
    for (k, v) in env {
        match *v {
            "<unset>" => cmd.env_remove(k),
            v => cmd.env(k, v),
        };
    }
    cmd
}

fn finish(out: Output) -> Out {
    let o = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_no_secret(&o.stderr);
    assert_no_secret(&o.stdout);
    o
}

/// Every datagram `socket` receives (a systemd notify socket's), as text, until the test ends.
pub fn datagrams(
    socket: std::os::unix::net::UnixDatagram,
) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let into = std::sync::Arc::clone(&got);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = socket.recv(&mut buf) {
            into.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    });
    got
}

/// -json's output: one JSON object per line.
pub fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Neither the API key, the password nor any token the fake issued appears in `text`, and
/// nothing panicked.
pub fn assert_no_secret(text: &str) {
    let cfg = Config::default();
    let k = &cfg.keystone;
    for secret in [
        cfg.api_key.as_str(),
        cfg.password.as_str(),
        "tok-",
        "gAAAAA",
        k.password.as_str(),
        k.app_cred_secret.as_str(),
        k.flex_api_key.as_str(),
        k.flex_password.as_str(),
    ] {
        assert!(!text.contains(secret), "a secret leaked:\n{text}");
    }
    assert!(!text.contains("panicked"), "{text}");
}

/// Every request as "METHOD path" relative to the identity or CLB root.
pub fn calls(fake: &Fake) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| {
            let path = match r.path.find("/v1.0/123456") {
                Some(i) => &r.path[i + "/v1.0/123456".len()..],
                None => r.path.trim_start_matches("/v2.0"),
            };
            format!("{} {path}", r.method)
        })
        .collect()
}

/// A run whose load balancer endpoint refuses connections on 127.0.0.1:`port` retries naming
/// that host and port, and only its first retry says how the catalog chose it (`how`).
pub fn the_refusing_endpoint_is_explained_once(out: &Out, port: u16, how: &str) {
    let refused = format!("127.0.0.1:{port} refused the connection");
    let retries: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains(&refused) && l.contains("trying again"))
        .collect();
    assert!(retries.len() > 1, "{}", out.stderr);
    assert!(
        retries[0].contains(&format!(
            "Reading the load balancer failed: {refused}: nothing listens there, or a firewall rejects it {how}; trying again in"
        )),
        "{}",
        out.stderr
    );
    assert!(
        retries[1..].iter().all(|l| !l.contains(how)),
        "{}",
        out.stderr
    );
}

/// The one `Error:` line, after checking there is exactly one.
pub fn error_line(out: &Out) -> &str {
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("Error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    errors[0]
}

// ---- sockets ------------------------------------------------------------------------------

/// A port on 127.0.0.1 where nothing listens yet, held for the test: bound but not listening,
/// so a connection is refused, and no other test can take the port meanwhile (a port bound
/// and dropped may be handed to the next `bind(0)` of a test running beside it).
/// `start_app` makes it listen later, on the same socket.
pub fn closed_port() -> (OwnedFd, u16) {
    use nix::sys::socket::{SockaddrIn, getsockname};
    let fd = bound_socket("127.0.0.1");
    let bound: SockaddrIn = getsockname(std::os::fd::AsRawFd::as_raw_fd(&fd)).unwrap();
    (fd, bound.port())
}

/// The app comes up on a port from `closed_port`.
pub fn start_app(fd: OwnedFd) -> TcpListener {
    nix::sys::socket::listen(&fd, nix::sys::socket::Backlog::new(16).unwrap()).unwrap();
    TcpListener::from(fd)
}

/// A connection from `source` (bound before connecting, as the load balancer's would be) to
/// `app`, accepted: both ends, so the test decides when it ends.
pub fn connect_from(source: &str, app: &TcpListener) -> (TcpStream, TcpStream) {
    use nix::sys::socket::{SockaddrIn, connect};
    let fd = bound_socket(source);
    let SocketAddr::V4(dst) = app.local_addr().unwrap() else {
        unreachable!()
    };
    connect(std::os::fd::AsRawFd::as_raw_fd(&fd), &SockaddrIn::from(dst)).unwrap();
    let client = TcpStream::from(fd);
    let (server, _) = app.accept().unwrap();
    (client, server)
}

/// A TCP socket bound to `ip` (port chosen by the OS), not yet listening or connected.
/// CLOEXEC, or the peekaboo child would inherit it and hold the port or the connection.
fn bound_socket(ip: &str) -> OwnedFd {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, SockaddrIn, bind, socket};
    let fd = socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .unwrap();
    let addr: std::net::SocketAddrV4 = format!("{ip}:0").parse().unwrap();
    bind(
        std::os::fd::AsRawFd::as_raw_fd(&fd),
        &SockaddrIn::from(addr),
    )
    .unwrap();
    fd
}
