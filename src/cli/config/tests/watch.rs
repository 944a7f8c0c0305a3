//! `Config::new` with -watch: its defaults, the flags only it takes, the ones it rules out,
//! and the systemd variables it reads.

use super::*;
use crate::engine::{HealthCheck, Leave, Watch};

fn watch_of(c: &Config) -> &Watch {
    match &c.mode {
        Mode::Watch(w) => w,
        other => panic!("expected watch mode, got {other:?}"),
    }
}

fn watch(list: &[&str], extra: &[(&str, &str)]) -> (Watch, Config) {
    let mut flags = vec!["-watch"];
    flags.extend_from_slice(list);
    let c = config(&flags, extra).unwrap();
    (watch_of(&c).clone(), c)
}

fn watch_err(list: &[&str], extra: &[(&str, &str)]) -> String {
    let mut flags = vec!["-watch"];
    flags.extend_from_slice(list);
    config_err(&flags, extra)
}

const WATCH_ONLY: &[(&str, &str)] = &[
    ("-health", "tcp"),
    ("-health-interval", "5s"),
    ("-health-timeout", "2s"),
    ("-rise", "2"),
    ("-fall", "3"),
    ("-leave", "delete"),
    ("-resync", "5m"),
];

#[test]
fn defaults() {
    let (w, c) = watch(&[], &[]);
    assert_eq!(
        w,
        Watch {
            check: HealthCheck::Tcp,
            every: Duration::from_secs(5),
            probe_timeout: Duration::from_secs(2),
            rise: 2,
            fall: 3,
            leave: Leave::Delete,
            resync: Duration::from_secs(300),
            notify_socket: None,
            watchdog: None,
        }
    );
    assert_eq!(
        c.timing,
        Timing {
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(120),
            drain_timeout: Duration::from_secs(60),
        }
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    // The drain still leaves the leave time to delete: half of a short -timeout.
    let (_, c) = watch(&["-timeout", "30s"], &[]);
    assert_eq!(c.timing.drain_timeout, Duration::from_secs(15));
    // -watch=false is no watch at all.
    assert_eq!(
        config(&["-watch=false"], &[]).unwrap().mode,
        Mode::Apply {
            want: Want::Present(Condition::Enabled),
            wait: false
        }
    );
}

#[test]
fn every_watch_flag_is_read() {
    let (w, c) = watch(
        &[
            "-health",
            "http://127.0.0.1:8080/health",
            "-health-interval",
            "0.2s",
            "-health-timeout=3ms",
            "-rise",
            "1",
            "-fall",
            "1000",
            "-leave",
            "DISABLE",
            "-resync",
            "500ms",
            "-drain-timeout",
            "90s",
            "-timeout",
            "3m",
        ],
        &[],
    );
    assert_eq!(
        w.check,
        HealthCheck::Http("http://127.0.0.1:8080/health".into())
    );
    assert_eq!(
        (w.every, w.probe_timeout, w.resync),
        (
            Duration::from_millis(200),
            Duration::from_millis(3),
            Duration::from_millis(500)
        )
    );
    assert_eq!((w.rise, w.fall, w.leave), (1, 1000, Leave::Disable));
    assert_eq!(c.timing.drain_timeout, Duration::from_secs(90));
    assert_eq!(c.timing.timeout, Duration::from_secs(180));
    assert_eq!(watch(&["-health", "TCP"], &[]).0.check, HealthCheck::Tcp);
    assert_eq!(watch(&["-leave", "delete"], &[]).0.leave, Leave::Delete);
    // Zero is the emergency switch here too: drain, then leave at once.
    let (_, c) = watch(&["-drain-timeout", "0"], &[]);
    assert_eq!(c.timing.drain_timeout, Duration::ZERO);
    // A CRLF environment file reaches these flags as it does the others.
    let (w, c) = watch(&["-leave", "disable\r"], &[]);
    assert_eq!(w.leave, Leave::Disable);
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
}

#[test]
fn the_other_flags_work_as_they_do_without_watch() {
    let (_, c) = watch(
        &[
            "-interval",
            "2",
            "-weight",
            "7",
            "-type",
            "secondary",
            "-ip",
            "10.9.9.9",
            "-port",
            "8081",
            "-lb",
            "3,4",
            "-region",
            "ord",
            "-json",
            "-quiet",
            "-allow-http",
        ],
        &[("OS_AUTH_URL", "http://identity.example.com/v2.0")],
    );
    assert_eq!(c.timing.interval, Duration::from_secs(2));
    assert_eq!(
        c.node.attrs,
        Attrs {
            weight: Some(7),
            node_type: Some(NodeType::Secondary),
            name: None,
        }
    );
    assert_eq!(
        c.node.address,
        Some(("10.9.9.9".parse().unwrap(), AddressSource::Flag))
    );
    assert_eq!((c.node.port, super::lb_ids(&c)), (8081, vec!["3", "4"]));
    assert_eq!(clb(&c).region.as_deref(), Some("ORD"));
    assert!(c.json && c.quiet && clb(&c).allow_http);
}

#[test]
fn flags_that_ask_for_another_mode_are_refused() {
    let cases: &[(&str, &str)] = &[
        (
            "-status",
            "-status makes no sense with -watch: watch mode keeps changing the node, -status only reads it; drop -status",
        ),
        (
            "-dry-run",
            "-dry-run makes no sense with -watch: watch mode changes the node whenever the app's health does, so there is no one change to show; drop -dry-run",
        ),
        (
            "-drain",
            "-drain makes no sense with -watch: watch mode drains by itself on SIGTERM; drop -drain",
        ),
        (
            "-disable",
            "-disable makes no sense with -watch: watch mode drains and deletes the node by itself on SIGTERM; to end with it DISABLED instead, give -leave disable in place of -disable",
        ),
        (
            "-delete",
            "-delete makes no sense with -watch: watch mode drains and deletes the node by itself on SIGTERM; drop -delete",
        ),
        (
            "-wait",
            "-wait makes no sense with -watch: watch mode waits for the app's health and for the drain by itself; drop -wait",
        ),
    ];
    for (flag, want) in cases {
        // Either order: the flags are checked once all are read.
        assert_eq!(config_err(&["-watch", flag], &[]), *want);
        assert_eq!(config_err(&[flag, "-watch"], &[]), *want);
    }
    // The mode is settled before -weight is checked against -delete.
    assert!(
        watch_err(&["-delete", "-weight", "5"], &[])
            .starts_with("-delete makes no sense with -watch")
    );
}

#[test]
fn watch_flags_without_watch_are_refused() {
    for (flag, value) in WATCH_ONLY {
        let want = format!("{flag} only applies with -watch: add -watch, or drop it");
        assert_eq!(config_err(&[flag, value], &[]), want);
        // Whatever else is asked for, and even a value that would not parse.
        assert_eq!(config_err(&["-drain", "-wait", flag, value], &[]), want);
        assert_eq!(config_err(&["-status", flag, value], &[]), want);
        assert_eq!(config_err(&[flag, "nonsense"], &[]), want);
        assert_eq!(config_err(&["-watch=false", flag, value], &[]), want);
    }
}

#[test]
fn bad_watch_values() {
    for flag in ["-health-interval", "-health-timeout", "-resync"] {
        let example = crate::cli::args::example(&flag[1..]).unwrap();
        for zero in ["0", "0s", "0ms", "0.0"] {
            assert_eq!(
                watch_err(&[flag, zero], &[]),
                format!("{flag} '{zero}' must be more than zero, e.g. {example}")
            );
        }
        assert!(
            watch_err(&[flag, "soon"], &[])
                .starts_with(&format!("{flag} 'soon' is not a duration"))
        );
        assert!(watch_err(&[flag, "-1s"], &[]).contains("is not a duration"));
    }
    assert!(watch_err(&["-health-interval", "2h"], &[]).contains("too long: at most 1h"));
    assert!(watch_err(&["-resync", "25h"], &[]).contains("too long: at most 24h"));
    for flag in ["-rise", "-fall"] {
        for bad in ["0", "1001", "-2", "many", "1.5"] {
            assert_eq!(
                watch_err(&[flag, bad], &[]),
                format!("{flag} '{bad}' is not a count: use a whole number from 1 to 1000")
            );
        }
    }
    assert_eq!(
        watch_err(&["-health", "ftp://x"], &[]),
        "-health: 'ftp://x' is neither tcp nor an http:// or https:// URL: give -health tcp or -health http://127.0.0.1:8080/health"
    );
    assert!(watch_err(&["-health", "http://ho st/"], &[]).contains("is not a valid URL"));
    assert_eq!(
        watch_err(&["-leave", "remove"], &[]),
        "-leave: 'remove' is neither delete nor disable: give -leave delete (the default) or -leave disable"
    );
    assert_eq!(
        watch_err(&["-drain-timeout", "2m"], &[]),
        "-drain-timeout 2m must be shorter than -timeout 2m, which bounds the whole leave: raise -timeout or lower -drain-timeout"
    );
}

#[test]
fn notify_socket() {
    let notify = |value: &str| {
        let (w, c) = watch(&[], &[("NOTIFY_SOCKET", value)]);
        (w.notify_socket, c.warnings)
    };
    assert_eq!(
        notify("/run/systemd/notify"),
        (Some("/run/systemd/notify".into()), vec![])
    );
    assert_eq!(
        notify("@/org/freedesktop/systemd1/notify/1"),
        (Some("@/org/freedesktop/systemd1/notify/1".into()), vec![])
    );
    assert_eq!(notify(""), (None, vec![]));
    assert_eq!(
        notify("notify.sock"),
        (
            None,
            vec![
                "Warning: NOTIFY_SOCKET 'notify.sock' is neither an absolute path nor an abstract socket name (@name): not telling systemd anything".to_string()
            ]
        )
    );
    // Stripped of a carriage return like any variable, with that warning.
    let (socket, warnings) = notify("/run/systemd/notify\r");
    assert_eq!(socket.as_deref(), Some("/run/systemd/notify"));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    // Not read without -watch: a one-shot run never uses it, so it cannot warn.
    let c = config(&[], &[("NOTIFY_SOCKET", "notify.sock")]).unwrap();
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn systemd_variables_that_are_not_utf8_only_warn() {
    use std::os::unix::ffi::OsStringExt;
    for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
        let pairs = [
            BASE,
            &[("NOTIFY_SOCKET", "/run/n"), ("WATCHDOG_USEC", "1000000")],
        ]
        .concat();
        let base = env(&pairs);
        let bad = |k: &str| {
            if k == name {
                Some(OsString::from_vec(b"/run/\xff".to_vec()))
            } else {
                base(k)
            }
        };
        let c = Config::new(args(&["-watch"]).unwrap(), &bad).unwrap();
        assert_eq!(
            c.warnings,
            [format!("Warning: {name} is not valid UTF-8: ignoring it")]
        );
        let w = watch_of(&c);
        assert_eq!(w.notify_socket.is_some(), name != "NOTIFY_SOCKET", "{name}");
        assert_eq!(w.watchdog.is_some(), name != "WATCHDOG_USEC", "{name}");
        // Not read at all without -watch.
        assert!(
            Config::new(Args::default(), &bad)
                .unwrap()
                .warnings
                .is_empty()
        );
    }
}

#[test]
fn watchdog() {
    let me = std::process::id().to_string();
    let other = (std::process::id() + 1).to_string();
    let dog = |extra: &[(&str, &str)]| {
        let (w, c) = watch(&[], extra);
        (w.watchdog, c.warnings)
    };
    let thirty = Some(Duration::from_secs(30));
    assert_eq!(dog(&[("WATCHDOG_USEC", "30000000")]), (thirty, vec![]));
    assert_eq!(
        dog(&[("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", &me)]),
        (thirty, vec![])
    );
    assert_eq!(
        dog(&[("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", &other)]),
        (None, vec![])
    );
    let (none, warnings) = dog(&[("WATCHDOG_USEC", "30s")]);
    assert_eq!(none, None);
    assert_eq!(
        warnings,
        [
            "Warning: WATCHDOG_USEC '30s' is not a positive number of microseconds: not sending watchdog keep-alives"
        ]
    );
    let (none, warnings) = dog(&[("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", "x")]);
    assert_eq!((none, warnings.len()), (None, 1), "{warnings:?}");
    // Not read without -watch.
    let c = config(&[], &[("WATCHDOG_USEC", "30s")]).unwrap();
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}
