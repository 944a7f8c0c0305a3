//! PEEKABOO_CONTAINER and PEEKABOO_CONTAINER_ID: the container a watcher is for. Only the
//! `-docker` agent sets them, in the environment of each watcher it starts, so a mistake in
//! them is the agent's (or a copied environment's) and is refused rather than guessed at.

use crate::backend::http::printable;
use crate::cli::config::Var;
use crate::engine::Container;
use crate::error::Error;

const NAME: &str = "PEEKABOO_CONTAINER";
const ID: &str = "PEEKABOO_CONTAINER_ID";
const WHO: &str = "the -docker agent sets it for each watcher it starts";

/// The container both variables name, or None when neither is set.
pub(super) fn container(var: &Var) -> Result<Option<Container>, Error> {
    match (var(NAME)?, var(ID)?) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(alone(NAME, ID)),
        (None, Some(_)) => Err(alone(ID, NAME)),
        (Some(name), Some(id)) => Ok(Some(Container {
            name: parse_name(&name)?,
            id: parse_id(&id)?,
        })),
    }
}

fn alone(set: &str, unset: &str) -> Error {
    Error::Usage(format!(
        "{set} is set without {unset}: the -docker agent sets both for each watcher it starts; set both or neither"
    ))
}

/// A name as `docker ps` shows it; the Docker API's leading `/` is dropped.
fn parse_name(v: &str) -> Result<String, Error> {
    let name = v.trim().trim_start_matches('/');
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !valid {
        return Err(Error::Usage(format!(
            "{NAME} '{}' is not a container name (a letter or digit, then letters, digits, _ . or -, as docker ps shows it): {WHO}; unset it",
            printable(v)
        )));
    }
    Ok(name.to_string())
}

/// The full id, 64 hex digits; a short one (12, as `docker ps` shows it) is taken too.
fn parse_id(v: &str) -> Result<String, Error> {
    let id = v.trim();
    if !(12..=64).contains(&id.len()) || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::Usage(format!(
            "{ID} '{}' is not a container id (12 to 64 hex digits, as docker ps --no-trunc shows it): {WHO}; unset it",
            printable(v)
        )));
    }
    Ok(id.to_ascii_lowercase())
}
