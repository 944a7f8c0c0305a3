//! A real TLS server on loopback in front of the fake (which speaks plain http): each
//! connection's request is decrypted, sent to the fake, and its answer sent back. The CA and
//! the certificate are made per test, so a test chooses what is wrong with them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::fake::Fake;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

pub struct Pki {
    pub ca_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

/// A CA, and a certificate it signed for 127.0.0.1 and localhost.
pub fn pki() -> Pki {
    pki_for(&["127.0.0.1", "localhost"], false)
}

/// A CA of its own name, and a certificate it signed for `names`; `expired`: valid only in 2020.
pub fn pki_for(names: &[&str], expired: bool) -> Pki {
    let name = format!("peekaboo test CA {}", NEXT.fetch_add(1, Ordering::SeqCst));
    pki_named(&name, names, expired)
}

/// As `pki_for`, with the CA's name chosen: two CAs of one name but different keys are how a
/// certificate comes to have a bad signature.
pub fn pki_named(ca_name: &str, names: &[&str], expired: bool) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    if expired {
        leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2020, 12, 31);
    }
    let leaf = leaf.signed_by(&key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        cert_der: leaf.der().to_vec(),
        key_der: key.serialize_der(),
    }
}

pub struct Front {
    pub port: u16,
    connections: Arc<AtomicUsize>,
    backend: Arc<OnceLock<String>>,
}

impl Front {
    /// Where to send what it decrypts: a fake started after the front, whose catalog can then
    /// name the front.
    pub fn forward_to(&self, fake: &Fake) {
        let backend = fake.auth_url();
        let backend = backend
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap();
        self.backend.set(backend.to_string()).unwrap();
    }

    /// TCP connections accepted so far: each is one attempt at a request.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Starts a TLS front on 127.0.0.1 for `fake`, presenting `pki`'s certificate.
pub fn tls_front(fake: &Fake, pki: &Pki) -> Front {
    let front = tls_front_unbound(pki);
    front.forward_to(fake);
    front
}

/// A rustls server configuration presenting `pki`'s certificate.
pub fn server_config(pki: &Pki) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(pki.cert_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key_der.clone())),
        )
        .unwrap();
    Arc::new(config)
}

/// A TLS front that forwards once `forward_to` has been called.
pub fn tls_front_unbound(pki: &Pki) -> Front {
    let config = server_config(pki);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let backend = Arc::new(OnceLock::<String>::new());
    let connections = Arc::new(AtomicUsize::new(0));
    let (counter, target) = (connections.clone(), backend.clone());
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let (config, target) = (config.clone(), target.clone());
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let Some(request) = read_request(&mut tls) else {
                    return;
                };
                let mut plain = TcpStream::connect(target.get().unwrap()).unwrap();
                plain.write_all(&request).unwrap();
                let mut answer = Vec::new();
                let _ = plain.read_to_end(&mut answer);
                let _ = tls.write_all(&answer);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    Front {
        port,
        connections,
        backend,
    }
}

/// One HTTP request, head and Content-Length body; None if the client gave up (a failed
/// handshake included).
pub fn read_request(r: &mut impl Read) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if r.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap_or(0));
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    buf.extend(body);
    Some(buf)
}

/// Writes `text` to a file of its own under the temp directory and returns its path.
pub fn write_temp(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!(
        "peekaboo-tls-{}-{}-{name}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

static NEXT: AtomicUsize = AtomicUsize::new(0);
