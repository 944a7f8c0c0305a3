//! An openrc file's mistakes, met through the real binary: each exits 2 with one line naming
//! the variable and the fix, before anything is sent; and -backend clb keeps a CLB run as it
//! was, saying why it was chosen.

use crate::cli::usage_error;
use crate::fake;
use crate::support;

use std::process::Command;

use fake::{Config, Fake};
use support::peekaboo as run;

/// An openrc file for a password user, project by name, on top of the CLB environment the
/// support code sets (whose OS_USERNAME and OS_PASSWORD it reuses), with Keystone v3 at the
/// fake's address: any request sent would be seen there.
fn openrc<'a>(keystone: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("OS_AUTH_URL", keystone),
        ("LOAD_BALANCER_ID", "web-lb"),
        ("OS_USER_DOMAIN_NAME", "Default"),
        ("OS_PROJECT_NAME", "web"),
        ("OS_PROJECT_DOMAIN_NAME", "Default"),
        ("OS_REGION_NAME", "RegionOne"),
    ];
    env.extend_from_slice(extra);
    env
}

/// Runs with the openrc and `extra`: exit 2, one `Error:` line (returned without the time
/// stamp), no request.
fn openrc_error(flags: &[&str], extra: &[(&str, &str)]) -> String {
    let f = Fake::start(Config::default());
    let keystone = f.auth_url().replace("/v2.0", "/v3");
    let out = run(&f, flags, &openrc(&keystone, extra));
    assert_eq!(out.code, 2, "{flags:?} {extra:?}: {}", out.stderr);
    assert!(
        f.requests().is_empty(),
        "{flags:?} {extra:?}: sent a request"
    );
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {}", out.stderr);
    let msg = &lines[0][20..];
    assert!(msg.starts_with("Error: "), "{msg}");
    msg["Error: ".len()..].to_string()
}

#[test]
fn openrc_mistakes_exit_2_before_anything_is_sent() {
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            &["-backend", "octavia"],
            &[("OS_AUTH_URL", "http://127.0.0.1:9/v2.0/")],
            "OS_AUTH_URL 'http://127.0.0.1:9/v2.0' is Identity v2.0's, which Octavia does not sign in with: use the Keystone v3 URL, e.g. http://127.0.0.1:9/v3",
        ),
        // `export OS_PASSWORD=`: empty, which is not the same slip as unset.
        (
            &[],
            &[("OS_PASSWORD", "")],
            "OS_PASSWORD is set but empty: export your OpenStack password",
        ),
        (
            &[],
            &[("OS_AUTH_TYPE", "v3totp")],
            "OS_AUTH_TYPE 'v3totp' is not supported: peekaboo signs in with v3password or v3applicationcredential (Octavia), or v2password (Cloud Load Balancers); set one of those, or unset it",
        ),
        (
            &[],
            &[("OS_IDENTITY_API_VERSION", "2")],
            "OS_AUTH_URL ends in /v3 (Keystone v3, for Octavia) but OS_IDENTITY_API_VERSION is 2 (Identity v2.0, for Cloud Load Balancers): correct the one that is wrong, or choose with -backend octavia or -backend clb",
        ),
        (
            &[],
            &[
                ("OS_USER_DOMAIN_NAME", "rackspace_cloud_domain"),
                ("OS_PROJECT_NAME", "123456_Flex"),
                ("OS_PROJECT_DOMAIN_NAME", "<unset>"),
            ],
            "OS_PROJECT_NAME is set but no project domain: set OS_PROJECT_DOMAIN_NAME (on Flex: rackspace_cloud_domain)",
        ),
        (
            &[],
            &[("OS_PROJECT_NAME", "<unset>")],
            "no project: set OS_PROJECT_ID, or OS_PROJECT_NAME with OS_PROJECT_DOMAIN_NAME",
        ),
        (
            &[],
            &[("OS_APPLICATION_CREDENTIAL_ID", "ac1")],
            "OS_APPLICATION_CREDENTIAL_SECRET is not set: export the secret shown when the application credential was created",
        ),
        (
            &[],
            &[("OS_INTERFACE", "private")],
            "OS_INTERFACE 'private' is not public, internal or admin",
        ),
        (
            &["-lb", "web,api,web"],
            &[],
            "-lb 'web,api,web' lists load balancer web twice: list each once",
        ),
        (
            &["-weight", "257"],
            &[],
            "-weight '257' is not a weight: use a whole number from 1 to 256",
        ),
        (
            &["-pool", "a pool"],
            &[],
            "-pool 'a pool' is not an id or name: give one without spaces, e.g. -pool web-pool",
        ),
        (
            &["-drain", "-drain-from", "10.0.0.0/24"],
            &[],
            "-drain-from only applies with -wait and -drain, -disable or -delete, or with -watch: add -wait, or drop it",
        ),
        (
            &["-backend", "neutron"],
            &[],
            "-backend 'neutron' is neither clb nor octavia",
        ),
    ];
    for (flags, extra, want) in cases {
        let got = openrc_error(flags, extra);
        assert!(
            got.starts_with(want),
            "{flags:?} {extra:?}:\n got: {got}\nwant: {want}"
        );
    }
}

#[test]
fn octavia_flags_on_a_clb_run_name_the_backend() {
    // The support code's environment is Identity v2.0: Cloud Load Balancers.
    for (flags, want) in [
        (
            &["-pool", "web-pool"][..],
            "-pool applies only to Octavia, and this run uses Cloud Load Balancers (OS_AUTH_URL does not end in /v3): give -backend octavia with an OpenStack openrc, or drop -pool",
        ),
        (
            &["-subnet", "sub-1"],
            "-subnet applies only to Octavia, and this run uses Cloud Load Balancers (OS_AUTH_URL does not end in /v3): give -backend octavia with an OpenStack openrc, or drop -subnet",
        ),
        (
            &["-lb", "web-lb"],
            "-lb 'web-lb' is not a load balancer id: use the number shown in the control panel, e.g. 12345 (several: 1,2,3); an Octavia load balancer's id or name needs -backend octavia, or an OS_AUTH_URL ending in /v3",
        ),
    ] {
        assert_eq!(usage_error(flags, &[]), want, "{flags:?}");
    }
}

#[test]
fn backend_clb_wins_over_an_openrc_and_says_so() {
    let f = Fake::start(Config::default());
    f.add_lb(1, "DFW");
    // Keystone v3 variables beside the CLB ones, as on a host moving between the two: the
    // flag keeps the run on CLB, reading none of them (OS_AUTH_TYPE's bad value included).
    let out = run(
        &f,
        &["-backend", "clb", "-interval", "20ms"],
        &[
            ("OS_IDENTITY_API_VERSION", "3"),
            ("OS_AUTH_TYPE", "v3totp"),
            ("OS_PROJECT_NAME", "web"),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let first = out.stderr.lines().next().unwrap();
    assert!(
        first.ends_with(" Using Rackspace Cloud Load Balancers: -backend clb"),
        "{first}"
    );
    assert_eq!(f.nodes(1)[0].condition, "ENABLED");
    // Without the flag, OS_IDENTITY_API_VERSION=3 would have chosen Octavia, which the /v2.0
    // OS_AUTH_URL contradicts: exit 2, nothing sent.
    assert!(
        usage_error(&[], &[("OS_IDENTITY_API_VERSION", "3")]).starts_with(
            "OS_IDENTITY_API_VERSION is 3 (Keystone v3, for Octavia) but OS_AUTH_URL ends in /v2.0"
        )
    );
}

#[test]
fn a_v3_url_in_a_clb_environment() {
    // Without -backend, a /v3 URL means Octavia: the CLB variables lack a project, and the
    // line says why Octavia's rules apply and how to have CLB. Nothing is sent.
    let f = Fake::start(Config::default());
    f.add_lb(1, "DFW");
    let v3 = f.auth_url().replace("/v2.0", "/v3");
    let out = run(&f, &["-interval", "40ms"], &[("OS_AUTH_URL", &v3)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(f.requests().is_empty());
    assert!(
        support::error_line(&out).ends_with(
            "Octavia needs a project-scoped token (Octavia, since OS_AUTH_URL ends in /v3: for Rackspace Cloud Load Balancers give the Identity v2.0 OS_AUTH_URL, or -backend clb)"
        ),
        "{}",
        out.stderr
    );
    // With -backend clb the URL goes to Identity v2.0 as before, whose 404 names the v2.0 base
    // after one request.
    let out = run(
        &f,
        &["-backend", "clb", "-interval", "40ms", "-timeout", "5s"],
        &[("OS_AUTH_URL", &v3)],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    let sent: Vec<String> = f
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(sent, ["POST /v3/tokens"], "{}", out.stderr);
    assert!(
        support::error_line(&out).ends_with(&format!(
            "Error: POST {v3}/tokens answered HTTP 404: OS_AUTH_URL must be the Identity v2.0 base, e.g. https://identity.api.rackspacecloud.com/v2.0"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn help_names_the_openstack_flags_and_variables() {
    let out = Command::new(env!("CARGO_BIN_EXE_peekaboo"))
        .env_clear()
        .arg("-help")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "-backend clb|octavia",
        "-pool ID|NAME",
        "-subnet ID",
        "-drain-from CIDR[,CIDR...]",
        "OS_USER_ID",
        "OS_USER_DOMAIN_NAME",
        "OS_PROJECT_ID",
        "OS_PROJECT_DOMAIN_NAME",
        "OS_DEFAULT_DOMAIN",
        "OS_APPLICATION_CREDENTIAL_ID",
        "OS_APPLICATION_CREDENTIAL_SECRET",
        "OS_AUTH_TYPE",
        "OS_IDENTITY_API_VERSION",
        "OS_INTERFACE",
        "rackspace_cloud_domain",
    ] {
        assert!(text.contains(needle), "help lacks {needle}");
    }
}
