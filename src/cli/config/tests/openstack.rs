//! `Config::new` with OpenStack's variables: which backend, every way to sign in, the domain
//! defaults, ids over names, and each missing or contradictory variable.

use super::*;
use crate::backend::octavia::{self, AppCredential, Auth, Domain, Named};

/// An openrc file as Horizon writes it for a password user, project by name.
pub(super) const OPENRC: &[(&str, &str)] = &[
    ("LOAD_BALANCER_ID", "web-lb"),
    ("OS_AUTH_URL", "https://keystone.example.com/v3"),
    ("OS_USERNAME", "peek"),
    ("OS_PASSWORD", "s3cret-pw"),
    ("OS_USER_DOMAIN_NAME", "Default"),
    ("OS_PROJECT_NAME", "web"),
    ("OS_PROJECT_DOMAIN_NAME", "Default"),
];

/// `Config::new` with OPENRC and `extra` on top ("" unsets a variable of OPENRC).
fn os(list: &[&str], extra: &[(&str, &str)]) -> Result<Config, Error> {
    let mut pairs = OPENRC.to_vec();
    pairs.extend_from_slice(extra);
    Config::new(args(list).unwrap(), &env(&pairs))
}

fn os_err(list: &[&str], extra: &[(&str, &str)]) -> String {
    match os(list, extra) {
        Err(Error::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    }
}

fn octavia(c: &Config) -> &octavia::Settings {
    match &c.backend {
        Backend::Octavia(s) => s,
        Backend::Clb(s) => panic!("expected Octavia, got {s:?}"),
    }
}

fn auth(extra: &[(&str, &str)]) -> Auth {
    octavia(&os(&[], extra).unwrap()).auth.clone()
}

fn name(name: &str, domain: Domain) -> Named {
    Named::Name {
        name: name.into(),
        domain,
    }
}

fn id(id: &str) -> Named {
    Named::Id(id.into())
}

fn dname(d: &str) -> Domain {
    Domain::Name(d.into())
}

fn did(d: &str) -> Domain {
    Domain::Id(d.into())
}

#[test]
fn the_keystone_url() {
    // An identity root is taken as it is: its version document names the v3 base.
    for (given, kept) in [
        (
            "https://keystone.example.com:5000/",
            "https://keystone.example.com:5000",
        ),
        ("http://127.0.0.1/identity/", "http://127.0.0.1/identity"),
    ] {
        let c = os(&[], &[("OS_AUTH_URL", given)]).unwrap();
        assert_eq!(octavia(&c).auth_url, kept);
        assert_eq!(
            c.notes[0],
            "Using OpenStack Octavia: OS_PROJECT_NAME is set, which only Keystone v3 has"
        );
    }
    for v2 in [
        "https://identity.example.com/v2.0",
        "https://identity.example.com/v2/",
    ] {
        assert_eq!(
            os_err(&["-backend", "octavia"], &[("OS_AUTH_URL", v2)]),
            format!(
                "OS_AUTH_URL '{}' is Identity v2.0's, which Octavia does not sign in with: use the Keystone v3 URL, e.g. https://identity.example.com/v3",
                v2.trim_end_matches('/')
            )
        );
    }
    assert_eq!(
        os_err(&["-backend", "octavia"], &[("OS_AUTH_URL", "")]),
        "OS_AUTH_URL is set but empty: export the Keystone v3 URL from your openrc file, e.g. https://keystone.api.dfw3.rackspacecloud.com/v3"
    );
    assert!(
        os_err(&[], &[("OS_AUTH_URL", "http://keystone.example.com/v3")])
            .starts_with("OS_AUTH_URL 'http://keystone.example.com/v3' uses plain http")
    );
    let c = os(
        &["-allow-http"],
        &[("OS_AUTH_URL", "http://keystone.example.com/v3")],
    )
    .unwrap();
    assert!(octavia(&c).allow_http);
    assert!(
        os_err(&[], &[("OS_AUTH_URL", "https://key stone.example.com/v3")])
            .ends_with("is not a valid URL: use the Keystone v3 URL, e.g. https://keystone.api.dfw3.rackspacecloud.com/v3")
    );
}

#[test]
fn region_and_interface() {
    let c = os(&[], &[("OS_REGION_NAME", " RegionOne ")]).unwrap();
    assert_eq!(octavia(&c).region.as_deref(), Some("RegionOne"));
    let c = os(&["-region", "sjc3"], &[("OS_REGION_NAME", "DFW3")]).unwrap();
    assert_eq!(octavia(&c).region.as_deref(), Some("sjc3"));
    assert_eq!(octavia(&os(&[], &[]).unwrap()).region, None);
    assert_eq!(
        os_err(&[], &[("OS_REGION_NAME", "us east")]),
        "OS_REGION_NAME 'us east' is not a region name: give it as your openrc file or the catalog has it, e.g. DFW3 or RegionOne"
    );
    for (given, want) in [
        ("internal", "internal"),
        ("ADMIN", "admin"),
        ("publicURL", "public"),
        ("", "public"),
    ] {
        let c = os(&[], &[("OS_INTERFACE", given)]).unwrap();
        assert_eq!(octavia(&c).interface, want, "{given}");
    }
    assert_eq!(
        os_err(&[], &[("OS_INTERFACE", "private")]),
        "OS_INTERFACE 'private' is not public, internal or admin: set public (the default, what a server outside the cloud's control plane reaches), or unset it"
    );
}

#[test]
fn load_balancers_by_id_or_name() {
    let lbs = |v: &str| lb_ids(&os(&["-lb", v], &[]).unwrap()).join("|");
    assert_eq!(lbs("web-lb"), "web-lb");
    assert_eq!(
        lbs("5e4c6b2a-0f5d-4c43-9b2e-6b1d2f0c7a11, api,3"),
        "5e4c6b2a-0f5d-4c43-9b2e-6b1d2f0c7a11|api|3"
    );
    assert_eq!(
        os_err(&["-lb", "web lb"], &[]),
        "-lb 'web lb': 'web lb' is not a load balancer id or name: list ids or names without spaces, e.g. web-lb or web-lb,api-lb (a name with a space: use its id)"
    );
    assert!(
        os_err(&[], &[("LOAD_BALANCER_ID", "a,,b")])
            .starts_with("LOAD_BALANCER_ID 'a,,b': '' is not a load balancer id or name")
    );
    assert_eq!(
        os_err(&["-lb", "web,api,web"], &[]),
        "-lb 'web,api,web' lists load balancer web twice: list each once"
    );
    assert_eq!(
        os_err(&[], &[("LOAD_BALANCER_ID", "")]),
        "LOAD_BALANCER_ID is not set: export the id or name of the Octavia load balancer (or pass -lb ID|NAME)"
    );
    // Cloud Load Balancers still take numbers only.
    assert_eq!(
        config_err(&["-lb", "web"], &[]),
        "-lb 'web' is not a load balancer id: use the number shown in the control panel, e.g. 12345 (several: 1,2,3); an Octavia load balancer's id or name needs -backend octavia, or an OS_AUTH_URL ending in /v3"
    );
    assert!(!config_err(&["-lb", "-3"], &[]).contains("Octavia"));
}

#[test]
fn pool_and_subnet() {
    let c = os(&["-pool", "web-pool", "-subnet", "sub-1"], &[]).unwrap();
    let s = octavia(&c);
    assert_eq!(
        (s.pool.as_deref(), s.subnet.as_deref()),
        (Some("web-pool"), Some("sub-1"))
    );
    let s = os(&[], &[]).unwrap();
    assert_eq!(
        (octavia(&s).pool.as_deref(), octavia(&s).subnet.as_deref()),
        (None, None)
    );
    assert_eq!(
        config_err(&["-pool", "web-pool"], &[]),
        "-pool applies only to Octavia, and this run uses Cloud Load Balancers (OS_AUTH_URL does not end in /v3): give -backend octavia with an OpenStack openrc, or drop -pool"
    );
    assert!(config_err(&["-subnet", "sub-1"], &[]).starts_with("-subnet applies only to Octavia"));
    assert_eq!(
        os_err(&["-pool", "web pool"], &[]),
        "-pool 'web pool' is not an id or name: give one without spaces, e.g. -pool web-pool"
    );
}

#[test]
fn weight_range() {
    let c = os(&["-weight", "256"], &[]).unwrap();
    assert_eq!(c.node.attrs.weight, Some(256));
    assert_eq!(
        os_err(&["-weight", "257"], &[]),
        "-weight '257' is not a weight: use a whole number from 1 to 256"
    );
    assert_eq!(
        os_err(&["-weight", "0"], &[]),
        "-weight '0': weight 0 is a drain: use -drain (a weight is a whole number from 1 to 256)"
    );
    assert!(config_err(&["-weight", "101"], &[]).contains("from 1 to 100"));
}

#[test]
fn drain_from() {
    let nets = |c: &Config| {
        c.node
            .drain_from
            .iter()
            .map(|n| format!("{}/{}", n.addr, n.bits))
            .collect::<Vec<_>>()
    };
    let c = os(
        &[
            "-drain",
            "-wait",
            "-drain-from",
            "10.0.0.0/24, 2001:db8::/64",
        ],
        &[],
    )
    .unwrap();
    assert_eq!(nets(&c), ["10.0.0.0/24", "2001:db8::/64"]);
    // Either backend; with -watch too; a bare address is one host.
    let c = config(&["-delete", "-wait", "-drain-from", "10.9.9.9"], &[]).unwrap();
    assert_eq!(nets(&c), ["10.9.9.9/32"]);
    let c = os(&["-watch", "-drain-from", "192.168.0.0/16"], &[]).unwrap();
    assert_eq!(nets(&c), ["192.168.0.0/16"]);
    assert!(os(&[], &[]).unwrap().node.drain_from.is_empty());
    for flags in [
        &["-drain-from", "10.0.0.0/8"][..],
        &["-drain", "-drain-from", "10.0.0.0/8"],
        &["-wait", "-drain-from", "10.0.0.0/8"],
        &["-status", "-drain-from", "10.0.0.0/8"],
    ] {
        assert_eq!(
            os_err(flags, &[]),
            "-drain-from only applies with -wait and -drain, -disable or -delete, or with -watch: add -wait, or drop it",
            "{flags:?}"
        );
    }
    assert_eq!(
        os_err(
            &[
                "-drain",
                "-wait",
                "-drain-timeout",
                "0",
                "-drain-from",
                "10.0.0.0/8"
            ],
            &[]
        ),
        "-drain-from has no use with -drain-timeout 0, which skips the drain wait: drop one of them"
    );
    assert_eq!(
        os_err(
            &["-drain", "-wait", "-drain-from", "10.0.0.0/8,10.0.0.0/33"],
            &[]
        ),
        "-drain-from '10.0.0.0/8,10.0.0.0/33': '10.0.0.0/33' is not an address or CIDR range: give the load balancer's source addresses, e.g. -drain-from 10.0.0.0/24,2001:db8::/64"
    );
}

#[test]
fn openstack_variables_are_read_as_every_variable_is() {
    use std::os::unix::ffi::OsStringExt;
    for name in [
        "OS_AUTH_TYPE",
        "OS_IDENTITY_API_VERSION",
        "OS_USER_DOMAIN_NAME",
        "OS_PROJECT_NAME",
        "OS_INTERFACE",
    ] {
        let base = env(OPENRC);
        let bad = |k: &str| {
            if k == name {
                Some(OsString::from_vec(b"x\xff".to_vec()))
            } else {
                base(k)
            }
        };
        match Config::new(Args::default(), &bad) {
            Err(Error::Usage(m)) => assert!(
                m.starts_with(&format!("{name} is set but is not valid UTF-8")),
                "{m}"
            ),
            other => panic!("{name}: {other:?}"),
        }
    }
    // OS_AUTH_URL is read once, for the choice and the URL, so its carriage return is told once.
    let c = os(
        &[],
        &[("OS_AUTH_URL", "https://keystone.example.com/v3\r\n")],
    )
    .unwrap();
    assert_eq!(octavia(&c).auth_url, "https://keystone.example.com/v3");
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    let c = config(
        &[],
        &[("OS_AUTH_URL", "https://identity.example.com/v2.0\r")],
    )
    .unwrap();
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
}

mod choice;
mod cloud;
mod keystone;
