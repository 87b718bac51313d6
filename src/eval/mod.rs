//! Offline metrics: pure functions of plain slices and `u32` ids, with no I/O and
//! no randomness.
//!
//! - ranking (per user, top K): [`precision_at_k`], [`recall_at_k`],
//!   [`hit_rate_at_k`], [`reciprocal_rank_at_k`], [`average_precision_at_k`],
//!   [`ndcg_at_k`] with a [`Gain`], over a user's [`Relevance`];
//! - rating error: [`rmse`], [`mae`];
//! - exposure over the catalogue: [`gini`], [`coverage`], [`popularity_ranks`],
//!   [`mean_popularity_rank`], [`self_information`], [`mean_self_information`],
//!   [`long_tail_share`];
//! - diversity: [`intra_list_diversity`], [`homogenisation`], [`cosine_similarity`],
//!   [`jaccard`];
//! - popularity bias: [`arp`], [`aplt`];
//! - unexpectedness to a user's genre profile: [`profile_dissimilarity`];
//! - calibration: [`genre_distribution`], [`calibration_kl`].
//!
//! Conventions:
//!
//! - A value that is undefined (a mean over nothing, `k = 0`, a user without
//!   relevant test items) is `None`, never NaN: JSON cannot hold NaN. Means over
//!   users skip the `None`s. [`gini`] and [`coverage`] instead return 0 for an empty
//!   or unexposed catalogue, where 0 is the meaningful answer.
//! - Item-indexed slices (`counts`, `popularity`, `is_long_tail`, …) are indexed by
//!   item id; a length mismatch or an id out of range is a caller bug and panics.
//! - Ranked lists are best first and already tie-broken; ranking metrics count a
//!   repeated item once, exposure metrics count every slot.
//! - Sums run in index order on one thread, so results are bit-for-bit repeatable.

mod batch;
mod beyond_accuracy;
mod calibration;
mod diversity;
mod external;
mod folds;
mod interval;
mod metric_set;
mod ndcg;
mod popularity_bias;
mod protocol;
mod ranking;
mod rating;
mod rating_reference;
mod relevance;
mod serendipity;
mod unexpectedness;

pub use beyond_accuracy::{
    coverage, gini, long_tail_share, mean_popularity_rank, mean_self_information, popularity_ranks,
    self_information,
};
pub use calibration::{DEFAULT_CALIBRATION_ALPHA, calibration_kl, genre_distribution};
pub use diversity::{cosine_similarity, homogenisation, intra_list_diversity, jaccard};
pub use ndcg::{Gain, ndcg_at_k};
pub use popularity_bias::{aplt, arp};
pub use ranking::{
    average_precision_at_k, hit_rate_at_k, precision_at_k, recall_at_k, reciprocal_rank_at_k,
};
pub use rating::{mae, rmse};
pub use relevance::{Relevance, RelevanceError};
pub use serendipity::serendipity_at_k;
pub use unexpectedness::profile_dissimilarity;

pub use batch::{RankingMeans, ranking_means};
pub use external::{ExternalReport, ExternalSettings, evaluate_external};
pub use folds::{
    ArmEvaluation, EVAL_FORMAT_VERSION, EvalProgress, FoldStats, OfflineEvaluation, SegmentSummary,
    SummaryRow, evaluate, evaluate_with_progress,
};
pub use interval::{CONFIDENCE, MeanInterval};
pub use metric_set::{
    ItemFeatures, METRIC_NAMES, MetricSet, MetricSettings, UserCase, metric_set,
    metric_sets_by_segment,
};
pub use protocol::{Fold, folds};
pub use rating_reference::{BiasBaseline, RatingTruth, rating_distribution};

mod online;
pub use online::{Engagement, Exposure, ExposureBasis, OnlineBreakdown, OnlineRow, SessionMetrics};
