//! The report people look at and what CI runs: analytics documents against their
//! documented schema, the dashboard, `check`, sharded sweeps and `serve`.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::harness::{read_tree, recolab, root, run_to, scenario, text};

/// One smoke report shared by the tests that only read it (built once, kept for the
/// test binary's life).
fn smoke_report() -> &'static Path {
    static REPORT: OnceLock<PathBuf> = OnceLock::new();
    REPORT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = dir.join("smoke");
        let output = run_to(&scenario("smoke.ron"), &out, &dir);
        assert!(output.status.success(), "{:?}", text(&output));
        out
    })
}

/// Every path of a JSON document: `a.b`, `list[].c`; an object holding exactly
/// `value, lower, upper, n` is an `estimate` leaf.
fn paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    let is_estimate = |m: &serde_json::Map<String, Value>| {
        m.len() == 4
            && ["value", "lower", "upper", "n"]
                .iter()
                .all(|k| m.contains_key(*k))
    };
    match value {
        Value::Object(m) if !is_estimate(m) => {
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                paths(v, &p, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for item in items {
                paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {
            out.insert(prefix.to_owned());
        }
    }
}

/// The field paths docs/REPORTS.md lists for a document: the first column of the
/// table under the heading naming it.
fn documented_paths(document: &str) -> BTreeSet<String> {
    let doc = std::fs::read_to_string(root().join("docs/REPORTS.md")).unwrap();
    let heading = format!("### `{document}`");
    let start = doc
        .find(&heading)
        .unwrap_or_else(|| panic!("docs/REPORTS.md has no section {heading}"));
    doc[start + heading.len()..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("### ") && !l.starts_with("## "))
        .filter_map(|l| {
            let cell = l.strip_prefix("| `")?;
            Some(cell[..cell.find('`')?].to_owned())
        })
        .collect()
}

/// Whether a documented path exists in `doc`, or stops at a `null` on the way.
fn present_or_null(doc: &Value, path: &str) -> bool {
    fn walk(v: &Value, parts: &[&str]) -> bool {
        let Some((first, rest)) = parts.split_first() else {
            return true;
        };
        if v.is_null() {
            return true;
        }
        let (key, array) = match first.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (*first, false),
        };
        match v.get(key) {
            None => false,
            Some(Value::Null) => true,
            Some(child) if array => match child.as_array() {
                Some(items) if items.is_empty() => true,
                Some(items) => items.iter().any(|i| walk(i, rest)),
                None => false,
            },
            Some(child) => walk(child, rest),
        }
    }
    walk(doc, &path.split('.').collect::<Vec<_>>())
}

#[test]
fn every_analytics_document_parses_and_matches_its_documented_schema() {
    let report = smoke_report();
    for name in recolab::report::analytics::ENDPOINTS {
        let file = report.join("analytics").join(format!("{name}.json"));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(doc["format_version"], 1, "{name}");
        assert_eq!(doc["endpoint"], format!("/analytics/{name}"), "{name}");
        let mut seen = BTreeSet::new();
        paths(&doc, "", &mut seen);
        let documented = documented_paths(name);
        let undocumented: Vec<_> = seen.difference(&documented).collect();
        assert!(
            undocumented.is_empty(),
            "{name}: undocumented fields {undocumented:?}"
        );
        let missing: Vec<_> = documented
            .iter()
            .filter(|p| !present_or_null(&doc, p))
            .collect();
        assert!(
            missing.is_empty(),
            "{name}: documented but absent {missing:?}"
        );
    }
}

#[test]
fn novelty_and_serendipity_exist_online_and_offline() {
    let file = smoke_report().join("analytics/diversity-metrics.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    for key in ["gini", "coverage", "novelty", "serendipity"] {
        assert!(doc["online"][key].is_f64(), "online.{key}");
        for arm in doc["offline"]["arms"].as_array().unwrap() {
            assert!(arm[key].is_number() || arm[key].is_null(), "offline {key}");
        }
    }
    let s = doc["online"]["serendipity"].as_f64().unwrap();
    assert!(
        (0.0..=1.0).contains(&s),
        "serendipity is a mean dissimilarity: {s}"
    );
}

#[test]
fn the_dashboard_is_self_contained_and_shows_every_plot() {
    let report = smoke_report();
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    for section in ["summary", "scorecard", "alerts", "plots"] {
        assert!(html.contains(&format!("id=\"{section}\"")), "{section}");
    }
    let plots: Vec<String> = std::fs::read_dir(report.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(plots.len() >= 6, "{plots:?}");
    for plot in &plots {
        assert!(
            html.contains(&format!("id=\"plot-{plot}\"><svg")),
            "{plot} not inline"
        );
        assert!(report.join("plots").join(format!("{plot}.png")).is_file());
    }
    for forbidden in ["<script", "<link", "src=\"http", "href=\"http", "@import"] {
        assert!(
            !html.contains(forbidden),
            "the dashboard reaches out: {forbidden}"
        );
    }
}

#[test]
fn timeseries_has_a_row_per_hour_with_the_listed_columns() {
    // smoke.ron asks for 12-hour rows; the default is one row per simulated hour.
    let csv = std::fs::read_to_string(smoke_report().join("timeseries.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for column in [
        "selection_share_popularity",
        "reward_rate_cold_start",
        "reward_rate_late",
        "long_tail_share",
        "novelty",
        "serendipity",
        "cumulative_gini",
        "cumulative_coverage",
        "exploration_ratio",
        "model_version",
    ] {
        assert!(
            header.split(',').any(|c| c == column),
            "{column} missing: {header}"
        );
    }
    assert_eq!(csv.lines().count(), 1 + 5 * 24 / 12);
    let default = recolab::scenario::spec::ReportSpec::default();
    assert_eq!(default.timeseries_bucket_hours, 1);
}

/// `recolab check REPORT --baseline FILE …` in `cwd`.
fn check(report: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", report.to_str().unwrap()];
    args.extend_from_slice(extra);
    recolab(&args, &[], report.parent().unwrap())
}

#[test]
fn check_passes_on_identical_reports_and_fails_on_a_synthetic_regression() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("r");
    let baseline = tmp.path().join("baseline.json");
    let output = recolab(
        &[
            "run",
            scenario("smoke.ron").to_str().unwrap(),
            "--out",
            report.to_str().unwrap(),
            "-q",
            "--update-baseline",
            baseline.to_str().unwrap(),
        ],
        &[],
        tmp.path(),
    );
    assert!(output.status.success(), "{:?}", text(&output));
    let b = baseline.to_str().unwrap();
    let same = check(&report, &["--baseline", b]);
    assert_eq!(same.status.code(), Some(0), "{:?}", text(&same));
    assert!(text(&same).0.contains("serendipity"), "{:?}", text(&same));

    // Gini up by 0.05 (allowed: 2% of the baseline): a regression, exit 1.
    let file = report.join("analytics/diversity-metrics.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let gini = doc["online"]["gini"].as_f64().unwrap();
    doc["online"]["gini"] = serde_json::json!(gini + 0.05);
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let worse = check(&report, &["--baseline", b]);
    assert_eq!(worse.status.code(), Some(1), "{:?}", text(&worse));
    let (stdout, stderr) = text(&worse);
    let row = stdout.lines().find(|l| l.starts_with("gini")).unwrap();
    assert!(
        row.contains("REGRESSED") && row.contains("it rises"),
        "{stdout}"
    );
    assert!(stderr.contains("gini"), "{stderr}");
    // A tolerance that allows it passes.
    let tolerance = tmp.path().join("tolerance.json");
    std::fs::write(&tolerance, r#"{"metrics": {"gini": {"absolute": 0.06}}}"#).unwrap();
    let allowed = check(
        &report,
        &["--baseline", b, "--tolerance", tolerance.to_str().unwrap()],
    );
    assert_eq!(allowed.status.code(), Some(0), "{:?}", text(&allowed));

    // A bound of the report's scenario that cannot hold: exit 1.
    let ron = report.join("scenario.ron");
    let with_bound = std::fs::read_to_string(&ron)
        .unwrap()
        .replace("checks: []", "checks: [(metric: \"coverage\", min: 1.5)]");
    std::fs::write(&ron, with_bound).unwrap();
    let bounded = check(&report, &[]);
    assert_eq!(bounded.status.code(), Some(1), "{:?}", text(&bounded));
    assert!(text(&bounded).0.contains("OUT OF BOUNDS"));
}

#[test]
fn check_refuses_unusable_input_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = check(&tmp.path().join("nope"), &["--baseline", "b.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing).1.contains("fix:"), "{:?}", text(&missing));
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"format_version\": 1}").unwrap();
    let unusable = check(smoke_report(), &["--baseline", bad.to_str().unwrap()]);
    assert_eq!(unusable.status.code(), Some(2), "{:?}", text(&unusable));
    assert!(text(&unusable).1.contains("bad.json"));
}

#[test]
fn the_ci_baseline_matches_the_ci_scenario_s_scenario_and_metrics() {
    let text = std::fs::read_to_string(root().join("reports/baselines/ci.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["scenario"], "ci");
    for key in [
        "gini",
        "coverage",
        "novelty",
        "serendipity",
        "long_tail_share",
        "regret/default",
    ] {
        assert!(doc["metrics"][key].is_f64(), "{key}");
    }
}

fn sweep(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "sweep",
        "smoke.ron",
        "--seeds",
        "2",
        "--set",
        "stack.slate_size=5,10",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend_from_slice(extra);
    let output = recolab(
        &args,
        &[("RAYON_NUM_THREADS", "2")],
        &root().join("scenarios"),
    );
    assert!(output.status.success(), "{:?}", text(&output));
}

#[test]
fn two_merged_shards_equal_the_unsharded_sweep_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    sweep(&whole, &[]);
    sweep(&a, &["--shard", "1/2"]);
    sweep(&b, &["--shard", "2/2"]);
    let merged = tmp.path().join("merged");
    let output = recolab(
        &[
            "merge",
            b.to_str().unwrap(),
            a.to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ],
        &[],
        tmp.path(),
    );
    assert!(output.status.success(), "{:?}", text(&output));
    let (x, y) = (read_tree(&whole), read_tree(&merged));
    assert!(x.contains_key(Path::new("sweep.json")) && x.contains_key(Path::new("plots/gini.png")));
    assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>());
    for (path, bytes) in &x {
        assert!(
            bytes == &y[path],
            "{} differs after merging",
            path.display()
        );
    }
    // A missing slice is refused.
    let alone = recolab(
        &[
            "merge",
            a.to_str().unwrap(),
            "--out",
            tmp.path().join("m2").to_str().unwrap(),
        ],
        &[],
        tmp.path(),
    );
    assert_eq!(alone.status.code(), Some(2));
    assert!(
        text(&alone).1.contains("slice 2/2 is missing"),
        "{:?}",
        text(&alone)
    );
}

/// One HTTP exchange with the server.
fn get(addr: std::net::SocketAddr, request: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status: u16 = std::str::from_utf8(&bytes[9..12]).unwrap().parse().unwrap();
    (status, bytes[head_end + 4..].to_vec())
}

#[test]
fn serve_answers_each_path_and_refuses_traversal() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report");
    let status = std::process::Command::new("cp")
        .args([
            "-r",
            smoke_report().to_str().unwrap(),
            report.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(tmp.path().join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), report.join("link.txt")).unwrap();
    let server = recolab::serve::Server::bind(&report, "127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let requests: Vec<(String, u16)> = recolab::report::analytics::ENDPOINTS
        .iter()
        .map(|e| {
            (
                format!("GET /analytics/{e} HTTP/1.1\r\nHost: x\r\n\r\n"),
                200,
            )
        })
        .chain([
            ("GET / HTTP/1.1\r\n\r\n".to_owned(), 200),
            ("GET /plots/lorenz.svg HTTP/1.1\r\n\r\n".to_owned(), 200),
            ("GET /../secret.txt HTTP/1.1\r\n\r\n".to_owned(), 400),
            ("GET /%2e%2e/secret.txt HTTP/1.1\r\n\r\n".to_owned(), 400),
            (
                "GET /analytics/..%2f..%2fsecret.txt HTTP/1.1\r\n\r\n".to_owned(),
                400,
            ),
            ("GET /link.txt HTTP/1.1\r\n\r\n".to_owned(), 404),
            ("GET /analytics/nope HTTP/1.1\r\n\r\n".to_owned(), 404),
            (
                "POST /analytics/experiments HTTP/1.1\r\n\r\n".to_owned(),
                405,
            ),
            ("nonsense\r\n\r\n".to_owned(), 400),
        ])
        .collect();
    let n = requests.len();
    let handle = std::thread::spawn(move || server.run(Some(n)));
    for (request, expected) in &requests {
        let (status, body) = get(addr, request);
        assert_eq!(status, *expected, "{request:?}");
        if request.starts_with("GET /analytics/") && *expected == 200 {
            let doc: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(doc["format_version"], 1);
        }
        if *expected != 200 {
            assert!(!String::from_utf8_lossy(&body).contains("outside"));
        }
    }
    handle.join().unwrap();
}
