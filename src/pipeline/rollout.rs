//! Staged rollout, online watch and rollback (`pipeline.rollout`).
//!
//! A version the gate passed does not take all traffic at once. It serves the users
//! whose rollout draw ([`assignment_draws`], one uniform per user from stream
//! `(RolloutAssignment, version · 2^32 + user)`) is below the stage's share — 10%,
//! then 50%, then everyone by default — and the rest keep the previous version.
//! The draw is fixed for the rollout, so each stage's users contain the last
//! stage's.
//!
//! Every `check_every_hours` a check ([`Rollout::check`]) compares the online
//! metrics ([`OnlineStats`]: CTR, mean rating of clicked movies, long-tail share of
//! impressions) of the requests each version served since the stage began
//! ([`judge`]). Once the new version serves everyone (the last stage), it is
//! watched for `watch_hours` against the previous version's metrics over all the
//! stages before, standardised to the watch's mix of dayparts ([`standardise`]).
//! At a check:
//!
//! 1. a watched metric worse than the previous version's by more than
//!    `rollback_threshold` rolls the new version back;
//! 2. otherwise, when the stage has lasted its `stage_hours` and no watched metric
//!    is worse by more than `tolerance`, it advances; the watch, once it has lasted
//!    `watch_hours` without a rollback, completes the rollout (its baseline is the
//!    past, from which CTR drifts day by day, so it guards against a rollback only);
//! 3. otherwise it is held until the next check.
//!
//! Either side with fewer than `min_requests` requests is not judged (the stage is
//! held). Everything is logged with simulated times in the version's
//! [`RolloutLog`], which `model_updates.json`, the alerts and the time series read.

use std::collections::BTreeMap;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::interaction::{SECS_PER_HOUR, SimSecs};
use crate::rng::{Purpose, SeedTree};
use crate::scenario::spec::{OnlineMetric, RolloutSpec};

/// Online counts of the requests one version served (as `f64`: a standardised
/// baseline scales them, [`standardise`]; whole counts are exact below 2^53).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OnlineStats {
    /// Requests served.
    pub requests: f64,
    /// Requests with a click.
    pub clicks: f64,
    /// Slots shown.
    pub impressions: f64,
    /// Slots holding long-tail movies.
    pub long_tail_impressions: f64,
    /// Ratings of clicked movies.
    pub ratings: f64,
    /// Their sum of stars.
    pub rating_sum: f64,
}

/// Counts per daypart (morning, afternoon, evening, night), in that order.
pub type ByDaypart = [OnlineStats; 4];

/// The sum over dayparts.
#[must_use]
pub fn total(by: &ByDaypart) -> OnlineStats {
    let mut t = OnlineStats::default();
    for s in by {
        t.merge(s);
    }
    t
}

/// The watch's counts and the baseline's, standardised to the watch's mix of
/// dayparts: each daypart of the baseline scaled to the watch's requests in it
/// (direct standardisation), dayparts missing on either side left out of both.
/// Both versions served side by side during the stages, so their daypart mix was
/// the same; the watch follows the stages in time, and CTR moves with the hour of
/// the day, so a watch of a few hours must not be compared with whole days.
#[must_use]
pub fn standardise(watch: &ByDaypart, baseline: &ByDaypart) -> (OnlineStats, OnlineStats) {
    let (mut w, mut b) = (OnlineStats::default(), OnlineStats::default());
    for (ws, bs) in watch.iter().zip(baseline) {
        if ws.requests == 0.0 || bs.requests == 0.0 {
            continue;
        }
        w.merge(ws);
        b.merge(&bs.scaled(ws.requests / bs.requests));
    }
    (w, b)
}

impl OnlineStats {
    /// Adds one request: whether it was clicked, its slots and long-tail slots, and
    /// the rating of the clicked movie if any.
    pub fn add(&mut self, clicked: bool, impressions: u64, long_tail: u64, rating: Option<f32>) {
        self.requests += 1.0;
        self.clicks += f64::from(u8::from(clicked));
        self.impressions += impressions as f64;
        self.long_tail_impressions += long_tail as f64;
        if let Some(stars) = rating {
            self.ratings += 1.0;
            self.rating_sum += f64::from(stars);
        }
    }

    /// Every count times `factor`.
    #[must_use]
    pub fn scaled(&self, factor: f64) -> Self {
        Self {
            requests: self.requests * factor,
            clicks: self.clicks * factor,
            impressions: self.impressions * factor,
            long_tail_impressions: self.long_tail_impressions * factor,
            ratings: self.ratings * factor,
            rating_sum: self.rating_sum * factor,
        }
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Self) {
        self.requests += other.requests;
        self.clicks += other.clicks;
        self.impressions += other.impressions;
        self.long_tail_impressions += other.long_tail_impressions;
        self.ratings += other.ratings;
        self.rating_sum += other.rating_sum;
    }

    /// The value of `metric`; `None` when it has no denominator.
    #[must_use]
    pub fn value(&self, metric: OnlineMetric) -> Option<f64> {
        let per = |a: f64, b: f64| (b > 0.0).then(|| a / b);
        match metric {
            OnlineMetric::Ctr => per(self.clicks, self.requests),
            OnlineMetric::ClickedRating => per(self.rating_sum, self.ratings),
            OnlineMetric::LongTailShare => per(self.long_tail_impressions, self.impressions),
        }
    }
}

/// One watched metric of a check: both values and the relative change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnlineChange {
    /// The metric.
    pub metric: OnlineMetric,
    /// The new version's value.
    pub new: f64,
    /// The previous version's value.
    pub previous: f64,
    /// `(new − previous) / |previous|` (the absolute difference when `previous` is
    /// 0): negative is worse.
    pub change: f64,
}

/// What a check found.
#[derive(Clone, Debug, PartialEq)]
pub enum Judgement {
    /// Too few requests on one side (or no watched metric defined on both).
    TooLittleData,
    /// Every watched metric, with the worst change.
    Judged {
        /// The watched metrics.
        changes: Vec<OnlineChange>,
        /// The most negative change.
        worst: f64,
    },
}

/// The relative change of `new` against `previous`, signed so that negative is
/// worse (every online metric is higher-is-better).
#[must_use]
pub fn relative_change(new: f64, previous: f64) -> f64 {
    if previous == 0.0 {
        new - previous
    } else {
        (new - previous) / previous.abs()
    }
}

/// Compares the `new` version's counts with the `previous` one's on the watched
/// metrics of `spec`.
#[must_use]
pub fn judge(spec: &RolloutSpec, new: &OnlineStats, previous: &OnlineStats) -> Judgement {
    let min = spec.min_requests as f64;
    if new.requests < min || previous.requests < min {
        return Judgement::TooLittleData;
    }
    let changes: Vec<OnlineChange> = spec
        .watch
        .iter()
        .filter_map(|&metric| {
            let (n, p) = (new.value(metric)?, previous.value(metric)?);
            Some(OnlineChange {
                metric,
                new: n,
                previous: p,
                change: relative_change(n, p),
            })
        })
        .collect();
    match changes.iter().map(|c| c.change).reduce(f64::min) {
        None => Judgement::TooLittleData,
        Some(worst) => Judgement::Judged { changes, worst },
    }
}

/// One uniform draw in [0, 1) per user for the rollout of `version`: the user is on
/// the new version while its draw is below the stage's share.
///
/// # Determinism
///
/// One draw from stream `(RolloutAssignment, version · 2^32 + user)` per user.
#[must_use]
pub fn assignment_draws(seeds: &SeedTree, version: u32, n_users: usize) -> Vec<f64> {
    (0..n_users as u64)
        .map(|u| {
            seeds
                .stream(Purpose::RolloutAssignment, (u64::from(version) << 32) | u)
                .random::<f64>()
        })
        .collect()
}

/// How a stage ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageEnd {
    /// It held and the next stage began.
    Advanced,
    /// The last stage's watch held: the version serves everyone, for good.
    Completed,
    /// A watched metric degraded beyond the threshold: the previous version is back.
    RolledBack,
}

/// One stage of a rollout, as `model_updates.json` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageLog {
    /// Share of users the new version served.
    pub share: f64,
    /// When the stage began.
    pub start_secs: SimSecs,
    /// When it ended; `None` while it runs (a run that ends mid-stage).
    pub end_secs: Option<SimSecs>,
    /// How it ended; `None` while it runs. (Written as `null` rather than left out:
    /// checkpoints store this log in a format without field names.)
    pub end: Option<StageEnd>,
    /// Checks held for too little data or a change beyond the tolerance.
    pub n_held: u32,
    /// Requests the new version served in the stage.
    pub new_requests: u64,
    /// Requests the previous version served in the stage (the last stage: over the
    /// stages before, which it is compared with).
    pub previous_requests: u64,
    /// The watched metrics at the stage's last check.
    pub changes: Vec<OnlineChange>,
}

/// A version's rollout, as `model_updates.json` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RolloutLog {
    /// The version serving the other users, restored by a rollback.
    pub previous_version: u32,
    /// Its stages, in order.
    pub stages: Vec<StageLog>,
    /// Why it was rolled back, in words; `null` when it was not.
    pub rollback_reason: Option<String>,
}

impl RolloutLog {
    /// The share of users the new version served at `at` while its rollout ran (its
    /// stages, the watch included); 0 before, and after it completed or was rolled
    /// back.
    #[must_use]
    pub fn share_at(&self, at: SimSecs) -> f64 {
        self.stages
            .iter()
            .find(|s| s.start_secs <= at && s.end_secs.is_none_or(|end| at < end))
            .map_or(0.0, |s| s.share)
    }

    /// When the new version began serving everyone, if it did.
    #[must_use]
    pub fn full_secs(&self) -> Option<SimSecs> {
        self.stages
            .iter()
            .find(|s| s.share >= 1.0)
            .map(|s| s.start_secs)
    }

    /// When it was rolled back, if it was.
    #[must_use]
    pub fn rolled_back_secs(&self) -> Option<SimSecs> {
        self.stages
            .iter()
            .find(|s| s.end == Some(StageEnd::RolledBack))
            .and_then(|s| s.end_secs)
    }
}

/// What a check decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Nothing changes until the next check.
    Hold,
    /// The next stage began: the new version serves this share.
    Advance(f64),
    /// The rollout is over: the new version serves everyone.
    Complete,
    /// Roll back to the previous version.
    RollBack,
}

/// A rollout under way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rollout {
    /// The version rolled out.
    pub version: u32,
    /// The version serving the other users.
    pub previous: u32,
    /// Length of the interaction log the previous version was trained on.
    pub previous_log_len: usize,
    stage: usize,
    stage_start: SimSecs,
    next_check: SimSecs,
    /// Counts since the stage began, by daypart: the new version's and the previous
    /// one's.
    new: ByDaypart,
    old: ByDaypart,
    /// The previous version's counts over the stages before the last, by daypart.
    baseline: ByDaypart,
    /// The log of the rollout so far.
    pub log: RolloutLog,
    /// Each user's draw ([`assignment_draws`]); rebuilt, not saved.
    #[serde(skip)]
    draws: Vec<f64>,
}

fn hours(h: f64) -> SimSecs {
    (h * SECS_PER_HOUR as f64).round() as SimSecs
}

impl Rollout {
    /// Starts the rollout of `version` at `at`, with `previous` (trained on the first
    /// `previous_log_len` interactions of the log) serving the other users.
    #[must_use]
    pub fn start(
        spec: &RolloutSpec,
        seeds: &SeedTree,
        n_users: usize,
        (version, previous, previous_log_len): (u32, u32, usize),
        at: SimSecs,
    ) -> Self {
        Self {
            version,
            previous,
            previous_log_len,
            stage: 0,
            stage_start: at,
            next_check: at + hours(spec.check_every_hours),
            new: ByDaypart::default(),
            old: ByDaypart::default(),
            baseline: ByDaypart::default(),
            log: RolloutLog {
                previous_version: previous,
                stages: vec![new_stage(spec.stages[0], at)],
                rollback_reason: None,
            },
            draws: assignment_draws(seeds, version, n_users),
        }
    }

    /// Draws the users' assignment again (after a restore from a checkpoint).
    pub fn redraw(&mut self, seeds: &SeedTree, n_users: usize) {
        self.draws = assignment_draws(seeds, self.version, n_users);
    }

    /// The share of users the new version serves now.
    #[must_use]
    pub fn share(&self, spec: &RolloutSpec) -> f64 {
        spec.stages[self.stage]
    }

    /// Whether user index `user` is served by the new version now.
    #[must_use]
    pub fn on_new(&self, spec: &RolloutSpec, user: usize) -> bool {
        self.draws[user] < self.share(spec)
    }

    /// When the next check is due.
    #[must_use]
    pub fn next_check(&self) -> SimSecs {
        self.next_check
    }

    /// Records one served request of user index `user` in daypart `daypart` (0
    /// morning, 1 afternoon, 2 evening, 3 night).
    pub fn record(
        &mut self,
        spec: &RolloutSpec,
        user: usize,
        daypart: usize,
        request: &OnlineStats,
    ) {
        if self.on_new(spec, user) {
            self.new[daypart].merge(request);
        } else {
            self.old[daypart].merge(request);
        }
    }

    /// The check due at `at` (see the module doc); updates the log.
    pub fn check(&mut self, spec: &RolloutSpec, at: SimSecs) -> Step {
        self.next_check = at + hours(spec.check_every_hours);
        let last = self.stage + 1 == spec.stages.len();
        let (new, previous) = if last {
            standardise(&self.new, &self.baseline)
        } else {
            (total(&self.new), total(&self.old))
        };
        let judgement = judge(spec, &new, &previous);
        let stage_log = self.log.stages.last_mut().expect("a rollout has a stage");
        stage_log.new_requests = total(&self.new).requests as u64;
        stage_log.previous_requests =
            total(if last { &self.baseline } else { &self.old }).requests as u64;
        let worst = match judgement {
            Judgement::TooLittleData => None,
            Judgement::Judged { changes, worst } => {
                stage_log.changes = changes;
                Some(worst)
            }
        };
        if let Some(worst) = worst
            && worst < -spec.rollback_threshold
        {
            stage_log.end_secs = Some(at);
            stage_log.end = Some(StageEnd::RolledBack);
            let failing: Vec<String> = stage_log
                .changes
                .iter()
                .filter(|c| c.change < -spec.rollback_threshold)
                .map(|c| {
                    format!(
                        "{} {:.4} against {:.4} ({:+.1}%)",
                        c.metric.name(),
                        c.new,
                        c.previous,
                        c.change * 100.0
                    )
                })
                .collect();
            self.log.rollback_reason = Some(format!(
                "at {:.0}% of users, {} beyond the rollback threshold of −{}%",
                self.share(spec) * 100.0,
                failing.join(", "),
                spec.rollback_threshold * 100.0
            ));
            return Step::RollBack;
        }
        let duration = if last {
            spec.watch_hours
        } else {
            spec.stage_hours
        };
        // The watch guards against a rollback only: its baseline is the past, and
        // CTR drifts from day to day (users run out of unseen favourites), so a
        // tolerance tighter than the rollback threshold would hold it for ever.
        let holds = last || worst.is_some_and(|w| w >= -spec.tolerance);
        if at < self.stage_start + hours(duration) {
            return Step::Hold;
        }
        if !holds {
            stage_log.n_held += 1;
            return Step::Hold;
        }
        stage_log.end_secs = Some(at);
        if last {
            stage_log.end = Some(StageEnd::Completed);
            return Step::Complete;
        }
        stage_log.end = Some(StageEnd::Advanced);
        for (b, o) in self.baseline.iter_mut().zip(&self.old) {
            b.merge(o);
        }
        self.stage += 1;
        self.stage_start = at;
        self.new = ByDaypart::default();
        self.old = ByDaypart::default();
        let share = spec.stages[self.stage];
        self.log.stages.push(new_stage(share, at));
        Step::Advance(share)
    }
}

fn new_stage(share: f64, at: SimSecs) -> StageLog {
    StageLog {
        share,
        start_secs: at,
        end_secs: None,
        end: None,
        n_held: 0,
        new_requests: 0,
        previous_requests: 0,
        changes: Vec::new(),
    }
}

/// The weights of the static policy that replaces the bandits after a rollback:
/// `spec.static_weights`, or 1 for every selectable arm of `arms` (by name).
#[must_use]
pub fn fallback_weights(spec: &RolloutSpec, arms: &[(&str, bool)]) -> BTreeMap<String, f64> {
    spec.static_weights.clone().unwrap_or_else(|| {
        arms.iter()
            .filter(|(_, selectable)| *selectable)
            .map(|(name, _)| ((*name).to_owned(), 1.0))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(requests: u64, clicks: u64, long_tail: u64, ratings: &[f32]) -> OnlineStats {
        let mut s = OnlineStats {
            requests: requests as f64,
            clicks: clicks as f64,
            impressions: requests as f64 * 10.0,
            long_tail_impressions: long_tail as f64,
            ..OnlineStats::default()
        };
        for &r in ratings {
            s.ratings += 1.0;
            s.rating_sum += f64::from(r);
        }
        s
    }

    fn spec() -> RolloutSpec {
        RolloutSpec {
            min_requests: 100,
            ..RolloutSpec::default()
        }
    }

    #[test]
    fn metrics_of_hand_counted_requests() {
        let mut s = OnlineStats::default();
        s.add(true, 10, 4, Some(4.0));
        s.add(false, 10, 2, None);
        s.add(true, 10, 0, Some(3.0));
        s.add(false, 10, 0, None);
        // 2 clicks of 4 requests; (4 + 3) / 2 stars; 6 of 40 slots.
        assert_eq!(s.value(OnlineMetric::Ctr), Some(0.5));
        assert_eq!(s.value(OnlineMetric::ClickedRating), Some(3.5));
        assert_eq!(s.value(OnlineMetric::LongTailShare), Some(0.15));
        assert_eq!(OnlineStats::default().value(OnlineMetric::Ctr), None);
    }

    #[test]
    fn judge_signs_changes_so_negative_is_worse() {
        // CTR 0.08 against 0.10 is −20%; long tail 300/2000 against 400/2000 is −25%;
        // ratings 4.0 against 4.0 is 0.
        let new = stats(200, 16, 300, &[4.0; 16]);
        let old = stats(200, 20, 400, &[4.0; 20]);
        let Judgement::Judged { changes, worst } = judge(&spec(), &new, &old) else {
            panic!("enough requests on both sides")
        };
        assert!((changes[0].change + 0.20).abs() < 1e-12);
        assert_eq!(changes[1].change, 0.0);
        assert!((changes[2].change + 0.25).abs() < 1e-12);
        assert!((worst + 0.25).abs() < 1e-12);
        assert_eq!(relative_change(0.1, 0.0), 0.1);
    }

    #[test]
    fn judge_needs_min_requests_on_both_sides() {
        let new = stats(99, 10, 100, &[4.0]);
        let old = stats(500, 10, 100, &[4.0]);
        assert_eq!(judge(&spec(), &new, &old), Judgement::TooLittleData);
    }

    #[test]
    fn draws_are_stable_and_nested_across_stages() {
        let seeds = SeedTree::new(7);
        let a = assignment_draws(&seeds, 3, 1_000);
        assert_eq!(a, assignment_draws(&seeds, 3, 1_000));
        assert_ne!(a, assignment_draws(&seeds, 4, 1_000));
        let at_10 = a.iter().filter(|&&d| d < 0.10).count();
        let at_50 = a.iter().filter(|&&d| d < 0.50).count();
        // 1,000 uniforms: 10% ± 3 standard deviations (σ = 9.5), 50% ± 3σ (σ = 15.8).
        assert!((72..=128).contains(&at_10), "{at_10}");
        assert!((453..=547).contains(&at_50), "{at_50}");
    }

    fn good() -> OnlineStats {
        stats(200, 20, 400, &[4.0; 20])
    }

    /// Feeds `new` and `old` counts into the stage, in the evening.
    fn feed(r: &mut Rollout, new: OnlineStats, old: OnlineStats) {
        r.new[2].merge(&new);
        r.old[2].merge(&old);
    }

    #[test]
    fn a_good_version_passes_every_stage_and_completes() {
        let spec = spec();
        let h = SECS_PER_HOUR;
        let mut r = Rollout::start(&spec, &SeedTree::new(1), 10, (5, 4, 100), 0);
        // Checks every 6 h; a stage lasts 24 h.
        for at in [6, 12, 18] {
            feed(&mut r, good(), good());
            assert_eq!(r.check(&spec, at * h), Step::Hold);
        }
        feed(&mut r, good(), good());
        assert_eq!(r.check(&spec, 24 * h), Step::Advance(0.5));
        for at in [30, 36, 42] {
            feed(&mut r, good(), good());
            assert_eq!(r.check(&spec, at * h), Step::Hold);
        }
        feed(&mut r, good(), good());
        assert_eq!(r.check(&spec, 48 * h), Step::Advance(1.0));
        // The watch compares with the previous version's counts over both stages.
        for at in [54, 60, 66] {
            r.new[2].merge(&good());
            assert_eq!(r.check(&spec, at * h), Step::Hold);
        }
        r.new[2].merge(&good());
        assert_eq!(r.check(&spec, 72 * h), Step::Complete);
        let ends: Vec<_> = r.log.stages.iter().map(|s| (s.share, s.end)).collect();
        assert_eq!(
            ends,
            [
                (0.1, Some(StageEnd::Advanced)),
                (0.5, Some(StageEnd::Advanced)),
                (1.0, Some(StageEnd::Completed))
            ]
        );
        assert_eq!(r.log.full_secs(), Some(48 * h));
        assert_eq!(r.log.share_at(47 * h), 0.5);
        assert_eq!(r.log.share_at(60 * h), 1.0);
        assert_eq!(r.log.share_at(72 * h), 0.0);
        assert_eq!(r.log.rolled_back_secs(), None);
    }

    #[test]
    fn a_bad_version_is_rolled_back_at_its_first_check() {
        let spec = spec();
        let h = SECS_PER_HOUR;
        let mut r = Rollout::start(&spec, &SeedTree::new(1), 10, (5, 4, 100), 0);
        // CTR 0.08 against 0.10: −20%, beyond −15%.
        feed(&mut r, stats(200, 16, 400, &[4.0; 16]), good());
        assert_eq!(r.check(&spec, 6 * h), Step::RollBack);
        assert_eq!(r.log.rolled_back_secs(), Some(6 * h));
        assert_eq!(r.log.share_at(5 * h), 0.1);
        assert_eq!(r.log.share_at(6 * h), 0.0);
        let reason = r.log.rollback_reason.as_deref().unwrap();
        assert!(
            reason.contains("ctr 0.0800 against 0.1000 (-20.0%)"),
            "{reason}"
        );
    }

    #[test]
    fn a_stage_within_the_threshold_but_beyond_the_tolerance_is_held() {
        let spec = spec();
        let h = SECS_PER_HOUR;
        let mut r = Rollout::start(&spec, &SeedTree::new(1), 10, (5, 4, 100), 0);
        // CTR 0.09 against 0.10: −10%, within −15% but beyond −5%.
        for at in [6, 12, 18, 24, 30] {
            feed(&mut r, stats(200, 18, 400, &[4.0; 18]), good());
            assert_eq!(r.check(&spec, at * h), Step::Hold);
        }
        assert_eq!(r.log.stages[0].n_held, 2);
        // Too little data is held too, never rolled back.
        let mut r = Rollout::start(&spec, &SeedTree::new(1), 10, (5, 4, 100), 0);
        feed(&mut r, stats(10, 0, 0, &[]), good());
        assert_eq!(r.check(&spec, 24 * h), Step::Hold);
    }

    #[test]
    fn a_watch_within_the_threshold_completes_even_beyond_the_tolerance() {
        let spec = RolloutSpec {
            stages: vec![1.0],
            ..spec()
        };
        let h = SECS_PER_HOUR;
        let mut r = Rollout::start(&spec, &SeedTree::new(1), 10, (5, 4, 100), 0);
        r.baseline[2].merge(&good());
        // CTR 0.09 against 0.10: −10%, beyond the 5% tolerance, within −15%.
        for at in [6, 12, 18] {
            r.new[2].merge(&stats(200, 18, 400, &[4.0; 18]));
            assert_eq!(r.check(&spec, at * h), Step::Hold);
        }
        r.new[2].merge(&stats(200, 18, 400, &[4.0; 18]));
        assert_eq!(r.check(&spec, 24 * h), Step::Complete);
        assert_eq!(r.log.stages[0].n_held, 0);
    }

    #[test]
    fn the_watch_compares_the_same_mix_of_dayparts() {
        // Baseline: mornings CTR 0.10 (1,000 requests), evenings 0.30 (1,000): 0.20
        // overall. A watch of mornings only at CTR 0.10 is as good, not −50%.
        let mut baseline = ByDaypart::default();
        baseline[0] = stats(1_000, 100, 0, &[]);
        baseline[2] = stats(1_000, 300, 0, &[]);
        let mut watch = ByDaypart::default();
        watch[0] = stats(500, 50, 0, &[]);
        let (w, b) = standardise(&watch, &baseline);
        assert_eq!(w.value(OnlineMetric::Ctr), Some(0.1));
        assert_eq!(b.value(OnlineMetric::Ctr), Some(0.1));
        assert_eq!(b.requests, 500.0);
        // Half mornings at 0.05, half evenings at 0.15: the watch is 0.10 and the
        // baseline standardised to that mix (0.10 + 0.30) / 2 = 0.20, −50%.
        watch[0] = stats(500, 25, 0, &[]);
        watch[2] = stats(500, 75, 0, &[]);
        let (w, b) = standardise(&watch, &baseline);
        assert_eq!(w.value(OnlineMetric::Ctr), Some(0.1));
        assert!((b.value(OnlineMetric::Ctr).unwrap() - 0.2).abs() < 1e-12);
    }

    #[test]
    fn the_default_fallback_weighs_every_selectable_arm_equally() {
        let w = fallback_weights(
            &RolloutSpec::default(),
            &[("svd", true), ("oracle", false), ("popularity", true)],
        );
        assert_eq!(
            w,
            BTreeMap::from([("popularity".to_owned(), 1.0), ("svd".to_owned(), 1.0)])
        );
    }
}
