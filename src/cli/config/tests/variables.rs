//! How a variable is read: not UTF-8, a trailing carriage return, empty.

use super::*;

#[test]
fn variables_that_are_not_utf8_are_named_not_called_unset() {
    use std::os::unix::ffi::OsStringExt;
    for name in [
        "LOAD_BALANCER_ID",
        "OS_USERNAME",
        "OS_PASSWORD",
        "OS_REGION_NAME",
        "APP_PORT",
        "RAX_SERVICENET_IPV4",
        "OS_AUTH_URL",
        "PEEKABOO_REQUEST_TIMEOUT",
        "OS_CACERT",
    ] {
        let base = env(BASE);
        let bad = |k: &str| {
            if k == name {
                Some(OsString::from_vec(b"s3cr\xffet".to_vec()))
            } else {
                base(k)
            }
        };
        match Config::new(Args::default(), &bad) {
            Err(Error::Usage(m)) => {
                assert_eq!(
                    m,
                    format!(
                        "{name} is set but is not valid UTF-8: write it as plain text (check the encoding of the file that sets it), or unset it"
                    )
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // A variable that a flag overrides is not read, so it cannot fail the run.
    let base = env(BASE);
    let bad_port = |k: &str| {
        if k == "APP_PORT" {
            Some(OsString::from_vec(vec![0xff]))
        } else {
            base(k)
        }
    };
    let c = Config::new(args(&["-port", "81"]).unwrap(), &bad_port).unwrap();
    assert_eq!(c.node.port, 81);
}

#[test]
fn a_trailing_carriage_return_is_stripped_with_a_warning() {
    let c = config(
        &["-port", "8080\r", "-region", "iad\r\n"],
        &[
            ("OS_PASSWORD", "k3y\r\n"),
            ("OS_USERNAME", "alice\r"),
            ("LOAD_BALANCER_ID", "7\r"),
            ("RAX_SERVICENET_IPV4", "10.1.1.1"),
        ],
    )
    .unwrap();
    assert_eq!(clb(&c).api_key, Secret("k3y".into()));
    assert_eq!(
        (clb(&c).username.as_str(), lb_ids(&c)),
        ("alice", vec!["7"])
    );
    assert_eq!(
        (c.node.port, clb(&c).region.as_deref()),
        (8080, Some("IAD"))
    );
    let warned = |what: &str| {
        format!(
            "Warning: {what} ends with a carriage return (a CRLF environment file?): ignoring it"
        )
    };
    assert_eq!(
        c.warnings,
        [
            warned("-port"),
            warned("-region"),
            warned("LOAD_BALANCER_ID"),
            warned("OS_USERNAME"),
            warned("OS_PASSWORD"),
        ]
    );
    // Only a carriage return: other trailing characters are the value's.
    let c = config(&[], &[("OS_PASSWORD", "k3y\n"), ("OS_USERNAME", "bob ")]).unwrap();
    assert_eq!(clb(&c).api_key, Secret("k3y\n".into()));
    assert_eq!(clb(&c).username, "bob ");
    assert!(c.warnings.is_empty());
    // Nothing but a carriage return is blank, so unset, and still worth the warning.
    let c = config(&[], &[("APP_PORT", "\r")]).unwrap();
    assert_eq!(c.node.port, 80);
    assert_eq!(c.warnings, [warned("APP_PORT")]);
    // Read to choose the backend and again to sign in: warned about once.
    let c = config(
        &[],
        &[
            ("OS_AUTH_URL", "https://keystone.example.com:5000"),
            ("OS_PROJECT_NAME", "web\r"),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
            ("LOAD_BALANCER_ID", "web-lb"),
        ],
    )
    .unwrap();
    assert!(matches!(c.backend, Backend::Octavia(_)));
    assert_eq!(c.warnings, [warned("OS_PROJECT_NAME")]);
}

#[test]
fn empty_variables_count_as_unset() {
    let c = config(&[], &[("APP_PORT", ""), ("OS_REGION_NAME", "")]).unwrap();
    assert_eq!((c.node.port, clb(&c).region.as_deref()), (80, None));
}
