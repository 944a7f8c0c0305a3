use super::*;

fn ep(interface: &str, region_id: Option<&str>, region: Option<&str>, url: &str) -> Endpoint {
    Endpoint {
        interface: interface.into(),
        region_id: region_id.map(str::to_string),
        region: region.map(str::to_string),
        url: url.into(),
    }
}

fn service(name: &str, kind: &str, endpoints: Vec<Endpoint>) -> Service {
    Service {
        name: name.into(),
        kind: kind.into(),
        endpoints,
    }
}

fn catalog() -> Vec<Service> {
    let both = |r: &str, i: &str, url: &str| ep(i, Some(r), Some(r), url);
    vec![
        service(
            "keystone",
            "identity",
            vec![both("DFW3", "public", "https://ks")],
        ),
        // Another load-balancer entry first: the one named octavia wins.
        service(
            "lbaas-old",
            "load-balancer",
            vec![both("DFW3", "public", "https://old")],
        ),
        service(
            "octavia",
            "load-balancer",
            vec![
                both("DFW3", "internal", "http://octavia-api:9876"),
                both("DFW3", "public", "https://dfw3/"),
                // Only the deprecated copy: still matched. Where both are there and differ,
                // region_id is the one reported.
                ep("public", Some("ORD3"), Some("ord-old"), "https://ord3"),
                ep("public", None, Some("IAD3"), "https://iad3/v2.0"),
            ],
        ),
    ]
}

#[test]
fn picks_octavia_by_name_region_in_any_case_and_interface() {
    let c = catalog();
    let pick = |r: Option<&str>, i: &str| pick_endpoint(&c, r, i).map(|p| (p.url, p.region));
    assert_eq!(
        pick(Some("dfw3"), "public"),
        Ok(("https://dfw3/".into(), "DFW3".into()))
    );
    assert_eq!(
        pick(Some("DFW3"), "internal"),
        Ok(("http://octavia-api:9876".into(), "DFW3".into()))
    );
    assert_eq!(
        pick(Some("ord-OLD"), "public"),
        Ok(("https://ord3".into(), "ORD3".into()))
    );
    assert_eq!(
        pick(Some("iad3"), "public"),
        Ok(("https://iad3/v2.0".into(), "IAD3".into()))
    );
    let by_type = vec![service(
        "lb",
        "load-balancer",
        vec![ep("public", Some("RegionOne"), None, "http://x")],
    )];
    // The only region needs no OS_REGION_NAME; it is reported as the catalog spells it.
    assert_eq!(
        pick_endpoint(&by_type, None, "public").map(|p| (p.url, p.region)),
        Ok(("http://x".into(), "RegionOne".into()))
    );
    let anywhere = vec![service(
        "octavia",
        "load-balancer",
        vec![ep("public", None, None, "http://any")],
    )];
    assert_eq!(
        pick_endpoint(&anywhere, Some("SJC3"), "public").map(|p| (p.url, p.region)),
        Ok(("http://any".into(), "SJC3".into()))
    );
}

#[test]
fn says_which_entry_interface_and_region_chose_the_endpoint() {
    let c = catalog();
    let how = |cat: &[Service], r: Option<&str>, i: &str| pick_endpoint(cat, r, i).unwrap().how;
    assert_eq!(
        how(&c, Some("dfw3"), "internal"),
        "the catalog's load-balancer endpoint 'octavia', interface internal from OS_INTERFACE, region DFW3"
    );
    assert_eq!(
        how(&c, Some("DFW3"), "public"),
        "the catalog's load-balancer endpoint 'octavia', interface public, OS_INTERFACE's default, region DFW3"
    );
    let by_type = vec![service(
        "lb",
        "load-balancer",
        vec![ep("admin", Some("RegionOne"), None, "http://x")],
    )];
    assert_eq!(
        how(&by_type, None, "admin"),
        "the catalog's load-balancer endpoint 'lb', interface admin from OS_INTERFACE, region RegionOne, the catalog's only one"
    );
    let anywhere = vec![service(
        "octavia",
        "load-balancer",
        vec![ep("public", None, None, "http://any")],
    )];
    assert_eq!(
        how(&anywhere, None, "public"),
        "the catalog's load-balancer endpoint 'octavia', interface public, OS_INTERFACE's default, for every region"
    );
}

#[test]
fn catalog_errors_name_what_exists() {
    let c = catalog();
    let cases = [
        (
            Some("SJC3"),
            "public",
            "region SJC3 is not in the catalog for load-balancer (it has: DFW3, IAD3, ORD3): set OS_REGION_NAME to one of them",
        ),
        (
            None,
            "public",
            "OS_REGION_NAME is not set and the catalog has load-balancer in several regions (DFW3, IAD3, ORD3): set it to the load balancer's region",
        ),
        (
            Some("DFW3"),
            "admin",
            "the catalog has no admin endpoint for load-balancer in region DFW3 (it has: internal, public): set OS_INTERFACE to one of them",
        ),
    ];
    for (region, interface, want) in cases {
        assert_eq!(
            pick_endpoint(&c, region, interface),
            Err(want.to_string()),
            "{region:?} {interface}"
        );
    }
    let none = vec![
        service("keystone", "identity", vec![]),
        service("neutron", "network", vec![]),
    ];
    assert_eq!(
        pick_endpoint(&none, None, "public"),
        Err("the catalog has no load-balancer service (it has: identity, network): check that this cloud offers Octavia to the project".into())
    );
    assert!(
        pick_endpoint(&[], None, "public")
            .unwrap_err()
            .contains("(it has: none)")
    );
}

#[test]
fn octavia_base_drops_slashes_and_the_version() {
    let cases = [
        ("http://127.0.0.1:19876", "http://127.0.0.1:19876"),
        ("http://198.51.100.10:9876/", "http://198.51.100.10:9876"),
        ("https://lb.example/v2.0", "https://lb.example"),
        ("https://lb.example/v2.0/", "https://lb.example"),
        (
            "https://lb.example/load-balancer/v2",
            "https://lb.example/load-balancer",
        ),
        ("https://lb.example/v2/", "https://lb.example"),
        // Only a whole trailing segment is a version.
        (
            "https://lb.example/octavia-v2",
            "https://lb.example/octavia-v2",
        ),
        ("https://lb.example/v2.0x", "https://lb.example/v2.0x"),
    ];
    for (url, want) in cases {
        assert_eq!(octavia_base(url), want, "{url}");
    }
}
