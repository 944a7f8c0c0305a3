//! The event stream against a scripted engine: each event once and whole however the bytes
//! arrive, the stream's end, a line too long, a refusal, and poll seeing the first events.

use super::*;
use crate::docker::tests::{LIMIT, json_answer, request, scripted, socket};
use crate::docker::{Action, DockerError, Engine};
use std::io::Write;
use std::os::unix::net::UnixListener;

/// An event stream opened (`since` as `events` takes it) on a scripted engine that has
/// answered its head: the stream, the request's lines, and the server's end of the connection
/// to write the events on.
fn opened(since: Option<i64>) -> (EventStream, Vec<String>, UnixStream) {
    let path = socket();
    let listener = UnixListener::bind(&path).unwrap();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let head = request(&stream);
        stream.write_all(STREAM_HEAD).unwrap();
        (head, stream)
    });
    let events = Engine::new(path).events(since, LIMIT).unwrap();
    let (head, stream) = server.join().unwrap();
    (events, head, stream)
}

const STREAM_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

fn line(action: &str, id: &str) -> String {
    format!(
        r#"{{"status":"{action}","id":"{id}","Type":"container","Action":"{action}","Actor":{{"ID":"{id}","Attributes":{{"name":"web-{id}","peekaboo.lb":"web-lb"}}}},"time":7}}"#
    ) + "\n"
}

fn chunk(data: &str) -> Vec<u8> {
    format!("{:x}\r\n{data}\r\n", data.len()).into_bytes()
}

/// The events' (action, id) pairs.
fn seen(events: Vec<Event>) -> Vec<(Action, String)> {
    events.into_iter().map(|e| (e.action, e.id)).collect()
}

#[test]
fn the_event_stream_gives_each_event_once_whole_however_it_arrives() {
    let (mut events, head, mut s) = opened(Some(1796591500));
    assert_eq!(
        head[0],
        "GET /v1.41/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22label%22%3A%5B%22peekaboo.lb%22%5D%7D&since=1796591500 HTTP/1.1"
    );
    // Nothing yet: no wait, no event.
    assert_eq!(events.read_ready().unwrap(), vec![]);
    // Two events in one chunk.
    s.write_all(&chunk(&(line("create", "1") + &line("start", "1"))))
        .unwrap();
    assert_eq!(
        seen(events.read_ready().unwrap()),
        vec![(Action::Create, "1".into()), (Action::Start, "1".into())]
    );
    // One event split across two chunks, the second with an extension, cut mid-size-line.
    let kill = line("kill", "2");
    let (a, b) = kill.split_at(30);
    let mut bytes = chunk(a);
    bytes.extend_from_slice(format!("{:x};x=y\r\n{b}\r\n", b.len()).as_bytes());
    let (first, rest) = bytes.split_at(a.len() + 10);
    s.write_all(first).unwrap();
    assert_eq!(events.read_ready().unwrap(), vec![]);
    s.write_all(rest).unwrap();
    assert_eq!(
        seen(events.read_ready().unwrap()),
        vec![(Action::Kill { signal: 0 }, "2".into())]
    );
    // An event, then the engine goes: the event first, then the end.
    s.write_all(&chunk(&line("die", "2"))).unwrap();
    drop(s);
    assert_eq!(
        seen(events.read_ready().unwrap()),
        vec![(Action::Die { exit_code: -1 }, "2".into())]
    );
    let end = events.read_ready().unwrap_err();
    assert!(
        end.to_string()
            .ends_with(": the engine ended its event stream"),
        "{end}"
    );
    assert!(matches!(end, DockerError::Unreachable(_)));
    assert_eq!(events.read_ready().unwrap_err(), end);
}

#[test]
fn the_event_stream_ends_at_its_last_chunk_and_breaks_at_a_line_too_long() {
    let (mut events, _, mut s) = opened(None);
    s.write_all(&chunk(&line("stop", "3"))).unwrap();
    s.write_all(b"0\r\n\r\n").unwrap();
    assert_eq!(
        seen(events.read_ready().unwrap()),
        vec![(Action::Stop, "3".into())]
    );
    assert!(events.read_ready().is_err());

    let (mut events, _, mut s) = opened(None);
    let long = "x".repeat(LINE_MAX / 2);
    s.write_all(&chunk(&long)).unwrap();
    assert_eq!(events.read_ready().unwrap(), vec![]);
    s.write_all(&chunk(&long)).unwrap();
    s.write_all(&chunk("x")).unwrap();
    assert_eq!(
        events.read_ready().unwrap_err().to_string(),
        "the Docker engine's answer is unreadable: an event line over 64 KiB"
    );
}

#[test]
fn events_refused_say_so_and_the_stream_is_readable_when_poll_says() {
    let (engine, _) = scripted(vec![json_answer(
        "400 Bad Request",
        r#"{"message":"invalid filter 'lable'"}"#,
    )]);
    let e = engine.events(None, LIMIT).err().unwrap();
    assert_eq!(
        e,
        DockerError::Refused {
            status: 400,
            message: "invalid filter 'lable'".into()
        }
    );
    // The first events can come in the same write as the head: they stay in the socket, so
    // poll sees them.
    let (engine, _) = scripted(vec![vec![
        [STREAM_HEAD, &chunk(&line("start", "4"))].concat(),
    ]]);
    let mut events = engine.events(None, LIMIT).unwrap();
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut fds = [PollFd::new(events.as_fd(), PollFlags::POLLIN)];
    assert_eq!(poll(&mut fds, PollTimeout::from(30_000u16)).unwrap(), 1);
    assert_eq!(
        seen(events.read_ready().unwrap()),
        vec![(Action::Start, "4".into())]
    );
}
