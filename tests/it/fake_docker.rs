//! Quick checks of the fake Docker engine itself, through a raw UnixStream client, so that a
//! failing peekaboo test against it can be blamed on peekaboo and not on its fixture: the API
//! versions it serves, the listing and inspect shapes, the event sequences of docker's
//! commands on a chunked stream that stays open, and the engine going away and coming back.

use crate::fake::docker::{DockerConfig, FakeDocker, Spec};

use serde_json::Value;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

const FILTERS: &str =
    "filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22label%22%3A%5B%22peekaboo.lb%22%5D%7D";
const LIST: &str =
    "/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22peekaboo.lb%22%5D%7D";

fn connect(d: &FakeDocker) -> UnixStream {
    let s = UnixStream::connect(d.socket()).expect("connect to the fake engine");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s
}

fn send(s: &mut UnixStream, method: &str, target: &str) {
    let req = format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
}

/// Reads an answer's head: its status line and headers.
fn head(r: &mut impl BufRead) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert!(line.ends_with("\r\n"), "{line:?}");
        let line = line.trim_end().to_string();
        if line.is_empty() {
            return lines;
        }
        lines.push(line);
    }
}

fn header<'a>(head: &'a [String], name: &str) -> Option<&'a str> {
    head.iter().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// One request on a connection of its own: the status and the body, read by its length.
fn get_as(d: &FakeDocker, method: &str, target: &str) -> (u16, String) {
    let mut s = connect(d);
    send(&mut s, method, target);
    let mut r = BufReader::new(s);
    let head = head(&mut r);
    let status = head[0].split(' ').nth(1).unwrap().parse().unwrap();
    let len: usize = header(&head, "content-length").unwrap().parse().unwrap();
    assert!(header(&head, "api-version").is_some(), "{head:?}");
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "bytes past Content-Length: {rest:?}");
    (status, String::from_utf8(body).unwrap())
}

fn get(d: &FakeDocker, target: &str) -> (u16, Value) {
    let (status, body) = get_as(d, "GET", target);
    (status, serde_json::from_str(&body).unwrap())
}

/// An open `/events` stream, read chunk by chunk.
struct Events {
    r: BufReader<UnixStream>,
}

impl Events {
    fn open(d: &FakeDocker, query: &str) -> Events {
        let mut s = connect(d);
        send(&mut s, "GET", &format!("/v1.41/events?{query}"));
        let mut r = BufReader::new(s);
        let head = head(&mut r);
        assert_eq!(head[0], "HTTP/1.1 200 OK");
        assert_eq!(header(&head, "transfer-encoding"), Some("chunked"));
        assert_eq!(header(&head, "content-length"), None);
        Events { r }
    }

    /// The next event: one chunk holding one line.
    fn next(&mut self) -> Value {
        let mut size = String::new();
        self.r.read_line(&mut size).unwrap();
        let size = usize::from_str_radix(size.trim_end(), 16).expect("a chunk size");
        let mut data = vec![0; size + 2];
        self.r.read_exact(&mut data).unwrap();
        assert!(
            data.ends_with(b"\n\r\n"),
            "{:?}",
            String::from_utf8_lossy(&data)
        );
        serde_json::from_slice(&data[..size]).unwrap()
    }

    /// The next `n` events, each as "action" plus its signal or exit code.
    fn next_n(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| said(&self.next())).collect()
    }

    /// Whether the engine closed the stream (with no last chunk: it went away).
    fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        self.r.read_to_end(&mut rest).is_ok() && rest.is_empty()
    }
}

fn said(e: &Value) -> String {
    let action = e["Action"].as_str().unwrap();
    let attributes = &e["Actor"]["Attributes"];
    match (&attributes["signal"], &attributes["exitCode"]) {
        (Value::String(s), _) => format!("{action} {s}"),
        (_, Value::String(c)) if action.ends_with("die") => format!("{action} {c}"),
        _ => action.to_string(),
    }
}

fn web(name: &str) -> Spec {
    Spec {
        healthcheck: true,
        publish: vec!["8080:80".into(), "5353:53/udp".into()],
        restart: "always".into(),
        stop_signal: Some("SIGQUIT".into()),
        ..Spec::labelled(name, "web-lb").label("peekaboo.port", "8080")
    }
}

#[test]
fn it_serves_the_api_versions_its_engine_does() {
    let d = FakeDocker::new(DockerConfig::default());
    assert_eq!(d.docker_host(), format!("unix://{}", d.socket().display()));
    let (status, v) = get(&d, "/version");
    assert_eq!(status, 200);
    assert_eq!(
        (&v["Version"], &v["ApiVersion"], &v["MinAPIVersion"]),
        (&"20.10.24+dfsg1".into(), &"1.41".into(), &"1.12".into())
    );
    assert_eq!(get(&d, "/v1.41/version").0, 200);
    assert_eq!(get_as(&d, "GET", "/_ping"), (200, "OK".into()));
    let (status, e) = get(&d, "/v1.42/version");
    assert_eq!(status, 400);
    assert_eq!(
        e["message"],
        "client version 1.42 is too new. Maximum supported API version is 1.41"
    );

    let old = FakeDocker::new(DockerConfig::too_old());
    assert_eq!(get(&old, "/version").1["ApiVersion"], "1.40");
    let (status, e) = get(&old, LIST);
    assert_eq!(status, 400);
    assert_eq!(
        e["message"],
        "client version 1.41 is too new. Maximum supported API version is 1.40"
    );

    let new = FakeDocker::new(DockerConfig::docker29());
    let (status, e) = get(&new, LIST);
    assert_eq!(status, 400);
    assert_eq!(
        e["message"],
        "client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version"
    );
    assert_eq!(get(&new, "/v1.44/containers/json").0, 200);
}

#[test]
fn it_lists_the_labelled_containers_running_or_all_newest_first() {
    let d = FakeDocker::new(DockerConfig::default());
    let web1 = d.add(web("web-1"));
    d.start(&web1);
    let other = d.add(Spec {
        labels: vec![("app".into(), "other".into())],
        ..Spec::labelled("other", "")
    });
    d.start(&other);
    let web2 = d.add(Spec::labelled("web-2", "api-lb"));
    let names = |v: &Value| -> Vec<String> {
        (v.as_array().unwrap().iter())
            .map(|c| c["Names"][0].as_str().unwrap().to_string())
            .collect()
    };
    let (_, all) = get(&d, LIST);
    assert_eq!(names(&all), vec!["/web-2", "/web-1"]);
    let running = "/v1.41/containers/json?filters=%7B%22label%22%3A%5B%22peekaboo.lb%22%5D%7D";
    assert_eq!(names(&get(&d, running).1), vec!["/web-1"]);
    let by_value = "/v1.41/containers/json?all=1&filters={\"label\":{\"peekaboo.lb=api-lb\":true}}";
    assert_eq!(names(&get(&d, by_value).1), vec!["/web-2"]);
    assert_eq!(
        names(&get(&d, "/v1.41/containers/json?all=true").1).len(),
        3
    );
    let (status, e) = get(
        &d,
        "/v1.41/containers/json?filters=%7B%22status%22%3A%5B%22x%22%5D%7D",
    );
    assert_eq!(
        (status, &e["message"]),
        (400, &"invalid filter 'status'".into())
    );

    let w1 = &all[1];
    assert_eq!(w1["Id"], web1.as_str());
    assert_eq!(w1["State"], "running");
    assert_eq!(w1["Status"], "Up Less than a second (health: starting)");
    assert_eq!(w1["Labels"]["peekaboo.port"], "8080");
    assert_eq!(
        w1["Ports"][0],
        serde_json::json!({"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"})
    );
    assert_eq!(
        (&all[0]["State"], &all[0]["Status"]),
        (&"created".into(), &"Created".into())
    );
    assert_eq!(all[0]["Id"], web2.as_str());
}

#[test]
fn inspect_shows_health_stop_signal_ports_and_restart_policy() {
    let d = FakeDocker::new(DockerConfig::default());
    let id = d.add(web("web-1"));
    let (status, c) = get(&d, &format!("/v1.41/containers/{id}/json"));
    assert_eq!(status, 200);
    // Created: the check is configured, no verdict yet, no port bound.
    assert_eq!(c["State"]["Status"], "created");
    assert_eq!(c["State"].get("Health"), None);
    assert_eq!(c["Config"]["Healthcheck"]["Test"][0], "CMD-SHELL");
    assert_eq!(c["NetworkSettings"]["Ports"], serde_json::json!({}));
    d.start(&id);
    // By name and by a short id too.
    let (_, c) = get(&d, "/v1.41/containers/web-1/json");
    let (_, same) = get(&d, &format!("/v1.41/containers/{}/json", &id[..12]));
    assert_eq!(c, same);
    assert_eq!(c["Name"], "/web-1");
    assert_eq!(c["State"]["Status"], "running");
    assert_eq!(c["State"]["Running"], true);
    assert_eq!(c["State"]["Health"]["Status"], "starting");
    assert_eq!(c["Config"]["StopSignal"], "SIGQUIT");
    assert_eq!(c["Config"]["Labels"]["peekaboo.lb"], "web-lb");
    assert_eq!(c["HostConfig"]["RestartPolicy"]["Name"], "always");
    assert_eq!(
        c["NetworkSettings"]["Ports"],
        serde_json::json!({
            "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}],
            "53/udp": [{"HostIp": "0.0.0.0", "HostPort": "5353"}, {"HostIp": "::", "HostPort": "5353"}],
        })
    );
    d.set_health(&id, true);
    let (_, c) = get(&d, &format!("/v1.41/containers/{id}/json"));
    assert_eq!(c["State"]["Health"]["Status"], "healthy");
    // --net=host, no check, no stop signal, no restart policy.
    let plain = d.add(Spec::labelled("plain", "web-lb"));
    let (_, c) = get(&d, &format!("/v1.41/containers/{plain}/json"));
    assert_eq!(c["Config"]["StopSignal"], Value::Null);
    assert_eq!(c["Config"].get("Healthcheck"), None);
    assert_eq!(c["HostConfig"]["NetworkMode"], "host");
    assert_eq!(c["HostConfig"]["RestartPolicy"]["Name"], "no");
    let (status, e) = get(&d, "/v1.41/containers/nope/json");
    assert_eq!(
        (status, &e["message"]),
        (404, &"No such container: nope".into())
    );
}

#[test]
fn docker_run_health_and_stop_send_their_events_on_a_stream_that_stays_open() {
    let d = FakeDocker::new(DockerConfig::default());
    let mut events = Events::open(&d, FILTERS);
    d.wait_subscribers(1);
    let id = d.add(web("web-1"));
    d.start(&id);
    d.set_health(&id, true);
    d.set_health(&id, true);
    d.set_health(&id, false);
    // An unlabelled container's events pass the label filter by.
    let other = d.add(Spec {
        labels: vec![],
        ..Spec::labelled("other", "")
    });
    d.start(&other);
    d.stop(&id);
    let cmd = "/bin/sh -c wget -q -O- http://127.0.0.1/ || exit 1";
    let check = |code: &str| {
        vec![
            format!("exec_create: {cmd}"),
            format!("exec_start: {cmd}"),
            format!("exec_die {code}"),
        ]
    };
    // A status that does not change sends no health_status; SIGQUIT is 3, so die 131.
    let mut want: Vec<String> = vec!["create".into(), "start".into()];
    want.extend(check("0"));
    want.push("health_status: healthy".into());
    want.extend(check("0"));
    want.extend(check("1"));
    for e in ["health_status: unhealthy", "kill 3", "die 131", "stop"] {
        want.push(e.into());
    }
    let first = events.next();
    assert_eq!(said(&first), "create");
    assert_eq!(first["Actor"]["ID"], id.as_str());
    assert_eq!(first["Actor"]["Attributes"]["name"], "web-1");
    assert_eq!(first["Actor"]["Attributes"]["peekaboo.lb"], "web-lb");
    assert_eq!(first["Type"], "container");
    assert!(first["time"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(events.next_n(want.len() - 1), want[1..]);
    // Still open: the next run comes on the same stream.
    d.start(&id);
    assert_eq!(events.next_n(1), vec!["start"]);
    assert_eq!(d.subscribers(), 1);
}

#[test]
fn a_crash_restarts_by_policy_a_stop_timeout_kills_and_rm_f_kills_then_destroys() {
    let d = FakeDocker::new(DockerConfig::default());
    let mut events = Events::open(&d, FILTERS);
    d.wait_subscribers(1);
    let always = d.add(web("always"));
    let stubborn = d.add(Spec {
        ignores_stop_signal: true,
        ..Spec::labelled("stubborn", "web-lb")
    });
    for id in [&always, &stubborn] {
        d.start(id);
    }
    d.crash(&always, 3);
    d.crash(&stubborn, 0);
    d.start(&stubborn);
    d.signal(&stubborn, 1);
    d.stop(&stubborn);
    d.remove(&always);
    d.remove(&stubborn);
    assert_eq!(
        events.next_n(16),
        [
            "create", "create", "start", "start", // docker run of both
            "die 3", "start", // always: back at once, no kill, no stop
            "die 0", // no policy: it stays down
            "start", "kill 1", // a signal it lives through
            "kill 15", "kill 9", "die 137", "stop", // docker stop, timed out
            "kill 9", "die 137", "destroy", // rm -f of the running one
        ]
    );
    assert_eq!(events.next_n(1), ["destroy"]);
    let (_, all) = get(&d, LIST);
    assert_eq!(all, serde_json::json!([]));
    let (_, c) = get(&d, "/v1.41/containers/json");
    assert_eq!(c, serde_json::json!([]));
}

#[test]
fn every_subscriber_gets_every_event_and_since_replays_the_past_first() {
    let d = FakeDocker::new(DockerConfig::default());
    let mut a = Events::open(&d, FILTERS);
    let mut b = Events::open(
        &d,
        "filters=%7B%22label%22%3A%5B%22peekaboo.lb%3Dweb-lb%22%5D%7D",
    );
    d.wait_subscribers(2);
    let id = d.add(Spec::labelled("web-1", "web-lb"));
    let api = d.add(Spec::labelled("api-1", "api-lb"));
    d.start(&id);
    assert_eq!(a.next_n(3), ["create", "create", "start"]);
    let (first, then) = (b.next(), b.next());
    assert_eq!(
        (said(&first), said(&then)),
        ("create".into(), "start".into())
    );
    assert_eq!(first["id"], id.as_str());
    let mut replay = Events::open(&d, &format!("{FILTERS}&since=0"));
    d.wait_subscribers(3);
    d.start(&api);
    assert_eq!(replay.next_n(4), ["create", "create", "start", "start"]);
    assert_eq!(a.next_n(1), ["start"]);
}

#[test]
fn the_engine_going_away_ends_every_stream_and_refuses_until_it_is_back() {
    let d = FakeDocker::new(DockerConfig::default());
    let mut events = Events::open(&d, FILTERS);
    d.wait_subscribers(1);
    let id = d.add(web("web-1"));
    d.start(&id);
    assert_eq!(events.next_n(2), ["create", "start"]);
    d.drop_engine();
    assert!(events.closed());
    assert_eq!(d.subscribers(), 0);
    let refused = UnixStream::connect(d.socket()).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    // Meanwhile the app crashes and comes back: the state moves, no event is kept.
    d.crash(&id, 3);
    d.set_health(&id, true);
    d.restore_engine();
    let (_, c) = get(&d, &format!("/v1.41/containers/{id}/json"));
    assert_eq!(c["State"]["Health"]["Status"], "healthy");
    assert_eq!(c["RestartCount"], 1);
    let mut again = Events::open(&d, &format!("{FILTERS}&since=0"));
    d.wait_subscriptions(2);
    d.stop(&id);
    assert_eq!(
        again.next_n(5),
        ["create", "start", "kill 3", "die 131", "stop"]
    );
    let requests = d.requests();
    assert!(
        requests.iter().all(|r| r.starts_with("GET /v1.41/")),
        "{requests:?}"
    );
    assert_eq!(requests.len(), 3);
}

#[test]
fn requests_are_recorded_whatever_their_method() {
    let d = FakeDocker::new(DockerConfig::default());
    let id = d.add(Spec::labelled("web-1", "web-lb"));
    let (status, _) = get_as(&d, "POST", &format!("/v1.41/containers/{id}/stop"));
    assert_eq!(status, 404);
    get(&d, "/version");
    assert_eq!(
        d.requests(),
        [
            format!("POST /v1.41/containers/{id}/stop"),
            "GET /version".into()
        ]
    );
}
