//! How a container's labels become its watch's flags, and each wrong label named.

use super::*;
use crate::cli::parse_args;
use std::ffi::OsString;

fn agent(flags: &[&str]) -> Agent {
    let args = parse_args(flags.iter().map(OsString::from)).unwrap();
    Agent::new(&args, PathBuf::from("/run/docker.sock"), 256).unwrap()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn watch(a: &Agent, pairs: &[(&str, &str)], published: &[u16], hc: bool) -> Result<String, String> {
    let l = labels(pairs);
    let c = Labelled {
        labels: &l,
        published,
        healthcheck: hc,
    };
    a.plan(&c).map(|p| p.watch.join(" "))
}

#[test]
fn labels_become_flags() {
    let a = agent(&[
        "-docker",
        "-rise",
        "3",
        "-quiet",
        "-weight",
        "4",
        "-drain-timeout",
        "20s",
    ]);
    let lb = ("peekaboo.lb", "web-lb");
    for (pairs, published, hc, want) in [
        // The one published port, and Docker's own health where there is a HEALTHCHECK.
        (
            vec![lb],
            &[8080][..],
            true,
            "-watch -json -lb web-lb -port 8080 -health docker -weight 4 -drain-timeout 20s -rise 3 -quiet",
        ),
        (
            vec![lb, ("peekaboo.port", "18555")],
            &[][..],
            false,
            "-watch -json -lb web-lb -port 18555 -health tcp -weight 4 -drain-timeout 20s -rise 3 -quiet",
        ),
        // A path, and every label of its own over the agent's.
        (
            vec![
                lb,
                ("peekaboo.port", "80"),
                ("peekaboo.health", "/healthz"),
                ("peekaboo.pool", "web-pool"),
                ("peekaboo.weight", "7"),
                ("peekaboo.type", "secondary"),
                ("peekaboo.name", "web-1"),
                ("peekaboo.drain-timeout", "5s"),
            ],
            &[8080, 8443][..],
            true,
            "-watch -json -lb web-lb -port 80 -health /healthz -pool web-pool -weight 7 -type SECONDARY -name web-1 -rise 3 -quiet -drain-timeout 5s",
        ),
    ] {
        assert_eq!(watch(&a, &pairs, published, hc).as_deref(), Ok(want));
    }
}

#[test]
fn a_wrong_label_is_named_with_the_fix() {
    let a = agent(&["-docker"]);
    let lb = ("peekaboo.lb", "web-lb");
    for (pairs, published, hc, want) in [
        (
            vec![lb],
            &[][..],
            false,
            "no port to be found: it publishes no TCP port (with --net=host none is published): set label peekaboo.port to the port the load balancer sends to",
        ),
        (
            vec![lb],
            &[80, 443][..],
            false,
            "it publishes TCP ports 80, 443: set label peekaboo.port to the one the load balancer sends to",
        ),
        (
            vec![lb, ("peekaboo.port", "http")],
            &[][..],
            false,
            "label peekaboo.port 'http' is not a port: use a number from 1 to 65535",
        ),
        (
            vec![lb, ("peekaboo.port", "80"), ("peekaboo.health", "docker")],
            &[][..],
            false,
            "label peekaboo.health is docker, but the container has no HEALTHCHECK: give it one, or set peekaboo.health to tcp, a path or a URL",
        ),
        (
            vec![lb, ("peekaboo.port", "80"), ("peekaboo.health", "ping")],
            &[][..],
            false,
            "label peekaboo.health 'ping' is not docker, tcp, a path (/healthz) or a URL",
        ),
        (
            vec![lb, ("peekaboo.port", "80"), ("peekaboo.weight", "0")],
            &[][..],
            false,
            "label peekaboo.weight '0' is not a weight: use a whole number from 1 to 256",
        ),
        (
            vec![lb, ("peekaboo.port", "80"), ("peekaboo.type", "backup")],
            &[][..],
            false,
            "label peekaboo.type 'backup' is not PRIMARY or SECONDARY",
        ),
        (
            vec![("peekaboo.lb", " "), ("peekaboo.port", "80")],
            &[][..],
            false,
            "label peekaboo.lb is empty: give the load balancer's id or name",
        ),
    ] {
        assert_eq!(
            watch(&a, &pairs, published, hc),
            Err(want.to_string()),
            "{pairs:?}"
        );
    }
    assert!(
        watch(
            &a,
            &[
                lb,
                ("peekaboo.port", "80"),
                ("peekaboo.drain-timeout", "soon")
            ],
            &[],
            false
        )
        .unwrap_err()
        .starts_with("label peekaboo.drain-timeout 'soon'")
    );
}

#[test]
fn flags_a_container_says_for_itself_are_refused() {
    for flag in ["-lb", "-port", "-health"] {
        let args = parse_args([OsString::from("-docker"), flag.into(), "x".into()]).unwrap();
        let e = Agent::new(&args, PathBuf::from("/s"), 100).unwrap_err();
        assert!(
            e.to_string().starts_with(&format!(
                "{flag} makes no sense with -docker: each container says it with its labels"
            )),
            "{e}"
        );
    }
    for flag in [
        "-watch", "-status", "-dry-run", "-drain", "-disable", "-delete", "-wait",
    ] {
        let args = parse_args([OsString::from("-docker"), flag.into()]).unwrap();
        assert!(
            Agent::new(&args, PathBuf::from("/s"), 100).is_err(),
            "{flag}"
        );
    }
    assert!(agent(&["-docker", "-leave", "disable"]).keeps_member);
}

#[test]
fn a_stopped_containers_delete_keeps_only_what_a_delete_uses() {
    let a = agent(&[
        "-docker", "-timeout", "90s", "-rise", "3", "-ip", "10.0.0.5", "-quiet",
    ]);
    let l = labels(&[("peekaboo.lb", "7"), ("peekaboo.port", "8080")]);
    let c = Labelled {
        labels: &l,
        published: &[],
        healthcheck: false,
    };
    assert_eq!(
        a.plan(&c).unwrap().delete.join(" "),
        "-delete -json -lb 7 -port 8080 -timeout 90s -ip 10.0.0.5 -quiet"
    );
}
