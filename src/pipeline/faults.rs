//! Faults injected into training runs (`pipeline.faults`) and the work budget of a
//! run (`pipeline.work_budget`): what the pipeline must survive.
//!
//! Each fault hits the first training run at or after its time ([`FaultQueue`]):
//!
//! - `CorruptBatch`: the run's batch of new ratings — every rating logged at or after
//!   the previous run's time — has its values shuffled among itself
//!   ([`corrupt_batch`], stream `(PipelineFault, version)`), so every rating lands on
//!   another (user, movie). Training sees the corrupted batch; the log is restored
//!   afterwards ([`Corruption::restore`]), since the users really gave those ratings.
//! - `JobFails`: the job fails before it fits anything.
//! - `DivergingLearningRate`: the candidate of a gated run builds its SVD arms with
//!   the learning rate multiplied ([`diverged_arms`]); SGD blows up (factors and
//!   predictions inf or NaN) and the gate, which fails a non-finite metric, rejects
//!   the candidate.
//!
//! A `TasteShift` is no training fault: the replay changes the users' tastes at its
//! time ([`crate::world::taste_shift`]).
//!
//! A run whose work — interactions in its data window times arms of the stack —
//! exceeds `work_budget` fails too ([`over_budget`]). A failed run fits nothing: the
//! deployed version keeps serving and the run is logged `failed` with its reason
//! ([`failed_log`]), which the `training_failure` alert reads.

use rand::RngExt;

use crate::interaction::{Interaction, InteractionKind, SECS_PER_HOUR, SimSecs};
use crate::rng::{Purpose, SeedTree};
use crate::scenario::spec::{ArmSpec, FaultKind, FaultSpec};

use super::schedule::{ModelUpdateLog, UpdateDecision};

/// The training faults of a scenario (every kind but `TasteShift`) not yet applied,
/// in time order.
#[derive(Clone, Debug, Default)]
pub struct FaultQueue {
    /// (time, kind), latest first so the next due is popped from the end.
    pending: Vec<(SimSecs, FaultKind)>,
}

/// The faults that hit one training run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunFaults {
    /// Its batch of new ratings is shuffled.
    pub corrupt_batch: bool,
    /// The job fails.
    pub job_fails: bool,
    /// The candidate's SVD learning rate is multiplied by this (several: their
    /// product).
    pub lr_factor: Option<f64>,
}

impl FaultQueue {
    /// The queue of `faults` (times rounded to the simulated second).
    #[must_use]
    pub fn new(faults: &[FaultSpec]) -> Self {
        // A taste shift hits the world at its own time, not a training run.
        let mut pending: Vec<(SimSecs, FaultKind)> = faults
            .iter()
            .filter(|f| !matches!(f.kind, FaultKind::TasteShift { .. }))
            .map(|f| {
                (
                    (f.at_hours * SECS_PER_HOUR as f64).round() as SimSecs,
                    f.kind,
                )
            })
            .collect();
        // Latest first; the order of equal times does not matter: faults of one run
        // combine (learning-rate factors multiply).
        pending.sort_by_key(|&(time, _)| std::cmp::Reverse(time));
        Self { pending }
    }

    /// The faults due at a run at `at` (every pending fault at or before it), taken
    /// off the queue.
    pub fn take_due(&mut self, at: SimSecs) -> RunFaults {
        let mut run = RunFaults::default();
        while let Some(&(time, kind)) = self.pending.last() {
            if time > at {
                break;
            }
            self.pending.pop();
            match kind {
                FaultKind::CorruptBatch => run.corrupt_batch = true,
                FaultKind::JobFails => run.job_fails = true,
                FaultKind::DivergingLearningRate { factor } => {
                    run.lr_factor = Some(run.lr_factor.unwrap_or(1.0) * factor);
                }
                FaultKind::TasteShift { .. } => {}
            }
        }
        run
    }
}

/// How a training run starts, given its faults and budget.
#[derive(Debug)]
pub enum RunStart {
    /// The job failed before fitting anything: log this entry, keep the deployed
    /// version.
    Failed(Box<ModelUpdateLog>),
    /// Train, with these faults.
    Train(TrainFaults),
}

/// The faults a run trains through.
#[derive(Debug, Default)]
pub struct TrainFaults {
    /// A corrupted batch: restore the log after training ([`Corruption::restore`]).
    pub corruption: Option<Corruption>,
    /// The candidate's SVD learning rate multiplier ([`diverged_arms`]).
    pub lr_factor: Option<f64>,
}

impl TrainFaults {
    /// The faults in words, for the run's log entry; `None` when there are none.
    #[must_use]
    pub fn note(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(c) = &self.corruption {
            parts.push(format!(
                "corrupted batch, {} ratings since {} s shuffled",
                c.originals.len(),
                c.since
            ));
        }
        if let Some(f) = self.lr_factor {
            parts.push(format!("SVD learning rate × {f}"));
        }
        (!parts.is_empty()).then(|| format!("injected fault: {}", parts.join("; ")))
    }
}

/// The stack's `arms` with every SVD learning rate multiplied by `factor`.
#[must_use]
pub fn diverged_arms(arms: &[ArmSpec], factor: f64) -> Vec<ArmSpec> {
    arms.iter()
        .map(|a| {
            let mut a = a.clone();
            if let ArmSpec::Svd { learning_rate, .. } = &mut a {
                *learning_rate *= factor;
            }
            a
        })
        .collect()
}

/// What a training run of model `version` at `at` is about to do.
#[derive(Clone, Copy, Debug)]
pub struct RunPlan {
    /// Model version of the run.
    pub version: u32,
    /// When it runs.
    pub at: SimSecs,
    /// When the previous run ran: its batch of new ratings starts there.
    pub previous_at: SimSecs,
    /// Interactions in its data window (warm start: since the last deployed update;
    /// gated: the whole log).
    pub n_window: usize,
    /// Arms of the stack.
    pub n_arms: usize,
}

impl FaultQueue {
    /// Starts the run of `plan` on `log`: takes its due faults; a failing job or a
    /// run over `budget` fails, otherwise a corrupted batch is applied to `log`.
    pub fn start_run(
        &mut self,
        plan: RunPlan,
        budget: Option<u64>,
        log: &mut [Interaction],
        seeds: &SeedTree,
    ) -> RunStart {
        let hit = self.take_due(plan.at);
        if hit.job_fails {
            return RunStart::Failed(Box::new(failed_log(
                plan.version,
                plan.at,
                "injected fault: the job failed".to_owned(),
            )));
        }
        if let Some(reason) = over_budget(work(plan.n_window, plan.n_arms), budget) {
            return RunStart::Failed(Box::new(failed_log(plan.version, plan.at, reason)));
        }
        RunStart::Train(TrainFaults {
            corruption: hit
                .corrupt_batch
                .then(|| corrupt_batch(log, plan.previous_at, seeds, plan.version)),
            lr_factor: hit.lr_factor,
        })
    }
}

/// The work of a run: `n_window` interactions in its data window times `n_arms`.
#[must_use]
pub fn work(n_window: usize, n_arms: usize) -> u64 {
    (n_window as u64).saturating_mul(n_arms as u64)
}

/// Why a run over `budget` fails, if its `work` is over it.
#[must_use]
pub fn over_budget(work: u64, budget: Option<u64>) -> Option<String> {
    let budget = budget?;
    (work > budget).then(|| format!("over its work budget: {work} > {budget}"))
}

/// The log entry of a failed run of `version` at `at`; the deployed version stays.
#[must_use]
pub fn failed_log(version: u32, at: SimSecs, reason: String) -> ModelUpdateLog {
    ModelUpdateLog {
        fault: Some(reason),
        ..ModelUpdateLog::new(version, at, UpdateDecision::Failed)
    }
}

/// The original values of a corrupted batch, to put back after training.
#[derive(Clone, Debug, PartialEq)]
pub struct Corruption {
    /// Start of the batch.
    since: SimSecs,
    /// (index into the log, original value).
    originals: Vec<(usize, f32)>,
}

impl Corruption {
    /// Ratings whose value was shuffled.
    #[must_use]
    pub fn n_ratings(&self) -> usize {
        self.originals.len()
    }

    /// Puts the original values back into `log`.
    pub fn restore(self, log: &mut [Interaction]) {
        for (i, value) in self.originals {
            log[i].value = value;
        }
    }
}

/// Shuffles the values of the ratings in `log` logged at or after `since` among
/// themselves (Fisher–Yates over their log order, stream `(PipelineFault, version)`).
pub fn corrupt_batch(
    log: &mut [Interaction],
    since: SimSecs,
    seeds: &SeedTree,
    version: u32,
) -> Corruption {
    let batch: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, i)| i.kind == InteractionKind::Rating && i.time_secs >= since)
        .map(|(n, _)| n)
        .collect();
    let originals: Vec<(usize, f32)> = batch.iter().map(|&n| (n, log[n].value)).collect();
    let mut values: Vec<f32> = originals.iter().map(|&(_, v)| v).collect();
    let mut rng = seeds.stream(Purpose::PipelineFault, u64::from(version));
    for i in (1..values.len()).rev() {
        let j = rng.random_range(0..=i);
        values.swap(i, j);
    }
    for (&n, v) in batch.iter().zip(values) {
        log[n].value = v;
    }
    Corruption { since, originals }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{MovieId, UserId};

    fn rating(user: u32, movie: u32, stars: f32, t: SimSecs) -> Interaction {
        Interaction::rating(UserId(user), MovieId(movie), stars, t)
    }

    #[test]
    fn faults_hit_the_first_run_at_or_after_their_time_once() {
        let mut q = FaultQueue::new(&[
            FaultSpec {
                at_hours: 30.0,
                kind: FaultKind::JobFails,
            },
            FaultSpec {
                at_hours: 24.0,
                kind: FaultKind::CorruptBatch,
            },
        ]);
        let h = SECS_PER_HOUR;
        // Runs every 12 h: nothing at 12 h; the batch fault (24 h) hits the 24 h run;
        // the failure (30 h) hits the 36 h run, and nothing after.
        assert_eq!(q.take_due(12 * h), RunFaults::default());
        assert_eq!(
            q.take_due(24 * h),
            RunFaults {
                corrupt_batch: true,
                ..RunFaults::default()
            }
        );
        assert_eq!(
            q.take_due(36 * h),
            RunFaults {
                job_fails: true,
                ..RunFaults::default()
            }
        );
        assert_eq!(q.take_due(48 * h), RunFaults::default());
    }

    #[test]
    fn budget_counts_window_times_arms() {
        // 1,000 interactions × 4 arms = 4,000 work: over 3,999, within 4,000.
        assert_eq!(work(1_000, 4), 4_000);
        assert_eq!(
            over_budget(4_000, Some(3_999)).as_deref(),
            Some("over its work budget: 4000 > 3999")
        );
        assert_eq!(over_budget(4_000, Some(4_000)), None);
        assert_eq!(over_budget(u64::MAX, None), None);
    }

    #[test]
    fn corruption_permutes_only_the_new_ratings_and_restores() {
        let mut log = vec![
            rating(0, 0, 1.0, -5), // warm-up: before the batch
            rating(0, 1, 2.0, 10),
            Interaction {
                kind: InteractionKind::Click,
                ..rating(1, 1, 1.0, 11)
            },
            rating(1, 2, 3.0, 12),
            rating(2, 3, 4.0, 13),
            rating(3, 4, 5.0, 14),
        ];
        let before = log.clone();
        let seeds = SeedTree::new(7);
        let c = corrupt_batch(&mut log, 10, &seeds, 3);
        assert_eq!(c.n_ratings(), 4);
        // Untouched: the earlier rating and the click.
        assert_eq!(log[0], before[0]);
        assert_eq!(log[2], before[2]);
        // The batch's values are a permutation of 2, 3, 4, 5 on the same events.
        let mut got: Vec<f32> = [1, 3, 4, 5].iter().map(|&n| log[n].value).collect();
        assert_ne!(got, vec![2.0, 3.0, 4.0, 5.0], "seed 7 moves some rating");
        got.sort_by(f32::total_cmp);
        assert_eq!(got, vec![2.0, 3.0, 4.0, 5.0]);
        // Same seed and version, same shuffle.
        let mut again = before.clone();
        let _ = corrupt_batch(&mut again, 10, &seeds, 3);
        assert_eq!(again, log);
        c.restore(&mut log);
        assert_eq!(log, before);
    }

    #[test]
    fn an_empty_batch_corrupts_nothing() {
        let mut log = vec![rating(0, 0, 1.0, -5)];
        let c = corrupt_batch(&mut log, 0, &SeedTree::new(1), 2);
        assert_eq!(c.n_ratings(), 0);
        assert_eq!(log[0].value, 1.0);
    }
}
