//! What Keystone's refusal of a token request means, in words. Keystone's 401 says nothing on
//! purpose, so a refusal shows what was sent (never the password or the secret) and the
//! variables that said so; a 404 with Keystone's error object names what was not found. Pure,
//! table-tested in `refusal/tests.rs`.

use std::time::Duration;

use serde_json::Value;

use super::super::api::message;
use super::super::{AppCredential, Auth, Domain, Named};
use super::EXAMPLE_AUTH_URL;
use crate::backend::ApiError;
use crate::backend::answer::{one_line, retry_after};
use crate::backend::http::{Reply, host_of};
use crate::error::Error;
use crate::time::format_seconds;

/// Keystone's production 401 text: it says nothing, so the error says what to check instead.
const GENERIC_401: &str = "The request you have made requires authentication.";

/// How long Flex is given to reach Rackspace Identity again after it answered 401.
pub const FLEX_PAUSE: Duration = Duration::from_secs(3);

/// The domain Flex hands to Rackspace Identity, when a user's domain is named so.
const FLEX_DOMAIN: &str = "rackspace_cloud_domain";

/// Whether a 401 may be Flex's word for trouble upstream, and whether it was said already.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Upstream {
    /// Not a sign-in Flex hands to Rackspace Identity: a 401 is final at once.
    None,
    /// One that is, refused by no earlier try: a 401 is tried again after `FLEX_PAUSE`.
    FirstTry,
    /// One that is, refused this long ago by the try before: this 401 is final.
    RefusedBefore(Duration),
}

/// Whether a sign-in to `auth_url` with `auth` goes through Rackspace Identity: a password
/// sign-in on a Flex Keystone (`*.rackspacecloud.com`) by a user whose domain is named
/// `rackspace_cloud_domain`. Flex's plugin turns a timeout or a connection error there into
/// the same 401 as a wrong password; its other sign-ins never leave Keystone.
pub fn via_rackspace(auth_url: &str, auth: &Auth) -> bool {
    let rackspace_user = matches!(
        auth,
        Auth::Password { user: Named::Name { domain: Domain::Name(d), .. }, .. } if d == FLEX_DOMAIN
    );
    rackspace_user && is_flex(auth_url)
}

fn is_flex(url: &str) -> bool {
    host_of(url).is_some_and(|h| h.to_ascii_lowercase().ends_with(".rackspacecloud.com"))
}

/// What a sign-in sent, in words, and the variables that said so.
#[derive(Debug, Default)]
struct Sent {
    /// `user 'peek' in domain 'Default'`, `application credential 'x' of user id 'u'`.
    who: String,
    method: &'static str,
    /// ` for project 'web' in domain 'Default'`, ` for project id 'p1'`; empty without one.
    project: String,
    /// Every variable to check, in the order they are named.
    check: Vec<&'static str>,
    /// The variables of each kind of thing Keystone may not find.
    credential: Vec<&'static str>,
    user: Vec<&'static str>,
    scope: Vec<&'static str>,
    domains: Vec<&'static str>,
    /// A domain was sent by an id that is `default` in another case.
    odd_default: bool,
}

impl Sent {
    fn of(auth: &Auth) -> Sent {
        let mut s = Sent::default();
        match auth {
            Auth::Password { user, project, .. } => {
                s.method = "password";
                s.who = s.user(user);
                let api_key =
                    matches!(user, Named::Name { domain: Domain::Name(d), .. } if d == FLEX_DOMAIN);
                s.check.push(if api_key {
                    "OS_PASSWORD (the API key or the password)"
                } else {
                    "OS_PASSWORD"
                });
                if let Some(project) = project {
                    s.project = s.scope(project);
                }
            }
            Auth::AppCredential { credential, .. } => {
                s.method = "application credential";
                let (var, who) = match credential {
                    AppCredential::Id(id) => ("OS_APPLICATION_CREDENTIAL_ID", format!("'{id}'")),
                    AppCredential::Name { name, .. } => {
                        ("OS_APPLICATION_CREDENTIAL_NAME", format!("'{name}'"))
                    }
                };
                s.credential.push(var);
                s.check.extend([var, "OS_APPLICATION_CREDENTIAL_SECRET"]);
                s.who = format!("application credential {who}");
                if let AppCredential::Name { user, .. } = credential {
                    let owner = s.user(user);
                    s.who += &format!(" of {owner}");
                }
            }
        }
        s
    }

    /// The user in words; its variables noted.
    fn user(&mut self, n: &Named) -> String {
        match n {
            Named::Id(id) => {
                self.user.push("OS_USER_ID");
                self.check.push("OS_USER_ID");
                format!("user id '{id}'")
            }
            Named::Name { name, domain } => {
                let (d, var) = self.domain(domain, "OS_USER_DOMAIN_ID", "OS_USER_DOMAIN_NAME");
                self.user.extend(["OS_USERNAME", var]);
                self.check.extend(["OS_USERNAME", var]);
                format!("user '{name}' in {d}")
            }
        }
    }

    /// The project scope in words, as it follows the user; its variables noted.
    fn scope(&mut self, n: &Named) -> String {
        match n {
            Named::Id(id) => {
                self.scope.push("OS_PROJECT_ID");
                self.check.push("OS_PROJECT_ID");
                format!(" for project id '{id}'")
            }
            Named::Name { name, domain } => {
                let (d, var) =
                    self.domain(domain, "OS_PROJECT_DOMAIN_ID", "OS_PROJECT_DOMAIN_NAME");
                self.scope.extend(["OS_PROJECT_NAME", var]);
                self.check.extend(["OS_PROJECT_NAME", var]);
                format!(" for project '{name}' in {d}")
            }
        }
    }

    fn domain(
        &mut self,
        d: &Domain,
        by_id: &'static str,
        by_name: &'static str,
    ) -> (String, &'static str) {
        let (words, var) = match d {
            Domain::Id(id) => {
                // Keystone's ids are case-sensitive, and `Default` is the default domain's name.
                self.odd_default |= id.eq_ignore_ascii_case("default") && id != "default";
                (format!("domain id '{id}'"), by_id)
            }
            Domain::Name(name) => (format!("domain '{name}'"), by_name),
        };
        self.domains.push(var);
        (words, var)
    }

    /// The variables that name what Keystone could not find (`Application Credential`,
    /// `User`, `Project`, `Domain`, as its 404 says), else every one sent.
    fn naming(&self, kind: &str) -> &[&'static str] {
        let found = match kind.to_ascii_lowercase().as_str() {
            "application credential" => &self.credential,
            "user" => &self.user,
            "project" => &self.scope,
            "domain" => &self.domains,
            _ => &self.check,
        };
        if found.is_empty() { &self.check } else { found }
    }
}

/// "A", "A and B", "A, B and C".
fn listed(vars: &[&str]) -> String {
    match vars {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The message of Keystone's error object when it says what Keystone could not find
/// (`{"error": {"message": "Could not find Project: …"}}`), and the kind of thing it is. An
/// error object that names nothing found says nothing of the variables: the path is blamed.
fn not_found(body: &[u8]) -> Option<(String, String)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let text = one_line(v.get("error")?.get("message")?.as_str()?);
    let kind = text
        .strip_prefix("Could not find ")?
        .split([':', '.'])
        .next()?
        .trim()
        .to_string();
    (!kind.is_empty()).then_some((text, kind))
}

/// What Keystone's refusal at `v3` means. Credentials get "authentication failed:" first, as
/// on CLB; a path that is not Keystone v3 is the configuration's fault and will not change;
/// 5xx (but 501) and rate limits are for retrying; and Flex's 401 once, after a pause.
pub fn refusal(reply: &Reply, v3: &str, auth: &Auth, upstream: Upstream) -> ApiError {
    let final_config = |m: String| ApiError::Final(Error::Config(m));
    let sent = Sent::of(auth);
    let (who, method, project) = (&sent.who, sent.method, &sent.project);
    // Keystone's own words only when they say more than "requires authentication".
    let said = message(&reply.body).filter(|m| m != GENERIC_401);
    let quoted = said.as_deref().map_or(String::new(), |m| format!(": {m}"));
    match reply.status {
        401 if reply.header("openstack-auth-receipt").is_some() => final_config(format!(
            "authentication failed: keystone at {v3} wants another factor for {who} ({method}) under its multi-factor rules: use an application credential (OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET)"
        )),
        401 if upstream == Upstream::FirstTry => ApiError::TryAgainIn(
            format!(
                "keystone at {v3} rejected {who} ({method}){project}, as Rackspace OpenStack Flex also does when it cannot reach Rackspace Identity"
            ),
            FLEX_PAUSE,
        ),
        401 => final_config(rejected(&sent, v3, auth, &quoted, upstream)),
        403 => final_config(format!(
            "authentication failed: keystone at {v3} refused {who} ({method}){project}: {}: check that the user is enabled and has a role on the project",
            said.unwrap_or_else(|| "HTTP 403".into())
        )),
        400 => final_config(format!(
            "keystone at {v3} refused the token request for {who} ({method}){project} as malformed: {}: check {}",
            said.unwrap_or_else(|| "HTTP 400".into()),
            listed(&sent.check)
        )),
        // Keystone's own 404 names what it could not find: the URL was right.
        404 if let Some((text, kind)) = not_found(&reply.body) => final_config(format!(
            "authentication failed: keystone at {v3} answered HTTP 404 \"{text}\" for {who} ({method}){project}: check {}",
            listed(sent.naming(&kind))
        )),
        // No such resource, method or feature: POST {v3}/auth/tokens is not Keystone v3.
        404 | 405 | 501 => final_config(format!(
            "POST {v3}/auth/tokens answered HTTP {}: OS_AUTH_URL must be the Keystone v3 base, e.g. {EXAMPLE_AUTH_URL}",
            reply.status
        )),
        // Keystone limits no rate of its own; a gateway in front of it may.
        429 => ApiError::RateLimited(retry_after(reply)),
        413 if reply.header("retry-after").is_some() => ApiError::RateLimited(retry_after(reply)),
        500..=599 => ApiError::Server(said.unwrap_or_else(|| format!("HTTP {}", reply.status))),
        _ => final_config(format!(
            "keystone at {v3} refused to authenticate {who} ({method}): {}",
            said.unwrap_or_else(|| format!("HTTP {}", reply.status))
        )),
    }
}

/// The final 401: what was sent, what to check, and the hints that fit it.
fn rejected(sent: &Sent, v3: &str, auth: &Auth, quoted: &str, upstream: Upstream) -> String {
    let (who, method, project) = (&sent.who, sent.method, &sent.project);
    let twice = match upstream {
        Upstream::RefusedBefore(ago) => format!(
            ", refused twice {} apart (Rackspace OpenStack Flex answers 401 also when it cannot reach Rackspace Identity, so one refusal is tried again)",
            format_seconds(ago)
        ),
        _ => String::new(),
    };
    let role = if project.is_empty() {
        ""
    } else {
        ", and that the user has a role on the project"
    };
    // Flex's Rackspace users are found only in a domain named by name: by id (which wins
    // when both are set) the login falls through to Keystone's own users.
    let by_id = matches!(
        auth,
        Auth::Password {
            user: Named::Name {
                domain: Domain::Id(_),
                ..
            },
            ..
        }
    );
    let flex = if by_id && is_flex(v3) {
        "; on Rackspace OpenStack Flex name the domain instead: unset OS_USER_DOMAIN_ID and set OS_USER_DOMAIN_NAME=rackspace_cloud_domain"
    } else {
        ""
    };
    let case = if sent.odd_default {
        "; domain ids are case-sensitive, and the default domain's id is usually lower-case 'default'"
    } else {
        ""
    };
    format!(
        "authentication failed: keystone at {v3} rejected {who} ({method}){project}{quoted}{twice}: check {}{role}{flex}{case}",
        listed(&sent.check)
    )
}

#[cfg(test)]
mod tests;
