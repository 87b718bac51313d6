//! `recolab serve`: a report's analytics documents and dashboard over HTTP, read-only.
//!
//! A small HTTP/1.1 server on `std::net` (no framework: it answers GET and HEAD for
//! files of one folder and nothing else). Routes:
//!
//! | request | file |
//! | --- | --- |
//! | `GET /` | `index.html` |
//! | `GET /analytics/NAME` | `analytics/NAME.json` (the plan's endpoints) |
//! | `GET /PATH` | the report file `PATH` (plots, summary, time series, …) |
//!
//! Anything else is refused: other methods (405), paths with `..`, `.`, empty or
//! backslash segments, percent-encoded separators or NUL (400), files that resolve
//! outside the report through a link (404), and requests over 8 KiB (431). Every
//! response closes its connection. The listener binds 127.0.0.1 unless told otherwise.

mod http;
mod routes;

pub use http::{Request, Response, read_request};
pub use routes::{Route, route};

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Connections served at once; more wait in the listener's backlog.
const MAX_CONNECTIONS: usize = 32;

/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound server of one report folder.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    root: PathBuf,
}

impl Server {
    /// Binds `addr` to serve the report in `root`.
    ///
    /// # Errors
    ///
    /// The folder is not a report (no `index.html`), cannot be resolved, or the address
    /// cannot be bound.
    pub fn bind(root: &Path, addr: SocketAddr) -> std::io::Result<Self> {
        let root = root
            .canonicalize()
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", root.display())))?;
        if !root.join(crate::report::DASHBOARD_FILE).is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "{}: no index.html; fix: serve a report folder written by `recolab run`",
                    root.display()
                ),
            ));
        }
        let listener = TcpListener::bind(addr)?;
        Ok(Self { listener, root })
    }

    /// The bound address (the port, when bound to port 0).
    ///
    /// # Errors
    ///
    /// The socket's address cannot be read.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process ends (or, with `limit`, after that many connections).
    /// Each connection gets its own thread, at most 32 at once.
    pub fn run(&self, limit: Option<usize>) {
        let active = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for (n, stream) in self.listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            while active.load(Ordering::Acquire) >= MAX_CONNECTIONS {
                std::thread::sleep(Duration::from_millis(5));
            }
            active.fetch_add(1, Ordering::AcqRel);
            let root = self.root.clone();
            let active = Arc::clone(&active);
            let handle = std::thread::spawn(move || {
                // A client that hangs up early is not the server's problem.
                let _ = handle(stream, &root);
                active.fetch_sub(1, Ordering::AcqRel);
            });
            if limit.is_some() {
                handles.push(handle);
            }
            if limit.is_some_and(|l| n + 1 >= l) {
                break;
            }
        }
        for h in handles {
            let _ = h.join();
        }
    }
}

/// Answers one connection.
fn handle(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let response = match read_request(&mut stream) {
        Ok(request) => routes::respond(&request, root),
        Err(response) => response,
    };
    stream.write_all(&response.to_bytes())?;
    stream.flush()
}
