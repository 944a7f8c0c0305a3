//! Property tests of every parser that reads outside input: on any input, no panic, and
//! whatever is accepted is accepted consistently. A seeded generator mutates valid examples,
//! so failures replay exactly.

use std::ffi::OsString;

/// xorshift64, seeded: the same inputs every run.
pub struct Gen(pub u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A valid example, mutated: characters replaced, inserted, deleted or the string cut.
    pub fn mutate(&mut self, examples: &[&str]) -> String {
        const ALPHABET: &[char] = &[
            '0',
            '1',
            '9',
            '.',
            ':',
            '-',
            '+',
            ' ',
            'a',
            'f',
            'F',
            'x',
            'h',
            'm',
            's',
            'µ',
            '/',
            ',',
            '"',
            '{',
            '}',
            '[',
            ']',
            '\0',
            '\n',
            '\u{00e9}',
            '\u{1f600}',
            'G',
            'M',
            'T',
            'Z',
            '%',
            // YAML's own.
            '&',
            '*',
            '!',
            '|',
            '>',
            '#',
            '\'',
            '?',
            '~',
            '\\',
            '\t',
            '\r',
        ];
        let mut chars: Vec<char> = examples[self.below(examples.len())].chars().collect();
        for _ in 0..=self.below(4) {
            let c = ALPHABET[self.below(ALPHABET.len())];
            let at = self.below(chars.len() + 1);
            match self.below(4) {
                0 if at < chars.len() => chars[at] = c,
                1 => chars.insert(at, c),
                2 if at < chars.len() => {
                    chars.remove(at);
                }
                _ => chars.truncate(at),
            }
        }
        if self.below(50) == 0 {
            // Now and then something long.
            let tail: String = chars.iter().cycle().take(5000).collect();
            return tail;
        }
        chars.into_iter().collect()
    }
}

pub const ROUNDS: usize = 20_000;

#[test]
fn durations() {
    let mut g = Gen(1);
    for _ in 0..ROUNDS {
        let s = g.mutate(&[
            "5", "0.25", "90s", "1m30s", "250ms", "1.5h", "10us", "2h45m",
        ]);
        if let Some(d) = crate::time::parse_duration(&s) {
            // What parses prints in a form that parses back to nearly the same: the printed
            // form keeps tenths of a second under a minute, whole seconds above.
            let printed = crate::time::format_duration(d);
            let back =
                crate::time::parse_duration(&printed).unwrap_or_else(|| panic!("{s} -> {printed}"));
            let diff = back.abs_diff(d);
            assert!(
                diff <= std::time::Duration::from_secs(1),
                "{s} -> {printed} -> {back:?}"
            );
        }
    }
}

#[test]
fn addresses() {
    let mut g = Gen(2);
    for _ in 0..ROUNDS {
        let s = g.mutate(&[
            "10.1.2.3",
            "2001:db8::5",
            "::ffff:10.0.0.1",
            "0.0.0.0",
            "fe80::1%eth0",
        ]);
        if let Ok(ip) = crate::cli::env::parse_ip(&s, "-ip") {
            assert!(!ip.is_unspecified() && !ip.is_multicast(), "{s}");
        }
    }
}

#[test]
fn retry_after() {
    let mut g = Gen(3);
    for _ in 0..ROUNDS {
        let s = g.mutate(&[
            "120",
            "Sat, 13 Jun 2015 22:30:10 GMT",
            "Thu, 01 Jan 1970 00:00:00 GMT",
        ]);
        for now in [0, 1_434_234_610, u64::MAX] {
            let _ = crate::time::parse_retry_after(&s, now);
        }
    }
}

#[test]
fn proc_net_tcp_lines() {
    let mut g = Gen(4);
    for _ in 0..ROUNDS {
        let s = g.mutate(&[
            "   2: 0100007F:9A17 0200007F:B6B9 01 00000000:00000000 00:00000000 00000000     0        0 31061 1",
            "   1: 0000000000000000FFFF00000100007F:954D 0000000000000000FFFF00000200007F:EAFB 01 00000000:00000000",
        ]);
        let _ = crate::host::conns::parse_line(&s);
    }
}

#[test]
fn command_lines() {
    let mut g = Gen(6);
    let words = [
        "-drain",
        "--delete",
        "-disable=false",
        "-ip",
        "10.0.0.1",
        "-interval",
        "5",
        "-timeout=2m",
        "-wait",
        "-drain-timeout",
        "0",
        "-port",
        "80",
        "-lb",
        "1",
        "-region",
        "iad",
        "--",
        "-",
        "x",
        "-h",
        "-version",
        "-allow-http",
    ];
    for _ in 0..ROUNDS {
        let n = g.below(6);
        let args: Vec<OsString> = (0..n)
            .map(|_| {
                if g.below(3) == 0 {
                    OsString::from(g.mutate(&words))
                } else {
                    OsString::from(words[g.below(words.len())])
                }
            })
            .collect();
        if let Ok(a) = crate::cli::parse_args(args) {
            let env = |name: &str| match name {
                "LOAD_BALANCER_ID" => Some("1".into()),
                "OS_USERNAME" | "OS_PASSWORD" => Some("x".into()),
                _ => None,
            };
            let _ = crate::cli::Config::new(a, &env);
        }
    }
}

#[test]
fn yaml() {
    let mut g = Gen(7);
    let fixtures: Vec<&str> = crate::yaml::tests::fixtures::FIXTURES
        .iter()
        .map(|f| f.1)
        .collect();
    const YAMLISH: &[u8] = b"ab1 -:#'\"\n\n  &*!|>[]{}?~\\\t\r";
    for round in 0..ROUNDS / 4 {
        let s = match round % 8 {
            0 => {
                let bytes: Vec<u8> = (0..g.below(300)).map(|_| g.next() as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            1 => (0..g.below(300))
                .map(|_| YAMLISH[g.below(YAMLISH.len())] as char)
                .collect(),
            _ => g.mutate(&fixtures),
        };
        let got = crate::yaml::parse(&s);
        assert_eq!(got, crate::yaml::parse(&s), "{s:?}");
        // Every line named is one of the text's.
        let last = s.split('\n').count();
        match &got {
            Ok(node) => lines_within(node, last, &s),
            Err(r) => assert!((1..=last).contains(&r.line), "{s:?}: {r:?}"),
        }
    }
}

fn lines_within(n: &crate::yaml::Node, last: usize, s: &str) {
    use crate::yaml::Value;
    assert!((1..=last).contains(&n.line), "{s:?}: {n:?}");
    match &n.value {
        Value::Map(entries) => entries.iter().for_each(|(_, v)| lines_within(v, last, s)),
        Value::Seq(items) => items.iter().for_each(|v| lines_within(v, last, s)),
        _ => {}
    }
}
