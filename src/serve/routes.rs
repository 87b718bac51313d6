//! Which file a request target names, refusing anything outside the report.

use std::path::{Path, PathBuf};

use super::http::{Request, Response};

/// What a target resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// A file of the report, by relative path.
    File(PathBuf),
    /// Refused: the status, reason and message.
    Refused(u16, &'static str, String),
}

/// Maps a request target to a report file, without touching the file system.
#[must_use]
pub fn route(target: &str) -> Route {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let bad = |why: &str| Route::Refused(400, "Bad Request", why.to_owned());
    if !path.starts_with('/') {
        return bad("the path must start with /");
    }
    if path == "/" {
        return Route::File(PathBuf::from(crate::report::DASHBOARD_FILE));
    }
    let decoded = match percent_decode(&path[1..]) {
        Some(d) => d,
        None => return bad("malformed percent-encoding"),
    };
    if decoded.contains(['\\', '\0']) {
        return bad("backslashes and NUL are not allowed");
    }
    let segments: Vec<&str> = decoded.split('/').collect();
    if segments
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return bad("empty, `.` and `..` path segments are not allowed");
    }
    if segments.len() == 2 && segments[0] == "analytics" && !segments[1].contains('.') {
        return Route::File(PathBuf::from(format!("analytics/{}.json", segments[1])));
    }
    Route::File(segments.iter().collect())
}

/// Percent-decodes a path, refusing an encoded `/` (it would hide a segment).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            let b = u8::from_str_radix(hex, 16).ok()?;
            if b == b'/' {
                return None;
            }
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("csv") => "text/csv; charset=utf-8",
        Some("md" | "ron" | "txt") => "text/plain; charset=utf-8",
        Some("jsonl") => "application/x-ndjson",
        _ => "application/octet-stream",
    }
}

/// The response to a request for the report in `root` (canonical).
#[must_use]
pub fn respond(request: &Request, root: &Path) -> Response {
    let head = request.method == "HEAD";
    if request.method != "GET" && !head {
        let mut r = Response::error(405, "Method Not Allowed", "the report is read-only");
        r.headers.push("Allow: GET, HEAD".into());
        return r;
    }
    let relative = match route(&request.target) {
        Route::File(p) => p,
        Route::Refused(status, reason, why) => return Response::error(status, reason, &why),
    };
    let not_found = || Response::error(404, "Not Found", "no such file in the report");
    // A link inside the report may point elsewhere: serve only what resolves inside.
    let Ok(full) = root.join(&relative).canonicalize() else {
        return not_found();
    };
    if !full.starts_with(root) || !full.is_file() {
        return not_found();
    }
    match std::fs::read(&full) {
        Ok(body) => Response {
            status: 200,
            reason: "OK",
            content_type: content_type(&full),
            body: if head { Vec::new() } else { body },
            headers: Vec::new(),
        },
        Err(_) => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_s_paths_map_to_analytics_files() {
        assert_eq!(route("/"), Route::File("index.html".into()));
        assert_eq!(
            route("/analytics/diversity-metrics"),
            Route::File("analytics/diversity-metrics.json".into())
        );
        assert_eq!(
            route("/analytics/bandit-state?pretty=1"),
            Route::File("analytics/bandit-state.json".into())
        );
        assert_eq!(
            route("/plots/lorenz.svg"),
            Route::File("plots/lorenz.svg".into())
        );
    }

    #[test]
    fn traversal_in_every_spelling_is_refused() {
        for target in [
            "/../secret",
            "/analytics/../../etc/passwd",
            "/%2e%2e/secret",
            "/%2E%2E%2Fsecret",
            "/plots/..%2f..%2fx",
            "/a//b",
            "/./index.html",
            "/..\\x",
            "/x%00y",
            "/%zz",
            "relative",
        ] {
            assert!(
                matches!(route(target), Route::Refused(400, ..)),
                "{target} was not refused"
            );
        }
    }
}
