//! The fake engine's HTTP side: one request per connection, the API version in the path
//! checked as dockerd checks it, then `/_ping`, `/version`, the listing, inspect and the event
//! stream, with the bodies shaped as a 20.10 engine shapes them.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::super::query::{decode, pairs};
use super::{Container, Shared, State, Subscriber};

const MAX_LINE: usize = 16 * 1024;

/// Serves the one request of a connection; an event stream holds the connection until the
/// client or the engine goes.
pub(super) fn serve(sh: &Shared, stream: UnixStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Some((method, target)) = read_request(&stream) else {
        return;
    };
    let mut st = sh.lock();
    st.requests.push(format!("{method} {target}"));
    if !st.up {
        // Accepted just before the engine went: it never answers.
        return;
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = parse_query(query);
    let answer = match version_path(&sh.cfg, path) {
        Err(refusal) => refusal,
        Ok(_) if method != "GET" => error(404, "page not found"),
        Ok("/events") => return subscribe(sh, st, stream, &query),
        Ok(route) => answer(sh, &st, route, &query),
    };
    drop(st);
    let _ = write_answer(&stream, &sh.cfg, answer);
}

/// The request line's method and target; the headers are read and ignored.
fn read_request(stream: &UnixStream) -> Option<(String, String)> {
    let mut r = BufReader::new(stream).take(64 * 1024);
    let mut first = String::new();
    r.read_line(&mut first).ok()?;
    let mut parts = first.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 || line.len() > MAX_LINE {
            return None;
        }
        if line.trim().is_empty() {
            return Some((method, target));
        }
    }
}

/// `/v1.41/containers/json` -> `/containers/json`, when the engine speaks 1.41; a path with no
/// version is the engine's newest.
fn version_path<'a>(cfg: &super::DockerConfig, path: &'a str) -> Result<&'a str, (u16, String)> {
    let Some(rest) = path
        .strip_prefix("/v")
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    else {
        return Ok(path);
    };
    let (version, route) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Some(minor) = version
        .strip_prefix("1.")
        .and_then(|m| m.parse::<u32>().ok())
    else {
        return Err(error(404, "page not found"));
    };
    if minor > cfg.api_max {
        return Err(error(
            400,
            &format!(
                "client version {version} is too new. Maximum supported API version is 1.{}",
                cfg.api_max
            ),
        ));
    }
    if minor < cfg.api_min {
        return Err(error(
            400,
            &format!(
                "client version {version} is too old. Minimum supported API version is 1.{}, please upgrade your client to a newer version",
                cfg.api_min
            ),
        ));
    }
    Ok(route)
}

fn answer(sh: &Shared, st: &State, route: &str, query: &BTreeMap<String, String>) -> (u16, String) {
    let parts: Vec<&str> = route.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["_ping"] => (200, "OK".into()),
        ["version"] => (200, version(&sh.cfg).to_string()),
        ["containers", "json"] => list(st, query),
        ["containers", id, "json"] => match lookup(st, &decode(id)) {
            Some(c) => (200, inspect(c).to_string()),
            None => error(404, &format!("No such container: {}", decode(id))),
        },
        _ => error(404, "page not found"),
    }
}

fn error(status: u16, message: &str) -> (u16, String) {
    (status, json!({ "message": message }).to_string())
}

/// By full id, by name (with or without its '/'), or by a prefix of one id only.
fn lookup<'a>(st: &'a State, key: &str) -> Option<&'a Container> {
    let name = key.trim_start_matches('/');
    if let Some(c) = st
        .containers
        .iter()
        .find(|c| c.id == key || c.spec.name == name)
    {
        return Some(c);
    }
    let mut prefixed = st.containers.iter().filter(|c| c.id.starts_with(key));
    match (prefixed.next(), prefixed.next()) {
        (Some(c), None) if !key.is_empty() => Some(c),
        _ => None,
    }
}

/// The `label` filter of a `filters` query value, or why it is refused. `allowed` are the
/// filter names the endpoint takes.
fn label_filter(
    query: &BTreeMap<String, String>,
    allowed: &[&str],
) -> Result<Vec<String>, (u16, String)> {
    let Some(filters) = query.get("filters") else {
        return Ok(vec![]);
    };
    let filters: Map<String, Value> =
        serde_json::from_str(filters).map_err(|e| error(400, &format!("invalid filter: {e}")))?;
    let mut labels = Vec::new();
    for (name, values) in &filters {
        if !allowed.contains(&name.as_str()) {
            return Err(error(400, &format!("invalid filter '{name}'")));
        }
        // Both forms dockerd takes: ["a", "b"] and {"a": true, "b": true}.
        let values: Vec<String> = match values {
            Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            Value::Object(o) => o.keys().cloned().collect(),
            _ => return Err(error(400, "invalid filter")),
        };
        if name == "type" && values.iter().any(|t| t != "container") {
            // Only containers exist here: a filter for other types matches nothing.
            labels.push("\0no such label".into());
        }
        if name == "label" {
            labels.extend(values);
        }
    }
    Ok(labels)
}

/// Whether `labels` has every one of `filter`: "key" or "key=value".
pub(super) fn matches(filter: &[String], labels: &BTreeMap<String, String>) -> bool {
    filter.iter().all(|f| match f.split_once('=') {
        Some((k, v)) => labels.get(k).is_some_and(|have| have == v),
        None => labels.contains_key(f),
    })
}

fn list(st: &State, query: &BTreeMap<String, String>) -> (u16, String) {
    let filter = match label_filter(query, &["label"]) {
        Ok(f) => f,
        Err(refusal) => return refusal,
    };
    let all = query.get("all").is_some_and(|a| a == "1" || a == "true");
    // Newest first, as `docker ps` lists.
    let shown: Vec<Value> = (st.containers.iter().rev())
        .filter(|c| all || c.status == "running")
        .filter(|c| matches(&filter, &c.labels()))
        .map(summary)
        .collect();
    (200, Value::Array(shown).to_string())
}

/// "8080:80" -> (8080, 80, "tcp"); "5353:53/udp" -> (5353, 53, "udp").
fn published(spec: &str) -> (u16, u16, &str) {
    let (ports, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
    let (host, inner) = ports.split_once(':').expect("-p HOST:CONTAINER");
    (host.parse().unwrap(), inner.parse().unwrap(), proto)
}

fn summary(c: &Container) -> Value {
    let running = c.status == "running";
    let mut ports = Vec::new();
    for p in c.spec.publish.iter().filter(|_| running) {
        let (host, inner, proto) = published(p);
        for ip in ["0.0.0.0", "::"] {
            ports.push(json!({"IP": ip, "PrivatePort": inner, "PublicPort": host, "Type": proto}));
        }
    }
    let status = match (c.status, c.health) {
        ("running", Some("starting")) => "Up Less than a second (health: starting)".into(),
        ("running", Some(h)) => format!("Up Less than a second ({h})"),
        ("running", None) => "Up Less than a second".into(),
        ("created", _) => "Created".into(),
        (_, _) => format!("Exited ({}) Less than a second ago", c.exit_code),
    };
    json!({
        "Id": c.id, "Names": [format!("/{}", c.spec.name)], "Image": "peekaboo-test",
        "ImageID": "sha256:5d1f0e5e", "Command": "httpd -f -h /www", "Created": c.created,
        "Ports": ports, "Labels": c.labels(), "State": c.status, "Status": status,
        "HostConfig": {"NetworkMode": network_mode(c)}, "NetworkSettings": {"Networks": {}},
        "Mounts": [],
    })
}

fn network_mode(c: &Container) -> &'static str {
    if c.spec.publish.is_empty() {
        "host"
    } else {
        "default"
    }
}

fn inspect(c: &Container) -> Value {
    let running = c.status == "running";
    let mut state = json!({
        "Status": c.status, "Running": running, "Paused": false, "Restarting": false,
        "OOMKilled": false, "Dead": false, "Pid": c.pid, "ExitCode": c.exit_code, "Error": "",
        "StartedAt": "2026-01-01T00:00:01.000000000Z", "FinishedAt": "0001-01-01T00:00:00Z",
    });
    if let Some(h) = c.health {
        state["Health"] = json!({"Status": h, "FailingStreak": c.failing_streak, "Log": []});
    }
    let mut config = json!({
        "Hostname": "host", "Image": "peekaboo-test", "Cmd": ["httpd", "-f", "-h", "/www"],
        "Labels": c.labels(), "StopSignal": c.spec.stop_signal, "StopTimeout": 3,
    });
    if c.spec.healthcheck {
        config["Healthcheck"] = json!({
            "Test": ["CMD-SHELL", "wget -q -O- http://127.0.0.1/ || exit 1"],
            "Interval": 1_000_000_000u64, "Retries": 1,
        });
    }
    let (mut bindings, mut ports) = (Map::new(), Map::new());
    for p in &c.spec.publish {
        let (host, inner, proto) = published(p);
        let key = format!("{inner}/{proto}");
        bindings.insert(
            key.clone(),
            json!([{"HostIp": "", "HostPort": host.to_string()}]),
        );
        // Bound only while it runs; on IPv4 and IPv6 alike.
        let bound: Vec<Value> = ["0.0.0.0", "::"]
            .iter()
            .map(|ip| json!({"HostIp": ip, "HostPort": host.to_string()}))
            .collect();
        if running {
            ports.insert(key, Value::Array(bound));
        }
    }
    json!({
        "Id": c.id, "Created": "2026-01-01T00:00:00.000000000Z", "Path": "httpd",
        "Args": ["-f", "-h", "/www"], "State": state, "Image": "sha256:5d1f0e5e",
        "Name": format!("/{}", c.spec.name), "RestartCount": c.restarts, "Driver": "vfs",
        "Platform": "linux", "Config": config,
        "HostConfig": {
            "NetworkMode": network_mode(c), "PortBindings": bindings,
            "RestartPolicy": {"Name": c.spec.restart, "MaximumRetryCount": 0},
        },
        "NetworkSettings": {"Bridge": "", "Ports": ports, "Networks": {}},
    })
}

fn version(cfg: &super::DockerConfig) -> Value {
    let (api, min) = (format!("1.{}", cfg.api_max), format!("1.{}", cfg.api_min));
    json!({
        "Platform": {"Name": ""},
        "Components": [{"Name": "Engine", "Version": cfg.version, "Details": {
            "ApiVersion": api, "MinAPIVersion": min, "Os": "linux", "Arch": "amd64"}}],
        "Version": cfg.version, "ApiVersion": api, "MinAPIVersion": min,
        "GitCommit": "5d6db84", "GoVersion": "go1.19.8", "Os": "linux", "Arch": "amd64",
        "KernelVersion": "6.1.0-18-amd64", "BuildTime": "2023-05-13T10:22:34.000000000+00:00",
    })
}

/// An event line as the engine writes it: its fields as 1.41 has them (status, id and from
/// too), the container's labels among the attributes.
pub(super) fn event_line(
    c: &Container,
    action: &str,
    extra: &[(&str, &str)],
    (secs, nanos): (i64, i64),
) -> String {
    let mut attributes = c.labels();
    attributes.insert("image".into(), "peekaboo-test".into());
    attributes.insert("name".into(), c.spec.name.clone());
    for (k, v) in extra {
        attributes.insert(k.to_string(), v.to_string());
    }
    let event = json!({
        "status": action, "id": c.id, "from": "peekaboo-test", "Type": "container",
        "Action": action, "Actor": {"ID": c.id, "Attributes": attributes}, "scope": "local",
        "time": secs, "timeNano": nanos,
    });
    format!("{event}\n")
}

/// Writes one line of the stream as one chunk, as dockerd flushes each event.
pub(super) fn send(stream: &mut UnixStream, line: &str) -> std::io::Result<()> {
    stream.write_all(format!("{:x}\r\n{line}\r\n", line.len()).as_bytes())
}

/// `/events`: the head at once, the events since `since=` that the filters take, then every
/// new one until the client or the engine goes.
fn subscribe(
    sh: &Shared,
    mut st: std::sync::MutexGuard<'_, State>,
    mut stream: UnixStream,
    query: &BTreeMap<String, String>,
) {
    let labels = match label_filter(query, &["type", "label"]) {
        Ok(l) => l,
        Err(refusal) => {
            drop(st);
            let _ = write_answer(&stream, &sh.cfg, refusal);
            return;
        }
    };
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let head = format!(
        "HTTP/1.1 200 OK\r\n{}Transfer-Encoding: chunked\r\n\r\n",
        common_headers(&sh.cfg)
    );
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    if let Some(since) = query.get("since").and_then(|s| s.parse::<i64>().ok()) {
        for e in st
            .log
            .iter()
            .filter(|e| e.time >= since && matches(&labels, &e.labels))
        {
            if send(&mut stream, &e.line).is_err() {
                return;
            }
        }
    }
    st.subscriptions += 1;
    let serial = st.subscriptions;
    let Ok(writer) = stream.try_clone() else {
        return;
    };
    st.subscribers.push(Subscriber {
        serial,
        stream: writer,
        labels,
    });
    sh.changed.notify_all();
    drop(st);
    // The client sends nothing more: a read returns when it closes, or the engine goes.
    let _ = stream.set_read_timeout(None);
    let _ = stream.read(&mut [0; 1]);
    let mut st = sh.lock();
    st.subscribers.retain(|s| s.serial != serial);
    sh.changed.notify_all();
}

fn common_headers(cfg: &super::DockerConfig) -> String {
    format!(
        "Api-Version: 1.{}\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/{} (linux)\r\n",
        cfg.api_max, cfg.version
    )
}

fn write_answer(
    mut stream: &UnixStream,
    cfg: &super::DockerConfig,
    (status, body): (u16, String),
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Error",
    };
    // Every JSON answer ends with the newline Go's encoder writes.
    let body = if body == "OK" { body } else { body + "\n" };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\n{}Content-Length: {}\r\nConnection: close\r\n\r\n",
        common_headers(cfg),
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    pairs(query).into_iter().collect()
}
