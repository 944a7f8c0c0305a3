//! The drain watch: after DRAINING, wait until the load balancer's connections to the app have
//! ended, or the time is up. Progress is logged every 5 s. What "a connection" is, and how the
//! kernel's table is read, is `watch`'s business.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::host::addr::Net;
use crate::host::conns;
use crate::host::signal::{Signal, sleep};
use crate::log::{log, warn};
use crate::time::format_duration;

/// What to watch, and for how long.
pub struct Drain<'a> {
    pub node_id: &'a str,
    pub address: IpAddr,
    pub port: u16,
    pub peers: Peers<'a>,
    /// -drain-timeout, for the log.
    pub limit: Duration,
    /// When to stop waiting: -drain-timeout from now, or the run's deadline if sooner.
    pub until: Instant,
    /// How often to read the connection table.
    pub pace: Duration,
}

/// Where the load balancer's connections come from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Peers<'a> {
    /// Its own source addresses, as the service lists them (CLB).
    Among(&'a [IpAddr]),
    /// Addresses in these ranges (`-drain-from`).
    Within(&'a [Net]),
    /// Any address but this host's own: the service does not say where it connects from
    /// (Octavia), and a connection from this host is not the load balancer's.
    NotLocal,
}

impl Peers<'_> {
    /// Whether a connection from `ip` (canonical) may be the load balancer's, this host's own
    /// addresses being `local`.
    fn has(&self, ip: IpAddr, local: &[IpAddr]) -> bool {
        match self {
            Peers::Among(ips) => ips.iter().any(|s| s.to_canonical() == ip),
            Peers::Within(nets) => nets.iter().any(|n| n.contains(ip)),
            Peers::NotLocal => !ip.is_loopback() && !local.contains(&ip),
        }
    }

    /// For the log: "127.0.0.2, 127.0.0.3", "10.0.0.0/8", "any address but this host's".
    fn describe(&self) -> String {
        match self {
            Peers::Among(ips) => ips
                .iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            Peers::Within(nets) => nets
                .iter()
                .map(|n| format!("{}/{}", n.addr, n.bits))
                .collect::<Vec<_>>()
                .join(", "),
            Peers::NotLocal => "any address but this host's".into(),
        }
    }
}

/// How the wait ended.
#[derive(Debug, PartialEq)]
pub enum Ended {
    /// No connection left, after this long.
    Drained(Duration),
    /// Time ran out with these connections left (as `conns::describe` puts it).
    TimedOut(String),
    /// Connections could not be seen (said why in the log): the whole time was waited.
    Blind,
    /// A signal ended the wait, with these connections left (None: they could not be seen).
    Interrupted(Signal, Option<String>),
}

pub fn wait(d: &Drain) -> Ended {
    let started = Instant::now();
    // This host's own addresses, read once: a peer among them is not the load balancer.
    let local: Vec<IpAddr> = match d.peers {
        Peers::NotLocal => crate::host::addr::scan()
            .map(|ifaces| ifaces.iter().map(|i| i.addr.to_canonical()).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let from = |ip: IpAddr| d.peers.has(ip, &local);
    let sample =
        || conns::read_connections().map(|c| conns::lb_connections(&c, d.address, d.port, from));
    if let Some(why) = cannot_watch(d, &sample) {
        warn(&format!(
            "Cannot watch connections: {why}; waiting the whole -drain-timeout {} instead",
            format_duration(d.limit)
        ));
        return match sleep(d.until.saturating_duration_since(Instant::now())) {
            Ok(()) => Ended::Blind,
            Err(s) => Ended::Interrupted(s, None),
        };
    }
    log(&format!(
        "Waiting for connections from the load balancer ({}) to port {} to end, for up to {}",
        d.peers.describe(),
        d.port,
        format_duration(d.limit)
    ));
    let mut next_report = started;
    loop {
        let left = match sample() {
            Ok(by_source) => by_source,
            Err(why) => {
                warn(&format!("Cannot read connections any more: {why}"));
                return match sleep(d.until.saturating_duration_since(Instant::now())) {
                    Ok(()) => Ended::Blind,
                    Err(s) => Ended::Interrupted(s, None),
                };
            }
        };
        let now = Instant::now();
        if left.is_empty() {
            return Ended::Drained(started.elapsed());
        }
        if now >= d.until {
            return Ended::TimedOut(conns::describe(&left));
        }
        if now >= next_report {
            log(&format!(
                "Node {} is draining: {} connections left, {} to go",
                d.node_id,
                conns::describe(&left),
                format_duration(d.until - now)
            ));
            next_report = now + Duration::from_secs(5);
        }
        if let Err(s) = sleep(d.pace.min(d.until - now)) {
            return Ended::Interrupted(s, Some(conns::describe(&left)));
        }
    }
}

/// Why connections cannot be watched from here, if they cannot.
fn cannot_watch<T>(d: &Drain, sample: &impl Fn() -> Result<T, String>) -> Option<String> {
    if matches!(d.peers, Peers::Among([])) {
        return Some("the load balancer lists no source addresses".into());
    }
    let local = crate::host::addr::scan().map(|ifaces| {
        ifaces
            .iter()
            .any(|i| i.addr.to_canonical() == d.address.to_canonical())
    });
    match local {
        Ok(true) => {}
        Ok(false) => {
            return Some(format!(
                "this host has no interface with the node's address {} (a container without --net=host sees only its own network: run it with --net=host)",
                d.address
            ));
        }
        Err(why) => return Some(why),
    }
    sample()
        .err()
        .map(|why| format!("{why} (is /proc mounted?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_peers_count_as_the_load_balancer() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let local = [ip("10.0.0.5"), ip("fd00::5")];
        let listed = [ip("10.0.0.9")];
        let nets = [Net::parse("192.168.0.0/16").unwrap()];
        let table = [
            (Peers::Among(&listed), "10.0.0.9", true),
            (Peers::Among(&listed), "10.0.0.8", false),
            (Peers::Within(&nets), "192.168.7.1", true),
            (Peers::Within(&nets), "10.0.0.9", false),
            // Octavia: anyone but this host, its loopback included.
            (Peers::NotLocal, "10.0.0.9", true),
            (Peers::NotLocal, "10.0.0.5", false),
            (Peers::NotLocal, "fd00::5", false),
            (Peers::NotLocal, "127.0.0.2", false),
            (Peers::NotLocal, "::1", false),
        ];
        for (peers, from, want) in table {
            assert_eq!(peers.has(ip(from), &local), want, "{peers:?} {from}");
        }
    }
}
