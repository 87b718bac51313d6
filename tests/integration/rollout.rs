//! Staged rollout, online watch and rollback end to end
//! (`scenarios/bad_model_rollback.ron`, docs/TRAINING_PIPELINE.md#staged-rollout):
//! a good version goes through every stage, a bad one that passed the gate is
//! rolled back with its alert, the previous version and static weights take over,
//! with one thread or two, and a run stopped mid-rollout resumes into the same
//! report.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::harness::{read_tree, recolab, root, scenario, succeed_into, text};

/// The report of bad_model_rollback.ron with two threads (once for the module).
fn report() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("two");
        succeed_into("run", &scenario("bad_model_rollback.ron"), &out, "2", &[]);
        (tmp, out)
    })
    .1
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

const H: i64 = 3_600;

#[test]
fn a_good_version_reaches_everyone_and_a_bad_one_is_rolled_back_with_its_alert() {
    let runs = json(&report().join("model_updates.json"));
    let runs = runs.as_array().unwrap();
    let by_version = |v: u64| {
        runs.iter()
            .find(|r| r["version"] == v)
            .unwrap_or_else(|| panic!("version {v} in {runs:?}"))
    };
    // Version 2 (12 h) passes the gate and goes 10% → 50% → 100%, then its 12 h
    // watch holds. The 10% stage lasts until each side served 1,000 requests.
    let good = by_version(2);
    assert_eq!(good["decision"], "deployed");
    let stages: Vec<(f64, i64, i64, &str)> = good["rollout"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["share"].as_f64().unwrap(),
                s["start_secs"].as_i64().unwrap(),
                s["end_secs"].as_i64().unwrap(),
                s["end"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stages,
        [
            (0.1, 12 * H, 42 * H, "advanced"),
            (0.5, 42 * H, 54 * H, "advanced"),
            (1.0, 54 * H, 66 * H, "completed"),
        ]
    );
    assert_eq!(good["rollout"]["previous_version"], 1);
    // The runs due during its rollout are skipped.
    for v in [3, 4, 5, 6] {
        assert_eq!(by_version(v)["decision"], "skipped");
    }
    // Version 7 (72 h) trains with SVD's learning rate × 50, passes the weak gate, and
    // the first check at 10% with 1,000 requests on each side rolls it back.
    let bad = by_version(7);
    assert_eq!(bad["decision"], "rolled_back");
    assert!(
        bad["fault"]
            .as_str()
            .unwrap()
            .contains("learning rate × 50")
    );
    let stage = &bad["rollout"]["stages"][0];
    assert_eq!(stage["share"], 0.1);
    assert_eq!(stage["start_secs"], 72 * H);
    assert_eq!(stage["end_secs"], 114 * H);
    assert!(stage["new_requests"].as_u64().unwrap() >= 1000);
    assert_eq!(stage["end"], "rolled_back");
    let worst = stage["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert!(worst < -0.15, "{stage}");
    assert_eq!(bad["rollout"]["previous_version"], 2);
    assert!(
        bad["rollout"]["rollback_reason"]
            .as_str()
            .unwrap()
            .contains("at 10% of users, ctr")
    );

    let alerts = json(&report().join("alerts.json"));
    let alerts = alerts.as_array().unwrap();
    let of = |kind: &str| -> Vec<i64> {
        alerts
            .iter()
            .filter(|a| a["kind"] == kind)
            .map(|a| a["time_secs"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(of("rollback"), [114 * H]);
    // The alert carries the worst change and the threshold it crossed (the
    // scenario's rollback_threshold, 0.15, as a change: −0.15).
    let rollback = alerts.iter().find(|a| a["kind"] == "rollback").unwrap();
    assert_eq!(rollback["threshold"], -0.15);
    assert_eq!(rollback["value"].as_f64().unwrap(), worst);
    // Stage starts of versions 2 and 7 and version 2's completion.
    for t in [12 * H, 42 * H, 54 * H, 66 * H, 72 * H] {
        assert!(
            of("rollout_stage").contains(&t),
            "{:?}",
            of("rollout_stage")
        );
    }
}

#[test]
fn after_a_rollback_the_previous_version_and_static_weights_serve() {
    let csv = std::fs::read_to_string(report().join("timeseries.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (version, rolled, share, random) = (
        col("model_version"),
        col("rollout_version"),
        col("rollout_share"),
        col("selection_share_random"),
    );
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    // 6-hour buckets: the value at each bucket's end.
    let at = |b: usize, c: usize| rows[b][c];
    assert_eq!(at(2, version), "1"); // 18 h: version 2 at 10%
    assert_eq!((at(2, rolled), at(2, share)), ("2", "0.1"));
    assert_eq!(at(9, version), "2"); // 60 h: version 2 serves everyone, watched
    assert_eq!(at(9, share), "1");
    assert_eq!((at(11, rolled), at(11, share)), ("0", "0")); // 72 h: rolled out
    assert_eq!((at(12, rolled), at(12, share)), ("7", "0.1")); // 78 h: version 7 at 10%
    assert_eq!(at(18, version), "2");
    assert_eq!((at(19, rolled), at(19, share)), ("0", "0")); // 120 h: rolled back
    assert_eq!(at(19, version), "2");
    // Static weights on SVD alone: the random arm is never selected after the
    // rollback (buckets from 114 h), though the bandit explored it before.
    assert!(rows[..19].iter().all(|r| r[random] != "0"));
    for r in &rows[19..] {
        assert_eq!(r[random], "0", "{r:?}");
    }
}

#[test]
fn a_rollout_is_reported_the_same_with_one_thread() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    succeed_into("run", &scenario("bad_model_rollback.ron"), &one, "1", &[]);
    assert_eq!(read_tree(&one), read_tree(report()));
}

#[test]
fn a_run_stopped_mid_rollout_resumes_into_the_same_report() {
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario("bad_model_rollback.ron");
    // Day 4: version 7 at 10% of users beside version 2, both fitted again on
    // resume. (Days 2 — version 2 beside version 1 — and 5 — after the rollback,
    // static weights serving — give the same report too; one stop keeps the debug
    // build's test time down.)
    for day in ["4"] {
        let out = tmp.path().join(format!("stopped-{day}"));
        let args = |extra: &[&str]| {
            let mut a = vec![
                "run",
                s.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "-q",
            ];
            a.extend_from_slice(extra);
            a.into_iter().map(str::to_owned).collect::<Vec<_>>()
        };
        let stop = args(&["--checkpoint-every-days", "1", "--stop-after-days", day]);
        let stop: Vec<&str> = stop.iter().map(String::as_str).collect();
        let output = recolab(&stop, &[("RAYON_NUM_THREADS", "2")], &root());
        assert_eq!(output.status.code(), Some(3), "{}", text(&output).1);
        let mut dir = out.as_os_str().to_owned();
        dir.push(".checkpoint");
        let resume = args(&["--resume", dir.to_str().unwrap()]);
        let resume: Vec<&str> = resume.iter().map(String::as_str).collect();
        let output = recolab(&resume, &[("RAYON_NUM_THREADS", "1")], &root());
        assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
        let (a, b) = (read_tree(report()), read_tree(&out));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        for (path, bytes) in &a {
            assert!(bytes == &b[path], "day {day}: {} differs", path.display());
        }
    }
}
