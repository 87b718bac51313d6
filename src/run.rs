//! One run, end to end: world → replay → metrics → report files.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::bandit::state::BanditStateFile;
use crate::checkpoint::{
    CHECKPOINT_FILE, Checkpoint, CheckpointError, CheckpointOptions, Checkpointer, Written,
};
use crate::error::Result;
use crate::eval::{Engagement, Exposure, ExposureBasis, OnlineBreakdown};
use crate::pipeline::offline_table::{self, OfflineTable};
use crate::recommend::ArmFactory;
use crate::report::{self, EventLog, ReportDir};
use crate::rng::SeedTree;
use crate::scenario::Scenario;
use crate::scenario::spec::ArmSpec;
use crate::sim::{
    self, Boundaries, EventSink, NoBoundaries, NoEvents, Progress, ReplayOptions, RunOutcome,
    SlotRegretSummary,
};
use crate::world::{Segment, World};

/// Version of the `summary.json` layout.
/// Version 2 moved the users outside every experiment from `by_variant` to
/// `outside_experiments`: they are not a variant.
pub const SUMMARY_FORMAT_VERSION: u32 = 2;

/// Size of the generated world.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorldStats {
    /// Movies.
    pub n_movies: usize,
    /// Users.
    pub n_users: usize,
    /// Movies below the long-tail vote threshold.
    pub n_long_tail_movies: usize,
    /// Niche movies (niche genre or foreign language).
    pub n_niche_movies: usize,
    /// Ratings before day 0.
    pub n_warm_up_interactions: usize,
    /// Simulated days.
    pub days: u32,
}

/// Engagement of one experiment variant, or of the users outside every experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantRow {
    /// Experiment id; `None` for the users outside every experiment.
    pub experiment_id: Option<String>,
    /// Variant name.
    pub variant: String,
    /// Policy serving it.
    pub policy: String,
    /// Its metrics.
    pub engagement: Engagement,
    /// Diversity of what it recommended (Gini, coverage, novelty, long-tail share).
    pub exposure: Exposure,
}

/// Engagement of one user segment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentRow {
    /// The segment.
    pub segment: Segment,
    /// Its metrics.
    pub engagement: Engagement,
}

/// How one arm was used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmRow {
    /// Arm name.
    pub arm: String,
    /// Requests in which the policy picked it.
    pub selections: u64,
    /// Selections / requests.
    pub selection_rate: Option<f64>,
    /// Mean confidence when picked.
    pub mean_confidence: Option<f64>,
    /// Slate items credited to it.
    pub impressions: u64,
    /// Clicks on those items.
    pub clicks: u64,
    /// Clicks / impressions of its items.
    pub click_rate_per_impression: Option<f64>,
}

/// Everything `summary.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    /// Layout version of this document.
    pub format_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Seed of the run.
    pub seed: u64,
    /// The world's size.
    pub world: WorldStats,
    /// Distinct users with at least one request.
    pub active_users: u64,
    /// Engagement over all requests.
    pub overall: Engagement,
    /// Diversity of all recommendations.
    pub exposure: Exposure,
    /// Users outside every experiment, served by the stack (`None` when every user
    /// is in an experiment): not a variant.
    pub outside_experiments: Option<VariantRow>,
    /// Per experiment variant, in scenario order.
    pub by_variant: Vec<VariantRow>,
    /// Per user segment.
    pub by_segment: Vec<SegmentRow>,
    /// Per arm.
    pub by_arm: Vec<ArmRow>,
    /// Interactions produced during the replay: clicks, ratings, thumbs.
    pub interactions: InteractionCounts,
    /// Model versions trained (1 = only the initial fit).
    pub model_versions: usize,
    /// The spread of offline metrics across retrains, per arm and metric
    /// ([`retrain_variance`](crate::pipeline::retrain_variance)): gated runs only,
    /// left out when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retrain_variance: Vec<crate::pipeline::retrain_variance::MetricSpread>,
    /// Sessions, time on site, retention and engagement per arm, variant, segment
    /// and context.
    pub online: OnlineBreakdown,
}

/// Interactions produced during the replay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InteractionCounts {
    /// Clicks.
    pub clicks: u64,
    /// Ratings.
    pub ratings: u64,
    /// Thumbs.
    pub thumbs: u64,
}

fn per(n: f64, d: f64) -> Option<f64> {
    (d > 0.0).then(|| n / d)
}

impl RunSummary {
    /// The row of policy slot `slot` as the replay numbers them: 0 for the users
    /// outside every experiment (`None` when there are none), then each experiment's
    /// variants in scenario order.
    #[must_use]
    pub fn slot_row(&self, slot: usize) -> Option<&VariantRow> {
        match slot {
            0 => self.outside_experiments.as_ref(),
            _ => self.by_variant.get(slot - 1),
        }
    }

    /// Computes the summary of a finished replay.
    #[must_use]
    pub fn new(scenario: &Scenario, world: &World, outcome: &RunOutcome) -> Self {
        let catalogue = &world.catalogue;
        let basis = ExposureBasis::new(catalogue, &world.warm_up, world.population.len());
        let requests = outcome.overall.requests as f64;
        // Slot 0 serves the users outside every experiment.
        let mut variant_rows = outcome
            .by_variant
            .iter()
            .zip(&outcome.variant_exposure)
            .map(|((key, tally), counts)| VariantRow {
                experiment_id: key.experiment.clone(),
                variant: key.variant.clone(),
                policy: key.policy.clone(),
                engagement: Engagement::of(tally),
                exposure: Exposure::of(counts, &basis),
            });
        Self {
            format_version: SUMMARY_FORMAT_VERSION,
            scenario: scenario.name().to_owned(),
            seed: scenario.spec().seed,
            world: WorldStats {
                n_movies: catalogue.len(),
                n_users: world.population.len(),
                n_long_tail_movies: catalogue
                    .movies
                    .iter()
                    .filter(|m| catalogue.is_long_tail(m.id))
                    .count(),
                n_niche_movies: catalogue.movies.iter().filter(|m| m.is_niche).count(),
                n_warm_up_interactions: world.warm_up.len(),
                days: scenario.spec().horizon.days,
            },
            active_users: outcome.n_active_users,
            overall: Engagement::of(&outcome.overall),
            exposure: Exposure::of(&outcome.exposure, &basis),
            outside_experiments: variant_rows
                .next()
                .filter(|row| row.engagement.requests > 0),
            by_variant: variant_rows.collect(),
            by_segment: outcome
                .by_segment
                .iter()
                .map(|(segment, tally)| SegmentRow {
                    segment: *segment,
                    engagement: Engagement::of(tally),
                })
                .collect(),
            by_arm: outcome
                .by_arm
                .iter()
                .map(|(name, t)| ArmRow {
                    arm: name.clone(),
                    selections: t.selections,
                    selection_rate: per(t.selections as f64, requests),
                    mean_confidence: per(t.confidence_sum, t.selections as f64),
                    impressions: t.impressions,
                    clicks: t.clicks,
                    click_rate_per_impression: per(t.clicks as f64, t.impressions as f64),
                })
                .collect(),
            interactions: InteractionCounts {
                clicks: outcome.n_interactions[0],
                ratings: outcome.n_interactions[1],
                thumbs: outcome.n_interactions[2],
            },
            model_versions: outcome.model_updates.len(),
            retrain_variance: crate::pipeline::retrain_variance::retrain_variance(
                &outcome.model_updates,
            ),
            online: OnlineBreakdown::of(outcome),
        }
    }
}

/// What a finished run hands back.
#[derive(Clone, Debug)]
pub struct Finished {
    /// The report folder.
    pub report_dir: PathBuf,
    /// The summary written to it.
    pub summary: RunSummary,
    /// The offline table written to it (`None` with `report.offline_users: 0`).
    pub offline: Option<OfflineTable>,
    /// Regret per policy slot, with `report.regret: true`.
    pub regret: Option<Vec<SlotRegretSummary>>,
    /// The experiments' analyses (`None` without experiments).
    pub experiments: Option<crate::experiment::ExperimentsReport>,
    /// The checkpoints this process wrote (with `--checkpoint-every-days`).
    pub checkpoints: Vec<Written>,
}

/// Stages of a run, for progress display.
#[derive(Clone, Copy, Debug)]
pub enum Stage {
    /// Generating the world.
    World,
    /// Training and scoring every arm offline.
    Offline,
    /// A simulated day finished.
    Day(Progress),
    /// Writing the report.
    Report,
}

/// Runs a scenario and writes its report to `out_dir` atomically: the files appear
/// together or not at all.
///
/// # Errors
///
/// I/O errors creating or writing the report folder.
pub fn run(
    scenario: &Scenario,
    out_dir: &Path,
    on_stage: &mut dyn FnMut(Stage),
) -> Result<Finished> {
    run_with(scenario, out_dir, on_stage, None)
}

/// [`run`], with the policies starting from a saved bandit state (`bandit_state.json`
/// of an earlier report, or a migrated older file) instead of their priors.
///
/// # Errors
///
/// As [`run`], and [`crate::Error::BanditState`] when the state cannot be read or does
/// not fit the scenario (arms, slots, policies, context features).
pub fn run_with(
    scenario: &Scenario,
    out_dir: &Path,
    on_stage: &mut dyn FnMut(Stage),
    resume: Option<&Path>,
) -> Result<Finished> {
    let options = RunOptions {
        resume_bandit: resume,
        ..RunOptions::default()
    };
    match run_resumable(scenario, out_dir, on_stage, &options)? {
        RunEnd::Finished(finished) => Ok(*finished),
        RunEnd::Interrupted { .. } => unreachable!("a run without checkpoints is never stopped"),
    }
}

/// Options of [`run_resumable`].
#[derive(Clone, Debug, Default)]
pub struct RunOptions<'a> {
    /// Start the policies from this saved bandit state (as [`run_with`]).
    pub resume_bandit: Option<&'a Path>,
    /// Write checkpoints (and stop at a midnight when asked to).
    pub checkpoints: Option<CheckpointOptions>,
    /// Continue the run whose checkpoint is in `checkpoints.dir` instead of starting
    /// at day 0.
    pub resume: bool,
}

/// How a run with checkpoints ended.
#[derive(Clone, Debug)]
pub enum RunEnd {
    /// It ran to the horizon and wrote its report.
    Finished(Box<Finished>),
    /// It was stopped at a midnight, after writing a checkpoint there; no report
    /// folder was written.
    Interrupted {
        /// Simulated days completed.
        day: u32,
        /// The checkpoint folder to resume from.
        dir: PathBuf,
        /// The checkpoints written by this process.
        written: Vec<Written>,
    },
}

/// [`run_with`], writing checkpoints and resuming from one as `options` say: the
/// report of a run stopped and resumed any number of times is byte for byte the
/// report of the run straight through (docs/CHECKPOINTS.md). On success the
/// checkpoint file is removed, and the event log moved into the report.
///
/// # Errors
///
/// As [`run_with`]; [`crate::Error::Checkpoint`] when the checkpoint cannot be read,
/// is of another format version or another scenario, when a fresh run would
/// overwrite one, or one cannot be written.
pub fn run_resumable(
    scenario: &Scenario,
    out_dir: &Path,
    on_stage: &mut dyn FnMut(Stage),
    options: &RunOptions<'_>,
) -> Result<RunEnd> {
    let checkpoint = match &options.checkpoints {
        Some(c) if options.resume => Some(Checkpoint::read(&c.dir, scenario)?),
        Some(c) => {
            let existing = c.dir.join(CHECKPOINT_FILE);
            if existing.exists() {
                return Err(CheckpointError::Write {
                    path: existing,
                    source: std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        "a checkpoint of an earlier run is there; fix: `--resume` to continue \
                         it, or remove the folder, or choose another --checkpoint-dir",
                    ),
                }
                .into());
            }
            None
        }
        None => None,
    };
    let seeds = SeedTree::new(scenario.spec().seed);
    let resumed = match options.resume_bandit {
        None => None,
        Some(path) => {
            let arms: Vec<&str> = scenario
                .spec()
                .stack
                .arms
                .iter()
                .map(|a| a.name())
                .collect();
            let fresh = sim::initial_policies(scenario, &seeds);
            Some(BanditStateFile::read(path)?.to_slots(path, &arms, &fresh)?)
        }
    };
    let dir = ReportDir::create(out_dir)?;
    on_stage(Stage::World);
    let world = World::generate(scenario, &seeds);
    // Vector files are read here first so a bad one is reported as itself, not as
    // a replay I/O error.
    let factory = ArmFactory::new(&world, seeds, scenario.spec().context.fatigue.window);
    for (i, arm) in scenario.spec().stack.arms.iter().enumerate() {
        if matches!(
            arm,
            ArmSpec::Embeddings {
                vectors: Some(_),
                ..
            }
        ) {
            factory.build(arm, i as u64)?;
        }
    }
    on_stage(Stage::Offline);
    // The offline table and the replay's day-0 fit are independent: on two cores the
    // two longest trainings (each an SVD) run side by side.
    let (offline, fitted) = rayon::join(
        || offline_table::evaluate(scenario, &seeds, &world),
        || sim::fit_arms(scenario, &seeds, &world),
    );
    let offline = offline?;
    let last_day = checkpoint.as_ref().map_or(0, |c| c.day);
    let events_bytes = checkpoint.as_ref().map(|c| c.events_bytes);
    let replay_options = ReplayOptions {
        resume: resumed.as_deref(),
        fitted: Some(fitted.map_err(|e| dir.io_error(report::EVENTS_FILE, e))?),
        restore: checkpoint.map(|c| c.state),
    };
    let mut checkpointer = options
        .checkpoints
        .as_ref()
        .map(|c| Checkpointer::new(c, scenario, last_day));
    let boundaries: &mut dyn Boundaries = match &mut checkpointer {
        Some(c) => c,
        None => &mut NoBoundaries,
    };
    // With checkpoints the event log grows in the checkpoint folder, which outlives
    // an interrupted run; it joins the report when the run is done.
    let events_path = match &options.checkpoints {
        Some(c) => {
            std::fs::create_dir_all(&c.dir).map_err(|source| crate::Error::Io {
                path: c.dir.clone(),
                source,
            })?;
            c.dir.join(report::EVENTS_FILE)
        }
        None => dir.path(report::EVENTS_FILE),
    };
    let mut progress = |p: Progress| on_stage(Stage::Day(p));
    let outcome = if scenario.spec().report.event_log {
        let mut sink = match events_bytes {
            Some(bytes) => EventLog::resume(&events_path, bytes)?,
            None => EventLog::create(&events_path)?,
        };
        let outcome = sim::replay_until(
            scenario,
            &seeds,
            &world,
            &mut sink as &mut dyn EventSink,
            &mut progress,
            replay_options,
            boundaries,
        )
        .map_err(|e| dir.io_error(report::EVENTS_FILE, e))?;
        sink.finish()
            .map_err(|e| dir.io_error(report::EVENTS_FILE, e))?;
        outcome
    } else {
        sim::replay_until(
            scenario,
            &seeds,
            &world,
            &mut NoEvents,
            &mut progress,
            replay_options,
            boundaries,
        )
        .map_err(|e| dir.io_error(report::EVENTS_FILE, e))?
    };
    let Some(outcome) = outcome else {
        let checkpointer = checkpointer.expect("only a checkpointer stops a replay");
        let c = options.checkpoints.as_ref().expect("checkpoints are on");
        return Ok(RunEnd::Interrupted {
            day: checkpointer.stopped_at().expect("stopped at a boundary"),
            dir: c.dir.clone(),
            written: checkpointer.written().to_vec(),
        });
    };
    if options.checkpoints.is_some() && scenario.spec().report.event_log {
        move_file(&events_path, &dir.path(report::EVENTS_FILE))?;
    }
    on_stage(Stage::Report);
    let summary = RunSummary::new(scenario, &world, &outcome);
    let experiments = crate::experiment::analyse(scenario, &world, &outcome);
    let alerts = scenario
        .spec()
        .pipeline
        .alerts
        .as_ref()
        .map(|spec| run_alerts(spec, scenario, &outcome, experiments.as_ref()));
    report::write_run(
        &dir,
        &report::analytics::RunView {
            scenario,
            world: &world,
            summary: &summary,
            outcome: &outcome,
            offline: offline.as_ref(),
            experiments: experiments.as_ref(),
            alerts: alerts.as_deref(),
        },
    )?;
    let report_dir = dir.commit()?;
    if let Some(c) = &options.checkpoints {
        // The run is whole: its checkpoint is spent. The folder goes too when empty.
        let file = c.dir.join(CHECKPOINT_FILE);
        if file.exists() {
            std::fs::remove_file(&file)
                .map_err(|source| crate::Error::Io { path: file, source })?;
        }
        let _ = std::fs::remove_dir(&c.dir);
    }
    let regret = outcome.regret.as_ref().map(|ledger| {
        let keys: Vec<_> = outcome.by_variant.iter().map(|(k, _)| k.clone()).collect();
        let arms: Vec<&str> = outcome.by_arm.iter().map(|(n, _)| n.as_str()).collect();
        SlotRegretSummary::all(ledger, &keys, &arms)
    });
    Ok(RunEnd::Finished(Box::new(Finished {
        report_dir,
        summary,
        offline,
        regret,
        experiments,
        checkpoints: checkpointer
            .map(|c| c.written().to_vec())
            .unwrap_or_default(),
    })))
}

/// Moves `from` to `to`, copying when they are on different file systems.
fn move_file(from: &Path, to: &Path) -> Result<()> {
    let io = |path: &Path, source| crate::Error::Io {
        path: path.to_owned(),
        source,
    };
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(from, to).map_err(|e| io(to, e))?;
    std::fs::remove_file(from).map_err(|e| io(from, e))
}

/// The monitoring alerts of a finished run (`pipeline.alerts`).
fn run_alerts(
    spec: &crate::scenario::spec::AlertSpec,
    scenario: &Scenario,
    outcome: &sim::RunOutcome,
    experiments: Option<&crate::experiment::ExperimentsReport>,
) -> Vec<crate::pipeline::alerts::Alert> {
    use crate::pipeline::alerts::{BucketCounts, RunView, evaluate};
    let buckets: Vec<BucketCounts<'_>> = outcome
        .timeseries
        .iter()
        .map(|b| BucketCounts {
            impressions: b.tally.impressions,
            long_tail_impressions: b.tally.long_tail_impressions,
            ratings: b.tally.ratings,
            rating_sum: b.tally.rating_sum,
            arm_selections: &b.arm_selections,
        })
        .collect();
    let arm_names: Vec<&str> = outcome.by_arm.iter().map(|(n, _)| n.as_str()).collect();
    evaluate(
        spec,
        &RunView {
            buckets: &buckets,
            bucket_hours: scenario.spec().report.timeseries_bucket_hours,
            arm_names: &arm_names,
            model_updates: &outcome.model_updates,
            horizon_days: scenario.spec().horizon.days,
            experiments,
            rollback_threshold: scenario
                .spec()
                .pipeline
                .rollout
                .as_ref()
                .map(|r| r.rollback_threshold),
        },
    )
}
