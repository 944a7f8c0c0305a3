//! `Config::with_files` refusing a cloud: a region it does not have, a missing credential, no
//! file or no such cloud, what the file holds that peekaboo does not take, and a file that
//! cannot be read; each message names what to change.

use super::*;

#[test]
fn a_region_outside_the_clouds_is_refused_naming_its_regions() {
    let m = cloud_err(
        &[],
        &[("OS_CLOUD", "web"), ("OS_REGION_NAME", "IAD3")],
        &[
            (HOME_FILE, CLOUDS),
            ("/home/peek/.config/openstack/secure.yaml", SECURE),
        ],
    );
    assert_eq!(
        m,
        format!(
            "OS_REGION_NAME 'IAD3' is not a region of cloud 'web' ({HOME_FILE}): it has DFW3; set OS_REGION_NAME to one of them, or unset it"
        )
    );
    assert!(web(&[("OS_REGION_NAME", "dfw3")]).is_ok(), "any case");
}

#[test]
fn what_is_missing_names_the_variable_and_the_key() {
    let m = cloud_err(&[], &[("OS_CLOUD", "web")], &[(HOME_FILE, CLOUDS)]);
    assert_eq!(
        m,
        format!(
            "OS_PASSWORD is not set, and cloud 'web' ({HOME_FILE}) has no auth.password: export your OpenStack password (on Rackspace OpenStack Flex, your API key works too), ideally from an EnvironmentFile"
        )
    );
    // A cloud with no password plus OS_PASSWORD works, as with the openstack CLI.
    let c = cloud(
        &[],
        &[("OS_CLOUD", "web"), ("OS_PASSWORD", "from-env-pw")],
        &[(HOME_FILE, CLOUDS)],
    )
    .unwrap();
    assert_eq!(c.backend.secret().0, "from-env-pw");
}

#[test]
fn no_file_or_no_such_cloud_names_what_was_looked_at() {
    let m = cloud_err(&[], &[("OS_CLOUD", "web")], &[]);
    assert_eq!(
        m,
        format!(
            "cloud 'web' was asked for (OS_CLOUD or -cloud), but no clouds.yaml was found: looked at ./clouds.yaml, {HOME_FILE}, /etc/openstack/clouds.yaml; write one there, point OS_CLIENT_CONFIG_FILE at yours, or unset OS_CLOUD and use OS_* variables"
        )
    );
    let m = cloud_err(&["-cloud", "webb"], &[], &[(HOME_FILE, CLOUDS)]);
    assert_eq!(
        m,
        format!(
            "cloud 'webb' is not in {HOME_FILE}, which holds web, other: set OS_CLOUD (or -cloud) to one of them"
        )
    );
}

#[test]
fn what_peekaboo_refuses_in_a_clouds_yaml_names_the_file_and_line() {
    let refused = |text: &str| cloud_err(&[], &[("OS_CLOUD", "web")], &[(HOME_FILE, text)]);
    let head = "clouds:\n  web:\n";
    for (body, line, what) in [
        (
            "    verify: false\n",
            3,
            "verify: false would turn TLS verification off, which peekaboo never does: point cacert at the CA that signed the endpoint's certificate, and drop verify",
        ),
        (
            "    verify: /etc/ca.pem\n",
            3,
            "verify must be true or false (a CA file goes in cacert): correct it, or set OS_* variables instead of OS_CLOUD",
        ),
        (
            "    auth: https://keystone.example.com/v3\n",
            3,
            "auth must be a mapping of auth_url, username, password, …: correct it, or set OS_* variables instead of OS_CLOUD",
        ),
        (
            "    auth:\n      password:\n        - a\n",
            5,
            "auth.password must be a single value: correct it, or set OS_* variables instead of OS_CLOUD",
        ),
        (
            "    regions: DFW3\n",
            3,
            "regions must be a list of region names: correct it, or set OS_* variables instead of OS_CLOUD",
        ),
        (
            "    auth_type: token\n",
            3,
            "auth_type 'token' is not one peekaboo takes: use password, v3password or v3applicationcredential, or set OS_* variables instead of OS_CLOUD",
        ),
        (
            "    interface: private\n",
            3,
            "interface 'private' is not one peekaboo takes: use public, internal or admin, or set OS_* variables instead of OS_CLOUD",
        ),
        (
            "    identity_api_version: 2\n",
            3,
            "identity_api_version '2' is not one peekaboo takes: peekaboo signs in to OpenStack with Keystone v3: use 3, or set OS_* variables instead of OS_CLOUD",
        ),
    ] {
        assert_eq!(
            refused(&format!("{head}{body}")),
            format!("{HOME_FILE}:{line}: {what}"),
            "{body}"
        );
    }
    let m = refused("clouds:\n  web: &base\n    auth: {}\n");
    assert!(m.starts_with(&format!("{HOME_FILE}:2: ")), "{m}");
    assert!(
        m.ends_with("is YAML peekaboo does not read (it reads block mappings and lists, plain and quoted values, and comments): write it in that form, or set OS_* variables instead of OS_CLOUD"),
        "{m}"
    );
    assert_eq!(
        refused("clouds: web\n"),
        format!(
            "{HOME_FILE}:1: clouds must be a mapping of clouds by name: correct it, or set OS_* variables instead of OS_CLOUD"
        )
    );
}

#[test]
fn a_file_that_cannot_be_read_is_named() {
    let broken = |p: &Path| -> std::io::Result<String> {
        if p.display().to_string() == HOME_FILE {
            Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
        } else {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    };
    let pairs = [
        ("LOAD_BALANCER_ID", "web-lb"),
        ("HOME", "/home/peek"),
        ("OS_CLOUD", "web"),
    ];
    match Config::with_files(Args::default(), &env(&pairs), &broken) {
        Err(Error::Usage(m)) => assert!(
            m.starts_with(&format!("cannot read {HOME_FILE}: permission denied")),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
}
