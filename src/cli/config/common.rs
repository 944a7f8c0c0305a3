//! What both backends read the same way: this host's node, how requests go out, OS_CACERT,
//! the region and the load balancer as given.

use std::time::Duration;

use ureq::tls::Certificate;

use crate::backend::http::{self, Transport, proxy};
use crate::cli::args::Args;
use crate::cli::env::*;
use crate::core::model::Attrs;
use crate::engine::{AddressSource, NodeSpec};
use crate::error::Error;

use super::Var;

const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// This host's node: its address (when given), port, and the weight and type asked for.
/// `drain_from` is left for `Config::new`, which knows the mode.
pub(super) fn node_spec(
    args: &Args,
    var: &Var,
    (max_weight, names): (u32, bool),
    notes: &mut Vec<String>,
) -> Result<NodeSpec, Error> {
    let port = match &args.port {
        Some(v) => parse_port(v, "-port")?,
        None => match var("APP_PORT")? {
            Some(v) => parse_port(&v, "APP_PORT")?,
            // The agent's containers each say their port: it has none of its own.
            None if args.docker => 80,
            None => {
                notes.push("$APP_PORT not set, defaulting to 80".into());
                80
            }
        },
    };
    let address = if let Some(v) = &args.ip {
        Some((parse_ip(v, "-ip")?, AddressSource::Flag))
    } else if let Some(v) = var("RAX_SERVICENET_IPV4")? {
        let ip = parse_ip(&v, "RAX_SERVICENET_IPV4")?;
        Some((ip, AddressSource::Servicenet))
    } else if let Some(v) = var("RAX_PUBLICNET_IPV4")? {
        let ip = parse_ip(&v, "RAX_PUBLICNET_IPV4")?;
        Some((ip, AddressSource::Publicnet))
    } else {
        None
    };
    let attrs = Attrs {
        weight: args
            .weight
            .as_deref()
            .map(|w| parse_weight(w, max_weight))
            .transpose()?,
        node_type: args.node_type.as_deref().map(parse_node_type).transpose()?,
        // Checked for both, kept where members have names: one unit file serves both.
        name: parse_name(args.name.as_deref(), "-name")?.filter(|_| names),
    };
    Ok(NodeSpec {
        address,
        port,
        attrs,
        drain_from: Vec::new(),
    })
}

/// How requests go out, for either backend: the limit for one request, the proxies and the
/// CAs to trust (OS_CACERT, or a cloud's cacert, which `var` reads as OS_CACERT).
pub(super) fn transport(var: &Var) -> Result<Transport, Error> {
    let request_timeout = match var("PEEKABOO_REQUEST_TIMEOUT")? {
        Some(v) => parse_duration_flag(&v, "PEEKABOO_REQUEST_TIMEOUT", Duration::from_secs(600))?,
        None => DEFAULT_REQUEST_TIMEOUT,
    };
    // Read like every other variable (not UTF-8 is an error, a CR is stripped with a
    // warning); whether a proxy value is usable is for `proxy` to say when one is needed.
    let mut proxy_vars = Vec::new();
    for name in proxy::VARIABLES {
        if let Some(v) = var(name)? {
            proxy_vars.push((*name, v));
        }
    }
    let proxy = proxy::ProxyEnv::from_env(&|name| {
        proxy_vars
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    });
    Ok(Transport {
        request_timeout,
        ca_certs: ca_certs(var)?,
        proxy,
    })
}

/// OS_CACERT: the CAs to trust instead of the built-in roots.
pub(super) fn ca_certs(var: &Var) -> Result<Option<Vec<Certificate<'static>>>, Error> {
    let Some(path) = var("OS_CACERT")? else {
        return Ok(None);
    };
    http::load_ca(&path).map(Some).map_err(|why| {
        Error::Usage(format!(
            "OS_CACERT '{path}' {why}: point it at a PEM file of CA certificates, or unset it to trust the built-in roots"
        ))
    })
}

/// `-region`, else OS_REGION_NAME, as given, with where it came from.
pub(super) fn given_region(
    args: &Args,
    var: &Var,
) -> Result<Option<(String, &'static str)>, Error> {
    Ok(match &args.region {
        Some(v) => Some((v.clone(), "-region")),
        None => var("OS_REGION_NAME")?.map(|v| (v, "OS_REGION_NAME")),
    })
}

/// `-lb`, else LOAD_BALANCER_ID, with where it came from; `hint` says what to export.
pub(super) fn lb_value(
    args: &Args,
    var: &Var,
    hint: &str,
) -> Result<(String, &'static str), Error> {
    match &args.lb {
        Some(v) => Ok((v.clone(), "-lb")),
        None => match var("LOAD_BALANCER_ID")? {
            Some(v) => Ok((v, "LOAD_BALANCER_ID")),
            None => Err(Error::Usage(format!("LOAD_BALANCER_ID is not set: {hint}"))),
        },
    }
}
