//! Which backend a run uses: -backend, else the identity API the variables name.

use super::*;
use crate::cli::config::choice::{AuthType, Service, Signs, decide};

fn signs<'a>(
    auth_url: Option<&'a str>,
    version: Option<&'a str>,
    auth_type: Option<AuthType>,
    v3_only: Option<&'a str>,
) -> Signs<'a> {
    Signs {
        cloud: None,
        auth_url,
        version,
        auth_type,
        v3_only,
    }
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
            Some("OS_AUTH_URL ends in /v3"),
        ),
        (
            None,
            v3_slash,
            None,
            Some(Password),
            Octavia,
            Some("OS_AUTH_URL ends in /v3"),
        ),
        (
            None,
            root,
            Some("3"),
            None,
            Octavia,
            Some("OS_IDENTITY_API_VERSION is 3"),
        ),
        (
            None,
            None,
            None,
            Some(V3Password),
            Octavia,
            Some("OS_AUTH_TYPE is v3password"),
        ),
        (
            None,
            root,
            None,
            Some(V3AppCredential),
            Octavia,
            Some("OS_AUTH_TYPE is v3applicationcredential"),
        ),
        // The flag wins over everything.
        (
            Some(Clb),
            v3,
            Some("3"),
            Some(V3Password),
            Clb,
            Some("-backend clb"),
        ),
        (
            Some(Octavia),
            v2,
            Some("2"),
            None,
            Octavia,
            Some("-backend octavia"),
        ),
    ];
    for (flag, url, version, auth_type, kind, note) in rows {
        let got = decide(*flag, &signs(*url, *version, *auth_type, None));
        assert_eq!(
            got,
            Ok((*kind, note.map(str::to_string))),
            "{flag:?} {url:?} {version:?} {auth_type:?}"
        );
    }
    type Contradiction<'a> = (Option<&'a str>, Option<&'a str>, Option<AuthType>, &'a str);
    let contradictions: &[Contradiction] = &[
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
        match decide(None, &signs(*url, *version, *auth_type, None)) {
            Err(Error::Usage(m)) => assert!(m.starts_with(want), "{m}"),
            other => panic!("{url:?} {version:?} {auth_type:?}: {other:?}"),
        }
    }
}

#[test]
fn a_variable_only_keystone_v3_has_chooses_octavia_only_beside_an_os_auth_url_and_no_v2_sign() {
    use AuthType::*;
    use Service::{Clb, Octavia};
    let root = Some("https://keystone.example.com:5000");
    let devstack = Some("http://192.0.2.10/identity");
    let v2 = Some("https://identity.api.rackspacecloud.com/v2.0");
    let v3 = Some("https://keystone.example.com/v3");
    let project = Some("OS_PROJECT_NAME");
    let chosen = |var: &str| Some(format!("{var} is set, which only Keystone v3 has"));
    type Row<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<AuthType>,
        Option<&'a str>,
        Service,
        Option<String>,
    );
    let rows: &[Row] = &[
        // An openrc with a bare identity root.
        (
            root,
            None,
            None,
            project,
            Octavia,
            chosen("OS_PROJECT_NAME"),
        ),
        (
            devstack,
            None,
            Some(Password),
            project,
            Octavia,
            chosen("OS_PROJECT_NAME"),
        ),
        (
            root,
            None,
            None,
            Some("OS_APPLICATION_CREDENTIAL_ID"),
            Octavia,
            chosen("OS_APPLICATION_CREDENTIAL_ID"),
        ),
        (
            root,
            None,
            None,
            Some("OS_USER_DOMAIN_ID"),
            Octavia,
            chosen("OS_USER_DOMAIN_ID"),
        ),
        // A stronger sign names itself.
        (
            v3,
            None,
            None,
            project,
            Octavia,
            Some("OS_AUTH_URL ends in /v3".into()),
        ),
        (
            root,
            Some("3"),
            None,
            project,
            Octavia,
            Some("OS_IDENTITY_API_VERSION is 3".into()),
        ),
        // Without OS_AUTH_URL, which CLB never needs: a stray one beside Rackspace's default.
        (None, None, None, project, Clb, None),
        // Anything that points to Identity v2.0 wins over them, without a contradiction.
        (v2, None, None, project, Clb, None),
        (root, Some("2.0"), None, project, Clb, None),
        (root, None, Some(V2Password), project, Clb, None),
        (root, None, None, None, Clb, None),
    ];
    for (url, version, auth_type, v3_only, kind, note) in rows {
        let got = decide(None, &signs(*url, *version, *auth_type, *v3_only));
        assert_eq!(
            got,
            Ok((*kind, note.clone())),
            "{url:?} {version:?} {auth_type:?} {v3_only:?}"
        );
    }
    // -backend clb wins over them too.
    assert_eq!(
        decide(Some(Clb), &signs(root, None, None, project)),
        Ok((Clb, Some("-backend clb".into())))
    );
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
fn a_cloud_of_clouds_yaml_chooses_octavia_unless_something_points_to_identity_v2() {
    use Service::{Clb, Octavia};
    let named = "OS_CLOUD names cloud 'web'";
    let cloud = |url, version| Signs {
        cloud: Some(named),
        ..signs(url, version, None, None)
    };
    assert_eq!(
        decide(None, &cloud(None, None)),
        Ok((Octavia, Some(named.into())))
    );
    // It names itself before the cloud's own /v3 URL.
    let v3 = Some("https://keystone.example.com/v3");
    assert_eq!(
        decide(None, &cloud(v3, Some("3"))),
        Ok((Octavia, Some(named.into())))
    );
    assert!(matches!(
        decide(None, &cloud(Some("https://identity.api.rackspacecloud.com/v2.0"), None)),
        Err(Error::Usage(m)) if m.starts_with("OS_CLOUD names cloud 'web' (Keystone v3, for Octavia) but OS_AUTH_URL ends in /v2.0")
    ));
    assert_eq!(
        decide(Some(Clb), &cloud(None, None)),
        Ok((Clb, Some("-backend clb".into())))
    );
}
