//! A tiny CONNECT proxy on 127.0.0.1 that sends every tunnel to one loopback port, whatever
//! host and port it names, and records what it was asked: how a run reaches a made-up host
//! name (`identity.test`, Flex's `keystone.api.dfw3.rackspacecloud.com`) that only the proxy
//! understands. The fake is on loopback, which is never proxied; a run that tried such a name
//! itself would fail to resolve it.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};

use super::tls_front;

pub struct Proxy {
    pub port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    backend: Arc<OnceLock<String>>,
}

impl Proxy {
    /// A proxy that tunnels every CONNECT to `forward_to`'s address, whatever host and port
    /// it names, or answers each with `refuse` instead.
    pub fn start(refuse: Option<u16>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let backend = Arc::new(OnceLock::new());
        let (log, to) = (seen.clone(), backend.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (log, to) = (log.clone(), to.clone());
                std::thread::spawn(move || tunnel(client, &log, &to, refuse));
            }
        });
        Proxy {
            port,
            seen,
            backend,
        }
    }

    /// The same, spoken to over TLS with `pki`'s certificate (an `https://` proxy).
    pub fn start_tls(pki: &tls_front::Pki) -> Proxy {
        let config = tls_front::server_config(pki);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let backend = Arc::new(OnceLock::new());
        let (log, to) = (seen.clone(), backend.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (log, to, config) = (log.clone(), to.clone(), config.clone());
                std::thread::spawn(move || tls_tunnel(client, config, &log, &to));
            }
        });
        Proxy {
            port,
            seen,
            backend,
        }
    }

    pub fn forward_to(&self, port: u16) -> &Proxy {
        self.backend.set(format!("127.0.0.1:{port}")).unwrap();
        self
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What it was asked, one "CONNECT host:port" (or other request line) per connection.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn tunnel(
    mut client: TcpStream,
    log: &Mutex<Vec<String>>,
    backend: &OnceLock<String>,
    refuse: Option<u16>,
) {
    let Some(head) = tls_front::read_request(&mut client) else {
        return;
    };
    let head = String::from_utf8_lossy(&head).into_owned();
    let line = head.lines().next().unwrap_or("").to_string();
    let connect = line.starts_with("CONNECT ");
    // Without the protocol version: "CONNECT host:port".
    log.lock().unwrap().push(
        line.rsplit_once(' ')
            .map_or(line.clone(), |(l, _)| l.into()),
    );
    let (true, None) = (connect, refuse) else {
        let code = refuse.unwrap_or(400);
        let _ = write!(client, "HTTP/1.1 {code} No\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let Some(Ok(mut server)) = backend.get().map(TcpStream::connect) else {
        let _ = write!(
            client,
            "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"
        );
        return;
    };
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .unwrap();
    let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut s2);
        let _ = s2.shutdown(Shutdown::Write);
    });
    let mut buf = [0u8; 8192];
    while let Ok(n) = server.read(&mut buf) {
        if n == 0 || client.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = up.join();
}

/// Copies what `from` has to `to`, waiting at most its read timeout: false once either side
/// is closed or broken.
fn pass_on(from: &mut impl Read, to: &mut impl Write, buf: &mut [u8]) -> bool {
    use std::io::ErrorKind::{TimedOut, WouldBlock};
    match from.read(buf) {
        Ok(0) => false,
        Ok(n) => to.write_all(&buf[..n]).is_ok(),
        Err(e) => matches!(e.kind(), WouldBlock | TimedOut),
    }
}

/// A CONNECT tunnel inside TLS. A rustls stream cannot be split across threads, so one thread
/// takes turns, with short read timeouts, between the two directions.
fn tls_tunnel(
    client: TcpStream,
    config: Arc<rustls::ServerConfig>,
    log: &Mutex<Vec<String>>,
    backend: &OnceLock<String>,
) {
    let conn = rustls::ServerConnection::new(config).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, client);
    let Some(head) = tls_front::read_request(&mut tls) else {
        return;
    };
    let head = String::from_utf8_lossy(&head).into_owned();
    let line = head.lines().next().unwrap_or("");
    log.lock()
        .unwrap()
        .push(line.rsplit_once(' ').map_or(line, |(l, _)| l).to_string());
    let Some(Ok(mut server)) = backend.get().map(TcpStream::connect) else {
        return;
    };
    let _ = tls.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let tick = Some(std::time::Duration::from_millis(5));
    tls.sock.set_read_timeout(tick).unwrap();
    server.set_read_timeout(tick).unwrap();
    let mut buf = [0u8; 8192];
    while pass_on(&mut tls, &mut server, &mut buf) && pass_on(&mut server, &mut tls, &mut buf) {}
    tls.conn.send_close_notify();
    let _ = tls.flush();
}
