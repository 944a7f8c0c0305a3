use std::collections::HashMap;
use std::ffi::OsString;
use std::time::Duration;

use super::*;
use crate::backend::rackspace::{DEFAULT_AUTH_URL, Settings};
use crate::cli::parse_args;
use crate::core::model::{Condition, NodeType};
use crate::engine::AddressSource;

fn args(list: &[&str]) -> Result<Args, Error> {
    parse_args(list.iter().map(OsString::from))
}

/// The state a mode changes the node to, if any.
fn want_of(c: &Config) -> Want {
    match c.mode {
        Mode::Apply { want, .. } | Mode::DryRun(want) => want,
        Mode::Status => panic!("-status wants nothing"),
        Mode::Watch(_) => panic!("-watch wants what the app's health says"),
        Mode::Docker => panic!("-docker wants what each container's health says"),
    }
}

/// The load balancers a run was given, as typed.
pub(super) fn lb_ids(c: &Config) -> Vec<&str> {
    c.lbs.iter().map(|l| l.0.as_str()).collect()
}

/// The Cloud Load Balancers settings, which every run without OpenStack variables has.
pub(super) fn clb(c: &Config) -> &Settings {
    match &c.backend {
        Backend::Clb(s) => s,
        Backend::Octavia(s) => panic!("expected Cloud Load Balancers, got {s:?}"),
    }
}

fn wait_of(c: &Config) -> bool {
    matches!(c.mode, Mode::Apply { wait: true, .. })
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
    let map: HashMap<String, OsString> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    move |k| map.get(k).cloned()
}

const BASE: &[(&str, &str)] = &[
    ("LOAD_BALANCER_ID", "64965"),
    ("OS_USERNAME", "alice"),
    ("OS_PASSWORD", "k3y"),
];

fn config(list: &[&str], extra: &[(&str, &str)]) -> Result<Config, Error> {
    let mut pairs = BASE.to_vec();
    pairs.extend_from_slice(extra);
    Config::new(args(list).unwrap(), &env(&pairs))
}

fn config_err(list: &[&str], extra: &[(&str, &str)]) -> String {
    match config(list, extra) {
        Err(Error::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn defaults_match_the_original() {
    let c = config(&[], &[]).unwrap();
    assert_eq!(want_of(&c), Want::Present(Condition::Enabled));
    assert_eq!(lb_ids(&c), ["64965"]);
    assert_eq!(c.node.port, 80);
    assert_eq!(
        c.notes,
        vec!["$APP_PORT not set, defaulting to 80".to_string()]
    );
    assert_eq!(c.timing.interval, Duration::from_secs(5));
    assert_eq!(c.timing.timeout, Duration::from_secs(120));
    assert_eq!(clb(&c).auth_url, DEFAULT_AUTH_URL);
    assert_eq!(clb(&c).region, None);
    assert_eq!(c.node.address, None);
}

#[test]
fn action_precedence() {
    let want = |l: &[&str]| want_of(&config(l, &[]).unwrap());
    assert_eq!(want(&["-drain"]), Want::Present(Condition::Draining));
    assert_eq!(
        want(&["-disable", "-drain"]),
        Want::Present(Condition::Disabled)
    );
    assert_eq!(want(&["-drain", "-delete", "-disable"]), Want::Absent);
    let c = config(&["-drain", "-delete"], &[]).unwrap();
    assert!(
        c.notes
            .iter()
            .any(|n| n == "-delete and -drain given together: -delete wins, as it always has")
    );
}

#[test]
fn flags_override_environment() {
    let c = config(
        &[
            "-lb", "7", "-port", "8080", "-region", "lon", "-ip", "10.9.9.9",
        ],
        &[
            ("APP_PORT", "81"),
            ("OS_REGION_NAME", "DFW"),
            ("RAX_SERVICENET_IPV4", "10.1.1.1"),
        ],
    )
    .unwrap();
    assert_eq!((lb_ids(&c), c.node.port), (vec!["7"], 8080));
    assert_eq!(clb(&c).region.as_deref(), Some("LON"));
    assert_eq!(
        c.node.address,
        Some(("10.9.9.9".parse().unwrap(), AddressSource::Flag))
    );
}

#[test]
fn address_precedence_from_environment() {
    let c = config(
        &[],
        &[
            ("RAX_PUBLICNET_IPV4", "1.2.3.4"),
            ("RAX_SERVICENET_IPV4", "10.1.1.1"),
        ],
    )
    .unwrap();
    assert_eq!(
        c.node.address,
        Some(("10.1.1.1".parse().unwrap(), AddressSource::Servicenet))
    );
    let c = config(&[], &[("RAX_PUBLICNET_IPV4", "1.2.3.4")]).unwrap();
    assert_eq!(
        c.node.address,
        Some(("1.2.3.4".parse().unwrap(), AddressSource::Publicnet))
    );
    let c = config(&[], &[("OS_REGION_NAME", "iad")]).unwrap();
    assert_eq!(clb(&c).region.as_deref(), Some("IAD"));
}

#[test]
fn bad_environment() {
    let missing = |name: &str| {
        let pairs: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != name).collect();
        match Config::new(Args::default(), &env(&pairs)) {
            Err(Error::Usage(m)) => m,
            other => panic!("{other:?}"),
        }
    };
    assert!(missing("LOAD_BALANCER_ID").starts_with("LOAD_BALANCER_ID is not set"));
    assert!(missing("OS_USERNAME").starts_with("OS_USERNAME is not set"));
    assert!(missing("OS_PASSWORD").starts_with("OS_PASSWORD is not set"));
    assert!(
        config_err(&[], &[("LOAD_BALANCER_ID", "abc")])
            .starts_with("LOAD_BALANCER_ID 'abc' is not a load balancer id")
    );
    assert!(config_err(&[], &[("LOAD_BALANCER_ID", "0")]).contains("not a load balancer id"));
    assert!(
        config_err(&[], &[("APP_PORT", "70000")]).starts_with("APP_PORT '70000' is not a port")
    );
    assert!(config_err(&[], &[("APP_PORT", "0")]).contains("not a port"));
    assert!(config_err(&["-port", "http"], &[]).starts_with("-port 'http' is not a port"));
    assert!(config_err(&[], &[("OS_REGION_NAME", "us-east")]).contains("not a region code"));
    assert!(
        config_err(&["-ip", "10.0.0.256"], &[])
            .starts_with("-ip '10.0.0.256' is not an IP address")
    );
    assert!(
        config_err(&[], &[("RAX_SERVICENET_IPV4", "eth1")])
            .starts_with("RAX_SERVICENET_IPV4 'eth1'")
    );
    assert!(config_err(&["-ip", "0.0.0.0"], &[]).contains("cannot be a node address"));
    assert!(config_err(&["-interval", "0"], &[]).contains("must be more than zero"));
    assert!(
        config_err(&["-timeout", "soon"], &[]).starts_with("-timeout 'soon' is not a duration")
    );
    assert!(config_err(&["-timeout", "48h"], &[]).contains("too long"));
    assert!(
        config_err(&[], &[("OS_AUTH_URL", "http://identity.example.com/v2.0")])
            .contains("plain http")
    );
    assert!(config_err(&[], &[("OS_AUTH_URL", "ftp://x")]).contains("OS_AUTH_URL"));
    let c = config(
        &["-allow-http"],
        &[("OS_AUTH_URL", "http://identity.example.com/v2.0/")],
    )
    .unwrap();
    assert!(clb(&c).allow_http);
    assert_eq!(clb(&c).auth_url, "http://identity.example.com/v2.0");
    assert_eq!(
        config_err(&[], &[("PEEKABOO_REQUEST_TIMEOUT", "0")]),
        "PEEKABOO_REQUEST_TIMEOUT '0' must be more than zero, e.g. PEEKABOO_REQUEST_TIMEOUT=30s"
    );
    assert_eq!(
        config(&[], &[("PEEKABOO_REQUEST_TIMEOUT", "250ms")])
            .unwrap()
            .backend
            .transport()
            .request_timeout,
        Duration::from_millis(250)
    );
    assert!(
        config_err(&[], &[("OS_CACERT", "/nonexistent.pem")])
            .starts_with("OS_CACERT '/nonexistent.pem' cannot be read")
    );
}

#[test]
fn drain_timeout_is_refused_where_nothing_drains() {
    assert_eq!(
        config_err(&["-drain-timeout", "5s"], &[]),
        "-drain-timeout only applies with -wait and -drain, -disable or -delete, or with -watch: add -wait, or drop it"
    );
}

#[test]
fn wait_and_drain_timeout() {
    let c = config(&["-drain", "-wait"], &[]).unwrap();
    assert!(wait_of(&c));
    assert_eq!(c.timing.drain_timeout, Duration::from_secs(60));
    let c = config(&["-delete", "-wait", "-drain-timeout", "0"], &[]).unwrap();
    assert_eq!(c.timing.drain_timeout, Duration::ZERO);
    let c = config(
        &["-disable", "-wait", "-drain-timeout=90s", "-timeout", "3m"],
        &[],
    )
    .unwrap();
    assert_eq!(c.timing.drain_timeout, Duration::from_secs(90));
    // Not given: 60 s, or half of a shorter -timeout.
    let c = config(&["-drain", "-wait", "-timeout", "30s"], &[]).unwrap();
    assert_eq!(c.timing.drain_timeout, Duration::from_secs(15));
    assert!(
        config_err(&["-drain", "-drain-timeout", "5s"], &[])
            .starts_with("-drain-timeout only applies with -wait")
    );
    assert!(
        config_err(&["-wait", "-drain-timeout", "5s"], &[])
            .starts_with("-drain-timeout only applies with -wait")
    );
    assert!(
        config_err(&["-drain", "-wait", "-drain-timeout", "2m"], &[])
            .starts_with("-drain-timeout 2m must be shorter than -timeout 2m")
    );
    assert!(
        config_err(&["-drain", "-wait", "-drain-timeout", "soon"], &[])
            .starts_with("-drain-timeout 'soon' is not a duration")
    );
}

#[test]
fn weight_and_type() {
    let c = config(&["-weight", "7", "-type", "secondary"], &[]).unwrap();
    assert_eq!(
        c.node.attrs,
        Attrs {
            weight: Some(7),
            node_type: Some(NodeType::Secondary),
            name: None,
        }
    );
    assert_eq!(config(&[], &[]).unwrap().node.attrs, Attrs::default());
    for bad in ["101", "heavy", "-1", ""] {
        assert!(
            config_err(&["-weight", bad], &[])
                .contains("is not a weight: use a whole number from 1 to 100"),
            "{bad}"
        );
    }
    assert_eq!(
        config_err(&["-weight", "0"], &[]),
        "-weight '0': weight 0 is a drain: use -drain (a weight is a whole number from 1 to 100)"
    );
    assert!(config_err(&["-type", "BACKUP"], &[]).starts_with("-type 'BACKUP' is not a node type"));
    assert!(config_err(&["-delete", "-weight", "5"], &[]).contains("drop them with -delete"));
}

#[test]
fn several_load_balancers() {
    assert_eq!(
        lb_ids(&config(&["-lb", "3,1, 2"], &[]).unwrap()),
        ["3", "1", "2"]
    );
    assert_eq!(
        lb_ids(&config(&[], &[("LOAD_BALANCER_ID", "5,6")]).unwrap()),
        ["5", "6"]
    );
    assert_eq!(
        config_err(&["-lb", "1,,2"], &[]),
        "-lb '1,,2': '' is not a load balancer id: list numbers, e.g. 1,2,3"
    );
    assert!(config_err(&["-lb", "1,2,1"], &[]).contains("lists load balancer 1 twice"));
}

#[test]
fn read_only_modes() {
    let c = config(&["-status", "-json"], &[]).unwrap();
    assert!(c.mode == Mode::Status && c.json);
    assert_eq!(
        config(&["-dry-run", "-drain"], &[]).unwrap().mode,
        Mode::DryRun(Want::Present(Condition::Draining))
    );
    assert_eq!(
        config_err(&["-status", "-drain"], &[]),
        "-status only reads: drop -drain, or drop -status to make the change"
    );
    assert!(config_err(&["-status", "-weight", "3"], &[]).contains("drop -weight"));
    assert!(config_err(&["-dry-run", "-wait"], &[]).starts_with("-dry-run shows the one change"));
}

#[test]
fn an_auth_url_ureq_cannot_send_to_is_refused() {
    assert_eq!(
        config_err(
            &[],
            &[("OS_AUTH_URL", "https://ident ity.example.com/v2.0")]
        ),
        "OS_AUTH_URL 'https://ident ity.example.com/v2.0' is not a valid URL: use the Identity v2.0 base, e.g. https://identity.api.rackspacecloud.com/v2.0"
    );
}

mod container;
mod docker;
mod name;
mod openstack;
mod variables;
mod watch;
