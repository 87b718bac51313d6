//! Just enough HTTP/1.1: read a request line and headers, write a response.

use std::io::Read;

/// Longest request head accepted.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;

/// A parsed request head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The raw target, e.g. `/analytics/diversity-metrics?x=1`.
    pub target: String,
}

/// A response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: &'static str,
    /// Content type.
    pub content_type: &'static str,
    /// Body (dropped on the wire for HEAD by the caller).
    pub body: Vec<u8>,
    /// Extra header lines, e.g. `Allow: GET, HEAD`.
    pub headers: Vec<String>,
}

impl Response {
    /// A plain-text error response.
    #[must_use]
    pub fn error(status: u16, reason: &'static str, message: &str) -> Self {
        Self {
            status,
            reason,
            content_type: "text/plain; charset=utf-8",
            body: format!("{status} {reason}: {message}\n").into_bytes(),
            headers: Vec::new(),
        }
    }

    /// The bytes on the wire.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\
             X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n",
            self.status,
            self.reason,
            self.content_type,
            self.body.len()
        );
        for h in &self.headers {
            head.push_str(h);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Reads a request head (up to the blank line) from `stream`.
///
/// # Errors
///
/// The error response to send: 400 for a malformed head, 431 past
/// `MAX_REQUEST_BYTES` (8 KiB), 408 when the client stops sending.
pub fn read_request(stream: &mut impl Read) -> Result<Request, Response> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = stream
            .read(&mut buf)
            .map_err(|_| Response::error(408, "Request Timeout", "the request did not arrive"))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > MAX_REQUEST_BYTES {
            return Err(Response::error(
                431,
                "Request Header Fields Too Large",
                "the request head exceeds 8 KiB",
            ));
        }
    }
    let text = std::str::from_utf8(&head)
        .map_err(|_| Response::error(400, "Bad Request", "the request is not UTF-8"))?;
    let line = text.lines().next().unwrap_or("");
    let mut parts = line.split(' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(method), Some(target), Some(version), None)
            if version.starts_with("HTTP/1.") && !method.is_empty() =>
        {
            Ok(Request {
                method: method.to_owned(),
                target: target.to_owned(),
            })
        }
        _ => Err(Response::error(
            400,
            "Bad Request",
            "expected `METHOD /path HTTP/1.1`",
        )),
    }
}
