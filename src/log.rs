//! A tiny logger on stderr. On a terminal or in a file, the original tool's format:
//! `2006/01/02 15:04:05 message`, in UTC (a scratch image has no zone files). When stderr is
//! the journal (systemd sets JOURNAL_STREAM), no time stamp — journald adds its own — and
//! each line starts with its syslog priority, as sd-daemon(3) documents: `<3>` errors, `<4>`
//! warnings, `<6>` information. A watcher the `-docker` agent started names its container
//! right after that (`web-1 (3f2a9c1b): `), on every line, since the agent's stderr carries
//! the lines of all of them.
//!
//! Every line peekaboo writes, on stderr or stdout, passes through `scrub` here: a server may
//! quote the API key or the token back in an error, and no caller can be trusted to remember.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static JOURNAL: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);
/// What every line starts with after its time stamp or priority (empty: nothing).
static PREFIX: Mutex<String> = Mutex::new(String::new());
/// The texts never to write: OS_PASSWORD's value, every token, and their JSON-escaped forms.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// The placeholder written where a secret was.
pub const REDACTED: &str = "[redacted]";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Level {
    Error,
    Warning,
    Info,
    /// The final state: information, but printed even with -quiet.
    Outcome,
}

/// `journal`: stderr is the journal. `quiet`: only errors and outcomes. `prefix`: what every
/// line starts with after its time stamp or priority.
pub fn init(journal: bool, quiet: bool, prefix: &str) {
    JOURNAL.store(journal, Ordering::Relaxed);
    QUIET.store(quiet, Ordering::Relaxed);
    *PREFIX.lock().unwrap_or_else(|e| e.into_inner()) = prefix.to_string();
}

/// Whether stderr is the journal: JOURNAL_STREAM names the device and inode of the stream
/// systemd connected, and it must be our stderr (a child of a service inherits the variable
/// even when its stderr goes elsewhere).
pub fn stderr_is_journal(journal_stream: Option<&str>) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Some((dev, ino)) = journal_stream.and_then(|v| v.split_once(':')) else {
        return false;
    };
    let meta = std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata());
    meta.is_ok_and(|m| dev.parse() == Ok(m.dev()) && ino.parse() == Ok(m.ino()))
}

/// Registers a secret to be scrubbed from every line written from now on. A JSON-escaped form
/// is registered too where it differs, since `-json` writes strings escaped.
pub fn secret(s: &str) {
    add_secret(&mut SECRETS.lock().unwrap_or_else(|e| e.into_inner()), s);
}

/// Shorter secrets are not scrubbed: no real credential is that short (API keys have 32
/// characters, Rackspace passwords at least 8), and scrubbing `p` would blank every p of a log.
const MIN_SECRET: usize = 6;

fn add_secret(all: &mut Vec<String>, s: &str) {
    if s.chars().count() < MIN_SECRET {
        return;
    }
    let escaped = serde_json::to_string(s).unwrap_or_default();
    let escaped = escaped[1..escaped.len().max(2) - 1].to_string();
    for form in [s.to_string(), escaped] {
        if !form.is_empty() && !all.contains(&form) {
            all.push(form);
        }
    }
    // Longest first, so a secret holding another is replaced whole, not in pieces.
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every registered secret replaced by `[redacted]`.
pub fn scrub(text: &str) -> String {
    let all = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    scrub_with(text, &all)
}

fn scrub_with(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), REDACTED);
        }
    }
    out
}

/// Writes one line on stdout, scrubbed. An error (a closed pipe, a full disk) is returned, not
/// a panic as from `println!`: the run's outcome must not depend on whether anyone reads.
pub fn stdout_line(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(format!("{}\n", scrub(line)).as_bytes())?;
    out.flush()
}

pub fn log(msg: &str) {
    write(Level::Info, msg);
}

pub fn warn(msg: &str) {
    write(Level::Warning, msg);
}

pub fn error(msg: &str) {
    write(Level::Error, msg);
}

pub fn outcome(msg: &str) {
    write(Level::Outcome, msg);
}

fn write(level: Level, msg: &str) {
    if QUIET.load(Ordering::Relaxed) && matches!(level, Level::Info | Level::Warning) {
        return;
    }
    let prefix = PREFIX.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let journal = JOURNAL.load(Ordering::Relaxed);
    let line = format_line(level, &prefix, &scrub(msg), journal, now());
    // One write per line so lines from several processes in one journal do not interleave.
    // A closed stderr leaves nobody to tell: the exit code still says how the run ended.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn format_line(level: Level, prefix: &str, msg: &str, journal: bool, unix: u64) -> String {
    if journal {
        let priority = match level {
            Level::Error => 3,
            Level::Warning => 4,
            Level::Info | Level::Outcome => 6,
        };
        format!("<{priority}>{prefix}{msg}\n")
    } else {
        format!("{} {prefix}{msg}\n", timestamp(unix))
    }
}

/// Formats seconds since the epoch as `YYYY/MM/DD HH:MM:SS` (UTC).
pub fn timestamp(unix: u64) -> String {
    let (y, m, d) = civil_from_days((unix / 86_400) as i64);
    let s = unix % 86_400;
    format!(
        "{y:04}/{m:02}/{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::days_from_civil;

    #[test]
    fn formats_like_go_log() {
        assert_eq!(timestamp(0), "1970/01/01 00:00:00");
        // 2014-12-12T06:36:49Z, the original README's first log line.
        assert_eq!(timestamp(1_418_366_209), "2014/12/12 06:36:49");
        assert_eq!(timestamp(951_782_400), "2000/02/29 00:00:00");
    }

    #[test]
    fn journal_lines_carry_the_priority_and_no_time() {
        assert_eq!(
            format_line(Level::Error, "", "Error: x", true, 0),
            "<3>Error: x\n"
        );
        assert_eq!(format_line(Level::Warning, "", "w", true, 0), "<4>w\n");
        assert_eq!(format_line(Level::Info, "", "i", true, 0), "<6>i\n");
        assert_eq!(format_line(Level::Outcome, "", "o", true, 0), "<6>o\n");
        assert_eq!(
            format_line(Level::Error, "", "e", false, 0),
            "1970/01/01 00:00:00 e\n"
        );
    }

    #[test]
    fn a_containers_name_comes_right_after_the_time_or_the_priority() {
        let web = "web-1 (3f2a9c1b): ";
        assert_eq!(
            format_line(Level::Info, web, "Ready", false, 0),
            "1970/01/01 00:00:00 web-1 (3f2a9c1b): Ready\n"
        );
        assert_eq!(
            format_line(Level::Error, web, "Error: x", true, 0),
            "<3>web-1 (3f2a9c1b): Error: x\n"
        );
    }

    #[test]
    fn journal_stream_must_be_our_stderr() {
        assert!(!stderr_is_journal(None));
        assert!(!stderr_is_journal(Some("garbage")));
        assert!(!stderr_is_journal(Some("1:1")));
    }

    #[test]
    fn scrub_replaces_every_secret_in_every_form() {
        let secrets = |list: &[&str]| -> Vec<String> {
            let mut all = Vec::new();
            for s in list {
                add_secret(&mut all, s);
            }
            all
        };
        let s = secrets(&["key-123", "tok-1-abc", "", "p", "key-123"]);
        assert_eq!(s.len(), 2, "short and repeated secrets are not kept: {s:?}");
        for (text, want) in [
            ("nothing here", "nothing here"),
            (
                "bad key key-123 for tok-1-abc",
                "bad key [redacted] for [redacted]",
            ),
            ("twice key-123key-123", "twice [redacted][redacted]"),
        ] {
            assert_eq!(scrub_with(text, &s), want);
        }
        // A secret with a quote or a backslash is written escaped in JSON: both forms go.
        let s = secrets(&["pa\"ss\\wd", "passwd"]);
        assert_eq!(s, ["pa\\\"ss\\\\wd", "pa\"ss\\wd", "passwd"]);
        let json = serde_json::json!({"error": "refused pa\"ss\\wd"}).to_string();
        assert_eq!(scrub_with(&json, &s), r#"{"error":"refused [redacted]"}"#);
        assert_eq!(scrub_with("pa\"ss\\wd!", &s), "[redacted]!");
        // The longest first: a secret inside another does not leave the rest behind.
        let s = secrets(&["secret", "secretsecret-2"]);
        assert_eq!(scrub_with("secretsecret-2", &s), "[redacted]");
    }

    #[test]
    fn days_round_trip() {
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
