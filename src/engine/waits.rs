//! The waits around a change with `-wait`: for the app before joining, for the health check
//! after, and for the load balancer's connections to end before leaving.

use std::time::{Duration, Instant};

use crate::core::model::{CheckStatus, Condition, Member};
use crate::engine::Run;
use crate::engine::drive::Pause;
use crate::error::Error;
use crate::host::drain::{Drain, Ended, Peers};
use crate::log::{log, warn};
use crate::time::{Deadline, format_duration};

impl Run<'_> {
    pub(super) fn app_pass(&mut self, deadline: &Deadline) -> Result<(), Pause> {
        let limit = Duration::from_secs(1).min(deadline.remaining());
        match crate::host::probe::app_accepts(self.target(), limit) {
            Ok(()) => {
                log(&format!("The app accepts connections on {}", self.target()));
                Ok(())
            }
            Err(why) => Err(Pause::Poll(format!(
                "the app does not accept connections on {} yet ({why}), waiting before enabling it",
                self.target()
            ))),
        }
    }

    pub(super) fn online_pass(&mut self, deadline: &Deadline) -> Result<Member, Pause> {
        self.read_lb(deadline)?;
        self.list_members(deadline)?;
        match self.lb.mine.first() {
            Some(m) if m.is_online() => {
                let status = m.status.as_ref();
                let word = status.map_or("", |s| s.word.as_str());
                if status.is_some_and(|s| s.is(CheckStatus::Online)) {
                    log(&format!("Node {} is {word}: its health check passes", m.id));
                } else {
                    log(&format!(
                        "Node {} is {word}: the pool has no health monitor, so nothing checks the app before traffic comes",
                        m.id
                    ));
                }
                Ok(m.clone())
            }
            Some(m) => Err(Pause::Poll(format!(
                "node {} is {}, waiting for the load balancer's health check to pass",
                m.id,
                m.status
                    .as_ref()
                    .map_or("without a status", |s| s.word.as_str())
            ))),
            None => Err(Pause::Fail(Error::Failed(format!(
                "node {} disappeared from load balancer {} while waiting for it to be ONLINE",
                self.target(),
                self.lb.id
            )))),
        }
    }

    /// Waits until the load balancer's connections to the app have ended, or -drain-timeout.
    pub(super) fn watch_drain(
        &mut self,
        member: Option<&Member>,
        deadline: &Deadline,
    ) -> Result<(), Error> {
        let Some(member) = member.filter(|m| m.condition.is(Condition::Draining)) else {
            log("Node is not serving: no connections to wait for");
            return Ok(());
        };
        let sources = self.lb.sources.clone();
        self.wait_for_drain(&member.id.0, sources.as_deref(), deadline)
    }

    /// Waits until connections from `sources` (None: the service does not say where it
    /// connects from) to the app have ended, or -drain-timeout: node `ids` drains meanwhile.
    pub(super) fn wait_for_drain(
        &mut self,
        ids: &str,
        sources: Option<&[std::net::IpAddr]>,
        deadline: &Deadline,
    ) -> Result<(), Error> {
        let drain = self.cfg.timing.drain_timeout;
        if drain.is_zero() {
            log("-drain-timeout 0: not waiting for connections to end");
            return Ok(());
        }
        let ended = crate::host::drain::wait(&Drain {
            node_id: ids,
            address: self.address,
            port: self.cfg.node.port,
            peers: match (&self.cfg.node.drain_from[..], sources) {
                ([], Some(ips)) => Peers::Among(ips),
                ([], None) => Peers::NotLocal,
                (nets, _) => Peers::Within(nets),
            },
            limit: drain,
            until: Instant::now() + drain.min(deadline.remaining()),
            pace: (self.cfg.timing.interval / 4)
                .clamp(Duration::from_millis(10), Duration::from_secs(1)),
        });
        if deadline.remaining().is_zero() && !matches!(ended, Ended::Interrupted(..)) {
            let left = match &ended {
                Ended::TimedOut(n) => n.as_str(),
                _ => "unknown",
            };
            return Err(self.deadline_error(format!(
                "connections to end ({left} left) before finishing the drain"
            )));
        }
        match ended {
            Ended::Drained(after) => log(&format!(
                "All connections ended after {}",
                format_duration(after)
            )),
            Ended::TimedOut(n) => warn(&format!(
                "-drain-timeout {} passed: cutting {n} connections",
                format_duration(drain)
            )),
            Ended::Blind => warn(&format!(
                "-drain-timeout {} passed: going on without knowing whether connections remain",
                format_duration(drain)
            )),
            Ended::Interrupted(signal, left) => {
                let left = left.map_or("connections that cannot be seen".into(), |n| {
                    format!("{n} connections left")
                });
                let why = format!("the drain of node {ids}, with {left}");
                return Err(self.interrupted(signal, why));
            }
        }
        Ok(())
    }
}
