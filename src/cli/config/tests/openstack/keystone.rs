//! Signing in to Keystone from an openrc file: a password or an application credential, ids
//! over names, the default domain, Flex's API key, and each missing piece.

use super::*;

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

/// `Config::new` on OPENRC without the variables `unset`: the usage error.
fn os_without(unset: &[&str]) -> String {
    let pairs: Vec<(&str, &str)> = OPENRC
        .iter()
        .copied()
        .filter(|(k, _)| !unset.contains(k))
        .collect();
    match Config::new(args(&[]).unwrap(), &env(&pairs)) {
        Err(Error::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn password_sign_in_mistakes() {
    let user = "export your OpenStack user name (or OS_USER_ID); on Rackspace OpenStack Flex, your Rackspace user name";
    let password = "export your OpenStack password (on Rackspace OpenStack Flex, your API key works too), ideally from an EnvironmentFile";
    assert_eq!(
        os_without(&["OS_USERNAME"]),
        format!("OS_USERNAME is not set: {user}")
    );
    assert_eq!(
        os_without(&["OS_PASSWORD"]),
        format!("OS_PASSWORD is not set: {password}")
    );
    // `export OS_PASSWORD=` is another slip than leaving it out.
    assert_eq!(
        os_err(&[], &[("OS_USERNAME", "")]),
        format!("OS_USERNAME is set but empty: {user}")
    );
    assert_eq!(
        os_err(&[], &[("OS_PASSWORD", "")]),
        format!("OS_PASSWORD is set but empty: {password}")
    );
    assert_eq!(
        os_err(&[], &[("OS_PASSWORD", " \t")]),
        format!("OS_PASSWORD is set but blank: {password}")
    );
    assert_eq!(
        os_err(&[], &[("OS_PROJECT_NAME", "")]),
        "no project: set OS_PROJECT_ID, or OS_PROJECT_NAME with OS_PROJECT_DOMAIN_NAME (on Rackspace OpenStack Flex: <account number>_Flex in rackspace_cloud_domain); Octavia needs a project-scoped token (Octavia, since OS_AUTH_URL ends in /v3: for Rackspace Cloud Load Balancers give the Identity v2.0 OS_AUTH_URL, or -backend clb)"
    );
    // Asked for by -backend, Octavia needs no excuse.
    assert!(
        os_err(&["-backend", "octavia"], &[("OS_PROJECT_NAME", "")])
            .ends_with("Octavia needs a project-scoped token")
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
        os_err(
            &[],
            &[
                ("OS_APPLICATION_CREDENTIAL_ID", "ac1"),
                ("OS_APPLICATION_CREDENTIAL_SECRET", "")
            ]
        ),
        "OS_APPLICATION_CREDENTIAL_SECRET is set but empty: export the secret shown when the application credential was created"
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
