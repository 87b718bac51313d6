//! `eval.json` and `eval.md`: the files of an offline evaluation.

use std::fmt::Write as _;

use crate::error::Result;
use crate::eval::{MeanInterval, OfflineEvaluation, SummaryRow};

use super::ReportDir;

/// Metrics shown in the Markdown tables and on stdout, with their labels.
pub const HEADLINE_METRICS: [(&str, &str); 16] = [
    ("precision", "Precision@K"),
    ("recall", "Recall@K"),
    ("ndcg", "nDCG@K"),
    ("mrr", "MRR@K"),
    ("map", "MAP@K"),
    ("hit_rate", "hit rate@K"),
    ("rmse", "RMSE"),
    ("serendipity", "serendipity@K"),
    ("ild_genre", "ILD (genre)"),
    ("ild_embedding", "ILD (embedding)"),
    ("coverage", "coverage"),
    ("gini", "Gini (0 = equal)"),
    ("mean_self_information", "novelty (bits)"),
    ("aplt", "APLT"),
    ("calibration_kl", "calibration KL"),
    ("homogenisation", "homogenisation"),
];

/// Writes `eval.json` and `eval.md` into `dir` (not yet committed).
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file that failed.
pub fn write_eval(dir: &ReportDir, evaluation: &OfflineEvaluation) -> Result<()> {
    let mut json =
        serde_json::to_vec_pretty(evaluation).expect("evaluation types always serialise");
    json.push(b'\n');
    dir.write("eval.json", &json)?;
    dir.write("eval.md", eval_markdown(evaluation).as_bytes())
}

/// `mean ± half-width` (or the mean alone with one fold), `–` when undefined.
#[must_use]
pub fn interval_cell(value: Option<MeanInterval>) -> String {
    match value {
        None => "–".into(),
        Some(m) => match m.half_width() {
            Some(h) => format!("{:.4} ± {:.4}", m.mean, h),
            None => format!("{:.4}", m.mean),
        },
    }
}

fn table(out: &mut String, columns: &[String], rows: &[(&str, Vec<String>)]) {
    let line = "writing to a String cannot fail";
    writeln!(out, "| metric | {} |", columns.join(" | ")).expect(line);
    writeln!(out, "| --- |{}", " ---: |".repeat(columns.len())).expect(line);
    for (name, cells) in rows {
        writeln!(out, "| {name} | {} |", cells.join(" | ")).expect(line);
    }
    out.push('\n');
}

fn rows_of(summaries: &[&SummaryRow]) -> Vec<(&'static str, Vec<String>)> {
    HEADLINE_METRICS
        .iter()
        .map(|&(name, label)| {
            (
                label,
                summaries
                    .iter()
                    .map(|s| interval_cell(s.get(name)))
                    .collect(),
            )
        })
        .collect()
}

/// Renders an evaluation as Markdown tables.
#[must_use]
pub fn eval_markdown(e: &OfflineEvaluation) -> String {
    let line = "writing to a String cannot fail";
    let mut out = String::new();
    let s = &e.settings;
    writeln!(out, "# recolab offline evaluation: {}\n", e.name).expect(line);
    writeln!(
        out,
        "{} users · {} items · {} ratings · {} genres · seed {} · protocol {:?} · {} fold(s) · K = {} · relevant: rating ≥ {} · nDCG gain {:?}\n",
        e.data.n_users,
        e.data.n_items,
        e.data.n_ratings,
        e.data.n_genres,
        e.seed,
        s.protocol,
        e.folds.len(),
        s.k,
        s.relevance_threshold,
        s.gain,
    )
    .expect(line);
    writeln!(
        out,
        "Cells are the mean over folds ± the half-width of its 95% Student-t interval. Definitions: docs/EVALUATION_FRAMEWORK.md.\n"
    )
    .expect(line);
    writeln!(out, "## Arms\n").expect(line);
    let columns: Vec<String> = e.arms.iter().map(|a| a.arm.clone()).collect();
    let overall: Vec<&SummaryRow> = e.arms.iter().map(|a| &a.overall).collect();
    table(&mut out, &columns, &rows_of(&overall));

    writeln!(out, "## Rating references\n").expect(line);
    writeln!(out, "| predictor | RMSE | MAE |\n| --- | ---: | ---: |").expect(line);
    for r in &e.rating_references {
        writeln!(
            out,
            "| {} | {} | {} |",
            r.predictor,
            interval_cell(r.rmse),
            interval_cell(r.mae)
        )
        .expect(line);
    }
    if let Some(floor) = e.noise_floor_rmse {
        writeln!(
            out,
            "\nNoise floor of RMSE (the truth's own rating noise): {}",
            interval_cell(Some(floor))
        )
        .expect(line);
    }
    out.push('\n');
    for arm in &e.arms {
        writeln!(out, "## {} by user segment\n", arm.arm).expect(line);
        let columns: Vec<String> = arm
            .by_segment
            .iter()
            .map(|s| s.segment.name().to_owned())
            .collect();
        let summaries: Vec<&SummaryRow> = arm.by_segment.iter().map(|s| &s.metrics).collect();
        let mut rows = vec![(
            "test users",
            summaries
                .iter()
                .map(|s| interval_cell(s.get("n_users")))
                .collect(),
        )];
        rows.extend(rows_of(&summaries));
        table(&mut out, &columns, &rows);
    }
    writeln!(out, "## Folds\n").expect(line);
    writeln!(
        out,
        "| fold | train | validation | test | test users |\n| ---: | ---: | ---: | ---: | ---: |"
    )
    .expect(line);
    for f in &e.folds {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            f.index, f.n_train, f.n_validation, f.n_test, f.n_test_users
        )
        .expect(line);
    }
    out
}
