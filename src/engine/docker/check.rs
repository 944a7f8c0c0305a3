//! The agent's one look at the load balancers, at its start: credentials that are refused end
//! the run (exit 2, as a watch's would); a load balancer that does not exist leaves out the
//! containers that name it; a member of this host's on a port no labelled container claims is
//! named once, and left alone.

use std::collections::BTreeMap;

use crate::core::model::LbRef;
use crate::core::plan::same_address;
use crate::engine::{LbState, Run};
use crate::error::Error;
use crate::log;
use crate::time::Deadline;

/// Signs in, then reads each load balancer the labels name (`claims`: each one's ports, and
/// the containers that name it, as shown). Returns the load balancers that could not be read,
/// with why. Credentials refused are the run's end; an outage past -timeout is only warned
/// about: each container's watch signs in and reads for itself.
pub(super) fn check(
    run: &mut Run,
    claims: &BTreeMap<String, Vec<(u16, String)>>,
) -> Result<Vec<(String, String)>, Error> {
    let deadline = Deadline::new(run.cfg.timing.timeout);
    let signed = run.drive(&deadline, |run, d| {
        run.backend
            .authenticate(d)
            .map_err(|e| run.trouble(e, "authenticating"))
    });
    match signed {
        Ok(()) => {}
        Err(e @ Error::Deadline { .. }) => {
            log::warn(&format!("Warning: {e}; each container's watch tries again"));
            return Ok(Vec::new());
        }
        Err(e) => return Err(e),
    }
    let mut unusable = Vec::new();
    for (lb, claimed) in claims {
        let deadline = Deadline::new(run.cfg.timing.timeout);
        run.lb = LbState::new(LbRef(lb.clone()));
        match run.drive(&deadline, Run::status_pass) {
            Ok(_) => unclaimed(run, lb, claimed),
            Err(e) => unusable.push((lb.clone(), e.to_string())),
        }
    }
    Ok(unusable)
}

/// Names each member for this host's address on a port none of `claimed` has.
fn unclaimed(run: &Run, lb: &str, claimed: &[(u16, String)]) {
    let ours = |address: &str| same_address(address, run.address);
    for m in run.lb.mine.iter().chain(&run.lb.others) {
        if ours(&m.address) && !claimed.iter().any(|(port, _)| *port == m.port) {
            log::log(&format!(
                "Load balancer {lb} has node {} for {}:{} ({}), which no labelled container claims: left as it is",
                m.id, m.address, m.port, m.condition.word
            ));
        }
    }
}
