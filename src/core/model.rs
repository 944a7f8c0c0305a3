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
}

/// Weight and type asked for with -weight and -type; None leaves them to the API (new nodes)
/// or as they are (existing ones).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attrs {
    pub weight: Option<u32>,
    pub node_type: Option<NodeType>,
}

/// What an update changes; None fields are left as they are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Change {
    pub condition: Option<Condition>,
    pub weight: Option<u32>,
    pub node_type: Option<NodeType>,
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

/// This host's entry in a load balancer's pool (a CLB node, an Octavia member). Only id,
/// address, port and condition are sure to be known.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub id: MemberId,
    /// As the service lists it: any spelling of the address.
    pub address: String,
    pub port: u16,
    pub condition: Condition,
    /// What the load balancer's health check says, in the service's word (ONLINE, OFFLINE).
    pub status: Option<String>,
    pub weight: Option<u32>,
    pub node_type: Option<String>,
    /// Whether it is administratively up, where the service keeps that apart from the
    /// condition (Octavia's `admin_state_up`); None where it does not (CLB).
    pub admin_up: Option<bool>,
    /// Where the service stands with the member itself, where it provisions members one by
    /// one (Octavia); None where it does not (CLB).
    pub provisioning: Option<Provisioning>,
}

/// A member's own provisioning, in the service's word for the log and -json.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provisioning {
    Settled(String),
    /// Being created, changed or deleted: look again.
    Pending(String),
    /// The service failed to apply the last change: nothing peekaboo sends will mend it.
    Failed(String),
}

impl Provisioning {
    pub fn word(&self) -> &str {
        match self {
            Provisioning::Settled(w) | Provisioning::Pending(w) | Provisioning::Failed(w) => w,
        }
    }
}

impl Member {
    /// The original tool's `{ADDR ID PORT STATUS CONDITION WEIGHT TYPE}`.
    pub fn summary(&self) -> String {
        format!(
            "{{{} {} {} {} {} {} {}}}",
            self.address,
            self.id,
            self.port,
            self.status.as_deref().unwrap_or("UNKNOWN"),
            self.condition.as_str(),
            self.weight.map_or("-".to_string(), |w| w.to_string()),
            self.node_type.as_deref().unwrap_or("-"),
        )
    }

    /// Whether the load balancer's health check passes, or there is none to pass (Octavia's
    /// NO_MONITOR: a pool without a health monitor sends traffic to every member).
    pub fn is_online(&self) -> bool {
        self.status.as_deref().is_some_and(|s| {
            s.eq_ignore_ascii_case("ONLINE") || s.eq_ignore_ascii_case("NO_MONITOR")
        })
    }
}

/// Where a load balancer stands, for deciding: it takes a change only when `Active`. The
/// words are the service's own, for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LbPhase {
    Active,
    /// Applying a change (its own or another host's), being built, or in trouble: not now.
    Busy(String),
    /// Deleted or being deleted: nothing will ever change it again.
    Gone(String),
}

impl LbPhase {
    /// The status as the service says it.
    pub fn word(&self) -> &str {
        match self {
            LbPhase::Active => "ACTIVE",
            LbPhase::Busy(w) | LbPhase::Gone(w) => w,
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
            Action::Create(c, attrs) => format!("create the node as {}", describe_new(*c, *attrs)),
            Action::Update(id, change) => format!("update node {id}{}", change.describe()),
            Action::Delete(id) => format!("delete node {id}"),
            Action::Nothing => "nothing".into(),
        }
    }

    /// The log's line as the change is sent: "Updating node 1000 to DRAINING".
    pub fn sending(&self) -> String {
        match self {
            Action::Create(c, attrs) => {
                format!("Creating new node as {}", describe_new(*c, *attrs))
            }
            Action::Update(id, change) => format!("Updating node {id}{}", change.describe()),
            Action::Delete(id) => format!("Deleting node {id}"),
            Action::Nothing => "Sending nothing".into(),
        }
    }
}

/// "ENABLED, weight 5, type SECONDARY"
pub fn describe_new(c: Condition, attrs: Attrs) -> String {
    let mut how = c.as_str().to_string();
    if let Some(w) = attrs.weight {
        how += &format!(", weight {w}");
    }
    if let Some(t) = attrs.node_type {
        how += &format!(", type {}", t.as_str());
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

#[cfg(test)]
impl From<u64> for MemberId {
    fn from(id: u64) -> MemberId {
        MemberId(id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_ids_sort_as_numbers_when_they_are_numbers() {
        let mut ids: Vec<MemberId> = ["1000", "999", "1001", "abc", "ab"]
            .iter()
            .map(|s| MemberId(s.to_string()))
            .collect();
        ids.sort();
        let got: Vec<&str> = ids.iter().map(|i| i.0.as_str()).collect();
        assert_eq!(got, ["ab", "999", "abc", "1000", "1001"]);
    }

    #[test]
    fn conditions_read_back_in_any_case() {
        for c in [Condition::Enabled, Condition::Disabled, Condition::Draining] {
            assert_eq!(Condition::from_word(c.as_str()), Some(c));
            assert_eq!(Condition::from_word(&c.as_str().to_lowercase()), Some(c));
        }
        assert_eq!(Condition::from_word("OFFLINE"), None);
    }
}
