//! What a replay produced: tallies by group, exposure counts, the model-update log.

use serde::{Deserialize, Serialize};

use crate::bandit::ArmChoice;
use crate::interaction::{Interaction, InteractionKind};
use crate::pipeline::ModelUpdateLog;
use crate::recommend::BlendedItem;
use crate::scenario::ScenarioSpec;
use std::collections::BTreeMap;

use crate::interaction::SECS_PER_DAY;
use crate::world::{Context, Segment, World};

use super::sessions::{SessionGroups, SessionTallies, SessionTracker, arms_of};
use super::signals::{Observation, ReportSignals};
use super::tally::{ArmTally, Tally};

/// Identifies who served a request: an experiment's variant, or the default stack.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct VariantKey {
    /// The experiment id; `None` for users outside every experiment.
    pub experiment: Option<String>,
    /// The variant name; "default" outside experiments.
    pub variant: String,
    /// The policy's short name.
    pub policy: String,
}

/// One row of the time series.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeBucket {
    /// Counts of the bucket's requests.
    pub tally: Tally,
    /// How often each arm was picked in the bucket, by arm id.
    pub arm_selections: Vec<u64>,
    /// Movies recommended for the first time in the run during the bucket.
    pub newly_exposed: u64,
}

/// Everything a replay measured. It serialises whole (maps with context keys
/// included) for checkpoints (`crate::checkpoint`); reports read its fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// All requests.
    pub overall: Tally,
    /// Per (experiment, variant) slot; slot 0 is the default stack.
    pub by_variant: Vec<(VariantKey, Tally)>,
    /// Per user segment, in [`Segment::ALL`] order.
    pub by_segment: Vec<(Segment, Tally)>,
    /// Per arm, in arm-id order.
    pub by_arm: Vec<(String, ArmTally)>,
    /// Per time bucket of `report.timeseries_bucket_hours`.
    pub timeseries: Vec<TimeBucket>,
    /// Times each movie was recommended, by movie id.
    pub exposure: Vec<u64>,
    /// The same per (experiment, variant) slot, in `by_variant` order.
    pub variant_exposure: Vec<Vec<u64>>,
    /// The training runs.
    pub model_updates: Vec<ModelUpdateLog>,
    /// Bandit-state snapshots (`pipeline.bandit_snapshot_every_hours`).
    pub bandit_snapshots: Vec<super::BanditSnapshot>,
    /// Metric snapshots (`pipeline.metric_snapshot_every_hours`).
    pub metric_snapshots: Vec<super::MetricSnapshot>,
    /// Interactions produced during the replay, by kind: clicks, ratings, thumbs.
    pub n_interactions: [u64; 3],
    /// Distinct users who made at least one request.
    pub n_active_users: u64,
    /// Engagement of the requests in which the policy picked each arm, in arm-id order.
    pub by_arm_engagement: Vec<Tally>,
    /// Engagement per request context (JSON summaries key it by [`Context::key`]:
    /// JSON keys must be strings).
    pub by_context: BTreeMap<Context, Tally>,
    /// Sessions, time on site and retention by group (filled by `finish`).
    pub sessions: Option<SessionTallies>,
    /// Exact regret per policy slot, with `report.regret: true`.
    pub regret: Option<super::RegretLedger>,
    /// The policies as they ended the run (learned posteriors, stream positions).
    pub final_policies: Vec<super::SlotPolicy>,
    /// What the report's analytics and time series need beyond the tallies.
    pub signals: ReportSignals,
    /// Per-user aggregates of the users in experiments (`None` without experiments).
    pub experiments: Option<crate::experiment::ExperimentLog>,
    active: Vec<bool>,
    tracker: Option<SessionTracker>,
}

impl RunOutcome {
    pub(crate) fn new(
        world: &World,
        arm_names: &[&str],
        spec: &ScenarioSpec,
        slots: &[VariantKey],
    ) -> Self {
        let n_movies = world.catalogue.len();
        let n_buckets = (spec.horizon.days as usize * 24)
            .div_ceil(spec.report.timeseries_bucket_hours as usize);
        Self {
            overall: Tally::default(),
            by_variant: slots
                .iter()
                .map(|k| (k.clone(), Tally::default()))
                .collect(),
            by_segment: Segment::ALL
                .iter()
                .map(|&s| (s, Tally::default()))
                .collect(),
            by_arm: arm_names
                .iter()
                .map(|n| ((*n).to_owned(), ArmTally::default()))
                .collect(),
            timeseries: (0..n_buckets)
                .map(|_| TimeBucket {
                    arm_selections: vec![0; arm_names.len()],
                    ..TimeBucket::default()
                })
                .collect(),
            exposure: vec![0; n_movies],
            variant_exposure: vec![vec![0; n_movies]; slots.len()],
            model_updates: Vec::new(),
            bandit_snapshots: Vec::new(),
            metric_snapshots: Vec::new(),
            n_interactions: [0; 3],
            n_active_users: 0,
            by_arm_engagement: vec![Tally::default(); arm_names.len()],
            by_context: BTreeMap::new(),
            sessions: None,
            regret: spec
                .report
                .regret
                .then(|| super::RegretLedger::new(slots.len(), arm_names.len(), n_buckets)),
            final_policies: Vec::new(),
            signals: ReportSignals::new(
                world,
                arm_names.len(),
                slots.len(),
                n_buckets,
                spec.evaluation.serendipity_min_dissimilarity,
            ),
            experiments: None,
            active: vec![false; spec.population.n_users],
            tracker: Some(SessionTracker::new(
                spec.population.n_users,
                slots.len(),
                Segment::ALL.len(),
                arm_names.len(),
                (spec.response.session.minutes_between_requests * 60.0).round() as i64,
                i64::from(spec.horizon.days) * SECS_PER_DAY,
            )),
        }
    }

    /// Records the online groups of one request: per-context and per-arm
    /// engagement, and the user's sessions.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record_online(
        &mut self,
        user: usize,
        now: i64,
        position: u32,
        context: &Context,
        choices: &[ArmChoice],
        slot: usize,
        tally: &Tally,
    ) {
        self.by_context.entry(*context).or_default().add(tally);
        for choice in choices {
            self.by_arm_engagement[choice.arm.index()].add(tally);
        }
        let segment = Segment::ALL
            .iter()
            .position(|&s| s == context.segment)
            .expect("every segment is listed");
        if let Some(tracker) = &mut self.tracker {
            tracker.request(user, now, position, || SessionGroups {
                slot,
                segment,
                context: *context,
                arms: arms_of(choices),
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &mut self,
        user: usize,
        tally: &Tally,
        slot: usize,
        segment: Segment,
        bucket: usize,
        slate: &[BlendedItem],
        choices: &[ArmChoice],
        click_position: Option<usize>,
    ) {
        if !self.active[user] {
            self.active[user] = true;
            self.n_active_users += 1;
        }
        self.overall.add(tally);
        self.by_variant[slot].1.add(tally);
        let s = Segment::ALL
            .iter()
            .position(|&x| x == segment)
            .expect("every segment is listed");
        self.by_segment[s].1.add(tally);
        let row = &mut self.timeseries[bucket];
        row.tally.add(tally);
        for choice in choices {
            let arm = &mut self.by_arm[choice.arm.index()].1;
            arm.selections += 1;
            arm.confidence_sum += choice.confidence;
            row.arm_selections[choice.arm.index()] += 1;
        }
        for (k, item) in slate.iter().enumerate() {
            let count = &mut self.exposure[item.movie.index()];
            if *count == 0 {
                row.newly_exposed += 1;
            }
            *count += 1;
            self.variant_exposure[slot][item.movie.index()] += 1;
            let arm = &mut self.by_arm[item.arm.index()].1;
            arm.impressions += 1;
            if click_position == Some(k) {
                arm.clicks += 1;
            }
        }
    }

    /// Records what the report's analytics need of one request
    /// ([`ReportSignals::observe`]).
    pub(crate) fn observe(&mut self, observation: &Observation<'_>) {
        self.signals.observe(observation);
    }

    pub(crate) fn finish(&mut self, model_updates: Vec<ModelUpdateLog>, new: &[Interaction]) {
        self.model_updates = model_updates;
        self.signals.finish();
        self.sessions = self.tracker.take().map(SessionTracker::finish);
        for i in new {
            let k = match i.kind {
                InteractionKind::Click => 0,
                InteractionKind::Rating => 1,
                InteractionKind::Thumbs => 2,
            };
            self.n_interactions[k] += 1;
        }
    }
}
