use super::*;
use crate::cli::USAGE;

fn args(list: &[&str]) -> Result<Args, Error> {
    parse_args(list.iter().map(OsString::from))
}

fn usage_err(list: &[&str]) -> String {
    match args(list) {
        Err(Error::Usage(m)) => m,
        other => panic!("expected a usage error for {list:?}, got {other:?}"),
    }
}

#[test]
fn go_style_flags() {
    let a = args(&["-drain", "-ip", "10.0.0.5", "--interval=7", "-timeout=90s"]).unwrap();
    assert!(a.drain && !a.disable && !a.delete);
    assert_eq!(a.ip.as_deref(), Some("10.0.0.5"));
    assert_eq!(a.interval.as_deref(), Some("7"));
    assert_eq!(a.timeout.as_deref(), Some("90s"));
    assert_eq!(args(&[]).unwrap(), Args::default());
    assert!(args(&["--delete"]).unwrap().delete);
    assert!(args(&["-h"]).unwrap().help);
    assert!(args(&["-help"]).unwrap().help);
    assert!(args(&["--version"]).unwrap().version);
}

#[test]
fn switches_take_go_bool_values() {
    assert!(args(&["-drain=true"]).unwrap().drain);
    assert!(!args(&["-drain=false"]).unwrap().drain);
    assert!(usage_err(&["-drain=yes"]).contains("-drain is a switch"));
}

#[test]
fn bad_command_lines() {
    assert_eq!(
        usage_err(&["-drian"]),
        "unknown flag -drian: did you mean -drain?"
    );
    assert!(usage_err(&["-x"]).starts_with("unknown flag -x"));
    assert!(usage_err(&["-frobnicate"]).contains("see peekaboo -help"));
    assert!(usage_err(&["-ip"]).contains("-ip needs a value"));
    assert!(usage_err(&["drain"]).contains("unexpected argument 'drain'"));
    assert!(usage_err(&["-ip", "1.2.3.4", "-ip=5.6.7.8"]).contains("-ip is given twice"));
}

#[test]
fn the_openstack_clis_options_point_to_peekaboos() {
    let reads = |var: &str| {
        format!("set {var} instead: peekaboo reads the openstack CLI's variables, not its options")
    };
    let table: &[(&str, &str)] = &[
        ("--address", "peekaboo calls it -ip"),
        ("--protocol-port", "peekaboo calls it -port"),
        ("--subnet-id", "peekaboo calls it -subnet"),
        ("--loadbalancer", "peekaboo calls it -lb"),
        (
            "--enable",
            "enabling is what peekaboo does without -drain, -disable or -delete: leave it out",
        ),
        ("--enable-backup", "peekaboo calls it -type SECONDARY"),
        ("--disable-backup", "peekaboo calls it -type PRIMARY"),
        (
            "--os-region-name",
            "peekaboo calls it -region (or set OS_REGION_NAME)",
        ),
        (
            "--OS-Region-Name",
            "peekaboo calls it -region (or set OS_REGION_NAME)",
        ),
        ("--os-cloud", "peekaboo calls it -cloud (or set OS_CLOUD)"),
        ("--os-password", &reads("OS_PASSWORD")),
        ("--os-auth-url", &reads("OS_AUTH_URL")),
        ("-os-project-domain-id", &reads("OS_PROJECT_DOMAIN_ID")),
        ("--os-interface", &reads("OS_INTERFACE")),
        (
            "--os-token",
            "peekaboo takes no --os-* options and does not read OS_TOKEN: see peekaboo -help for the variables it reads",
        ),
        // Not an option of theirs: the usual hints.
        ("--os-", "see peekaboo -help for the list"),
        ("--monitor-port", "see peekaboo -help for the list"),
        ("--addres", "see peekaboo -help for the list"),
    ];
    for (typed, hint) in table {
        let name = typed.trim_start_matches('-');
        assert_eq!(
            usage_err(&[typed]),
            format!("unknown flag -{name}: {hint}"),
            "{typed}"
        );
    }
    // Theirs that are peekaboo's too are taken as they are.
    let a = args(&["--weight", "5", "--disable", "--name", "web-1"]).unwrap();
    assert_eq!(
        (a.weight.as_deref(), a.disable, a.name.as_deref()),
        (Some("5"), true, Some("web-1"))
    );
}

#[test]
fn aliases_are_not_flags_and_point_to_flags() {
    for (alias, hint) in ALIASES {
        assert!(
            flag(alias).is_none(),
            "-{alias} is a flag: its alias is never read"
        );
        let named = hint
            .split([' ', ',', ':', '(', ')'])
            .filter(|w| w.starts_with('-'));
        for word in named {
            assert!(flag(&word[1..]).is_some(), "{alias}: {word} is not a flag");
        }
    }
}

#[test]
fn each_flag_sets_its_own_field() {
    // A setter pointing at another flag's field would make two flags parse alike.
    let mut seen: Vec<(&str, Args)> = Vec::new();
    for f in FLAGS {
        let list = match f.kind {
            Kind::Switch(_) => vec![format!("-{}", f.name)],
            Kind::Value { .. } => vec![format!("-{}", f.name), "v".to_string()],
        };
        let a = parse_args(list.iter().map(OsString::from)).unwrap();
        assert_ne!(a, Args::default(), "-{}", f.name);
        if let Some((other, _)) = seen.iter().find(|(_, b)| *b == a) {
            panic!("-{} and -{other} set the same field", f.name);
        }
        assert!(
            USAGE.contains(&format!("-{} ", f.name)) || USAGE.contains(&format!("-{}\n", f.name)),
            "-{} is not in USAGE",
            f.name
        );
        seen.push((f.name, a));
    }
    for f in FLAGS {
        if let Kind::Value { example, .. } = f.kind {
            assert!(example.starts_with(&format!("-{} ", f.name)), "{example}");
        }
    }
}
