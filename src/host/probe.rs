//! The `-health tcp` probe (and `-wait`'s first step): whether the app accepts a TCP
//! connection on its address and port. The `-health URL` probe is `Http::health_get`, beside
//! the TLS roots and proxy rules it shares with the API requests.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Whether something accepts TCP connections on `addr` now; the error says why not.
pub fn app_accepts(addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    TcpStream::connect_timeout(&addr, timeout.max(Duration::from_millis(1)))
        .map(drop)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                "no answer".to_string()
            }
            _ => e.to_string(),
        })
}

/// A port on 127.0.0.1 bound but not listening, held by the returned socket: connecting is
/// refused, and no other test can take the port meanwhile (one dropped could be handed to a
/// listener of a test running beside it).
#[cfg(test)]
pub fn held_port() -> (std::os::fd::OwnedFd, u16) {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, SockaddrIn, bind, getsockname};
    use std::os::fd::AsRawFd;
    let held = nix::sys::socket::socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .unwrap();
    let any: std::net::SocketAddrV4 = "127.0.0.1:0".parse().unwrap();
    bind(held.as_raw_fd(), &SockaddrIn::from(any)).unwrap();
    let port = getsockname::<SockaddrIn>(held.as_raw_fd()).unwrap().port();
    (held, port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_accepts_and_a_port_held_without_one_refuses() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert_eq!(
            app_accepts(l.local_addr().unwrap(), Duration::from_secs(1)),
            Ok(())
        );
        let (_held, port) = held_port();
        assert_eq!(
            app_accepts(
                SocketAddr::new([127, 0, 0, 1].into(), port),
                Duration::from_secs(1)
            ),
            Err("connection refused".into())
        );
    }
}
