//! Regret files of a run: `regret.json`, `regret.csv`, `regret.md`, `regret.svg`, and
//! the learned `bandit_state.json`.

use std::fmt::Write as _;

use crate::bandit::state::BanditStateFile;
use crate::error::Result;
use crate::sim::{RunOutcome, SlotRegret, SlotRegretSummary};

use super::ReportDir;
use super::plot::{Series, line_chart_svg};

/// Writes the regret files when the run kept a ledger, and the bandit state when a
/// slot learns.
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file that failed.
pub fn write_regret(
    dir: &ReportDir,
    scenario: &str,
    outcome: &RunOutcome,
    bucket_hours: u32,
) -> Result<()> {
    let arm_names: Vec<&str> = outcome.by_arm.iter().map(|(n, _)| n.as_str()).collect();
    if outcome.final_policies.iter().any(|p| p.table.is_some()) {
        let state = BanditStateFile::from_slots(scenario, &arm_names, &outcome.final_policies);
        dir.write("bandit_state.json", state.to_json().as_bytes())?;
    }
    let Some(ledger) = &outcome.regret else {
        return Ok(());
    };
    let keys: Vec<_> = outcome.by_variant.iter().map(|(k, _)| k.clone()).collect();
    // Slots that served nobody (the stack when experiments take every user) would
    // read as regret 0: they are left out.
    let (slots, summary): (Vec<&SlotRegret>, Vec<SlotRegretSummary>) = ledger
        .slots
        .iter()
        .zip(SlotRegretSummary::all(ledger, &keys, &arm_names))
        .filter(|(_, s)| s.overall.requests > 0)
        .unzip();
    let mut json = serde_json::to_vec_pretty(&summary).expect("regret always serialises");
    json.push(b'\n');
    dir.write("regret.json", &json)?;
    dir.write(
        "regret.csv",
        regret_csv(&slots, &summary, &arm_names, bucket_hours).as_bytes(),
    )?;
    dir.write("regret.md", regret_markdown(&summary).as_bytes())?;
    let series: Vec<Series> = slots
        .iter()
        .zip(&summary)
        .map(|(slot, s)| {
            let mut cumulative = 0.0;
            let mut points = vec![(0.0, 0.0)];
            for (i, cell) in slot.timeseries.iter().enumerate() {
                cumulative += cell.regret;
                points.push((
                    ((i + 1) as f64) * f64::from(bucket_hours) / 24.0,
                    cumulative,
                ));
            }
            Series {
                name: label(s),
                points,
                band: Vec::new(),
            }
        })
        .collect();
    dir.write(
        "regret.svg",
        line_chart_svg(
            &format!("{scenario}: cumulative regret against the oracle"),
            "simulated days",
            "cumulative regret (expected successes)",
            &series,
        )
        .as_bytes(),
    )?;
    Ok(())
}

fn label(s: &SlotRegretSummary) -> String {
    match &s.experiment {
        Some(e) => format!("{e}/{} ({})", s.variant, s.policy),
        None => format!("outside experiments ({})", s.policy),
    }
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

fn regret_csv(
    slots: &[&SlotRegret],
    summary: &[SlotRegretSummary],
    arm_names: &[&str],
    bucket_hours: u32,
) -> String {
    let line = "writing to a String cannot fail";
    let mut out = String::from(
        "slot,bucket,start_hour,requests,expected_reward,regret,cumulative_regret,exploration_share",
    );
    for arm in arm_names {
        write!(out, ",lead_share_{arm}").expect(line);
    }
    out.push('\n');
    for (slot, s) in slots.iter().zip(summary) {
        let mut cumulative = 0.0;
        for (i, c) in slot.timeseries.iter().enumerate() {
            cumulative += c.regret;
            let n = c.requests as f64;
            let per = |x: f64| (n > 0.0).then(|| x / n);
            write!(
                out,
                "{},{i},{},{},{},{},{},{}",
                label(s),
                i as u64 * u64::from(bucket_hours),
                c.requests,
                c.shown_reward,
                c.regret,
                cumulative,
                cell(per(c.explored as f64)),
            )
            .expect(line);
            for &k in &c.lead_counts {
                write!(out, ",{}", cell(per(k as f64))).expect(line);
            }
            out.push('\n');
        }
    }
    out
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.digits$}"))
}

/// The regret tables for people.
fn regret_markdown(summary: &[SlotRegretSummary]) -> String {
    let line = "writing to a String cannot fail";
    let mut w = String::from("# Regret\n\n");
    w.push_str(
        "Expected reward = probability of a success (reward rule of the stack) of a slate \
         under the ground truth. Oracle regret = Σ (best arm's expected reward − lead arm's), \
         per request. Hindsight regret = Σ over contexts of (best fixed arm's total − lead \
         arms' total). See docs/BANDIT_SELECTOR.md.\n\n",
    );
    writeln!(
        w,
        "| slot | requests | expected reward / request | success rate | oracle regret | hindsight regret | exploration | lead shares |\n| --- |{}",
        " ---: |".repeat(6) + " --- |"
    )
    .expect(line);
    for s in summary {
        let o = &s.overall;
        writeln!(
            w,
            "| {} | {} | {} | {} | {:.1} | {:.1} | {} | {} |",
            label(s),
            o.requests,
            num(o.expected_reward_rate, 4),
            num(o.success_rate, 4),
            o.oracle_regret,
            o.hindsight_regret,
            num(o.exploration_share, 3),
            shares(&o.lead_share),
        )
        .expect(line);
    }
    for s in summary {
        writeln!(w, "\n## {} by context\n", label(s)).expect(line);
        writeln!(
            w,
            "| context | requests | expected reward / request | oracle regret | hindsight regret | exploration | lead shares | mean reward per arm |\n| --- |{}",
            " ---: |".repeat(5) + " --- | --- |"
        )
        .expect(line);
        for (context, r) in &s.by_context {
            writeln!(
                w,
                "| {context} | {} | {} | {:.2} | {:.2} | {} | {} | {} |",
                r.requests,
                num(r.expected_reward_rate, 4),
                r.oracle_regret,
                r.hindsight_regret,
                num(r.exploration_share, 3),
                shares(&r.lead_share),
                shares(&r.arm_mean_reward),
            )
            .expect(line);
        }
    }
    w
}

fn shares(map: &std::collections::BTreeMap<String, f64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v:.3}"))
        .collect::<Vec<_>>()
        .join(", ")
}
