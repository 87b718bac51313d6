//! `summary.md`: the summary as tables for people.

use std::fmt::Write as _;

use crate::eval::{Engagement, OnlineBreakdown, OnlineRow};
use crate::pipeline::offline_table::OfflineTable;
use crate::run::RunSummary;

fn num(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.digits$}"))
}

fn pct(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{:.2}%", 100.0 * v))
}

fn engagement_cells(e: &Engagement) -> String {
    format!(
        "{} | {} | {} | {} | {} | {} | {}",
        e.requests,
        pct(e.ctr),
        pct(e.expected_ctr),
        num(e.mean_rating, 2),
        num(e.thumbs_up_down_ratio, 2),
        pct(e.long_tail_share),
        pct(e.niche_click_share),
    )
}

const ENGAGEMENT_HEADER: &str =
    "requests | CTR | expected CTR | mean rating | thumbs up/down | long-tail share | niche clicks";

/// Renders the summary as Markdown.
#[must_use]
pub fn summary_markdown(s: &RunSummary) -> String {
    let mut out = String::new();
    let w = &mut out;
    let line = "writing to a String cannot fail";
    writeln!(w, "# recolab report: {}\n", s.scenario).expect(line);
    writeln!(
        w,
        "Seed {} · {} movies ({} long-tail, {} niche) · {} users ({} active) · {} simulated days · {} warm-up ratings\n",
        s.seed,
        s.world.n_movies,
        s.world.n_long_tail_movies,
        s.world.n_niche_movies,
        s.world.n_users,
        s.active_users,
        s.world.days,
        s.world.n_warm_up_interactions
    )
    .expect(line);
    let e = &s.overall;
    let x = &s.exposure;
    writeln!(w, "## Engagement\n").expect(line);
    writeln!(w, "| metric | value |\n| --- | ---: |").expect(line);
    for (name, value) in [
        ("requests (slates shown)", e.requests.to_string()),
        ("CTR (clicks / requests)", pct(e.ctr)),
        ("expected CTR (true click probability)", pct(e.expected_ctr)),
        ("rating rate (ratings / clicks)", pct(e.rating_rate)),
        ("mean rating of clicked items", num(e.mean_rating, 3)),
        ("conversion (rating ≥ 4 / clicks)", pct(e.conversion_rate)),
        (
            "thumbs up / down",
            format!("{} / {}", e.thumbs_up, e.thumbs_down),
        ),
        ("thumbs up/down ratio", num(e.thumbs_up_down_ratio, 3)),
        ("niche click share", pct(e.niche_click_share)),
    ] {
        writeln!(w, "| {name} | {value} |").expect(line);
    }
    writeln!(w, "\n## Diversity of recommendations\n").expect(line);
    writeln!(w, "| metric | value |\n| --- | ---: |").expect(line);
    for (name, value) in [
        (
            "Gini of recommendation counts (0 = equal, 1 = one movie)",
            format!("{:.4}", x.gini),
        ),
        ("catalogue coverage", pct(Some(x.coverage))),
        (
            "mean popularity rank (1 = most voted)",
            num(x.mean_popularity_rank, 1),
        ),
        (
            "mean self-information (bits)",
            num(x.mean_self_information, 3),
        ),
        (
            &format!("long-tail share (vote_count < {})", x.long_tail_max_votes),
            pct(x.long_tail_share),
        ),
    ] {
        writeln!(w, "| {name} | {value} |").expect(line);
    }
    writeln!(w, "\n## By variant\n").expect(line);
    writeln!(w, "| experiment | variant | policy | {ENGAGEMENT_HEADER} |").expect(line);
    writeln!(w, "| --- | --- | --- |{}", " ---: |".repeat(7)).expect(line);
    // A variant nobody was assigned to stays in summary.json but would be a row of
    // dashes here. Users outside every experiment are no variant: their row says so.
    let served = || {
        s.by_variant
            .iter()
            .filter(|v| v.engagement.requests > 0)
            .chain(s.outside_experiments.as_ref())
    };
    let names = |v: &crate::run::VariantRow| match &v.experiment_id {
        Some(e) => (e.clone(), v.variant.clone()),
        None => ("(outside experiments)".to_owned(), "–".to_owned()),
    };
    for v in served() {
        let (experiment, variant) = names(v);
        writeln!(
            w,
            "| {experiment} | {variant} | {} | {} |",
            v.policy,
            engagement_cells(&v.engagement)
        )
        .expect(line);
    }
    writeln!(w, "\n## Diversity by variant\n").expect(line);
    writeln!(
        w,
        "| experiment | variant | CTR | expected CTR | Gini | coverage | mean self-information | long-tail share |"
    )
    .expect(line);
    writeln!(w, "| --- | --- |{}", " ---: |".repeat(6)).expect(line);
    for v in served() {
        let (experiment, variant) = names(v);
        writeln!(
            w,
            "| {experiment} | {variant} | {} | {} | {:.4} | {} | {} | {} |",
            pct(v.engagement.ctr),
            pct(v.engagement.expected_ctr),
            v.exposure.gini,
            pct(Some(v.exposure.coverage)),
            num(v.exposure.mean_self_information, 3),
            pct(v.exposure.long_tail_share),
        )
        .expect(line);
    }
    writeln!(w, "\n## By user segment\n").expect(line);
    writeln!(w, "| segment | {ENGAGEMENT_HEADER} |").expect(line);
    writeln!(w, "| --- |{}", " ---: |".repeat(7)).expect(line);
    for row in &s.by_segment {
        writeln!(
            w,
            "| {} | {} |",
            row.segment.name(),
            engagement_cells(&row.engagement)
        )
        .expect(line);
    }
    writeln!(w, "\n## By arm\n").expect(line);
    writeln!(w, "| arm | selection rate | mean confidence | credited impressions | clicks | clicks per impression |").expect(line);
    writeln!(w, "| --- |{}", " ---: |".repeat(5)).expect(line);
    for a in &s.by_arm {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            a.arm,
            pct(a.selection_rate),
            num(a.mean_confidence, 3),
            a.impressions,
            a.clicks,
            pct(a.click_rate_per_impression)
        )
        .expect(line);
    }
    out.push_str(&online_markdown(&s.online));
    let w = &mut out;
    writeln!(
        w,
        "\n{} clicks, {} ratings and {} thumbs were logged; {} model version(s) trained.",
        s.interactions.clicks, s.interactions.ratings, s.interactions.thumbs, s.model_versions
    )
    .expect(line);
    out
}

/// The online section: sessions, time on site, retention, and engagement per arm,
/// variant, segment and context.
fn online_markdown(o: &OnlineBreakdown) -> String {
    let line = "writing to a String cannot fail";
    let mut out = String::new();
    let w = &mut out;
    let x = &o.sessions;
    writeln!(w, "\n## Sessions and retention\n").expect(line);
    writeln!(w, "| metric | value |\n| --- | ---: |").expect(line);
    for (name, value) in [
        ("sessions", x.sessions.to_string()),
        ("requests per session", num(x.requests_per_session, 2)),
        (
            "simulated minutes on site per session",
            num(x.minutes_on_site_per_session, 1),
        ),
        (
            "users observable for 7-day retention",
            x.retention_eligible_users.to_string(),
        ),
        ("7-day retention", pct(x.retention_7d)),
    ] {
        writeln!(w, "| {name} | {value} |").expect(line);
    }
    let table = |w: &mut String, title: &str, rows: &[OnlineRow]| {
        writeln!(w, "\n### {title}\n").expect(line);
        writeln!(
            w,
            "| group | {ENGAGEMENT_HEADER} | conversion | sessions | requests/session | minutes/session | 7-day retention |"
        )
        .expect(line);
        writeln!(w, "| --- |{}", " ---: |".repeat(12)).expect(line);
        for r in rows {
            let s = &r.sessions;
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {} |",
                r.group,
                engagement_cells(&r.engagement),
                pct(r.engagement.conversion_rate),
                s.sessions,
                num(s.requests_per_session, 2),
                num(s.minutes_on_site_per_session, 1),
                pct(s.retention_7d)
            )
            .expect(line);
        }
    };
    writeln!(
        w,
        "\nA request counts for every arm picked for it; a session and its user's retention count for the groups of the session's first request."
    )
    .expect(line);
    table(w, "Online metrics by arm", &o.by_arm);
    table(w, "Online metrics by variant", &o.by_variant);
    table(w, "Online metrics by segment", &o.by_segment);
    table(w, "Online metrics by context", &o.by_context);
    out
}

/// Renders the offline table as a Markdown section.
#[must_use]
pub fn offline_markdown(t: &OfflineTable) -> String {
    let mut out = String::new();
    let w = &mut out;
    let line = "writing to a String cannot fail";
    writeln!(w, "\n## Offline table (every arm, held-out split)\n").expect(line);
    writeln!(
        w,
        "{}. {} users, K = {}, {} training interactions, {} held-out ratings (relevant: ≥ 4 stars). \
         Expected utility and expected CTR use the hidden truth; the oracle (not selectable) is their upper bound.\n",
        t.protocol, t.n_users, t.k, t.n_train, t.n_test
    )
    .expect(line);
    writeln!(
        w,
        "| arm | RMSE | precision@K | recall@K | nDCG@K | hit rate@K | Gini | coverage | novelty (bits) | long-tail share | expected utility | expected CTR |"
    )
    .expect(line);
    writeln!(w, "| --- |{}", " ---: |".repeat(11)).expect(line);
    for r in &t.rows {
        let name = if r.selectable {
            r.arm.clone()
        } else {
            format!("{} (not selectable)", r.arm)
        };
        writeln!(
            w,
            "| {name} | {} | {} | {} | {} | {} | {:.4} | {} | {} | {} | {} | {} |",
            num(r.rmse, 3),
            num(r.precision, 4),
            num(r.recall, 4),
            num(r.ndcg, 4),
            num(r.hit_rate, 3),
            r.gini,
            pct(Some(r.coverage)),
            num(r.novelty, 2),
            pct(r.long_tail_share),
            num(r.expected_utility, 3),
            pct(r.expected_ctr),
        )
        .expect(line);
    }
    out
}
