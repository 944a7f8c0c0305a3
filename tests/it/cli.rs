//! Flags and environment as a new user meets them: every mistake exits 2 with one line that
//! names the culprit, and nothing is sent to the API.

use crate::fake;
use crate::support;

use std::process::Command;

use fake::{Config, Fake};
use support::peekaboo as run;

/// Runs a bad invocation and returns its one error line (without the timestamp).
pub(super) fn usage_error(flags: &[&str], env: &[(&str, &str)]) -> String {
    let f = Fake::start(Config::default());
    let out = run(&f, flags, env);
    assert_eq!(out.code, 2, "{flags:?} {env:?}: {}", out.stderr);
    assert!(
        f.requests().is_empty(),
        "{flags:?} {env:?}: sent {:?}",
        f.requests().len()
    );
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {}", out.stderr);
    let (stamp, msg) = lines[0].split_at(20);
    assert_eq!(stamp.len(), 20, "Go log timestamp: {stamp}");
    assert!(msg.starts_with("Error: "), "{msg}");
    msg["Error: ".len()..].to_string()
}

#[test]
fn bad_flags() {
    let cases: &[(&[&str], &str)] = &[
        (&["-drian"], "unknown flag -drian: did you mean -drain?"),
        (
            &["--dealete"],
            "unknown flag -dealete: did you mean -delete?",
        ),
        (
            &["-verbose"],
            "unknown flag -verbose: see peekaboo -help for the list",
        ),
        // Cut short: the flags it begins, never a far one such as -ip.
        (&["-v"], "unknown flag -v: did you mean -version?"),
        (&["-V"], "unknown flag -V: did you mean -version?"),
        (&["-stat"], "unknown flag -stat: did you mean -status?"),
        (
            &["-dr"],
            "unknown flag -dr: did you mean -drain, -dry-run, -drain-timeout or -drain-from?",
        ),
        (&["-x"], "unknown flag -x: see peekaboo -help for the list"),
        (&["-ip"], "flag -ip needs a value, e.g. -ip 10.1.2.3"),
        (
            &["-ip", "10.1.2"],
            "-ip '10.1.2' is not an IP address: give this host's address, e.g. 10.1.2.3 or 2001:db8::5",
        ),
        (&["-ip", ""], "-ip '' is not an IP address"),
        (
            &["-ip", "224.0.0.1"],
            "-ip '224.0.0.1' cannot be a node address",
        ),
        (
            &["-interval", "fast"],
            "-interval 'fast' is not a duration: use seconds (30) or Go syntax (90s, 2m, 1m30s, 500ms)",
        ),
        (&["-interval", "-5"], "-interval '-5' is not a duration"),
        (
            &["-interval", "0"],
            "-interval '0' must be more than zero, e.g. -interval 5",
        ),
        (
            &["-timeout", "2 minutes"],
            "-timeout '2 minutes' is not a duration",
        ),
        (
            &["-timeout", "100h"],
            "-timeout '100h' is too long: at most 24h",
        ),
        (
            &["-port", "99999"],
            "-port '99999' is not a port: use a number from 1 to 65535",
        ),
        (&["-lb", "my-lb"], "-lb 'my-lb' is not a load balancer id"),
        (
            &["-region", "us east"],
            "-region 'us east' is not a region code",
        ),
        (
            &["-drain=maybe"],
            "flag -drain is a switch: 'maybe' is not true or false; write just -drain",
        ),
        (
            &["-port", "80", "-port", "81"],
            "flag -port is given twice: give it once",
        ),
        (
            &["enable"],
            "unexpected argument 'enable': peekaboo takes only flags (see peekaboo -help)",
        ),
    ];
    for (flags, want) in cases {
        let got = usage_error(flags, &[]);
        assert!(
            got.starts_with(want),
            "{flags:?}:\n got: {got}\nwant: {want}"
        );
    }
}

#[test]
fn the_openstack_clis_options_point_to_peekaboos_flags() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--address", "10.1.2.3"],
            "unknown flag -address: peekaboo calls it -ip",
        ),
        (
            &["--os-region-name", "DFW3"],
            "unknown flag -os-region-name: peekaboo calls it -region (or set OS_REGION_NAME)",
        ),
        (
            &["-weight", "0"],
            "-weight '0': weight 0 is a drain: use -drain (a weight is a whole number from 1 to 100)",
        ),
    ];
    for (flags, want) in cases {
        assert_eq!(usage_error(flags, &[]), *want, "{flags:?}");
    }
}

#[test]
fn watch_mode_mistakes() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["-watch", "-drain"],
            "-drain makes no sense with -watch: watch mode drains by itself on SIGTERM; drop -drain",
        ),
        (
            &["-status", "-watch"],
            "-status makes no sense with -watch: watch mode keeps changing the node, -status only reads it; drop -status",
        ),
        (
            &["-rise", "2"],
            "-rise only applies with -watch: add -watch, or drop it",
        ),
        (
            &["-delete", "-leave=disable"],
            "-leave only applies with -watch: add -watch, or drop it",
        ),
        (
            &["-watch", "-health", "ftp://x"],
            "-health: 'ftp://x' is neither tcp nor an http:// or https:// URL: give -health tcp or -health http://127.0.0.1:8080/health",
        ),
        (
            &["-watch", "-fall", "0"],
            "-fall '0' is not a count: use a whole number from 1 to 1000",
        ),
        (
            &["-watch", "-health-interval", "0s"],
            "-health-interval '0s' must be more than zero, e.g. -health-interval 5s",
        ),
        (
            &["-watch", "-leave", "disabled"],
            "-leave: 'disabled' is neither delete nor disable: give -leave delete (the default) or -leave disable",
        ),
        (&["-wach"], "unknown flag -wach: did you mean -watch?"),
        (
            &["-watch", "-rise"],
            "flag -rise needs a value, e.g. -rise 2",
        ),
    ];
    for (flags, want) in cases {
        let got = usage_error(flags, &[]);
        assert_eq!(got, *want, "{flags:?}");
    }
}

#[test]
fn bad_environment() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "LOAD_BALANCER_ID",
            "<unset>",
            "LOAD_BALANCER_ID is not set: export the numeric id",
        ),
        ("LOAD_BALANCER_ID", "", "LOAD_BALANCER_ID is not set"),
        (
            "LOAD_BALANCER_ID",
            "abc",
            "LOAD_BALANCER_ID 'abc' is not a load balancer id",
        ),
        (
            "LOAD_BALANCER_ID",
            "-3",
            "LOAD_BALANCER_ID '-3' is not a load balancer id",
        ),
        (
            "OS_USERNAME",
            "<unset>",
            "OS_USERNAME is not set: export your Rackspace user name",
        ),
        ("OS_USERNAME", "   ", "OS_USERNAME is set but blank"),
        ("OS_PASSWORD", " ", "OS_PASSWORD is set but blank"),
        (
            "OS_PASSWORD",
            "",
            "OS_PASSWORD is set but empty: export your Rackspace API key",
        ),
        ("APP_PORT", "80 80", "APP_PORT '80 80' is not a port"),
        (
            "LOAD_BALANCER_ID",
            " 12 ,",
            "LOAD_BALANCER_ID ' 12 ,': '' is not a load balancer id: list numbers, e.g. 1,2,3",
        ),
        (
            "OS_PASSWORD",
            "<unset>",
            "OS_PASSWORD is not set: export your Rackspace API key",
        ),
        (
            "OS_REGION_NAME",
            "Dallas!",
            "OS_REGION_NAME 'Dallas!' is not a region code",
        ),
        ("APP_PORT", "http", "APP_PORT 'http' is not a port"),
        ("APP_PORT", "0", "APP_PORT '0' is not a port"),
        (
            "RAX_SERVICENET_IPV4",
            "eth1",
            "RAX_SERVICENET_IPV4 'eth1' is not an IP address",
        ),
        (
            "RAX_SERVICENET_IPV4",
            "0.0.0.0",
            "RAX_SERVICENET_IPV4 '0.0.0.0' cannot be a node address",
        ),
        (
            "OS_AUTH_URL",
            "http://identity.example.com/v2.0",
            "OS_AUTH_URL 'http://identity.example.com/v2.0' uses plain http to identity.example.com: credentials would cross the network in clear; use https",
        ),
        (
            "OS_AUTH_URL",
            "identity.api.rackspacecloud.com",
            "OS_AUTH_URL 'identity.api.rackspacecloud.com' is not a URL",
        ),
    ];
    for (name, value, want) in cases {
        let got = usage_error(&[], &[(name, value)]);
        assert!(
            got.starts_with(want),
            "{name}={value}:\n got: {got}\nwant: {want}"
        );
    }
    // With RAX_SERVICENET_IPV4 unset, RAX_PUBLICNET_IPV4 is checked just the same.
    let got = usage_error(
        &[],
        &[
            ("RAX_SERVICENET_IPV4", "<unset>"),
            ("RAX_PUBLICNET_IPV4", "1.2.3"),
        ],
    );
    assert!(
        got.starts_with("RAX_PUBLICNET_IPV4 '1.2.3' is not an IP address"),
        "{got}"
    );
}

#[test]
fn flags_are_checked_before_the_environment_is_needed() {
    // -help and -version work with nothing set at all.
    let f = Fake::start(Config::default());
    for flag in ["-h", "-help", "--help"] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_peekaboo"));
        let out = cmd.env_clear().arg(flag).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        for needle in [
            "-drain",
            "-disable",
            "-delete",
            "-ip ADDR",
            "-port N",
            "-lb ID",
            "-region R",
            "-timeout DURATION",
            "-interval DURATION",
            "-version",
            "--version",
            "--help",
            "LOAD_BALANCER_ID",
            "OS_USERNAME",
            "OS_PASSWORD",
            "OS_REGION_NAME",
            "APP_PORT",
            "RAX_SERVICENET_IPV4",
            "RAX_PUBLICNET_IPV4",
            "OS_AUTH_URL",
            "Exit codes:",
            "3  -timeout passed",
            "4  -status",
            "-wait",
            "-drain-timeout DURATION",
            "-status",
            "-dry-run",
            "-json",
            "-quiet",
            "-weight N",
            "-type T",
            "-allow-http",
            "OS_CACERT",
            "PEEKABOO_REQUEST_TIMEOUT",
            "JOURNAL_STREAM",
            "-watch",
            "-health CHECK",
            "-health-interval DURATION",
            "-health-timeout DURATION",
            "-rise N",
            "-fall N",
            "-leave delete|disable",
            "-resync DURATION",
            "NOTIFY_SOCKET",
            "WATCHDOG_USEC",
        ] {
            assert!(text.contains(needle), "{flag}: help lacks {needle}");
        }
    }
    let out = run(&f, &["-version"], &[("LOAD_BALANCER_ID", "<unset>")]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        format!("peekaboo {}\n", env!("CARGO_PKG_VERSION"))
    );
    assert!(f.requests().is_empty());
}

#[test]
fn conflicting_actions_keep_the_original_precedence_and_say_so() {
    let f = Fake::start(Config::default());
    f.add_lb(1, "DFW");
    let out = run(&f, &["-drain", "-disable", "-interval", "20ms"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("-disable and -drain given together: -disable wins, as it always has")
    );
    assert_eq!(f.nodes(1)[0].condition, "DISABLED");
}

#[test]
fn app_port_default_is_logged_like_the_original() {
    let f = Fake::start(Config::default());
    f.add_lb(1, "DFW");
    let out = run(&f, &["-interval=20ms"], &[("APP_PORT", "<unset>")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let first = out.stderr.lines().next().unwrap();
    assert!(
        first.ends_with(" $APP_PORT not set, defaulting to 80"),
        "{first}"
    );
    assert_eq!(f.nodes(1)[0].port, 80);
}

#[test]
fn a_variable_that_is_not_utf8_is_named_not_called_unset() {
    use std::os::unix::ffi::OsStrExt;
    for name in [
        "LOAD_BALANCER_ID",
        "OS_USERNAME",
        "OS_PASSWORD",
        "OS_REGION_NAME",
        "APP_PORT",
        "RAX_SERVICENET_IPV4",
        "RAX_PUBLICNET_IPV4",
        "OS_AUTH_URL",
        "OS_CACERT",
        "PEEKABOO_REQUEST_TIMEOUT",
    ] {
        let f = Fake::start(Config::default());
        f.add_lb(1, "DFW");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_peekaboo"));
        cmd.env_clear()
            .envs(f.env(support::LB, "DFW"))
            .env("APP_PORT", support::PORT.to_string())
            .env("RAX_SERVICENET_IPV4", support::ADDR)
            .env(name, std::ffi::OsStr::from_bytes(b"s3cr\xffet"));
        if name == "RAX_PUBLICNET_IPV4" {
            cmd.env_remove("RAX_SERVICENET_IPV4");
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(f.requests().is_empty(), "{name}: nothing is sent");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{name}: one line: {stderr}");
        assert_eq!(
            &lines[0][20..],
            format!(
                "Error: {name} is set but is not valid UTF-8: write it as plain text (check the encoding of the file that sets it), or unset it"
            )
        );
        assert!(
            !stderr.contains("s3cr") && !stderr.contains("et\n"),
            "{stderr}"
        );
    }
}

#[test]
fn a_trailing_carriage_return_is_stripped_with_a_warning_and_the_secret_works() {
    let f = Fake::start(Config::default());
    f.add_lb(1, "DFW");
    let cfg = Config::default();
    let key = format!("{}\r\n", cfg.api_key);
    let user = format!("{}\r", cfg.username);
    let out = run(
        &f,
        &["-interval=20ms", "-lb", "1\r"],
        &[
            ("OS_PASSWORD", &key),
            ("OS_USERNAME", &user),
            ("APP_PORT", "8080\r"),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The key was sent as it is meant, once: it did not need the password retry.
    let reqs = f.requests();
    assert!(
        reqs[0]
            .body
            .contains(&format!(r#""apiKey":"{}""#, cfg.api_key)),
        "{}",
        reqs[0].body
    );
    assert_eq!(
        reqs.iter().filter(|r| r.path.ends_with("/tokens")).count(),
        1
    );
    assert_eq!(f.nodes(1)[0].condition, "ENABLED");
    assert_eq!(f.nodes(1)[0].port, 8080);
    for what in ["-lb", "APP_PORT", "OS_USERNAME", "OS_PASSWORD"] {
        let warning = format!(
            "Warning: {what} ends with a carriage return (a CRLF environment file?): ignoring it"
        );
        assert_eq!(
            out.stderr.lines().filter(|l| l.ends_with(&warning)).count(),
            1,
            "{what}:\n{}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains('\r'), "{:?}", out.stderr);
}
