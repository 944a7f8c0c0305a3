//! What peekaboo knows of a load balancer, in its own terms: a backend turns its service's
//! wire words into these, and these into requests. Nothing here knows a service.

use std::fmt;
use std::net::IpAddr;

/// A member's id as its service gives it: a number on Cloud Load Balancers, a UUID elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemberId(pub String);

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Shorter first, then by text: numeric ids sort as numbers (999 before 1000), and any other
/// id sorts the same way on every run, so "the first of our members" is always the same one.
impl Ord for MemberId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.0.len(), &self.0).cmp(&(other.0.len(), &other.0))
    }
}

impl PartialOrd for MemberId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A load balancer as the user named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LbRef(pub String);

impl fmt::Display for LbRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    Enabled,
    Disabled,
    Draining,
}

impl Condition {
    /// The word as peekaboo writes it (the original's words, which CLB's API shares).
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Enabled => "ENABLED",
            Condition::Disabled => "DISABLED",
            Condition::Draining => "DRAINING",
        }
    }

    /// Reads the word back, in any case.
    pub fn from_word(word: &str) -> Option<Condition> {
        [Condition::Enabled, Condition::Disabled, Condition::Draining]
            .into_iter()
            .find(|c| word.trim().eq_ignore_ascii_case(c.as_str()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    Primary,
    Secondary,
}

impl NodeType {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeType::Primary => "PRIMARY",
            NodeType::Secondary => "SECONDARY",
        }
    }

    /// Reads the word back, in any case.
    pub fn from_word(word: &str) -> Option<NodeType> {
        [NodeType::Primary, NodeType::Secondary]
            .into_iter()
            .find(|t| word.trim().eq_ignore_ascii_case(t.as_str()))
    }

    /// The type as said by peekaboo itself (a backend that maps its own field to it).
    pub fn said(self) -> Said<NodeType> {
        Said::new(Some(self), self.as_str())
    }
}

/// Weight, type and name asked for with -weight, -type and -name; None leaves them to the
/// service (new nodes) or as they are (existing ones). The name is only ever one given:
/// the name a backend gives a new node by default is its own affair, never a change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attrs {
    pub weight: Option<u32>,
    pub node_type: Option<NodeType>,
    pub name: Option<String>,
}

/// What an update changes; None fields are left as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    pub condition: Option<Condition>,
    pub weight: Option<u32>,
    pub node_type: Option<NodeType>,
    pub name: Option<String>,
}

impl Change {
    /// "to DRAINING, weight 5", or ": type SECONDARY" when the condition stays.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(w) = self.weight {
            parts.push(format!("weight {w}"));
        }
        if let Some(t) = self.node_type {
            parts.push(format!("type {}", t.as_str()));
        }
        if let Some(n) = &self.name {
            parts.push(format!("name {n}"));
        }
        match self.condition {
            Some(c) if parts.is_empty() => format!(" to {}", c.as_str()),
            Some(c) => format!(" to {}, {}", c.as_str(), parts.join(", ")),
            None => format!(": {}", parts.join(", ")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    Present(Condition),
    Absent,
    /// DRAINING if the node is serving (ENABLED); left as it is otherwise, absent included.
    /// The first half of a graceful exit: never adds a node, never revives a disabled one.
    Drained,
}

/// A word a service answered with, read at its edge: what peekaboo takes it to mean (None: a
/// word it does not know, never guessed at), and the word itself, for the log and -json.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Said<T> {
    pub meaning: Option<T>,
    pub word: String,
}

impl<T: Copy + PartialEq> Said<T> {
    pub fn new(meaning: Option<T>, word: impl Into<String>) -> Said<T> {
        Said {
            meaning,
            word: word.into(),
        }
    }

    pub fn is(&self, t: T) -> bool {
        self.meaning == Some(t)
    }
}

/// What the load balancer's health check says of a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStatus {
    /// Its check passes.
    Online,
    /// Nothing checks it (a pool without a health monitor): it gets traffic all the same.
    Unchecked,
    /// Its check fails, or it is out of service.
    Offline,
    /// It takes no new connections.
    Draining,
}

/// A member's own provisioning, where the service provisions members one by one (Octavia).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provisioning {
    Settled,
    /// Being created, changed or deleted: look again.
    Pending,
    /// The service failed to apply the last change to it. It still takes changes, and a
    /// change sent again may land.
    Failed,
}

/// This host's entry in a load balancer's pool (a CLB node, an Octavia member). Only id,
/// address, port and condition are sure to be known.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub id: MemberId,
    /// As the service lists it: any spelling of the address.
    pub address: String,
    pub port: u16,
    pub condition: Said<Condition>,
    /// What the load balancer's health check says.
    pub status: Option<Said<CheckStatus>>,
    pub weight: Option<u32>,
    pub node_type: Option<Said<NodeType>>,
    /// Whether it is administratively up, where the service keeps that apart from the
    /// condition (Octavia's `admin_state_up`); None where it does not (CLB).
    pub admin_up: Option<bool>,
    /// Where the service stands with the member itself; None where it has no such thing (CLB).
    pub provisioning: Option<Said<Provisioning>>,
    /// Its name, where the service names members and this one has a name; None otherwise
    /// (CLB names no node).
    pub name: Option<String>,
}

impl Member {
    /// The original tool's `{ADDR ID PORT STATUS CONDITION WEIGHT TYPE}`.
    pub fn summary(&self) -> String {
        format!(
            "{{{} {} {} {} {} {} {}}}",
            self.address,
            self.id,
            self.port,
            self.status.as_ref().map_or("UNKNOWN", |s| s.word.as_str()),
            self.condition.word,
            self.weight.map_or("-".to_string(), |w| w.to_string()),
            self.node_type.as_ref().map_or("-", |t| t.word.as_str()),
        )
    }

    /// Whether the load balancer sends it traffic as far as its health check goes: the check
    /// passes, or there is none (a pool without a health monitor sends traffic to every member).
    pub fn is_online(&self) -> bool {
        self.status
            .as_ref()
            .is_some_and(|s| s.is(CheckStatus::Online) || s.is(CheckStatus::Unchecked))
    }

    /// Whether what was read of it can be taken as its state: not when the service failed to
    /// apply the last change to it, nor when it used a word peekaboo does not know. A change
    /// asked of a member in doubt is sent even if it looks done already.
    pub fn in_doubt(&self) -> bool {
        self.condition.meaning.is_none()
            || self
                .provisioning
                .as_ref()
                .is_some_and(|p| p.meaning.is_none() || p.is(Provisioning::Failed))
    }

    /// A member as test tables write it: CLB's words.
    #[cfg(test)]
    pub fn sample(id: u64, address: &str, port: u16, condition: &str) -> Member {
        Member {
            id: id.into(),
            address: address.into(),
            port,
            condition: Said::new(Condition::from_word(condition), condition),
            status: None,
            weight: None,
            node_type: None,
            admin_up: None,
            provisioning: None,
            name: None,
        }
    }
}

/// Where a load balancer stands, for deciding: it takes a change only when `Active`. The
/// words are the service's own, for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LbPhase {
    Active,
    /// Applying a change (its own or another host's), being built, or in trouble: not now.
    Busy(String),
    /// A status peekaboo does not know: waited on as if busy, and named as unknown.
    Unknown(String),
    /// Deleted or being deleted: nothing will ever change it again.
    Gone(String),
}

impl LbPhase {
    /// The status as the service says it.
    pub fn word(&self) -> &str {
        match self {
            LbPhase::Active => "ACTIVE",
            LbPhase::Busy(w) | LbPhase::Unknown(w) | LbPhase::Gone(w) => w,
        }
    }
}

/// One read of a load balancer.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub phase: LbPhase,
    /// The addresses it connects to members from, when the service says (for the drain);
    /// None: it does not (Octavia), and any peer but this host may be the load balancer.
    pub sources: Option<Vec<IpAddr>>,
    /// False where the service takes a drain but ignores it (Octavia's `ovn` provider keeps
    /// sending new connections to a member with weight 0).
    pub can_drain: bool,
    /// Whether a create may go without a listing when the read carried no members: the
    /// service refuses a duplicate without locking anything (CLB). Octavia's members never
    /// come with the read, so it always lists first.
    pub blind_create: bool,
    /// Something that moves with every change applied (CLB's `updated` time), when the
    /// service has one: a busy load balancer that shows no progress is stuck, not busy.
    pub progress: Option<String>,
    /// The members, when the read carried them (absent means "list them", never "none").
    pub members: Option<Vec<Member>>,
}

/// The one next request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Nothing,
    Create(Condition, Attrs),
    Update(MemberId, Change),
    Delete(MemberId),
}

impl Action {
    /// The change in words: "update node 1000 to DRAINING".
    pub fn words(&self) -> String {
        match self {
            Action::Create(c, attrs) => format!("create the node as {}", describe_new(*c, attrs)),
            Action::Update(id, change) => format!("update node {id}{}", change.describe()),
            Action::Delete(id) => format!("delete node {id}"),
            Action::Nothing => "nothing".into(),
        }
    }

    /// The log's line as the change is sent: "Updating node 1000 to DRAINING".
    pub fn sending(&self) -> String {
        match self {
            Action::Create(c, attrs) => {
                format!("Creating new node as {}", describe_new(*c, attrs))
            }
            Action::Update(id, change) => format!("Updating node {id}{}", change.describe()),
            Action::Delete(id) => format!("Deleting node {id}"),
            Action::Nothing => "Sending nothing".into(),
        }
    }
}

/// "ENABLED, weight 5, type SECONDARY, name web-1"
pub fn describe_new(c: Condition, attrs: &Attrs) -> String {
    let mut how = c.as_str().to_string();
    if let Some(w) = attrs.weight {
        how += &format!(", weight {w}");
    }
    if let Some(t) = attrs.node_type {
        how += &format!(", type {}", t.as_str());
    }
    if let Some(n) = &attrs.name {
        how += &format!(", name {n}");
    }
    how
}

/// Test tables write conditions and ids as the API does.
#[cfg(test)]
impl From<&str> for Condition {
    fn from(word: &str) -> Condition {
        Condition::from_word(word).unwrap_or_else(|| panic!("not a condition: {word}"))
    }
}

/// Test tables write what a service said in CLB's words (and Octavia's NO_MONITOR).
#[cfg(test)]
impl From<&str> for Said<Condition> {
    fn from(word: &str) -> Self {
        Said::new(Condition::from_word(word), word)
    }
}

#[cfg(test)]
impl From<&str> for Said<NodeType> {
    fn from(word: &str) -> Self {
        Said::new(NodeType::from_word(word), word)
    }
}

#[cfg(test)]
impl From<&str> for Said<CheckStatus> {
    fn from(word: &str) -> Self {
        let meaning = match word {
            "ONLINE" => Some(CheckStatus::Online),
            "NO_MONITOR" => Some(CheckStatus::Unchecked),
            "OFFLINE" => Some(CheckStatus::Offline),
            "DRAINING" => Some(CheckStatus::Draining),
            _ => None,
        };
        Said::new(meaning, word)
    }
}

#[cfg(test)]
impl From<u64> for MemberId {
    fn from(id: u64) -> MemberId {
        MemberId(id.to_string())
    }
}

#[cfg(test)]
mod tests;
