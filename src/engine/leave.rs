//! Watch mode's end, on SIGTERM or SIGINT: drain the node on every load balancer, wait once for
//! the connections from all of them to end, then delete it (or disable it) everywhere, all
//! within one -timeout. The signal that started the leave does not stop it; a second one cuts
//! the drain short, and the leave still completes. A SIGHUP changes nothing then.
//!
//! Its other end, on SIGHUP: the detach, which sends nothing and leaves every node as it is
//! (a change in flight was let finish, and the wait after it ended at the signal), so that
//! whoever sent it (a -docker agent, an operator) can hand the node over without a drain.

use std::net::IpAddr;

use crate::core::converge::Converge;
use crate::core::model::{Condition, Member, Want};
use crate::engine::events::Level;
use crate::engine::watch::Watcher;
use crate::engine::{Leave, Outcome, Run};
use crate::error::Error;
use crate::host::signal;
use crate::log::log;
use crate::time::Deadline;

impl Watcher<'_> {
    pub(super) fn leave(&mut self, run: &mut Run) -> Vec<Outcome> {
        // Whatever comes now, the changes finish; only the drain listens for a second signal.
        signal::let_through(u32::MAX);
        self.events.notify.stopping();
        let by = signal::first().map_or("A stop signal", |s| s.name());
        let last = match self.w.leave {
            Leave::Delete => "deleting it",
            Leave::Disable => "disabling it",
        };
        log(&format!(
            "{by}: leaving: draining the node, waiting for its connections to end, then {last}"
        ));
        self.events.status("leaving: draining the node");
        let deadline = Deadline::new(run.cfg.timing.timeout);
        let n = self.count();
        let mut sent = vec![0; n];
        let mut results: Vec<Result<Option<Member>, Error>> = Vec::with_capacity(n);
        for (i, sent) in sent.iter_mut().enumerate() {
            results.push(self.converge_on(run, i, Want::Drained, &deadline, sent));
        }
        if let Err(Error::Deadline { limit, waiting_for }) =
            self.drain_all(run, &results, &deadline)
        {
            for result in results.iter_mut().filter(|r| r.is_ok()) {
                let waiting_for = waiting_for.clone();
                *result = Err(Error::Deadline { limit, waiting_for });
            }
        }
        self.events.status("leaving: connections ended");
        let want = self.w.leave.want();
        for (i, result) in results.iter_mut().enumerate() {
            if result.is_ok() {
                *result = self.converge_on(run, i, want, &deadline, &mut sent[i]);
            }
        }
        results
            .into_iter()
            .enumerate()
            .map(|(i, result)| {
                let lb = self.take_lb(i);
                let before = run.backend.requests() - sent[i];
                run.outcome(lb, result, before)
            })
            .collect()
    }

    /// Stops watching with no request: one line says where the node stands on each load
    /// balancer, only as far as it was read; with -json, one `detach` event per load balancer.
    pub(super) fn detach(&mut self) {
        self.events.notify.stopping();
        let stands: Vec<String> = (0..self.count())
            .map(|i| format!("load balancer {}: {}", self.lb_id(i), self.stands(i)))
            .collect();
        log(&format!(
            "SIGHUP: detaching: the node is left as it is ({})",
            stands.join("; ")
        ));
        self.events.status("detached: the node is left as it is");
        for i in 0..self.count() {
            let lb = self.lb_id(i);
            self.print("detach", &lb, "SIGHUP");
        }
    }

    /// Brings load balancer `i` to `want`, counting its requests into `sent`.
    fn converge_on(
        &mut self,
        run: &mut Run,
        i: usize,
        want: Want,
        deadline: &Deadline,
        sent: &mut usize,
    ) -> Result<Option<Member>, Error> {
        let before = run.backend.requests();
        let mut step = Converge::default();
        let result = self.on(run, i, |run| {
            run.drive(deadline, |run, d| {
                run.converge_pass(&mut step, want, false, d)
            })
        });
        *sent += run.backend.requests() - before;
        if step.changed {
            let lb = self.lb_id(i);
            let now = match &result {
                Ok(Some(m)) => format!("node {} is {}", m.id, m.condition.word),
                _ => "the node is deleted".into(),
            };
            let line = format!("Load balancer {lb}: {now}: leaving");
            self.tell(Level::Info, "leave", Some(&lb), "leaving", line);
        }
        result
    }

    /// One wait for the connections of every load balancer where the node now drains. Errs
    /// only past -timeout.
    fn drain_all(
        &mut self,
        run: &mut Run,
        results: &[Result<Option<Member>, Error>],
        deadline: &Deadline,
    ) -> Result<(), Error> {
        let mut ids = Vec::new();
        // None once any of them does not say where it connects from.
        let mut sources: Option<Vec<IpAddr>> = Some(Vec::new());
        for (i, result) in results.iter().enumerate() {
            if let Ok(Some(m)) = result
                && m.condition.is(Condition::Draining)
            {
                ids.push(m.id.to_string());
                let lb_sources = self.on(run, i, |run| run.lb.sources.clone());
                sources = match (sources, lb_sources) {
                    (Some(mut all), Some(these)) => {
                        for s in these {
                            if !all.contains(&s) {
                                all.push(s);
                            }
                        }
                        Some(all)
                    }
                    _ => None,
                };
            }
        }
        if ids.is_empty() {
            // A load balancer that could not be read or changed is not known to be serving
            // nor not: its error says so at the end.
            if results.iter().all(Result::is_ok) {
                log("Node is not serving: no connections to wait for");
            } else {
                log("No drain was confirmed: no connections to wait for");
            }
            return Ok(());
        }
        signal::let_through(1);
        let waited = run.wait_for_drain(&ids.join(", "), sources.as_deref(), deadline);
        signal::let_through(u32::MAX);
        match waited {
            Err(Error::Interrupted { signal, .. }) => {
                // The second may not be the first's kind (the -docker agent sends SIGINT).
                let second = signal::last().unwrap_or(signal);
                log(&format!(
                    "Second {}: cutting the drain short; finishing the leave",
                    second.name()
                ));
                Ok(())
            }
            other => other,
        }
    }
}
