//! Metrics of recommendation lists produced elsewhere (a production log, another
//! library), judged against qrels: what `recolab metrics` computes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::data::{DataError, ItemRow, Problems, QrelRow, RunRow, short_head_min_votes};

use super::metric_set::{ItemFeatures, MetricSet, MetricSettings, UserCase, metric_set};
use super::{DEFAULT_CALIBRATION_ALPHA, Gain, Relevance};

/// Metrics that need only the run and the qrels.
const ACCURACY: [&str; 8] = [
    "n_users",
    "n_users_with_relevant",
    "precision",
    "recall",
    "ndcg",
    "mrr",
    "map",
    "hit_rate",
];

/// Metrics added by an item table. Serendipity is left out: without each user's
/// history there is no profile to be unexpected against.
const BEYOND_ACCURACY: [&str; 10] = [
    "ild_genre",
    "coverage",
    "gini",
    "mean_popularity_rank",
    "mean_self_information",
    "long_tail_share",
    "arp",
    "aplt",
    "calibration_kl",
    "homogenisation",
];

/// Settings of `recolab metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ExternalSettings {
    /// List length K.
    pub k: usize,
    /// Grades at or above this are relevant (trec_eval: 1).
    pub relevance_threshold: f64,
    /// nDCG gain.
    pub gain: Gain,
    /// Also score users with relevant judgements but no list, as empty lists
    /// (trec_eval `-c`); by default only users in both files are scored.
    pub complete: bool,
    /// Users behind the item table's popularity counts, for self-information.
    pub n_users: Option<usize>,
    /// Users (at most) whose lists enter homogenisation.
    pub homogenisation_users: usize,
}

/// What `recolab metrics` prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExternalReport {
    /// The settings used.
    pub settings: ExternalSettings,
    /// Users with a list in the run.
    pub n_users_in_run: usize,
    /// Users with judgements.
    pub n_users_in_qrels: usize,
    /// Users with a list but no judgement: not scored (as trec_eval).
    pub n_users_without_judgements: usize,
    /// Users with a relevant judgement but no list: scored as empty lists only with
    /// `complete`.
    pub n_users_without_list: usize,
    /// Items in the catalogue (the item table), if given.
    pub n_catalogue_items: Option<usize>,
    /// Every metric; beyond-accuracy ones are `null` without an item table.
    pub metrics: MetricSet,
}

/// Orders a user's run rows as trec_eval does: by score descending, ties by item id
/// descending (byte order).
fn ranked(mut rows: Vec<&RunRow>) -> Vec<&RunRow> {
    rows.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| b.item.cmp(&a.item))
    });
    rows
}

/// Scores a run against qrels, with beyond-accuracy metrics when `items` is given.
///
/// # Errors
///
/// [`DataError::Malformed`] naming `run_path` for an item recommended twice to the
/// same user, or (with `items`) an item missing from the item table; naming
/// `qrels_path` for a pair judged twice.
pub fn evaluate_external(
    run: &[RunRow],
    qrels: &[QrelRow],
    items: Option<&[ItemRow]>,
    settings: ExternalSettings,
    run_path: &std::path::Path,
    qrels_path: &std::path::Path,
) -> Result<ExternalReport, DataError> {
    let mut run_problems = Problems::default();
    let mut qrel_problems = Problems::default();

    // Item ids: the table's, else every id of either file (sorted for determinism).
    let item_ids: Vec<String> = match items {
        Some(items) => items.iter().map(|i| i.item.clone()).collect(),
        None => run
            .iter()
            .map(|r| r.item.as_str())
            .chain(qrels.iter().map(|q| q.item.as_str()))
            .collect::<BTreeSet<&str>>()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    };
    let index: BTreeMap<&str, u32> = item_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                id.as_str(),
                u32::try_from(i).expect("fewer than 2^32 items"),
            )
        })
        .collect();

    let mut lists: BTreeMap<&str, Vec<&RunRow>> = BTreeMap::new();
    let mut seen_pairs: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for r in run {
        if let Some(first) = seen_pairs.insert((&r.user, &r.item), r.line) {
            run_problems.push(
                r.line,
                format!(
                    "user {:?} gets item {:?} again (first on line {first})",
                    r.user, r.item
                ),
                "list each item at most once per user",
            );
            continue;
        }
        if items.is_some() && !index.contains_key(r.item.as_str()) {
            run_problems.push(
                r.line,
                format!("item {:?} is not in the item table", r.item),
                "add the item to the --items file (its items are the catalogue)",
            );
            continue;
        }
        lists.entry(&r.user).or_default().push(r);
    }
    let mut judged: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
    let mut judged_lines: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for q in qrels {
        if let Some(first) = judged_lines.insert((&q.user, &q.item), q.line) {
            qrel_problems.push(
                q.line,
                format!(
                    "user {:?} and item {:?} were judged on line {first}",
                    q.user, q.item
                ),
                "judge each (user, item) pair once",
            );
            continue;
        }
        judged
            .entry(&q.user)
            .or_default()
            .insert(&q.item, q.relevance);
    }
    run_problems.into_result(run_path)?;
    qrel_problems.into_result(qrels_path)?;

    let mut cases = Vec::new();
    let mut n_users_without_list = 0;
    for (&user, grades) in &judged {
        let relevant_grades: BTreeMap<u32, f64> = grades
            .iter()
            .filter(|&(_, &g)| g >= settings.relevance_threshold)
            .filter_map(|(item, &g)| index.get(item).map(|&i| (i, g)))
            .collect();
        let list: Vec<u32> = match lists.get(user) {
            Some(rows) => ranked(rows.clone())
                .iter()
                .map(|r| index[r.item.as_str()])
                .collect(),
            None => {
                if grades.values().any(|&g| g >= settings.relevance_threshold) {
                    n_users_without_list += 1;
                }
                if !settings.complete {
                    continue;
                }
                Vec::new()
            }
        };
        let relevance =
            Relevance::new(relevant_grades, settings.relevance_threshold).map_err(|e| {
                DataError::empty(
                    qrels_path,
                    &e.to_string(),
                    "use finite grades and a threshold > 0",
                )
            })?;
        cases.push(UserCase {
            user: u32::try_from(cases.len()).expect("fewer than 2^32 users"),
            segment: None,
            profile: relevance.iter().map(|(i, _)| i).collect(),
            relevance,
            list,
            expected: Vec::new(),
            predictions: Vec::new(),
        });
    }

    let n = item_ids.len();
    let features = match items {
        Some(items) => {
            let genre_names: BTreeSet<&str> = items
                .iter()
                .flat_map(|i| i.genres.iter().map(String::as_str))
                .collect();
            let genre_index: BTreeMap<&str, u32> = genre_names
                .iter()
                .enumerate()
                .map(|(i, &g)| (g, u32::try_from(i).expect("fewer than 2^32 genres")))
                .collect();
            let popularity: Vec<u64> = items.iter().map(|i| i.popularity).collect();
            let head = short_head_min_votes(&popularity);
            ItemFeatures::new(
                popularity.clone(),
                settings.n_users,
                popularity.iter().map(|&p| p < head).collect(),
                items
                    .iter()
                    .map(|i| i.genres.iter().map(|g| genre_index[g.as_str()]).collect())
                    .collect(),
                genre_names.len(),
                None,
            )
        }
        None => ItemFeatures::new(
            vec![0; n],
            None,
            vec![false; n],
            vec![Vec::new(); n],
            0,
            None,
        ),
    };
    let metric_settings = MetricSettings {
        k: settings.k,
        gain: settings.gain,
        serendipity_min_dissimilarity: 0.0,
        homogenisation_users: settings.homogenisation_users,
        calibration_alpha: DEFAULT_CALIBRATION_ALPHA,
    };
    let refs: Vec<&UserCase> = cases.iter().collect();
    let all = metric_set(&refs, &features, &metric_settings);
    let keep: Vec<&str> = if items.is_some() {
        ACCURACY.iter().chain(&BEYOND_ACCURACY).copied().collect()
    } else {
        ACCURACY.to_vec()
    };
    Ok(ExternalReport {
        settings,
        n_users_in_run: lists.len(),
        n_users_in_qrels: judged.len(),
        n_users_without_judgements: lists.keys().filter(|u| !judged.contains_key(*u)).count(),
        n_users_without_list,
        n_catalogue_items: items.map(<[ItemRow]>::len),
        metrics: all.only(&keep),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn run_row(user: &str, item: &str, score: f64, line: u64) -> RunRow {
        RunRow {
            user: user.into(),
            item: item.into(),
            score,
            line,
        }
    }

    fn qrel(user: &str, item: &str, relevance: f64, line: u64) -> QrelRow {
        QrelRow {
            user: user.into(),
            item: item.into(),
            relevance,
            line,
        }
    }

    fn settings(k: usize) -> ExternalSettings {
        ExternalSettings {
            k,
            relevance_threshold: 1.0,
            gain: Gain::Linear,
            complete: false,
            n_users: None,
            homogenisation_users: 1000,
        }
    }

    #[test]
    fn ranks_by_score_then_item_descending_like_trec_eval() {
        // Scores tie for b and c: trec_eval puts c (larger docno) first.
        let run = [
            run_row("q", "a", 0.1, 1),
            run_row("q", "b", 0.5, 2),
            run_row("q", "c", 0.5, 3),
        ];
        let qrels = [qrel("q", "b", 1.0, 1)];
        let report = evaluate_external(
            &run,
            &qrels,
            None,
            settings(3),
            Path::new("r"),
            Path::new("q"),
        )
        .unwrap();
        assert_eq!(report.metrics.get("mrr"), Some(0.5));
        assert_eq!(report.metrics.get("coverage"), None);
    }

    #[test]
    fn users_missing_from_either_file_follow_trec_eval() {
        let run = [run_row("u1", "a", 1.0, 1), run_row("u3", "a", 1.0, 2)];
        let qrels = [qrel("u1", "a", 1.0, 1), qrel("u2", "b", 2.0, 2)];
        let report = evaluate_external(
            &run,
            &qrels,
            None,
            settings(1),
            Path::new("r"),
            Path::new("q"),
        )
        .unwrap();
        assert_eq!(report.metrics.get("n_users"), Some(1.0));
        assert_eq!(report.metrics.get("precision"), Some(1.0));
        assert_eq!(
            (
                report.n_users_without_judgements,
                report.n_users_without_list
            ),
            (1, 1)
        );
        let complete = ExternalSettings {
            complete: true,
            ..settings(1)
        };
        let report =
            evaluate_external(&run, &qrels, None, complete, Path::new("r"), Path::new("q"))
                .unwrap();
        assert_eq!(report.metrics.get("precision"), Some(0.5));
    }

    #[test]
    fn item_table_adds_beyond_accuracy_metrics_and_checks_the_run() {
        let items = [
            ItemRow {
                item: "a".into(),
                popularity: 100,
                genres: vec!["drama".into()],
                line: 1,
            },
            ItemRow {
                item: "b".into(),
                popularity: 1,
                genres: vec!["anime".into()],
                line: 2,
            },
        ];
        let run = [run_row("u", "a", 2.0, 1), run_row("u", "b", 1.0, 2)];
        let qrels = [qrel("u", "b", 1.0, 1)];
        let report = evaluate_external(
            &run,
            &qrels,
            Some(&items),
            settings(2),
            Path::new("r"),
            Path::new("q"),
        )
        .unwrap();
        assert_eq!(report.metrics.get("coverage"), Some(1.0));
        assert_eq!(report.metrics.get("ild_genre"), Some(1.0));
        // Head = the most popular fifth, rounded up: item a; b is long-tail.
        assert_eq!(report.metrics.get("aplt"), Some(0.5));
        assert_eq!(report.metrics.get("arp"), Some(50.5));
        assert_eq!(report.metrics.get("serendipity"), None);
        let unknown = [run_row("u", "zzz", 1.0, 7)];
        let error = evaluate_external(
            &unknown,
            &qrels,
            Some(&items),
            settings(2),
            Path::new("run.tsv"),
            Path::new("q"),
        )
        .unwrap_err();
        assert!(error.to_string().contains("run.tsv:line 7: item \"zzz\""));
    }

    #[test]
    fn duplicate_recommendations_are_refused() {
        let run = [run_row("u", "a", 2.0, 1), run_row("u", "a", 1.0, 2)];
        let error = evaluate_external(
            &run,
            &[qrel("u", "a", 1.0, 1)],
            None,
            settings(2),
            Path::new("run"),
            Path::new("q"),
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("line 2: user \"u\" gets item \"a\" again")
        );
    }
}
