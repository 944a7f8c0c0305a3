//! What a run tells at its end: the final state in the original's words on stderr, the
//! -status and -dry-run answers on stdout, -json objects on stdout, and the exit code.
//! A stdout nobody reads (a closed pipe, a full disk) costs the report, never the exit code:
//! that still says what happened to the node.

use serde_json::{Value, json};

use crate::cli::Config;
use crate::core::model::{Member, Provisioning};
use crate::engine::{Container, Mode, Outcome};
use crate::error::Error;
use crate::log;

/// Prints the outcomes and returns the exit code: that of the first load balancer that failed,
/// else 4 for -status with the node absent somewhere, else 0.
pub fn report(cfg: &Config, outcomes: &[Outcome]) -> u8 {
    let mut out = Stdout::default();
    let code = report_to(cfg, outcomes, &mut out);
    if let Some(e) = out.failed {
        log::error(&format!(
            "Error: could not write the report to stdout ({e}); the exit code still says how the run ended"
        ));
    }
    code
}

/// Stdout, written line by line until the first failure, which is kept to be told once.
#[derive(Default)]
struct Stdout {
    failed: Option<std::io::Error>,
}

impl Stdout {
    fn line(&mut self, line: &str) {
        if self.failed.is_none()
            && let Err(e) = log::stdout_line(line)
        {
            self.failed = Some(e);
        }
    }
}

fn report_to(cfg: &Config, outcomes: &[Outcome], out: &mut Stdout) -> u8 {
    let several = outcomes.len() > 1;
    for o in outcomes {
        let on = if several {
            format!(" on load balancer {}", o.lb_id)
        } else {
            String::new()
        };
        match (&o.error, &o.node) {
            (Some(e), _) => {
                let msg = e.to_string();
                if several && !msg.contains(&format!("load balancer {}", o.lb_id)) {
                    log::error(&format!("Error: load balancer {}: {msg}", o.lb_id));
                } else {
                    log::error(&format!("Error: {msg}"));
                }
            }
            // The read-only modes answer on stdout instead; -status says why it fails, too.
            _ if cfg.mode == Mode::Status => {
                for n in o.nodes.iter().filter(|n| n.in_doubt()) {
                    log::error(&format!(
                        "Error: load balancer {}: node {} {}",
                        o.lb_id,
                        n.id,
                        doubt(n)
                    ));
                }
            }
            _ if matches!(cfg.mode, Mode::DryRun(_)) => {}
            (None, Some(node)) => {
                log::outcome(&format!("Final node state{on}: {}", node.summary()))
            }
            (None, None) => log::outcome(&format!("Final node state{on}: Deleted")),
        }
        if !cfg.json && o.error.is_none() {
            print_answer(cfg, o, out);
        }
    }
    // Watch mode's -json is its stream of events, the leave's included.
    if cfg.json && !matches!(cfg.mode, Mode::Watch(_) | Mode::Docker) {
        for o in outcomes {
            out.line(&to_json(o, cfg.container.as_ref()).to_string());
        }
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| o.error.is_some())
        .map(|o| o.lb_id.to_string())
        .collect();
    if several && !failed.is_empty() {
        let all: Vec<String> = outcomes.iter().map(|o| o.lb_id.to_string()).collect();
        log::error(&format!(
            "Error: failed on load balancer {} (of {})",
            failed.join(", "),
            all.join(", ")
        ));
    }
    if let Some(e) = outcomes.iter().find_map(|o| o.error.as_ref()) {
        return e.exit_code();
    }
    if cfg.mode == Mode::Status {
        if outcomes.iter().flat_map(|o| &o.nodes).any(Member::in_doubt) {
            return crate::exit::FAILED;
        }
        if outcomes.iter().any(|o| o.node.is_none()) {
            return crate::exit::ABSENT;
        }
    }
    crate::exit::OK
}

/// The -status and -dry-run answers on stdout: one line per load balancer, and for -status one
/// per node of ours on it (duplicates are worth seeing). A node's name comes last, after the
/// original's `{…}`, so scripts that read that still do, and the name runs to the line's end.
fn print_answer(cfg: &Config, o: &Outcome, out: &mut Stdout) {
    let lb = format!("load balancer {} ({})", o.lb_id, o.region);
    let target = std::net::SocketAddr::new(o.address, o.port);
    match cfg.mode {
        Mode::Status => {
            if o.nodes.is_empty() {
                out.line(&format!("{lb}: {target} is absent"));
            }
            for n in &o.nodes {
                // Its own provisioning, where the service has it, when it is not settled.
                let note = match &n.provisioning {
                    Some(p) if !p.is(Provisioning::Settled) => {
                        format!(" provisioning_status {}", p.word)
                    }
                    _ => String::new(),
                };
                let name = match &n.name {
                    // Set by anyone: a control character would break the line.
                    Some(name) => format!(" name {}", name.replace(char::is_control, " ")),
                    None => String::new(),
                };
                out.line(&format!("{lb}: {}{note}{name}", n.summary()));
            }
        }
        Mode::DryRun(_) => match &o.would {
            Some(words) => out.line(&format!("{lb}: would {words}")),
            None => out.line(&format!("{lb}: {target} needs no change")),
        },
        Mode::Apply { .. } | Mode::Watch(_) | Mode::Docker => {}
    }
}

/// One load balancer as -json prints it. The field names are stable (see the README), and
/// every key is there in every run, null where it does not apply, so a consumer's schema
/// holds whether the node is present, absent or not known, and under the -docker agent or not.
pub fn to_json(o: &Outcome, container: Option<&Container>) -> Value {
    let mut v = json!({
        "load_balancer": id(&o.lb_id.0),
        "region": o.region,
        "address": o.address.to_string(),
        "port": o.port,
        "action": if o.error.is_some() { "failed" } else { o.did.as_str() },
        "would": o.would,
        "requests": o.requests,
        "error": o.error.as_ref().map(Error::to_string),
        "nodes": o.nodes.iter().map(|n| member_json(Some(n))).collect::<Vec<_>>(),
        "last_read": o.last_read.as_ref().map(|last| json!({
            "age_s": last.age.map(|a| a.as_secs()),
            "nodes": last.nodes.iter().map(|n| member_json(Some(n))).collect::<Vec<_>>(),
        })),
        "container": container.map(|c| &c.name),
        "container_id": container.map(|c| &c.id),
    });
    let node = member_json(o.node.as_ref());
    if let (Value::Object(top), Value::Object(fields)) = (&mut v, node) {
        top.extend(fields);
    }
    v
}

/// A member's own fields. `admin_state_up`, `provisioning_status` and `name` are Octavia's
/// (null on Cloud Load Balancers, which has none of them; `name` null too for a member
/// without one).
fn member_json(n: Option<&Member>) -> Value {
    json!({
        "node_id": n.map(|n| id(&n.id.0)),
        "condition": n.map(|n| &n.condition.word),
        "status": n.and_then(|n| n.status.as_ref()).map(|s| &s.word),
        "weight": n.and_then(|n| n.weight),
        "type": n.and_then(|n| n.node_type.as_ref()).map(|t| &t.word),
        "admin_state_up": n.and_then(|n| n.admin_up),
        "provisioning_status": n.and_then(|n| n.provisioning.as_ref()).map(|p| &p.word),
        "name": n.and_then(|n| n.name.as_ref()),
    })
}

/// Why a member of ours is not as -status would have it.
fn doubt(n: &Member) -> String {
    match (&n.condition.meaning, &n.provisioning) {
        (None, _) => format!(
            "is in condition {}, which peekaboo does not know: a change asked of it will be sent",
            n.condition.word
        ),
        (_, Some(p)) if p.is(Provisioning::Failed) => format!(
            "is in provisioning_status {}: the service failed to apply the last change to it; peekaboo sends the next change asked of it (or deletes it) all the same",
            p.word
        ),
        (_, Some(p)) => format!(
            "is in provisioning_status {}, which peekaboo does not know",
            p.word
        ),
        (_, None) => "is in doubt".into(),
    }
}

/// An id as the service gives it: a JSON number where it is one (Cloud Load Balancers), so
/// scripts comparing numbers keep working, else a string (a UUID).
fn id(text: &str) -> Value {
    text.parse::<u64>()
        .map_or_else(|_| Value::from(text), Value::from)
}
