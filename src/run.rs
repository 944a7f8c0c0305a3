//! The doing: observe the load balancer, decide with `reconcile::plan`, act, and go round
//! again until the node is as wanted and the load balancer has settled. Every pass starts
//! from a fresh listing, so a lost answer or a race with another host is simply re-read.

use std::net::{IpAddr, SocketAddr};

use crate::clb::{ApiError, Clb};
use crate::config::{AddressSource, Config, format_duration};
use crate::error::Error;
use crate::http::Http;
use crate::identity::{Session, authenticate};
use crate::log::log;
use crate::reconcile::{Action, Node, Want, find_node, plan};
use crate::retry::{Backoff, Deadline, seed};

/// What one pass found the next pass should do.
enum Next {
    /// The node is as wanted and the load balancer settled: this is its final state.
    Done(Option<Node>),
    /// Go again at once (after re-authenticating, or to re-read after a duplicate).
    Now,
    /// Our change was accepted: poll, from the shortest delay, until it is applied.
    Changed(String),
    /// The load balancer is busy: check again after a polling delay.
    Poll(String),
    /// Something failed that may work later: back off.
    Retry(String),
    /// Rate limited: wait this long (or back off if the server did not say).
    RetryAfter(String, Option<std::time::Duration>),
}

struct Run<'a> {
    cfg: &'a Config,
    http: Http,
    deadline: Deadline,
    address: IpAddr,
    session: Option<Session>,
    /// Set when we re-authenticated after a 401 and no call has succeeded since: a second 401
    /// then means the fresh token is refused too, which retrying will not mend.
    reauthenticated: bool,
    changed: bool,
}

/// Brings the node to `cfg.want`. Returns its final state (None: there is no node).
pub fn run(cfg: &Config) -> Result<Option<Node>, Error> {
    let deadline = Deadline::new(cfg.timeout);
    for note in &cfg.notes {
        log(note);
    }
    if let Some(hint) = crate::http::dns_hint(&cfg.auth_url) {
        log(&hint);
    }
    let address = resolve_address(cfg)?;
    let target = SocketAddr::new(address, cfg.port);
    match cfg.want {
        Want::Present(c) => log(&format!(
            "Setting {target} to be {} on load balancer {}",
            c.as_str(),
            cfg.lb_id
        )),
        Want::Absent => log(&format!(
            "Deleting {target} from load balancer {}",
            cfg.lb_id
        )),
    }
    let mut run = Run {
        cfg,
        http: Http::new(),
        deadline,
        address,
        session: None,
        reauthenticated: false,
        changed: false,
    };
    // Polling and error backoff start small and grow to -interval; polling starts over after
    // our change, since the load balancer usually settles within seconds of it.
    let base = cfg.interval / 8;
    let mut polls = Backoff::new(base, cfg.interval, seed());
    let mut errors = Backoff::new(base, cfg.interval, seed().rotate_left(17));
    let mut last_why = None;
    loop {
        let (why, again, delay) = match run.pass()? {
            Next::Done(node) => return Ok(node),
            Next::Now => continue,
            Next::Changed(why) => {
                polls.reset();
                (why, "checking again", polls.next_delay())
            }
            Next::Poll(why) => {
                errors.reset();
                (why, "checking again", polls.next_delay())
            }
            Next::Retry(why) => (why, "trying again", errors.next_delay()),
            Next::RetryAfter(why, after) => (
                why,
                "trying again",
                after.unwrap_or_else(|| errors.next_delay()),
            ),
        };
        if run.deadline.remaining().is_zero() {
            // This pass was cut short by the deadline itself; what we were waiting for is
            // what the pass before it found.
            return Err(Error::Deadline {
                limit: cfg.timeout,
                waiting_for: last_why.unwrap_or(why),
            });
        }
        if run.deadline.remaining() <= delay {
            // Waiting any longer cannot help: the next try would start after the deadline.
            run.deadline.sleep(delay);
            return Err(Error::Deadline {
                limit: cfg.timeout,
                waiting_for: why,
            });
        }
        log(&format!(
            "{}; {again} in {}",
            capitalize(&why),
            format_duration(delay)
        ));
        run.deadline.sleep(delay);
        last_why = Some(why);
    }
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
    let ifaces = crate::addr::scan().map_err(Error::Usage)?;
    let (ip, name) = crate::addr::choose(&ifaces).ok_or_else(|| {
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
    fn pass(&mut self) -> Result<Next, Error> {
        if self.session.is_none() {
            match authenticate(&self.http, self.cfg, &self.deadline) {
                Ok(s) => self.session = Some(s),
                Err(e) => return self.trouble(e, "authenticating"),
            }
        }
        let Some(session) = &self.session else {
            return Ok(Next::Now);
        };
        let lb_id = self.cfg.lb_id;
        let clb = Clb {
            http: &self.http,
            endpoint: &session.endpoint,
            token: &session.token,
            lb: lb_id,
            deadline: &self.deadline,
        };
        let lb = match clb.load_balancer() {
            Ok(lb) => lb,
            Err(e) => return self.trouble(e, "reading the load balancer"),
        };
        if matches!(lb.status.as_str(), "DELETED" | "PENDING_DELETE") {
            return Err(Error::Config(format!(
                "load balancer {lb_id} is {}: check LOAD_BALANCER_ID",
                lb.status
            )));
        }
        let nodes = match clb.nodes() {
            Ok(nodes) => nodes,
            Err(e) => return self.trouble(e, "listing the nodes"),
        };
        self.reauthenticated = false;
        let current = find_node(&nodes, self.address, self.cfg.port);
        let action = plan(current, self.cfg.want);
        let active = lb.status == "ACTIVE";
        let result = match action {
            Action::Nothing if self.changed && !active => {
                return Ok(Next::Poll(format!(
                    "load balancer {lb_id} is {} while it applies the change, waiting for ACTIVE",
                    lb.status
                )));
            }
            Action::Nothing => {
                if !self.changed {
                    log("Node is already in that state: nothing to change");
                }
                return Ok(Next::Done(current.cloned()));
            }
            _ if !active => {
                return Ok(Next::Poll(format!(
                    "load balancer {lb_id} is {}, waiting for ACTIVE before changing it",
                    lb.status
                )));
            }
            Action::Create(c) => {
                log(&format!("Creating new node as {}", c.as_str()));
                clb.create(&self.address.to_string(), self.cfg.port, c)
            }
            Action::Update(id, c) => {
                log(&format!("Updating node {id} to {}", c.as_str()));
                clb.update(id, c)
            }
            Action::Delete(id) => {
                log(&format!("Deleting node {id}"));
                clb.delete(id)
            }
        };
        match result {
            Ok(()) => {
                self.changed = true;
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
            Err(ApiError::Duplicate) => {
                log(
                    "The node exists already (an earlier try landed, or another host added it): listing again",
                );
                Ok(Next::Now)
            }
            Err(e) => self.trouble(e, "changing the node"),
        }
    }

    /// What an API failure means for the run: retry, wait, or stop with a final error.
    fn trouble(&mut self, e: ApiError, doing: &str) -> Result<Next, Error> {
        let lb_id = self.cfg.lb_id;
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
