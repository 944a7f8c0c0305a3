//! Cloud Load Balancers' settings, from the variables the original tool read (and a few it
//! did not: OS_AUTH_URL, OS_CACERT).

use crate::backend::Secret;
use crate::backend::http::{self, Transport, url_parses};
use crate::backend::rackspace::{DEFAULT_AUTH_URL, Settings};
use crate::cli::args::Args;
use crate::cli::config::common::{given_region, lb_value};
use crate::cli::config::{Missing, Var};
use crate::cli::env::{parse_lb_ids, parse_region};
use crate::core::model::LbRef;
use crate::error::Error;

/// CLB's bounds for `-weight`.
pub(super) const MAX_WEIGHT: u32 = 100;

/// The load balancers (numeric ids) and what it takes to reach them, read in the order the
/// original read them, so its errors come in the same order.
pub(super) fn read(
    args: &Args,
    var: &Var,
    missing: &Missing,
    auth_url: Option<&str>,
    transport: Transport,
) -> Result<Settings, Error> {
    let (username, api_key) = credentials(var, missing)?;
    let region = given_region(args, var)?
        .map(|(v, what)| parse_region(&v, what))
        .transpose()?;
    let auth_url = clb_auth_url(auth_url, args.allow_http)?;
    // Octavia's own flags: a member's pool and subnet, which a CLB node has not.
    let given = [(&args.pool, "-pool"), (&args.subnet, "-subnet")];
    if let Some((_, flag)) = given.iter().find(|g| g.0.is_some()) {
        return Err(Error::Usage(format!(
            "{flag} applies only to Octavia, and this run uses Cloud Load Balancers (OS_AUTH_URL does not end in /v3): give -backend octavia with an OpenStack openrc, or drop {flag}"
        )));
    }
    let settings = Settings {
        username,
        api_key,
        region,
        auth_url,
        allow_http: args.allow_http,
        transport,
    };
    Ok(settings)
}

pub(super) fn lbs(args: &Args, var: &Var) -> Result<Vec<LbRef>, Error> {
    let hint = "export the numeric id of the load balancer (or pass -lb ID)";
    let (v, what) = lb_value(args, var, hint)?;
    let ids = parse_lb_ids(&v, what).map_err(|e| match e {
        // A UUID or a name is an Octavia load balancer given to a run that chose CLB.
        Error::Usage(m) if v.chars().any(|c| c.is_ascii_alphabetic()) => Error::Usage(format!(
            "{m}; an Octavia load balancer's id or name needs -backend octavia, or an OS_AUTH_URL ending in /v3"
        )),
        e => e,
    })?;
    Ok(ids.into_iter().map(|id| LbRef(id.to_string())).collect())
}

fn credentials(var: &Var, missing: &Missing) -> Result<(String, Secret), Error> {
    let username = var("OS_USERNAME")?.ok_or_else(|| {
        Error::Usage(format!(
            "{}: export your Rackspace user name",
            missing("OS_USERNAME")
        ))
    })?;
    let api_key = var("OS_PASSWORD")?.map(Secret).ok_or_else(|| {
        Error::Usage(format!(
            "{}: export your Rackspace API key (or password), ideally from an EnvironmentFile",
            missing("OS_PASSWORD")
        ))
    })?;
    Ok((username, api_key))
}

/// The Identity v2.0 base, the Rackspace one when unset.
fn clb_auth_url(raw: Option<&str>, allow_http: bool) -> Result<String, Error> {
    let Some(v) = raw else {
        return Ok(DEFAULT_AUTH_URL.to_string());
    };
    let v = v.trim().trim_end_matches('/').to_string();
    http::check_url(&v, allow_http)
        .map_err(|why| Error::Usage(format!("OS_AUTH_URL '{v}' {why}")))?;
    // ureq would refuse it on every try until the deadline: say so now.
    if !url_parses(&v) {
        return Err(Error::Usage(format!(
            "OS_AUTH_URL '{}' is not a valid URL: use the Identity v2.0 base, e.g. {DEFAULT_AUTH_URL}",
            http::printable(&v)
        )));
    }
    Ok(v)
}
