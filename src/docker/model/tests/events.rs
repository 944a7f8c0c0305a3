//! The engine's event lines, as docs/docker-api.md records them, read as what happened to a
//! container; lines that are no container event passed over or named.

use super::*;

/// An event line as the engine writes it (API 1.41 still carries status, id and from).
fn event_line(action: &str, attributes: &str) -> String {
    format!(
        r#"{{"status":"{action}","id":"{ID}","from":"web","Type":"container","Action":"{action}","Actor":{{"ID":"{ID}","Attributes":{{{attributes}}}}},"scope":"local","time":1796591548,"timeNano":1796591548123456789}}"#
    )
}

#[test]
fn events_read_as_what_happened_to_the_container() {
    let base = r#""image":"web","name":"web-1","peekaboo.lb":"web-lb""#;
    let cases: &[(&str, &str, Action)] = &[
        ("create", "", Action::Create),
        ("start", "", Action::Start),
        ("kill", r#","signal":"15""#, Action::Kill { signal: 15 }),
        ("kill", r#","signal":"9""#, Action::Kill { signal: 9 }),
        ("kill", "", Action::Kill { signal: 0 }),
        (
            "die",
            r#","exitCode":"137","execDuration":"4""#,
            Action::Die { exit_code: 137 },
        ),
        ("die", r#","exitCode":"3""#, Action::Die { exit_code: 3 }),
        ("die", "", Action::Die { exit_code: -1 }),
        ("stop", "", Action::Stop),
        ("destroy", "", Action::Destroy),
        ("pause", "", Action::Pause),
        ("unpause", "", Action::Unpause),
        (
            "health_status: healthy",
            "",
            Action::Health(Health::Healthy),
        ),
        (
            "health_status: unhealthy",
            "",
            Action::Health(Health::Unhealthy),
        ),
        (
            "health_status: starting",
            "",
            Action::Health(Health::Starting),
        ),
        (
            "health_status:odd",
            "",
            Action::Health(Health::Other("odd".into())),
        ),
        (
            "exec_create: /bin/sh -c wget -q -O- http://127.0.0.1:18555/ || exit 1",
            r#","execID":"e1""#,
            Action::Other(
                "exec_create: /bin/sh -c wget -q -O- http://127.0.0.1:18555/ || exit 1".into(),
            ),
        ),
        (
            "exec_die",
            r#","execID":"e1","exitCode":"0""#,
            Action::Other("exec_die".into()),
        ),
        (
            "rename",
            r#","oldName":"/web-0""#,
            Action::Other("rename".into()),
        ),
    ];
    for (action, extra, want) in cases {
        let line = event_line(action, &format!("{base}{extra}"));
        let e = event(line.as_bytes())
            .unwrap_or_else(|err| panic!("{line}: {err}"))
            .unwrap();
        assert_eq!(e.action, *want, "{line}");
        assert_eq!(
            (e.id.as_str(), e.name.as_str(), e.time),
            (ID, "web-1", 1796591548)
        );
        let mut want_labels = labels(&[("peekaboo.lb", "web-lb")]);
        if *action == "rename" {
            want_labels.insert("oldName".into(), "/web-0".into());
        }
        assert_eq!(e.labels, want_labels, "{line}");
    }
}

#[test]
fn lines_that_are_no_container_event_are_passed_over_or_named() {
    assert_eq!(event(b"").unwrap(), None);
    assert_eq!(event(b"  \r").unwrap(), None);
    let network =
        r#"{"Type":"network","Action":"connect","Actor":{"ID":"n1","Attributes":{}},"time":1}"#;
    assert_eq!(event(network.as_bytes()).unwrap(), None);
    // API 1.52 dropped status, id and from: the event reads the same without them.
    let newer = format!(
        r#"{{"Type":"container","Action":"start","Actor":{{"ID":"{ID}","Attributes":{{"name":"web-1"}}}},"scope":"local","time":5,"timeNano":5000000000}}"#
    );
    let e = event(newer.as_bytes()).unwrap().unwrap();
    assert_eq!((e.action, e.time), (Action::Start, 5));
    let no_actor = r#"{"Type":"container","Action":"start","time":1}"#;
    assert!(
        event(no_actor.as_bytes())
            .unwrap_err()
            .starts_with("an event with no Actor.ID: ")
    );
    let e = event(b"{not json").unwrap_err();
    assert!(e.starts_with("an event: "), "{e}");
    assert!(e.ends_with(r#": "{not json""#), "{e}");
}
