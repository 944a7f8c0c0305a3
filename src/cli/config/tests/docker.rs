//! `Config::new` with -docker: the engine's socket, the variables it does without, and the
//! flags its labels say instead.

use super::*;

/// BASE without LOAD_BALANCER_ID, as a -docker host's environment file may be.
fn docker(list: &[&str], extra: &[(&str, &str)]) -> Result<Config, Error> {
    let mut pairs: Vec<(&str, &str)> = BASE
        .iter()
        .copied()
        .filter(|(k, _)| *k != "LOAD_BALANCER_ID")
        .collect();
    pairs.extend_from_slice(extra);
    Config::new(args(list).unwrap(), &env(&pairs))
}

fn socket(c: &Config) -> &str {
    c.docker.as_ref().unwrap().socket.to_str().unwrap()
}

#[test]
fn the_socket_comes_from_docker_host_or_the_flag_and_no_load_balancer_is_needed() {
    for (flags, vars, want) in [
        (&["-docker"][..], &[][..], "/var/run/docker.sock"),
        (
            &["-docker"],
            &[("DOCKER_HOST", "unix:///run/d.sock")],
            "/run/d.sock",
        ),
        (
            &["-docker", "-docker-host", "unix:///tmp/x.sock"],
            &[("DOCKER_HOST", "unix:///run/d.sock")],
            "/tmp/x.sock",
        ),
        (&["-docker"], &[("DOCKER_HOST", "")], "/var/run/docker.sock"),
    ] {
        let c = docker(flags, vars).unwrap();
        assert_eq!(c.mode, Mode::Docker);
        assert!(c.lbs.is_empty());
        assert_eq!(socket(&c), want, "{flags:?} {vars:?}");
        assert!(
            c.notes.iter().all(|n| !n.contains("APP_PORT")),
            "{:?}",
            c.notes
        );
    }
}

#[test]
fn a_socket_that_is_not_unix_is_a_usage_error_naming_where_it_came_from() {
    for (flags, vars, from) in [
        (
            &["-docker"][..],
            &[("DOCKER_HOST", "tcp://10.0.0.1:2375")][..],
            "DOCKER_HOST tcp://",
        ),
        (
            &["-docker", "-docker-host", "ssh://me@host"],
            &[],
            "-docker-host ssh://",
        ),
    ] {
        match docker(flags, vars) {
            Err(Error::Usage(m)) => assert!(m.starts_with(from), "{m}"),
            other => panic!("{flags:?}: expected a usage error, got {other:?}"),
        }
    }
}

#[test]
fn load_balancer_id_and_app_port_from_a_shared_file_are_named_as_unused() {
    for (vars, want) in [
        (&[][..], None),
        (
            &[("LOAD_BALANCER_ID", "64965")][..],
            Some("LOAD_BALANCER_ID is not used with -docker"),
        ),
        (
            &[("LOAD_BALANCER_ID", "64965"), ("APP_PORT", "8080")],
            Some("LOAD_BALANCER_ID and APP_PORT are not used with -docker"),
        ),
    ] {
        let c = docker(&["-docker"], vars).unwrap();
        let said: Vec<&String> = c.notes.iter().filter(|n| n.contains("-docker")).collect();
        match want {
            None => assert!(said.is_empty(), "{said:?}"),
            Some(w) => {
                assert_eq!(said.len(), 1, "{said:?}");
                assert!(said[0].starts_with(w), "{}", said[0]);
                assert!(said[0].ends_with("(peekaboo.lb) and port (peekaboo.port)"));
            }
        }
    }
}

#[test]
fn what_the_labels_say_or_the_agent_never_does_is_refused() {
    for flag in [
        &["-lb", "7"][..],
        &["-port", "80"],
        &["-health", "tcp"],
        &["-watch"],
        &["-status"],
        &["-dry-run"],
        &["-drain"],
        &["-delete"],
        &["-wait"],
    ] {
        let mut list = vec!["-docker"];
        list.extend(flag);
        match docker(&list, &[]) {
            Err(Error::Usage(m)) => assert!(
                m.starts_with(&format!("{} makes no sense with -docker", flag[0])),
                "{m}"
            ),
            other => panic!("{list:?}: expected a usage error, got {other:?}"),
        }
    }
}
