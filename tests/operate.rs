//! What operators ask beyond the original: weight and type, several load balancers, -status,
//! -dry-run and -json. The real binary against the fake.

mod fake;
mod support;

use fake::{Config, Fake};
use support::{ADDR, LB, PORT, calls, peekaboo};

fn fake() -> Fake {
    let f = Fake::start(Config::default());
    f.add_lb(LB, "DFW");
    f
}

fn run(f: &Fake, flags: &[&str]) -> support::Out {
    let mut all = vec!["-interval", "40ms", "-timeout", "10s"];
    all.extend(flags);
    peekaboo(f, &all, &[])
}

#[test]
fn weight_and_type_for_a_new_node() {
    let f = fake();
    let out = run(&f, &["-weight", "7", "-type", "secondary"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let post = f
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/nodes"))
        .unwrap();
    assert_eq!(
        post.body,
        r#"{"nodes":[{"address":"10.1.2.3","condition":"ENABLED","port":8080,"type":"SECONDARY","weight":7}]}"#
    );
    let n = &f.nodes(LB)[0];
    assert_eq!((n.weight, n.node_type.as_str()), (7, "SECONDARY"));
    assert!(
        out.stderr
            .contains("Creating new node as ENABLED, weight 7, type SECONDARY"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&format!(
        "Final node state: {{{ADDR} 1000 {PORT} ONLINE ENABLED 7 SECONDARY}}"
    )));
}

#[test]
fn weight_and_type_for_an_existing_node_change_only_what_differs() {
    let f = fake();
    let id = f.add_node(LB, ADDR, PORT, "ENABLED");
    let out = run(&f, &["-weight", "20"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let put = f
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.body, r#"{"node":{"weight":20}}"#);
    assert!(
        out.stderr
            .contains(&format!("Updating node {id}: weight 20")),
        "{}",
        out.stderr
    );
    // Asked again: nothing to change, nothing sent.
    let before = f.mutations().len();
    let out = run(&f, &["-weight", "20", "-type", "PRIMARY"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.mutations().len(), before);
    // Draining with a new type: one PUT with both.
    let out = run(&f, &["-drain", "-type", "SECONDARY"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let put = f
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(
        put.body,
        r#"{"node":{"condition":"DRAINING","type":"SECONDARY"}}"#
    );
    assert_eq!(calls(&f).iter().filter(|c| c.starts_with("PUT")).count(), 2);
}
