//! Identity v2.0: trade the user name and API key for a token, and find the load balancer
//! endpoint for the region in the service catalog.

use serde::Deserialize;
use serde_json::json;

use crate::clb::{ApiError, classify, now_unix};
use crate::config::{Config, Secret};
use crate::error::Error;
use crate::http::{Http, check_url};
use crate::retry::Deadline;

pub struct Session {
    pub token: Secret,
    pub endpoint: String,
    pub region: String,
}

#[derive(Deserialize)]
struct AuthReply {
    access: Access,
}

#[derive(Deserialize)]
struct Access {
    token: Token,
    #[serde(rename = "serviceCatalog", default)]
    catalog: Vec<Service>,
}

#[derive(Deserialize)]
struct Token {
    id: String,
}

#[derive(Deserialize)]
pub struct Service {
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

#[derive(Deserialize)]
pub struct Endpoint {
    #[serde(default)]
    pub region: Option<String>,
    #[serde(rename = "publicURL", default)]
    pub public_url: Option<String>,
}

/// Authenticates with the API key, and once more with the same secret as a password if the
/// key is refused, so an `openrc` file holding a real password works too.
pub fn authenticate(http: &Http, cfg: &Config, deadline: &Deadline) -> Result<Session, ApiError> {
    let url = format!("{}/tokens", cfg.auth_url);
    let user = cfg.username.as_str();
    let secret = cfg.api_key.0.as_str();
    let by_key =
        json!({"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": user, "apiKey": secret}}});
    let by_password =
        json!({"auth": {"passwordCredentials": {"username": user, "password": secret}}});
    let mut reply = http.send("POST", &url, None, Some(&by_key), deadline);
    if matches!(&reply, Ok(r) if r.status == 401) {
        reply = http.send("POST", &url, None, Some(&by_password), deadline);
    }
    let reply = reply.map_err(ApiError::from)?;
    if !(200..300).contains(&reply.status) {
        return Err(match classify(&reply, now_unix()) {
            ApiError::Unauthorized => ApiError::Final(Error::Config(format!(
                "identity at {} rejected user '{user}' with the OS_PASSWORD given (tried as API key and as password): check OS_USERNAME and OS_PASSWORD",
                cfg.auth_url
            ))),
            ApiError::Refused(m) | ApiError::NotFound(m) | ApiError::Gone(m) => {
                ApiError::Final(Error::Config(format!(
                    "identity at {} refused to authenticate user '{user}': {m}",
                    cfg.auth_url
                )))
            }
            other => other,
        });
    }
    // The body holds the token: never echo it, nor serde's description of it.
    let access = serde_json::from_slice::<AuthReply>(&reply.body)
        .map_err(|_| ApiError::Transport("identity sent an unreadable answer".into()))?
        .access;
    let (endpoint, region) = pick_endpoint(&access.catalog, cfg.region.as_deref())
        .map_err(|m| ApiError::Final(Error::Config(m)))?;
    check_url(&endpoint, cfg.allow_http).map_err(|why| {
        ApiError::Final(Error::Config(format!(
            "the catalog's load balancer endpoint '{endpoint}' {why}"
        )))
    })?;
    Ok(Session {
        token: Secret(access.token.id),
        endpoint,
        region,
    })
}

/// Picks the load balancer endpoint: the service named `cloudLoadBalancers`, else the first of
/// type `rax:load-balancer`; then the endpoint of `region` (any case). Without a region, the
/// only endpoint there is. Returns (URL without trailing slash, region).
pub fn pick_endpoint(
    catalog: &[Service],
    region: Option<&str>,
) -> Result<(String, String), String> {
    let service = catalog
        .iter()
        .find(|s| s.name == "cloudLoadBalancers")
        .or_else(|| catalog.iter().find(|s| s.kind == "rax:load-balancer"))
        .ok_or("the account's service catalog has no Cloud Load Balancers endpoint: check that the account has Cloud Load Balancers")?;
    let endpoints: Vec<(&str, &str)> = service
        .endpoints
        .iter()
        .filter_map(|e| Some((e.region.as_deref().unwrap_or(""), e.public_url.as_deref()?)))
        .collect();
    let regions = || {
        let mut r: Vec<&str> = endpoints
            .iter()
            .map(|e| e.0)
            .filter(|r| !r.is_empty())
            .collect();
        r.sort_unstable();
        r.dedup();
        if r.is_empty() {
            "none".to_string()
        } else {
            r.join(", ")
        }
    };
    let found = match region {
        Some(want) => endpoints
            .iter()
            .find(|e| e.0.eq_ignore_ascii_case(want))
            // An endpoint without a region serves every region.
            .or_else(|| endpoints.iter().find(|e| e.0.is_empty()))
            .ok_or_else(|| {
                format!(
                    "region {want} is not in this account's catalog for load balancers (it has: {}): set OS_REGION_NAME or -region to the load balancer's region",
                    regions()
                )
            })?,
        None if endpoints.len() == 1 => &endpoints[0],
        None => {
            return Err(format!(
                "OS_REGION_NAME is not set and this account has load balancers in several regions ({}): set it to the load balancer's region",
                regions()
            ));
        }
    };
    let name = region.map_or(found.0, |r| if found.0.is_empty() { r } else { found.0 });
    Ok((
        found.1.trim_end_matches('/').to_string(),
        name.to_ascii_uppercase(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, kind: &str, eps: &[(Option<&str>, &str)]) -> Service {
        Service {
            name: name.into(),
            kind: kind.into(),
            endpoints: eps
                .iter()
                .map(|(r, u)| Endpoint {
                    region: r.map(str::to_string),
                    public_url: Some(u.to_string()),
                })
                .collect(),
        }
    }

    fn catalog() -> Vec<Service> {
        vec![
            service(
                "cloudServersOpenStack",
                "compute",
                &[(Some("DFW"), "https://compute/")],
            ),
            service(
                "cloudLoadBalancersTest",
                "rax:load-balancer",
                &[(Some("DFW"), "https://decoy")],
            ),
            service(
                "cloudLoadBalancers",
                "rax:load-balancer",
                &[
                    (Some("DFW"), "https://dfw/v1.0/1/"),
                    (Some("IAD"), "https://iad/v1.0/1"),
                ],
            ),
        ]
    }

    #[test]
    fn prefers_the_name_and_matches_region_in_any_case() {
        let c = catalog();
        assert_eq!(
            pick_endpoint(&c, Some("iad")),
            Ok(("https://iad/v1.0/1".into(), "IAD".into()))
        );
        assert_eq!(
            pick_endpoint(&c, Some("DFW")),
            Ok(("https://dfw/v1.0/1".into(), "DFW".into()))
        );
    }

    #[test]
    fn falls_back_to_the_type() {
        let c = vec![service(
            "lbaas",
            "rax:load-balancer",
            &[(Some("LON"), "https://lon")],
        )];
        assert_eq!(
            pick_endpoint(&c, Some("LON")),
            Ok(("https://lon".into(), "LON".into()))
        );
    }

    #[test]
    fn names_the_regions_that_exist() {
        let err = pick_endpoint(&catalog(), Some("SYD")).unwrap_err();
        assert!(
            err.starts_with("region SYD is not in this account's catalog"),
            "{err}"
        );
        assert!(err.contains("(it has: DFW, IAD)"), "{err}");
        let err = pick_endpoint(&catalog(), None).unwrap_err();
        assert!(
            err.contains("OS_REGION_NAME is not set") && err.contains("DFW, IAD"),
            "{err}"
        );
    }

    #[test]
    fn one_endpoint_needs_no_region_and_regionless_serves_all() {
        let c = vec![service(
            "cloudLoadBalancers",
            "rax:load-balancer",
            &[(Some("ORD"), "https://ord")],
        )];
        assert_eq!(
            pick_endpoint(&c, None),
            Ok(("https://ord".into(), "ORD".into()))
        );
        let c = vec![service(
            "cloudLoadBalancers",
            "rax:load-balancer",
            &[(None, "https://any")],
        )];
        assert_eq!(
            pick_endpoint(&c, Some("hkg")),
            Ok(("https://any".into(), "HKG".into()))
        );
    }

    #[test]
    fn no_load_balancer_service() {
        let c = vec![service(
            "cloudServersOpenStack",
            "compute",
            &[(Some("DFW"), "https://c")],
        )];
        assert!(
            pick_endpoint(&c, Some("DFW"))
                .unwrap_err()
                .contains("no Cloud Load Balancers")
        );
    }
}
