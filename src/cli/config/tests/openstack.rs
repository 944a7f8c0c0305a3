//! `Config::new` with OpenStack's variables: which backend, every way to sign in, the domain
//! defaults, ids over names, and each missing or contradictory variable.

use super::*;
use crate::backend::octavia::{self, AppCredential, Auth, Domain, Named};
use crate::cli::config::openstack::{AuthType, Service, decide};

/// An openrc file as Horizon writes it for a password user, project by name.
const OPENRC: &[(&str, &str)] = &[
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
fn the_choice_of_backend() {
    use AuthType::*;
    use Service::{Clb, Octavia};
    let v3 = Some("https://keystone.example.com/v3");
    let v3_slash = Some("https://keystone.example.com/v3/");
    let v2 = Some("https://identity.api.rackspacecloud.com/v2.0");
    let root = Some("https://keystone.example.com");
    type Row<'a> = (
        Option<Service>,
        Option<&'a str>,
        Option<&'a str>,
        Option<AuthType>,
        Service,
        Option<&'a str>,
    );
    let rows: &[Row] = &[
        // Nothing said, or Identity v2.0 said: CLB as it always was, with no note.
        (None, None, None, None, Clb, None),
        (None, v2, None, None, Clb, None),
        (None, root, None, None, Clb, None),
        (None, v2, Some("2"), Some(V2Password), Clb, None),
        (None, v2, None, Some(Password), Clb, None),
        // Any one sign of Keystone v3.
        (
            None,
            v3,
            None,
            None,
            Octavia,
            Some("Using OpenStack Octavia: OS_AUTH_URL ends in /v3"),
        ),
        (
            None,
            v3_slash,
            None,
            Some(Password),
            Octavia,
            Some("Using OpenStack Octavia: OS_AUTH_URL ends in /v3"),
        ),
        (
            None,
            root,
            Some("3"),
            None,
            Octavia,
            Some("Using OpenStack Octavia: OS_IDENTITY_API_VERSION is 3"),
        ),
        (
            None,
            None,
            None,
            Some(V3Password),
            Octavia,
            Some("Using OpenStack Octavia: OS_AUTH_TYPE is v3password"),
        ),
        (
            None,
            root,
            None,
            Some(V3AppCredential),
            Octavia,
            Some("Using OpenStack Octavia: OS_AUTH_TYPE is v3applicationcredential"),
        ),
        // The flag wins over everything.
        (
            Some(Clb),
            v3,
            Some("3"),
            Some(V3Password),
            Clb,
            Some("Using Rackspace Cloud Load Balancers: -backend clb"),
        ),
        (
            Some(Octavia),
            v2,
            Some("2"),
            None,
            Octavia,
            Some("Using OpenStack Octavia: -backend octavia"),
        ),
    ];
    for (flag, url, version, auth_type, kind, note) in rows {
        let got = decide(*flag, *url, *version, *auth_type);
        assert_eq!(
            got,
            Ok((*kind, note.map(str::to_string))),
            "{flag:?} {url:?} {version:?} {auth_type:?}"
        );
    }
    let contradictions: &[(Option<&str>, Option<&str>, Option<AuthType>, &str)] = &[
        (
            v3,
            Some("2.0"),
            None,
            "OS_AUTH_URL ends in /v3 (Keystone v3, for Octavia) but OS_IDENTITY_API_VERSION is 2.0 (Identity v2.0, for Cloud Load Balancers): correct the one that is wrong, or choose with -backend octavia or -backend clb",
        ),
        (
            v2,
            Some("3"),
            None,
            "OS_IDENTITY_API_VERSION is 3 (Keystone v3, for Octavia) but OS_AUTH_URL ends in /v2.0",
        ),
        (
            v3,
            None,
            Some(V2Password),
            "OS_AUTH_URL ends in /v3 (Keystone v3, for Octavia) but OS_AUTH_TYPE is v2password",
        ),
        (
            v2,
            None,
            Some(V3AppCredential),
            "OS_AUTH_TYPE is v3applicationcredential (Keystone v3, for Octavia) but OS_AUTH_URL ends in /v2.0",
        ),
        (
            None,
            Some("v3"),
            None,
            "OS_IDENTITY_API_VERSION 'v3' is neither 3 (Keystone v3, for Octavia) nor 2.0",
        ),
    ];
    for (url, version, auth_type, want) in contradictions {
        match decide(None, *url, *version, *auth_type) {
            Err(Error::Usage(m)) => assert!(m.starts_with(want), "{m}"),
            other => panic!("{url:?} {version:?} {auth_type:?}: {other:?}"),
        }
    }
}

#[test]
fn the_choice_from_the_environment() {
    let c = os(&[], &[]).unwrap();
    assert_eq!(
        c.notes,
        [
            "Using OpenStack Octavia: OS_AUTH_URL ends in /v3",
            "$APP_PORT not set, defaulting to 80"
        ]
    );
    assert_eq!(lb_ids(&c), ["web-lb"]);
    // -backend clb reads no OpenStack variable, so one CLB never used cannot fail the run.
    let c = config(
        &["-backend", "CLB"],
        &[
            ("OS_AUTH_TYPE", "v3token"),
            ("OS_IDENTITY_API_VERSION", "x"),
        ],
    )
    .unwrap();
    assert_eq!(
        clb(&c).auth_url,
        "https://identity.api.rackspacecloud.com/v2.0"
    );
    assert_eq!(
        c.notes[0],
        "Using Rackspace Cloud Load Balancers: -backend clb"
    );
    // -backend octavia reads no OS_IDENTITY_API_VERSION either.
    let c = os(
        &["-backend", "octavia"],
        &[("OS_IDENTITY_API_VERSION", "2")],
    )
    .unwrap();
    assert_eq!(c.notes[0], "Using OpenStack Octavia: -backend octavia");
    assert_eq!(
        os_err(&["-backend", "nova"], &[]),
        "-backend 'nova' is neither clb nor octavia: give -backend clb (Rackspace Cloud Load Balancers) or -backend octavia (OpenStack, e.g. Rackspace OpenStack Flex)"
    );
    assert_eq!(
        os_err(&[], &[("OS_AUTH_TYPE", "v3token")]),
        "OS_AUTH_TYPE 'v3token' is not supported: peekaboo signs in with v3password or v3applicationcredential (Octavia), or v2password (Cloud Load Balancers); set one of those, or unset it"
    );
    assert!(os_err(&[], &[("OS_AUTH_TYPE", "v3totp")]).starts_with("OS_AUTH_TYPE 'v3totp'"));
    // Case and a trailing slash do not matter.
    let c = os(
        &[],
        &[
            ("OS_AUTH_TYPE", "V3Password"),
            ("OS_AUTH_URL", "https://k.example.com/v3/"),
        ],
    )
    .unwrap();
    assert_eq!(octavia(&c).auth_url, "https://k.example.com/v3");
    assert_eq!(
        os_err(&["-backend", "octavia"], &[("OS_AUTH_TYPE", "v2password")]),
        "OS_AUTH_TYPE v2password is Identity v2.0, which Octavia does not use: set OS_AUTH_TYPE=v3password, or unset it"
    );
    // CLB ignores OS_AUTH_TYPE v2password and password, as it ignored every OS_AUTH_TYPE.
    for t in ["v2password", "password"] {
        assert!(matches!(
            config(&[], &[("OS_AUTH_TYPE", t)]).unwrap().backend,
            Backend::Clb(_)
        ));
    }
}

#[test]
fn the_keystone_url() {
    assert_eq!(
        os_err(
            &[],
            &[
                ("OS_AUTH_URL", "https://keystone.example.com:5000/"),
                ("OS_IDENTITY_API_VERSION", "3")
            ]
        ),
        "OS_AUTH_URL 'https://keystone.example.com:5000' is not a Keystone v3 URL: it must end in /v3, e.g. https://keystone.example.com:5000/v3"
    );
    assert_eq!(
        os_err(
            &["-backend", "octavia"],
            &[("OS_AUTH_URL", "https://identity.example.com/v2.0")]
        ),
        "OS_AUTH_URL 'https://identity.example.com/v2.0' is not a Keystone v3 URL: it must end in /v3, e.g. https://identity.example.com/v3"
    );
    assert_eq!(
        os_err(&["-backend", "octavia"], &[("OS_AUTH_URL", "")]),
        "OS_AUTH_URL is not set: export the Keystone v3 URL from your openrc file, e.g. https://keystone.api.dfw3.rackspacecloud.com/v3"
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
fn password_sign_in() {
    assert_eq!(
        auth(&[]),
        Auth::Password {
            user: name("peek", dname("Default")),
            password: Secret("s3cret-pw".into()),
            project: Some(name("web", dname("Default"))),
        }
    );
    // An id wins over a name, for the user, the project and either domain.
    assert_eq!(
        auth(&[
            ("OS_USER_DOMAIN_ID", "ud1"),
            ("OS_PROJECT_DOMAIN_ID", "pd1")
        ]),
        Auth::Password {
            user: name("peek", did("ud1")),
            password: Secret("s3cret-pw".into()),
            project: Some(name("web", did("pd1"))),
        }
    );
    assert_eq!(
        auth(&[("OS_USER_ID", "u1"), ("OS_PROJECT_ID", "p1")]),
        Auth::Password {
            user: id("u1"),
            password: Secret("s3cret-pw".into()),
            project: Some(id("p1")),
        }
    );
    // By id alone, no name and no domain needed.
    let c = os(
        &[],
        &[
            ("OS_USERNAME", ""),
            ("OS_USER_DOMAIN_NAME", ""),
            ("OS_USER_ID", "u1"),
            ("OS_PROJECT_NAME", ""),
            ("OS_PROJECT_DOMAIN_NAME", ""),
            ("OS_PROJECT_ID", "p1"),
        ],
    )
    .unwrap();
    assert!(matches!(
        &octavia(&c).auth,
        Auth::Password { user: Named::Id(u), project: Some(Named::Id(p)), .. } if u == "u1" && p == "p1"
    ));
    assert_eq!(c.notes.len(), 2, "{:?}", c.notes);
    assert_eq!(c.backend.secret(), &Secret("s3cret-pw".into()));
    assert!(!format!("{c:?}").contains("s3cret-pw"));
}

#[test]
fn missing_domains_are_the_default_domain() {
    let c = os(
        &[],
        &[("OS_USER_DOMAIN_NAME", ""), ("OS_PROJECT_DOMAIN_NAME", "")],
    )
    .unwrap();
    assert_eq!(
        octavia(&c).auth,
        Auth::Password {
            user: name("peek", did("default")),
            password: Secret("s3cret-pw".into()),
            project: Some(name("web", did("default"))),
        }
    );
    // The built-in guess is told, since a wrong domain only ever reads "authentication failed".
    assert!(c.notes.contains(
        &"OS_USER_DOMAIN_NAME is not set: looking user peek up in domain id 'default' (set OS_USER_DOMAIN_NAME or OS_DEFAULT_DOMAIN if it is elsewhere)".to_string()
    ));
    assert!(c.notes.iter().any(|n| n.starts_with(
        "OS_PROJECT_DOMAIN_NAME is not set: looking project web up in domain id 'default'"
    )));
    // OS_DEFAULT_DOMAIN is an id, as the openstack CLI takes it; only what is missing is filled.
    let c = os(
        &[],
        &[("OS_PROJECT_DOMAIN_NAME", ""), ("OS_DEFAULT_DOMAIN", "d42")],
    )
    .unwrap();
    assert_eq!(
        octavia(&c).auth,
        Auth::Password {
            user: name("peek", dname("Default")),
            password: Secret("s3cret-pw".into()),
            project: Some(name("web", did("d42"))),
        }
    );
    assert!(
        !c.notes.iter().any(|n| n.contains("DOMAIN")),
        "{:?}",
        c.notes
    );
}

#[test]
fn flex_with_an_api_key() {
    let flex = [
        (
            "OS_AUTH_URL",
            "https://keystone.api.dfw3.rackspacecloud.com/v3",
        ),
        ("OS_USERNAME", "jdoe"),
        ("OS_PASSWORD", "0123456789abcdef0123456789abcdef"),
        ("OS_USER_DOMAIN_NAME", "rackspace_cloud_domain"),
        ("OS_PROJECT_NAME", "123456_Flex"),
        ("OS_PROJECT_DOMAIN_NAME", "rackspace_cloud_domain"),
        ("OS_REGION_NAME", "DFW3"),
    ];
    let c = os(&[], &flex).unwrap();
    let s = octavia(&c);
    assert_eq!(
        s.auth,
        Auth::Password {
            user: name("jdoe", dname("rackspace_cloud_domain")),
            password: Secret("0123456789abcdef0123456789abcdef".into()),
            project: Some(name("123456_Flex", dname("rackspace_cloud_domain"))),
        }
    );
    assert_eq!(
        (s.region.as_deref(), s.interface.as_str()),
        (Some("DFW3"), "public")
    );
    // A Flex user's project is never in `default`: said before anything is sent.
    let mut no_project_domain = flex.to_vec();
    no_project_domain.push(("OS_PROJECT_DOMAIN_NAME", ""));
    assert_eq!(
        os_err(&[], &no_project_domain),
        "OS_PROJECT_NAME is set but no project domain: set OS_PROJECT_DOMAIN_NAME (on Flex: rackspace_cloud_domain)"
    );
    // Unless OS_DEFAULT_DOMAIN says where it is.
    no_project_domain.push(("OS_DEFAULT_DOMAIN", "d42"));
    assert!(os(&[], &no_project_domain).is_ok());
}

#[test]
fn password_sign_in_mistakes() {
    assert_eq!(
        os_err(&[], &[("OS_USERNAME", "")]),
        "OS_USERNAME is not set: export your OpenStack user name (or OS_USER_ID); on Rackspace OpenStack Flex, your Rackspace user name"
    );
    assert_eq!(
        os_err(&[], &[("OS_PASSWORD", "")]),
        "OS_PASSWORD is not set: export your OpenStack password (on Rackspace OpenStack Flex, your API key works too), ideally from an EnvironmentFile"
    );
    assert_eq!(
        os_err(&[], &[("OS_PROJECT_NAME", "")]),
        "no project: set OS_PROJECT_ID, or OS_PROJECT_NAME with OS_PROJECT_DOMAIN_NAME (on Rackspace OpenStack Flex: <account number>_Flex in rackspace_cloud_domain); Octavia needs a project-scoped token"
    );
    // An explicit password type ignores application credential variables.
    assert!(matches!(
        auth(&[
            ("OS_AUTH_TYPE", "v3password"),
            ("OS_APPLICATION_CREDENTIAL_ID", "ac1")
        ]),
        Auth::Password { .. }
    ));
}

#[test]
fn application_credentials() {
    let by_id = [
        ("OS_AUTH_TYPE", "v3applicationcredential"),
        ("OS_APPLICATION_CREDENTIAL_ID", "ac1"),
        ("OS_APPLICATION_CREDENTIAL_SECRET", "app-s3cret"),
    ];
    let secret = Secret("app-s3cret".into());
    let c = os(&[], &by_id).unwrap();
    assert_eq!(
        octavia(&c).auth,
        Auth::AppCredential {
            credential: AppCredential::Id("ac1".into()),
            secret: secret.clone(),
        }
    );
    assert_eq!(c.backend.secret(), &secret);
    assert!(!format!("{c:?}").contains("app-s3cret"));
    // What is not sent is said, once each.
    assert!(c.notes.contains(
        &"OS_PROJECT_NAME is not used: an application credential signs in to the project it was created in".to_string()
    ));
    assert!(c.notes.contains(
        &"OS_PASSWORD is not used: signing in with the application credential (OS_AUTH_TYPE=v3password would use the password)".to_string()
    ));
    // Chosen by their presence, as Horizon's openrc without OS_AUTH_TYPE has it; the id wins
    // over a name.
    let only_app = [
        ("OS_USERNAME", ""),
        ("OS_PASSWORD", ""),
        ("OS_USER_DOMAIN_NAME", ""),
        ("OS_PROJECT_NAME", ""),
        ("OS_PROJECT_DOMAIN_NAME", ""),
        ("OS_APPLICATION_CREDENTIAL_ID", "ac1"),
        ("OS_APPLICATION_CREDENTIAL_NAME", "deploy"),
        ("OS_APPLICATION_CREDENTIAL_SECRET", "app-s3cret"),
    ];
    let c = os(&[], &only_app).unwrap();
    assert_eq!(
        octavia(&c).auth,
        Auth::AppCredential {
            credential: AppCredential::Id("ac1".into()),
            secret: secret.clone(),
        }
    );
    assert_eq!(
        c.notes,
        [
            "Using OpenStack Octavia: OS_AUTH_URL ends in /v3",
            "$APP_PORT not set, defaulting to 80"
        ]
    );
    // By name, with its user in the user's domain.
    assert_eq!(
        auth(&[
            ("OS_APPLICATION_CREDENTIAL_NAME", "deploy"),
            ("OS_APPLICATION_CREDENTIAL_SECRET", "app-s3cret"),
        ]),
        Auth::AppCredential {
            credential: AppCredential::Name {
                name: "deploy".into(),
                user: name("peek", dname("Default")),
            },
            secret: secret.clone(),
        }
    );
    assert_eq!(
        auth(&[
            ("OS_APPLICATION_CREDENTIAL_NAME", "deploy"),
            ("OS_APPLICATION_CREDENTIAL_SECRET", "app-s3cret"),
            ("OS_USER_ID", "u1"),
        ]),
        Auth::AppCredential {
            credential: AppCredential::Name {
                name: "deploy".into(),
                user: id("u1"),
            },
            secret,
        }
    );
}

#[test]
fn application_credential_mistakes() {
    assert_eq!(
        os_err(&[], &[("OS_APPLICATION_CREDENTIAL_ID", "ac1")]),
        "OS_APPLICATION_CREDENTIAL_SECRET is not set: export the secret shown when the application credential was created"
    );
    assert_eq!(
        os_err(&[], &[("OS_AUTH_TYPE", "v3applicationcredential")]),
        "OS_APPLICATION_CREDENTIAL_SECRET is not set: export the secret shown when the application credential was created"
    );
    assert_eq!(
        os_err(&[], &[("OS_APPLICATION_CREDENTIAL_SECRET", "app-s3cret")]),
        "an application credential needs its id: set OS_APPLICATION_CREDENTIAL_ID (or OS_APPLICATION_CREDENTIAL_NAME with OS_USERNAME)"
    );
    assert_eq!(
        os_err(
            &[],
            &[
                ("OS_USERNAME", ""),
                ("OS_APPLICATION_CREDENTIAL_NAME", "deploy"),
                ("OS_APPLICATION_CREDENTIAL_SECRET", "app-s3cret"),
            ]
        ),
        "OS_APPLICATION_CREDENTIAL_NAME needs the user it belongs to: set OS_USERNAME (or OS_USER_ID), or name the credential by OS_APPLICATION_CREDENTIAL_ID"
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
    for bad in ["0", "257"] {
        assert_eq!(
            os_err(&["-weight", bad], &[]),
            format!("-weight '{bad}' is not a weight: use a whole number from 1 to 256")
        );
    }
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
