//! The client against a scripted engine on a unix socket: the requests it sends, how it frames
//! what comes back, the event stream read as it arrives, and every way the engine can fail it.

use super::*;
use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

pub(super) const LIMIT: Duration = Duration::from_secs(30);

/// A socket path of its own under the temp directory.
pub(super) fn socket() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "peekaboo-docker-unit-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("docker.sock")
}

/// Reads one request's head; returns its lines.
pub(super) fn request(stream: &UnixStream) -> Vec<String> {
    let mut r = BufReader::new(stream);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap() == 0 {
            return lines;
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            return lines;
        }
        lines.push(line);
    }
}

/// An engine that answers each connection with the next answer of `script`, written in the
/// pieces given; records each request's head.
pub(super) fn scripted(script: Vec<Vec<Vec<u8>>>) -> (Engine, Arc<Mutex<Vec<Vec<String>>>>) {
    let path = socket();
    let listener = UnixListener::bind(&path).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (answer, stream) in script.into_iter().zip(listener.incoming()) {
            let mut stream = stream.unwrap();
            log.lock().unwrap().push(request(&stream));
            for piece in answer {
                let _ = stream.write_all(&piece);
                let _ = stream.flush();
            }
        }
    });
    (Engine::new(path), seen)
}

pub(super) fn json_answer(status: &str, body: &str) -> Vec<Vec<u8>> {
    let head = format!(
        "HTTP/1.1 {status}\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nContent-Length: {}\r\n\r\n",
        body.len() + 1
    );
    vec![format!("{head}{body}\n").into_bytes()]
}

const V2010: &str =
    r#"{"Version":"20.10.24+dfsg1","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux"}"#;
const V29: &str = r#"{"Version":"29.0.4","ApiVersion":"1.52","MinAPIVersion":"1.44","Os":"linux"}"#;
const LIST: &str =
    r#"[{"Id":"a1","Names":["/web-1"],"Labels":{"peekaboo.lb":"web-lb"},"State":"running"}]"#;
const LIST_TARGET: &str =
    "containers/json?all=1&filters=%7B%22label%22%3A%5B%22peekaboo.lb%22%5D%7D HTTP/1.1";

#[test]
fn socket_path_speaks_only_unix() {
    let ok: &[(Option<&str>, &str)] = &[
        (None, "/var/run/docker.sock"),
        (Some(""), "/var/run/docker.sock"),
        (Some("unix://"), "/var/run/docker.sock"),
        (
            Some("unix:///run/user/1000/docker.sock"),
            "/run/user/1000/docker.sock",
        ),
        (Some(" unix:///d/docker.sock\n"), "/d/docker.sock"),
    ];
    for (host, want) in ok {
        assert_eq!(socket_path(*host).unwrap(), PathBuf::from(want), "{host:?}");
    }
    let refused: &[(&str, &str)] = &[
        (
            "tcp://10.0.0.5:2376",
            "tcp://10.0.0.5:2376: peekaboo speaks to the Docker engine only over its unix socket, not tcp; mount the socket and give unix:///path/to/docker.sock",
        ),
        ("ssh://me@host", "not ssh;"),
        ("http://localhost:2375", "not http;"),
        ("npipe:////./pipe/docker_engine", "not npipe;"),
        ("/var/run/docker.sock", "not a bare path;"),
    ];
    for (host, want) in refused {
        let e = socket_path(Some(host)).unwrap_err();
        assert!(e.contains(want), "{host}: {e}");
        assert!(!e.contains('\n'));
    }
    let long = format!("unix:///{}", "d".repeat(107));
    assert!(
        socket_path(Some(&long))
            .unwrap_err()
            .contains("not a usable socket path")
    );
}

#[test]
fn version_keeps_api_1_41_where_the_engine_speaks_it_and_its_oldest_where_not() {
    let (engine, seen) = scripted(vec![
        json_answer("200 OK", V2010),
        json_answer("200 OK", LIST),
    ]);
    assert_eq!(engine.api_version(), "1.41");
    assert_eq!(engine.version(LIMIT).unwrap(), "20.10.24+dfsg1");
    assert_eq!(engine.api_version(), "1.41");
    engine.labelled(LIMIT).unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen[0],
        vec![
            "GET /version HTTP/1.1",
            "Host: localhost",
            "Connection: close"
        ]
    );
    assert_eq!(seen[1][0], format!("GET /v1.41/{LIST_TARGET}"));

    let (engine, seen) = scripted(vec![
        json_answer("200 OK", V29),
        json_answer("200 OK", LIST),
    ]);
    assert_eq!(engine.version(LIMIT).unwrap(), "29.0.4");
    assert_eq!(engine.api_version(), "1.44");
    engine.labelled(LIMIT).unwrap();
    assert_eq!(
        seen.lock().unwrap()[1][0],
        format!("GET /v1.44/{LIST_TARGET}")
    );
}

#[test]
fn an_engine_older_than_api_1_41_is_named_in_one_line() {
    let old = r#"{"Version":"19.03.15","ApiVersion":"1.40","MinAPIVersion":"1.12"}"#;
    let too_new =
        r#"{"message":"client version 1.41 is too new. Maximum supported API version is 1.40"}"#;
    let (engine, _) = scripted(vec![
        json_answer("200 OK", old),
        json_answer("400 Bad Request", too_new),
    ]);
    let e = engine.version(LIMIT).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the Docker engine is too old: Docker 19.03.15 speaks API 1.40 at most; peekaboo needs API 1.41 (Docker 20.10 or later)"
    );
    let e = engine.labelled(LIMIT).unwrap_err();
    assert_eq!(
        e,
        DockerError::TooOld(
            "client version 1.41 is too new. Maximum supported API version is 1.40".into()
        )
    );
}

#[test]
fn the_listing_and_inspect_read_their_answers_in_any_framing() {
    let inspect = r#"{"Id":"a1","Name":"/web-1","State":{"Status":"exited"},"Config":{"Labels":{}},"HostConfig":{},"NetworkSettings":{"Ports":{}}}"#;
    let chunked = vec![
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec(),
        format!("{:x};ext=1\r\n{}\r\n", 20, &LIST[..20]).into_bytes(),
        format!("{:x}\r\n{}\r\n0\r\n\r\n", LIST.len() - 20, &LIST[20..]).into_bytes(),
    ];
    let until_close = vec![format!("HTTP/1.1 200 OK\r\n\r\n{inspect}").into_bytes()];
    let (engine, seen) = scripted(vec![chunked, until_close, json_answer("200 OK", inspect)]);
    let list = engine.labelled(LIMIT).unwrap();
    assert_eq!(
        (list[0].id.as_str(), list[0].name.as_str()),
        ("a1", "web-1")
    );
    assert_eq!(engine.inspect("a1", LIMIT).unwrap().state, State::Exited);
    assert_eq!(engine.inspect("web 1/x", LIMIT).unwrap().name, "web-1");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[1][0], "GET /v1.41/containers/a1/json HTTP/1.1");
    assert_eq!(
        seen[2][0],
        "GET /v1.41/containers/web%201%2Fx/json HTTP/1.1"
    );
}

#[test]
fn refusals_say_what_the_engine_said() {
    let gone = r#"{"message":"No such container: web-9"}"#;
    let busy = r#"{"message":"Something went wrong.\nTry again"}"#;
    let (engine, _) = scripted(vec![
        json_answer("404 Not Found", gone),
        json_answer("500 Internal Server Error", busy),
        json_answer("200 OK", "{\"Id\": 5}"),
    ]);
    assert_eq!(
        engine.inspect("web-9", LIMIT).unwrap_err(),
        DockerError::NoSuchContainer("web-9".into())
    );
    let e = engine.labelled(LIMIT).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the Docker engine answered 500: Something went wrong. Try again"
    );
    let e = engine.inspect("x", LIMIT).unwrap_err().to_string();
    assert_eq!(
        e,
        r#"the Docker engine's answer is unreadable: the container with no Id: "{\"Id\":5}""#
    );
}

#[test]
fn answers_over_the_size_limit_are_refused_unread() {
    let over = BODY_LIMIT_TEXT.len();
    assert_eq!(over, wire::BODY_MAX + 1);
    let declared = vec![format!("HTTP/1.1 200 OK\r\nContent-Length: {over}\r\n\r\n").into_bytes()];
    let mut chunked = vec![b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec()];
    for piece in BODY_LIMIT_TEXT.as_bytes().chunks(100_000) {
        let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
        chunk.extend_from_slice(piece);
        chunk.extend_from_slice(b"\r\n");
        chunked.push(chunk);
    }
    let (engine, _) = scripted(vec![declared, chunked]);
    for _ in 0..2 {
        assert_eq!(
            engine.labelled(LIMIT).unwrap_err().to_string(),
            "the Docker engine's answer is unreadable: an answer over the 1 MiB limit"
        );
    }
}

static BODY_LIMIT_TEXT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| "x".repeat(wire::BODY_MAX + 1));

#[test]
fn an_engine_that_is_not_there_or_does_not_answer_is_unreachable() {
    let missing = socket();
    let e = Engine::new(missing.clone()).version(LIMIT).unwrap_err();
    assert_eq!(
        e,
        DockerError::Unreachable(format!(
            "{}: No such file or directory (os error 2)",
            missing.display()
        ))
    );
    // A socket file with nothing listening: dockerd stopped.
    let stale = socket();
    drop(UnixListener::bind(&stale).unwrap());
    let e = Engine::new(stale.clone()).version(LIMIT).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "the Docker engine is unreachable: {}: Connection refused (os error 111)",
            stale.display()
        )
    );
    let (engine, _) = scripted(vec![
        vec![],
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Ver".to_vec()],
    ]);
    let e = engine.version(LIMIT).unwrap_err().to_string();
    assert!(
        e.ends_with(": the engine closed the connection without answering"),
        "{e}"
    );
    let e = engine.version(LIMIT).unwrap_err().to_string();
    assert!(
        e.ends_with(": the engine closed the connection in the middle of its answer"),
        "{e}"
    );
}

#[test]
fn an_engine_that_never_answers_is_given_up_on_at_the_limit() {
    let path = socket();
    let listener = UnixListener::bind(&path).unwrap();
    let e = Engine::new(path.clone())
        .version(Duration::from_millis(50))
        .unwrap_err();
    assert_eq!(
        e,
        DockerError::Unreachable(format!("{}: no answer within 50ms", path.display()))
    );
    drop(listener);
}

#[test]
fn connecting_to_an_engine_whose_backlog_is_full_is_given_up_on_at_the_limit() {
    use nix::sys::socket::{AddressFamily, Backlog, SockFlag, SockType, UnixAddr, bind, listen};
    let path = socket();
    let fd = nix::sys::socket::socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::empty(),
        None,
    )
    .unwrap();
    bind(fd.as_raw_fd(), &UnixAddr::new(&path).unwrap()).unwrap();
    listen(&fd, Backlog::new(0).unwrap()).unwrap();
    // Never accepted: the first fills a backlog of 0 (Linux lets one wait), the next waits.
    let _queued: Vec<UnixStream> = (0..2)
        .filter_map(|_| {
            let s = nix::sys::socket::socket(
                AddressFamily::Unix,
                SockType::Stream,
                SockFlag::SOCK_NONBLOCK,
                None,
            )
            .unwrap();
            nix::sys::socket::connect(s.as_raw_fd(), &UnixAddr::new(&path).unwrap())
                .ok()
                .map(|()| UnixStream::from(s))
        })
        .collect();
    let e = Engine::new(path.clone())
        .version(Duration::from_millis(50))
        .unwrap_err();
    assert_eq!(
        e,
        DockerError::Unreachable(format!("{}: no answer within 50ms", path.display()))
    );
}

#[test]
fn a_socket_that_refuses_this_user_is_denied_not_unreachable() {
    // Root passes any mode bits, so the kernel's EACCES is given here as connect returns it.
    let limit = Duration::from_secs(5);
    let place = "/run/docker.sock";
    let cases = [
        (
            io::ErrorKind::PermissionDenied,
            DockerError::Denied(place.into()),
        ),
        (
            io::ErrorKind::NotFound,
            DockerError::Unreachable(format!("{place}: entity not found")),
        ),
        (
            io::ErrorKind::WouldBlock,
            DockerError::Unreachable(format!("{place}: no answer within 5s")),
        ),
    ];
    for (kind, want) in cases {
        assert_eq!(
            wire::not_connected(place, limit, &io::Error::from(kind)),
            want
        );
    }
    assert_eq!(
        DockerError::Denied(place.into()).to_string(),
        "/run/docker.sock: permission denied: run peekaboo as root or as a member of the docker group"
    );
}
