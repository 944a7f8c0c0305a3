//! HTTP/1.1 to the engine over its unix socket, as much as the Engine API needs: one GET per
//! connection (`Connection: close`), the answer's head, then its body by `Content-Length`, by
//! chunked transfer coding (the event stream, and some engines' other answers) or until the
//! engine closes. Everything is bounded: one deadline for connecting, sending and reading an
//! answer, and limits on the head, a chunk's size line and the body.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use super::DockerError;

#[cfg(test)]
mod tests;

/// The most an answer's body may hold: a listing of hundreds of containers fits.
pub(super) const BODY_MAX: usize = 1024 * 1024;
/// The most an answer's head may hold (the engine's are a few hundred bytes).
const HEAD_MAX: usize = 16 * 1024;
const HEADERS_MAX: usize = 100;
/// The longest line of chunked framing: a chunk's size with its extensions, or a trailer.
const CHUNK_LINE_MAX: usize = 4096;

/// How an answer's body ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Framing {
    Length(usize),
    Chunked,
    /// Neither header: the body is what comes until the engine closes.
    Close,
}

#[derive(Debug, PartialEq)]
pub(super) struct Head {
    pub status: u16,
    pub framing: Framing,
}

/// Reads an answer's head, up to and including its empty line: the status and how the body
/// is framed.
pub(super) fn parse_head(bytes: &[u8]) -> Result<Head, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "an answer head that is not text")?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_of(status_line)
        .ok_or_else(|| format!("not an HTTP/1.x status line: {:?}", clip(status_line)))?;
    let (mut length, mut chunked, mut count) = (None, false, 0);
    for line in lines.take_while(|l| !l.is_empty()) {
        count += 1;
        if count > HEADERS_MAX {
            return Err(format!("more than {HEADERS_MAX} header fields"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("a header line without a colon: {:?}", clip(line)))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            let last = value.rsplit(',').next().unwrap_or_default().trim();
            if !last.eq_ignore_ascii_case("chunked") {
                return Err(format!("a transfer coding peekaboo does not read: {value}"));
            }
            chunked = true;
        } else if name.eq_ignore_ascii_case("content-length") {
            let n = value
                .parse::<usize>()
                .map_err(|_| format!("Content-Length {value:?}"))?;
            if length.is_some_and(|l| l != n) {
                return Err("two different Content-Lengths".into());
            }
            length = Some(n);
        }
    }
    // Transfer coding wins over a length (RFC 9112); these answers have no body at all.
    let framing = if (100..200).contains(&status) || status == 204 || status == 304 {
        Framing::Length(0)
    } else if chunked {
        Framing::Chunked
    } else {
        length.map_or(Framing::Close, Framing::Length)
    };
    Ok(Head { status, framing })
}

/// "HTTP/1.1 200 OK" -> 200.
fn status_of(line: &str) -> Option<u16> {
    let mut parts = line.strip_prefix("HTTP/1.")?.splitn(3, ' ');
    let minor = parts.next()?;
    let code = parts.next()?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    (digits(minor, 1) && digits(code, 3)).then(|| code.parse().ok())?
}

/// Chunked transfer coding, decoded as it arrives: bytes may stop anywhere, in a size line, in
/// data or in the CRLF after it.
#[derive(Debug, Default)]
pub(super) struct Chunked {
    state: Chunk,
    line: Vec<u8>,
}

#[derive(Debug, Default, PartialEq)]
enum Chunk {
    /// Reading a size line (hex size, then any `;extension`).
    #[default]
    Size,
    /// This many bytes of data to come.
    Data(u64),
    /// The CRLF that ends a chunk's data.
    DataEnd,
    /// After the last chunk: trailer fields until an empty line.
    Trailer,
    Done,
}

impl Chunked {
    /// Appends the data in `input` to `out`; returns how much of `input` it used (all of it,
    /// unless the body ended within).
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<usize, String> {
        let total = input.len();
        while !input.is_empty() && self.state != Chunk::Done {
            if let Chunk::Data(left) = self.state {
                let n = usize::try_from(left).map_or(input.len(), |l| l.min(input.len()));
                out.extend_from_slice(&input[..n]);
                input = &input[n..];
                let left = left - n as u64;
                self.state = if left == 0 {
                    Chunk::DataEnd
                } else {
                    Chunk::Data(left)
                };
                continue;
            }
            let (used, complete) = match input.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (input.len(), false),
            };
            if self.line.len() + used > CHUNK_LINE_MAX {
                return Err(format!("a chunk line over {CHUNK_LINE_MAX} bytes"));
            }
            self.line.extend_from_slice(&input[..used]);
            input = &input[used..];
            if complete {
                let line = std::mem::take(&mut self.line);
                self.state = self.after(trim_eol(&line))?;
            }
        }
        Ok(total - input.len())
    }

    pub fn done(&self) -> bool {
        self.state == Chunk::Done
    }

    /// The state after one whole line of framing.
    fn after(&self, line: &[u8]) -> Result<Chunk, String> {
        match self.state {
            Chunk::Size => {
                let size = line.split(|&b| b == b';').next().unwrap_or_default();
                let size = std::str::from_utf8(size)
                    .unwrap_or("?")
                    .trim_matches([' ', '\t']);
                if size.is_empty() || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!("a chunk size that is not hex: {:?}", clip(size)));
                }
                let n = u64::from_str_radix(size, 16).map_err(|_| "a chunk size past 2^64")?;
                Ok(if n == 0 {
                    Chunk::Trailer
                } else {
                    Chunk::Data(n)
                })
            }
            Chunk::DataEnd if line.is_empty() => Ok(Chunk::Size),
            Chunk::DataEnd => Err("a chunk's data longer than its size".into()),
            Chunk::Trailer if line.is_empty() => Ok(Chunk::Done),
            // A trailer field: nothing the engine sends there is needed. (Data and Done never
            // read a line.)
            Chunk::Trailer | Chunk::Data(_) | Chunk::Done => Ok(Chunk::Trailer),
        }
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// At most 80 characters of `text`, for a message.
pub(super) fn clip(text: &str) -> String {
    text.chars().take(80).collect()
}

/// One connection to the engine, with the deadline of its one request.
pub(super) struct Conn {
    stream: UnixStream,
    /// Read but not yet used.
    buf: Vec<u8>,
    end: Instant,
    limit: Duration,
    /// The socket's path, for messages.
    place: String,
}

impl Conn {
    /// Connects within `limit`, which also bounds sending the request and reading the answer.
    pub fn open(path: &Path, place: &str, limit: Duration) -> Result<Conn, DockerError> {
        // A zero SO_SNDTIMEO would mean no limit at all.
        let limit = limit.max(Duration::from_millis(1));
        let end = Instant::now() + limit;
        let stream = connect(path, limit).map_err(|e| not_connected(place, limit, &e))?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
            end,
            limit,
            place: place.to_string(),
        })
    }

    /// Sends `GET target`.
    pub fn send(&mut self, target: &str) -> Result<(), DockerError> {
        let request =
            format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let left = self.left()?;
        let sent = self
            .stream
            .set_write_timeout(Some(left))
            .and_then(|()| self.stream.write_all(request.as_bytes()));
        sent.map_err(|e| self.failed(e))
    }

    /// Reads the answer's head. `exact` reads it a byte at a time, so that nothing after it is
    /// taken from the socket (an event stream's first events stay there for poll to see).
    pub fn head(&mut self, exact: bool) -> Result<Head, DockerError> {
        let mut searched = 0;
        loop {
            if let Some(i) = find(&self.buf[searched..], b"\r\n\r\n") {
                let head: Vec<u8> = self.buf.drain(..searched + i + 4).collect();
                return parse_head(&head).map_err(DockerError::Unreadable);
            }
            searched = self.buf.len().saturating_sub(3);
            if self.buf.len() > HEAD_MAX {
                return Err(DockerError::Unreadable(format!(
                    "an answer head over {HEAD_MAX} bytes"
                )));
            }
            if self.fill(if exact { 1 } else { 8192 })? == 0 {
                return Err(DockerError::Unreachable(format!(
                    "{}: the engine closed the connection without answering",
                    self.place
                )));
            }
        }
    }

    /// Reads the body, `framing` as the head said, up to `BODY_MAX`.
    pub fn body(&mut self, framing: Framing) -> Result<Vec<u8>, DockerError> {
        match framing {
            Framing::Length(n) if n > BODY_MAX => Err(over_limit()),
            Framing::Length(n) => {
                while self.buf.len() < n {
                    if self.fill(8192)? == 0 {
                        return Err(self.cut_short());
                    }
                }
                self.buf.truncate(n);
                Ok(std::mem::take(&mut self.buf))
            }
            Framing::Chunked => {
                let (mut decoder, mut out) = (Chunked::default(), Vec::new());
                loop {
                    let input = std::mem::take(&mut self.buf);
                    decoder
                        .feed(&input, &mut out)
                        .map_err(DockerError::Unreadable)?;
                    if out.len() > BODY_MAX {
                        return Err(over_limit());
                    }
                    if decoder.done() {
                        return Ok(out);
                    }
                    if self.fill(8192)? == 0 {
                        return Err(self.cut_short());
                    }
                }
            }
            Framing::Close => {
                while self.fill(8192)? > 0 {
                    if self.buf.len() > BODY_MAX {
                        return Err(over_limit());
                    }
                }
                Ok(std::mem::take(&mut self.buf))
            }
        }
    }

    /// The socket, once the head was read with `exact`: nothing past it was taken.
    pub fn into_stream(self) -> UnixStream {
        self.stream
    }

    /// Reads at most `max` more bytes within the deadline: how many (0 at the end).
    fn fill(&mut self, max: usize) -> Result<usize, DockerError> {
        let mut chunk = [0; 8192];
        let max = max.min(chunk.len());
        loop {
            let left = self.left()?;
            self.stream
                .set_read_timeout(Some(left))
                .map_err(|e| self.failed(e))?;
            match self.stream.read(&mut chunk[..max]) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.failed(e)),
            }
        }
    }

    fn left(&self) -> Result<Duration, DockerError> {
        let left = self.end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(not_in_time(&self.place, self.limit));
        }
        Ok(left)
    }

    fn failed(&self, e: io::Error) -> DockerError {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                not_in_time(&self.place, self.limit)
            }
            _ => DockerError::Unreachable(format!("{}: {e}", self.place)),
        }
    }

    fn cut_short(&self) -> DockerError {
        DockerError::Unreachable(format!(
            "{}: the engine closed the connection in the middle of its answer",
            self.place
        ))
    }
}

/// Why a connect failed: a refusal that only another user or group changes is said apart
/// from an engine that is not there (yet).
pub(super) fn not_connected(place: &str, limit: Duration, e: &io::Error) -> DockerError {
    match e.kind() {
        io::ErrorKind::WouldBlock => not_in_time(place, limit),
        io::ErrorKind::PermissionDenied => DockerError::Denied(place.to_string()),
        _ => DockerError::Unreachable(format!("{place}: {e}")),
    }
}

fn not_in_time(place: &str, limit: Duration) -> DockerError {
    DockerError::Unreachable(format!("{place}: no answer within {limit:?}"))
}

fn over_limit() -> DockerError {
    DockerError::Unreadable(format!("an answer over the {} MiB limit", BODY_MAX >> 20))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Connects to the unix socket at `path`. Connecting to a unix socket waits only while the
/// listener's backlog is full, and then only as long as the socket's send timeout: so that is
/// set first (std's `UnixStream::connect` has no limit at all).
fn connect(path: &Path, limit: Duration) -> io::Result<UnixStream> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, UnixAddr, setsockopt, sockopt};
    use nix::sys::time::TimeVal;
    let fd = nix::sys::socket::socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    let micros = i64::try_from(limit.as_micros()).unwrap_or(i64::MAX);
    let timeout = TimeVal::new(micros / 1_000_000, micros % 1_000_000);
    setsockopt(&fd, sockopt::SendTimeout, &timeout)?;
    nix::sys::socket::connect(fd.as_raw_fd(), &UnixAddr::new(path)?)?;
    Ok(UnixStream::from(fd))
}
