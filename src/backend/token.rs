//! When a token is renewed, for every backend: the identity services differ in their wire words
//! but not in what an expiry means.

use std::cell::Cell;
use std::sync::Once;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::backend::{ApiError, Secret};
use crate::log::{log, warn};
use crate::time::{format_duration, format_rfc3339};

/// A token and where it is good for, as an identity service hands it out.
pub struct Session {
    pub token: Secret,
    /// The load balancer service's endpoint from the catalog.
    pub endpoint: String,
    /// The region as the catalog names it.
    pub region: String,
    /// How the catalog's entry for the endpoint was chosen, in words (`Picked::how`).
    pub chosen: String,
    /// None: identity gave no usable expiry, so the token is renewed only when refused (401).
    pub renewal: Option<Renewal>,
}

/// The load balancer endpoint an identity service's catalog gives, and how it was chosen.
#[derive(Debug, PartialEq)]
pub struct Picked {
    pub url: String,
    /// The region as the catalog names it.
    pub region: String,
    /// Which of the catalog's entries, interface and region, in words.
    pub how: String,
}

impl Picked {
    /// The region part of `how`: the catalog's region `name` for the region `asked`, if any.
    pub fn region_words(asked: Option<&str>, name: &str) -> String {
        match (asked, name) {
            (_, "") => "for every region".to_string(),
            (Some(_), name) => format!("region {name}"),
            (None, name) => format!("region {name}, the catalog's only one"),
        }
    }
}

/// A load balancer call's result, where a transport failure that comes before the endpoint
/// has ever answered says how the endpoint was chosen, once: an endpoint nobody answers at is
/// most often the wrong one of the catalog's. `settled` remembers that it answered or that it
/// was said; after that a failure is only a failure.
pub fn note_endpoint<T>(
    result: Result<T, ApiError>,
    held: Option<&Session>,
    settled: &Cell<bool>,
) -> Result<T, ApiError> {
    let Some(session) = held else { return result };
    match result {
        Err(ApiError::Transport(m)) if !settled.replace(true) => {
            Err(ApiError::Transport(format!("{m} ({})", session.chosen)))
        }
        other => {
            settled.set(true);
            other
        }
    }
}

/// The region for the report: the catalog's name for it once signed in, else as configured.
pub fn region(held: Option<&Session>, configured: Option<&str>) -> String {
    match held {
        Some(s) => s.region.clone(),
        None => configured.unwrap_or_default().to_string(),
    }
}

/// Gets a token when none is held, and a new one when the one held is due for renewal: a
/// watch outlives any token, and renewing before the expiry spares it the 401. A renewal that
/// fails for a while keeps the token held until it expires.
pub fn refresh(
    held: &mut Option<Session>,
    fetch: impl FnOnce() -> Result<Session, ApiError>,
) -> Result<(), ApiError> {
    let now = Instant::now();
    let due = match held {
        None => None,
        Some(s) => match s.renewal {
            Some(r) if now >= r.at => Some(r),
            _ => return Ok(()),
        },
    };
    if let Some(r) = &due {
        let at = format_rfc3339(r.expires_unix);
        log(&if now < r.expires_at {
            format!("Token expires at {at}: authenticating again before it does")
        } else {
            format!("Token expired at {at}: authenticating again")
        });
    }
    match fetch() {
        Ok(session) => {
            // From now on no line may hold it, whoever quotes it back.
            crate::log::secret(&session.token.0);
            *held = Some(session);
            Ok(())
        }
        Err(e) => {
            let now = Instant::now();
            let retry = due.and_then(|r| Some((r, retry_renewal_at(&e, now, &r)?)));
            match (retry, held.as_mut()) {
                (Some((r, at)), Some(session)) => {
                    warn(&format!(
                        "Renewing the token failed ({}): going on with the current one, which expires at {}; trying again in {}",
                        failure(&e),
                        format_rfc3339(r.expires_unix),
                        format_duration(at - now)
                    ));
                    session.renewal = Some(Renewal { at, ..r });
                    Ok(())
                }
                _ => {
                    *held = None;
                    Err(e)
                }
            }
        }
    }
}

/// A renewal failure that may pass, in words (the ones `retry_renewal_at` keeps a token for).
fn failure(e: &ApiError) -> String {
    match e {
        ApiError::Transport(m) | ApiError::Server(m) | ApiError::TryAgainIn(m, _) => m.clone(),
        ApiError::RateLimited(_) => "rate limited".into(),
        _ => "refused".into(),
    }
}

/// When to get a new token, on this host's monotonic clock: the wall clock may be set back or
/// forward while a watch runs for weeks, and only the lifetime at receipt is trusted to it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Renewal {
    /// From this instant on, the next `authenticate` gets a new token.
    pub at: Instant,
    /// When the token stops working: a renewal that fails for a while keeps it until then.
    pub expires_at: Instant,
    /// The expiry as identity gave it (unix seconds), for the log.
    pub expires_unix: i64,
}

/// How early a long-lived token is renewed: time for a slow or failing identity to answer a few
/// tries before the old token stops working, yet one renewal a day for a 24 h token.
const RENEW_EARLY: Duration = Duration::from_secs(5 * 60);

/// Lifetimes beyond this are read as this: renewing a year-long token early is harmless, and
/// no sum of instants can overflow.
const LONGEST_LIFETIME: Duration = Duration::from_secs(366 * 86_400);

/// When a token expiring at `expires_unix` (identity's word), received at `received` when the
/// wall clock said `now_unix_ms`, is to be renewed: when less than min(5 min, a tenth of its
/// lifetime) is left. None when it looks expired already, which only a clock ahead of
/// identity's by the whole lifetime explains: then it is renewed only when refused.
pub fn renewal(expires_unix: i64, now_unix_ms: i64, received: Instant) -> Option<Renewal> {
    let lifetime_ms = expires_unix
        .saturating_mul(1000)
        .saturating_sub(now_unix_ms);
    let lifetime = Duration::from_millis(u64::try_from(lifetime_ms).ok().filter(|&ms| ms > 0)?)
        .min(LONGEST_LIFETIME);
    Some(Renewal {
        at: received + (lifetime - RENEW_EARLY.min(lifetime / 10)),
        expires_at: received + lifetime,
        expires_unix,
    })
}

/// After a renewal failed with `e` at `now`: when to try again, going on with the old token
/// meanwhile (a hiccup at identity must not drop a token that works). None when the token
/// has expired, or the failure will not pass on retry: then the failure is the answer.
pub fn retry_renewal_at(e: &ApiError, now: Instant, old: &Renewal) -> Option<Instant> {
    let told = match e {
        ApiError::Transport(_) | ApiError::Server(_) => Duration::ZERO,
        ApiError::RateLimited(after) => after.unwrap_or_default(),
        // Kept too: the next try, when it is refused again, is final.
        ApiError::TryAgainIn(_, pause) => *pause,
        _ => return None,
    };
    let left = old.expires_at.checked_duration_since(now)?;
    if left.is_zero() {
        return None;
    }
    // Half of what is left, so a few tries fit before it expires yet not one per API call.
    let wait = (left / 2).max(Duration::from_secs(1)).max(told).min(left);
    Some(now + wait)
}

/// The renewal instant, warning once per run when the token looks expired on arrival: that is
/// this host's clock, which also stamps the logs, and renewing on 401 alone still works.
pub fn renewal_or_warn(expires_unix: i64, received: Instant) -> Option<Renewal> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let found = renewal(expires_unix, now, received);
    if found.is_none() {
        static WARNED: Once = Once::new();
        WARNED.call_once(|| {
            crate::log::warn(&format!(
                "Warning: identity's token expires at {}, which this host's clock ({}) says is past: renewing it only when the API refuses it; check this host's clock (NTP)",
                format_rfc3339(expires_unix),
                format_rfc3339(now.div_euclid(1000))
            ))
        });
    }
    found
}

#[cfg(test)]
mod tests;
