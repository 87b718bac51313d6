//! Random scenario edits — numbers at the edges of their types, wrong types, missing
//! and doubled fields — never make recolab panic, abort or write half a report.
//!
//! Each case edits a small valid scenario in up to three places, then runs
//! `recolab validate` and, when it validates and its cost estimate is small enough for
//! a test, `recolab run`. Both must exit 0 or 2 without a panic; on exit 2 the working
//! directory holds nothing but the scenario file.

use std::path::Path;

use proptest::prelude::*;
use recolab::cost::estimate;
use recolab::scenario::Scenario;

use crate::harness::{recolab, text};

/// The scenario's editable values: (slot, valid value).
const SLOTS: [(&str, &str); 16] = [
    ("seed", "3"),
    ("n_movies", "300"),
    ("n_factors", "8"),
    ("n_users", "300"),
    ("visibility_weight", "0.5"),
    ("no_click_utility", "4.5"),
    ("noise_sd", "0.9"),
    ("step", "1.0"),
    ("continue_without_click", "0.45"),
    ("max_requests", "12"),
    ("days", "2"),
    ("warm_up_days", "14"),
    ("slate_size", "10"),
    ("offline_users", "50"),
    ("timeseries_bucket_hours", "24"),
    ("name", "\"edge\""),
];

/// Values at the edges of every type a slot could hold, and of the wrong types.
const EDGES: [&str; 18] = [
    "0",
    "1",
    "-1",
    "255",
    "65536",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "99999999999999999999999",
    "0.5",
    "-0.5",
    "1e308",
    "-1e308",
    "\"text\"",
    "true",
    "()",
    "[]",
    "",
];

/// The scenario with `edits` (slot index → replacement; `None` drops the field) and
/// a doubled field when `double` names a slot.
fn scenario_text(edits: &[(usize, Option<&str>)], double: Option<usize>) -> String {
    let value = |i: usize| -> Option<String> {
        match edits.iter().rev().find(|(slot, _)| *slot == i) {
            Some((_, replacement)) => replacement.map(str::to_owned),
            None => Some(SLOTS[i].1.to_owned()),
        }
    };
    let field = |i: usize| -> String {
        let key = SLOTS[i].0;
        let mut text = value(i).map_or_else(String::new, |v| format!("{key}: {v}, "));
        if double == Some(i) {
            text.push_str(&format!("{key}: {}, ", SLOTS[i].1));
        }
        text
    };
    let f = |names: &[usize]| names.iter().map(|&i| field(i)).collect::<String>();
    format!(
        "({}{}catalogue: ({}n_people: 100, n_keywords: 40), population: ({}), \
         response: ({}rating: ({}), session: ({})), horizon: ({}), stack: ({}), report: ({}))",
        field(15),
        field(0),
        f(&[1, 2]),
        f(&[3, 4]),
        f(&[5]),
        f(&[6, 7]),
        f(&[8, 9]),
        f(&[10, 11]),
        f(&[12]),
        f(&[13, 14]),
    )
}

/// Runs `recolab args…` in `dir`, asserting exit 0 or 2 and no panic; returns the code.
fn exits_cleanly(args: &[&str], dir: &Path, scenario: &str) -> i32 {
    let output = recolab(args, &[], dir);
    let (stdout, stderr) = text(&output);
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 2)) && !stderr.contains("panicked"),
        "{args:?} on\n{scenario}\nexit {code:?}\n{stdout}\n{stderr}"
    );
    code.expect("checked above")
}

/// Estimated seconds above which a case is validated but not run (a test budget, not
/// a limit of recolab's).
const RUN_BUDGET_SECS: f64 = 2.0;

proptest! {
    // A fixed seed: the same 40 cases on every run and machine, and nothing written
    // to the source tree on failure (the failing case is in the message).
    #![proptest_config(ProptestConfig {
        cases: 40,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_203),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_edits_exit_0_or_2_and_leave_nothing_on_failure(
        edits in prop::collection::vec(
            (0..SLOTS.len(), prop::option::weighted(0.9, prop::sample::select(EDGES.to_vec()))),
            1..=3,
        ),
        double in prop::option::weighted(0.2, 0..SLOTS.len()),
    ) {
        let text = scenario_text(&edits, double);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edge.ron");
        std::fs::write(&path, &text).unwrap();
        let file = path.to_str().unwrap();
        let code = exits_cleanly(&["validate", file], dir.path(), &text);
        let small = Scenario::from_file(&path)
            .is_ok_and(|s| estimate(&s).seconds <= RUN_BUDGET_SECS);
        if code == 0 && small {
            let out = dir.path().join("report");
            let code = exits_cleanly(
                &["run", file, "--out", out.to_str().unwrap(), "-q", "--max-memory", "2G"],
                dir.path(),
                &text,
            );
            if code == 2 {
                prop_assert!(!out.exists(), "no report after exit 2:\n{}", text);
            }
        }
        if code == 2 {
            let left = std::fs::read_dir(dir.path()).unwrap().count();
            prop_assert_eq!(left, 1, "only the scenario file after exit 2:\n{}", text);
        }
    }
}

#[test]
fn the_unedited_scenario_is_valid_and_cheap() {
    let text = scenario_text(&[], None);
    let scenario = Scenario::from_ron_str(&text, Path::new("edge.ron"), "edge").unwrap();
    assert!(estimate(&scenario).seconds <= RUN_BUDGET_SECS, "{text}");
}
