//! The engine's bodies, shaped as docs/docker-api.md records them, read into peekaboo's terms.

use super::*;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const ID: &str = "265f43a586f8d1e9c1d6b0f1bd1c1b8e4f33a0a3f0d7a0e3b6a7a6a3c1d2e3f4";

#[test]
fn the_listing_gives_each_container_its_name_state_and_labels() {
    let body = format!(
        r#"[{{"Id": "{ID}", "Names": ["/web-1"], "Image": "web", "Command": "httpd -f",
            "Created": 1796591540, "Ports": [],
            "Labels": {{"peekaboo.lb": "web-lb", "peekaboo.port": "18555"}},
            "State": "running", "Status": "Up 3 seconds (healthy)",
            "HostConfig": {{"NetworkMode": "host"}}, "NetworkSettings": {{"Networks": {{}}}},
            "Mounts": []}},
           {{"Id": "b2", "Names": ["/db/web", "/db"], "Labels": null, "State": "exited"}},
           {{"Id": "c3", "Names": null, "State": "removing", "Labels": {{}}}},
           {{"Id": "d4", "Names": ["/odd"], "State": "thawing"}}]"#
    );
    let got = summaries(body.as_bytes()).unwrap();
    assert_eq!(
        got,
        vec![
            Summary {
                id: ID.into(),
                name: "web-1".into(),
                state: State::Running,
                labels: labels(&[("peekaboo.lb", "web-lb"), ("peekaboo.port", "18555")]),
            },
            // A legacy link's name ("/db/web") is not the container's own.
            Summary {
                id: "b2".into(),
                name: "db".into(),
                state: State::Exited,
                labels: labels(&[]),
            },
            Summary {
                id: "c3".into(),
                name: "".into(),
                state: State::Removing,
                labels: labels(&[]),
            },
            Summary {
                id: "d4".into(),
                name: "odd".into(),
                state: State::Other("thawing".into()),
                labels: labels(&[]),
            },
        ]
    );
    assert_eq!(summaries(b"[]").unwrap(), vec![]);
}

#[test]
fn every_state_word_reads_as_itself() {
    for word in [
        "created",
        "running",
        "paused",
        "restarting",
        "removing",
        "exited",
        "dead",
    ] {
        let state = State::from_word(word);
        assert!(!matches!(state, State::Other(_)), "{word}");
        assert_eq!(state.to_string(), word);
    }
}

/// Inspect's body as a 20.10 engine gives it, with what differs between containers filled in.
fn inspect(state: &str, config: &str, host_config: &str, ports: &str) -> String {
    format!(
        r#"{{"Id": "{ID}", "Created": "2026-12-07T10:32:20.1Z", "Path": "httpd",
            "Args": ["-f", "-p", "18555"], "State": {state}, "Image": "sha256:5d1",
            "Name": "/web-1", "RestartCount": 0, "Driver": "vfs",
            "Config": {config}, "HostConfig": {host_config},
            "NetworkSettings": {{"Bridge": "", "Ports": {ports}, "Networks": {{}}}}}}"#
    )
}

const RUNNING_HEALTHY: &str = r#"{"Status": "running", "Running": true, "Paused": false,
    "Restarting": false, "OOMKilled": false, "Dead": false, "Pid": 30153, "ExitCode": 0,
    "Error": "", "StartedAt": "2026-12-07T10:32:21Z", "FinishedAt": "0001-01-01T00:00:00Z",
    "Health": {"Status": "healthy", "FailingStreak": 0, "Log": [{"Start": "x", "End": "y",
    "ExitCode": 0, "Output": "ok"}]}}"#;

const CONFIG_HEALTHCHECK: &str = r#"{"Hostname": "host", "Image": "web",
    "Labels": {"peekaboo.lb": "web-lb", "peekaboo.port": "18555"},
    "StopSignal": null, "StopTimeout": 3,
    "Healthcheck": {"Test": ["CMD-SHELL", "wget -q -O- http://127.0.0.1:18555/ || exit 1"],
                    "Interval": 1000000000, "Retries": 1}}"#;

const HOST_ALWAYS: &str = r#"{"NetworkMode": "host", "PortBindings": {},
    "RestartPolicy": {"Name": "always", "MaximumRetryCount": 0}}"#;

#[test]
fn inspect_gives_health_stop_signal_ports_and_restart_policy() {
    let body = inspect(RUNNING_HEALTHY, CONFIG_HEALTHCHECK, HOST_ALWAYS, "{}");
    assert_eq!(
        container(body.as_bytes()).unwrap(),
        Container {
            id: ID.into(),
            name: "web-1".into(),
            state: State::Running,
            health: Some(Health::Healthy),
            healthcheck: true,
            labels: labels(&[("peekaboo.lb", "web-lb"), ("peekaboo.port", "18555")]),
            stop_signal: 15,
            published_tcp: vec![],
            restart_policy: "always".into(),
        }
    );
}

#[test]
fn published_tcp_ports_are_the_host_ports_each_once() {
    let cases: &[(&str, &[u16])] = &[
        // Bound on IPv4 and IPv6 alike: one port.
        (
            r#"{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"},
                           {"HostIp": "::", "HostPort": "8080"}]}"#,
            &[8080],
        ),
        // UDP is not for a TCP load balancer; an exposed port not published has null.
        (
            r#"{"443/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8443"}],
                "53/udp": [{"HostIp": "0.0.0.0", "HostPort": "5353"}],
                "9000/tcp": null,
                "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}"#,
            &[8080, 8443],
        ),
        ("{}", &[]),
        ("null", &[]),
    ];
    for (ports, want) in cases {
        let body = inspect(RUNNING_HEALTHY, CONFIG_HEALTHCHECK, HOST_ALWAYS, ports);
        let c = container(body.as_bytes()).unwrap();
        assert_eq!(c.published_tcp, *want, "{ports}");
    }
}

#[test]
fn the_stop_signal_is_read_in_every_form_docker_takes() {
    let cases: &[(&str, i32)] = &[
        ("null", 15),
        (r#""""#, 15),
        (r#""SIGQUIT""#, 3),
        (r#""QUIT""#, 3),
        (r#""sigint""#, 2),
        (r#""3""#, 3),
        (r#""SIGRTMIN+3""#, 37),
        (r#""SIGUSR1""#, 10),
    ];
    for (signal, want) in cases {
        let config = format!(r#"{{"Labels": {{}}, "StopSignal": {signal}}}"#);
        let body = inspect(RUNNING_HEALTHY, &config, HOST_ALWAYS, "{}");
        let c = container(body.as_bytes()).unwrap();
        assert_eq!(c.stop_signal, *want, "{signal}");
    }
    let config = r#"{"Labels": {}, "StopSignal": "SIGNOPE"}"#;
    let body = inspect(RUNNING_HEALTHY, config, HOST_ALWAYS, "{}");
    assert_eq!(
        container(body.as_bytes()).unwrap_err(),
        "container web-1: StopSignal \"SIGNOPE\" names no signal"
    );
}

#[test]
fn health_is_none_without_a_healthcheck_and_a_healthcheck_shows_before_any_verdict() {
    let exited = r#"{"Status": "exited", "Running": false, "ExitCode": 137, "Pid": 0}"#;
    let no_check = r#"{"Labels": {"peekaboo.lb": "x"}, "StopSignal": null}"#;
    let disabled = r#"{"Labels": null, "Healthcheck": {"Test": ["NONE"]}}"#;
    let never = r#"{"RestartPolicy": {"Name": "", "MaximumRetryCount": 0}}"#;
    // What inspect reads: the state, Docker's verdict, whether there is a check, the policy.
    type Read = (State, Option<Health>, bool, &'static str);
    let cases: &[(&str, &str, &str, Read)] = &[
        (
            RUNNING_HEALTHY,
            CONFIG_HEALTHCHECK,
            HOST_ALWAYS,
            (State::Running, Some(Health::Healthy), true, "always"),
        ),
        // Created, never started: the check is there, Docker has no verdict yet.
        (
            r#"{"Status": "created"}"#,
            CONFIG_HEALTHCHECK,
            never,
            (State::Created, None, true, "no"),
        ),
        (exited, no_check, "{}", (State::Exited, None, false, "no")),
        (exited, disabled, "null", (State::Exited, None, false, "no")),
        (
            r#"{"Status": "running", "Health": {"Status": "starting", "FailingStreak": 0, "Log": null}}"#,
            CONFIG_HEALTHCHECK,
            r#"{"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}}"#,
            (State::Running, Some(Health::Starting), true, "on-failure"),
        ),
        (
            r#"{"Status": "restarting", "Health": {"Status": "unhealthy"}}"#,
            CONFIG_HEALTHCHECK,
            r#"{"RestartPolicy": {"Name": "unless-stopped"}}"#,
            (
                State::Restarting,
                Some(Health::Unhealthy),
                true,
                "unless-stopped",
            ),
        ),
    ];
    for (state, config, host, want) in cases {
        let body = inspect(state, config, host, "{}");
        let c = container(body.as_bytes()).unwrap_or_else(|e| panic!("{state}: {e}"));
        let got = (c.state, c.health, c.healthcheck, c.restart_policy.as_str());
        assert_eq!(got, want.clone(), "{state} {config} {host}");
    }
}

#[test]
fn version_gives_the_engine_and_the_api_versions_it_speaks() {
    let v2010 = r#"{"Platform": {"Name": ""}, "Version": "20.10.24+dfsg1", "ApiVersion": "1.41",
        "MinAPIVersion": "1.12", "GitCommit": "297e128", "GoVersion": "go1.19.8", "Os": "linux",
        "Arch": "amd64", "KernelVersion": "6.1.0-18-amd64"}"#;
    let v29 = r#"{"Version": "29.0.4", "ApiVersion": "1.52", "MinAPIVersion": "1.44"}"#;
    let old = r#"{"Version": "1.13.1", "ApiVersion": "1.26"}"#;
    let cases: &[(&str, &str, u32, u32)] = &[
        (v2010, "20.10.24+dfsg1", 41, 12),
        (v29, "29.0.4", 52, 44),
        (old, "1.13.1", 26, 0),
    ];
    for (body, version_, api, min_api) in cases {
        let v = version(body.as_bytes()).unwrap();
        assert_eq!(
            v,
            Version {
                version: version_.to_string(),
                api: *api,
                min_api: *min_api
            }
        );
    }
    let e = version(br#"{"Version": "x", "ApiVersion": "2.0"}"#).unwrap_err();
    assert_eq!(e, "an API version peekaboo does not know: \"2.0\"");
}

#[test]
fn an_error_answer_reads_as_one_line() {
    let cases: &[(&[u8], &str)] = &[
        (br#"{"message":"No such container: web-9"}"#, "No such container: web-9"),
        (
            b"{\"message\":\"client version 1.41 is too new.\\nMaximum supported API version is 1.40\"}\n",
            "client version 1.41 is too new. Maximum supported API version is 1.40",
        ),
        (b"page not found\n", "page not found"),
        (b"", "(no message)"),
    ];
    for (body, want) in cases {
        assert_eq!(message(body), *want);
    }
    assert_eq!(message("x".repeat(1000).as_bytes()).len(), 300);
}

#[test]
fn answers_of_another_shape_are_named_and_odd_fields_read_as_empty() {
    assert_eq!(
        summaries(br#"{"message": "x"}"#).unwrap_err(),
        r#"the container list is no list: "{\"message\": \"x\"}""#
    );
    assert_eq!(
        summaries(br#"[{"Names": ["/x"]}]"#).unwrap_err(),
        r#"a listed container with no Id: "{\"Names\":[\"/x\"]}""#
    );
    let odd = br#"[{"Id": "a1", "Names": "web-1", "State": 5, "Labels": {"a": "b", "n": 1}}]"#;
    assert_eq!(
        summaries(odd).unwrap(),
        vec![Summary {
            id: "a1".into(),
            name: "".into(),
            state: State::Other("".into()),
            labels: labels(&[("a", "b")]),
        }]
    );
    let e = container(b"[]").unwrap_err();
    assert_eq!(e, r#"the container with no Id: "[]""#);
    let e = version(b"{}").unwrap_err();
    assert_eq!(e, "an API version peekaboo does not know: \"\"");
}

// The event stream's lines.
mod events;
