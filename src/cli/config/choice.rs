//! Which service a run talks to: `-backend`, else what the variables say of the identity API
//! (Keystone v3 means Octavia, Identity v2.0 or nothing said means Cloud Load Balancers).

use crate::backend::http::printable;
use crate::cli::args::Args;
use crate::cli::config::Var;
use crate::error::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Service {
    Clb,
    Octavia,
}

/// The OS_AUTH_TYPE values peekaboo signs in with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AuthType {
    V3Password,
    V3AppCredential,
    /// keystoneauth's generic plugin, which follows the URL's version: it decides nothing.
    Password,
    /// Identity v2.0's: a sign of Cloud Load Balancers, whose sign-in never read OS_AUTH_TYPE.
    V2Password,
}

/// The backend chosen, why, and the variables read to choose it (read once, so a carriage
/// return in one is warned about once).
pub(super) struct Choice {
    pub kind: Service,
    /// Why: `-backend octavia`, `OS_AUTH_URL ends in /v3`, ...; None for Cloud Load Balancers
    /// chosen by default, whose log stays what it has always been.
    pub why: Option<String>,
    pub auth_url: Option<String>,
    pub auth_type: Option<AuthType>,
}

/// The variables only Keystone v3 has (Identity v2.0 knows no domains, projects by these
/// names or application credentials), in the order the log names the first one set.
/// OS_DEFAULT_DOMAIN is not one: the openstack CLI's own default, it may sit in any profile.
pub(super) const V3_ONLY: &[&str] = &[
    "OS_PROJECT_NAME",
    "OS_PROJECT_ID",
    "OS_USER_DOMAIN_NAME",
    "OS_USER_DOMAIN_ID",
    "OS_PROJECT_DOMAIN_NAME",
    "OS_PROJECT_DOMAIN_ID",
    "OS_APPLICATION_CREDENTIAL_ID",
    "OS_APPLICATION_CREDENTIAL_NAME",
    "OS_APPLICATION_CREDENTIAL_SECRET",
];

/// `-backend` wins; else the identity API the variables name: Keystone v3 means Octavia,
/// Identity v2.0 (or nothing said) means Cloud Load Balancers.
pub(super) fn choose(
    flag: Option<Service>,
    var: &Var,
    cloud: Option<&str>,
) -> Result<Choice, Error> {
    let auth_url = var("OS_AUTH_URL")?;
    // -backend clb: nothing else is read, so a stray OpenStack variable cannot fail a CLB run.
    let auth_type = match flag {
        Some(Service::Clb) => None,
        _ => var("OS_AUTH_TYPE")?
            .map(|v| parse_auth_type(&v))
            .transpose()?,
    };
    let version = match flag {
        Some(_) => None,
        None => var("OS_IDENTITY_API_VERSION")?,
    };
    // Only beside an OS_AUTH_URL, which a CLB environment never needs.
    let mut v3_only = None;
    if flag.is_none() && auth_url.is_some() {
        for name in V3_ONLY {
            if var(name)?.is_some() {
                v3_only = Some(*name);
                break;
            }
        }
    }
    let signs = Signs {
        cloud,
        auth_url: auth_url.as_deref(),
        version: version.as_deref(),
        auth_type,
        v3_only,
    };
    let (kind, why) = decide(flag, &signs)?;
    Ok(Choice {
        kind,
        why,
        auth_url,
        auth_type,
    })
}

impl Choice {
    /// The line for the log: which backend, and why.
    pub fn note(&self) -> Option<String> {
        let name = match self.kind {
            Service::Clb => "Rackspace Cloud Load Balancers",
            Service::Octavia => "OpenStack Octavia",
        };
        Some(format!("Using {name}: {}", self.why.as_deref()?))
    }

    /// Octavia chosen by a variable, not by -backend: the variable's word, for an error that
    /// a CLB user with a stray /v3 URL would otherwise not understand.
    pub fn octavia_by_environment(&self) -> Option<&str> {
        let why = self.why.as_deref()?;
        (self.kind == Service::Octavia && !why.starts_with('-')).then_some(why)
    }
}

/// What the variables say of the identity API, as read for `decide`.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Signs<'a> {
    /// A clouds.yaml cloud, as named: `OS_CLOUD names cloud 'web'`, `-cloud web`.
    pub cloud: Option<&'a str>,
    pub auth_url: Option<&'a str>,
    /// OS_IDENTITY_API_VERSION.
    pub version: Option<&'a str>,
    pub auth_type: Option<AuthType>,
    /// The first of `V3_ONLY` set, read only beside an OS_AUTH_URL.
    pub v3_only: Option<&'a str>,
}

/// The choice itself, from the values read: the backend and why. A variable only Keystone v3
/// has is a weaker sign than the others: it chooses Octavia only beside an OS_AUTH_URL and
/// when nothing points to Identity v2.0, so a CLB environment with a stray one stays CLB.
pub(super) fn decide(
    flag: Option<Service>,
    signs: &Signs,
) -> Result<(Service, Option<String>), Error> {
    match flag {
        Some(Service::Clb) => return Ok((Service::Clb, Some("-backend clb".into()))),
        Some(Service::Octavia) => return Ok((Service::Octavia, Some("-backend octavia".into()))),
        None => {}
    }
    let Signs {
        cloud,
        auth_url,
        version,
        auth_type,
        v3_only,
    } = *signs;
    // A cloud of clouds.yaml is OpenStack's by definition, the strongest sign there is.
    let mut v3: Vec<String> = cloud.map(str::to_string).into_iter().collect();
    let mut v2 = Vec::new();
    if let Some(url) = auth_url {
        let url = url.trim().trim_end_matches('/');
        if url.ends_with("/v3") {
            v3.push("OS_AUTH_URL ends in /v3".to_string());
        } else if url.ends_with("/v2.0") {
            v2.push("OS_AUTH_URL ends in /v2.0".to_string());
        }
    }
    if let Some(v) = version {
        match v.trim() {
            "3" | "3.0" => v3.push(format!("OS_IDENTITY_API_VERSION is {}", v.trim())),
            "2" | "2.0" => v2.push(format!("OS_IDENTITY_API_VERSION is {}", v.trim())),
            _ => {
                return Err(Error::Usage(format!(
                    "OS_IDENTITY_API_VERSION '{}' is neither 3 (Keystone v3, for Octavia) nor 2.0 (Identity v2.0, for Cloud Load Balancers): set 3 or 2.0, or unset it",
                    printable(v)
                )));
            }
        }
    }
    match auth_type {
        Some(AuthType::V3Password) => v3.push("OS_AUTH_TYPE is v3password".into()),
        Some(AuthType::V3AppCredential) => {
            v3.push("OS_AUTH_TYPE is v3applicationcredential".into());
        }
        Some(AuthType::V2Password) => v2.push("OS_AUTH_TYPE is v2password".into()),
        Some(AuthType::Password) | None => {}
    }
    match (v3.first(), v2.first()) {
        (Some(three), Some(two)) => Err(Error::Usage(format!(
            "{three} (Keystone v3, for Octavia) but {two} (Identity v2.0, for Cloud Load Balancers): correct the one that is wrong, or choose with -backend octavia or -backend clb"
        ))),
        (Some(three), None) => Ok((Service::Octavia, Some(three.clone()))),
        (None, None)
            if auth_url.is_some()
                && let Some(name) = v3_only =>
        {
            Ok((
                Service::Octavia,
                Some(format!("{name} is set, which only Keystone v3 has")),
            ))
        }
        (None, _) => Ok((Service::Clb, None)),
    }
}

/// `-backend`, if given.
pub(super) fn backend_flag(args: &Args) -> Result<Option<Service>, Error> {
    args.backend.as_deref().map(parse_backend).transpose()
}

fn parse_backend(v: &str) -> Result<Service, Error> {
    match v.trim().to_ascii_lowercase().as_str() {
        "clb" => Ok(Service::Clb),
        "octavia" => Ok(Service::Octavia),
        _ => Err(Error::Usage(format!(
            "-backend '{}' is neither clb nor octavia: give -backend clb (Rackspace Cloud Load Balancers) or -backend octavia (OpenStack, e.g. Rackspace OpenStack Flex)",
            printable(v)
        ))),
    }
}

fn parse_auth_type(v: &str) -> Result<AuthType, Error> {
    match v.trim().to_ascii_lowercase().as_str() {
        "v3password" => Ok(AuthType::V3Password),
        "v3applicationcredential" => Ok(AuthType::V3AppCredential),
        "password" => Ok(AuthType::Password),
        "v2password" => Ok(AuthType::V2Password),
        _ => Err(Error::Usage(format!(
            "OS_AUTH_TYPE '{}' is not supported: peekaboo signs in with v3password or v3applicationcredential (Octavia), or v2password (Cloud Load Balancers); set one of those, or unset it",
            printable(v)
        ))),
    }
}
