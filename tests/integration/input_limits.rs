//! Bad input is refused cleanly, and the documented ranges are the validated ones.
//!
//! - Random scenario edits — numbers at the edges of their types, wrong types, missing
//!   and doubled fields — never make recolab panic, abort or write half a report. Each
//!   case edits a small valid scenario in up to three places, then runs `recolab
//!   validate` and, when it validates and its cost estimate is small enough for a test,
//!   `recolab run`. Both must exit 0 or 2 without a panic; on exit 2 the working
//!   directory holds nothing but the scenario file.
//! - Every bound in the `allowed` columns of docs/SCENARIOS.md is tried just inside and
//!   just outside (see the second half of this file).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use recolab::cost::estimate;
use recolab::scenario::limits::integer_limit;
use recolab::scenario::{Scenario, ScenarioError, ScenarioSpec};
use serde_json::Value;

use crate::harness::{read_tree, recolab, scenario, text};

/// The scenario's editable values: (slot, valid value).
const SLOTS: [(&str, &str); 20] = [
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
    // Fields whose extreme values once panicked or aborted a run.
    ("n_people", "100"),
    ("window", "10"),
    ("popularity", "0.6"),
    ("minutes_between_requests", "4.0"),
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
        "({}{}catalogue: ({}n_keywords: 40), population: ({}), context: (fatigue: ({})), \
         response: ({}utility: ({}), rating: ({}), session: ({})), horizon: ({}), stack: ({}), \
         report: ({}))",
        field(15),
        field(0),
        f(&[1, 2, 16]),
        f(&[3, 4]),
        f(&[17]),
        f(&[5]),
        f(&[18]),
        f(&[6, 7]),
        f(&[8, 9, 19]),
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

/// Inputs every command can be given wrongly, as files in a fresh folder.
fn bad_inputs(dir: &Path) {
    let files: [(&str, &[u8]); 11] = [
        (
            "tiny.csv",
            b"user_id,item_id,rating,timestamp\n1,2,4,100\n2,3,5,100\n",
        ),
        (
            "bad.csv",
            b"user_id,item_id,rating,timestamp\n1,2,4,100\n1,3,x,100\n",
        ),
        (
            "huge.csv",
            b"user_id,item_id,rating,timestamp\n1,2,1e308,100\n",
        ),
        ("empty.csv", b""),
        ("bin.dat", b"\x00\xff\xfe\x01binary"),
        ("run.txt", b"u1 Q0 i1 1 0.9 t\nu1 Q0 i2 2 0.8 t\n"),
        ("qrels.txt", b"u1 0 i1 1\nu1 0 i3 2\n"),
        ("huge_qrels.txt", b"u1 0 i1 1e308\n"),
        (
            "items.csv",
            b"item_id,popularity,genres\ni1,10,a|b\ni2,5,a\n",
        ),
        ("state.json", b"{\"a\": 1}"),
        ("zero.ron", b"(catalogue: (n_movies: 0))"),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    std::fs::write(dir.join("big.ron"), "(catalogue: (n_movies: 4000000000))").unwrap();
    std::fs::copy(scenario("smoke.ron"), dir.join("smoke.ron")).unwrap();
}

#[test]
fn every_command_refuses_bad_input_with_exit_2_a_fix_and_nothing_written() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["stats", "missing.csv"], &["missing.csv"]),
        (&["stats", "bad.csv"], &["bad.csv:line 3", "rating"]),
        (&["stats", "bin.dat"], &["bin.dat:line 1"]),
        (&["stats", "empty.csv"], &["empty.csv", "no ratings"]),
        (&["stats", "tiny.csv", "--json", "."], &["is a folder"]),
        (
            &["stats", "tiny.csv", "--movies", "missing.dat"],
            &["missing.dat"],
        ),
        (
            &["eval", "--ratings", "huge.csv"],
            &["huge.csv:line 2", "±1,000,000"],
        ),
        (&["eval", "missing.ron"], &["missing.ron"]),
        (&["eval"], &["--ratings"]),
        (&["eval", "zero.ron"], &["zero.ron", "catalogue.n_movies"]),
        (
            &["fit", "--ratings", "empty.csv", "--out", "f.ron"],
            &["empty.csv"],
        ),
        (
            &["fit", "--ratings", "tiny.csv", "--out", "."],
            &["is a folder"],
        ),
        (
            &["world", "big.ron", "--out", "w"],
            &["big.ron", "of memory", "n_movies"],
        ),
        (
            &["world", "zero.ron", "--out", "w"],
            &["zero.ron", "catalogue.n_movies"],
        ),
        (
            &[
                "compare", "big.ron", "--policy", "static", "--seeds", "2", "--out", "c",
            ],
            &["big.ron", "of memory"],
        ),
        (
            &[
                "compare",
                "smoke.ron",
                "--policy",
                "static",
                "--seeds",
                "1000000000000",
            ],
            &["--seeds", "10,000"],
        ),
        (
            &["compare", "smoke.ron", "--policy", "nonsense", "--out", "c"],
            &["nonsense", "thompson"],
        ),
        (
            &[
                "compare",
                "smoke.ron",
                "--policy",
                "thompson(prior=0,1)",
                "--out",
                "c",
            ],
            &["stack.policy.prior.0"],
        ),
        (
            &["ope", "smoke.ron", "--seeds", "0", "--target", "thompson"],
            &["--seeds"],
        ),
        (
            &["ope", "smoke.ron", "--seeds", "1", "--target", "nonsense"],
            &["nonsense", "thompson"],
        ),
        (
            &["ope", "smoke.ron", "--seeds", "1", "--target", "oracle"],
            &["oracle"],
        ),
        (
            &[
                "ope",
                "smoke.ron",
                "--seeds",
                "1",
                "--target",
                "thompson",
                "--bootstrap",
                "5",
            ],
            &["--bootstrap"],
        ),
        (
            &[
                "ope",
                "smoke.ron",
                "--log",
                "missing",
                "--target",
                "thompson",
            ],
            &["missing", "scenario.ron"],
        ),
        (
            &["metrics", "--run", "missing.txt", "--qrels", "qrels.txt"],
            &["missing.txt"],
        ),
        (
            &[
                "metrics",
                "--run",
                "run.txt",
                "--qrels",
                "qrels.txt",
                "--k",
                "0",
            ],
            &["--k"],
        ),
        (
            &[
                "metrics",
                "--run",
                "run.txt",
                "--qrels",
                "huge_qrels.txt",
                "--gain",
                "exponential",
            ],
            &["huge_qrels.txt:line 1", "--gain linear"],
        ),
        (
            &[
                "metrics",
                "--run",
                "run.txt",
                "--qrels",
                "qrels.txt",
                "--items",
                "items.csv",
                "--n-users",
                "5",
            ],
            &["items.csv:line 2", "--n-users"],
        ),
        (
            &["metrics", "--run", "bin.dat", "--qrels", "qrels.txt"],
            &["bin.dat:line 1"],
        ),
        (
            &[
                "run",
                "smoke.ron",
                "--resume-bandit",
                "state.json",
                "--out",
                "r",
                "-q",
            ],
            &["state.json", "bandit"],
        ),
        (&["migrate", "state.json"], &["state.json"]),
        (
            &["run", "smoke.ron", "--max-memory", "1K", "--out", "r", "-q"],
            &["--max-memory"],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    bad_inputs(dir.path());
    let before = read_tree(dir.path());
    for (args, wanted) in cases {
        let output = recolab(args, &[], dir.path());
        let (stdout, stderr) = text(&output);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}\n{stdout}\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        for part in wanted.iter().chain(&["fix:"]) {
            assert!(stderr.contains(part), "{args:?}: {part:?} not in {stderr}");
        }
        let after = read_tree(dir.path());
        let changed: Vec<&PathBuf> = after
            .keys()
            .chain(before.keys())
            .filter(|p| before.get(*p) != after.get(*p))
            .collect();
        assert!(changed.is_empty(), "{args:?} wrote or changed {changed:?}");
        let folders = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().is_dir())
            .count();
        assert_eq!(folders, 0, "{args:?} left a folder");
    }
}

// ---------------------------------------------------------------------------------
// docs/SCENARIOS.md's `allowed` columns against validation.
//
// Every table of scenario fields has an `allowed` column. Each of its clauses that
// states a range (`1 – 3,650`, `≥ 1`, `[0, 1)`, `(0, 1440]`, `finite`) is tried on a
// scenario just inside and just outside each end, through the user's path (RON text,
// parse, validate): inside must not be refused for that field, outside must be. A
// number outside an integer field's type must be refused with the documented range.
// Every numeric field of the scenario must be covered by some clause.

/// One step of a path into the JSON form of a scenario.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A documented range, parsed.
#[derive(Clone, Debug, PartialEq)]
enum Range {
    /// Whole numbers, both ends included; `max` None = up to the type's maximum.
    Integer { min: i128, max: Option<i128> },
    /// Real numbers; each end with whether it is included.
    Real {
        low: Option<(f64, bool)>,
        high: Option<(f64, bool)>,
    },
}

/// A clause of an `allowed` cell.
#[derive(Debug)]
struct Clause {
    /// Dotted path as the docs name it (`stack.arms.Svd.factors`).
    path: String,
    /// The range it states; `None` for prose (`either 1.0 or 0.5`).
    range: Option<Range>,
    /// The range as written, for messages and the integer-table check.
    text: String,
    /// Whether other conditions follow (`, ≤ `n_people``): then values at the upper
    /// end may be refused by them, and only the lower end is tried inside.
    conditional: bool,
}

fn number(text: &str) -> Option<f64> {
    text.trim().replace('−', "-").replace(',', "").parse().ok()
}

/// `[0, 1)`, `(0, 1440]`, `[−1000, 1000]` at the start of `text`: the range and the
/// rest.
fn interval(text: &str) -> Option<(Range, &str)> {
    let low_closed = match text.chars().next()? {
        '[' => true,
        '(' => false,
        _ => return None,
    };
    let close = text.find([']', ')'])?;
    let (a, b) = text[1..close].split_once(", ")?;
    let high_closed = text[close..].starts_with(']');
    let range = Range::Real {
        low: Some((number(a)?, low_closed)),
        high: Some((number(b)?, high_closed)),
    };
    Some((range, &text[close + 1..]))
}

/// The range at the start of a clause, and the text after it; `None` for prose.
fn leading_range(text: &str) -> Option<(Range, String, &str)> {
    let starts_range = text.starts_with(|c: char| {
        c.is_ascii_digit() || matches!(c, '[' | '(' | '≥' | '>' | '−' | '-')
    }) || text.starts_with("finite");
    if !starts_range {
        return None;
    }
    if let Some(rest) = text.strip_prefix("finite") {
        let range = Range::Real {
            low: None,
            high: None,
        };
        return Some((range, "finite".into(), rest));
    }
    if let Some((range, rest)) = interval(text) {
        let written = text[..text.len() - rest.len()].to_owned();
        return Some((range, written, rest));
    }
    for (sign, closed) in [("≥ ", true), ("> ", false)] {
        if let Some(rest) = text.strip_prefix(sign) {
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '−' | 'e')))
                .unwrap_or(rest.len());
            // A trailing comma belongs to the note, not the number.
            let end = if rest[..end].ends_with(',') {
                end - 1
            } else {
                end
            };
            let value = number(&rest[..end]).unwrap_or_else(|| panic!("bad bound in {text:?}"));
            let written = format!("{sign}{}", &rest[..end]);
            // Integer or real is decided by the field, later: keep both readings.
            let range = Range::Real {
                low: Some((value, closed)),
                high: None,
            };
            return Some((range, written, &rest[end..]));
        }
    }
    let (a, rest) = text
        .split_once(" – ")
        .unwrap_or_else(|| panic!("bad range {text:?}"));
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ','))
        .unwrap_or(rest.len());
    let end = if rest[..end].ends_with(',') {
        end - 1
    } else {
        end
    };
    let min = a
        .replace('−', "-")
        .replace(',', "")
        .parse()
        .expect("integer range start");
    let max = rest[..end]
        .replace(',', "")
        .parse()
        .expect("integer range end");
    let written = format!("{a} – {}", &rest[..end]);
    Some((
        Range::Integer {
            min,
            max: Some(max),
        },
        written,
        &rest[end..],
    ))
}

/// Whether the text after a range adds a condition: anything but a parenthesised
/// explanation.
fn adds_condition(rest: &str) -> bool {
    let mut depth = 0;
    let mut outside = String::new();
    for ch in rest.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => outside.push(ch),
            _ => {}
        }
    }
    !outside.trim().is_empty()
}

/// The clauses of one `allowed` cell of the row at `path`.
fn clauses(path: &str, cell: &str) -> Vec<Clause> {
    let mut out = Vec::new();
    for clause in cell.split("; ") {
        let clause = clause.trim();
        let (sub, body) = match clause.strip_prefix('`') {
            Some(rest) => {
                let (sub, body) = rest.split_once('`').expect("closed backtick");
                (Some(sub), body.trim_start())
            }
            None => (None, clause),
        };
        let path = match sub {
            Some(sub) if path.is_empty() => sub.to_owned(),
            Some(sub) => format!("{path}.{sub}"),
            None => path.to_owned(),
        };
        out.push(match leading_range(body) {
            Some((range, text, rest)) => Clause {
                path,
                range: Some(range),
                text,
                conditional: adds_condition(rest),
            },
            None => Clause {
                path,
                range: None,
                text: body.to_owned(),
                conditional: true,
            },
        });
    }
    out
}

/// Every range clause of docs/SCENARIOS.md, and the number of rows read.
fn documented_ranges() -> (Vec<Clause>, usize) {
    let text = std::fs::read_to_string(crate::harness::root().join("docs/SCENARIOS.md"))
        .expect("docs/SCENARIOS.md is readable");
    let mut section: Option<String> = None;
    let mut columns: Option<(String, usize)> = None;
    let mut out = Vec::new();
    let mut rows = 0;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            section = if heading == "Top level" {
                Some(String::new())
            } else {
                heading
                    .split('`')
                    .nth(1)
                    .filter(|_| heading.starts_with('`'))
                    .map(str::to_owned)
            };
            columns = None;
            continue;
        }
        if !line.starts_with("| ") {
            columns = None;
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        if line.starts_with("| ---") {
            continue;
        }
        if matches!(cells[0], "field" | "arm" | "policy") {
            let allowed = cells.iter().position(|c| *c == "allowed");
            assert!(
                allowed.is_some() || section.is_none(),
                "a table of {} in `{section:?}` has no `allowed` column",
                cells[0]
            );
            columns = allowed.map(|a| (cells[0].to_owned(), a));
            continue;
        }
        let (Some((kind, allowed)), Some(section)) = (&columns, &section) else {
            continue;
        };
        let cell = cells[*allowed];
        assert!(!cell.is_empty(), "empty `allowed` cell: {line}");
        rows += 1;
        let row = match kind.as_str() {
            "field" => {
                let name = cells[0].trim_matches('`');
                if section.is_empty() {
                    name.to_owned()
                } else {
                    format!("{section}.{name}")
                }
            }
            // The RON column names the variant: `Svd(factors: 32, …)` → `Svd`.
            kind => {
                let variant: String = cells[1]
                    .trim_start_matches('`')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                let list = if kind == "arm" { "arms" } else { "policy" };
                format!("stack.{list}.{variant}")
            }
        };
        out.extend(clauses(&row, cell));
    }
    (out, rows)
}

/// The scenarios the clauses are tried on, in order: a path is tried on the first in
/// which it exists. Together they hold every arm, policy, protocol and activity model.
fn bases() -> Vec<ScenarioSpec> {
    let common = r#"
        catalogue: (n_movies: 300, n_people: 100, n_keywords: 40),
        context: (daypart_novelty: [(daypart: night, shift: 1.0)]),
        experiments: [(id: "e", traffic: 0.5, variants: [(name: "a"),
            (name: "b", weight: 1.0, policy: Uniform, diversity: ())],
            guardrails: [(metric: MeanRating, margin: 0.02)]),
            (id: "m", traffic: 0.3, variants: [(name: "a"), (name: "b")],
            stopping: Msprt(looks: 30, tau: 0.05))],
        checks: [(metric: "gini", min: 0.1), (metric: "coverage", max: 0.9)],
        pipeline: (gate: (search: (svd: (factors: [32], learning_rate: [0.01],
            regularisation: [0.05]), item_cf: (neighbours: [50]), sample: 4)), alerts: (),
            work_budget: 1000000000),"#;
    let arms = "arms: [Popularity, Random, Svd(), ItemCf(), Embeddings(), Graph(), LongTail(), \
                Serendipity(), PureSvd(), Oracle(selectable: true)], arms_per_request: 1";
    [
        format!(
            r#"({common} population: (n_users: 300, activity: Segments),
                stack: ({arms}, policy: StaticWeights(weights: {{"popularity": 1.0, "random": 1.0}})),
                evaluation: (protocol: RandomSplit()))"#
        ),
        format!(
            "({common} stack: ({arms}, policy: Thompson(discount: 0.9)),
                evaluation: (protocol: KFold(folds: 5)))"
        ),
        format!(
            "({common} stack: ({arms}, policy: EpsilonGreedy(discount: 0.9)),
                evaluation: (protocol: Temporal(windows: 2)))"
        ),
        format!("({common} stack: ({arms}, policy: Ucb1(discount: 0.9)))"),
    ]
    .iter()
    .map(|src| ScenarioSpec::from_ron_str(src, Path::new("base.ron")).expect("bases parse"))
    .collect()
}

/// The location of a documented path in `value`: keys as written; a list is entered at
/// its first element holding the rest; a missing key is looked for one level down
/// (`population.segments.visits_per_day` → `…segments.cold_start.visits_per_day`); a
/// path ending at a list or a map (`arrival_profile`, `weights`) takes its first entry.
fn locate(value: &Value, path: &[&str]) -> Option<Vec<Step>> {
    if path.is_empty() {
        return match value {
            Value::Number(_) => Some(Vec::new()),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
                let mut rest = locate(v, &[])?;
                rest.insert(0, Step::Index(i));
                Some(rest)
            }),
            Value::Object(map) => map.iter().find_map(|(k, v)| {
                let mut rest = locate(v, &[])?;
                rest.insert(0, Step::Key(k.clone()));
                Some(rest)
            }),
            _ => None,
        };
    }
    match value {
        Value::Array(items) => {
            if let Ok(i) = path[0].parse::<usize>() {
                let mut rest = locate(items.get(i)?, &path[1..])?;
                rest.insert(0, Step::Index(i));
                return Some(rest);
            }
            items.iter().enumerate().find_map(|(i, item)| {
                let mut rest = locate(item, path)?;
                rest.insert(0, Step::Index(i));
                Some(rest)
            })
        }
        Value::Object(map) => match map.get(path[0]) {
            Some(child) => {
                let mut rest = locate(child, &path[1..])?;
                rest.insert(0, Step::Key(path[0].to_owned()));
                Some(rest)
            }
            None => map.iter().find_map(|(k, child)| {
                let inner = match child {
                    Value::Object(m) => m.get(path[0]).map(|_| child),
                    _ => None,
                }?;
                let mut rest = locate(inner, path)?;
                rest.insert(0, Step::Key(k.clone()));
                Some(rest)
            }),
        },
        _ => None,
    }
}

fn slot<'a>(value: &'a mut Value, steps: &[Step]) -> &'a mut Value {
    steps.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// A field path as validation and serde name it, compared loosely: list indices, map
/// keys, tuple positions and enum variants left out (`stack.arms[2].Svd.factors` and
/// `stack.arms[2].factors` both become `stack.arms.factors`).
fn loose(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for ch in path.chars() {
        match ch {
            '[' => {
                depth += 1;
                out.push('.');
            }
            ']' => depth -= 1,
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
    }
    out.split('.')
        .filter(|s| {
            !s.is_empty()
                && *s != "?"
                && !s.starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A location as serde names it: `stack.arms[2].Svd.factors`, map keys in brackets
/// as validation writes them (`stack.policy.weights["popularity"]`).
fn steps_path(steps: &[Step]) -> String {
    let mut out = String::new();
    let mut previous: Option<&str> = None;
    for step in steps {
        match step {
            Step::Key(k) if previous == Some("weights") => out.push_str(&format!("[{k:?}]")),
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
        previous = match step {
            Step::Key(k) => Some(k),
            Step::Index(_) => None,
        };
    }
    out
}

/// What became of a scenario with `literal` written at `steps` of `base`.
enum Outcome {
    /// Validated, or refused for other fields only.
    Accepted,
    /// Refused for this field, with the message.
    Refused(String),
}

fn try_value(base: &Value, steps: &[Step], sentinel: &Value, literal: &str) -> Outcome {
    let mut value = base.clone();
    *slot(&mut value, steps) = sentinel.clone();
    let spec: ScenarioSpec = serde_json::from_value(value).expect("the sentinel fits the type");
    let config = ron::ser::PrettyConfig::new()
        .extensions(ron::extensions::Extensions::IMPLICIT_SOME)
        .struct_names(false);
    let text = ron::ser::to_string_pretty(&spec, config).expect("a scenario serialises");
    let written = sentinel.to_string();
    assert_eq!(
        text.matches(written.as_str()).count(),
        1,
        "sentinel {written} is not unique in\n{text}"
    );
    let text = text.replace(written.as_str(), literal);
    let field = loose(&steps_path(steps));
    match Scenario::from_ron_str(&text, Path::new("docs.ron"), "docs") {
        Ok(_) => Outcome::Accepted,
        Err(ScenarioError::Invalid { problems, .. }) => {
            let mine: Vec<String> = problems
                .iter()
                .filter(|p| loose(&p.field) == field)
                .map(ToString::to_string)
                .collect();
            if mine.is_empty() {
                Outcome::Accepted
            } else {
                Outcome::Refused(mine.join("\n"))
            }
        }
        Err(e @ ScenarioError::Parse { .. }) => {
            let ScenarioError::Parse { field: at, .. } = &e else {
                unreachable!()
            };
            assert!(
                at.as_deref().is_some_and(|at| loose(at) == field),
                "{literal} at `{field}` failed to parse elsewhere: {e}"
            );
            Outcome::Refused(e.to_string())
        }
        Err(e) => panic!("{e}"),
    }
}

/// Values just inside and just outside a range, as RON literals.
fn probes(range: &Range, integer: bool, conditional: bool) -> (Vec<String>, Vec<String>) {
    let real = |x: f64| format!("{x:?}");
    let nudge = |x: f64| 1e-9 * x.abs().max(1.0);
    let (mut inside, mut outside) = (Vec::new(), Vec::new());
    match (range, integer) {
        (Range::Integer { min, max }, true) => {
            inside.push(min.to_string());
            outside.push((min - 1).to_string());
            let max = max.unwrap_or(i128::from(u64::MAX));
            if !conditional {
                inside.push(max.to_string());
            }
            outside.push((max + 1).to_string());
        }
        (Range::Real { low, high }, true) => {
            // `≥ 1` on an integer field: up to the 64-bit maximum.
            let (min, closed) = low.expect("an integer bound");
            let min = if closed { min as i128 } else { min as i128 + 1 };
            assert!(high.is_none(), "write integer ranges as `a – b`");
            return probes(&Range::Integer { min, max: None }, true, conditional);
        }
        (Range::Integer { .. }, false) => panic!("`a – b` is for integer fields"),
        (Range::Real { low, high }, false) => {
            for x in ["inf", "-inf", "NaN"] {
                outside.push(x.into());
            }
            match low {
                Some((x, true)) => {
                    inside.push(real(*x));
                    outside.push(real(x - nudge(*x)));
                }
                Some((x, false)) => {
                    inside.push(real(x + nudge(*x)));
                    outside.push(real(*x));
                }
                None => inside.push(real(-1e300)),
            }
            if !conditional {
                match high {
                    Some((x, true)) => inside.push(real(*x)),
                    Some((x, false)) => inside.push(real(x - nudge(*x))),
                    None => inside.push(real(1e300)),
                }
            }
            match high {
                Some((x, true)) => outside.push(real(x + nudge(*x))),
                Some((x, false)) => outside.push(real(*x)),
                None => {}
            }
        }
    }
    (inside, outside)
}

/// Every numeric leaf of `value`, as a loose path (map keys of `weights` as indices).
fn numeric_leaves(value: &Value, path: String, out: &mut Vec<String>) {
    match value {
        Value::Number(_) => out.push(path),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                numeric_leaves(item, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let next = if path.ends_with("weights") && path.contains("policy") {
                    format!("{path}[{k:?}]")
                } else if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                numeric_leaves(v, next, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_documented_bound_holds_just_inside_and_not_just_outside() {
    let (ranges, rows) = documented_ranges();
    let bases: Vec<Value> = bases()
        .iter()
        .map(|s| serde_json::to_value(s).expect("a scenario is JSON"))
        .collect();
    let mut checked = 0;
    for clause in &ranges {
        let Some(range) = &clause.range else {
            continue;
        };
        let parts: Vec<&str> = clause.path.split('.').collect();
        let Some((base, steps)) = bases
            .iter()
            .find_map(|b| locate(b, &parts).map(|steps| (b, steps)))
        else {
            panic!("docs name `{}`, which no test scenario holds", clause.path);
        };
        let current = slot(&mut base.clone(), &steps).clone();
        let integer = current.is_u64() || current.is_i64();
        if integer {
            let limit = integer_limit(&steps_path(&steps))
                .unwrap_or_else(|| panic!("`{}` is not in scenario::limits", clause.path));
            assert_eq!(
                limit.range(),
                clause.text,
                "docs and src/scenario/limits.rs disagree on `{}`",
                clause.path
            );
        }
        let sentinels: Vec<Value> = if integer {
            vec![
                Value::from(24_681u64),
                Value::from(173u64),
                Value::from(37u64),
            ]
        } else {
            vec![Value::from(0.271_828_459_1), Value::from(2.718_284_591)]
        };
        let sentinel = sentinels
            .iter()
            .find(|s| {
                let mut v = base.clone();
                *slot(&mut v, &steps) = (*s).clone();
                serde_json::from_value::<ScenarioSpec>(v).is_ok()
            })
            .expect("a sentinel fits the field");
        let (inside, outside) = probes(range, integer, clause.conditional);
        let own_fix = integer.then(|| {
            integer_limit(&steps_path(&steps))
                .expect("checked above")
                .fix()
        });
        for literal in &inside {
            if let Outcome::Refused(message) = try_value(base, &steps, sentinel, literal) {
                // A further condition (`≥ `cold_start_below``) may refuse a value
                // inside the range; the range itself must not.
                let by_condition = clause.conditional
                    && own_fix
                        .as_ref()
                        .is_some_and(|fix| !message.contains(fix.as_str()));
                if by_condition {
                    continue;
                }
                panic!(
                    "`{}` documented as {} refuses {literal}: {message}",
                    clause.path, clause.text
                );
            }
        }
        for literal in &outside {
            match try_value(base, &steps, sentinel, literal) {
                Outcome::Accepted => panic!(
                    "`{}` documented as {} accepts {literal}",
                    clause.path, clause.text
                ),
                Outcome::Refused(message) => {
                    assert!(message.contains("fix:"), "{message}");
                    if integer {
                        let limit = integer_limit(&steps_path(&steps)).expect("checked above");
                        assert!(
                            message.contains(&limit.fix()),
                            "`{}` = {literal}: the message should give the range: {message}",
                            clause.path
                        );
                    }
                }
            }
            checked += 1;
        }
    }
    // Every numeric field is documented, by a range or in words (a variant's policy
    // and diversity as the stack's).
    let documented: std::collections::BTreeSet<String> =
        ranges.iter().map(|c| loose(&c.path)).collect();
    for base in &bases {
        let mut leaves = Vec::new();
        numeric_leaves(base, String::new(), &mut leaves);
        for leaf in leaves {
            let mut leaf = loose(&leaf);
            for (from, to) in [
                ("experiments.variants.policy.", "stack.policy."),
                ("experiments.variants.diversity.", "stack.diversity."),
                ("population.segments.cold_start.", "population.segments."),
                ("population.segments.regular.", "population.segments."),
                ("population.segments.power.", "population.segments."),
            ] {
                leaf = leaf.replacen(from, to, 1);
            }
            assert!(
                documented.contains(&leaf),
                "`{leaf}` has no range in docs/SCENARIOS.md"
            );
        }
    }
    // The parser read the tables (today 93 rows, 160 ranges, 500 values outside).
    let n_ranges = ranges.iter().filter(|c| c.range.is_some()).count();
    assert!(
        rows > 80 && n_ranges > 120 && checked > 400,
        "{rows} rows, {n_ranges} ranges, {checked} values outside"
    );
}
