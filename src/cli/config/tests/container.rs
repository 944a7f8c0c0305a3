//! `Config::new` with PEEKABOO_CONTAINER and PEEKABOO_CONTAINER_ID, as the -docker agent sets
//! them for each watcher: both or neither, each checked.

use super::*;
use crate::engine::Container;

const ID: &str = "3f2a9c1b7d5e4f60a1b2c3d4e5f60718293a4b5c6d7e8f9012345678abcdef01";

#[test]
fn the_container_is_read_from_both_variables() {
    let c = config(&[], &[]).unwrap();
    assert_eq!(c.container, None);
    for (name, id, want_name, want_id) in [
        ("web-1", ID, "web-1", ID),
        // As the Docker API writes names; an id in upper case; a short id.
        ("/web-1", ID, "web-1", ID),
        ("api_2.blue", &ID.to_ascii_uppercase(), "api_2.blue", ID),
        ("w", &ID[..12], "w", &ID[..12]),
    ] {
        let c = config(
            &[],
            &[("PEEKABOO_CONTAINER", name), ("PEEKABOO_CONTAINER_ID", id)],
        )
        .unwrap();
        let want = Container {
            name: want_name.into(),
            id: want_id.into(),
        };
        assert_eq!(c.container.as_ref(), Some(&want), "{name} {id}");
        assert_eq!(c.job().container, Some(&want));
    }
}

#[test]
fn the_container_is_tagged_with_its_name_and_eight_digits_of_its_id() {
    let tag = |name: &str, id: &str| {
        Container {
            name: name.into(),
            id: id.into(),
        }
        .tag()
    };
    assert_eq!(tag("web-1", ID), "web-1 (3f2a9c1b)");
    assert_eq!(tag("web-1", &ID[..12]), "web-1 (3f2a9c1b)");
}

#[test]
fn one_without_the_other_or_a_bad_value_is_refused() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("PEEKABOO_CONTAINER", "web-1")],
            "PEEKABOO_CONTAINER is set without PEEKABOO_CONTAINER_ID: the -docker agent sets both for each watcher it starts; set both or neither",
        ),
        (
            &[("PEEKABOO_CONTAINER_ID", ID)],
            "PEEKABOO_CONTAINER_ID is set without PEEKABOO_CONTAINER: the -docker agent sets both for each watcher it starts; set both or neither",
        ),
        (
            &[
                ("PEEKABOO_CONTAINER", "web 1"),
                ("PEEKABOO_CONTAINER_ID", ID),
            ],
            "PEEKABOO_CONTAINER 'web 1' is not a container name (a letter or digit, then letters, digits, _ . or -, as docker ps shows it): the -docker agent sets it for each watcher it starts; unset it",
        ),
        (
            &[
                ("PEEKABOO_CONTAINER", "-web"),
                ("PEEKABOO_CONTAINER_ID", ID),
            ],
            "PEEKABOO_CONTAINER '-web' is not a container name (a letter or digit, then letters, digits, _ . or -, as docker ps shows it): the -docker agent sets it for each watcher it starts; unset it",
        ),
        (
            &[
                ("PEEKABOO_CONTAINER", "web-1"),
                ("PEEKABOO_CONTAINER_ID", "3f2a9c1b"),
            ],
            "PEEKABOO_CONTAINER_ID '3f2a9c1b' is not a container id (12 to 64 hex digits, as docker ps --no-trunc shows it): the -docker agent sets it for each watcher it starts; unset it",
        ),
        (
            &[
                ("PEEKABOO_CONTAINER", "web-1"),
                ("PEEKABOO_CONTAINER_ID", "web-1-container-id"),
            ],
            "PEEKABOO_CONTAINER_ID 'web-1-container-id' is not a container id (12 to 64 hex digits, as docker ps --no-trunc shows it): the -docker agent sets it for each watcher it starts; unset it",
        ),
    ];
    for (vars, want) in cases {
        assert_eq!(config_err(&[], vars), *want, "{vars:?}");
    }
    let long = format!("{ID}0");
    let err = config_err(
        &[],
        &[
            ("PEEKABOO_CONTAINER", "web-1"),
            ("PEEKABOO_CONTAINER_ID", &long),
        ],
    );
    assert!(err.starts_with("PEEKABOO_CONTAINER_ID '"), "{err}");
}

#[test]
fn the_logger_reads_them_as_config_does_and_leaves_mistakes_to_it() {
    let read = |pairs: &[(&str, &str)]| crate::cli::container(&env(pairs));
    assert_eq!(read(&[]), None);
    assert_eq!(
        read(&[
            ("PEEKABOO_CONTAINER", "/web-1"),
            ("PEEKABOO_CONTAINER_ID", ID)
        ]),
        Some(Container {
            name: "web-1".into(),
            id: ID.into()
        })
    );
    assert_eq!(read(&[("PEEKABOO_CONTAINER", "web-1")]), None);
}

fn watch_of(c: &Config) -> &crate::engine::Watch {
    match &c.mode {
        Mode::Watch(w) => w,
        other => panic!("expected watch mode, got {other:?}"),
    }
}

#[test]
fn health_docker_asks_docker_about_the_container_with_rise_and_fall_of_one() {
    use crate::engine::HealthCheck;
    let agent = [
        ("PEEKABOO_CONTAINER", "web-1"),
        ("PEEKABOO_CONTAINER_ID", ID),
    ];
    for health in ["docker", "Docker", " docker "] {
        let c = config(&["-watch", "-health", health], &agent).unwrap();
        let w = watch_of(&c);
        let socket = std::path::PathBuf::from("/var/run/docker.sock");
        let want = HealthCheck::Docker {
            id: ID.into(),
            socket,
        };
        assert_eq!(w.check, want, "{health:?}");
        // Docker has its retries already: one verdict of its own is enough either way.
        assert_eq!((w.rise, w.fall), (1, 1));
    }
    // -rise and -fall still say otherwise when given.
    let c = config(
        &["-watch", "-health", "docker", "-rise", "3", "-fall", "2"],
        &agent,
    )
    .unwrap();
    assert_eq!((watch_of(&c).rise, watch_of(&c).fall), (3, 2));
    // Other checks keep their defaults under the agent.
    let c = config(&["-watch"], &agent).unwrap();
    assert_eq!(watch_of(&c).check, HealthCheck::Tcp);
    assert_eq!((watch_of(&c).rise, watch_of(&c).fall), (2, 3));
}

#[test]
fn health_docker_outside_the_agent_is_refused() {
    let want =
        "-health docker is for containers the -docker agent follows: give -health tcp or a URL";
    assert_eq!(config_err(&["-watch", "-health", "docker"], &[]), want);
    // It is a watch flag first: without -watch, that is what is said.
    assert_eq!(
        config_err(&["-health", "docker"], &[]),
        "-health only applies with -watch: add -watch, or drop it"
    );
}
