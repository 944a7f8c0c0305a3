//! What every service's answers share, whatever their wire words: an error text made fit for
//! one log line, a `Retry-After` read against the wall clock, and the warning for a token that
//! would travel in clear text. Each backend reads its own bodies; this is what comes after.

use std::sync::Once;
use std::time::Duration;

use crate::backend::http::{Reply, host_of, is_remote_http};

/// The longest error text a log line quotes.
const LONGEST: usize = 300;

/// `text` as one log line: secrets scrubbed (before it is cut short, so a secret quoted near
/// the end leaves no piece behind), control characters dropped, at most 300 characters.
pub fn one_line(text: &str) -> String {
    crate::log::scrub(text.trim())
        .chars()
        .filter(|c| !c.is_control())
        .take(LONGEST)
        .collect()
}

/// How long the answer asks to be left alone, read now.
pub fn retry_after(reply: &Reply) -> Option<Duration> {
    reply
        .header("retry-after")
        .and_then(|v| crate::time::parse_retry_after(v, now_unix()))
}

pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The warning for a load balancer endpoint reached over plain http on another machine
/// (allowed only by -allow-http), if it is one.
pub fn clear_text_warning(endpoint: &str) -> Option<String> {
    let host = host_of(endpoint)?;
    is_remote_http(endpoint).then(|| {
        format!(
            "Warning: -allow-http: the token goes to the load balancer endpoint at {host} in clear text"
        )
    })
}

/// Says `clear_text_warning` once per run: authenticating again names the same endpoint.
pub fn warn_clear_text(endpoint: &str) {
    static WARNED: Once = Once::new();
    if let Some(warning) = clear_text_warning(endpoint) {
        WARNED.call_once(|| crate::log::warn(&warning));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_to_another_machine_is_warned_about() {
        let about = |host: &str| {
            Some(format!(
                "Warning: -allow-http: the token goes to the load balancer endpoint at {host} in clear text"
            ))
        };
        assert_eq!(
            clear_text_warning("http://10.0.0.1/v1.0/1"),
            about("10.0.0.1")
        );
        assert_eq!(
            clear_text_warning("HTTP://lb.example.com:8080/v1.0/1"),
            about("lb.example.com")
        );
        assert_eq!(
            clear_text_warning("http://[2001:db8::1]:80/v1.0"),
            about("[2001:db8::1]")
        );
        assert_eq!(clear_text_warning("https://lb.example.com/v1.0"), None);
        assert_eq!(clear_text_warning("http://127.0.0.1:8080/v1.0"), None);
    }

    #[test]
    fn one_line_drops_control_characters_and_cuts_long_texts() {
        assert_eq!(one_line(" a\nb\t"), "ab");
        assert_eq!(one_line(&"x".repeat(5000)).len(), 300);
    }
}
