//! The `recolab` binary: compare, migrate, resume, errors.

use std::path::Path;
use std::process::Command;

use recolab::bandit::state::{BANDIT_STATE_VERSION, BanditStateFile};
use recolab::rng::SeedTree;
use recolab::sim::initial_policies;

use super::harness::{load_scenario as scenario, scenario_path};

fn recolab(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_recolab"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn migrate_upgrades_a_v1_state_that_then_resumes_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("state.json");
    std::fs::copy(fixture("bandit_state_v1.json"), &file).unwrap();
    let (code, stdout, stderr) = recolab(&["migrate", "state.json"], tmp.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("from version 1 to 2"), "{stdout}");
    let text = std::fs::read_to_string(&file).unwrap();
    let state: BanditStateFile = serde_json::from_str(&text).unwrap();
    assert_eq!(state.version, BANDIT_STATE_VERSION);
    assert_eq!(state.arms, ["popularity", "random"]);
    let slot = &state.slots[0];
    let names: Vec<&str> = slot.context_features.iter().map(|f| f.name()).collect();
    assert_eq!(names, ["daypart", "day_type"]);
    // v1 stored Beta(1, 1) + evidence: α 61, β 81 → 60 successes, 80 failures.
    let evening = slot
        .contexts
        .iter()
        .find(|c| c.context == "evening/weekend")
        .unwrap();
    assert_eq!(
        (evening.arms[1].successes, evening.arms[1].failures),
        (60.0, 80.0)
    );
    assert_eq!(
        (slot.global[0].successes, slot.global[0].failures),
        (40.0, 110.0)
    );
    assert!(slot.rng.is_none());
    // Idempotent.
    let (code, stdout, _) = recolab(&["migrate", "state.json"], tmp.path());
    assert_eq!(code, 0);
    assert!(stdout.contains("already version 2"), "{stdout}");
    // The upgraded state fits context_shift's Thompson policy (daypart × day type).
    let s = scenario("context_shift");
    let fresh = initial_policies(&s, &SeedTree::new(s.spec().seed));
    let slots = state
        .to_slots(&file, &["popularity", "random"], &fresh)
        .expect("fits");
    let table = slots[0].table.as_ref().unwrap();
    let key = table.keys().parse("evening/weekend").unwrap();
    assert_eq!(table.evidence(key, 1), [60.0, 80.0]);
    assert_eq!(
        slots[0].rng, fresh[0].rng,
        "no saved position: the scenario's stream"
    );
}

#[test]
fn migrate_rejects_unknown_versions() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.json"), r#"{"version": 9, "rows": []}"#).unwrap();
    let (code, _, stderr) = recolab(&["migrate", "s.json"], tmp.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("version 9 is not supported"), "{stderr}");
}

#[test]
fn compare_names_the_bad_policy_token() {
    let tmp = tempfile::tempdir().unwrap();
    let path = scenario_path("stationary");
    let path = path.to_str().unwrap();
    let (code, _, stderr) = recolab(
        &[
            "compare",
            path,
            "--policy",
            "thompson(prior=2)",
            "--seeds",
            "1",
        ],
        tmp.path(),
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("at `prior=2`"), "{stderr}");
    let (code, _, stderr) = recolab(
        &[
            "compare",
            path,
            "--policy",
            "thompson(prior=0,8)",
            "--seeds",
            "1",
        ],
        tmp.path(),
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("stack.policy.prior.0"), "{stderr}");
}

#[test]
fn oracle_needs_regret_accounting() {
    let src = "(stack: (policy: Oracle))";
    let err = recolab::scenario::Scenario::from_ron_str(src, Path::new("x.ron"), "x")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`stack.policy`") && err.contains("regret: true"),
        "{err}"
    );
}

#[test]
fn shipped_bandit_scenarios_validate() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["context_shift", "stationary"] {
        let path = scenario_path(name);
        let (code, stdout, stderr) = recolab(&["validate", path.to_str().unwrap()], tmp.path());
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(stdout.contains("ok"));
    }
}
