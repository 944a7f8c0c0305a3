//! What watch mode tells, at each health flip and each change: a line in the log, with -json
//! one JSON object per line on stdout, and the same in a word to systemd's STATUS=.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::core::model::{LbRef, Member};
use crate::engine::Container;
use crate::host::notify::Notifier;
use crate::log::{self, log, warn};

/// How bad an event is, for the log's level.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

pub struct Events {
    pub json: bool,
    pub notify: Notifier,
    /// Named in every event, when the -docker agent started this watcher.
    container: Option<Container>,
    /// Whether stdout failed already: said once, then no more events are printed.
    stdout_failed: bool,
}

/// One event: `kind` is the stable word -json prints (see the README), `line` the log's.
pub struct Event<'a> {
    pub kind: &'static str,
    pub lb: Option<&'a LbRef>,
    pub node: Option<&'a Member>,
    pub reason: &'a str,
    pub line: String,
}

impl Events {
    pub fn new(json: bool, notify: Notifier, container: Option<Container>) -> Events {
        Events {
            json,
            notify,
            container,
            stdout_failed: false,
        }
    }

    pub fn tell(&mut self, level: Level, e: Event) {
        match level {
            Level::Info => log(&e.line),
            Level::Warning => warn(&format!("Warning: {}", e.line)),
            Level::Error => log::error(&format!("Error: {}", e.line)),
        }
        self.print(&e);
    }

    /// The event on stdout with -json only: for events one log line tells together.
    pub fn print(&mut self, e: &Event) {
        if !self.json || self.stdout_failed {
            return;
        }
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let line = to_json(e, unix, self.container.as_ref()).to_string();
        if let Err(why) = log::stdout_line(&line) {
            self.stdout_failed = true;
            log::error(&format!(
                "Error: could not write -json events to stdout ({why}); watching goes on"
            ));
        }
    }

    /// systemd's one-line status of the unit.
    pub fn status(&self, line: &str) {
        self.notify.status(line);
    }
}

/// Every key in every event, null where it does not apply: one schema, under the -docker
/// agent or not.
fn to_json(e: &Event, unix: u64, container: Option<&Container>) -> Value {
    // Load balancer and node ids are numbers where the service's are: as -json says them.
    let id = |s: &str| s.parse::<u64>().map_or_else(|_| json!(s), |n| json!(n));
    json!({
        "time": crate::time::format_rfc3339(unix as i64),
        "event": e.kind,
        "load_balancer": e.lb.map(|l| id(&l.0)),
        "node_id": e.node.map(|n| id(&n.id.0)),
        "condition": e.node.map(|n| n.condition.word.as_str()),
        "reason": e.reason,
        "container": container.map(|c| &c.name),
        "container_id": container.map(|c| &c.id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_one_object_with_stable_fields() {
        let lb = LbRef("42".into());
        let node = Member::sample(7, "10.0.0.1", 80, "DRAINING");
        let e = Event {
            kind: "change",
            lb: Some(&lb),
            node: Some(&node),
            reason: "unhealthy",
            line: String::new(),
        };
        assert_eq!(
            to_json(&e, 86_400 + 3661, None).to_string(),
            r#"{"condition":"DRAINING","container":null,"container_id":null,"event":"change","load_balancer":42,"node_id":7,"reason":"unhealthy","time":"1970-01-02T01:01:01Z"}"#
        );
        let flip = Event {
            kind: "unhealthy",
            lb: None,
            node: None,
            reason: "connection refused",
            line: String::new(),
        };
        assert_eq!(
            to_json(&flip, 0, None).to_string(),
            r#"{"condition":null,"container":null,"container_id":null,"event":"unhealthy","load_balancer":null,"node_id":null,"reason":"connection refused","time":"1970-01-01T00:00:00Z"}"#
        );
        let web = Container {
            name: "web-1".into(),
            id: format!("3f2a9c1b{}", "0".repeat(56)),
        };
        let v = to_json(&e, 0, Some(&web));
        assert_eq!(v["container"], "web-1");
        assert_eq!(v["container_id"], web.id.as_str());
        assert_eq!(v["condition"], "DRAINING");
    }
}
