//! `diversity-metrics`: Gini, coverage, novelty and serendipity, online (what the
//! replay recommended) and offline (every arm alone on held-out users).

use serde::Serialize;

use super::{Header, RunView, group_name};

/// Diversity of a group of recommendations.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiversityRow {
    /// Gini of recommendation counts over the whole catalogue (0 = equal, 1 = one movie).
    pub gini: f64,
    /// Share of the catalogue recommended at least once.
    pub coverage: f64,
    /// Mean self-information of recommended movies, bits:
    /// −log2((warm-up raters + 1) / (users + 1)) (Zhou et al. 2010).
    pub novelty: Option<f64>,
    /// Mean unexpectedness of recommended movies to the user's history at request
    /// time: 1 − cosine of the movie's genres and the history's genre counts.
    pub serendipity: Option<f64>,
    /// Share of clicks on movies at least `min_dissimilarity` from the user's history.
    pub dissimilar_click_share: Option<f64>,
    /// Mean popularity rank of recommended movies (1 = most voted): the plan's
    /// "avg popularity rank".
    pub mean_popularity_rank: Option<f64>,
    /// Share of impressions of long-tail movies.
    pub long_tail_share: Option<f64>,
    /// Share of clicks on niche movies.
    pub niche_click_share: Option<f64>,
    /// Impressions behind the row.
    pub impressions: u64,
}

/// One policy slot's diversity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantDiversity {
    /// `experiment/variant`, or `default`.
    pub group: String,
    /// Experiment id; `None` outside experiments.
    pub experiment_id: Option<String>,
    /// Variant name.
    pub variant: String,
    /// Policy.
    pub policy: String,
    /// Its metrics.
    #[serde(flatten)]
    pub metrics: DiversityRow,
}

/// One arm's offline diversity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OfflineDiversityRow {
    /// Arm name.
    pub arm: String,
    /// Whether a policy may serve it.
    pub selectable: bool,
    /// Gini of how often each movie appears in the arm's top-K lists.
    pub gini: f64,
    /// Share of the catalogue in at least one list.
    pub coverage: f64,
    /// Mean self-information (bits), raters counted in the training part.
    pub novelty: Option<f64>,
    /// Mean unexpectedness of listed movies to the user's training history.
    pub serendipity: Option<f64>,
    /// Share of listed slots holding long-tail movies.
    pub long_tail_share: Option<f64>,
}

/// The offline part.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OfflineDiversity {
    /// How the warm-up log was split.
    pub protocol: String,
    /// List length.
    pub k: usize,
    /// Users scored.
    pub n_users: usize,
    /// One row per arm kind.
    pub arms: Vec<OfflineDiversityRow>,
}

/// The `diversity-metrics` document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiversityMetrics {
    /// Version, endpoint, scenario, seed.
    #[serde(flatten)]
    pub header: Header,
    /// Unexpectedness at or above which a click counts as dissimilar.
    pub min_dissimilarity: f64,
    /// Every recommendation of the run.
    pub online: DiversityRow,
    /// Per policy slot, the default stack first; slots nobody used are left out.
    pub online_by_variant: Vec<VariantDiversity>,
    /// Every arm alone offline; `None` with `report.offline_users: 0`.
    pub offline: Option<OfflineDiversity>,
}

/// Builds the `diversity-metrics` document.
#[must_use]
pub fn diversity_metrics(view: &RunView<'_>) -> DiversityMetrics {
    let s = view.summary;
    let signals = &view.outcome.signals;
    let overall = signals.overall_unexpectedness();
    DiversityMetrics {
        header: Header::new(view, "diversity-metrics"),
        min_dissimilarity: signals.min_dissimilarity,
        online: DiversityRow {
            gini: s.exposure.gini,
            coverage: s.exposure.coverage,
            novelty: s.exposure.mean_self_information,
            serendipity: overall.mean(),
            dissimilar_click_share: overall.dissimilar_click_share(),
            mean_popularity_rank: s.exposure.mean_popularity_rank,
            long_tail_share: s.exposure.long_tail_share,
            niche_click_share: s.overall.niche_click_share,
            impressions: overall.impressions,
        },
        online_by_variant: view
            .outcome
            .by_variant
            .iter()
            .enumerate()
            .zip(&signals.unexpectedness)
            .filter_map(|((slot, (key, _)), u)| {
                let v = s.slot_row(slot)?;
                Some((v, key, u))
            })
            .filter(|(v, _, _)| v.engagement.requests > 0)
            .map(|(v, key, u)| VariantDiversity {
                group: group_name(key),
                experiment_id: v.experiment_id.clone(),
                variant: v.variant.clone(),
                policy: v.policy.clone(),
                metrics: DiversityRow {
                    gini: v.exposure.gini,
                    coverage: v.exposure.coverage,
                    novelty: v.exposure.mean_self_information,
                    serendipity: u.mean(),
                    dissimilar_click_share: u.dissimilar_click_share(),
                    mean_popularity_rank: v.exposure.mean_popularity_rank,
                    long_tail_share: v.exposure.long_tail_share,
                    niche_click_share: v.engagement.niche_click_share,
                    impressions: u.impressions,
                },
            })
            .collect(),
        offline: view.offline.map(|t| OfflineDiversity {
            protocol: t.protocol.clone(),
            k: t.k,
            n_users: t.n_users,
            arms: t
                .rows
                .iter()
                .map(|r| OfflineDiversityRow {
                    arm: r.arm.clone(),
                    selectable: r.selectable,
                    gini: r.gini,
                    coverage: r.coverage,
                    novelty: r.novelty,
                    serendipity: r.serendipity,
                    long_tail_share: r.long_tail_share,
                })
                .collect(),
        }),
    }
}
