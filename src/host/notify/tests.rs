use super::*;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;

/// A name no other test (in this process or another) uses at the same time.
fn unique(what: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("peekaboo-notify-{what}-{}-{n}", std::process::id())
}

/// A fresh directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
        let dir = std::env::temp_dir().join(unique(what));
        std::fs::create_dir(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every message, in order, with the bytes systemd must receive for it.
fn every_message(n: &Notifier) -> Vec<(&'static str, Vec<u8>)> {
    n.ready();
    n.status("Enabled on 1; probing\nhttp://127.0.0.1:8080/health");
    n.watchdog();
    n.stopping();
    vec![
        ("ready", b"READY=1".to_vec()),
        (
            "status",
            b"STATUS=Enabled on 1; probing http://127.0.0.1:8080/health".to_vec(),
        ),
        ("watchdog", b"WATCHDOG=1".to_vec()),
        ("stopping", b"STOPPING=1".to_vec()),
    ]
}

/// Asserts `rx` holds exactly `want`. Unix datagrams are queued at the receiver by the time
/// `send_to` returns, so a non-blocking read sees them without waiting.
fn assert_received(rx: &UnixDatagram, want: &[(&str, Vec<u8>)]) {
    rx.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 8192];
    for (what, bytes) in want {
        let n = rx.recv(&mut buf).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(
            &buf[..n],
            &bytes[..],
            "{what}: {:?}",
            String::from_utf8_lossy(&buf[..n])
        );
    }
    let extra = rx.recv(&mut buf);
    assert!(extra.is_err(), "one datagram too many: {extra:?}");
}

#[test]
fn notify_socket_values() {
    let long_path = format!("/{}", "a".repeat(SUN_PATH));
    let long_name = format!("@{}", "a".repeat(SUN_PATH));
    let table: &[(&str, Result<Target, &str>)] = &[
        (
            "/run/systemd/notify",
            Ok(Target::Path("/run/systemd/notify".into())),
        ),
        (
            "@/org/freedesktop/systemd1/notify/42",
            Ok(Target::Abstract(
                b"/org/freedesktop/systemd1/notify/42".to_vec(),
            )),
        ),
        ("@x", Ok(Target::Abstract(b"x".to_vec()))),
        ("@", Err("abstract socket name")),
        (&long_name, Err("abstract socket name")),
        (
            "run/systemd/notify",
            Err("neither an absolute path nor @name"),
        ),
        ("vsock:2:1234", Err("vsock sockets are not supported")),
        (&long_path, Err("not a usable socket path")),
        ("/a\0b", Err("not a usable socket path")),
    ];
    for (value, want) in table {
        match (parse(value), want) {
            (Ok(got), Ok(want)) => assert_eq!(&got, want, "{value:?}"),
            (Err(got), Err(want)) => assert!(got.contains(want), "{value:?}: {got}"),
            (got, want) => panic!("{value:?}: {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn message_texts() {
    crate::log::secret("notify-secret-4711");
    let cut = "é".repeat(3000);
    let table: &[(Message, &str)] = &[
        (Message::Ready, "READY=1"),
        (Message::Stopping, "STOPPING=1"),
        (Message::Watchdog, "WATCHDOG=1"),
        (Message::Status("Enabled on 1"), "STATUS=Enabled on 1"),
        (
            Message::Status("two\nlines\r\nand a\ttab"),
            "STATUS=two lines  and a tab",
        ),
        (
            Message::Status("refused notify-secret-4711"),
            "STATUS=refused [redacted]",
        ),
        (Message::Status(""), "STATUS="),
    ];
    for (message, want) in table {
        assert_eq!(text(*message), *want, "{message:?}");
    }
    // Cut to what systemd reads, and never inside a character.
    let long = text(Message::Status(&cut));
    assert!(long.len() <= MESSAGE_MAX && long.len() > MESSAGE_MAX - 2);
    assert!(long.starts_with("STATUS=éé") && long.ends_with('é'));
}

#[test]
fn messages_reach_a_socket_at_a_path() {
    let dir = TempDir::new("path");
    let path = dir.0.join("notify");
    let rx = UnixDatagram::bind(&path).unwrap();
    let n = Notifier::new(Some(path.to_str().unwrap()));
    let want = every_message(&n);
    assert_received(&rx, &want);
    assert_eq!(n.try_send(Message::Ready), None);
}

#[test]
fn messages_reach_an_abstract_socket() {
    let name = unique("abstract");
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let rx = UnixDatagram::bind_addr(&addr).unwrap();
    let n = Notifier::new(Some(&format!("@{name}")));
    let want = every_message(&n);
    assert_received(&rx, &want);
}

#[test]
fn without_notify_socket_nothing_is_sent_or_said() {
    let n = Notifier::new(None);
    for m in [Message::Ready, Message::Status("x"), Message::Watchdog] {
        assert_eq!(n.try_send(m), None);
    }
    every_message(&n);
}

#[test]
fn a_socket_that_is_not_there_is_warned_about_once() {
    let dir = TempDir::new("gone");
    let path = dir.0.join("notify");
    let shown = path.to_str().unwrap();
    let n = Notifier::new(Some(shown));
    let first = n.try_send(Message::Ready).expect("a warning");
    assert!(
        first.starts_with(&format!(
            "Cannot notify systemd through NOTIFY_SOCKET {shown}: "
        )) && first.contains("No such file or directory"),
        "{first}"
    );
    for m in [Message::Status("x"), Message::Watchdog, Message::Stopping] {
        assert_eq!(n.try_send(m), None, "{m:?}");
    }
    // The public calls return too, whatever happened.
    every_message(&n);
    assert!(!path.exists());

    let bad = Notifier::new(Some("notify"));
    let first = bad.try_send(Message::Ready).expect("a warning");
    assert!(
        first.contains("NOTIFY_SOCKET notify: neither an absolute path"),
        "{first}"
    );
    assert_eq!(bad.try_send(Message::Ready), None);
}

#[test]
fn a_socket_nobody_reads_does_not_block() {
    let dir = TempDir::new("full");
    let path = dir.0.join("notify");
    let _rx = UnixDatagram::bind(&path).unwrap();
    let shown = path.to_str().unwrap().to_string();
    let (done, result) = std::sync::mpsc::channel();
    // Only a guard against hanging the whole test run if sends did block; nothing is timed.
    std::thread::spawn(move || {
        let n = Notifier::new(Some(&shown));
        let warning = (0..100_000).find_map(|_| n.try_send(Message::Watchdog));
        let _ = done.send(warning);
    });
    let warning = result
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("a send to a full socket blocked")
        .expect("the queue of an unread socket filled up");
    assert!(warning.contains("temporarily unavailable"), "{warning}");
}
