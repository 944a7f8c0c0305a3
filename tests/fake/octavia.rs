//! Octavia v2 as the fake answers it, under `/octavia` (`/v2/lbaas/…` and its `/v2.0` alias):
//! load balancers with pools and members; every member write locks the load balancer and the
//! pool (PENDING_UPDATE for `Config.pending`) and leaves the member PENDING_* meanwhile; the
//! 409s, 400s, 404s (both body shapes) and keystonemiddleware's 401 as recorded from a real
//! one (docs/octavia-api.md). Time is read, not run: a status is computed from when its
//! hold ends, so no thread flips anything back.

use std::time::{Duration, Instant};

use super::Fake;

mod wire;
mod writes;

pub(super) use wire::handle;

const PROJECT: &str = "2d77f7bd05fa4b41a29953595304fd1d";

/// A member as the fake keeps it; tests read these through `octavia_members`.
#[derive(Clone, Debug, PartialEq)]
pub struct OMember {
    pub id: String,
    /// `""` when it has none, as Octavia lists it.
    pub name: String,
    pub address: String,
    pub port: u16,
    pub weight: u32,
    pub admin: bool,
    pub provisioning: String,
    pub operating: String,
    /// What the health monitor finds while the member is up with a weight: ONLINE when
    /// `Config.new_node_status` is ONLINE, else OFFLINE (not yet passing) until
    /// `set_member_status` says otherwise. Writes do not change it, as on the real one.
    pub check: String,
    pub tags: Vec<String>,
    pub subnet: Option<String>,
    /// Gets traffic only when no other member is up.
    pub backup: bool,
    /// When the provider is done with the last write (None: nothing in flight).
    pending_until: Option<Instant>,
    /// That write ends in ERROR (`fail_member_writes`).
    fails: bool,
}

struct OPool {
    id: String,
    name: String,
    monitor: bool,
    busy_until: Option<Instant>,
    members: Vec<OMember>,
}

struct OLb {
    id: String,
    name: String,
    provider: String,
    /// A status forced by a test (ERROR, PENDING_DELETE; DELETED: it answers 404).
    forced: Option<String>,
    busy_until: Option<Instant>,
    pools: Vec<OPool>,
    /// Writes so far: `updated_at` moves on with each, as on the real one.
    changes: u64,
    /// How many of the next member writes end in ERROR.
    failing: usize,
}

impl OLb {
    fn status(&self, now: Instant) -> String {
        match &self.forced {
            Some(s) => s.clone(),
            None if self.busy_until.is_some_and(|t| now < t) => "PENDING_UPDATE".into(),
            None => "ACTIVE".into(),
        }
    }
}

fn pool_status(p: &OPool, now: Instant) -> &'static str {
    if p.busy_until.is_some_and(|t| now < t) {
        "PENDING_UPDATE"
    } else {
        "ACTIVE"
    }
}

#[derive(Default)]
pub(super) struct Octavia {
    lbs: Vec<OLb>,
    next_id: u64,
}

impl Octavia {
    fn uuid(&mut self) -> String {
        self.next_id += 1;
        let n = self.next_id;
        let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{n:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            (h >> 4) & 0xfff,
            h & 0xfff
        )
    }

    /// What the provider finished by `now`: members out of PENDING_*, deleted ones gone.
    fn settle(&mut self, now: Instant) {
        for p in self.lbs.iter_mut().flat_map(|l| l.pools.iter_mut()) {
            let monitor = p.monitor;
            p.members.retain_mut(|m| {
                if m.pending_until.is_none_or(|t| now < t) {
                    return true;
                }
                m.pending_until = None;
                if m.fails {
                    m.fails = false;
                    m.provisioning = "ERROR".into();
                    return true;
                }
                if m.provisioning == "PENDING_DELETE" {
                    return false;
                }
                m.provisioning = "ACTIVE".into();
                m.operating = operating(m, monitor);
                true
            });
        }
    }

    fn lb(&mut self, id: &str) -> &mut OLb {
        match self.lbs.iter_mut().find(|l| l.id == id) {
            Some(l) => l,
            None => panic!("fake: no Octavia load balancer {id}; call add_octavia_lb first"),
        }
    }

    fn pool(&mut self, id: &str) -> &mut OPool {
        let found = self.lbs.iter_mut().flat_map(|l| l.pools.iter_mut());
        match found.into_iter().find(|p| p.id == id) {
            Some(p) => p,
            None => panic!("fake: no Octavia pool {id}; call add_pool first"),
        }
    }

    fn member(&mut self, id: &str) -> &mut OMember {
        let all = self.lbs.iter_mut().flat_map(|l| l.pools.iter_mut());
        match all.flat_map(|p| p.members.iter_mut()).find(|m| m.id == id) {
            Some(m) => m,
            None => panic!("fake: no Octavia member {id}"),
        }
    }
}

/// What the health manager would report once the provider is done: disabled is OFFLINE, no
/// monitor is NO_MONITOR (weight 0 included), else DRAINING at weight 0, else the check's
/// verdict.
fn operating(m: &OMember, monitor: bool) -> String {
    if !m.admin {
        "OFFLINE".into()
    } else if !monitor {
        "NO_MONITOR".into()
    } else if m.weight == 0 {
        "DRAINING".into()
    } else {
        m.check.clone()
    }
}

/// A new member's health check, from `Config.new_node_status` as for CLB nodes.
fn first_check(cfg: &super::Config) -> String {
    if cfg.new_node_status == "ONLINE" {
        "ONLINE".into()
    } else {
        "OFFLINE".into()
    }
}

impl Fake {
    /// The Octavia endpoint the Keystone catalog names: "http://127.0.0.1:PORT/octavia".
    pub fn octavia_url(&self) -> String {
        format!("http://127.0.0.1:{}/octavia", self.shared.port)
    }

    /// A token Octavia takes, as if from Keystone (for tests that need no Keystone).
    pub fn issue_token(&self) -> String {
        let mut st = self.shared.lock();
        st.token_count += 1;
        let token = format!("gAAAAABoct-{}-a1b2c3d4e5f6", st.token_count);
        let end = Instant::now() + self.shared.cfg.token_ttl;
        st.tokens.insert(token.clone(), end);
        token
    }

    /// An ACTIVE load balancer of provider `amphora` with no pools; its id.
    pub fn add_octavia_lb(&self, name: &str) -> String {
        let mut st = self.shared.lock();
        let id = st.octavia.uuid();
        st.octavia.lbs.push(OLb {
            id: id.clone(),
            name: name.into(),
            provider: "amphora".into(),
            forced: None,
            busy_until: None,
            pools: vec![],
            changes: 0,
            failing: 0,
        });
        id
    }

    /// `ovn` ignores weight; `amphora` (the default) honours it.
    pub fn set_provider(&self, lb: &str, provider: &str) {
        self.shared.lock().octavia.lb(lb).provider = provider.into();
    }

    /// Forces the load balancer's provisioning status (ERROR, PENDING_DELETE; DELETED: it
    /// answers 404 from now on, as the real one hides deleted ones); None: back to normal.
    pub fn set_lb_provisioning(&self, lb: &str, status: Option<&str>) {
        self.shared.lock().octavia.lb(lb).forced = status.map(str::to_string);
    }

    /// The load balancer's provisioning status now.
    pub fn lb_provisioning(&self, lb: &str) -> String {
        self.shared.lock().octavia.lb(lb).status(Instant::now())
    }

    /// A pool on `lb`, with a health monitor or without; its id.
    pub fn add_pool(&self, lb: &str, name: &str, monitor: bool) -> String {
        let mut st = self.shared.lock();
        let id = st.octavia.uuid();
        st.octavia.lb(lb).pools.push(OPool {
            id: id.clone(),
            name: name.into(),
            monitor,
            busy_until: None,
            members: vec![],
        });
        id
    }

    /// Test setup, not an API call: an ACTIVE member (weight 1, admin up), no lock; its id.
    pub fn add_member(&self, pool: &str, address: &str, port: u16) -> String {
        let mut st = self.shared.lock();
        let id = st.octavia.uuid();
        let p = st.octavia.pool(pool);
        let mut m = OMember {
            id: id.clone(),
            name: String::new(),
            address: address.into(),
            port,
            weight: 1,
            admin: true,
            provisioning: "ACTIVE".into(),
            operating: String::new(),
            check: first_check(&self.shared.cfg),
            tags: vec![],
            subnet: None,
            backup: false,
            pending_until: None,
            fails: false,
        };
        m.operating = operating(&m, p.monitor);
        p.members.push(m);
        id
    }

    /// The pool's members now, in creation order.
    pub fn octavia_members(&self, pool: &str) -> Vec<OMember> {
        let mut st = self.shared.lock();
        st.octavia.settle(Instant::now());
        st.octavia.pool(pool).members.clone()
    }

    /// A change behind the client's back (another tool, the health manager, a failed
    /// provider): weight, admin state, name, tags, either status.
    pub fn edit_member(&self, member: &str, edit: impl FnOnce(&mut OMember)) {
        let mut st = self.shared.lock();
        st.octavia.settle(Instant::now());
        edit(st.octavia.member(member));
    }

    /// What the health manager says of a member: ONLINE, ERROR, OFFLINE... (and goes on
    /// saying after later writes, while it is up with a weight and its pool has a monitor).
    pub fn set_member_status(&self, member: &str, operating: &str) {
        self.edit_member(member, |m| {
            m.operating = operating.into();
            m.check = operating.into();
        });
    }

    /// The next `n` member writes on `lb` end in ERROR on the member (the provider failed;
    /// the load balancer and pool are ACTIVE again, as after the real revert).
    pub fn fail_member_writes(&self, lb: &str, n: usize) {
        self.shared.lock().octavia.lb(lb).failing = n;
    }

    /// The load balancer alone PENDING_UPDATE for `for_` (an LB-level change): writes get the
    /// 409 naming the load balancer.
    pub fn hold_lb(&self, lb: &str, for_: Duration) {
        let until = Instant::now() + for_;
        self.shared.lock().octavia.lb(lb).busy_until = Some(until);
    }

    /// The pool and its load balancer PENDING_UPDATE for `for_` (another host's member change
    /// in flight): writes get the 409 naming the pool.
    pub fn hold_pool(&self, pool: &str, for_: Duration) {
        let until = Instant::now() + for_;
        let mut st = self.shared.lock();
        let lbs = &mut st.octavia.lbs;
        for l in lbs
            .iter_mut()
            .filter(|l| l.pools.iter().any(|p| p.id == pool))
        {
            l.busy_until = Some(until);
            for p in l.pools.iter_mut().filter(|p| p.id == pool) {
                p.busy_until = Some(until);
            }
        }
    }

    /// "METHOD /pools/…/members/…" (after `/v2/lbaas`) for each POST, PUT or DELETE sent to
    /// Octavia, in order, whatever the answer.
    pub fn octavia_writes(&self) -> Vec<String> {
        let reqs = self.shared.lock().requests.clone();
        reqs.iter()
            .filter(|r| matches!(r.method.as_str(), "POST" | "PUT" | "DELETE"))
            .filter_map(|r| Some(format!("{} {}", r.method, lbaas(&r.path)?)))
            .collect()
    }
}

/// The path after `/octavia/v2/lbaas` (or `/v2.0/lbaas`), query string included.
fn lbaas(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/octavia/")?;
    let rest = rest
        .strip_prefix("v2.0/")
        .or_else(|| rest.strip_prefix("v2/"))?;
    rest.strip_prefix("lbaas")
        .filter(|r| r.is_empty() || r.starts_with('/'))
}

pub(super) fn is_octavia(path: &str) -> bool {
    path == "/octavia" || path.starts_with("/octavia/")
}
