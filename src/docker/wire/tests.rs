//! The framing, pure: answer heads, and chunked bodies cut at every byte.

use super::*;

fn head(text: &str) -> Result<Head, String> {
    parse_head(text.as_bytes())
}

#[test]
fn a_head_gives_the_status_and_how_the_body_ends() {
    let cases: &[(&str, u16, Framing)] = &[
        (
            "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n",
            200,
            Framing::Length(2),
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            200,
            Framing::Chunked,
        ),
        // Header names in any case; the transfer coding wins over a length.
        (
            "HTTP/1.1 200 OK\r\ncontent-length: 7\r\nTRANSFER-ENCODING: gzip, Chunked\r\n\r\n",
            200,
            Framing::Chunked,
        ),
        (
            "HTTP/1.0 404 Not Found\r\nContent-Length:  40 \r\n\r\n",
            404,
            Framing::Length(40),
        ),
        (
            "HTTP/1.1 500 Internal Server Error\r\n\r\n",
            500,
            Framing::Close,
        ),
        ("HTTP/1.1 204 No Content\r\n\r\n", 204, Framing::Length(0)),
        (
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
            304,
            Framing::Length(0),
        ),
        // A reason phrase is optional.
        (
            "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
            200,
            Framing::Length(0),
        ),
    ];
    for (text, status, framing) in cases {
        let h = head(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!((h.status, h.framing), (*status, *framing), "{text:?}");
    }
}

#[test]
fn a_head_that_is_not_http_is_named() {
    let cases: &[(&str, &str)] = &[
        (
            "SSH-2.0-OpenSSH_9.2\r\n\r\n",
            "not an HTTP/1.x status line: \"SSH-2.0-OpenSSH_9.2\"",
        ),
        ("HTTP/2 200\r\n\r\n", "not an HTTP/1.x status line"),
        ("HTTP/1.1 20 OK\r\n\r\n", "not an HTTP/1.x status line"),
        ("HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP/1.x status line"),
        (
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "a header line without a colon",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "Content-Length \"-1\"",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "two different Content-Lengths",
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "a transfer coding peekaboo does not read: gzip",
        ),
    ];
    for (text, want) in cases {
        let e = head(text).unwrap_err();
        assert!(e.contains(want), "{text:?}: {e}");
    }
    let many = format!(
        "HTTP/1.1 200 OK\r\n{}\r\n",
        "X-A: 1\r\n".repeat(HEADERS_MAX + 1)
    );
    assert_eq!(head(&many).unwrap_err(), "more than 100 header fields");
}

/// Decodes `input` fed in pieces cut at `cuts`: the data, and whether the body ended.
fn decode(input: &[u8], cuts: &[usize]) -> Result<(Vec<u8>, bool), String> {
    let (mut d, mut out, mut at) = (Chunked::default(), Vec::new(), 0);
    for &cut in cuts.iter().chain([input.len()].iter()) {
        let used = d.feed(&input[at..cut], &mut out)?;
        assert!(
            d.done() || used == cut - at,
            "stopped early without the end"
        );
        at = cut;
    }
    Ok((out, d.done()))
}

#[test]
fn chunked_bodies_decode_however_the_bytes_are_cut() {
    let cases: &[(&str, &str)] = &[
        ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"),
        // Sizes in either case, with extensions and spaces; trailer fields after the last.
        (
            "A;name=value\r\n0123456789\r\n1 ; x\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n",
            "0123456789!",
        ),
        (
            "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
            "abcdefghijklmnopqrstuvwxyz",
        ),
        // Bare LFs, as lenient parsers take them.
        ("3\nabc\n0\n\n", "abc"),
        // Data holding CRLFs and what looks like framing.
        ("7\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n", "0\r\n\r\n\r\n"),
    ];
    for (body, want) in cases {
        let bytes = body.as_bytes();
        for cut in 0..=bytes.len() {
            let (out, done) = decode(bytes, &[cut]).unwrap();
            assert_eq!(
                (String::from_utf8(out).unwrap(), done),
                (want.to_string(), true)
            );
        }
        let every: Vec<usize> = (1..bytes.len()).collect();
        let (out, done) = decode(bytes, &every).unwrap();
        assert_eq!(
            (String::from_utf8(out).unwrap(), done),
            (want.to_string(), true)
        );
    }
}

#[test]
fn a_chunked_body_stops_at_its_end_and_says_what_it_used() {
    let mut d = Chunked::default();
    let mut out = Vec::new();
    let input = b"2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK";
    assert_eq!(d.feed(input, &mut out).unwrap(), input.len() - 15);
    assert!(d.done());
    assert_eq!(out, b"ok");
    // Until its end, it is not done.
    let mut d = Chunked::default();
    d.feed(b"2\r\nok\r\n0\r\n", &mut out).unwrap();
    assert!(!d.done());
}

#[test]
fn broken_chunked_framing_is_named() {
    let cases: &[(&[u8], &str)] = &[
        (b"zz\r\n", "a chunk size that is not hex: \"zz\""),
        (b"\r\n", "a chunk size that is not hex: \"\""),
        (b"+5\r\nhello\r\n", "a chunk size that is not hex: \"+5\""),
        (b"3\r\nabcdef\r\n", "a chunk's data longer than its size"),
        (b"11111111111111111\r\n", "a chunk size past 2^64"),
    ];
    for (input, want) in cases {
        let e = decode(input, &[]).unwrap_err();
        assert_eq!(e, *want, "{:?}", String::from_utf8_lossy(input));
    }
    let long = format!("1;{}\r\n", "x".repeat(CHUNK_LINE_MAX));
    let e = decode(long.as_bytes(), &[100, 2000]).unwrap_err();
    assert_eq!(e, "a chunk line over 4096 bytes");
}
