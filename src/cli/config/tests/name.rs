//! `-name`: checked on both backends, kept only for Octavia's members (CLB nodes have none),
//! and refused where no node stays to carry it.

use super::*;
use openstack::OPENRC as OCTAVIA;

fn name(list: &[&str], extra: &[(&str, &str)]) -> Option<String> {
    config(list, extra).unwrap().node.attrs.name
}

#[test]
fn a_name_is_kept_for_octavia_and_dropped_without_a_word_for_clb() {
    let long = "é".repeat(255);
    for given in ["web-1", "web 1 (blue)", long.as_str()] {
        assert_eq!(
            name(&["-name", given], OCTAVIA).as_deref(),
            Some(given),
            "{given}"
        );
    }
    assert_eq!(name(&[], OCTAVIA), None);
    let clb = config(&["-name", "web-1"], &[]).unwrap();
    assert_eq!(clb.node.attrs, Attrs::default());
    assert!(clb.warnings.is_empty(), "{:?}", clb.warnings);
    assert!(
        clb.notes.iter().all(|n| !n.contains("name")),
        "{:?}",
        clb.notes
    );
    // Watch mode names the member it creates too.
    let watch = config(&["-watch", "-name", "web-1"], OCTAVIA).unwrap();
    assert_eq!(watch.node.attrs.name.as_deref(), Some("web-1"));
}

#[test]
fn a_name_octavia_would_refuse_or_a_line_cannot_hold_is_a_usage_error() {
    let long = "a".repeat(256);
    for (given, why) in [
        ("", "is empty"),
        (
            long.as_str(),
            "is 256 characters, and Octavia takes at most 255",
        ),
        ("web\t1", "holds a control character"),
        ("web\n1", "holds a control character"),
    ] {
        // On both backends: one unit file serves both, so a slip shows on either.
        for extra in [OCTAVIA, &[]] {
            let m = config_err(&["-name", given], extra);
            assert!(m.starts_with("-name '"), "{m}");
            assert!(
                m.ends_with(&format!(
                    "' {why}: give the member's name on one line, e.g. -name web-1"
                )),
                "{m}"
            );
        }
    }
}

#[test]
fn a_trailing_carriage_return_is_stripped_with_a_warning() {
    let c = config(&["-name", "web-1\r"], OCTAVIA).unwrap();
    assert_eq!(c.node.attrs.name.as_deref(), Some("web-1"));
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0].contains("-name"), "{:?}", c.warnings);
}

#[test]
fn a_name_where_no_node_stays_is_refused() {
    for extra in [OCTAVIA, &[]] {
        assert_eq!(
            config_err(&["-status", "-name", "web-1"], extra),
            "-status only reads: drop -name, or drop -status to make the change"
        );
        for mode in [
            &["-delete"][..],
            &["-delete", "-dry-run"],
            &["-delete", "-wait"],
        ] {
            let mut list = mode.to_vec();
            list.extend(["-name", "web-1"]);
            assert_eq!(
                config_err(&list, extra),
                "-name names a node that stays: drop it with -delete",
                "{list:?}"
            );
        }
    }
    // Every other change keeps a node, and its name.
    for mode in ["-drain", "-disable", "-dry-run"] {
        assert_eq!(
            name(&[mode, "-name", "web-1"], OCTAVIA).as_deref(),
            Some("web-1")
        );
    }
}
