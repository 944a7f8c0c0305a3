//! RFC 3339 time stamps, as identity writes a token's expiry.

use super::days_from_civil;

/// Reads an RFC 3339 time stamp (`2026-12-02T09:00:00.000Z`, `…+01:00`) as unix seconds. The
/// fraction is dropped, which rounds down: an expiry read early is renewed early, never late.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let d = b.get(r)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0, |n, c| n * 10 + i64::from(c - b'0')))
    };
    let sep = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    // RFC 3339 allows a lower-case `t` and, in a note, a space.
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, m, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
            };
            let (oh, om) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    let month = u32::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=month_days[month as usize - 1]).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // A leap second (:60) reads as the next minute's start: POSIX time has no room for it.
    Some(days_from_civil(year, month, day as u32) * 86_400 + h * 3600 + m * 60 + sec - offset)
}

/// Unix seconds as RFC 3339 in UTC, `2026-12-02T09:00:00Z`: how a log line names an expiry,
/// whatever offset identity wrote it with.
pub fn format_rfc3339(unix: i64) -> String {
    let (y, mo, d) = crate::log::civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_time_stamps() {
        // 2026-12-02T09:00:00Z
        let at = 1_796_202_000;
        let cases: &[(&str, Option<i64>)] = &[
            ("2026-12-02T09:00:00Z", Some(at)),
            ("2026-12-02T09:00:00.000Z", Some(at)),
            ("2026-12-02T09:00:00.999999z", Some(at)),
            ("2026-12-02t09:00:00Z", Some(at)),
            ("2026-12-02 09:00:00Z", Some(at)),
            (" 2026-12-02T09:00:00Z\n", Some(at)),
            ("2026-12-02T10:00:00.123+01:00", Some(at)),
            ("2026-12-02T03:30:00-05:30", Some(at)),
            ("2026-12-02T09:00:00+00:00", Some(at)),
            ("2026-12-02T09:00:00-00:00", Some(at)),
            ("1970-01-01T00:00:00Z", Some(0)),
            ("1969-12-31T23:59:59Z", Some(-1)),
            ("2024-02-29T00:00:00Z", Some(1_709_164_800)),
            ("2016-12-31T23:59:60Z", Some(1_483_228_800)),
            ("", None),
            ("2026-12-02", None),
            ("2026-12-02T09:00:00", None),
            ("2026-12-02T09:00Z", None),
            ("2026-12-02T09:00:00.Z", None),
            ("2026-12-02T09:00:00ZZ", None),
            ("2026-12-02T09:00:00+0100", None),
            ("2026-12-02T09:00:00+01", None),
            ("2026-12-02T09:00:00+24:00", None),
            ("2026-12-02T09:00:00+01:60", None),
            ("2026-13-02T09:00:00Z", None),
            ("2026-00-02T09:00:00Z", None),
            ("2026-02-29T09:00:00Z", None),
            ("2026-04-31T09:00:00Z", None),
            ("2026-12-00T09:00:00Z", None),
            ("2026-12-02T24:00:00Z", None),
            ("2026-12-02T09:60:00Z", None),
            ("2026-12-02T09:00:61Z", None),
            ("2026/12/02T09:00:00Z", None),
            ("+026-12-02T09:00:00Z", None),
            ("2026-1a-02T09:00:00Z", None),
            ("Wed, 02 Dec 2026 09:00:00 GMT", None),
            ("2026-12-02T09:00:00\u{e9}", None),
            ("1796202000", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rfc3339(text), *want, "{text:?}");
        }
    }

    #[test]
    fn rfc3339_round_trips_in_utc() {
        for unix in [0, -1, 951_782_400, 1_796_202_000, 253_402_300_799] {
            let text = format_rfc3339(unix);
            assert_eq!(parse_rfc3339(&text), Some(unix), "{text}");
        }
        assert_eq!(format_rfc3339(1_796_202_000), "2026-12-02T09:00:00Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn mutated_time_stamps_never_panic_and_what_is_read_reads_back() {
        let mut g = crate::fuzz::Gen(0x3339);
        let examples = [
            "2026-12-02T09:00:00.000Z",
            "2026-12-02T10:00:00+01:00",
            "2024-02-29t23:59:60.5-05:30",
        ];
        for _ in 0..20_000 {
            let s = g.mutate(&examples);
            let Some(t) = parse_rfc3339(&s) else {
                continue;
            };
            // Year 0 with a positive offset lands before any year RFC 3339 can write.
            let printed = format_rfc3339(t);
            if !printed.starts_with('-') {
                assert_eq!(parse_rfc3339(&printed), Some(t), "{s:?} -> {printed}");
            }
        }
    }
}
