//! What the watcher says: each flip and change in the log, as a -json event and in systemd's
//! status line; and a run of probes that cannot tell, as it begins and ends.

use crate::core::model::{LbRef, Member};
use crate::core::watch::{Probed, Unsure, Why};
use crate::engine::events::{Event, Level};
use crate::engine::watch::Watcher;

impl Watcher<'_> {
    pub(in crate::engine) fn changed(
        &mut self,
        lb: &LbRef,
        before: &[Member],
        now: &[Member],
        why: Why,
    ) {
        let node = now.first();
        let became = node.map_or("deleted".into(), |m| m.condition.word.clone());
        let was = before
            .first()
            .map_or("absent".into(), |m| m.condition.word.clone());
        let (reason, line) = match why {
            Why::Resync => (
                "drift".to_string(),
                format!(
                    "Load balancer {lb}: the node was changed or removed behind peekaboo's back (it was {was} when last seen); put it back to {became}"
                ),
            ),
            Why::Aim => {
                let reason = self.reason();
                let id = node.map_or(String::new(), |m| format!(" {}", m.id));
                let line = format!("Load balancer {lb}: node{id} is {became}: {reason}");
                (reason, line)
            }
        };
        self.tell(Level::Info, "change", Some(lb), &reason, line);
        self.status();
    }

    pub(in crate::engine) fn fail_open(
        &mut self,
        lb: &LbRef,
        node: Option<&Member>,
        others: &[Member],
    ) {
        let id = node.map_or(String::new(), |m| format!(" {}", m.id));
        let line = format!(
            "load balancer {lb}: node{id} is the last one taking traffic, counting the nodes ENABLED whose health check passes or that have none ({}), so it stays ENABLED though the app is unhealthy (fail open); it is drained once another node serves",
            tally(others)
        );
        self.tell(
            Level::Warning,
            "fail_open",
            Some(lb),
            "last serving node",
            line,
        );
    }

    /// Says once that the probes cannot tell, and once that they can again.
    pub(in crate::engine) fn unsure(&mut self, unsure: Option<Unsure>, probed: &Probed) {
        let (level, kind, reason, line) = match (unsure, probed) {
            (Some(Unsure::Began), Probed::Unknown(why)) => (
                Level::Warning,
                "probe_unknown",
                why.clone(),
                format!(
                    "the probe cannot tell the app's health: {why}; the node is left as it is until it can"
                ),
            ),
            (Some(Unsure::Ended(n)), _) => {
                let probes = if n == 1 { "probe" } else { "probes" };
                let reason = format!("after {n} {probes} that could not");
                let line = format!("The probe tells the app's health again, {reason}");
                (Level::Info, "probe_known", reason, line)
            }
            _ => return,
        };
        self.tell(level, kind, None, &reason, line);
        self.status();
    }

    /// Why the node is being changed now, in a word for -json and the log.
    fn reason(&self) -> String {
        if self.held {
            "held (SIGUSR1)".into()
        } else {
            self.health.verdict.as_str().into()
        }
    }

    pub(in crate::engine) fn tell(
        &mut self,
        level: Level,
        kind: &'static str,
        lb: Option<&LbRef>,
        reason: &str,
        line: String,
    ) {
        let node = self.node_on(lb);
        self.events.tell(
            level,
            Event {
                kind,
                lb,
                node: node.as_ref(),
                reason,
                line,
            },
        );
    }

    /// As `tell`, with no line in the log: for events one line tells together.
    pub(in crate::engine) fn print(&mut self, kind: &'static str, lb: &LbRef, reason: &str) {
        let node = self.node_on(Some(lb));
        self.events.print(&Event {
            kind,
            lb: Some(lb),
            node: node.as_ref(),
            reason,
            line: String::new(),
        });
    }

    /// Our node on `lb` only as it is known now: after a failed read or an unread change, none.
    fn node_on(&self, lb: Option<&LbRef>) -> Option<Member> {
        lb.and_then(|id| self.kept.iter().find(|k| k.lb.id == *id))
            .and_then(|k| k.lb.known()?.first().cloned())
    }

    /// systemd's status line: the health, the hold, and the node on each load balancer.
    pub(in crate::engine) fn status(&self) -> String {
        let nodes: Vec<String> = self
            .kept
            .iter()
            .map(|k| match k.lb.known() {
                Some([m, ..]) => format!("{} on {}", m.condition.word, k.lb.id),
                Some([]) => format!("absent from {}", k.lb.id),
                None => format!("unknown on {}", k.lb.id),
            })
            .collect();
        let hold = if self.held { ", held" } else { "" };
        let unsure = if self.health.unsure() {
            ", the probe cannot tell"
        } else {
            ""
        };
        let line = format!(
            "app {}{unsure}{hold}; node {}",
            self.health.verdict.as_str(),
            nodes.join(", ")
        );
        self.events.status(&line);
        line
    }
}

/// What fail open counted besides ours, in the services' words: "the others: 2 DISABLED
/// OFFLINE, 1 ENABLED OFFLINE", or that there is none.
fn tally(others: &[Member]) -> String {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for m in others {
        let words = match &m.status {
            Some(s) => format!("{} {}", m.condition.word, s.word),
            None => m.condition.word.clone(),
        };
        match seen.iter_mut().find(|(w, _)| *w == words) {
            Some((_, n)) => *n += 1,
            None => seen.push((words, 1)),
        }
    }
    if seen.is_empty() {
        return "there is no other node".into();
    }
    let counted: Vec<String> = seen.iter().map(|(w, n)| format!("{n} {w}")).collect();
    format!("the others: {}", counted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_open_says_what_it_counted() {
        let m = |id, condition: &str, status: Option<&str>| Member {
            status: status.map(Into::into),
            ..Member::sample(id, "10.0.0.9", 80, condition)
        };
        assert_eq!(tally(&[]), "there is no other node");
        let others = [
            m(1, "DISABLED", Some("OFFLINE")),
            m(2, "ENABLED", Some("OFFLINE")),
            m(3, "DISABLED", Some("OFFLINE")),
            m(4, "DRAINING", None),
        ];
        assert_eq!(
            tally(&others),
            "the others: 2 DISABLED OFFLINE, 1 ENABLED OFFLINE, 1 DRAINING"
        );
    }
}
