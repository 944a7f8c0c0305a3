use super::*;
use crate::backend::http::Transport;
use crate::backend::http::proxy::ProxyEnv;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What the server does with each request.
#[derive(Clone, Copy)]
enum Answer {
    /// Writes this whole response and closes.
    Canned(&'static str),
    /// Writes this and then keeps the connection open without another word.
    Stall(&'static str),
}

/// A loopback HTTP server that records each request head it reads; optionally TLS.
struct Server {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(answer: Answer, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, halt) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            // Held open until the server stops, for `Answer::Stall`.
            let mut held = Vec::new();
            for tcp in listener.incoming().flatten() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                // A guard against a test hanging forever, never reached when things work.
                tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                let mut stream: Box<dyn ReadWrite> = match &tls {
                    None => Box::new(tcp),
                    Some(config) => {
                        let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                        Box::new(rustls::StreamOwned::new(conn, tcp))
                    }
                };
                let Some(head) = read_head(&mut stream) else {
                    continue;
                };
                log.lock().unwrap().push(head);
                match answer {
                    Answer::Canned(text) => {
                        let _ = stream.write_all(text.as_bytes());
                        let _ = stream.flush();
                    }
                    Answer::Stall(text) => {
                        let _ = stream.write_all(text.as_bytes());
                        let _ = stream.flush();
                        held.push(stream);
                    }
                }
            }
        });
        Server {
            addr,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://{}{path}", self.addr)
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

trait ReadWrite: Read + Write + Send {}
impl<T: Read + Write + Send> ReadWrite for T {}

/// The request head, lower-cased; None if the client gave up (a refused handshake included).
fn read_head(r: &mut impl Read) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if r.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&buf).to_ascii_lowercase())
}

fn http_with(ca_certs: Option<Vec<ureq::tls::Certificate<'static>>>) -> Http {
    Http::new(&Transport {
        request_timeout: Duration::from_secs(30),
        ca_certs,
        proxy: ProxyEnv::default(),
    })
}

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn two_and_three_hundreds_pass_without_a_token_or_a_count() {
    let http = http_with(None);
    let ok = Server::start(
        Answer::Canned("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        None,
    );
    assert_eq!(http.health_get(&ok.url("http", "/health"), SECOND), Ok(200));
    let seen = ok.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].starts_with("get /health http/1.1\r\n"), "{seen:?}");
    assert!(!seen[0].contains("x-auth-token"), "{seen:?}");
    // A body the probe does not want, and never ends: the status alone decides.
    let endless = Server::start(
        Answer::Stall("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nthe start"),
        None,
    );
    assert_eq!(http.health_get(&endless.url("http", "/"), SECOND), Ok(200));
    assert_eq!(http.requests(), 0, "probes are not API requests");
}

#[test]
fn a_redirect_passes_and_is_not_followed() {
    let http = http_with(None);
    let server = Server::start(
        Answer::Canned(
            "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        None,
    );
    assert_eq!(
        http.health_get(&server.url("http", "/health"), SECOND),
        Ok(302)
    );
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "followed the Location: {seen:?}");
    assert!(seen[0].starts_with("get /health "), "{seen:?}");
}

#[test]
fn an_error_status_fails_naming_it() {
    let http = http_with(None);
    for (answer, code) in [
        (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
            503,
        ),
        ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 404),
        ("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", 500),
    ] {
        let server = Server::start(Answer::Canned(answer), None);
        let url = server.url("http", "/health");
        assert_eq!(
            http.health_get(&url, SECOND),
            Err(format!("GET {url} answered {code}"))
        );
    }
}

#[test]
fn an_app_that_never_answers_fails_when_the_timeout_ends() {
    let http = http_with(None);
    let server = Server::start(Answer::Stall(""), None);
    let timeout = Duration::from_millis(300);
    assert_eq!(
        http.health_get(&server.url("http", "/health"), timeout),
        Err("no answer within 300ms".into())
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_closed_port_is_refused() {
    let (_held, port) = crate::host::probe::held_port();
    let url = format!("http://127.0.0.1:{port}/health");
    assert_eq!(
        http_with(None).health_get(&url, SECOND),
        Err("connection refused".into())
    );
}

/// A certificate for `names`, self-signed, and a server configuration presenting it.
fn self_signed(names: &[&str]) -> (ureq::tls::Certificate<'static>, Arc<rustls::ServerConfig>) {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(names).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der())),
        )
        .unwrap();
    let trusted = ureq::tls::Certificate::from_der(cert.der()).to_owned();
    (trusted, Arc::new(config))
}

#[test]
fn https_is_verified_like_the_api() {
    const OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let (cert, config) = self_signed(&["127.0.0.1"]);
    let server = Server::start(Answer::Canned(OK), Some(config));
    let url = server.url("https", "/health");
    let err = http_with(None).health_get(&url, SECOND).unwrap_err();
    let at = crate::backend::http::target_of(&url).unwrap();
    assert!(
        err.starts_with(&format!(
            "TLS: the certificate of {at} is not signed by a trusted CA"
        )),
        "{err}"
    );
    assert!(server.requests().is_empty());
    assert_eq!(
        http_with(Some(vec![cert])).health_get(&url, SECOND),
        Ok(200)
    );
    assert_eq!(server.requests().len(), 1);

    let (cert, config) = self_signed(&["app.example"]);
    let server = Server::start(Answer::Canned(OK), Some(config));
    let url = server.url("https", "/health");
    let err = http_with(Some(vec![cert]))
        .health_get(&url, SECOND)
        .unwrap_err();
    assert_eq!(
        err,
        format!(
            "TLS: the certificate of {} is not valid for that name, only for app.example: use a name it holds in the -health URL",
            crate::backend::http::target_of(&url).unwrap()
        )
    );
}

#[test]
fn urls_are_shown_without_credentials() {
    for (url, shown) in [
        (
            "http://127.0.0.1:8080/health",
            "http://127.0.0.1:8080/health",
        ),
        (
            "http://bob:s3cret@127.0.0.1/health",
            "http://…@127.0.0.1/health",
        ),
        ("https://h/a@b", "https://h/a@b"),
        ("http://h/\nx", "http://h/x"),
        ("nonsense", "nonsense"),
    ] {
        assert_eq!(shown_url(url), shown, "{url}");
    }
}

#[test]
fn probes_follow_the_proxy_rules() {
    let env = |pairs: &'static [(&str, &str)]| {
        ProxyEnv::from_env(&move |k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
    };
    // A proxy nobody runs: a probe sent through it would fail.
    let proxied = Http::new(&Transport {
        request_timeout: Duration::from_secs(30),
        ca_certs: None,
        proxy: env(&[
            ("http_proxy", "http://127.0.0.1:9"),
            ("ALL_PROXY", "socks5://s:1"),
        ]),
    });
    let server = Server::start(
        Answer::Canned("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        None,
    );
    assert_eq!(
        proxied.health_get(&server.url("http", "/health"), SECOND),
        Ok(200),
        "loopback is never proxied"
    );
    let socks = Http::new(&Transport {
        request_timeout: Duration::from_secs(30),
        ca_certs: None,
        proxy: env(&[("ALL_PROXY", "socks5://s:1")]),
    });
    let err = socks
        .health_get("http://192.0.2.1:8080/health", SECOND)
        .unwrap_err();
    assert!(
        err.starts_with("ALL_PROXY 'socks5://s:1' is a SOCKS proxy"),
        "{err}"
    );
}
