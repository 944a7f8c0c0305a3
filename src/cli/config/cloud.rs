//! clouds.yaml: the cloud OS_CLOUD (or -cloud) names, found where openstacksdk looks, with
//! secure.yaml merged over it key by key, and its keys read as the OS_* variables they stand
//! for, so the rest of the configuration reads one set of names. The variables themselves win
//! over the file, as the openstack CLI's options do.

use std::path::{Path, PathBuf};

use crate::cli::args::Args;
use crate::cli::config::Var;
use crate::cli::config::choice::Service;
use crate::error::Error;
use read::{cloud_in, clouds_in, read_cloud};

mod read;

/// How a file is read: the real filesystem, or a table in tests.
pub(super) type ReadFile<'a> = dyn Fn(&Path) -> std::io::Result<String> + 'a;

/// The largest clouds.yaml read: the YAML reader's own limit.
const LARGEST: usize = crate::yaml::MAX_BYTES;

/// Each key peekaboo reads from a cloud, and the variable it stands for.
const KEYS: &[(&str, &str)] = &[
    ("auth.auth_url", "OS_AUTH_URL"),
    ("auth.username", "OS_USERNAME"),
    ("auth.user_id", "OS_USER_ID"),
    ("auth.password", "OS_PASSWORD"),
    ("auth.project_name", "OS_PROJECT_NAME"),
    ("auth.project_id", "OS_PROJECT_ID"),
    ("auth.user_domain_name", "OS_USER_DOMAIN_NAME"),
    ("auth.user_domain_id", "OS_USER_DOMAIN_ID"),
    ("auth.project_domain_name", "OS_PROJECT_DOMAIN_NAME"),
    ("auth.project_domain_id", "OS_PROJECT_DOMAIN_ID"),
    (
        "auth.application_credential_id",
        "OS_APPLICATION_CREDENTIAL_ID",
    ),
    (
        "auth.application_credential_name",
        "OS_APPLICATION_CREDENTIAL_NAME",
    ),
    (
        "auth.application_credential_secret",
        "OS_APPLICATION_CREDENTIAL_SECRET",
    ),
    ("auth_type", "OS_AUTH_TYPE"),
    ("region_name", "OS_REGION_NAME"),
    ("interface", "OS_INTERFACE"),
    ("identity_api_version", "OS_IDENTITY_API_VERSION"),
    ("cacert", "OS_CACERT"),
];

/// `domain_name`/`domain_id` stand in for a user's and a project's domain given neither way,
/// as openstacksdk reads them.
const DOMAIN_DEFAULTS: &[(&str, &str, &str)] = &[
    ("OS_USER_DOMAIN_ID", "OS_USER_DOMAIN_NAME", "auth.domain_id"),
    (
        "OS_USER_DOMAIN_NAME",
        "OS_USER_DOMAIN_ID",
        "auth.domain_name",
    ),
    (
        "OS_PROJECT_DOMAIN_ID",
        "OS_PROJECT_DOMAIN_NAME",
        "auth.domain_id",
    ),
    (
        "OS_PROJECT_DOMAIN_NAME",
        "OS_PROJECT_DOMAIN_ID",
        "auth.domain_name",
    ),
];

/// One value read from a cloud: its key (`auth.password`) and the value.
#[derive(Clone, Debug, PartialEq)]
struct Setting {
    key: String,
    value: String,
}

/// The cloud named, as read.
#[derive(Debug)]
pub(super) struct Cloud {
    pub name: String,
    /// The clouds.yaml it came from, and the secure.yaml merged over it, if any.
    pub file: PathBuf,
    pub secure: Option<PathBuf>,
    settings: Vec<Setting>,
    /// `region_name` and the names in `regions`, in order.
    regions: Vec<String>,
}

impl Cloud {
    /// The value of variable `name` the cloud gives, if it gives one.
    pub fn get(&self, name: &str) -> Option<String> {
        if name == "OS_REGION_NAME" {
            return self.regions.first().cloned();
        }
        // The last of a key wins (secure.yaml's over clouds.yaml's); blank is unset, as for
        // a variable.
        let key = |k: &str| {
            self.settings
                .iter()
                .rev()
                .find(|s| s.key == k)
                .map(|s| s.value.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if let Some((k, _)) = KEYS.iter().find(|(_, v)| *v == name)
            && let Some(value) = key(k)
        {
            return Some(value);
        }
        // The domain's other spelling wins over the catch-all `domain_*`.
        let (_, other, fallback) = DOMAIN_DEFAULTS.iter().find(|(v, ..)| *v == name)?;
        let other_key = KEYS.iter().find(|(_, v)| v == other)?.0;
        match key(other_key) {
            Some(_) => None,
            None => key(fallback),
        }
    }

    /// The key variable `name` stands for in a cloud, for messages.
    pub fn key_for(name: &str) -> Option<&'static str> {
        KEYS.iter().find(|(_, v)| *v == name).map(|(k, _)| *k)
    }

    /// Where the cloud was read from, for the log and for messages.
    pub fn source(&self) -> String {
        match &self.secure {
            Some(s) => format!("{} (with {})", self.file.display(), s.display()),
            None => self.file.display().to_string(),
        }
    }

    /// A region given by the user must be one the cloud has, as the openstack CLI checks.
    pub fn check_region(&self, given: &str, what: &str) -> Result<(), Error> {
        if self.regions.is_empty() || self.regions.iter().any(|r| r.eq_ignore_ascii_case(given)) {
            return Ok(());
        }
        Err(Error::Usage(format!(
            "{what} '{given}' is not a region of cloud '{}' ({}): it has {}; set {what} to one of them, or unset it",
            self.name,
            self.file.display(),
            self.regions.join(", ")
        )))
    }
}

/// The cloud asked for, and who asked: `-cloud`, else OS_CLOUD. With `-backend clb`, which
/// reads no OpenStack variable, OS_CLOUD is not read, and `-cloud` is a contradiction.
pub(super) fn asked(
    args: &Args,
    var: &Var,
    backend: Option<Service>,
) -> Result<Option<(String, &'static str)>, Error> {
    match (&args.cloud, backend) {
        (Some(_), Some(Service::Clb)) => Err(Error::Usage(
            "-cloud names an OpenStack cloud, and -backend clb asks for Rackspace Cloud Load Balancers: drop one of them".into(),
        )),
        (Some(name), _) => Ok(Some((name.trim().to_string(), "-cloud"))),
        (None, Some(Service::Clb)) => Ok(None),
        (None, _) => Ok(var("OS_CLOUD")?.map(|n| (n.trim().to_string(), "OS_CLOUD"))),
    }
}

/// The files to look in, first found wins: the variable's, `./NAME`,
/// `$XDG_CONFIG_HOME/openstack/NAME` (`~/.config` when unset), `/etc/openstack/NAME`.
fn search(var: &Var, name: &str, variable: &str) -> Result<Vec<PathBuf>, Error> {
    let mut paths = Vec::new();
    if let Some(p) = var(variable)? {
        paths.push(PathBuf::from(p));
    }
    paths.push(PathBuf::from(".").join(name));
    let config = match var("XDG_CONFIG_HOME")? {
        Some(d) => Some(PathBuf::from(d)),
        None => var("HOME")?.map(|h| PathBuf::from(h).join(".config")),
    };
    if let Some(d) = config {
        paths.push(d.join("openstack").join(name));
    }
    paths.push(PathBuf::from("/etc/openstack").join(name));
    Ok(paths)
}

/// The first of `paths` that exists, and its text. A file that exists but cannot be read is
/// an error naming it: looking further would read a file the user did not mean.
fn first(paths: &[PathBuf], read: &ReadFile) -> Result<Option<(PathBuf, String)>, Error> {
    for p in paths {
        match read(p) {
            Ok(text) if text.len() > LARGEST => {
                return Err(Error::Usage(format!(
                    "{} is over 1 MiB, which no clouds.yaml is: point OS_CLIENT_CONFIG_FILE at the right file",
                    p.display()
                )));
            }
            Ok(text) => return Ok(Some((p.clone(), text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::Usage(format!(
                    "cannot read {}: {e}: make it readable, or set OS_* variables instead of OS_CLOUD",
                    p.display()
                )));
            }
        }
    }
    Ok(None)
}

/// The cloud `name`, from the first clouds.yaml found, with the first secure.yaml found
/// merged over it.
pub(super) fn load(name: &str, var: &Var, read: &ReadFile) -> Result<Cloud, Error> {
    let paths = search(var, "clouds.yaml", "OS_CLIENT_CONFIG_FILE")?;
    let Some((file, text)) = first(&paths, read)? else {
        let looked: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Usage(format!(
            "cloud '{name}' was asked for (OS_CLOUD or -cloud), but no clouds.yaml was found: looked at {}; write one there, point OS_CLIENT_CONFIG_FILE at yours, or unset OS_CLOUD and use OS_* variables",
            looked.join(", ")
        )));
    };
    let Some(node) = cloud_in(&file, &text, name)? else {
        let names = clouds_in(&file, &text)?;
        return Err(Error::Usage(format!(
            "cloud '{name}' is not in {}, which holds {}: set OS_CLOUD (or -cloud) to one of them",
            file.display(),
            if names.is_empty() {
                "no cloud".into()
            } else {
                names.join(", ")
            }
        )));
    };
    let shown = file.display().to_string();
    let (mut settings, mut regions) = read_cloud(&node, &shown, name)?;
    let secure_paths = search(var, "secure.yaml", "OS_CLIENT_SECURE_FILE")?;
    let mut secure = None;
    if let Some((path, text)) = first(&secure_paths, read)?
        && let Some(node) = cloud_in(&path, &text, name)?
    {
        let (more, more_regions) = read_cloud(&node, &path.display().to_string(), name)?;
        // Key by key: what secure.yaml gives replaces what clouds.yaml gave.
        settings.extend(more);
        if !more_regions.is_empty() {
            regions = more_regions;
        }
        secure = Some(path);
    }
    Ok(Cloud {
        name: name.to_string(),
        file,
        secure,
        settings,
        regions,
    })
}

#[cfg(test)]
mod tests;
