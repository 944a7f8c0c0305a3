//! The engine's answers read: the shapes of the listing, of inspect, of an event and of
//! /version (as API 1.41 gives them, and as later versions still do), turned into the model.
//! A field the engine leaves out, sends as null or as another type reads as empty. Read
//! through `serde_json::Value`, which the binary has anyway: a typed shape per answer would
//! cost its own deserializer.

use std::collections::BTreeMap;

use serde_json::Value;

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
    fn from_event(action: &str, attributes: &Value) -> Action {
        let attribute = |key: &str| attributes[key].as_str().map(str::trim);
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

/// `v[key]` as a string; "" when it is none.
fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// An object's string values (labels, attributes) whose keys `keep` takes; values of other
/// types are passed over.
fn strings(v: &Value, keep: impl Fn(&str) -> bool) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in v.as_object().into_iter().flatten() {
        if let Some(v) = v.as_str().filter(|_| keep(k)) {
            out.insert(k.clone(), v.to_string());
        }
    }
    out
}

/// A container's id, which every answer about one has.
fn id_of(v: &Value, what: &str) -> Result<String, String> {
    match text(v, "Id") {
        "" => Err(format!(
            "{what} with no Id: {}",
            excerpt(v.to_string().as_bytes())
        )),
        id => Ok(id.to_string()),
    }
}

/// The listing's body.
pub(in crate::docker) fn summaries(body: &[u8]) -> Result<Vec<Summary>, String> {
    let list = json(body, "the container list")?;
    let Some(list) = list.as_array() else {
        return Err(format!("the container list is no list: {}", excerpt(body)));
    };
    (list.iter())
        .map(|c| {
            let names: Vec<&str> = (c["Names"].as_array().into_iter().flatten())
                .filter_map(Value::as_str)
                .collect();
            Ok(Summary {
                id: id_of(c, "a listed container")?,
                name: primary_name(&names),
                state: State::from_word(text(c, "State")),
                labels: strings(&c["Labels"], |_| true),
            })
        })
        .collect()
}

/// The container's own name among its names: a legacy link adds names like
/// "/other/alias", which have a second '/'.
fn primary_name(names: &[&str]) -> String {
    let own = names
        .iter()
        .find(|n| !n.trim_start_matches('/').contains('/'));
    own.or(names.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default()
}

/// Inspect's body.
pub(in crate::docker) fn container(body: &[u8]) -> Result<Container, String> {
    let c = json(body, "the container")?;
    let name = text(&c, "Name").trim_start_matches('/').to_string();
    let (state, config) = (&c["State"], &c["Config"]);
    let stop_signal = match text(config, "StopSignal").trim() {
        "" => 15,
        s => signal_number(s)
            .ok_or_else(|| format!("container {name}: StopSignal {s:?} names no signal"))?,
    };
    // "80/tcp" -> its bindings (null when the port is exposed but not published).
    let ports = c["NetworkSettings"]["Ports"]
        .as_object()
        .into_iter()
        .flatten();
    let mut published_tcp: Vec<u16> = Vec::new();
    let bound = (ports.filter(|(port, _)| port.ends_with("/tcp")))
        .flat_map(|(_, bindings)| bindings.as_array().into_iter().flatten());
    for port in bound.filter_map(|b| text(b, "HostPort").trim().parse().ok()) {
        // In order, each once (a port is bound for IPv4 and IPv6 alike).
        if let Err(at) = published_tcp.binary_search(&port) {
            published_tcp.insert(at, port);
        }
    }
    // A container created with no restart policy has the name "" (older engines) or "no".
    let restart_policy = match text(&c["HostConfig"]["RestartPolicy"], "Name").trim() {
        "" => "no",
        policy => policy,
    };
    Ok(Container {
        id: id_of(&c, "the container")?,
        state: State::from_word(text(state, "Status")),
        health: (state["Health"].is_object())
            .then(|| Health::from_word(text(&state["Health"], "Status"))),
        healthcheck: (config["Healthcheck"]["Test"][0].as_str()).is_some_and(|kind| kind != "NONE"),
        labels: strings(&config["Labels"], |_| true),
        stop_signal,
        published_tcp,
        restart_policy: restart_policy.to_string(),
        name,
    })
}

/// One line of the event stream: None for an empty line or an event not of a container.
pub(in crate::docker) fn event(line: &[u8]) -> Result<Option<Event>, String> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let e = json(line, "an event")?;
    if text(&e, "Type") != "container" {
        return Ok(None);
    }
    let actor = &e["Actor"];
    let id = text(actor, "ID");
    if id.is_empty() {
        return Err(format!("an event with no Actor.ID: {}", excerpt(line)));
    }
    let attributes = &actor["Attributes"];
    Ok(Some(Event {
        id: id.to_string(),
        name: text(attributes, "name").to_string(),
        action: Action::from_event(text(&e, "Action"), attributes),
        labels: strings(attributes, |k| !ENGINE_ATTRIBUTES.contains(&k)),
        time: e["time"].as_i64().unwrap_or_default(),
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

pub(in crate::docker) fn version(body: &[u8]) -> Result<Version, String> {
    let v = json(body, "/version")?;
    let minor = |text: &str| -> Result<u32, String> {
        text.trim()
            .strip_prefix("1.")
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| format!("an API version peekaboo does not know: {:?}", clip(text)))
    };
    Ok(Version {
        version: text(&v, "Version").to_string(),
        api: minor(text(&v, "ApiVersion"))?,
        min_api: match text(&v, "MinAPIVersion") {
            "" => 0,
            text => minor(text)?,
        },
    })
}

/// An error answer's message as one line: `{"message": …}`, else the text itself.
pub(in crate::docker) fn message(body: &[u8]) -> String {
    let said = serde_json::from_slice::<Value>(body).ok();
    let text = match said.as_ref().and_then(|v| v["message"].as_str()) {
        Some(m) => m.to_string(),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    let line: Vec<&str> = text.split_whitespace().collect();
    match line.join(" ") {
        line if line.is_empty() => "(no message)".into(),
        line => line.chars().take(300).collect(),
    }
}

fn json(body: &[u8], what: &str) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("{what}: {e}: {}", excerpt(body)))
}

/// The start of `body`, for a message.
fn excerpt(body: &[u8]) -> String {
    format!("{:?}", clip(&String::from_utf8_lossy(body)))
}
