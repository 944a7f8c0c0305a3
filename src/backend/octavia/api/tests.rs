//! What the answers mean and how members read; the bodies' tables are in `body/tests.rs`.

use super::*;
use crate::core::model::{CheckStatus, Condition, LbPhase, NodeType, Provisioning, Said};
use crate::error::Error;
use shapes::IdRef;

fn reply(status: u16, body: &str) -> ApiError {
    classify(&Reply {
        status,
        headers: vec![],
        body: body.as_bytes().to_vec(),
    })
}

const POOL_BUSY: &str = r#"{"faultcode": "Client", "faultstring": "Pool 7e092d18-0e83-4bdc-a69c-1d15a92dd0e2 is immutable and cannot be updated.", "debuginfo": null}"#;
const LB_BUSY: &str = r#"{"faultcode": "Client", "faultstring": "Load Balancer 999f429b-f391-484e-a4ec-da3f197d4ce3 is immutable and cannot be updated.", "debuginfo": null}"#;
const DUPLICATE: &str = r#"{"faultcode": "Client", "faultstring": "Another member on this pool is already using ip 10.9.9.9 on protocol_port 8080", "debuginfo": null}"#;
const KSM_401: &str = r#"{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}"#;

#[test]
fn answers_as_recorded_from_a_real_octavia() {
    assert!(matches!(reply(409, POOL_BUSY), ApiError::Busy(m) if m.starts_with("Pool 7e09")));
    assert!(
        matches!(reply(409, LB_BUSY), ApiError::Busy(m) if m.starts_with("Load Balancer 999f"))
    );
    assert_eq!(reply(409, DUPLICATE), ApiError::Duplicate);
    assert_eq!(reply(401, KSM_401), ApiError::Unauthorized);
    let cases: &[(u16, &str, ApiError)] = &[
        (
            404,
            r#"{"faultcode": "Client", "faultstring": "Member 3bb7dbd8 not found.", "debuginfo": null}"#,
            ApiError::NotFound("Member 3bb7dbd8 not found.".into()),
        ),
        (
            404,
            r#"{"code": 404, "title": "Bad Request", "description": "Pool 00000000-0000-0000-0000-00000000abcd not found."}"#,
            ApiError::NotFound("Pool 00000000-0000-0000-0000-00000000abcd not found.".into()),
        ),
        (
            400,
            r#"{"faultcode": "Client", "faultstring": "Invalid input for field/attribute weight. Value: '257'. Value should be lower or equal to 256", "debuginfo": null}"#,
            ApiError::Refused("Invalid input for field/attribute weight. Value: '257'. Value should be lower or equal to 256".into()),
        ),
        (
            403,
            r#"{"faultcode": "Client", "faultstring": "Policy does not allow this request to be performed.", "debuginfo": null}"#,
            ApiError::Refused("Policy does not allow this request to be performed.".into()),
        ),
        (
            501,
            r#"{"faultcode": "Server", "faultstring": "Provider 'ovn' does not support a requested option: monitor", "debuginfo": null}"#,
            ApiError::Refused("Provider 'ovn' does not support a requested option: monitor".into()),
        ),
        (
            503,
            r#"{"faultcode": "Server", "faultstring": "Project busy.  Unable to lock the project.  Please try again.", "debuginfo": null}"#,
            ApiError::Server("Project busy.  Unable to lock the project.  Please try again.".into()),
        ),
        (502, "<html>Bad Gateway</html>", ApiError::Server("HTTP 502".into())),
        // A 409 that is neither busy nor a duplicate is not waited out.
        (
            409,
            r#"{"faultcode": "Client", "faultstring": "Something else", "debuginfo": null}"#,
            ApiError::Refused("Something else".into()),
        ),
        (429, "", ApiError::RateLimited(None)),
    ];
    for (status, body, want) in cases {
        assert_eq!(&reply(*status, body), want, "{status} {body}");
    }
}

#[test]
fn messages_are_one_bounded_line() {
    assert_eq!(
        message(KSM_401.as_bytes()).as_deref(),
        Some("The request you have made requires authentication.")
    );
    assert_eq!(message(br#"{"faultstring":"a\nb"}"#).as_deref(), Some("ab"));
    let long = format!(r#"{{"faultstring":"{}"}}"#, "x".repeat(5000));
    assert_eq!(message(long.as_bytes()).map(|m| m.len()), Some(300));
    assert_eq!(message(b"not json"), None);
    assert_eq!(message(br#"{"faultstring": null}"#), None);
}

pub(super) fn lb(status: &str, provider: &str) -> LoadBalancer {
    LoadBalancer {
        id: "999f429b-f391-484e-a4ec-da3f197d4ce3".into(),
        name: "web-lb".into(),
        provisioning_status: status.into(),
        provider: provider.into(),
        pools: vec![],
        updated_at: Some("2026-12-01T19:11:14.270818".into()),
    }
}

#[test]
fn load_balancer_phases() {
    let cases = [
        ("ACTIVE", LbPhase::Active),
        ("PENDING_UPDATE", LbPhase::Busy("PENDING_UPDATE".into())),
        ("PENDING_CREATE", LbPhase::Busy("PENDING_CREATE".into())),
        ("SOMETHING_NEW", LbPhase::Unknown("SOMETHING_NEW".into())),
        ("DELETED", LbPhase::Gone("DELETED".into())),
        ("PENDING_DELETE", LbPhase::Gone("PENDING_DELETE".into())),
    ];
    for (word, want) in cases {
        assert_eq!(lb(word, "amphora").phase(), Ok(want), "{word}");
    }
    match lb("ERROR", "amphora").snapshot() {
        Err(ApiError::Final(Error::Failed(m))) => {
            assert!(m.starts_with("load balancer web-lb (999f429b"), "{m}");
            assert!(m.contains("is in ERROR"), "{m}");
        }
        other => panic!("ERROR must be final: {other:?}"),
    }
    let s = lb("ACTIVE", "amphora").snapshot().unwrap();
    assert!(s.can_drain && s.sources.is_none() && s.members.is_none());
    assert_eq!(s.progress.as_deref(), Some("2026-12-01T19:11:14.270818"));
    assert!(!lb("ACTIVE", "ovn").snapshot().unwrap().can_drain);
    assert!(!lb("ACTIVE", "OVN").snapshot().unwrap().can_drain);
}

#[test]
fn load_balancer_reads_as_recorded() {
    let body = r#"{"loadbalancer": {"id": "999f429b-f391-484e-a4ec-da3f197d4ce3", "name": "web-lb", "description": "", "provisioning_status": "ACTIVE", "operating_status": "ONLINE", "admin_state_up": true, "listeners": [{"id": "6454596c-1cb9-4c2a-ad21-00fc82a2e0e3"}], "pools": [{"id": "7e092d18-0e83-4bdc-a69c-1d15a92dd0e2"}], "provider": "noop_driver", "flavor_id": null, "tags": [], "updated_at": null}}"#;
    #[derive(Deserialize)]
    struct One {
        loadbalancer: LoadBalancer,
    }
    let got = serde_json::from_str::<One>(body).unwrap().loadbalancer;
    assert_eq!(got.name, "web-lb");
    assert_eq!(got.provider, "noop_driver");
    assert_eq!(
        got.pools,
        vec![IdRef {
            id: "7e092d18-0e83-4bdc-a69c-1d15a92dd0e2".into()
        }]
    );
    assert_eq!(got.updated_at, None);
}

pub(super) fn om(admin: bool, weight: u32, status: &str, tags: &[&str]) -> OctMember {
    OctMember {
        id: "3bb7dbd8-9415-4cc0-af73-c6a6b628f11c".into(),
        name: String::new(),
        address: "10.9.9.9".into(),
        protocol_port: 8080,
        weight,
        admin_state_up: admin,
        provisioning_status: status.into(),
        operating_status: Some("NO_MONITOR".into()),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        backup: false,
    }
}

#[test]
fn members_in_peekaboo_terms() {
    let cases = [
        (
            om(true, 1, "ACTIVE", &[]),
            Condition::Enabled,
            Said::new(Some(Provisioning::Settled), "ACTIVE"),
        ),
        (
            om(true, 0, "PENDING_UPDATE", &[]),
            Condition::Draining,
            Said::new(Some(Provisioning::Pending), "PENDING_UPDATE"),
        ),
        (
            om(false, 0, "ERROR", &[]),
            Condition::Disabled,
            Said::new(Some(Provisioning::Failed), "ERROR"),
        ),
        (
            om(false, 5, "PENDING_CREATE", &[]),
            Condition::Disabled,
            Said::new(Some(Provisioning::Pending), "PENDING_CREATE"),
        ),
        (
            om(true, 5, "PENDING_DELETE", &[]),
            Condition::Enabled,
            Said::new(Some(Provisioning::Pending), "PENDING_DELETE"),
        ),
        (
            om(true, 5, "WHATEVER", &[]),
            Condition::Enabled,
            Said::new(None, "WHATEVER"),
        ),
    ];
    for (o, condition, provisioning) in cases {
        let m = o.member();
        assert_eq!(m.condition.meaning, Some(condition), "{o:?}");
        assert_eq!(m.condition.word, condition.as_str());
        assert_eq!(m.provisioning, Some(provisioning), "{o:?}");
        assert_eq!(m.admin_up, Some(o.admin_state_up));
        assert_eq!(
            m.weight,
            Some(o.weight.max(1)),
            "a drain's 0 is the condition"
        );
        let status = m.status.unwrap();
        assert_eq!(
            (status.meaning, status.word.as_str()),
            (Some(CheckStatus::Unchecked), "NO_MONITOR")
        );
        assert_eq!(m.node_type, Some(NodeType::Primary.said()));
        assert_eq!(m.id.0, o.id);
    }
    // Nulls and absent keys as a real list may have them.
    let raw = r#"{"id": "x", "address": "::1", "protocol_port": 80, "provisioning_status": "ACTIVE", "operating_status": null, "tags": null, "name": null}"#;
    let o: OctMember = serde_json::from_str(raw).unwrap();
    assert_eq!((o.weight, o.admin_state_up, o.tags.len()), (1, true, 0));
    assert_eq!(o.member().name, None);
}

#[test]
fn a_members_name_is_none_when_octavia_has_none() {
    let with = |name: &str| {
        let raw = format!(
            r#"{{"id": "x", "address": "::1", "protocol_port": 80, "name": {name}, "tags": ["peekaboo"]}}"#
        );
        serde_json::from_str::<OctMember>(&raw)
            .unwrap()
            .member()
            .name
    };
    assert_eq!(with(r#""web-1""#).as_deref(), Some("web-1"));
    assert_eq!(with(r#""web 1 (blue)""#).as_deref(), Some("web 1 (blue)"));
    assert_eq!(with(r#""""#), None);
    assert_eq!(with("null"), None);
}

#[test]
fn uuids_and_query_values() {
    assert!(looks_like_uuid("999f429b-f391-484e-a4ec-da3f197d4ce3"));
    assert!(looks_like_uuid("999f429bf391484ea4ecda3f197d4ce3"));
    assert!(!looks_like_uuid("web-lb"));
    assert!(!looks_like_uuid("999f429b-f391-484e-a4ec-da3f197d4ce"));
    assert!(!looks_like_uuid("999f429b-f391-484e-a4ec-da3f197d4cez"));
    assert_eq!(query_value("web lb&x=1/é"), "web%20lb%26x%3D1%2F%C3%A9");
    assert_eq!(query_value("a-b_c.d~"), "a-b_c.d~");
}

#[test]
fn a_drained_members_weight_is_the_one_its_drain_remembered() {
    for (weight, tags, serving) in [
        (3, &[][..], 3),
        (0, &[][..], 1),
        (0, &["peekaboo-weight:7"][..], 7),
        (0, &["team:web", "peekaboo-weight:256"][..], 256),
        (0, &["peekaboo-weight:900"][..], 1),
        (5, &["peekaboo-weight:7"][..], 5),
    ] {
        let o = om(true, weight, "ACTIVE", tags);
        assert_eq!(o.member().weight, Some(serving), "{weight} {tags:?}");
    }
}
