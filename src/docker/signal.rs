//! Signal names as Docker takes them for a container's StopSignal: any case, with or without
//! `SIG`, a number, or a real-time signal as `RTMIN+n` / `RTMAX-n`. The numbers are Linux's;
//! the real-time range is the one Docker's own table gives (34 to 64).

const NAMES: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("IOT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("POLL", 29),
    ("PWR", 30),
    ("SYS", 31),
];

const RTMIN: i32 = 34;
const RTMAX: i32 = 64;

/// "SIGTERM", "term", "TERM" and "15" -> 15; None for what names no signal.
pub fn signal_number(text: &str) -> Option<i32> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().filter(|n| (1..=RTMAX).contains(n));
    }
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(&(_, n)) = NAMES.iter().find(|(k, _)| *k == name) {
        return Some(n);
    }
    let offset = |rest: &str| -> Option<i32> {
        (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())).then(|| rest.parse().ok())?
    };
    let n = match name {
        "RTMIN" => RTMIN,
        "RTMAX" => RTMAX,
        _ => match (name.strip_prefix("RTMIN+"), name.strip_prefix("RTMAX-")) {
            (Some(k), _) => RTMIN.checked_add(offset(k)?)?,
            (_, Some(k)) => RTMAX.checked_sub(offset(k)?)?,
            _ => return None,
        },
    };
    (RTMIN..=RTMAX).contains(&n).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_are_named_as_docker_names_them() {
        let cases: &[(&str, Option<i32>)] = &[
            ("SIGTERM", Some(15)),
            ("TERM", Some(15)),
            ("term", Some(15)),
            ("15", Some(15)),
            (" SIGKILL ", Some(9)),
            ("SIGHUP", Some(1)),
            ("SIGWINCH", Some(28)),
            ("SIGCLD", Some(17)),
            ("RTMIN", Some(34)),
            ("SIGRTMIN+1", Some(35)),
            ("RTMAX-1", Some(63)),
            ("RTMAX", Some(64)),
            ("64", Some(64)),
            ("RTMIN+31", None),
            ("RTMIN+99999999999", None),
            ("RTMIN+", None),
            ("0", None),
            ("65", None),
            ("+15", None),
            ("-1", None),
            ("SIG", None),
            ("", None),
            ("SIGTERM15", None),
        ];
        for (text, want) in cases {
            assert_eq!(signal_number(text), *want, "{text:?}");
        }
    }
}
