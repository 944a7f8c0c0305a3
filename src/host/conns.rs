//! The TCP connections the load balancer still holds to the app, read from /proc/net/tcp and
//! tcp6. The parsing and counting are pure; only `read_connections` touches the system.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// One line of /proc/net/tcp or /proc/net/tcp6.
#[derive(Clone, Debug, PartialEq)]
pub struct Conn {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: u8,
}

const TIME_WAIT: u8 = 0x06;
const CLOSE: u8 = 0x07;
const LISTEN: u8 = 0x0A;

/// Parses one line of /proc/net/tcp{,6}; None for the header or anything malformed.
pub fn parse_line(line: &str) -> Option<Conn> {
    let mut fields = line.split_whitespace();
    let slot = fields.next()?;
    if !slot.ends_with(':') {
        return None;
    }
    let local = parse_endpoint(fields.next()?)?;
    let remote = parse_endpoint(fields.next()?)?;
    let state = u8::from_str_radix(fields.next()?, 16).ok()?;
    Some(Conn {
        local,
        remote,
        state,
    })
}

/// `0100007F:1F90` or 32 hex digits `:PORT`. The kernel prints each 32-bit word of the address
/// as a native-endian number, so the bytes come back with `to_ne_bytes`.
fn parse_endpoint(s: &str) -> Option<SocketAddr> {
    let (addr, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |hex: &str| u32::from_str_radix(hex, 16).ok().map(u32::to_ne_bytes);
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(addr)?)),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                chunk.copy_from_slice(&word(addr.get(i * 8..i * 8 + 8)?)?);
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// The connections that still carry load balancer traffic to the app: to the node's `address`
/// and `port`, from a peer `from` accepts (v4-mapped IPv6 is given as IPv4), in any state but
/// LISTEN, TIME_WAIT and CLOSE. Returned as a count per remote address. The local address
/// counts too: a socket of another program on another of this host's addresses may hold the
/// same port number, and its peer may be one the load balancer uses (`::1` is on loopback).
pub fn lb_connections(
    conns: &[Conn],
    address: IpAddr,
    port: u16,
    from: impl Fn(IpAddr) -> bool,
) -> BTreeMap<IpAddr, usize> {
    let mut by_source = BTreeMap::new();
    for c in conns {
        let remote = c.remote.ip().to_canonical();
        if c.local.port() == port
            && c.local.ip().to_canonical() == address.to_canonical()
            && !matches!(c.state, LISTEN | TIME_WAIT | CLOSE)
            && from(remote)
        {
            *by_source.entry(remote).or_insert(0) += 1;
        }
    }
    by_source
}

/// "3 (2 from 10.0.0.1, 1 from 10.0.0.2)"
pub fn describe(by_source: &BTreeMap<IpAddr, usize>) -> String {
    let total: usize = by_source.values().sum();
    if total == 0 {
        return "0".into();
    }
    let parts: Vec<String> = by_source
        .iter()
        .map(|(ip, n)| format!("{n} from {ip}"))
        .collect();
    format!("{total} ({})", parts.join(", "))
}

/// Reads this network namespace's TCP connections, IPv4 and IPv6.
pub fn read_connections() -> Result<Vec<Conn>, String> {
    let mut conns = Vec::new();
    for path in ["/proc/net/tcp", "/proc/net/tcp6"] {
        match std::fs::read_to_string(path) {
            Ok(text) => conns.extend(text.lines().filter_map(parse_line)),
            // A kernel without IPv6 has no tcp6: that is no connections, not an error.
            Err(e) if path.ends_with('6') && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {path}: {e}")),
        }
    }
    Ok(conns)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from a real kernel: a listener on [::]:38221 with connections from 127.0.0.2
    // (v4-mapped) and from ::1, and a listener on 127.0.0.1:39447 with one from 127.0.0.2.
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9A17 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31059 1 0000000084260cf6 100 0 0 10 0
   2: 0100007F:9A17 0200007F:B6B9 01 00000000:00000000 00:00000000 00000000     0        0 31061 1 000000002abc4e57 20 0 0 10 -1
   3: 0200007F:EAFB 0100007F:954D 01 00000000:00000000 00:00000000 00000000     0        0 31055 2 000000004878305d 20 0 0 10 -1
   4: 0200007F:B6B9 0100007F:9A17 01 00000000:00000000 00:00000000 00000000     0        0 31060 2 00000000ef93456e 20 0 0 10 -1
   5: 0100007F:9A17 0200007F:C001 06 00000000:00000000 03:00000B1C 00000000     0        0 0 3 0000000000000000";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:954D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31054 1 00000000d0041016 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:954D 0000000000000000FFFF00000200007F:EAFB 01 00000000:00000000 00:00000000 00000000     0        0 31056 1 0000000023fbf632 20 0 0 10 -1
   2: 00000000000000000000000001000000:954D 00000000000000000000000001000000:E7CA 01 00000000:00000000 00:00000000 00000000     0        0 31058 1 000000003e6bcae1 20 0 0 10 -1
   3: 00000000000000000000000001000000:E7CA 00000000000000000000000001000000:954D 01 00000000:00000000 00:00000000 00000000     0        0 31057 2 0000000004c331fe 20 0 0 10 -1";

    fn conns() -> Vec<Conn> {
        TCP.lines()
            .chain(TCP6.lines())
            .filter_map(parse_line)
            .collect()
    }

    fn among(sources: &[IpAddr]) -> impl Fn(IpAddr) -> bool + '_ {
        |ip| sources.contains(&ip)
    }

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_ipv4_ipv6_and_v4_mapped_lines() {
        let c = conns();
        assert_eq!(c.len(), 9, "the two headers are skipped");
        assert_eq!(
            c[0],
            Conn {
                local: sa("127.0.0.1:39447"),
                remote: sa("0.0.0.0:0"),
                state: LISTEN
            }
        );
        assert_eq!(c[1].remote, sa("127.0.0.2:46777"));
        assert_eq!(c[4].state, TIME_WAIT);
        assert_eq!(c[5].local, sa("[::]:38221"));
        assert_eq!(c[6].local, sa("[::ffff:127.0.0.1]:38221"));
        assert_eq!(c[6].remote, sa("[::ffff:127.0.0.2]:60155"));
        assert_eq!(c[7].remote, sa("[::1]:59338"));
    }

    #[test]
    fn counts_only_load_balancer_traffic_to_the_app_port() {
        let c = conns();
        let lb: Vec<IpAddr> = vec!["127.0.0.2".parse().unwrap()];
        let (v4, v6): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "::1".parse().unwrap());
        // Port 39447: one ESTABLISHED from 127.0.0.2; the LISTEN and the TIME_WAIT don't count.
        let n = lb_connections(&c, v4, 39447, among(&lb));
        assert_eq!(describe(&n), "1 (1 from 127.0.0.2)");
        // Port 38221 over IPv6: the v4-mapped connection is from 127.0.0.2; ::1 is not the LB.
        assert_eq!(
            describe(&lb_connections(&c, v4, 38221, among(&lb))),
            "1 (1 from 127.0.0.2)"
        );
        // Each connection counts for the address it came to only.
        let both = vec!["127.0.0.2".parse().unwrap(), "::1".parse().unwrap()];
        assert_eq!(
            describe(&lb_connections(&c, v4, 38221, among(&both))),
            "1 (1 from 127.0.0.2)"
        );
        assert_eq!(
            describe(&lb_connections(&c, v6, 38221, among(&both))),
            "1 (1 from ::1)"
        );
        // The outgoing side of a connection (local port random) is not the app's.
        assert_eq!(describe(&lb_connections(&c, v4, 46777, among(&lb))), "0");
        assert_eq!(
            describe(&lb_connections(
                &c,
                v4,
                39447,
                among(&["10.0.0.1".parse().unwrap()])
            )),
            "0"
        );
        // Nor is a socket on another address that happens to hold the app's port number.
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert_eq!(describe(&lb_connections(&c, other, 39447, among(&lb))), "0");
    }

    #[test]
    fn malformed_lines_are_skipped() {
        for bad in [
            "",
            "garbage",
            "   0: 0100007F 00000000:0000 0A",
            "   0: 0100007G:9A17 00000000:0000 0A",
            "   0: 0100007F:9A17 00000000:0000 ZZ",
            "   0: 01007F:9A17 00000000:0000 0A",
            "   0: 0100007F:9A17",
            "   0: 0000000000000000FFFF0000010000:954D 00000000000000000000000000000000:0000 0A",
        ] {
            assert_eq!(parse_line(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_this_machine() {
        // A listener we own must show up: the edge and the parser agree with the kernel.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let conns = read_connections().unwrap();
        assert!(
            conns
                .iter()
                .any(|c| c.local.port() == port && c.state == LISTEN)
        );
    }
}
