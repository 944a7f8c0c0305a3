//! The doing: observe the load balancer, decide (`core`), act through a `Backend`, and go
//! round again until the member is as wanted and the load balancer has applied the change.
//! Every decision is made from a fresh read, so a lost answer or a race with another host is
//! simply re-read. With `-wait`, the steps around that (waiting for the app, the drain, the
//! health check) run in the same loop, under the same deadline.
//!
//! `drive` is the loop and its pacing; `once` is the job on one load balancer; this file holds
//! what both read and the run over every load balancer.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use crate::backend::{ApiError, Backend, Fact};
use crate::core::converge::Did;
use crate::core::model::{LbPhase, LbRef, Member, Snapshot};
use crate::core::pace::{Seen, others, progressed};
use crate::core::plan::find_nodes;
use crate::error::Error;
use crate::log::{log, warn};
use crate::time::Deadline;

mod docker;
mod drive;
mod events;
mod job;
mod lb;
mod leave;
mod once;
mod waits;
mod watch;

pub use crate::core::watch::Probed;
pub use docker::{DockerJob, Plan, docker};
pub use job::*;
pub use watch::{Ended, Probe, watch};

use drive::Pause;
use lb::LbState;
pub(crate) use lb::Stale;

/// The result on one load balancer.
#[derive(Debug)]
pub struct Outcome {
    pub lb_id: LbRef,
    pub region: String,
    pub address: IpAddr,
    pub port: u16,
    /// Our member as the run leaves it, the first of ours (None: there is none, or it is not
    /// known now: see `last_read`).
    pub node: Option<Member>,
    /// All our members as the run leaves them, first first (more than one: duplicates).
    pub nodes: Vec<Member>,
    /// When how our members stand is not known at the end (a read failed, or a change was
    /// sent and not read back): what was read last, and how long before the end.
    pub last_read: Option<LastRead>,
    pub did: Did,
    /// With -dry-run: what would be sent, in words.
    pub would: Option<String>,
    /// Requests sent for this load balancer (the first also counts authentication).
    pub requests: usize,
    pub error: Option<Error>,
}

/// Our members as last read, when that is no longer known to hold.
#[derive(Debug)]
pub struct LastRead {
    /// None: they were never read.
    pub age: Option<Duration>,
    pub nodes: Vec<Member>,
}

/// One run: the same job on each load balancer in turn, with one token.
pub struct Run<'a> {
    cfg: &'a Job<'a>,
    backend: &'a mut dyn Backend,
    address: IpAddr,
    /// Set when we re-authenticated after a 401 and no call has succeeded since: a second 401
    /// then means the fresh token is refused too, which retrying will not mend.
    reauthenticated: bool,
    /// How crowded the account seems: doubled by every rate-limit answer, eased by every
    /// poll that gets through. Waiting for a turn on a busy load balancer, and retrying after
    /// a 413, are paced by it, so a fleet sharing the account's 10 GET/s spreads itself out
    /// instead of retrying in step, and speeds up again as it thins out.
    crowd: f64,
    /// What is known of the load balancer being worked on: new for each.
    lb: LbState,
    /// Watch mode: a change that finds nothing to do is routine, not worth a line.
    watching: bool,
}

/// Applies the job to each load balancer in turn, with one authentication and one deadline.
/// Errs only when nothing could start (no address); failures on a load balancer are in its
/// `Outcome`.
pub fn run(cfg: &Job, backend: &mut dyn Backend) -> Result<Vec<Outcome>, Error> {
    let deadline = Deadline::new(cfg.timing.timeout);
    let mut run = Run::start(cfg, backend)?;
    let mut outcomes = Vec::new();
    for lb_id in cfg.lbs {
        run.lb = LbState::new(lb_id.clone());
        let sent_before = run.backend.requests();
        let result = run.one(&deadline);
        let lb = std::mem::replace(&mut run.lb, LbState::new(LbRef(String::new())));
        outcomes.push(run.outcome(lb, result, sent_before));
    }
    Ok(outcomes)
}

fn resolve_address(cfg: &Job) -> Result<IpAddr, Error> {
    if let Some((ip, source)) = &cfg.node.address {
        let from = match source {
            AddressSource::Flag => "-ip",
            AddressSource::Servicenet => "RAX_SERVICENET_IPV4",
            AddressSource::Publicnet => "RAX_PUBLICNET_IPV4",
        };
        log(&format!("Using address {ip} from {from}"));
        return Ok(*ip);
    }
    let ifaces = crate::host::addr::scan().map_err(Error::Usage)?;
    let (ip, name) = crate::host::addr::choose(&ifaces).ok_or_else(|| {
        Error::Usage(
            "no address found: no interface has a 10.x address and eth0 has no IPv4 (in a container, run it with --net=host); give one with -ip or RAX_SERVICENET_IPV4".into(),
        )
    })?;
    log(&format!("Using address {ip} from interface {name}"));
    Ok(IpAddr::V4(ip))
}

impl<'a> Run<'a> {
    /// Logs the start of a run and finds the address: what every mode does first.
    fn start(cfg: &'a Job<'a>, backend: &'a mut dyn Backend) -> Result<Run<'a>, Error> {
        for note in cfg.notes {
            log(note);
        }
        for warning in cfg.warnings.iter().chain(&backend.preflight()) {
            warn(warning);
        }
        let address = resolve_address(cfg)?;
        Ok(Run {
            cfg,
            backend,
            address,
            reauthenticated: false,
            crowd: 1.0,
            lb: LbState::new(LbRef(String::new())),
            watching: false,
        })
    }

    /// What the run did on load balancer `lb`.
    fn outcome(
        &self,
        lb: LbState,
        result: Result<Option<Member>, Error>,
        sent_before: usize,
    ) -> Outcome {
        // A failure states our members only as far as they are known: else what was read last.
        let (node, nodes, last_read, error) = match (result, lb.known()) {
            (Ok(node), _) => (node, lb.mine, None, None),
            (Err(e), Some(_)) => (lb.mine.first().cloned(), lb.mine, None, Some(e)),
            (Err(e), None) => {
                let age = lb.read_at.map(|at| at.elapsed());
                let last = LastRead {
                    age,
                    nodes: lb.mine,
                };
                (None, Vec::new(), Some(last), Some(e))
            }
        };
        Outcome {
            lb_id: lb.id,
            region: self.backend.region(),
            address: self.address,
            port: self.cfg.node.port,
            node,
            nodes,
            last_read,
            did: lb.did,
            would: lb.would,
            requests: self.backend.requests() - sent_before,
            error,
        }
    }

    fn target(&self) -> SocketAddr {
        SocketAddr::new(self.address, self.cfg.node.port)
    }

    /// Authenticates if needed, then reads the load balancer; keeps what the read shows.
    fn read_lb(&mut self, deadline: &Deadline) -> Result<Snapshot, Pause> {
        if let Err(e) = self.backend.authenticate(deadline) {
            return Err(self.read_failed(e, "authenticating"));
        }
        let snapshot = match self.backend.snapshot(&self.lb.id, deadline) {
            Ok(s) => s,
            Err(e) => return Err(self.read_failed(e, "reading the load balancer")),
        };
        if let LbPhase::Gone(word) = &snapshot.phase {
            let lb = &self.lb.id;
            return Err(Error::Config(self.backend.explain(Fact::Gone { lb, word })).into());
        }
        self.reauthenticated = false;
        self.lb.sources = snapshot.sources.clone();
        let seen = Seen {
            updated: snapshot.progress.clone(),
            others: snapshot
                .members
                .as_deref()
                .map(|m| others(m, self.address, self.cfg.node.port)),
        };
        if let Some(before) = self.lb.last_seen.replace(seen.clone()) {
            self.lb.quiet = if progressed(&before, &seen) {
                0
            } else {
                self.lb.quiet.saturating_add(1)
            };
        }
        if let Some(members) = &snapshot.members {
            self.saw(members);
        }
        self.lb.inline = snapshot.members.clone();
        Ok(snapshot)
    }

    /// The members: those that came with the load balancer just read, else a listing.
    fn list_members(&mut self, deadline: &Deadline) -> Result<(), Pause> {
        let members = match self.lb.inline.take() {
            Some(members) => members,
            None => match self.backend.members(&self.lb.id, deadline) {
                Ok(members) => members,
                Err(e) => return Err(self.read_failed(e, "listing the nodes")),
            },
        };
        self.saw(&members);
        Ok(())
    }

    /// Keeps our members from a read, and warns once per load balancer when there are several.
    fn saw(&mut self, members: &[Member]) {
        self.lb.mine = find_nodes(members, self.address, self.cfg.node.port);
        // With their health status, unlike `pace::others`: fail open asks who is ONLINE.
        let mine = &self.lb.mine;
        self.lb.others = members
            .iter()
            .filter(|m| !mine.iter().any(|o| o.id == m.id))
            .cloned()
            .collect();
        self.lb.listings += 1;
        self.lb.read_at = Some(Instant::now());
        self.lb.stale = None;
        let mine = &self.lb.mine;
        if mine.len() > 1 && !self.lb.warned_duplicates {
            self.lb.warned_duplicates = true;
            let ids = |ms: &[Member]| -> String {
                let ids: Vec<String> = ms.iter().map(|m| m.id.to_string()).collect();
                ids.join(", ")
            };
            warn(&format!(
                "Warning: load balancer {} has {} nodes for {} (ids {}); each is handled, but one is enough: delete the extra ({}) in the control panel or through the API",
                self.lb.id,
                mine.len(),
                self.target(),
                ids(mine),
                ids(&mine[1..])
            ));
        }
    }

    /// A read that failed: what was read before no longer holds as known, and the failure
    /// says what to do next.
    fn read_failed(&mut self, e: ApiError, doing: &str) -> Pause {
        self.lb.stale.get_or_insert(Stale::ReadFailed);
        self.trouble(e, doing)
    }

    /// What an API failure means for the run: retry, wait, or stop with a final error.
    fn trouble(&mut self, e: ApiError, doing: &str) -> Pause {
        let lb = &self.lb.id;
        match e {
            ApiError::Transport(m) | ApiError::Server(m) => {
                Pause::Retry(format!("{doing} failed: {m}"))
            }
            ApiError::RateLimited(after) => {
                Pause::RetryAfter(format!("rate limited while {doing}"), after)
            }
            ApiError::TryAgainIn(m, pause) => Pause::RetryIn(format!("{doing}: {m}"), pause),
            ApiError::Busy(m) => Pause::Poll(format!("{doing}: {m}")),
            ApiError::Duplicate => Pause::Now,
            ApiError::Unauthorized if self.reauthenticated => Pause::Fail(Error::Failed(
                self.backend.explain(Fact::TokenRefused { doing }),
            )),
            ApiError::Unauthorized => {
                log("Token expired or revoked: authenticating again");
                self.backend.forget_token();
                self.reauthenticated = true;
                Pause::Now
            }
            ApiError::NotFound(detail) => Pause::Fail(Error::Config(
                self.backend.explain(Fact::NotFound { lb, detail }),
            )),
            ApiError::Gone(detail) => Pause::Fail(Error::Config(
                self.backend.explain(Fact::Deleted { lb, detail }),
            )),
            ApiError::Refused(m) => Pause::Fail(Error::Failed(format!("{doing} was refused: {m}"))),
            ApiError::Final(e) => Pause::Fail(e),
        }
    }
}
