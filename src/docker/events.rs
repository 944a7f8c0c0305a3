//! The engine's event stream, read as it comes: a chunked answer that never ends while the
//! engine runs, one JSON object per line. The socket is non-blocking once the head is read, so
//! the agent's poll decides when to read and no read ever waits.

use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;

use super::DockerError;
use super::model::{self, Event};
use super::wire::{Chunked, Conn, Framing};

#[cfg(test)]
mod tests;

/// The longest event line: a container's labels ride along in each, and compose sets a dozen.
pub(super) const LINE_MAX: usize = 64 * 1024;
/// The most one `read_ready` takes from the socket, so a burst cannot hold the agent: poll
/// says readable again for the rest.
const READ_MAX: usize = 256 * 1024;

pub struct EventStream {
    stream: UnixStream,
    /// None: the body is not chunked and ends when the engine closes.
    chunked: Option<Chunked>,
    /// Decoded, not yet a whole line.
    line: Vec<u8>,
    /// How the stream ended, once it has: given after the events read before it.
    ended: Option<DockerError>,
    place: String,
}

impl EventStream {
    pub(super) fn new(
        conn: Conn,
        framing: Framing,
        place: String,
    ) -> Result<EventStream, DockerError> {
        let chunked = match framing {
            Framing::Chunked => Some(Chunked::default()),
            Framing::Close => None,
            Framing::Length(_) => {
                return Err(DockerError::Unreadable(
                    "an event stream with a Content-Length, which would end".into(),
                ));
            }
        };
        // The head was read byte by byte: nothing of the stream has left the socket.
        let stream = conn.into_stream();
        stream
            .set_nonblocking(true)
            .map_err(|e| DockerError::Unreachable(format!("{place}: {e}")))?;
        let events = EventStream {
            stream,
            chunked,
            line: Vec::new(),
            ended: None,
            place,
        };
        Ok(events)
    }

    /// The socket, for the agent's poll.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.stream.as_fd()
    }

    /// Every whole event that has arrived (none when nothing has; this never waits), or why the
    /// stream is over: the engine closed it (Unreachable: it stopped or restarts) or sent what
    /// is no event stream (Unreadable). Events read before the end come first; the end is
    /// told by the next call.
    pub fn read_ready(&mut self) -> Result<Vec<Event>, DockerError> {
        if let Some(end) = &self.ended {
            return Err(end.clone());
        }
        let mut events = Vec::new();
        let mut raw = [0; 8192];
        let mut taken = 0;
        while self.ended.is_none() && taken < READ_MAX {
            match self.stream.read(&mut raw) {
                Ok(0) => self.ended = Some(self.closed()),
                Ok(n) => {
                    taken += n;
                    if let Err(e) = self.decode(&raw[..n], &mut events) {
                        self.ended = Some(e);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.ended = Some(DockerError::Unreachable(format!("{}: {e}", self.place)))
                }
            }
        }
        match &self.ended {
            Some(end) if events.is_empty() => Err(end.clone()),
            _ => Ok(events),
        }
    }

    /// Decodes `raw`, adding the events of the lines it completes to `events`.
    fn decode(&mut self, raw: &[u8], events: &mut Vec<Event>) -> Result<(), DockerError> {
        let mut data = Vec::new();
        match &mut self.chunked {
            Some(chunked) => {
                chunked
                    .feed(raw, &mut data)
                    .map_err(DockerError::Unreadable)?;
                if chunked.done() {
                    self.ended = Some(self.closed());
                }
            }
            None => data.extend_from_slice(raw),
        }
        split(&mut self.line, &data, events)
    }

    fn closed(&self) -> DockerError {
        DockerError::Unreachable(format!("{}: the engine ended its event stream", self.place))
    }
}

/// Adds `data` to the partial `line`, and the events of every line it completes to `events`;
/// the rest stays in `line`.
pub(super) fn split(
    line: &mut Vec<u8>,
    mut data: &[u8],
    events: &mut Vec<Event>,
) -> Result<(), DockerError> {
    let too_long = || DockerError::Unreadable(format!("an event line over {} KiB", LINE_MAX >> 10));
    while let Some(i) = data.iter().position(|&b| b == b'\n') {
        if line.len() + i > LINE_MAX {
            return Err(too_long());
        }
        line.extend_from_slice(&data[..i]);
        data = &data[i + 1..];
        let whole = std::mem::take(line);
        if let Some(event) = model::event(&whole).map_err(DockerError::Unreadable)? {
            events.push(event);
        }
    }
    if line.len() + data.len() > LINE_MAX {
        return Err(too_long());
    }
    line.extend_from_slice(data);
    Ok(())
}
