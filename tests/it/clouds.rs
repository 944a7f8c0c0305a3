//! The real binary signing in from a clouds.yaml, with no OS_* credential in its environment:
//! the whole cycle against the fake Keystone v3 and Octavia, and what a wrong file gives.

use crate::fake;
use crate::support;

use fake::Fake;
use support::Out;
use support::tls_front::write_temp;

use super::octavia::{REGION, octavia, ours};

/// A clouds.yaml for the fake's password user, the password apart in a secure.yaml.
fn files(f: &Fake) -> (String, String) {
    let os = f.os_env("web-lb", REGION);
    let get = |k: &str| os.iter().find(|(n, _)| *n == k).unwrap().1.clone();
    let clouds = format!(
        "# As Horizon writes it, less the password.\n\
         clouds:\n  web:\n    auth:\n      auth_url: {}\n      username: '{}'\n      project_name: '{}'\n      user_domain_name: '{}'\n      project_domain_name: '{}'\n    region_name: '{REGION}'\n    interface: 'public'\n    identity_api_version: 3\n",
        get("OS_AUTH_URL"),
        get("OS_USERNAME"),
        get("OS_PROJECT_NAME"),
        get("OS_USER_DOMAIN_NAME"),
        get("OS_PROJECT_DOMAIN_NAME"),
    );
    let secure = format!(
        "clouds:\n  web:\n    auth:\n      password: \"{}\"\n",
        get("OS_PASSWORD")
    );
    (
        write_temp("clouds.yaml", &clouds),
        write_temp("secure.yaml", &secure),
    )
}

/// peekaboo with OS_CLOUD and the files, and none of the variables a run usually has.
fn run(f: &Fake, clouds: &str, secure: &str, flags: &[&str]) -> Out {
    let env = [
        ("OS_CLOUD", "web"),
        ("OS_CLIENT_CONFIG_FILE", clouds),
        ("OS_CLIENT_SECURE_FILE", secure),
        ("LOAD_BALANCER_ID", "web-lb"),
        ("OS_AUTH_URL", "<unset>"),
        ("OS_USERNAME", "<unset>"),
        ("OS_PASSWORD", "<unset>"),
        ("OS_REGION_NAME", "<unset>"),
    ];
    let mut all = vec!["-interval", "40ms", "-timeout", "10s"];
    all.extend_from_slice(flags);
    support::peekaboo(f, &all, &env)
}

#[test]
fn a_clouds_yaml_alone_joins_drains_and_deletes() {
    let (f, _lb, pool) = octavia();
    let (clouds, secure) = files(&f);
    let out = run(&f, &clouds, &secure, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for line in [
        "Using OpenStack Octavia: OS_CLOUD names cloud 'web'".to_string(),
        format!("Using cloud 'web' from {clouds} (with {secure})"),
    ] {
        assert!(out.stderr.contains(&line), "{}", out.stderr);
    }
    let m = ours(&f, &pool).expect("joined");
    assert_eq!((m.admin, m.weight), (true, 1));
    assert_eq!(run(&f, &clouds, &secure, &["-drain"]).code, 0);
    assert_eq!(ours(&f, &pool).unwrap().weight, 0);
    let out = run(&f, &clouds, &secure, &["-delete"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ours(&f, &pool).is_none());
}

#[test]
fn a_cloud_the_file_does_not_have_is_exit_2_naming_those_it_has() {
    let (f, _lb, _pool) = octavia();
    let (clouds, secure) = files(&f);
    let out = run(&f, &clouds, &secure, &["-cloud", "prod"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(
        error.ends_with(&format!(
            "Error: cloud 'prod' is not in {clouds}, which holds web: set OS_CLOUD (or -cloud) to one of them"
        )),
        "{error}"
    );
    assert!(f.requests().is_empty(), "nothing sent");
}

#[test]
fn yaml_peekaboo_does_not_read_is_exit_2_naming_the_file_and_line() {
    let (f, _lb, _pool) = octavia();
    let clouds = write_temp(
        "clouds.yaml",
        "clouds:\n  web:\n    auth: {auth_url: https://keystone.example.com/v3}\n",
    );
    let out = run(&f, &clouds, "/nonexistent/secure.yaml", &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let error = support::error_line(&out);
    assert!(error.contains(&format!("Error: {clouds}:3: ")), "{error}");
    assert!(
        error.ends_with("or set OS_* variables instead of OS_CLOUD"),
        "{error}"
    );
    assert!(f.requests().is_empty(), "nothing sent");
}
