//! What a URL is before anything is sent to it: whether ureq can send to it at all, whether
//! credentials may go there, what is worth a warning first, and how its host is named.

use ureq::http;

/// What is worth a warning before the first request to identity at `auth_url`: no DNS
/// configuration in sight, and credentials about to go out in clear text.
pub fn preflight(auth_url: &str) -> Vec<String> {
    let mut warnings: Vec<String> = dns_hint(auth_url).into_iter().collect();
    warnings.extend(credentials_in_clear(auth_url));
    warnings
}

/// The warning that credentials sent to `url` travel in clear text, if they do.
pub fn credentials_in_clear(url: &str) -> Option<String> {
    is_remote_http(url)
        .then(|| format!("Warning: -allow-http: credentials go to {url} in clear text"))
}

/// Why host names may not resolve here, if it can be seen up front: a scratch container without
/// `--net=host` has no /etc/resolv.conf, and musl then asks 127.0.0.1, where usually nobody is.
fn dns_hint(url: &str) -> Option<String> {
    let host = host_of(url)?;
    let is_name = host
        .trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_err();
    (is_name && !std::path::Path::new("/etc/resolv.conf").exists()).then(|| {
        format!(
            "No /etc/resolv.conf: {host} may not resolve (in a container, run with --net=host or mount /etc/resolv.conf)"
        )
    })
}

/// The host part of `scheme://host[:port]/…`, brackets kept for IPv6.
pub fn host_of(url: &str) -> Option<&str> {
    let (_, authority) = authority_of(url)?;
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next();
    }
    authority.split(':').next().filter(|h| !h.is_empty())
}

/// Where a request to `url` connects, as `host:port`: the port as given, else the scheme's
/// (443, 80), so a message says which of a host's services it means. IPv6 stays bracketed.
pub fn target_of(url: &str) -> Option<String> {
    let host = host_of(url)?;
    let (scheme, authority) = authority_of(url)?;
    let port = match authority.strip_prefix(host)?.strip_prefix(':') {
        Some(port) if !port.is_empty() => port,
        _ if scheme.eq_ignore_ascii_case("https") => "443",
        _ if scheme.eq_ignore_ascii_case("http") => "80",
        _ => return None,
    };
    Some(format!("{host}:{port}"))
}

/// The scheme and the authority (`host:port`, without any `user@`) of `url`.
fn authority_of(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    Some((scheme, authority))
}

/// Whether `url` is plain http to another machine, which `-allow-http` must permit.
pub fn is_remote_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        && !host_of(url).is_some_and(is_loopback)
}

/// Checks that credentials and tokens sent to `url` stay private: https anywhere, plain http
/// only to this machine (that is what the tests and the demo use) unless `allow_http`.
/// Returns why not.
pub fn check_url(url: &str, allow_http: bool) -> Result<(), String> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    let host = host_of(url).ok_or("is not a URL: use https://host/path")?;
    match scheme.as_deref() {
        Some("https") => Ok(()),
        Some("http") if is_loopback(host) || allow_http => Ok(()),
        Some("http") => Err(format!(
            "uses plain http to {host}: credentials would cross the network in clear; use https (or -allow-http if you must)"
        )),
        _ => Err("is not an http(s) URL: use https://host/path".into()),
    }
}

/// Whether ureq can send a request to `url` at all: an http(s) URL with a host and a valid
/// port. Anything else fails the same way on every try.
pub fn url_parses(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    let scheme_ok = uri
        .scheme_str()
        .is_some_and(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"));
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    // `Uri` accepts `host:99999` and just reports no port.
    let port_ok = uri.authority().is_none_or(|a| {
        let host_port = a.as_str().rsplit('@').next().unwrap_or("");
        match host_port.rsplit_once(':') {
            Some((_, p)) if !p.contains(']') => p.parse::<u16>().is_ok(),
            _ => true,
        }
    });
    scheme_ok && host_ok && port_ok
}

/// `text` fit for a one-line message: no control characters, bounded in length.
pub fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_ureq_cannot_send_to() {
        for good in [
            "https://identity.api.rackspacecloud.com/v2.0",
            "http://127.0.0.1:4000/v2.0",
            "https://[2001:db8::1]:8443/v1.0/1",
            "HTTPS://iad.loadbalancers.api.rackspacecloud.com/v1.0/123456",
        ] {
            assert!(url_parses(good), "{good}");
        }
        for bad in [
            "https://bad host/v1.0",
            "https://[::1/v1.0",
            "lb.example.com/v1.0",
            "ftp://lb.example.com/",
            "https:///v1.0",
            "https://h:99999/v1.0",
            "https://h:/v1.0",
            "https://h\n/v1.0",
            "",
        ] {
            assert!(!url_parses(bad), "{bad:?}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(host_of("https://a.example.com/v2.0"), Some("a.example.com"));
        assert_eq!(host_of("http://127.0.0.1:8080/x"), Some("127.0.0.1"));
        assert_eq!(host_of("http://[::1]:99/x"), Some("[::1]"));
        assert_eq!(host_of("http://u:p@h:1/"), Some("h"));
        assert_eq!(host_of("nonsense"), None);
        let table = [
            ("https://a.example.com/v2.0", Some("a.example.com:443")),
            ("HTTPS://a.example.com", Some("a.example.com:443")),
            ("http://127.0.0.1/x", Some("127.0.0.1:80")),
            ("http://127.0.0.1:8080/x", Some("127.0.0.1:8080")),
            ("https://[2001:db8::1]:9876/v2", Some("[2001:db8::1]:9876")),
            ("https://[2001:db8::1]/v2", Some("[2001:db8::1]:443")),
            ("http://u:p@h:1/", Some("h:1")),
            ("https://h:/x", Some("h:443")),
            ("ftp://h/", None),
            ("nonsense", None),
        ];
        for (url, want) in table {
            assert_eq!(target_of(url).as_deref(), want, "{url}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let check = |u| check_url(u, false);
        assert!(check("https://identity.api.rackspacecloud.com/v2.0").is_ok());
        assert!(check("http://127.0.0.1:4000/v2.0").is_ok());
        assert!(check("http://127.9.9.9/v2.0").is_ok());
        assert!(check("http://localhost:1/v2.0").is_ok());
        assert!(check("http://[::1]:1/v2.0").is_ok());
        let err = check("http://10.0.0.1/v2.0").unwrap_err();
        assert!(err.contains("plain http to 10.0.0.1"), "{err}");
        assert!(check("HTTP://10.0.0.1/v2.0").is_err());
        assert!(check("http://localhost.evil.com/").is_err());
        assert!(check("ftp://x/").is_err());
        assert!(check("identity").is_err());
        // Only by explicit opt-in, and never for other schemes.
        assert!(check_url("http://10.0.0.1/v2.0", true).is_ok());
        assert!(check_url("ftp://x/", true).is_err());
        assert!(is_remote_http("http://10.0.0.1/v2.0"));
        assert!(!is_remote_http("http://127.0.0.1/v2.0"));
        assert!(!is_remote_http("https://10.0.0.1/v2.0"));
    }
}
