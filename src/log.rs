//! A tiny logger in the original tool's format: `2006/01/02 15:04:05 message` on stderr.
//! Times are UTC: a scratch image has no zone files, and journald adds its own local stamp.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn log(msg: &str) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let line = format!("{} {msg}\n", timestamp(now));
    // One write per line so lines from several processes in one journal do not interleave.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
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

/// The inverse: (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go_log() {
        assert_eq!(timestamp(0), "1970/01/01 00:00:00");
        // 2014-12-12T06:36:49Z, the original README's first log line.
        assert_eq!(timestamp(1_418_366_209), "2014/12/12 06:36:49");
        assert_eq!(timestamp(951_782_400), "2000/02/29 00:00:00");
    }

    #[test]
    fn days_round_trip() {
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
