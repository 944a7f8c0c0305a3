//! How to get a Keystone token, from an openrc file's variables: a password or an application
//! credential, each user, project and domain by id or by name, as the openstack CLI reads them.

use super::FLEX_DOMAIN;
use crate::backend::Secret;
use crate::backend::octavia::{AppCredential, Auth, Domain, Named};
use crate::cli::config::choice::{AuthType, Choice};
use crate::cli::config::{Missing, Var};
use crate::error::Error;

/// How to get a Keystone token: OS_AUTH_TYPE says, else an application credential's
/// variables being set do, else the password. Each missing piece is named with its fix.
pub(in crate::cli::config) fn auth(
    var: &Var,
    missing: &Missing,
    choice: &Choice,
    notes: &mut Vec<String>,
) -> Result<Auth, Error> {
    let app_vars = [
        "OS_APPLICATION_CREDENTIAL_ID",
        "OS_APPLICATION_CREDENTIAL_NAME",
        "OS_APPLICATION_CREDENTIAL_SECRET",
    ];
    let app = match choice.auth_type {
        Some(AuthType::V3AppCredential) => true,
        Some(AuthType::V3Password | AuthType::Password) => false,
        Some(AuthType::V2Password) => {
            return Err(Error::Usage(
                "OS_AUTH_TYPE v2password is Identity v2.0, which Octavia does not use: set OS_AUTH_TYPE=v3password, or unset it".into(),
            ));
        }
        None => {
            let mut any = false;
            for name in app_vars {
                any |= var(name)?.is_some();
            }
            any
        }
    };
    if app {
        app_credential(var, missing, notes)
    } else {
        password(var, missing, choice, notes)
    }
}

fn password(
    var: &Var,
    missing: &Missing,
    choice: &Choice,
    notes: &mut Vec<String>,
) -> Result<Auth, Error> {
    let mut defaults = Defaults::default();
    let user = user(var, &mut defaults, notes)?.ok_or_else(|| {
        Error::Usage(format!(
            "{}: export your OpenStack user name (or OS_USER_ID); on Rackspace OpenStack Flex, your Rackspace user name",
            missing("OS_USERNAME")
        ))
    })?;
    let password = var("OS_PASSWORD")?.map(Secret).ok_or_else(|| {
        Error::Usage(format!(
            "{}: export your OpenStack password (on Rackspace OpenStack Flex, your API key works too), ideally from an EnvironmentFile",
            missing("OS_PASSWORD")
        ))
    })?;
    let project = if let Some(id) = var("OS_PROJECT_ID")? {
        Named::Id(id)
    } else if let Some(name) = var("OS_PROJECT_NAME")? {
        let flex_user =
            matches!(&user, Named::Name { domain: Domain::Name(d), .. } if d == FLEX_DOMAIN);
        let domain = match domain(var, "PROJECT")? {
            Some(d) => d,
            // On Flex a project is in the users' domain, never in `default`: say so now
            // rather than let Keystone refuse the sign-in without saying why.
            None if flex_user && defaults.get(var)?.is_none() => {
                return Err(Error::Usage(format!(
                    "OS_PROJECT_NAME is set but no project domain: set OS_PROJECT_DOMAIN_NAME (on Flex: {FLEX_DOMAIN})"
                )));
            }
            None => defaults.domain(var, "project", &name, notes)?,
        };
        Named::Name { name, domain }
    } else {
        // What a CLB environment with a /v3 URL meets first: say why Octavia's rules apply.
        let why = choice.octavia_by_environment().map_or_else(String::new, |why| {
            format!(" (Octavia, since {why}: for Rackspace Cloud Load Balancers give the Identity v2.0 OS_AUTH_URL, or -backend clb)")
        });
        return Err(Error::Usage(format!(
            "no project: set OS_PROJECT_ID, or OS_PROJECT_NAME with OS_PROJECT_DOMAIN_NAME (on Rackspace OpenStack Flex: <account number>_Flex in rackspace_cloud_domain); Octavia needs a project-scoped token{why}"
        )));
    };
    Ok(Auth::Password {
        user,
        password,
        project: Some(project),
    })
}

fn app_credential(var: &Var, missing: &Missing, notes: &mut Vec<String>) -> Result<Auth, Error> {
    let secret = var("OS_APPLICATION_CREDENTIAL_SECRET")?
        .map(Secret)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{}: export the secret shown when the application credential was created",
                missing("OS_APPLICATION_CREDENTIAL_SECRET")
            ))
        })?;
    let credential = if let Some(id) = var("OS_APPLICATION_CREDENTIAL_ID")? {
        AppCredential::Id(id)
    } else if let Some(name) = var("OS_APPLICATION_CREDENTIAL_NAME")? {
        let user = user(var, &mut Defaults::default(), notes)?.ok_or_else(|| {
            Error::Usage(
                "OS_APPLICATION_CREDENTIAL_NAME needs the user it belongs to: set OS_USERNAME (or OS_USER_ID), or name the credential by OS_APPLICATION_CREDENTIAL_ID".into(),
            )
        })?;
        AppCredential::Name { name, user }
    } else {
        return Err(Error::Usage(
            "an application credential needs its id: set OS_APPLICATION_CREDENTIAL_ID (or OS_APPLICATION_CREDENTIAL_NAME with OS_USERNAME)".into(),
        ));
    };
    // Keystone refuses an application credential sent with a scope: its project is fixed.
    for name in ["OS_PROJECT_ID", "OS_PROJECT_NAME"] {
        if var(name)?.is_some() {
            notes.push(format!(
                "{name} is not used: an application credential signs in to the project it was created in"
            ));
            break;
        }
    }
    if var("OS_PASSWORD")?.is_some() {
        notes.push(
            "OS_PASSWORD is not used: signing in with the application credential (OS_AUTH_TYPE=v3password would use the password)".into(),
        );
    }
    Ok(Auth::AppCredential { credential, secret })
}

/// The user: OS_USER_ID wins over OS_USERNAME, as keystoneauth has it; a name is looked up in
/// its domain. None: neither is set.
fn user(
    var: &Var,
    defaults: &mut Defaults,
    notes: &mut Vec<String>,
) -> Result<Option<Named>, Error> {
    if let Some(id) = var("OS_USER_ID")? {
        return Ok(Some(Named::Id(id)));
    }
    let Some(name) = var("OS_USERNAME")? else {
        return Ok(None);
    };
    let domain = match domain(var, "USER")? {
        Some(d) => d,
        None => defaults.domain(var, "user", &name, notes)?,
    };
    Ok(Some(Named::Name { name, domain }))
}

/// OS_{USER,PROJECT}_DOMAIN_ID, else _NAME: an id wins over a name, as keystoneauth has it.
fn domain(var: &Var, whose: &str) -> Result<Option<Domain>, Error> {
    if let Some(id) = var(&format!("OS_{whose}_DOMAIN_ID"))? {
        return Ok(Some(Domain::Id(id)));
    }
    Ok(var(&format!("OS_{whose}_DOMAIN_NAME"))?.map(Domain::Name))
}

/// OS_DEFAULT_DOMAIN, read once and only when a domain is missing.
#[derive(Default)]
struct Defaults(Option<Option<String>>);

impl Defaults {
    fn get(&mut self, var: &Var) -> Result<Option<String>, Error> {
        if self.0.is_none() {
            self.0 = Some(var("OS_DEFAULT_DOMAIN")?);
        }
        Ok(self.0.clone().flatten())
    }

    /// The domain for a user or project given without one: OS_DEFAULT_DOMAIN, an *id* as the
    /// openstack CLI takes it, `default` when unset. That built-in guess is told in the log,
    /// since a wrong domain is only ever answered with "authentication failed".
    fn domain(
        &mut self,
        var: &Var,
        what: &str,
        name: &str,
        notes: &mut Vec<String>,
    ) -> Result<Domain, Error> {
        match self.get(var)? {
            Some(id) => Ok(Domain::Id(id)),
            None => {
                let upper = what.to_ascii_uppercase();
                notes.push(format!(
                    "OS_{upper}_DOMAIN_NAME is not set: looking {what} {name} up in domain id 'default' (set OS_{upper}_DOMAIN_NAME or OS_DEFAULT_DOMAIN if it is elsewhere)"
                ));
                Ok(Domain::Id("default".into()))
            }
        }
    }
}
