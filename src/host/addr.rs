//! Finding this host's address when no flag or variable names it: the interfaces, read once
//! through getifaddrs, and a pure rule that picks from them.

use std::net::{IpAddr, Ipv4Addr};

/// One address of one interface.
#[derive(Clone, Debug, PartialEq)]
pub struct Iface {
    pub name: String,
    pub addr: IpAddr,
    pub up: bool,
    pub loopback: bool,
}

/// An address range, `10.0.0.0/8` or `fd00::/8`; a bare address is a range of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net {
    pub addr: IpAddr,
    pub bits: u8,
}

impl Net {
    /// `ADDR` or `ADDR/BITS`, IPv6 with or without brackets; None if it is neither.
    pub fn parse(s: &str) -> Option<Net> {
        let bare = s.trim().trim_start_matches('[');
        let (addr, bits) = match bare.split_once('/') {
            Some((a, b)) => (a.trim_end_matches(']'), Some(b)),
            None => (bare.trim_end_matches(']'), None),
        };
        let addr = addr.parse::<IpAddr>().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            None => max,
            Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max)?,
        };
        Some(Net { addr, bits })
    }

    /// Whether `ip` is in the range; a v4-mapped IPv6 address counts as its IPv4 form.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (ip, net, width) = match (ip.to_canonical(), self.addr.to_canonical()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a).into(), u32::from(b).into(), 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let shift = width - u32::from(self.bits);
        // A shift by the full width is zero bits of prefix: everything matches.
        shift >= 128 || (ip >> shift) == (net >> shift)
    }
}

/// Container and overlay bridges: their addresses are not how a load balancer reaches a host.
const VIRTUAL_PREFIXES: &[&str] = &[
    "docker", "br-", "cni", "flannel", "veth", "virbr", "cali", "weave", "vxlan", "tunl", "kube",
    "podman", "lxc", "lxd",
];

fn is_virtual(name: &str) -> bool {
    VIRTUAL_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The original tool's rule, made safe: the first `10.x` address (Rackspace's ServiceNet), else
/// the first IPv4 address on `eth0`; never a loopback, link-local, down or virtual interface.
pub fn choose(ifaces: &[Iface]) -> Option<(Ipv4Addr, &str)> {
    let usable = || {
        ifaces.iter().filter_map(|i| match i.addr {
            IpAddr::V4(a)
                if i.up
                    && !i.loopback
                    && !a.is_loopback()
                    && !a.is_link_local()
                    && !is_virtual(&i.name) =>
            {
                Some((a, i.name.as_str()))
            }
            _ => None,
        })
    };
    usable()
        .find(|(a, _)| a.octets()[0] == 10)
        .or_else(|| usable().find(|(_, name)| *name == "eth0"))
}

/// Reads this host's interfaces.
pub fn scan() -> Result<Vec<Iface>, String> {
    use nix::net::if_::InterfaceFlags;
    let addrs =
        nix::ifaddrs::getifaddrs().map_err(|e| format!("cannot list network interfaces: {e}"))?;
    Ok(addrs
        .filter_map(|a| {
            let storage = a.address?;
            let addr = if let Some(v4) = storage.as_sockaddr_in() {
                IpAddr::V4(v4.ip())
            } else {
                IpAddr::V6(storage.as_sockaddr_in6()?.ip())
            };
            Some(Iface {
                name: a.interface_name,
                addr,
                up: a.flags.contains(InterfaceFlags::IFF_UP),
                loopback: a.flags.contains(InterfaceFlags::IFF_LOOPBACK),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, addr: &str) -> Iface {
        Iface {
            name: name.into(),
            addr: addr.parse().unwrap(),
            up: true,
            loopback: name == "lo",
        }
    }

    fn pick(list: &[Iface]) -> Option<(String, String)> {
        choose(list).map(|(a, n)| (a.to_string(), n.to_string()))
    }

    fn p(a: &str, n: &str) -> Option<(String, String)> {
        Some((a.into(), n.into()))
    }

    #[test]
    fn a_rackspace_server_uses_servicenet() {
        let list = [
            iface("lo", "127.0.0.1"),
            iface("eth0", "162.209.1.2"),
            iface("eth0", "2001:4802::1"),
            iface("eth1", "10.176.5.6"),
        ];
        assert_eq!(pick(&list), p("10.176.5.6", "eth1"));
    }

    #[test]
    fn bridges_never_win_over_a_real_interface() {
        let list = [
            iface("docker0", "10.200.0.1"),
            iface("flannel.1", "10.244.0.0"),
            iface("cni0", "10.244.0.1"),
            iface("veth12ab", "10.1.1.1"),
            iface("eth1", "10.176.5.6"),
        ];
        assert_eq!(pick(&list), p("10.176.5.6", "eth1"));
        // Only bridges hold 10.x: eth0's address is the honest answer.
        let list = [iface("docker0", "10.200.0.1"), iface("eth0", "162.209.1.2")];
        assert_eq!(pick(&list), p("162.209.1.2", "eth0"));
    }

    #[test]
    fn skips_down_loopback_and_link_local() {
        let mut down = iface("eth1", "10.0.0.9");
        down.up = false;
        let list = [
            down,
            iface("lo", "10.0.0.8"),
            iface("eth2", "169.254.1.1"),
            iface("eth0", "192.0.2.7"),
        ];
        assert_eq!(pick(&list), p("192.0.2.7", "eth0"));
    }

    #[test]
    fn nothing_suitable() {
        assert_eq!(
            pick(&[iface("lo", "127.0.0.1"), iface("ens3", "192.0.2.1")]),
            None
        );
        assert_eq!(pick(&[]), None);
    }

    #[test]
    fn scan_reads_this_machine() {
        // Every Linux machine, container or not, has loopback.
        let list = scan().unwrap();
        assert!(
            list.iter()
                .any(|i| i.loopback && i.addr == IpAddr::V4(Ipv4Addr::LOCALHOST))
        );
    }
}
