//! The fake's HTTP/1.1 side: reading a request, writing an answer, and the per-connection serve
//! loop that records each request and applies faults and rate limits before `handle` routes it.
//!
//! Deliberately minimal: one request per connection, every answer carries `Connection: close`.
//! That keeps the server tiny and still exercises the client's reconnects. JSON goes through
//! serde_json, which peekaboo already depends on (no new crate).

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use super::limits::retry_after;
use super::{Action, Request, Route, Shared, State, handle, over_limit, route};

/// Limits on what we read: anything bigger is a broken client, and it must not eat the memory.
const MAX_LINE: u64 = 16 * 1024;
const MAX_HEADERS: usize = 100;
const MAX_BODY: usize = 1024 * 1024;

impl State {
    fn take_fault(&mut self, method: &str, path: &str) -> Option<Action> {
        let scripted = self.faults.iter_mut().find(|f| {
            f.times > 0
                && f.method
                    .as_ref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && f.path_suffix
                    .as_ref()
                    .is_none_or(|s| path.ends_with(s.as_str()))
        });
        if let Some(f) = scripted {
            if f.skip > 0 {
                f.skip -= 1;
                return None;
            }
            f.times -= 1;
            let action = f.action.clone();
            self.fired += 1;
            return Some(action);
        }
        let (rng, percent, actions) = self.chaos.as_mut()?;
        // xorshift64: the same seed gives the same faults on the same request sequence.
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        if (*rng % 100) as u32 >= *percent || actions.is_empty() {
            return None;
        }
        let action = actions[(*rng >> 32) as usize % actions.len()].clone();
        self.fired += 1;
        Some(action)
    }
}

pub(super) struct Resp {
    status: u16,
    body: String,
    headers: Vec<(String, String)>,
}

impl Resp {
    /// The same answer with one more header (Keystone's `X-Subject-Token`, `WWW-Authenticate`).
    pub(super) fn with_header(mut self, name: &str, value: &str) -> Resp {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

pub(super) fn json_resp(status: u16, body: String) -> Resp {
    let headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    Resp {
        status,
        body,
        headers,
    }
}

/// An answer a fault gives instead of the fake's own.
impl From<Resp> for Action {
    fn from(r: Resp) -> Action {
        Action::Respond {
            status: r.status,
            body: r.body,
            headers: r.headers,
        }
    }
}

pub(super) fn empty(status: u16) -> Resp {
    Resp {
        status,
        body: String::new(),
        headers: Vec::new(),
    }
}

/// CLB error bodies are flat; written by hand so the key order matches the real service.
pub(super) fn flat(code: u16, message: &str) -> String {
    format!(r#"{{"message":{},"code":{code}}}"#, Value::from(message))
}

pub(super) fn clb_error(code: u16, message: &str) -> Resp {
    json_resp(code, flat(code, message))
}

pub(super) fn validation(details: &str) -> Resp {
    let body = format!(
        r#"{{"message":"Validation Failure","code":400,"details":{}}}"#,
        Value::from(details)
    );
    json_resp(400, body)
}

pub(super) fn not_found() -> Resp {
    clb_error(404, "Resource not found")
}

pub(super) fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        300 => "Multiple Choices",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        413 => "Request Entity Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

enum ReadError {
    /// The peer went away or stalled; there is nobody to answer.
    Gone,
    /// Not a request we can parse: answer 400.
    Bad(String),
}

fn bad(msg: &str) -> ReadError {
    ReadError::Bad(msg.to_string())
}

fn read_line(r: &mut impl BufRead) -> Result<String, ReadError> {
    let mut buf = Vec::new();
    r.take(MAX_LINE)
        .read_until(b'\n', &mut buf)
        .map_err(|_| ReadError::Gone)?;
    if buf.last() != Some(&b'\n') {
        // EOF mid-line, or a line longer than MAX_LINE.
        return Err(if buf.len() as u64 >= MAX_LINE {
            bad("line too long")
        } else {
            ReadError::Gone
        });
    }
    let line = String::from_utf8(buf).map_err(|_| bad("request head is not UTF-8"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn read_request(stream: &TcpStream) -> Result<Request, ReadError> {
    let mut r = BufReader::new(stream);
    let line = read_line(&mut r)?;
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, path, version] = parts.as_slice() else {
        return Err(bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !path.starts_with('/') {
        return Err(bad("malformed request line"));
    }
    let mut headers = Vec::new();
    loop {
        let line = read_line(&mut r)?;
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(bad("too many headers"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("malformed header"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut req = Request {
        method: method.to_string(),
        path: path.to_string(),
        body: String::new(),
        at: Instant::now(),
        rate_limited: None,
        status: 0,
        headers,
    };
    if req
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        let mut w = stream;
        let _ = w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    // ureq sends sized bodies; refuse anything else loudly rather than misread it.
    if req.header("transfer-encoding").is_some() {
        return Err(bad("the fake only reads Content-Length bodies"));
    }
    let len = match req.header("content-length") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| bad("bad Content-Length"))?,
    };
    if len > MAX_BODY {
        return Err(bad("body too large"));
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).map_err(|_| ReadError::Gone)?;
    req.body = String::from_utf8(body).map_err(|_| bad("body is not UTF-8"))?;
    req.at = Instant::now();
    Ok(req)
}

fn write_response(mut stream: &TcpStream, resp: &Resp) {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (name, value) in &resp.headers {
        // Framing is ours to decide, whatever a scripted fault says.
        let n = name.to_ascii_lowercase();
        if n != "content-length" && n != "connection" && n != "transfer-encoding" {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        resp.body.len()
    ));
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(resp.body.as_bytes());
    let _ = stream.flush();
}

/// The head promises the whole body; only half of it comes before the connection closes.
fn write_truncated(mut stream: &TcpStream, resp: &Resp) {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        resp.status,
        reason(resp.status),
        resp.body.len()
    );
    let half = &resp.body.as_bytes()[..resp.body.len() / 2];
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(half);
    let _ = stream.flush();
}

pub(super) fn serve(sh: &Shared, stream: TcpStream) {
    // A client that connects and then says nothing must not pin this thread forever.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let req = match read_request(&stream) {
        Ok(req) => req,
        Err(ReadError::Gone) => return,
        Err(ReadError::Bad(msg)) => {
            let body = format!(
                r#"{{"message":"Bad Request","code":400,"details":{}}}"#,
                Value::from(msg)
            );
            write_response(&stream, &json_resp(400, body));
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    };
    let path = req.path.split('?').next().unwrap_or("").to_string();
    if !sh.cfg.latency.is_zero() {
        thread::sleep(sh.cfg.latency);
    }
    let (index, fault) = {
        let mut st = sh.lock();
        st.requests.push(req.clone());
        let index = st.requests.len() - 1;
        // Mutations and rate limits are counted for the load balancer API alone.
        let clb = match route(&sh.cfg, &path) {
            Route::Clb { sub, .. } => Some(sub),
            _ => None,
        };
        if matches!(req.method.as_str(), "POST" | "PUT" | "DELETE" | "PATCH")
            && let Some(sub) = clb
        {
            st.mutations.push(format!("{} {}", req.method, sub));
        }
        let refused = match (sh.cfg.limits, clb) {
            (Some(limits), Some(_)) => st.limiter.admit(limits, &req.method, Instant::now()).err(),
            _ => None,
        };
        let fault = if let Some(wait) = refused {
            let seconds = retry_after(wait);
            st.rate_limited += 1;
            st.requests[index].rate_limited = Some(seconds);
            Some(over_limit(&seconds.to_string()))
        } else {
            st.take_fault(&req.method, &path)
        };
        (index, fault)
    };
    let resp = match fault {
        Some(Action::OverLimitFor(d)) => {
            let at = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |t| t.as_secs())
                + d.as_secs();
            let Action::Respond {
                status,
                body,
                headers,
            } = over_limit(&http_date(at))
            else {
                unreachable!("over_limit is a Respond")
            };
            Resp {
                status,
                body,
                headers,
            }
        }
        Some(Action::Respond {
            status,
            body,
            headers,
        }) => Resp {
            status,
            body,
            headers,
        },
        Some(Action::CloseBeforeHandling) => {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        Some(Action::CloseAfterApplying) => {
            let _ = handle(sh, &req, &path);
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        Some(Action::Delay(d)) => {
            let resp = handle(sh, &req, &path);
            thread::sleep(d);
            resp
        }
        Some(Action::Truncate) => {
            let mut resp = handle(sh, &req, &path);
            if resp.body.len() < 2 {
                resp.body = r#"{"nodes":[]}"#.to_string();
            }
            write_truncated(&stream, &resp);
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        None => handle(sh, &req, &path),
    };
    sh.lock().requests[index].status = resp.status;
    write_response(&stream, &resp);
    let _ = stream.shutdown(Shutdown::Both);
}

/// `unix` (seconds since 1970) as an HTTP date: "Tue, 01 Dec 2026 20:00:00 GMT".
fn http_date(unix: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix / 86_400;
    // civil_from_days, as in src/log.rs
    let z = days as i64 + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let s = unix % 86_400;
    format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(m - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}
