//! `Config::with_files` with a clouds.yaml: where it is looked for, secure.yaml merged over
//! it, every key it is read for and the variables winning over it; its refusals are in
//! `refusals`.

use super::*;
use std::collections::HashMap;
use std::path::Path;

const HOME_FILE: &str = "/home/peek/.config/openstack/clouds.yaml";

/// A clouds.yaml as Horizon writes it for a password user, with the password left out.
const CLOUDS: &str = "\
clouds:
  web:
    auth:
      auth_url: https://keystone.example.com/v3
      username: peek
      project_name: web
      user_domain_name: Default
      project_domain_name: Default
    region_name: DFW3
    interface: public
    identity_api_version: 3
  other:
    auth:
      auth_url: https://keystone.other.example/v3
";

const SECURE: &str = "\
clouds:
  web:
    auth:
      password: s3cret-pw
";

/// Files by path; any other path is not there.
fn files(list: &[(&str, &str)]) -> impl Fn(&Path) -> std::io::Result<String> {
    let map: HashMap<String, String> = list
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    move |p: &Path| {
        map.get(&p.display().to_string())
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
}

/// `LOAD_BALANCER_ID`, `HOME` and `extra`, and the files given: no OS_* credential at all.
fn cloud(list: &[&str], extra: &[(&str, &str)], on_disk: &[(&str, &str)]) -> Result<Config, Error> {
    let mut pairs = vec![("LOAD_BALANCER_ID", "web-lb"), ("HOME", "/home/peek")];
    pairs.extend_from_slice(extra);
    Config::with_files(args(list).unwrap(), &env(&pairs), &files(on_disk))
}

fn cloud_err(list: &[&str], extra: &[(&str, &str)], on_disk: &[(&str, &str)]) -> String {
    match cloud(list, extra, on_disk) {
        Err(Error::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    }
}

fn web(extra: &[(&str, &str)]) -> Result<Config, Error> {
    let more = [("OS_CLOUD", "web")];
    let all: Vec<(&str, &str)> = more.iter().chain(extra).copied().collect();
    cloud(
        &[],
        &all,
        &[
            (HOME_FILE, CLOUDS),
            ("/home/peek/.config/openstack/secure.yaml", SECURE),
        ],
    )
}

#[test]
fn a_cloud_signs_in_with_no_os_variable_and_says_where_it_came_from() {
    let c = web(&[]).unwrap();
    let s = octavia(&c);
    assert_eq!(s.auth_url, "https://keystone.example.com/v3");
    assert_eq!(
        s.auth,
        Auth::Password {
            user: name("peek", dname("Default")),
            password: crate::backend::Secret("s3cret-pw".into()),
            project: Some(name("web", dname("Default"))),
        }
    );
    assert_eq!(s.region.as_deref(), Some("DFW3"));
    assert_eq!(s.interface, "public");
    assert_eq!(
        c.backend.secret().0,
        "s3cret-pw",
        "scrubbed like OS_PASSWORD"
    );
    assert_eq!(
        c.notes[..2],
        [
            "Using OpenStack Octavia: OS_CLOUD names cloud 'web'".to_string(),
            format!(
                "Using cloud 'web' from {HOME_FILE} (with /home/peek/.config/openstack/secure.yaml)"
            ),
        ]
    );
}

#[test]
fn the_first_clouds_yaml_found_wins_in_openstacksdks_order() {
    let at = |path: &'static str, url: &'static str| {
        (
            path,
            Box::leak(format!("clouds:\n  web:\n    auth:\n      auth_url: {url}\n      username: u\n      password: p\n      project_id: x\n").into_boxed_str()) as &str,
        )
    };
    let explicit = at("/srv/my-clouds.yaml", "https://explicit.example/v3");
    let here = at("./clouds.yaml", "https://here.example/v3");
    let xdg = at("/xdg/openstack/clouds.yaml", "https://xdg.example/v3");
    let home = at(HOME_FILE, "https://home.example/v3");
    let etc = at("/etc/openstack/clouds.yaml", "https://etc.example/v3");
    let url = |extra: &[(&str, &str)], on_disk: &[(&str, &str)]| {
        let mut all = vec![("OS_CLOUD", "web")];
        all.extend_from_slice(extra);
        octavia(&cloud(&[], &all, on_disk).unwrap())
            .auth_url
            .clone()
    };
    let all = [explicit, here, xdg, home, etc];
    let with_file = [("OS_CLIENT_CONFIG_FILE", "/srv/my-clouds.yaml")];
    let with_xdg = [("XDG_CONFIG_HOME", "/xdg")];
    assert_eq!(url(&with_file, &all), "https://explicit.example/v3");
    assert_eq!(url(&with_xdg, &all), "https://here.example/v3");
    assert_eq!(url(&with_xdg, &all[2..]), "https://xdg.example/v3");
    assert_eq!(url(&[], &all[2..]), "https://home.example/v3");
    assert_eq!(url(&with_xdg, &[home, etc]), "https://etc.example/v3");
    assert_eq!(url(&[], &[etc]), "https://etc.example/v3");
}

#[test]
fn every_key_is_read_and_the_variables_win_over_them() {
    let text = "\
clouds:
  app:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example.com:5000
      application_credential_id: 0123abcd
      application_credential_secret: app-s3cret
    regions:
      - SJC3
      - name: DFW3
    interface: internal
    cacert: /etc/ssl/none-such.pem
  domains:
    auth:
      auth_url: https://keystone.example.com/v3
      user_id: u-1
      password: pw-123456
      project_name: web
      domain_id: dom-1
";
    let on_disk = [(HOME_FILE, text)];
    let app = [("OS_CLOUD", "app"), ("OS_CACERT", "")];
    let c = cloud(&[], &app, &on_disk);
    // cacert is read as OS_CACERT would be: the file is not there.
    assert!(
        matches!(&c, Err(Error::Usage(m)) if m.starts_with("OS_CACERT '/etc/ssl/none-such.pem'")),
        "{c:?}"
    );
    let ca = tempfile_pem();
    let app = [("OS_CLOUD", "app"), ("OS_CACERT", ca.as_str())];
    let c = cloud(&[], &app, &on_disk).unwrap();
    let s = octavia(&c);
    assert_eq!(
        s.auth,
        Auth::AppCredential {
            credential: AppCredential::Id("0123abcd".into()),
            secret: crate::backend::Secret("app-s3cret".into()),
        }
    );
    assert_eq!(
        s.region.as_deref(),
        Some("SJC3"),
        "regions: the first, with no region_name"
    );
    assert_eq!(s.interface, "internal");
    assert_eq!(
        s.auth_url, "https://keystone.example.com:5000",
        "a root, discovered later"
    );
    assert!(s.transport.ca_certs.is_some());
    // The variables win, key by key.
    let over = [
        ("OS_CLOUD", "app"),
        ("OS_CACERT", ca.as_str()),
        ("OS_INTERFACE", "public"),
        ("OS_REGION_NAME", "dfw3"),
    ];
    let c = cloud(&[], &over, &on_disk).unwrap();
    let s = octavia(&c);
    assert_eq!(
        (s.region.as_deref(), s.interface.as_str()),
        (Some("dfw3"), "public")
    );
    // domain_id stands in for the user's and the project's domain.
    let c = cloud(&[], &[("OS_CLOUD", "domains")], &on_disk).unwrap();
    assert_eq!(
        octavia(&c).auth,
        Auth::Password {
            user: id("u-1"),
            password: crate::backend::Secret("pw-123456".into()),
            project: Some(name("web", did("dom-1"))),
        }
    );
    let named = [("OS_CLOUD", "domains"), ("OS_PROJECT_DOMAIN_NAME", "Other")];
    let c = cloud(&[], &named, &on_disk).unwrap();
    assert!(matches!(
        &octavia(&c).auth,
        Auth::Password { project: Some(p), .. } if *p == name("web", did("dom-1"))
    ));
}

/// A PEM file of a real certificate, as OS_CACERT (or cacert) must name.
fn tempfile_pem() -> String {
    let path = std::env::temp_dir().join(format!("peekaboo-cloud-ca-{}.pem", std::process::id()));
    let made = rcgen::generate_simple_self_signed(vec!["ca.example".into()]).unwrap();
    std::fs::write(&path, made.cert.pem()).unwrap();
    path.display().to_string()
}

#[test]
fn cloud_flag_and_backend() {
    // -cloud wins over OS_CLOUD.
    let c = cloud(
        &["-cloud", "web"],
        &[("OS_CLOUD", "nowhere"), ("OS_PASSWORD", "from-env-pw")],
        &[(HOME_FILE, CLOUDS)],
    )
    .unwrap();
    assert_eq!(
        c.notes[0],
        "Using OpenStack Octavia: -cloud names cloud 'web'"
    );
    // -backend clb reads no OpenStack variable: OS_CLOUD is left alone.
    let c = Config::with_files(
        args(&["-backend", "clb"]).unwrap(),
        &env(&[
            ("LOAD_BALANCER_ID", "1"),
            ("OS_USERNAME", "alice"),
            ("OS_PASSWORD", "k3y-123"),
            ("OS_CLOUD", "web"),
        ]),
        &files(&[]),
    )
    .unwrap();
    assert!(matches!(c.backend, Backend::Clb(_)));
    assert_eq!(
        cloud_err(&["-backend", "clb", "-cloud", "web"], &[], &[]),
        "-cloud names an OpenStack cloud, and -backend clb asks for Rackspace Cloud Load Balancers: drop one of them"
    );
}

// Every refusal of a cloud, each naming what to change.
mod refusals;
