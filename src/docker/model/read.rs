//! The engine's answers read: the shapes of the listing, of inspect, of an event and of
//! /version (as API 1.41 gives them, and as later versions still do), turned into the model.
//! Fields the engine leaves out or sends as null read as empty.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer};

use super::{Action, Container, Event, Health, State, Summary};
use crate::docker::signal::signal_number;
use crate::docker::wire::clip;

/// The attributes of an event that the engine adds, not the container's labels.
const ENGINE_ATTRIBUTES: &[&str] = &[
    "name",
    "image",
    "signal",
    "exitCode",
    "execDuration",
    "execID",
];

impl Action {
    fn from_event(action: &str, attributes: &BTreeMap<String, String>) -> Action {
        let attribute = |key: &str| attributes.get(key).map(|v| v.trim());
        match action {
            "create" => Action::Create,
            "start" => Action::Start,
            "kill" => Action::Kill {
                signal: attribute("signal").and_then(signal_number).unwrap_or(0),
            },
            "die" => Action::Die {
                exit_code: attribute("exitCode")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(-1),
            },
            "stop" => Action::Stop,
            "destroy" => Action::Destroy,
            "pause" => Action::Pause,
            "unpause" => Action::Unpause,
            other => match other.split_once(':') {
                Some(("health_status", status)) => Action::Health(Health::from_word(status.trim())),
                _ => Action::Other(other.to_string()),
            },
        }
    }
}

/// A null where a map, a list or a string is expected reads as empty.
fn or_empty<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireSummary {
    id: String,
    #[serde(default, deserialize_with = "or_empty")]
    names: Vec<String>,
    #[serde(default, deserialize_with = "or_empty")]
    state: String,
    #[serde(default, deserialize_with = "or_empty")]
    labels: BTreeMap<String, String>,
}

/// The listing's body.
pub(in crate::docker) fn summaries(body: &[u8]) -> Result<Vec<Summary>, String> {
    let list: Vec<WireSummary> = json(body, "the container list")?;
    Ok(list
        .into_iter()
        .map(|c| Summary {
            name: primary_name(&c.names),
            id: c.id,
            state: State::from_word(&c.state),
            labels: c.labels,
        })
        .collect())
}

/// The container's own name among its names: a legacy link adds names like
/// "/other/alias", which have a second '/'.
fn primary_name(names: &[String]) -> String {
    let own = names
        .iter()
        .find(|n| !n.trim_start_matches('/').contains('/'));
    own.or(names.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireContainer {
    id: String,
    #[serde(default, deserialize_with = "or_empty")]
    name: String,
    #[serde(default, deserialize_with = "or_empty")]
    state: WireState,
    #[serde(default, deserialize_with = "or_empty")]
    config: WireConfig,
    #[serde(default, deserialize_with = "or_empty")]
    host_config: WireHostConfig,
    #[serde(default, deserialize_with = "or_empty")]
    network_settings: WireNetwork,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireState {
    #[serde(default, deserialize_with = "or_empty")]
    status: String,
    #[serde(default)]
    health: Option<WireHealth>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireHealth {
    #[serde(default, deserialize_with = "or_empty")]
    status: String,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireConfig {
    #[serde(default, deserialize_with = "or_empty")]
    labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "or_empty")]
    stop_signal: String,
    #[serde(default)]
    healthcheck: Option<WireHealthcheck>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireHealthcheck {
    #[serde(default, deserialize_with = "or_empty")]
    test: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireHostConfig {
    #[serde(default, deserialize_with = "or_empty")]
    restart_policy: WirePolicy,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WirePolicy {
    #[serde(default, deserialize_with = "or_empty")]
    name: String,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireNetwork {
    /// "80/tcp" -> its bindings (null when the port is exposed but not published).
    #[serde(default, deserialize_with = "or_empty")]
    ports: BTreeMap<String, Option<Vec<WireBinding>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireBinding {
    #[serde(default, deserialize_with = "or_empty")]
    host_port: String,
}

/// Inspect's body.
pub(in crate::docker) fn container(body: &[u8]) -> Result<Container, String> {
    let c: WireContainer = json(body, "the container")?;
    let name = c.name.trim_start_matches('/').to_string();
    let stop_signal = match c.config.stop_signal.trim() {
        "" => 15,
        s => signal_number(s)
            .ok_or_else(|| format!("container {name}: StopSignal {s:?} names no signal"))?,
    };
    let published_tcp: BTreeSet<u16> = (c.network_settings.ports.iter())
        .filter(|(port, _)| port.ends_with("/tcp"))
        .flat_map(|(_, bindings)| bindings.iter().flatten())
        .filter_map(|b| b.host_port.trim().parse().ok())
        .collect();
    // A container created with no restart policy has the name "" (older engines) or "no".
    let restart_policy = match c.host_config.restart_policy.name.trim() {
        "" => "no".to_string(),
        policy => policy.to_string(),
    };
    Ok(Container {
        id: c.id,
        state: State::from_word(&c.state.status),
        health: c.state.health.map(|h| Health::from_word(&h.status)),
        healthcheck: (c.config.healthcheck.as_ref())
            .and_then(|h| h.test.first())
            .is_some_and(|kind| kind != "NONE"),
        labels: c.config.labels,
        stop_signal,
        published_tcp: published_tcp.into_iter().collect(),
        restart_policy,
        name,
    })
}

#[derive(Deserialize)]
struct WireEvent {
    #[serde(rename = "Type", default, deserialize_with = "or_empty")]
    kind: String,
    #[serde(rename = "Action", default, deserialize_with = "or_empty")]
    action: String,
    #[serde(rename = "Actor", default, deserialize_with = "or_empty")]
    actor: WireActor,
    #[serde(default)]
    time: i64,
}

#[derive(Default, Deserialize)]
struct WireActor {
    #[serde(rename = "ID", default, deserialize_with = "or_empty")]
    id: String,
    #[serde(rename = "Attributes", default, deserialize_with = "or_empty")]
    attributes: BTreeMap<String, String>,
}

/// One line of the event stream: None for an empty line or an event not of a container.
pub(in crate::docker) fn event(line: &[u8]) -> Result<Option<Event>, String> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let e: WireEvent = json(line, "an event")?;
    if e.kind != "container" {
        return Ok(None);
    }
    if e.actor.id.is_empty() {
        return Err(format!("an event with no Actor.ID: {}", excerpt(line)));
    }
    let action = Action::from_event(&e.action, &e.actor.attributes);
    let mut labels = e.actor.attributes;
    let name = labels.remove("name").unwrap_or_default();
    labels.retain(|k, _| !ENGINE_ATTRIBUTES.contains(&k.as_str()));
    Ok(Some(Event {
        id: e.actor.id,
        name,
        action,
        time: e.time,
        labels,
    }))
}

/// /version's answer: the engine's version and the API versions it speaks.
#[derive(Debug, PartialEq)]
pub(in crate::docker) struct Version {
    pub version: String,
    /// The newest API version's minor number.
    pub api: u32,
    /// The oldest's (0 when the engine does not say).
    pub min_api: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireVersion {
    #[serde(default, deserialize_with = "or_empty")]
    version: String,
    api_version: String,
    #[serde(rename = "MinAPIVersion", default, deserialize_with = "or_empty")]
    min_api_version: String,
}

pub(in crate::docker) fn version(body: &[u8]) -> Result<Version, String> {
    let v: WireVersion = json(body, "/version")?;
    let minor = |text: &str| -> Result<u32, String> {
        text.trim()
            .strip_prefix("1.")
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| format!("an API version peekaboo does not know: {:?}", clip(text)))
    };
    Ok(Version {
        version: v.version,
        api: minor(&v.api_version)?,
        min_api: match v.min_api_version.as_str() {
            "" => 0,
            text => minor(text)?,
        },
    })
}

/// An error answer's message as one line: `{"message": …}`, else the text itself.
pub(in crate::docker) fn message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct WireMessage {
        message: String,
    }
    let text = match serde_json::from_slice::<WireMessage>(body) {
        Ok(m) => m.message,
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let line: Vec<&str> = text.split_whitespace().collect();
    match line.join(" ") {
        line if line.is_empty() => "(no message)".into(),
        line => line.chars().take(300).collect(),
    }
}

fn json<'a, T: Deserialize<'a>>(body: &'a [u8], what: &str) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("{what}: {e}: {}", excerpt(body)))
}

/// The start of `body`, for a message.
fn excerpt(body: &[u8]) -> String {
    format!("{:?}", clip(&String::from_utf8_lossy(body)))
}
