//! Logs as systemd and a person read them: journald priorities when stderr is the journal,
//! the original's time stamps otherwise, and -quiet.

use crate::fake;
use crate::support;

use std::os::unix::fs::MetadataExt;
use std::process::Command;

use fake::{Config, Fake};
use support::{ADDR, LB, PORT};

fn fake() -> Fake {
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    f
}

/// Runs peekaboo with stderr going to a file, as it goes to the journal under systemd;
/// `journal`: JOURNAL_STREAM names that file, as systemd names the journal's stream.
fn stderr_lines(f: &Fake, flags: &[&str], journal: bool) -> (i32, Vec<String>) {
    let path = std::env::temp_dir().join(format!(
        "peekaboo-log-{}-{}",
        std::process::id(),
        flags.join("")
    ));
    let file = std::fs::File::create(&path).unwrap();
    let meta = file.metadata().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peekaboo"));
    cmd.env_clear()
        .envs(f.env(LB, "DFW"))
        .env("APP_PORT", PORT.to_string())
        .env("RAX_SERVICENET_IPV4", ADDR)
        .args(["-interval", "40ms"])
        .args(flags)
        .stderr(file);
    if journal {
        cmd.env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()));
    }
    let code = cmd.status().unwrap().code().unwrap_or(-1);
    let text = std::fs::read_to_string(&path).unwrap();
    support::assert_no_secret(&text);
    std::fs::remove_file(&path).unwrap();
    (code, text.lines().map(str::to_string).collect())
}

#[test]
fn journald_gets_priorities_and_no_time_stamps() {
    let f = fake();
    f.inject(fake::fault("GET", "/loadbalancers/1", 1, fake::status(503)));
    let (code, lines) = stderr_lines(&f, &[], true);
    assert_eq!(code, 0, "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("<6>") || l.starts_with("<4>")),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"<6>Setting 10.1.2.3:8080 to be ENABLED on load balancer 1".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "<4>Reading the load balancer failed: Service Unavailable; trying again in"
        )),
        "{lines:?}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("<6>Final node state: {10.1.2.3 "),
        "{lines:?}"
    );
    let (code, lines) = stderr_lines(&f, &["-lb", "99"], true);
    assert_eq!(code, 2);
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("<3>Error: load balancer 99 was not found"),
        "{lines:?}"
    );
}

#[test]
fn a_journal_stream_that_is_not_our_stderr_is_ignored() {
    // A child of a service inherits JOURNAL_STREAM even when its stderr goes elsewhere.
    let f = fake();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peekaboo"));
    let out = cmd
        .env_clear()
        .envs(f.env(LB, "DFW"))
        .env("RAX_SERVICENET_IPV4", ADDR)
        .env("JOURNAL_STREAM", "8:12345")
        .args(["-interval", "40ms"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    support::assert_no_secret(&stderr);
    assert!(
        stderr
            .lines()
            .all(|l| l.as_bytes()[4] == b'/' && !l.starts_with('<')),
        "{stderr}"
    );
}

#[test]
fn quiet_prints_only_errors_and_the_final_state() {
    let f = fake();
    f.inject(fake::fault("GET", "/loadbalancers/1", 1, fake::status(503)));
    let (code, lines) = stderr_lines(&f, &["-quiet"], false);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with(&format!(
            " Final node state: {{10.1.2.3 1000 {PORT} ONLINE ENABLED 1 PRIMARY}}"
        )),
        "{lines:?}"
    );
    let (code, lines) = stderr_lines(&f, &["-quiet", "-lb", "42"], false);
    assert_eq!(code, 2);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(" Error: load balancer 42 was not found"),
        "{lines:?}"
    );
}
