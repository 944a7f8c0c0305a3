//! The doing: observe the load balancer, decide with `reconcile::plan`, act, and go round
//! again until the node is as wanted and the load balancer has settled. Every decision is made
//! from a fresh read of the load balancer and its nodes, so a lost answer or a race with
//! another host is simply re-read (on a load balancer with no nodes, the create is tried
//! without listing: the API refuses a duplicate); a change that waits for its turn is sent as
//! decided, and decided again if the API refuses it.
//! With `-wait`, the steps around that (waiting for the app, the drain, the health check)
//! run in the same loop, under the same deadline.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use crate::backend::http::Http;
use crate::backend::rackspace::clb::{ApiError, Clb, LoadBalancer};
use crate::backend::rackspace::identity::{Session, authenticate};
use crate::cli::{AddressSource, Config, format_duration};
use crate::core::pace::{Seen, busy_pace, others, progressed};
use crate::core::plan::{
    Action, Condition, Node, Step, Want, find_nodes, plan_all, plan_each, steps, unapplied,
};
use crate::error::Error;
use crate::host::drain::Ended;
use crate::host::signal::Signal;
use crate::log::{log, warn};
use crate::time::{Backoff, Deadline, seed};

/// What one pass found the next pass should do.
enum Next<T> {
    /// Finished, with this result.
    Done(T),
    /// Go again at once (after re-authenticating, or to re-read after a duplicate).
    Now,
    /// Our change was accepted: poll, from the shortest delay, until it is applied.
    Changed(String),
    /// Not there yet (the load balancer is busy, the app is not up): check again later.
    Poll(String),
    /// The load balancer is busy with another host's change and ours waits its turn: check
    /// again at a pace that leaves the fleet's shared GET budget to the others.
    Blocked(String),
    /// Something failed that may work later: back off.
    Retry(String),
    /// Rate limited: wait this long (or back off if the server did not say).
    RetryAfter(String, Option<Duration>),
}

struct Run<'a> {
    cfg: &'a Config,
    http: Http,
    deadline: Deadline,
    address: IpAddr,
    /// The load balancer being worked on.
    lb_id: u64,
    session: Option<Session>,
    /// Set when we re-authenticated after a 401 and no call has succeeded since: a second 401
    /// then means the fresh token is refused too, which retrying will not mend.
    reauthenticated: bool,
    /// Whether this converge step sent a change (so it must wait for the LB to settle).
    changed: bool,
    /// The change this converge step decided on while the LB was busy: sent as soon as it
    /// is ACTIVE, without listing again (the API refuses it if it went stale, and then we do).
    planned: Option<Action>,
    /// What was done on this load balancer so far.
    did: Did,
    /// With -dry-run, what would have been sent.
    would: Option<String>,
    /// How crowded the account seems: doubled by every rate-limit answer, eased by every
    /// poll that gets through. Waiting for a turn on a busy load balancer, and retrying after
    /// a 413, are paced by it, so a fleet sharing the account's 10 GET/s spreads itself out
    /// instead of retrying in step, and speeds up again as it thins out.
    crowd: f64,
    /// Where the load balancer connects from, as last read.
    sources: Vec<IpAddr>,
    /// The nodes that came with the last read of the load balancer, if they did: a listing
    /// that costs no second GET.
    inline: Option<Vec<Node>>,
    /// The other nodes as first seen after our change, while the load balancer was busy.
    seen_after_change: Option<Vec<Node>>,
    /// The create being tried was decided without a listing, because the load balancer came
    /// without nodes (the service leaves the key out when there are none). The API refuses a
    /// duplicate, so that is safe to try; any refusal sends us back to listing.
    unlisted: bool,
    /// A create tried without a listing was refused: list before deciding from now on.
    must_list: bool,
    /// Our nodes as last read, lowest id first: usually one, more when duplicates were left.
    mine: Vec<Node>,
    /// Whether the duplicates were warned about on this load balancer.
    warned_duplicates: bool,
    /// The last read's progress, and how many reads in a row showed none: pacing the wait
    /// for a turn on a load balancer that stays busy.
    last_seen: Option<Seen>,
    quiet: u32,
    /// The last change the API accepted in this converge step, and how many times in a row a
    /// fresh listing on an ACTIVE load balancer then asked for the very same change again.
    last_sent: Option<Action>,
    unapplied: u32,
}

/// Accepted-but-never-applied sends of one change before giving up: something between us
/// and the service (a proxy) answers for it, and sending it again will not mend that.
const UNAPPLIED_LIMIT: u32 = 3;

/// What was done on one load balancer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Did {
    Unchanged,
    Created,
    Updated,
    Deleted,
    WouldCreate,
    WouldUpdate,
    WouldDelete,
}

impl Did {
    /// The stable names of `-json`'s `action` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Did::Unchanged => "unchanged",
            Did::Created => "created",
            Did::Updated => "updated",
            Did::Deleted => "deleted",
            Did::WouldCreate => "would_create",
            Did::WouldUpdate => "would_update",
            Did::WouldDelete => "would_delete",
        }
    }
}

/// The result on one load balancer.
#[derive(Debug)]
pub struct Outcome {
    pub lb_id: u64,
    pub region: String,
    pub address: IpAddr,
    pub port: u16,
    /// The node as last read, the lowest id of ours (None: there is none, or no read got
    /// that far).
    pub node: Option<Node>,
    /// All our nodes as last read, lowest id first (more than one: duplicates).
    pub nodes: Vec<Node>,
    pub did: Did,
    /// With -dry-run: what would be sent, in words.
    pub would: Option<String>,
    /// Requests sent for this load balancer (the first also counts authentication).
    pub requests: usize,
    pub error: Option<Error>,
}

/// Applies the change to each load balancer in turn, with one authentication and one deadline.
/// Errs only when nothing could start (no address); failures on a load balancer are in its
/// `Outcome`.
pub fn run(cfg: &Config) -> Result<Vec<Outcome>, Error> {
    let deadline = Deadline::new(cfg.timeout);
    for note in &cfg.notes {
        log(note);
    }
    for warning in &cfg.warnings {
        warn(warning);
    }
    if let Some(hint) = crate::backend::http::dns_hint(&cfg.auth_url) {
        warn(&hint);
    }
    if crate::backend::http::is_remote_http(&cfg.auth_url) {
        warn(&format!(
            "Warning: -allow-http: credentials go to {} in clear text",
            cfg.auth_url
        ));
    }
    let address = resolve_address(cfg)?;
    let mut run = Run {
        cfg,
        http: Http::new(cfg.request_timeout, cfg.ca_certs.as_deref(), &cfg.proxy),
        deadline,
        address,
        lb_id: 0,
        session: None,
        reauthenticated: false,
        changed: false,
        planned: None,
        did: Did::Unchanged,
        would: None,
        crowd: 1.0,
        sources: Vec::new(),
        inline: None,
        seen_after_change: None,
        unlisted: false,
        must_list: false,
        mine: Vec::new(),
        warned_duplicates: false,
        last_seen: None,
        quiet: 0,
        last_sent: None,
        unapplied: 0,
    };
    let mut outcomes = Vec::new();
    for &lb_id in &cfg.lb_ids {
        run.lb_id = lb_id;
        run.did = Did::Unchanged;
        run.would = None;
        run.sources.clear();
        run.mine.clear();
        run.warned_duplicates = false;
        run.last_seen = None;
        run.quiet = 0;
        let sent_before = run.http.requests();
        let result = run.one();
        // A failure keeps the node as last read: what -json says of it is then still true.
        let (node, error) = match result {
            Ok(node) => (node, None),
            Err(e) => (run.mine.first().cloned(), Some(e)),
        };
        outcomes.push(Outcome {
            lb_id,
            region: run.session.as_ref().map_or_else(
                || cfg.region.clone().unwrap_or_default(),
                |s| s.region.clone(),
            ),
            address,
            port: cfg.port,
            node,
            nodes: run.mine.clone(),
            did: run.did,
            would: run.would.take(),
            requests: run.http.requests() - sent_before,
            error,
        });
    }
    Ok(outcomes)
}

fn resolve_address(cfg: &Config) -> Result<IpAddr, Error> {
    if let Some((ip, source)) = &cfg.address {
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

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

impl Run<'_> {
    /// The whole job on load balancer `self.lb_id`.
    fn one(&mut self) -> Result<Option<Node>, Error> {
        if self.cfg.status {
            return self.drive(Run::status_pass);
        }
        if self.cfg.dry_run {
            self.changed = false;
            self.planned = None;
            return self.drive(|run| run.converge_pass(run.cfg.want));
        }
        let mut node = None;
        for step in steps(self.cfg.want, self.cfg.wait) {
            match step {
                Step::WaitForApp => {
                    log(&format!(
                        "Waiting for the app to accept connections on {} before enabling it",
                        self.target()
                    ));
                    self.drive(Run::app_pass)?;
                }
                Step::Converge(want) => node = self.converge(want)?,
                Step::WatchDrain => self.watch_drain(node.as_ref())?,
                Step::WaitOnline => node = Some(self.drive(Run::online_pass)?),
            }
        }
        Ok(node)
    }

    fn status_pass(&mut self) -> Result<Next<Option<Node>>, Error> {
        if let Err(next) = self.read_lb()? {
            return Ok(retype(next));
        }
        match self.list_nodes()? {
            Ok(_) => Ok(Next::Done(self.mine.first().cloned())),
            Err(next) => Ok(retype(next)),
        }
    }

    fn target(&self) -> SocketAddr {
        SocketAddr::new(self.address, self.cfg.port)
    }

    /// Runs `pass` until it is done, waiting between passes as it asks, never past the
    /// deadline. Polling and error backoff start small and grow to -interval.
    fn drive<T>(
        &mut self,
        mut pass: impl FnMut(&mut Self) -> Result<Next<T>, Error>,
    ) -> Result<T, Error> {
        let base = self.cfg.interval / 8;
        let mut polls = Backoff::new(base, self.cfg.interval, seed());
        let mut errors = Backoff::new(base, self.cfg.interval, seed().rotate_left(17));
        // Only its random numbers are used: for spreading waits that are not backoffs.
        let mut jitter = Backoff::new(base, base, seed().rotate_left(31));
        let mut last_why = None;
        loop {
            let next = pass(self)?;
            let just_changed = matches!(next, Next::Changed(_));
            let (why, again, delay) = match next {
                Next::Done(t) => return Ok(t),
                Next::Now => continue,
                Next::Changed(why) => {
                    polls.reset();
                    (why, "checking again", polls.next_delay())
                }
                Next::Poll(why) => {
                    errors.reset();
                    (why, "checking again", polls.next_delay())
                }
                Next::Blocked(why) => {
                    errors.reset();
                    self.crowd = (self.crowd * 0.8).max(1.0);
                    let pace = busy_pace(self.pace(), self.cfg.interval, self.quiet);
                    (why, "checking again", jitter.jitter(pace))
                }
                Next::Retry(why) => (why, "trying again", errors.next_delay()),
                // A fleet told the same Retry-After must not come back in step: spread it.
                Next::RetryAfter(why, after) => {
                    self.crowd = (self.crowd * 2.0).min(16.0);
                    let spread = jitter.jitter(self.pace());
                    (why, "trying again", after.unwrap_or_default() + spread)
                }
            };
            if self.deadline.remaining().is_zero() {
                // This pass was cut short by the deadline itself; what we were waiting for is
                // what the pass before it found.
                return Err(self.deadline_error(last_why.unwrap_or(why)));
            }
            if self.deadline.remaining() <= delay {
                // Waiting any longer cannot help: the next try would start after the deadline.
                if let Err(signal) = self.deadline.sleep(delay) {
                    return Err(self.interrupted(signal, why, just_changed));
                }
                return Err(self.deadline_error(why));
            }
            let line = format!(
                "{}; {again} in {}",
                capitalize(&why),
                format_duration(delay)
            );
            // Waiting on a busy load balancer is routine; a failure to retry is worth a look.
            if again == "trying again" {
                warn(&line);
            } else {
                log(&line);
            }
            if let Err(signal) = self.deadline.sleep(delay) {
                return Err(self.interrupted(signal, why, just_changed));
            }
            last_why = Some(why);
        }
    }

    /// The mean wait for a turn on a busy load balancer: a tenth of -interval (0.5 s by
    /// default) per unit of crowding, at most twice -interval.
    fn pace(&self) -> Duration {
        (self.cfg.interval / 10)
            .mul_f64(self.crowd)
            .min(self.cfg.interval * 2)
    }

    /// A signal ended a wait: what it was for, and the node as last read (which, right after
    /// our change was accepted, is the node before it).
    fn interrupted(&self, signal: Signal, waiting_for: String, just_changed: bool) -> Error {
        let stands = match (self.mine.first(), self.last_seen.is_some()) {
            (Some(n), _) if just_changed => {
                format!("node {} was {} before the change", n.id, n.condition)
            }
            (Some(n), _) => format!("node {} is {}", n.id, n.condition),
            (None, _) if just_changed => "the node was absent before the change".into(),
            (None, true) => "the node is absent".into(),
            (None, false) => "nothing was read yet".into(),
        };
        Error::Interrupted {
            signal,
            waiting_for,
            stands,
        }
    }

    fn deadline_error(&self, waiting_for: String) -> Error {
        Error::Deadline {
            limit: self.cfg.timeout,
            waiting_for,
        }
    }

    fn converge(&mut self, want: Want) -> Result<Option<Node>, Error> {
        let (target, lb) = (self.target(), self.lb_id);
        log(&match want {
            Want::Present(c) => format!(
                "Setting {target} to be {} on load balancer {lb}",
                c.as_str()
            ),
            Want::Absent => format!("Deleting {target} from load balancer {lb}"),
            Want::Drained => format!("Draining {target} on load balancer {lb}"),
        });
        self.changed = false;
        self.planned = None;
        self.seen_after_change = None;
        self.unlisted = false;
        self.must_list = false;
        self.last_sent = None;
        self.unapplied = 0;
        self.drive(|run| run.converge_pass(want))
    }

    /// Authenticates if needed, then reads the load balancer.
    fn read_lb(&mut self) -> Result<Result<LoadBalancer, Next<()>>, Error> {
        if self.session.is_none() {
            match authenticate(&self.http, self.cfg, &self.deadline) {
                Ok(s) => {
                    // From now on no line may hold it, whoever quotes it back.
                    crate::log::secret(&s.token.0);
                    self.session = Some(s);
                }
                Err(e) => return self.trouble(e, "authenticating").map(Err),
            }
        }
        let Some(clb) = self.clb() else {
            return Ok(Err(Next::Now));
        };
        let lb = match clb.load_balancer() {
            Ok(lb) => lb,
            Err(e) => return self.trouble(e, "reading the load balancer").map(Err),
        };
        if matches!(lb.status.as_str(), "DELETED" | "PENDING_DELETE") {
            return Err(Error::Config(format!(
                "load balancer {} is {}: check LOAD_BALANCER_ID",
                self.lb_id, lb.status
            )));
        }
        self.reauthenticated = false;
        self.sources = lb.sources();
        let seen = Seen {
            updated: lb.updated.clone(),
            others: lb
                .nodes
                .as_deref()
                .map(|n| others(n, self.address, self.cfg.port)),
        };
        if let Some(before) = self.last_seen.replace(seen.clone()) {
            self.quiet = if progressed(&before, &seen) {
                0
            } else {
                self.quiet.saturating_add(1)
            };
        }
        if let Some(nodes) = &lb.nodes {
            self.saw(nodes);
        }
        let mut lb = lb;
        self.inline = lb.nodes.take();
        Ok(Ok(lb))
    }

    /// Keeps our nodes from a read, and warns once per load balancer when there are several.
    fn saw(&mut self, nodes: &[Node]) {
        self.mine = find_nodes(nodes, self.address, self.cfg.port);
        if self.mine.len() > 1 && !self.warned_duplicates {
            self.warned_duplicates = true;
            let ids = |ns: &[Node]| -> String {
                let ids: Vec<String> = ns.iter().map(|n| n.id.to_string()).collect();
                ids.join(", ")
            };
            warn(&format!(
                "Warning: load balancer {} has {} nodes for {} (ids {}); each is handled, but one is enough: delete the extra ({}) in the control panel or through the API",
                self.lb_id,
                self.mine.len(),
                self.target(),
                ids(&self.mine),
                ids(&self.mine[1..])
            ));
        }
    }

    /// The nodes: those that came with the load balancer just read, else a listing.
    fn list_nodes(&mut self) -> Result<Result<Vec<Node>, Next<()>>, Error> {
        if let Some(nodes) = self.inline.take() {
            self.saw(&nodes);
            return Ok(Ok(nodes));
        }
        let Some(clb) = self.clb() else {
            return Ok(Err(Next::Now));
        };
        match clb.nodes() {
            Ok(nodes) => {
                self.saw(&nodes);
                Ok(Ok(nodes))
            }
            Err(e) => self.trouble(e, "listing the nodes").map(Err),
        }
    }

    /// The load balancer API with the current token; None before authenticating.
    fn clb(&self) -> Option<Clb<'_>> {
        let session = self.session.as_ref()?;
        Some(Clb {
            http: &self.http,
            endpoint: &session.endpoint,
            token: &session.token,
            lb: self.lb_id,
            deadline: &self.deadline,
        })
    }

    fn converge_pass(&mut self, want: Want) -> Result<Next<Option<Node>>, Error> {
        let lb_id = self.lb_id;
        let lb = match self.read_lb()? {
            Ok(lb) => lb,
            Err(next) => return Ok(retype(next)),
        };
        let active = lb.status == "ACTIVE";
        // While the LB is busy with our change, or one we wait to make, a poll is one GET:
        // the whole fleet shares 10 GET/s per account.
        if !active && self.changed {
            // Busy, but perhaps with another host's change: the load balancer takes one at a
            // time, so if other nodes changed since our first look after our change, ours is
            // done. (In a fleet the moments of ACTIVE are few and short.)
            let others = self
                .inline
                .as_deref()
                .map(|n| others(n, self.address, self.cfg.port));
            match (&self.seen_after_change, others) {
                (Some(before), Some(now)) if *before != now => {
                    log(&format!(
                        "Load balancer {lb_id} has applied the change: another has started since"
                    ));
                }
                (None, now @ Some(_)) => {
                    self.seen_after_change = now;
                    return Ok(Next::Poll(format!(
                        "load balancer {lb_id} is {} while it applies the change, waiting for ACTIVE",
                        lb.status
                    )));
                }
                _ => {
                    return Ok(Next::Poll(format!(
                        "load balancer {lb_id} is {} while it applies the change, waiting for ACTIVE",
                        lb.status
                    )));
                }
            }
        }
        if !active && self.planned.is_some() {
            return Ok(Next::Blocked(format!(
                "load balancer {lb_id} is {}, waiting for ACTIVE before changing it",
                lb.status
            )));
        }
        let (action, current) = match self.planned.take() {
            Some(action) => (action, None),
            // A load balancer without nodes: ours can be created without listing them, which
            // saves a fleet starting on a new pool a GET per host, in its first burst. Only a
            // create: the API refuses a duplicate, but nothing guards an update or a delete.
            None if self.inline.is_none()
                && matches!(want, Want::Present(_))
                && !self.must_list
                && !self.cfg.dry_run =>
            {
                self.unlisted = true;
                (plan_each(&[], want, self.cfg.attrs), None)
            }
            None => {
                if let Err(next) = self.list_nodes()? {
                    return Ok(retype(next));
                }
                self.unlisted = false;
                let action = plan_each(&self.mine, want, self.cfg.attrs);
                if active && self.changed {
                    self.count_unapplied(action)?;
                }
                (action, self.mine.first().cloned())
            }
        };
        if self.cfg.dry_run && action != Action::Nothing {
            let did = match action {
                Action::Create(..) => Did::WouldCreate,
                Action::Update(..) => Did::WouldUpdate,
                Action::Delete(_) => Did::WouldDelete,
                Action::Nothing => Did::Unchanged,
            };
            // With duplicates, each of them would be changed in turn: say so.
            let all: Vec<String> = if current.is_some() {
                plan_all(&self.mine, want, self.cfg.attrs)
                    .into_iter()
                    .map(words)
                    .collect()
            } else {
                vec![words(action)]
            };
            let words = all.join(", then ");
            log(&format!("Dry run: would {words}; nothing sent"));
            self.did = did;
            self.would = Some(words);
            return Ok(Next::Done(current));
        }
        let Some(clb) = self.clb() else {
            return Ok(Next::Now);
        };
        let result = match action {
            Action::Nothing => {
                if !self.changed {
                    log("Node is already in that state: nothing to change");
                }
                return Ok(Next::Done(current));
            }
            _ if !active => {
                self.planned = Some(action);
                return Ok(Next::Blocked(format!(
                    "load balancer {lb_id} is {}, waiting for ACTIVE before changing it",
                    lb.status
                )));
            }
            Action::Create(c, attrs) => {
                log(&format!("Creating new node as {}", describe_new(c, attrs)));
                clb.create(&self.address.to_string(), self.cfg.port, c, attrs)
            }
            Action::Update(id, change) => {
                log(&format!("Updating node {id}{}", change.describe()));
                clb.update(id, change)
            }
            Action::Delete(id) => {
                log(&format!("Deleting node {id}"));
                clb.delete(id)
            }
        };
        match result {
            Ok(()) => {
                self.changed = true;
                self.last_sent = Some(action);
                // What the others look like after this change, not an earlier one of ours.
                self.seen_after_change = None;
                // Whether a create landed is for a listing to say: an LB read without nodes
                // does not prove the node absent, and a swallowed create must be noticed.
                self.must_list |= matches!(action, Action::Create(..));
                self.did = match (action, self.did) {
                    (Action::Create(..), _) => Did::Created,
                    (Action::Delete(_), _) => Did::Deleted,
                    (_, Did::Created) => Did::Created,
                    _ => Did::Updated,
                };
                Ok(Next::Changed(format!(
                    "load balancer {lb_id} accepted the change, waiting for it to be ACTIVE again"
                )))
            }
            // The node went away under us: the next listing says what to do instead.
            Err(ApiError::NotFound(_))
                if matches!(action, Action::Update(..) | Action::Delete(_)) =>
            {
                Ok(Next::Now)
            }
            // Another host's change got in first: ours waits its turn, as decided.
            Err(ApiError::Busy(m)) => {
                self.planned = Some(action);
                Ok(Next::Blocked(format!("changing the node: {m}")))
            }
            Err(ApiError::Duplicate) => {
                log(
                    "The node exists already (an earlier try landed, or another host added it): listing again",
                );
                self.must_list = true;
                Ok(Next::Now)
            }
            // The node limit, say, says nothing about a node that is there already: look.
            Err(ApiError::Refused(m)) if self.unlisted => {
                log(&format!(
                    "Creating the node was refused ({m}): listing the nodes before deciding"
                ));
                self.must_list = true;
                Ok(Next::Now)
            }
            Err(e) => self.trouble(e, "changing the node").map(retype),
        }
    }

    fn app_pass(&mut self) -> Result<Next<()>, Error> {
        let limit = Duration::from_secs(1).min(self.deadline.remaining());
        match crate::host::probe::app_accepts(self.target(), limit) {
            Ok(()) => {
                log(&format!("The app accepts connections on {}", self.target()));
                Ok(Next::Done(()))
            }
            Err(why) => Ok(Next::Poll(format!(
                "the app does not accept connections on {} yet ({why}), waiting before enabling it",
                self.target()
            ))),
        }
    }

    fn online_pass(&mut self) -> Result<Next<Node>, Error> {
        if let Err(next) = self.read_lb()? {
            return Ok(retype(next));
        }
        if let Err(next) = self.list_nodes()? {
            return Ok(retype(next));
        }
        match self.mine.first() {
            Some(n) if n.status.as_deref() == Some("ONLINE") => {
                log(&format!("Node {} is ONLINE: its health check passes", n.id));
                Ok(Next::Done(n.clone()))
            }
            Some(n) => Ok(Next::Poll(format!(
                "node {} is {}, waiting for the load balancer's health check to pass",
                n.id,
                n.status.as_deref().unwrap_or("without a status")
            ))),
            None => Err(Error::Failed(format!(
                "node {} disappeared from load balancer {} while waiting for it to be ONLINE",
                self.target(),
                self.lb_id
            ))),
        }
    }

    /// Waits until the load balancer's connections to the app have ended, or -drain-timeout.
    fn watch_drain(&mut self, node: Option<&Node>) -> Result<(), Error> {
        let Some(node) = node.filter(|n| {
            n.condition
                .eq_ignore_ascii_case(Condition::Draining.as_str())
        }) else {
            log("Node is not serving: no connections to wait for");
            return Ok(());
        };
        let drain = self.cfg.drain_timeout;
        if drain.is_zero() {
            log("-drain-timeout 0: not waiting for connections to end");
            return Ok(());
        }
        let ended = crate::host::drain::wait(&crate::host::drain::Drain {
            node_id: node.id,
            address: self.address,
            port: self.cfg.port,
            sources: &self.sources,
            limit: drain,
            until: Instant::now() + drain.min(self.deadline.remaining()),
            pace: (self.cfg.interval / 4).clamp(Duration::from_millis(10), Duration::from_secs(1)),
        });
        if self.deadline.remaining().is_zero() && !matches!(ended, Ended::Interrupted(..)) {
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
                let why = format!("the drain of node {}, with {left}", node.id);
                return Err(self.interrupted(signal, why, false));
            }
        }
        Ok(())
    }

    /// Stops once the same change was accepted and found not applied UNAPPLIED_LIMIT times.
    fn count_unapplied(&mut self, action: Action) -> Result<(), Error> {
        self.unapplied = unapplied(self.unapplied, self.last_sent, action);
        if self.unapplied < UNAPPLIED_LIMIT {
            return Ok(());
        }
        Err(Error::Failed(format!(
            "load balancer {} accepted the change ({}) {} times but never applied it: it is ACTIVE and the node is as it was; check for a proxy or gateway between this host and the API that answers in its place",
            self.lb_id,
            words(action),
            self.unapplied
        )))
    }

    /// What an API failure means for the run: retry, wait, or stop with a final error.
    fn trouble(&mut self, e: ApiError, doing: &str) -> Result<Next<()>, Error> {
        let lb_id = self.lb_id;
        let region = self.session.as_ref().map_or("", |s| s.region.as_str());
        match e {
            ApiError::Transport(m) | ApiError::Server(m) => {
                Ok(Next::Retry(format!("{doing} failed: {m}")))
            }
            ApiError::RateLimited(after) => Ok(Next::RetryAfter(
                format!("rate limited while {doing}"),
                after,
            )),
            ApiError::Busy(m) => Ok(Next::Poll(format!("{doing}: {m}"))),
            ApiError::Duplicate => Ok(Next::Now),
            ApiError::Unauthorized if self.reauthenticated => Err(Error::Failed(format!(
                "{doing}: the load balancer API refused a fresh token (401): check that user '{}' may manage load balancers",
                self.cfg.username
            ))),
            ApiError::Unauthorized => {
                log("Token expired or revoked: authenticating again");
                self.session = None;
                self.reauthenticated = true;
                Ok(Next::Now)
            }
            ApiError::NotFound(m) => Err(Error::Config(format!(
                "load balancer {lb_id} was not found in region {region} ({m}): check LOAD_BALANCER_ID and OS_REGION_NAME"
            ))),
            ApiError::Gone(m) => Err(Error::Config(format!(
                "load balancer {lb_id} is deleted ({m}): check LOAD_BALANCER_ID"
            ))),
            ApiError::Refused(m) => Err(Error::Failed(format!("{doing} was refused: {m}"))),
            ApiError::Final(e) => Err(e),
        }
    }
}

/// A change in words: "update node 1000 to DRAINING".
fn words(action: Action) -> String {
    match action {
        Action::Create(c, attrs) => format!("create the node as {}", describe_new(c, attrs)),
        Action::Update(id, change) => format!("update node {id}{}", change.describe()),
        Action::Delete(id) => format!("delete node {id}"),
        Action::Nothing => "nothing".into(),
    }
}

/// "ENABLED, weight 5, type SECONDARY"
fn describe_new(c: Condition, attrs: crate::core::plan::Attrs) -> String {
    let mut how = c.as_str().to_string();
    if let Some(w) = attrs.weight {
        how += &format!(", weight {w}");
    }
    if let Some(t) = attrs.node_type {
        how += &format!(", type {}", t.as_str());
    }
    how
}

/// A `Next` that is not `Done` says the same whatever the pass would have returned.
fn retype<T>(next: Next<()>) -> Next<T> {
    match next {
        Next::Done(()) | Next::Now => Next::Now,
        Next::Changed(w) => Next::Changed(w),
        Next::Poll(w) => Next::Poll(w),
        Next::Blocked(w) => Next::Blocked(w),
        Next::Retry(w) => Next::Retry(w),
        Next::RetryAfter(w, d) => Next::RetryAfter(w, d),
    }
}
