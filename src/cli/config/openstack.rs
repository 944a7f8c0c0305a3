//! Octavia's settings, from an openrc file's variables read by the rules the openstack CLI
//! follows, so a file that works with it works here.

use crate::backend::http::{self, Transport, printable, url_parses};
use crate::backend::octavia::{self, Settings};
use crate::cli::args::Args;
use crate::cli::config::choice::Choice;
use crate::cli::config::cloud::Cloud;
use crate::cli::config::common::{given_region, lb_value};
use crate::cli::config::{Missing, Var};
use crate::cli::env::{parse_lb_refs, parse_word};
use crate::core::model::LbRef;
use crate::error::Error;

use auth::auth;

mod auth;

pub(super) const FLEX_AUTH_URL: &str = "https://keystone.api.dfw3.rackspacecloud.com/v3";
const FLEX_DOMAIN: &str = "rackspace_cloud_domain";

/// The load balancers (ids or names) and what it takes to reach them: the sign-in, the
/// region, the catalog's interface, the pool and subnet, the CA.
pub(super) fn read(
    args: &Args,
    var: &Var,
    missing: &Missing,
    choice: &Choice,
    cloud: Option<&Cloud>,
    transport: Transport,
    notes: &mut Vec<String>,
) -> Result<Settings, Error> {
    let auth = auth(var, missing, choice, notes)?;
    let region = match given_region(args, var)? {
        Some((v, what)) => {
            if let Some(c) = cloud {
                c.check_region(v.trim(), what)?;
            }
            Some(region(&v, what)?)
        }
        None => None,
    };
    let auth_url = auth_url(choice.auth_url.as_deref(), missing, args.allow_http)?;
    let interface = interface(var("OS_INTERFACE")?.as_deref())?;
    let pool = args
        .pool
        .as_deref()
        .map(|v| parse_word(v, "-pool", "-pool web-pool"))
        .transpose()?;
    let subnet = args
        .subnet
        .as_deref()
        .map(|v| parse_word(v, "-subnet", "the subnet id from openstack subnet list"))
        .transpose()?;
    let settings = Settings {
        auth_url,
        auth,
        region,
        interface,
        pool,
        subnet,
        allow_http: args.allow_http,
        transport,
    };
    Ok(settings)
}

/// Octavia's bounds for `-weight` (0 is a drain, asked for with -drain).
pub(super) const MAX_WEIGHT: u32 = octavia::api::body::MAX_WEIGHT;

/// OS_AUTH_URL for Keystone v3: required; the v3 base (ending in /v3), to which peekaboo posts
/// `/auth/tokens`, or an identity root, whose version document names the v3 base. Identity
/// v2.0's URL is neither.
pub(super) fn auth_url(
    raw: Option<&str>,
    missing: &Missing,
    allow_http: bool,
) -> Result<String, Error> {
    let Some(raw) = raw else {
        return Err(Error::Usage(format!(
            "{}: export the Keystone v3 URL from your openrc file, e.g. {FLEX_AUTH_URL}",
            missing("OS_AUTH_URL")
        )));
    };
    let v = raw.trim().trim_end_matches('/').to_string();
    http::check_url(&v, allow_http)
        .map_err(|why| Error::Usage(format!("OS_AUTH_URL '{v}' {why}")))?;
    if !url_parses(&v) {
        return Err(Error::Usage(format!(
            "OS_AUTH_URL '{}' is not a valid URL: use the Keystone v3 URL, e.g. {FLEX_AUTH_URL}",
            printable(&v)
        )));
    }
    if let Some(base) = v.strip_suffix("/v2.0").or_else(|| v.strip_suffix("/v2")) {
        return Err(Error::Usage(format!(
            "OS_AUTH_URL '{}' is Identity v2.0's, which Octavia does not sign in with: use the Keystone v3 URL, e.g. {}/v3",
            printable(&v),
            printable(base)
        )));
    }
    Ok(v)
}

/// OS_REGION_NAME or -region, as the catalog spells it (Octavia regions are not always
/// upper case, and the backend compares without case anyway).
pub(super) fn region(v: &str, what: &str) -> Result<String, Error> {
    let r = v.trim();
    if r.is_empty() || r.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Usage(format!(
            "{what} '{}' is not a region name: give it as your openrc file or the catalog has it, e.g. DFW3 or RegionOne",
            printable(v)
        )));
    }
    Ok(r.to_string())
}

/// OS_INTERFACE: which of the catalog's endpoints to use; keystoneauth's `publicURL` spelling
/// (from Identity v2.0 days) is taken too.
pub(super) fn interface(v: Option<&str>) -> Result<String, Error> {
    let Some(v) = v else {
        return Ok("public".into());
    };
    let lower = v.trim().to_ascii_lowercase();
    match lower.strip_suffix("url").unwrap_or(&lower) {
        i @ ("public" | "internal" | "admin") => Ok(i.to_string()),
        _ => Err(Error::Usage(format!(
            "OS_INTERFACE '{}' is not public, internal or admin: set public (the default, what a server outside the cloud's control plane reaches), or unset it",
            printable(v)
        ))),
    }
}

pub(super) fn lbs(args: &Args, var: &Var) -> Result<Vec<LbRef>, Error> {
    let hint = "export the id or name of the Octavia load balancer (or pass -lb ID|NAME)";
    let (v, what) = lb_value(args, var, hint)?;
    Ok(parse_lb_refs(&v, what)?.into_iter().map(LbRef).collect())
}
