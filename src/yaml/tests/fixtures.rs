//! The clouds.yaml files the OpenStack world writes, each read as PyYAML reads it.

use super::show;
use crate::yaml::{Node, Value, parse};

pub const FIXTURES: &[(&str, &str, &str)] = &[
    (
        "devstack",
        include_str!("../fixtures/devstack.yaml"),
        include_str!("../fixtures/devstack.json"),
    ),
    (
        "openstacksdk",
        include_str!("../fixtures/openstacksdk.yaml"),
        include_str!("../fixtures/openstacksdk.json"),
    ),
    (
        "secure",
        include_str!("../fixtures/secure.yaml"),
        include_str!("../fixtures/secure.json"),
    ),
    (
        "horizon",
        include_str!("../fixtures/horizon.yaml"),
        include_str!("../fixtures/horizon.json"),
    ),
    (
        "horizon_appcred",
        include_str!("../fixtures/horizon_appcred.yaml"),
        include_str!("../fixtures/horizon_appcred.json"),
    ),
    (
        "flex",
        include_str!("../fixtures/flex.yaml"),
        include_str!("../fixtures/flex.json"),
    ),
];

/// A node the way PyYAML's safe_load types it, as JSON: booleans, integers and nulls from
/// plain scalars, text from everything else.
fn typed(n: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &n.value {
        Value::Map(entries) => {
            J::Object(entries.iter().map(|(k, v)| (k.clone(), typed(v))).collect())
        }
        Value::Seq(items) => J::Array(items.iter().map(typed).collect()),
        Value::Null => J::Null,
        Value::Scalar { text, quoted } => match (n.as_bool(), text.parse::<i64>()) {
            (Some(b), _) => J::Bool(b),
            (None, Ok(i)) if !quoted => J::from(i),
            _ => J::String(text.clone()),
        },
    }
}

/// Each fixture reads as PyYAML (what openstacksdk reads clouds.yaml with) read it into its
/// .json, beside it; and the same with CRLF line ends and a byte order mark.
#[test]
fn fixtures_read_as_pyyaml_reads_them() {
    for (name, yaml, json) in FIXTURES {
        let want: serde_json::Value = serde_json::from_str(json).unwrap();
        let got = parse(yaml).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(typed(&got), want, "{name}");
        let crlf = format!("\u{feff}{}", yaml.replace('\n', "\r\n"));
        assert_eq!(parse(&crlf), Ok(got), "{name} with CRLF and a BOM");
    }
}

#[test]
fn fixtures_keep_lines_and_order() {
    let sdk = parse(FIXTURES[1].1).unwrap();
    let clouds = sdk.get("clouds").unwrap();
    let Value::Map(entries) = &clouds.value else {
        panic!("clouds is not a mapping")
    };
    let names: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["vendor", "lab", "fleet", "split", "appcred", "selfsigned"]
    );
    let lab = clouds.get("lab").unwrap();
    let url = lab.get("auth").and_then(|a| a.get("auth_url")).unwrap();
    assert_eq!(
        url.as_str(),
        Some("https://keystone.lab.example.org:5001/v3")
    );
    assert_eq!(url.line, 33);
    let regions = clouds.get("fleet").and_then(|f| f.get("regions")).unwrap();
    assert_eq!(show(regions), "41:[41:DFW, 42:ORD, 43:IAD]");
    let verify = clouds.get("selfsigned").and_then(|c| c.get("verify"));
    assert_eq!(verify.and_then(Node::as_bool), Some(false));
    let devstack = parse(FIXTURES[0].1).unwrap();
    let version = devstack
        .get("clouds")
        .and_then(|c| c.get("devstack"))
        .and_then(|c| c.get("identity_api_version"))
        .unwrap();
    assert_eq!(show(version), "13:\"3\"");
}
