//! `index.html`: one self-contained page (no network, no scripts, plots as inline
//! SVG) with the summary, the plan's success metrics, the alerts, every plot and the
//! analytics tables.

use std::fmt::Write as _;

use crate::interaction::SECS_PER_DAY;
use crate::pipeline::alerts::Alert;
use crate::run::RunSummary;

use crate::experiment::{ExperimentsReport, Status};

use super::analytics::{Analytics, Estimate};
use super::charts::Plot;

/// One success metric of the plan against its target.
#[derive(Clone, Debug, PartialEq)]
pub struct ScorecardRow {
    /// The plan's wording.
    pub metric: String,
    /// The target, in words.
    pub target: String,
    /// The measured value, formatted; `None` when the run cannot measure it.
    pub measured: Option<String>,
    /// Whether it meets the target: `Some(true)` met, `Some(false)` not met, `None`
    /// not measured or inconclusive (see `inconclusive`).
    pub pass: Option<bool>,
    /// The interval straddles the target.
    pub inconclusive: bool,
}

/// The scorecard section of the dashboard.
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardScorecard {
    /// How the rows were measured.
    pub caption: String,
    /// One row per success metric of the plan.
    pub rows: Vec<ScorecardRow>,
}

/// The plan's success metrics ("Success Metrics" of the seed plan). With an
/// experiment, the tested scorecard of the experiment statistics
/// (src/experiment/scorecard.rs): treatment against control, each target met only when
/// its whole interval meets it. Without one, point estimates of the whole run.
#[must_use]
pub fn plan_scorecard(
    analytics: &Analytics,
    overall_mean_rating: Option<f64>,
    experiments: Option<&ExperimentsReport>,
) -> DashboardScorecard {
    if let Some((e, card)) = experiments
        .and_then(|r| r.experiments.first())
        .and_then(|e| e.scorecard.as_ref().map(|c| (e, c)))
    {
        let rows = card
            .rows
            .iter()
            .map(|r| ScorecardRow {
                metric: r.goal.into(),
                target: r.target.clone(),
                measured: r.measured.map(|m| match r.interval {
                    Some([lo, hi]) => format!("{m:.3} [{lo:.3}, {hi:.3}]"),
                    None => format!("{m:.3}"),
                }),
                pass: match r.status {
                    Status::Pass => Some(true),
                    Status::Fail => Some(false),
                    Status::Inconclusive | Status::NotApplicable => None,
                },
                inconclusive: r.status == Status::Inconclusive,
            })
            .collect();
        return DashboardScorecard {
            caption: format!(
                "Experiment {}: {} against {}, each with its {:.0}% interval; a target is met \
                 when the whole interval meets it and inconclusive when the interval straddles it \
                 (experiments.json has how each was measured).",
                e.id,
                card.treatment,
                card.control,
                100.0 * (1.0 - e.alpha)
            ),
            rows,
        };
    }
    DashboardScorecard {
        caption: "Point estimates of the whole run (the scenario has no experiment); \
                  not tested for significance."
            .into(),
        rows: point_scorecard(analytics, overall_mean_rating),
    }
}

/// The plan's success metrics as point estimates: treatment (second variant of the
/// first experiment) against control, or the whole run without an experiment.
fn point_scorecard(analytics: &Analytics, overall_mean_rating: Option<f64>) -> Vec<ScorecardRow> {
    let pct = |v: f64| format!("{:.1}%", 100.0 * v);
    let experiment = analytics
        .experiments
        .experiments
        .first()
        .filter(|e| e.variants.len() >= 2);
    let lift = |metric: &str| {
        experiment.and_then(|e| {
            e.lifts
                .iter()
                .find(|l| l.metric == metric && l.variant == e.variants[1].name)
        })
    };
    let relative = |metric: &str, target: f64, wording: &str, label: &str| {
        let l = lift(metric);
        ScorecardRow {
            metric: label.into(),
            target: wording.into(),
            measured: l
                .and_then(|l| l.relative)
                .map(|r| format!("{:+.1}%", 100.0 * r)),
            pass: l.and_then(|l| l.relative).map(|r| r >= target),
            inconclusive: false,
        }
    };
    let niche = lift("niche_click_share");
    let treatment = experiment.map(|e| &e.variants[1]);
    let online = &analytics.diversity.online;
    let treatment_diversity =
        experiment.and_then(|e| {
            analytics.diversity.online_by_variant.iter().find(|v| {
                v.experiment_id.as_deref() == Some(&e.id) && v.variant == e.variants[1].name
            })
        });
    let rating = treatment.map_or(overall_mean_rating, |t| t.mean_rating);
    let coverage = treatment.map_or(online.coverage, |t| t.coverage);
    let dissimilar = treatment_diversity.map_or(online.dissimilar_click_share, |v| {
        v.metrics.dissimilar_click_share
    });
    vec![
        relative(
            "long_tail_share",
            0.40,
            "+40% over control",
            "long-tail recommendation rate (vote_count < threshold)",
        ),
        ScorecardRow {
            metric: "anime/niche genre clicks".into(),
            target: "×3 control".into(),
            measured: niche.map(|l| {
                if l.control > 0.0 {
                    format!("×{:.2}", l.treatment / l.control)
                } else {
                    "control 0".into()
                }
            }),
            pass: niche.and_then(|l| (l.control > 0.0).then(|| l.treatment / l.control >= 3.0)),
            inconclusive: false,
        },
        ScorecardRow {
            metric: "mean rating of clicked recommendations".into(),
            target: "≥ 4.0".into(),
            measured: rating.map(|r| format!("{r:.3}")),
            pass: rating.map(|r| r >= 4.0),
            inconclusive: false,
        },
        relative("ctr", 0.20, "+20% over control", "click-through rate"),
        ScorecardRow {
            metric: "catalogue coverage over the run".into(),
            target: "≥ 80%".into(),
            measured: Some(pct(coverage)),
            pass: Some(coverage >= 0.8),
            inconclusive: false,
        },
        ScorecardRow {
            metric: "clicks on movies dissimilar to the user's history".into(),
            target: "≥ 50%".into(),
            measured: dissimilar.map(pct),
            pass: dissimilar.map(|d| d >= 0.5),
            inconclusive: false,
        },
    ]
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.digits$}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{:.2}%", 100.0 * v))
}

fn estimate(e: Option<&Estimate>, percent: bool) -> String {
    match e {
        None => "–".into(),
        Some(e) if percent => format!(
            "{:.2}% <small>[{:.2}, {:.2}]</small>",
            100.0 * e.value,
            100.0 * e.lower,
            100.0 * e.upper
        ),
        Some(e) => format!(
            "{:.3} <small>[{:.3}, {:.3}]</small>",
            e.value, e.lower, e.upper
        ),
    }
}

const STYLE: &str = "body{font-family:sans-serif;margin:0;background:#f4f5f7;color:#1d2330}\
header{background:#243b55;color:#fff;padding:18px 28px}header h1{margin:0 0 6px;font-size:24px}\
main{padding:10px 28px 40px;max-width:1500px}section{background:#fff;border-radius:6px;\
padding:14px 20px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}h2{font-size:19px;margin:4px 0 10px}\
.tiles{display:flex;flex-wrap:wrap;gap:12px}.tile{background:#fff;border-radius:6px;padding:10px 16px;\
min-width:140px;box-shadow:0 1px 2px rgba(0,0,0,.08)}.tile b{display:block;font-size:22px}\
.tile span{font-size:13px;color:#556}table{border-collapse:collapse;font-size:14px;margin:6px 0}\
th,td{padding:4px 10px;border-bottom:1px solid #e3e5ea;text-align:right}th:first-child,td:first-child{text-align:left}\
.pass{color:#157f3b;font-weight:bold}.fail{color:#b3261e;font-weight:bold}.plots{display:grid;\
grid-template-columns:repeat(auto-fill,minmax(620px,1fr));gap:16px}figure{margin:0;background:#fff;\
border-radius:6px;padding:8px;box-shadow:0 1px 2px rgba(0,0,0,.08)}figure svg{width:100%;height:auto}\
figcaption{font-size:13px;color:#445;padding:4px}small{color:#667}";

/// Renders the dashboard.
#[must_use]
pub fn dashboard_html(
    summary: &RunSummary,
    analytics: &Analytics,
    plots: &[(Plot, String)],
    scorecard: &DashboardScorecard,
    alerts: Option<&[Alert]>,
) -> String {
    let line = "writing to a String cannot fail";
    let mut h = String::new();
    let s = summary;
    let d = &analytics.diversity.online;
    writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>recolab: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&s.scenario)
    )
    .expect(line);
    writeln!(
        h,
        "<header><h1>recolab report: {}</h1>Seed {} · {} movies ({} long-tail, {} niche) · {} users ({} active) · {} simulated days · {} warm-up ratings · {} model version(s)</header>\n<main>",
        esc(&s.scenario),
        s.seed,
        s.world.n_movies,
        s.world.n_long_tail_movies,
        s.world.n_niche_movies,
        s.world.n_users,
        s.active_users,
        s.world.days,
        s.world.n_warm_up_interactions,
        s.model_versions
    )
    .expect(line);

    writeln!(
        h,
        "<section id=\"summary\"><h2>Summary</h2><div class=\"tiles\">"
    )
    .expect(line);
    for (label, value) in [
        ("requests (slates shown)", s.overall.requests.to_string()),
        ("CTR", pct(s.overall.ctr)),
        ("expected CTR (truth)", pct(s.overall.expected_ctr)),
        ("mean rating of clicks", num(s.overall.mean_rating, 3)),
        ("Gini (0 = equal)", format!("{:.4}", d.gini)),
        ("catalogue coverage", pct(Some(d.coverage))),
        ("novelty (bits)", num(d.novelty, 3)),
        ("serendipity", num(d.serendipity, 3)),
        ("dissimilar clicks", pct(d.dissimilar_click_share)),
        ("long-tail share", pct(d.long_tail_share)),
        ("niche click share", pct(d.niche_click_share)),
    ] {
        writeln!(
            h,
            "<div class=\"tile\"><b>{}</b><span>{}</span></div>",
            esc(&value),
            esc(label)
        )
        .expect(line);
    }
    writeln!(h, "</div></section>").expect(line);

    writeln!(
        h,
        "<section id=\"scorecard\"><h2>Scorecard: the plan's success metrics</h2>\
         <p><small>{}</small></p>\
         <table><tr><th>metric</th><th>target</th><th>measured</th><th>verdict</th></tr>",
        esc(&scorecard.caption)
    )
    .expect(line);
    for r in &scorecard.rows {
        let verdict = match r.pass {
            Some(true) => "<span class=\"pass\">met</span>",
            Some(false) => "<span class=\"fail\">not met</span>",
            None if r.inconclusive => "inconclusive",
            None => "–",
        };
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{verdict}</td></tr>",
            esc(&r.metric),
            esc(&r.target),
            esc(r.measured.as_deref().unwrap_or("– (needs an experiment)"))
        )
        .expect(line);
    }
    writeln!(h, "</table></section>").expect(line);

    alerts_section(&mut h, alerts);

    writeln!(
        h,
        "<section id=\"plots\"><h2>Plots</h2><div class=\"plots\">"
    )
    .expect(line);
    for (plot, svg) in plots {
        writeln!(
            h,
            "<figure id=\"plot-{0}\">{svg}<figcaption>plots/{0}.svg · <a href=\"plots/{0}.png\">PNG</a></figcaption></figure>",
            plot.name
        )
        .expect(line);
    }
    writeln!(h, "</div></section>").expect(line);

    writeln!(
        h,
        "<section id=\"algorithms\"><h2>Algorithm performance</h2>\
         <p><small>{}</small></p><table><tr><th>arm</th><th>selection rate</th><th>lead rate</th>\
         <th>CTR [95%]</th><th>expected CTR</th><th>success rate [95%]</th><th>mean rating [95%]</th></tr>",
        esc(&analytics.algorithms.interval_note)
    )
    .expect(line);
    for a in &analytics.algorithms.arms {
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.arm),
            pct(a.selection_rate),
            pct(a.lead_rate),
            estimate(a.ctr.as_ref(), true),
            pct(a.expected_ctr),
            estimate(a.success_rate.as_ref(), true),
            estimate(a.mean_rating.as_ref(), false)
        )
        .expect(line);
    }
    writeln!(h, "</table></section>").expect(line);

    writeln!(
        h,
        "<section id=\"diversity\"><h2>Diversity by variant</h2><table><tr><th>group</th><th>policy</th>\
         <th>Gini</th><th>coverage</th><th>novelty (bits)</th><th>serendipity</th><th>dissimilar clicks</th>\
         <th>long-tail share</th><th>niche clicks</th></tr>"
    )
    .expect(line);
    for v in &analytics.diversity.online_by_variant {
        let m = &v.metrics;
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{:.4}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&v.group),
            esc(&v.policy),
            m.gini,
            pct(Some(m.coverage)),
            num(m.novelty, 3),
            num(m.serendipity, 3),
            pct(m.dissimilar_click_share),
            pct(m.long_tail_share),
            pct(m.niche_click_share)
        )
        .expect(line);
    }
    writeln!(h, "</table>").expect(line);
    if let Some(off) = &analytics.diversity.offline {
        writeln!(
            h,
            "<h2>Every arm offline</h2><p><small>{}; K = {}, {} users.</small></p><table><tr><th>arm</th>\
             <th>Gini</th><th>coverage</th><th>novelty (bits)</th><th>serendipity</th><th>long-tail share</th></tr>",
            esc(&off.protocol),
            off.k,
            off.n_users
        )
        .expect(line);
        for r in &off.arms {
            writeln!(
                h,
                "<tr><td>{}</td><td>{:.4}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.arm),
                r.gini,
                pct(Some(r.coverage)),
                num(r.novelty, 3),
                num(r.serendipity, 3),
                pct(r.long_tail_share)
            )
            .expect(line);
        }
        writeln!(h, "</table>").expect(line);
    }
    writeln!(h, "</section>").expect(line);

    writeln!(h, "<section id=\"experiments\"><h2>Experiments</h2>").expect(line);
    if analytics.experiments.experiments.is_empty() {
        writeln!(h, "<p>The scenario runs no experiment.</p>").expect(line);
    }
    for e in &analytics.experiments.experiments {
        writeln!(
            h,
            "<h3>{} <small>(traffic {}, control {})</small></h3><table><tr><th>variant</th><th>policy</th>\
             <th>configured share</th><th>active users</th><th>requests</th><th>CTR</th><th>expected CTR</th>\
             <th>mean rating</th><th>long-tail share</th><th>Gini</th><th>coverage</th></tr>",
            esc(&e.id),
            pct(Some(e.traffic)),
            esc(&e.control)
        )
        .expect(line);
        for v in &e.variants {
            writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.4}</td><td>{}</td></tr>",
                esc(&v.name),
                esc(&v.policy),
                pct(Some(v.configured_share)),
                v.active_users,
                v.requests,
                pct(v.ctr),
                pct(v.expected_ctr),
                num(v.mean_rating, 3),
                pct(v.long_tail_share),
                v.gini,
                pct(Some(v.coverage))
            )
            .expect(line);
        }
        writeln!(h, "</table>").expect(line);
    }
    writeln!(h, "</section>").expect(line);

    let lt = &analytics.long_tail;
    writeln!(
        h,
        "<section id=\"long-tail\"><h2>Long tail and niche genres</h2><table><tr><th>group</th><th>movies</th>\
         <th>recommendation rate</th><th>click share</th><th>clicks per impression</th><th>coverage</th></tr>"
    )
    .expect(line);
    let mut groups = vec![
        (
            format!("long tail (vote_count < {})", lt.long_tail_max_votes),
            &lt.overall.long_tail,
        ),
        ("niche".to_owned(), &lt.overall.niche),
    ];
    if let Some(anime) = &lt.overall.anime {
        groups.push(("anime".to_owned(), anime));
    }
    for (name, g) in groups {
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&name),
            g.movies,
            pct(g.recommendation_rate),
            pct(g.click_share),
            pct(g.click_through),
            pct(g.coverage)
        )
        .expect(line);
    }
    writeln!(h, "</table></section>").expect(line);

    writeln!(
        h,
        "<section id=\"files\"><h2>Files</h2><p>Analytics: {}. Also <a href=\"summary.md\">summary.md</a>, \
         <a href=\"summary.json\">summary.json</a>, <a href=\"timeseries.csv\">timeseries.csv</a>, \
         <a href=\"model_updates.json\">model_updates.json</a>, <a href=\"scenario.ron\">scenario.ron</a>.</p></section>",
        super::analytics::ENDPOINTS
            .iter()
            .map(|e| format!("<a href=\"analytics/{e}.json\">{e}</a>"))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .expect(line);
    writeln!(h, "</main>\n</body>\n</html>").expect(line);
    h
}

/// The alerts section: the run's monitoring alerts with their simulated times, or
/// why there are none.
fn alerts_section(h: &mut String, alerts: Option<&[Alert]>) {
    let line = "writing to a String cannot fail";
    writeln!(h, "<section id=\"alerts\"><h2>Alerts</h2>").expect(line);
    match alerts {
        None => writeln!(
            h,
            "<p>No monitoring: the scenario has no <code>pipeline.alerts</code> \
             (docs/TRAINING_PIPELINE.md#alerts).</p>"
        ),
        Some([]) => writeln!(h, "<p>No alert fired.</p>"),
        Some(alerts) => {
            writeln!(
                h,
                "<p>{} alerts, also in <a href=\"alerts.json\">alerts.json</a>.</p>\
                 <table><tr><th>simulated time</th><th>kind</th><th>value</th><th>threshold</th><th>message</th></tr>",
                alerts.len()
            )
            .expect(line);
            for a in alerts {
                // The kind as alerts.json spells it.
                let kind = serde_json::to_value(a.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                writeln!(
                    h,
                    "<tr><td>day {} {:02}:{:02}</td><td>{}</td><td>{}</td><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
                    a.time_secs / SECS_PER_DAY,
                    a.time_secs % SECS_PER_DAY / 3_600,
                    a.time_secs % 3_600 / 60,
                    esc(&kind),
                    num(a.value, 4),
                    num(a.threshold, 4),
                    esc(&a.message)
                )
                .expect(line);
            }
            writeln!(h, "</table>")
        }
    }
    .expect(line);
    writeln!(h, "</section>").expect(line);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::alerts::AlertKind;

    fn section(alerts: Option<&[Alert]>) -> String {
        let mut h = String::new();
        alerts_section(&mut h, alerts);
        h
    }

    #[test]
    fn the_alerts_section_lists_each_alert_at_its_simulated_time() {
        let rollback = Alert {
            // Day 4, 18:00 (114 h), as bad_model_rollback.ron's rollback.
            time_secs: 114 * 3_600,
            kind: AlertKind::Rollback,
            value: Some(-0.965),
            threshold: Some(0.15),
            message: "version 7 rolled back: ctr -96.5% < -15%".into(),
        };
        let h = section(Some(&[rollback]));
        assert!(h.contains("1 alerts"), "{h}");
        assert!(
            h.contains("<td>day 4 18:00</td><td>rollback</td><td>-0.9650</td><td>0.1500</td>"),
            "{h}"
        );
        assert!(
            h.contains("ctr -96.5% &lt; -15%"),
            "the message is escaped: {h}"
        );
        assert!(section(Some(&[])).contains("No alert fired."));
        assert!(section(None).contains("no <code>pipeline.alerts</code>"));
    }
}
