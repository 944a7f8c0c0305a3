use super::*;

/// A value, or the start of the warning (or error) that comes instead.
type Expect<T> = Result<Option<T>, &'static str>;

#[test]
fn notify_socket_forms() {
    let long = format!("/{}", "s".repeat(MAX_SOCKET_PATH));
    let cases: &[(Option<&str>, Expect<&str>)] = &[
        (None, Ok(None)),
        (Some("/run/systemd/notify"), Ok(Some("/run/systemd/notify"))),
        (
            Some("@/org/systemd/notify"),
            Ok(Some("@/org/systemd/notify")),
        ),
        (Some("@n"), Ok(Some("@n"))),
        (
            Some(&long[..MAX_SOCKET_PATH]),
            Ok(Some(&long[..MAX_SOCKET_PATH])),
        ),
        (
            Some("run/notify"),
            Err(
                "Warning: NOTIFY_SOCKET 'run/notify' is neither an absolute path nor an abstract socket name (@name): not telling systemd anything",
            ),
        ),
        (Some("@"), Err("Warning: NOTIFY_SOCKET '@' is neither")),
        (Some("/"), Err("Warning: NOTIFY_SOCKET '/' is neither")),
        (
            Some("vsock:2:9999"),
            Err("Warning: NOTIFY_SOCKET 'vsock:2:9999' is neither"),
        ),
        (
            Some(&long),
            Err(
                "Warning: NOTIFY_SOCKET is 108 bytes long, more than a socket address holds (107): not telling systemd anything",
            ),
        ),
    ];
    for (value, want) in cases {
        match (notify_socket(*value), want) {
            (Ok(got), Ok(want)) => assert_eq!(got.as_deref(), *want, "{value:?}"),
            (Err(got), Err(want)) => assert!(got.starts_with(want), "{value:?}: {got}"),
            (got, _) => panic!("{value:?}: {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn watchdog_forms() {
    const ME: u32 = 4242;
    let secs = |s| Ok(Some(Duration::from_secs(s)));
    let cases: &[(Option<&str>, Option<&str>, Expect<Duration>)] = &[
        (None, None, Ok(None)),
        (Some("30000000"), None, secs(30)),
        (Some("30000000"), Some("4242"), secs(30)),
        (
            Some("1"),
            Some(" 4242 "),
            Ok(Some(Duration::from_micros(1))),
        ),
        // Another process's watchdog, inherited: not ours, and not worth a warning.
        (Some("30000000"), Some("4243"), Ok(None)),
        (Some("nonsense"), Some("4243"), Ok(None)),
        (None, Some("4242"), Ok(None)),
        (
            Some("0"),
            None,
            Err(
                "Warning: WATCHDOG_USEC '0' is not a positive number of microseconds: not sending watchdog keep-alives",
            ),
        ),
        (
            Some("30s"),
            Some("4242"),
            Err("Warning: WATCHDOG_USEC '30s' is not"),
        ),
        (Some("-5"), None, Err("Warning: WATCHDOG_USEC '-5' is not")),
        (
            Some("30000000"),
            Some("self"),
            Err(
                "Warning: WATCHDOG_PID 'self' is not a process id: not sending watchdog keep-alives",
            ),
        ),
        (
            Some("30000000"),
            Some("0"),
            Err("Warning: WATCHDOG_PID '0' is not"),
        ),
    ];
    for (usec, pid, want) in cases {
        match (watchdog(*usec, *pid, ME), want) {
            (Ok(got), Ok(want)) => assert_eq!(got, *want, "{usec:?} {pid:?}"),
            (Err(got), Err(want)) => assert!(got.starts_with(want), "{usec:?} {pid:?}: {got}"),
            (got, _) => panic!("{usec:?} {pid:?}: {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn health_leave_and_counts() {
    assert_eq!(parse_health("tcp").unwrap(), HealthCheck::Tcp);
    assert_eq!(parse_health(" TCP ").unwrap(), HealthCheck::Tcp);
    for good in [
        "http://127.0.0.1:8080/health",
        "HTTPS://app.example.com/ready?full=1",
        "http://[::1]:8080/",
        "http://app.example.com",
    ] {
        assert_eq!(parse_health(good).unwrap(), HealthCheck::Http(good.into()));
    }
    let err = |v: &str| match parse_health(v) {
        Err(Error::Usage(m)) => m,
        other => panic!("{v}: {other:?}"),
    };
    assert_eq!(
        err("xyz"),
        "-health: 'xyz' is neither tcp nor an http:// or https:// URL: give -health tcp or -health http://127.0.0.1:8080/health"
    );
    for neither in [
        "ftp://x",
        "",
        "127.0.0.1:8080",
        "tcp://127.0.0.1:80",
        "http:/x",
    ] {
        assert!(err(neither).contains("is neither tcp nor"), "{neither}");
    }
    for invalid in [
        "http://",
        "http://ho st/",
        "http://x:99999/",
        "https:///path",
    ] {
        assert!(
            err(invalid).contains("is not a valid URL"),
            "{invalid}: {}",
            err(invalid)
        );
    }
    let creds = err("http://bob:s3cret@127.0.0.1/health");
    assert!(
        creds.contains("carries credentials") && !creds.contains("s3cret"),
        "{creds}"
    );

    assert_eq!(parse_leave("delete").unwrap(), Leave::Delete);
    assert_eq!(parse_leave("Disable").unwrap(), Leave::Disable);
    match parse_leave("disabel") {
        Err(Error::Usage(m)) => assert_eq!(
            m,
            "-leave: 'disabel' is neither delete nor disable: give -leave delete (the default) or -leave disable"
        ),
        other => panic!("{other:?}"),
    }

    assert_eq!(parse_count("1", "-rise").unwrap(), 1);
    assert_eq!(parse_count(" 1000", "-fall").unwrap(), 1000);
    for bad in ["0", "1001", "-1", "2.5", "two", ""] {
        match parse_count(bad, "-rise") {
            Err(Error::Usage(m)) => assert_eq!(
                m,
                format!("-rise '{bad}' is not a count: use a whole number from 1 to 1000")
            ),
            other => panic!("{bad}: {other:?}"),
        }
    }
}
