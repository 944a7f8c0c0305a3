//! The job on one load balancer: its steps (`plan::steps`) and the pass each step repeats
//! until it is done.

use crate::backend::ApiError;
use crate::core::converge::{AfterRead, AfterSend, Answer, Converge, Did};
use crate::core::model::{Action, Condition, LbPhase, Member, Provisioning, Snapshot, Want};
use crate::core::plan::{Step, plan_all, plan_each, steps};
use crate::core::watch::last_serving;
use crate::engine::drive::Pause;
use crate::engine::{Mode, Run, Stale};
use crate::error::Error;
use crate::log::{log, warn};
use crate::time::Deadline;

impl Run<'_> {
    /// The whole job on load balancer `self.lb.id`.
    pub(super) fn one(&mut self, deadline: &Deadline) -> Result<Option<Member>, Error> {
        let (want, wait) = match *self.cfg.mode {
            // The agent reads the load balancers only through `status_pass`, as -status does.
            Mode::Status | Mode::Docker => return self.drive(deadline, Run::status_pass),
            // What a watch ends with, and all that is left of one that is stopped early.
            Mode::Watch(ref w) => (w.leave.want(), true),
            Mode::DryRun(want) => {
                let mut step = Converge::default();
                return self.drive(deadline, |run, d| {
                    run.converge_pass(&mut step, want, false, d)
                });
            }
            Mode::Apply { want, wait } => (want, wait),
        };
        let mut member = None;
        for step in steps(want, wait) {
            match step {
                Step::WaitForApp => {
                    log(&format!(
                        "Waiting for the app to accept connections on {} before enabling it",
                        self.target()
                    ));
                    self.drive(deadline, Run::app_pass)?;
                }
                Step::Converge(want) => member = self.converge(want, deadline)?,
                Step::WatchDrain => self.watch_drain(member.as_ref(), deadline)?,
                Step::WaitOnline => member = Some(self.drive(deadline, Run::online_pass)?),
            }
        }
        Ok(member)
    }

    pub(super) fn status_pass(&mut self, deadline: &Deadline) -> Result<Option<Member>, Pause> {
        self.read_lb(deadline)?;
        self.list_members(deadline)?;
        Ok(self.lb.mine.first().cloned())
    }

    fn converge(&mut self, want: Want, deadline: &Deadline) -> Result<Option<Member>, Error> {
        let (target, lb) = (self.target(), &self.lb.id);
        log(&match want {
            Want::Present(c) => format!(
                "Setting {target} to be {} on load balancer {lb}",
                c.as_str()
            ),
            Want::Absent => format!("Deleting {target} from load balancer {lb}"),
            Want::Drained => format!("Draining {target} on load balancer {lb}"),
        });
        let mut step = Converge::default();
        self.drive(deadline, |run, d| {
            run.converge_pass(&mut step, want, false, d)
        })
    }

    /// One look at the load balancer, and at most one change. With `fail_open`, a drain that
    /// would leave the load balancer without a node serving is not sent (`lb.failed_open`).
    pub(super) fn converge_pass(
        &mut self,
        step: &mut Converge,
        want: Want,
        fail_open: bool,
        deadline: &Deadline,
    ) -> Result<Option<Member>, Pause> {
        self.lb.failed_open = false;
        let snapshot = self.read_lb(deadline)?;
        let drains = matches!(want, Want::Drained | Want::Present(Condition::Draining));
        if drains && !snapshot.can_drain && !self.lb.warned_drain {
            self.lb.warned_drain = true;
            warn(&format!(
                "Warning: load balancer {}'s provider ignores draining: new connections keep coming until the node is disabled or deleted, which cuts the open ones",
                self.lb.id
            ));
        }
        let Some((action, current)) = self.next(step, &snapshot, want, fail_open, deadline)? else {
            return Ok(self.lb.mine.first().cloned());
        };
        if matches!(self.cfg.mode, Mode::DryRun(_)) && action != Action::Nothing {
            self.would(&action, current.is_some(), want);
            return Ok(current);
        }
        match action {
            Action::Nothing => {
                if !step.changed && !self.watching {
                    log("Node is already in that state: nothing to change");
                }
                Ok(current)
            }
            _ if snapshot.phase != LbPhase::Active => {
                step.hold(action);
                Err(self.wait_turn(&snapshot.phase))
            }
            _ => Err(self.send(step, &action, deadline)),
        }
    }

    /// What the read says to do next: the action, with our member as the decision saw it;
    /// None when fail open keeps the node as it is. Lists the members when the read did not
    /// carry them and the decision needs them.
    fn next(
        &mut self,
        step: &mut Converge,
        snapshot: &Snapshot,
        want: Want,
        fail_open: bool,
        deadline: &Deadline,
    ) -> Result<Option<(Action, Option<Member>)>, Pause> {
        let lb = self.lb.id.clone();
        let active = snapshot.phase == LbPhase::Active;
        let others = self
            .lb
            .inline
            .as_deref()
            .map(|m| crate::core::pace::others(m, self.address, self.cfg.node.port));
        let attrs = &self.cfg.node.attrs;
        let may_skip_listing = snapshot.blind_create && !matches!(self.cfg.mode, Mode::DryRun(_));
        let decided = match step.after_read(active, others, want, may_skip_listing) {
            // While the load balancer is busy with our change, or one we wait to make, a look
            // is one GET: the whole fleet shares 10 GET/s per account.
            AfterRead::Applying => {
                return Err(Pause::Poll(format!(
                    "load balancer {lb} is {} while it applies the change, waiting for ACTIVE",
                    snapshot.phase.word()
                )));
            }
            AfterRead::WaitTurn => return Err(self.wait_turn(&snapshot.phase)),
            AfterRead::Send(action) => (action, None),
            // A load balancer without members: ours can be created without listing them,
            // which saves a fleet starting on a new pool a GET per host in its first burst.
            AfterRead::DecideUnlisted => (plan_each(&[], want, attrs), None),
            AfterRead::Decide { applied } => {
                if applied {
                    log(&format!(
                        "Load balancer {lb} has applied the change: another has started since"
                    ));
                }
                self.list_members(deadline)?;
                self.settled(step)?;
                if fail_open
                    && want == Want::Drained
                    && last_serving(&self.lb.mine, &self.lb.others)
                {
                    self.lb.failed_open = true;
                    return Ok(None);
                }
                let action = step
                    .decide(active, &self.lb.mine, want, attrs)
                    .map_err(|times| {
                        self.unapplied_error(&plan_each(&self.lb.mine, want, attrs), times)
                    })?;
                (action, self.lb.mine.first().cloned())
            }
        };
        Ok(Some(decided))
    }

    /// Sends `action` and says what its answer means for the pass.
    fn send(&mut self, step: &mut Converge, action: &Action, deadline: &Deadline) -> Pause {
        // Watch mode says what it changed, and why, in one line of its own.
        if !self.watching {
            log(&action.sending());
        }
        let lb = self.lb.id.clone();
        let result = self.backend.apply(&lb, self.target(), action, deadline);
        let answer = match &result {
            Ok(()) => Answer::Accepted,
            Err(ApiError::NotFound(_)) => Answer::Gone,
            Err(ApiError::Busy(_)) => Answer::Busy,
            Err(ApiError::Duplicate) => Answer::Duplicate,
            Err(ApiError::Refused(_)) => Answer::Refused,
            Err(_) => Answer::Other,
        };
        // Accepted, or no answer to tell: the member is no longer what was last read.
        if matches!(answer, Answer::Accepted | Answer::Other) {
            self.lb.stale = Some(Stale::ChangeSent);
        }
        let unlisted = step.unlisted;
        match (step.after_send(action, answer), result) {
            (AfterSend::Accepted, _) => {
                self.lb.did = self.lb.did.after(action);
                Pause::Changed(format!(
                    "load balancer {lb} accepted the change, waiting for it to be ACTIVE again"
                ))
            }
            (AfterSend::WaitTurn, Err(ApiError::Busy(m))) => {
                Pause::Blocked(format!("changing the node: {m}"))
            }
            (AfterSend::Relist, Err(ApiError::Duplicate)) => {
                log(
                    "The node exists already (an earlier try landed, or another host added it): listing again",
                );
                Pause::Now
            }
            (AfterSend::Relist, Err(ApiError::Refused(m))) if unlisted => {
                log(&format!(
                    "Creating the node was refused ({m}): listing the nodes before deciding"
                ));
                Pause::Now
            }
            // The member went away under us: the next listing says what to do instead.
            (AfterSend::Relist, _) => Pause::Now,
            (_, Err(e)) => self.trouble(e, "changing the node"),
            (_, Ok(())) => Pause::Now,
        }
    }

    /// Our members' own provisioning, where the service has one: a change still being
    /// applied to one is waited for. One the service failed to provision (or that reads in a
    /// word peekaboo does not know) takes the change asked for like any other, unless it is
    /// this step's own change the service failed: sending it again would not mend that.
    fn settled(&self, step: &Converge) -> Result<(), Pause> {
        let lb = &self.lb.id;
        for m in &self.lb.mine {
            let Some(p) = &m.provisioning else { continue };
            let word = &p.word;
            match p.meaning {
                Some(Provisioning::Pending) => {
                    return Err(Pause::Poll(format!(
                        "node {} on load balancer {lb} is {word}, waiting for it to settle",
                        m.id
                    )));
                }
                None if step.failed_us(m) => {
                    return Err(Pause::Poll(format!(
                        "node {} on load balancer {lb} is in provisioning status '{word}', which peekaboo does not know, waiting for it to settle",
                        m.id
                    )));
                }
                Some(Provisioning::Failed) if step.failed_us(m) => {
                    return Err(Pause::Fail(Error::Failed(format!(
                        "load balancer {lb}: node {} went to {word} after peekaboo's change: the service could not apply it, and sending it again will not mend that; look at the load balancer's provider (openstack loadbalancer status show {lb}), then run peekaboo again",
                        m.id
                    ))));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn wait_turn(&self, phase: &LbPhase) -> Pause {
        let lb = &self.lb.id;
        Pause::Blocked(match phase {
            LbPhase::Unknown(word) => format!(
                "load balancer {lb} is {word}, a status peekaboo does not know: waiting for ACTIVE before changing it"
            ),
            _ => format!(
                "load balancer {lb} is {}, waiting for ACTIVE before changing it",
                phase.word()
            ),
        })
    }

    /// -dry-run: says what would be sent, and sends nothing.
    fn would(&mut self, action: &Action, listed: bool, want: Want) {
        // With duplicates, each of them would be changed in turn: say so.
        let all: Vec<String> = if listed {
            plan_all(&self.lb.mine, want, &self.cfg.node.attrs)
                .iter()
                .map(Action::words)
                .collect()
        } else {
            vec![action.words()]
        };
        let words = all.join(", then ");
        log(&format!("Dry run: would {words}; nothing sent"));
        self.lb.did = Did::would(action);
        self.lb.would = Some(words);
    }

    fn unapplied_error(&self, action: &Action, times: u32) -> Pause {
        Pause::Fail(Error::Failed(format!(
            "load balancer {} accepted the change ({}) {times} times but never applied it: it is ACTIVE and the node is as it was; check for a proxy or gateway between this host and the API that answers in its place",
            self.lb.id,
            action.words(),
        )))
    }
}
