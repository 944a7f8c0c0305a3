//! TLS is always verified: against the built-in roots by default, against OS_CACERT when it is
//! set. The identity endpoint here is a real TLS server on loopback (a front that decrypts and
//! hands each request to the fake), with a CA and certificate made for the test.

mod fake;
mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use fake::{Config, Fake};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use support::{LB, peekaboo};

struct Pki {
    ca_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

/// A CA, and a certificate it signed for 127.0.0.1 and localhost.
fn pki() -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "peekaboo test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        cert_der: leaf.der().to_vec(),
        key_der: key.serialize_der(),
    }
}

/// A TLS front on 127.0.0.1 for `fake`: each connection's request is decrypted, sent to the
/// fake over plain loopback, and its answer (the fake closes after each) sent back.
fn tls_front(fake: &Fake, pki: &Pki) -> u16 {
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
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let backend = fake
        .auth_url()
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let (config, backend) = (config.clone(), backend.clone());
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let Some(request) = read_request(&mut tls) else {
                    return;
                };
                let mut plain = TcpStream::connect(backend).unwrap();
                plain.write_all(&request).unwrap();
                let mut answer = Vec::new();
                let _ = plain.read_to_end(&mut answer);
                let _ = tls.write_all(&answer);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

/// One HTTP request, head and Content-Length body; None if the client gave up (a failed
/// handshake included).
fn read_request(r: &mut impl Read) -> Option<Vec<u8>> {
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

fn write_temp(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("peekaboo-tls-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn os_cacert_trusts_a_private_ca() {
    let pki = pki();
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    let port = tls_front(&f, &pki);
    let ca = write_temp("ca.pem", &pki.ca_pem);
    let url = format!("https://127.0.0.1:{port}/v2.0");
    let out = peekaboo(
        &f,
        &["-interval", "40ms"],
        &[("OS_AUTH_URL", &url), ("OS_CACERT", &ca)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.nodes(LB).len(), 1);
    assert!(
        f.requests()[0].path.ends_with("/tokens"),
        "the token request went through TLS"
    );
}

#[test]
fn an_unknown_ca_is_refused_and_nothing_is_sent_in_clear() {
    let pki = pki();
    let other = pki_other_ca();
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    let port = tls_front(&f, &pki);
    let url = format!("https://127.0.0.1:{port}/v2.0");
    for (what, env) in [
        ("built-in roots", vec![("OS_AUTH_URL", url.as_str())]),
        (
            "another CA",
            vec![("OS_AUTH_URL", url.as_str()), ("OS_CACERT", other.as_str())],
        ),
    ] {
        let out = peekaboo(&f, &["-interval", "40ms", "-timeout", "500ms"], &env);
        assert_eq!(out.code, 3, "{what}: {}", out.stderr);
        assert!(
            out.stderr.contains("Error: gave up after -timeout 500ms: authenticating failed: request to 127.0.0.1 failed: io: invalid peer certificate"),
            "{what}: {}",
            out.stderr
        );
        assert!(
            f.requests().is_empty(),
            "{what}: the credentials never reached the server"
        );
    }
}

fn pki_other_ca() -> String {
    write_temp("other-ca.pem", &pki().ca_pem)
}
