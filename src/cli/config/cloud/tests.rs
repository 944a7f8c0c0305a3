//! Each key of a cloud read as its variable, and the clouds.yaml files the OpenStack world
//! writes (the YAML reader's fixtures) read as clouds.

use super::*;

/// `load` of cloud `name` from `clouds` (and `secure`), found through OS_CLIENT_CONFIG_FILE.
fn cloud(clouds: &str, secure: Option<&str>, name: &str) -> Result<Cloud, Error> {
    let var = |v: &str| -> Result<Option<String>, Error> {
        Ok(match v {
            "OS_CLIENT_CONFIG_FILE" => Some("/c/clouds.yaml".into()),
            "OS_CLIENT_SECURE_FILE" => secure.map(|_| "/c/secure.yaml".into()),
            _ => None,
        })
    };
    let read = |p: &Path| match (p.to_str(), secure) {
        (Some("/c/clouds.yaml"), _) => Ok(clouds.to_string()),
        (Some("/c/secure.yaml"), Some(s)) => Ok(s.to_string()),
        _ => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
    };
    load(name, &var, &read)
}

fn refusal(clouds: &str, name: &str) -> String {
    match cloud(clouds, None, name) {
        Err(Error::Usage(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn every_key_stands_for_its_variable() {
    let value = |key: &str| match key {
        "auth_type" => "v3password".to_string(),
        "interface" => "internal".to_string(),
        "identity_api_version" => "3".to_string(),
        k => format!("v-{}", k.replace('.', "-")),
    };
    let mut auth = String::new();
    let mut top = String::new();
    for (key, _) in KEYS {
        match key.strip_prefix("auth.") {
            Some(k) => auth += &format!("      {k}: {}\n", value(key)),
            None => top += &format!("    {key}: {}\n", value(key)),
        }
    }
    let text = format!("clouds:\n  all:\n    auth:\n{auth}{top}");
    let c = cloud(&text, None, "all").unwrap();
    for (key, var) in KEYS {
        assert_eq!(c.get(var), Some(value(key)), "{key} -> {var}");
        assert_eq!(Cloud::key_for(var), Some(*key));
    }
    assert_eq!(c.get("OS_DEFAULT_DOMAIN"), None, "not a key peekaboo reads");
}

#[test]
fn domain_stands_in_for_a_domain_given_neither_way() {
    let text = "clouds:\n  d:\n    auth:\n      domain_id: dom-id\n      domain_name: DomName\n      user_domain_name: Users\n";
    let c = cloud(text, None, "d").unwrap();
    // The user's domain is named: domain_* does not add an id beside it.
    assert_eq!(c.get("OS_USER_DOMAIN_NAME").as_deref(), Some("Users"));
    assert_eq!(c.get("OS_USER_DOMAIN_ID"), None);
    // The project's is not given: both of domain_* stand in.
    assert_eq!(c.get("OS_PROJECT_DOMAIN_ID").as_deref(), Some("dom-id"));
    assert_eq!(c.get("OS_PROJECT_DOMAIN_NAME").as_deref(), Some("DomName"));
}

#[test]
fn the_clouds_the_openstack_world_writes_are_read() {
    let devstack = include_str!("../../../yaml/fixtures/devstack.yaml");
    let horizon = include_str!("../../../yaml/fixtures/horizon.yaml");
    let appcred = include_str!("../../../yaml/fixtures/horizon_appcred.yaml");
    let flex = include_str!("../../../yaml/fixtures/flex.yaml");
    let sdk = include_str!("../../../yaml/fixtures/openstacksdk.yaml");
    let secure = include_str!("../../../yaml/fixtures/secure.yaml");
    let get = |c: &Cloud, vars: &[&str]| -> Vec<Option<String>> {
        vars.iter().map(|v| c.get(v)).collect()
    };
    let s = |v: &str| Some(v.to_string());
    let c = cloud(devstack, None, "devstack").unwrap();
    let vars = [
        "OS_AUTH_URL",
        "OS_USERNAME",
        "OS_PROJECT_DOMAIN_ID",
        "OS_REGION_NAME",
    ];
    assert_eq!(
        get(&c, &vars),
        [
            s("https://203.0.113.7/identity"),
            s("demo"),
            s("default"),
            s("RegionOne")
        ]
    );
    assert_eq!(c.get("OS_IDENTITY_API_VERSION"), s("3"), "'3' quoted");
    assert_eq!(c.get("OS_CACERT"), s("/opt/stack/data/ca-bundle.pem"));
    let c = cloud(horizon, None, "web").unwrap();
    let vars = [
        "OS_PROJECT_ID",
        "OS_USERNAME",
        "OS_REGION_NAME",
        "OS_PASSWORD",
    ];
    assert_eq!(
        get(&c, &vars),
        [
            s("4c9d2e7f1a3b4d5e8f6a7b8c9d0e1f2a"),
            s("deploy-bot"),
            s("RegionOne"),
            None
        ],
        "regions: the first; no password until the user adds one"
    );
    assert!(c.check_region("RegionTwo", "OS_REGION_NAME").is_ok());
    assert!(c.check_region("RegionThree", "OS_REGION_NAME").is_err());
    let c = cloud(appcred, None, "openstack").unwrap();
    assert_eq!(c.get("OS_AUTH_TYPE"), s("v3applicationcredential"));
    let c = cloud(flex, None, "flex-dfw3").unwrap();
    let vars = ["OS_USER_DOMAIN_NAME", "OS_PROJECT_NAME", "OS_PASSWORD"];
    assert_eq!(
        get(&c, &vars),
        [
            s("rackspace_cloud_domain"),
            s("1234567_Flex"),
            s("peekaboo-flex-api-key")
        ]
    );
    // secure.yaml merged over clouds.yaml, key by key.
    let c = cloud(sdk, Some(secure), "split").unwrap();
    assert_eq!(c.get("OS_PASSWORD"), s("peekaboo-split-pw"));
    assert_eq!(c.get("OS_USERNAME"), s("api-3f2a9c"));
    assert_eq!(
        c.get("OS_REGION_NAME"),
        s("ams01"),
        "regions given as mappings"
    );
    assert_eq!(c.secure.as_deref(), Some(Path::new("/c/secure.yaml")));
    let c = cloud(sdk, Some(secure), "lab").unwrap();
    assert_eq!(c.secure, None, "secure.yaml has nothing for it");
    // What peekaboo refuses of them, with the line.
    assert!(
        refusal(sdk, "selfsigned")
            .starts_with("/c/clouds.yaml:74: verify: false would turn TLS verification off"),
        "{}",
        refusal(sdk, "selfsigned")
    );
    assert!(
        refusal(flex, "flex-sjc3-mfa")
            .starts_with("/c/clouds.yaml:22: auth_type 'v3multifactor' is not one peekaboo takes"),
        "{}",
        refusal(flex, "flex-sjc3-mfa")
    );
}
