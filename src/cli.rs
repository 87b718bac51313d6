//! Command-line interface: the only place that prints for humans.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use recolab::bandit::state::{Migration, migrate_file};
use recolab::check::{
    Baseline, ReportMetrics, Tolerance as CheckTolerance, Verdict, bounds_table, check_bounds,
    compare, comparison_table,
};
use recolab::checkpoint::CheckpointOptions;
use recolab::cost::{Estimate, available_memory, estimate, human_bytes};
use recolab::data::{
    Dataset, LogShape, Quantiles, SegmentThresholds, log_shape, read_items, read_movies,
    read_qrels, read_ratings, read_run,
};
use recolab::eval::{EvalProgress, ExternalSettings, Gain, evaluate_external};
use recolab::eval_run::{EvalSource, default_scenario, ratings_name, run_evaluation};
use recolab::fit::{Fit, FitTarget, MAX_ROUNDS, Tolerance, fit};
use recolab::ope::{OpeOptions, OpePlan, RewardKind};
use recolab::report::{HEADLINE_METRICS, interval_cell, write_file_atomically};
use recolab::report::{compare_markdown, write_compare};
use recolab::report::{sweep_markdown, write_shard, write_sweep};
use recolab::run::{RunEnd, RunOptions, Stage, run_resumable};
use recolab::scenario::limits::thousands;
use recolab::scenario::{STARTER_SCENARIO, Scenario};
use recolab::serve::Server;
use recolab::sweep::{SHARD_FILE, Setting, Shard, ShardFile, SweepPlan, SweepReport, merge};
use recolab::world_export::{ExportStage, export_world};

/// `print!` to stdout, except that a closed stdout (`recolab validate … | head`) is
/// not an error: the rest of the output is dropped and the command goes on, where
/// `print!` would panic. Results that matter go to files.
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// `println!` with the closed-stdout behaviour of [`out!`].
macro_rules! outln {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

const EXAMPLES: &str = "\
Examples:
  recolab run scenarios/default.ron              run a scenario, report in reports/default/
  recolab run scenarios/default.ron --seed 7     the same world and stack with another seed
  recolab run my.ron --out /tmp/my-report        choose the report folder
  recolab validate scenarios/default.ron         check a scenario without running it
  recolab init my_experiment                     write a commented starter scenario
  recolab eval scenarios/offline_evaluation.ron  train and score every arm offline, with folds
  recolab eval --ratings ml-100k/u.data --movies ml-100k/u.item
                                                 the same on a real MovieLens log
  recolab metrics --run run.txt --qrels qrels.txt --items items.csv
                                                 score lists made by another system (JSON)
  recolab compare scenarios/context_shift.ron --policy static --policy thompson --policy \"thompson(prior=2,8)\" --policy ucb1 --seeds 20
                                                 policies on the same worlds and users
  recolab run scenarios/ci.ron --out target/ci --update-baseline reports/baselines/ci.json
                                                 run and rewrite a committed baseline on purpose
  recolab check target/ci --baseline reports/baselines/ci.json
                                                 fail (exit 1) when diversity regressed
  recolab run s.ron --resume-bandit reports/s/bandit_state.json
                                                 start the policies from a saved state
  recolab sweep scenarios/long_tail_discovery.ron --seeds 20 --set stack.diversity.weight=0.1,0.3,0.5
                                                 a grid × seeds with 95% intervals
  recolab sweep s.ron --seeds 20 --set a.b=1,2 --shard 3/10 --out out/shard-3
                                                 one slice of a sweep (an array job's task)
  recolab merge out/shard-* --out out/sweep      combine the slices
  recolab serve reports/default --port 8080      the dashboard and /analytics/… on localhost
  recolab migrate old_bandit_state.json          upgrade a bandit state to the current version
  recolab world scenarios/default.ron --out worlds/default
                                                 write the generated world as MovieLens-style CSV
  recolab stats ml-100k/u.data --against worlds/default/ratings.csv
                                                 a log's shape (popularity skew, activity, stars)
                                                 beside a generated world's
  recolab fit --ratings ml-100k/u.data --movies ml-100k/u.item --out ml100k.ron
                                                 a world fitted to a real log, as a scenario
  recolab ope scenarios/ope_bandit_tuning.ron --seeds 20 --target thompson --target ucb1
                                                 off-policy estimates of bandit tunings beside the truth
  recolab ope s.ron --log reports/s --target \"thompson(prior=2,8)\"
                                                 the same from one run's event log
  recolab aa scenarios/aa_check.ron --runs 500   A/A series: false-positive rates of each test
  recolab power scenarios/ab_bandit_vs_baseline.ron --runs 100
                                                 power, bias and coverage against the true effect

Exit status: 0 success, 1 a failed check, 2 an error (bad scenario, I/O).";

/// A deterministic simulation and benchmarking lab for movie recommenders.
#[derive(Debug, Parser)]
#[command(name = "recolab", version, about, after_help = EXAMPLES)]
struct Cli {
    /// No progress or timing on stderr, for every command (errors, warnings and
    /// results still print).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its report.
    #[command(after_help = EXAMPLES)]
    Run {
        /// The scenario file (RON).
        scenario: PathBuf,
        /// Report folder [default: reports/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Start the policies from this saved bandit state (`bandit_state.json`).
        #[arg(long, value_name = "FILE", conflicts_with = "resume")]
        resume_bandit: Option<PathBuf>,
        /// Write a checkpoint every N simulated days (at midnight), and on
        /// SIGINT/SIGTERM stop at the next midnight with one; see docs/CHECKPOINTS.md.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        checkpoint_every_days: Option<u32>,
        /// The checkpoint folder [default: OUT.checkpoint].
        #[arg(long, value_name = "DIR", conflicts_with = "resume")]
        checkpoint_dir: Option<PathBuf>,
        /// Continue the interrupted run whose checkpoint folder is DIR (same scenario
        /// and seed); its report is the uninterrupted run's, byte for byte.
        #[arg(long, value_name = "DIR")]
        resume: Option<PathBuf>,
        /// Stop with a checkpoint at the first midnight at or after day D, as an
        /// interruption would (tests, demonstrations).
        #[arg(long, value_name = "D", hide = true)]
        stop_after_days: Option<u32>,
        /// Refuse to run when the memory estimate exceeds SIZE (e.g. 4G, 512M)
        /// [default: the machine's available memory].
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_memory: Option<f64>,
        /// Rewrite this baseline file from the finished report (on purpose: commit it
        /// with the change that moved the metrics).
        #[arg(long, value_name = "FILE")]
        update_baseline: Option<PathBuf>,
    },
    /// Compare a report's metrics with a committed baseline and its scenario's bounds.
    ///
    /// Exit 1 when a metric regressed beyond its tolerance (Gini or regret up;
    /// coverage, novelty, serendipity or long-tail share down) or a `checks` bound of
    /// the report's scenario is broken; 0 otherwise; 2 for unusable input. See
    /// docs/CI.md.
    #[command(after_help = EXAMPLES)]
    Check {
        /// The report folder.
        report: PathBuf,
        /// The baseline file (`recolab run --update-baseline FILE` writes one).
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// Allowances per metric (JSON) [default: 2% of the baseline value].
        #[arg(long, value_name = "FILE", requires = "baseline")]
        tolerance: Option<PathBuf>,
    },
    /// Run a grid of scenario variations × seeds in parallel, with 95% intervals.
    ///
    /// Every combination of the `--set` values is a cell; each cell runs on seeds
    /// 0..N (replicates of the scenario's seed). Writes sweep.json, sweep.md,
    /// sweep.csv and a plot per metric. With --shard I/N only slice I of N runs and
    /// writes shard.json; `recolab merge` combines the slices (docs/SCALING.md).
    #[command(after_help = EXAMPLES)]
    Sweep {
        /// The scenario file (RON).
        scenario: PathBuf,
        /// A field and its values: PATH=V1,V2,… (repeat for a grid), e.g.
        /// stack.diversity.weight=0.1,0.3,0.5.
        #[arg(long = "set", value_name = "PATH=V1,V2,…")]
        sets: Vec<String>,
        /// Seeds per cell.
        #[arg(long, default_value_t = 20)]
        seeds: usize,
        /// Run only slice I of N (1-based), e.g. 3/10.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Output folder [default: reports/<scenario name>-sweep, or …-shard-I-of-N].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Combine the slices of a sharded sweep into the whole sweep's files.
    #[command(after_help = EXAMPLES)]
    Merge {
        /// The slices' folders (or their shard.json files).
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve a report's analytics and dashboard over HTTP, read-only.
    ///
    /// GET / is the dashboard, GET /analytics/NAME the documents (diversity-metrics,
    /// algorithm-performance, bandit-state, experiments, long-tail-coverage); any
    /// other report file by its path. Binds 127.0.0.1 unless --bind says otherwise.
    Serve {
        /// The report folder.
        report: PathBuf,
        /// Port (0 = any free port).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to bind; anything but a loopback address exposes the report to
        /// the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
    },
    /// Compare policies on the same worlds and users over many seeds.
    ///
    /// Policy syntax: `thompson`, `thompson(prior=2,8,context=daypart+day_type,
    /// discount=0.999,pooling=10)`, `epsilon_greedy(epsilon=0.1)`, `ucb1(c=2)`,
    /// `static` or `static(popularity=0.7,random=0.3)`, `uniform`, `oracle`
    /// (see docs/BANDIT_SELECTOR.md).
    Compare {
        /// The scenario file (RON); its experiments are ignored.
        scenario: PathBuf,
        /// A policy to compare (repeat); the first is the reference of the Δ columns.
        #[arg(long = "policy", value_name = "POLICY", required = true)]
        policies: Vec<String>,
        /// Number of seeds (replicates 0..N of the scenario's seed).
        #[arg(long, default_value_t = 20)]
        seeds: usize,
        /// Output folder [default: reports/<scenario name>-compare].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Off-policy evaluation: target policies estimated from logged propensities,
    /// each estimate beside the truth.
    ///
    /// With --log REPORT, reads REPORT/events.jsonl (a run with `report: (event_log:
    /// true, propensities: true)`); with --seeds N, generates a log on each of N seeds.
    /// Each target (policy syntax as `compare --policy`) is estimated with IPS, SNIPS,
    /// DM, DR and switch-DR, with 95% bootstrap intervals, then deployed on the same
    /// world for its true value; over seeds, each estimator's bias, RMSE and coverage
    /// (docs/OFF_POLICY_EVALUATION.md). Writes ope.json and ope.md.
    #[command(after_help = EXAMPLES)]
    #[command(group(clap::ArgGroup::new("source").required(true).args(["log", "seeds"])))]
    Ope {
        /// The scenario file (RON); its stack's policy is the logging policy.
        scenario: PathBuf,
        /// A report folder of a run of SCENARIO with the event log and propensities on.
        #[arg(long, value_name = "REPORT")]
        log: Option<PathBuf>,
        /// Generate the logs on this many seeds (replicates 0..N of the scenario's seed).
        #[arg(long)]
        seeds: Option<usize>,
        /// A target policy (repeat).
        #[arg(long = "target", value_name = "POLICY", required = true)]
        targets: Vec<String>,
        /// The reward whose value per request is estimated.
        #[arg(long, value_enum, default_value = "success")]
        reward: RewardArg,
        /// Posterior draws per request behind a Thompson target's probabilities.
        #[arg(long, default_value_t = recolab::ope::DEFAULT_TARGET_DRAWS)]
        target_draws: usize,
        /// Bootstrap replicates per interval.
        #[arg(long, default_value_t = recolab::ope::DEFAULT_BOOTSTRAP)]
        bootstrap: usize,
        /// Output folder [default: reports/<scenario name>-ope].
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress on stderr.
        #[arg(long, short)]
        quiet: bool,
    },
    /// A/A experiments on fresh seeds: the false-positive rate of each test.
    ///
    /// Every variant of the first experiment runs the control's stack; each run is a
    /// fresh seed with a fresh assignment salt. Counts rejections at alpha of the
    /// fixed-horizon test, the sequential rule, naive peeking and a naive
    /// request-level test, with 99% binomial intervals (docs/AB_TESTING_GUIDE.md).
    /// Exit 1 when the fixed-horizon test or the sequential rule is outside the 99%
    /// region around alpha.
    #[command(after_help = EXAMPLES)]
    Aa {
        /// The scenario file (RON).
        scenario: PathBuf,
        /// Runs (replicates 0..N of the scenario's seed).
        #[arg(long, default_value_t = 500)]
        runs: usize,
        /// Output folder [default: reports/<scenario name>-aa].
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress on stderr.
        #[arg(long, short)]
        quiet: bool,
    },
    /// The scenario's experiments on fresh seeds: measured power, bias and coverage
    /// against the true effect, requests needed (A/B beside interleaving).
    #[command(after_help = EXAMPLES)]
    Power {
        /// The scenario file (RON).
        scenario: PathBuf,
        /// Runs (replicates 0..N of the scenario's seed).
        #[arg(long, default_value_t = 100)]
        runs: usize,
        /// Output folder [default: reports/<scenario name>-power].
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress on stderr.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Upgrade a bandit-state file to the current format version, in place.
    Migrate {
        /// The bandit-state file (JSON).
        file: PathBuf,
    },
    /// Check a scenario: syntax, unknown fields, ranges, consistency.
    Validate {
        /// The scenario file (RON).
        scenario: PathBuf,
    },
    /// Train and score every arm of a stack offline: folds, metrics, 95% intervals.
    ///
    /// On a scenario's generated world (its warm-up ratings) or, with --ratings, on a
    /// real log: MovieLens 100k (u.data, u.item), 1M (ratings.dat, movies.dat), latest
    /// (ratings.csv, movies.csv) or CSV `user_id,item_id,rating,timestamp`. The
    /// scenario, when given with --ratings, supplies the arms and the `evaluation`
    /// settings. Writes eval.json and eval.md.
    #[command(after_help = EXAMPLES)]
    Eval {
        /// The scenario file (RON) [default with --ratings: the default stack].
        scenario: Option<PathBuf>,
        /// A real rating log instead of the scenario's generated world.
        #[arg(long)]
        ratings: Option<PathBuf>,
        /// The movies file of the log (titles, genres).
        #[arg(long, requires = "ratings")]
        movies: Option<PathBuf>,
        /// A tag file of the log (MovieLens tags.csv, tags.dat, or CSV item_id,tag):
        /// the content arms' learned item vectors and the graph arm use the tags.
        #[arg(long, requires = "ratings")]
        tags: Option<PathBuf>,
        /// Report folder [default: reports/<name>/eval].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Score recommendation lists made elsewhere against judgements; JSON on stdout.
    ///
    /// Runs: TREC `user Q0 item rank score tag` or CSV `user_id,item_id,score`.
    /// Qrels: TREC `user 0 item relevance` or CSV `user_id,item_id,relevance`. With
    /// --items (CSV `item_id,popularity,genres`, genres `|`-separated; its items are
    /// the catalogue) adds coverage, Gini, novelty, ARP/APLT, genre ILD, calibration
    /// and homogenisation.
    Metrics {
        /// The lists (run file).
        #[arg(long)]
        run: PathBuf,
        /// The judgements (qrels file).
        #[arg(long)]
        qrels: PathBuf,
        /// List length K.
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// The item table (catalogue) for beyond-accuracy metrics.
        #[arg(long)]
        items: Option<PathBuf>,
        /// Grades at or above this are relevant.
        #[arg(long, default_value_t = 1.0)]
        threshold: f64,
        /// nDCG gain: the grade (linear) or 2^grade − 1 (exponential).
        #[arg(long, value_enum, default_value_t = GainArg::Linear)]
        gain: GainArg,
        /// Users behind the item table's popularity counts (adds self-information).
        #[arg(long)]
        n_users: Option<usize>,
        /// Score users with relevant judgements but no list as empty lists
        /// (trec_eval -c).
        #[arg(long)]
        complete: bool,
    },
    /// The shape of a rating log: popularity skew, user activity, star scale.
    ///
    /// Reads the logs `recolab eval --ratings` reads (MovieLens u.data, ratings.dat,
    /// ratings.csv, CSV `user_id,item_id,rating,timestamp`) and prints each statistic
    /// (see docs/REALISM.md); with --against, a second log beside it.
    #[command(after_help = EXAMPLES)]
    Stats {
        /// The rating log.
        ratings: PathBuf,
        /// The log's movies file: adds the catalogue size, unrated movies included.
        #[arg(long)]
        movies: Option<PathBuf>,
        /// A second rating log to show beside the first (e.g. a world's ratings.csv).
        #[arg(long, value_name = "OTHER_RATINGS")]
        against: Option<PathBuf>,
        /// Also write the statistics as JSON to FILE.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Write a scenario's generated world as MovieLens-style files.
    ///
    /// DIR gets ratings.csv (the warm-up ratings, `userId,movieId,rating,timestamp`),
    /// movies.csv, users.csv and stats.json (the log's shape); `recolab eval --ratings
    /// DIR/ratings.csv --movies DIR/movies.csv` and `recolab stats` read them back.
    #[command(after_help = EXAMPLES)]
    World {
        /// The scenario file (RON).
        scenario: PathBuf,
        /// Output folder, written atomically (replaced if it exists).
        #[arg(long)]
        out: PathBuf,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Fit a world to a real rating log and write it as a scenario.
    ///
    /// Chooses catalogue and population size, genre mix (from --movies), activity,
    /// popularity, rating scale and the popularity–rating link so that the generated
    /// world's warm-up log has the log's shape, then prints target beside fitted (see
    /// docs/REALISM.md). Exit 1 when a statistic stays outside its tolerance (the
    /// scenario is still written).
    #[command(after_help = EXAMPLES)]
    Fit {
        /// The rating log (the formats `recolab stats` reads).
        #[arg(long)]
        ratings: PathBuf,
        /// The log's movies file: genres and release years.
        #[arg(long)]
        movies: Option<PathBuf>,
        /// The scenario file to write (RON).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the fitted world.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Write a commented starter scenario to NAME.ron.
    Init {
        /// Scenario name; the file is NAME.ron in the current folder.
        #[arg(default_value = "my_scenario")]
        name: String,
    },
}

/// Exit code of a run stopped with a checkpoint (SIGINT, SIGTERM, --stop-after-days).
const INTERRUPTED_EXIT: u8 = 3;

/// Parses arguments, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", error_text(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each cause once: errors that print their source in
/// their own message (`path: cannot read: No such file`) are not repeated by it.
fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let cause = cause.to_string();
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Run {
            scenario,
            out,
            seed,
            resume_bandit,
            checkpoint_every_days,
            checkpoint_dir,
            resume,
            stop_after_days,
            max_memory,
            update_baseline,
        } => run_command(
            &scenario,
            out,
            seed,
            quiet,
            &RunFlags {
                resume_bandit,
                checkpoint_every_days,
                checkpoint_dir,
                resume,
                stop_after_days,
            },
            max_memory,
            update_baseline.as_deref(),
        ),
        Command::Check {
            report,
            baseline,
            tolerance,
        } => check_command(&report, baseline.as_deref(), tolerance.as_deref()),
        Command::Compare {
            scenario,
            policies,
            seeds,
            out,
        } => compare_command(&scenario, &policies, seeds, out, quiet),
        Command::Sweep {
            scenario,
            sets,
            seeds,
            shard,
            out,
        } => sweep_command(&scenario, &sets, seeds, shard.as_deref(), out, quiet),
        Command::Merge { shards, out } => merge_command(&shards, &out),
        Command::Serve { report, port, bind } => serve_command(&report, bind, port),
        Command::Aa {
            scenario,
            runs,
            out,
            quiet,
        } => trials_command(&scenario, Trials::Aa, runs, out, quiet),
        Command::Power {
            scenario,
            runs,
            out,
            quiet,
        } => trials_command(&scenario, Trials::Power, runs, out, quiet),
        Command::Ope {
            scenario,
            log,
            seeds,
            targets,
            reward,
            target_draws,
            bootstrap,
            out,
            quiet,
        } => ope_command(
            &scenario,
            log.as_deref(),
            seeds,
            &targets,
            OpeOptions {
                reward: match reward {
                    RewardArg::Success => RewardKind::Success,
                    RewardArg::Click => RewardKind::Click,
                },
                target_draws,
                bootstrap,
            },
            out,
            quiet,
        ),
        Command::Migrate { file } => migrate_command(&file),
        Command::Validate { scenario } => validate_command(&scenario),
        Command::Init { name } => init_command(&name),
        Command::World {
            scenario,
            out,
            seed,
        } => world_command(&scenario, &out, seed, quiet),
        Command::Fit {
            ratings,
            movies,
            out,
            seed,
        } => fit_command(&ratings, movies.as_deref(), &out, seed, quiet),
        Command::Stats {
            ratings,
            movies,
            against,
            json,
        } => stats_command(
            &ratings,
            movies.as_deref(),
            against.as_deref(),
            json.as_deref(),
            quiet,
        ),
        Command::Eval {
            scenario,
            ratings,
            movies,
            tags,
            out,
            seed,
        } => eval_command(
            scenario.as_deref(),
            EvalFiles {
                ratings: ratings.as_deref(),
                movies: movies.as_deref(),
                tags: tags.as_deref(),
            },
            out,
            seed,
            quiet,
        ),
        Command::Metrics {
            run,
            qrels,
            k,
            items,
            threshold,
            gain,
            n_users,
            complete,
        } => metrics_command(
            &run,
            &qrels,
            items.as_deref(),
            ExternalSettings {
                k,
                relevance_threshold: threshold,
                gain: match gain {
                    GainArg::Linear => Gain::Linear,
                    GainArg::Exponential => Gain::Exponential,
                },
                complete,
                n_users,
                homogenisation_users: 1_000,
            },
        ),
    }
}

/// `recolab run`'s flags about where a run starts and what it saves.
struct RunFlags {
    resume_bandit: Option<PathBuf>,
    checkpoint_every_days: Option<u32>,
    checkpoint_dir: Option<PathBuf>,
    resume: Option<PathBuf>,
    stop_after_days: Option<u32>,
}

impl RunFlags {
    /// The run's options; with checkpoints, SIGINT and SIGTERM set the stop flag
    /// (a second one ends the process at once).
    fn options(&self, out: &Path) -> anyhow::Result<RunOptions<'_>> {
        let dir = match (&self.resume, &self.checkpoint_dir) {
            (Some(dir), _) | (None, Some(dir)) => Some(dir.clone()),
            (None, None) if self.checkpoint_every_days.is_some() => {
                let mut name = out.as_os_str().to_owned();
                name.push(".checkpoint");
                Some(PathBuf::from(name))
            }
            (None, None) => None,
        };
        if dir.is_none() && self.stop_after_days.is_some() {
            bail!("--stop-after-days needs --checkpoint-every-days N or --resume DIR");
        }
        let checkpoints = match dir {
            None => None,
            Some(dir) => {
                let every_days = match (self.checkpoint_every_days, &self.resume) {
                    (Some(n), _) => n,
                    (None, Some(_)) => recolab::checkpoint::saved_cadence(&dir)
                        .with_context(|| format!("resuming from {}", dir.display()))?,
                    (None, None) => unreachable!("a folder comes with a cadence or --resume"),
                };
                let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
                    signal_hook::flag::register_conditional_shutdown(signal, 130, stop.clone())
                        .context("installing the signal handler")?;
                    signal_hook::flag::register(signal, stop.clone())
                        .context("installing the signal handler")?;
                }
                Some(CheckpointOptions {
                    dir,
                    every_days,
                    stop,
                    stop_after_days: self.stop_after_days,
                })
            }
        };
        Ok(RunOptions {
            resume_bandit: self.resume_bandit.as_deref(),
            checkpoints,
            resume: self.resume.is_some(),
        })
    }
}

fn run_command(
    path: &Path,
    out: Option<PathBuf>,
    seed: Option<u64>,
    quiet: bool,
    flags: &RunFlags,
    max_memory: Option<f64>,
    update_baseline: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let mut scenario = Scenario::from_file(path)?;
    if let Some(seed) = seed {
        scenario = scenario.with_seed(seed);
    }
    let cost = refuse_beyond_memory(path, &scenario, max_memory)?;
    if cost.seconds > LONG_RUN_SECS {
        // Said even with -q: a run of days is almost always a mistake in the scenario.
        eprintln!(
            "recolab: warning: {}: this run is estimated at about {} ({:.0} requests at most); \
             `recolab validate` shows what drives it",
            path.display(),
            human_seconds(cost.seconds),
            cost.requests
        );
    }
    let out = out.unwrap_or_else(|| Path::new("reports").join(scenario.name()));
    let started = Instant::now();
    let mut stage_started = Instant::now();
    // On a terminal a progress bar counts the days; in logs every day is a line.
    let terminal = std::io::stderr().is_terminal();
    let bar = progress_bar(
        u64::from(scenario.spec().horizon.days),
        "replay, day",
        quiet || !terminal,
    );
    let mut replaying = false;
    let mut on_stage = |stage: Stage| {
        if quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        // Progress is best effort: a closed stderr must not fail the run.
        let _ = match stage {
            Stage::World => writeln!(
                err,
                "recolab: generating the world of {} …",
                scenario.name()
            ),
            Stage::Offline => {
                let r = writeln!(
                    err,
                    "recolab: world ready in {:.1?}; training every arm (offline table and day-0 models) …",
                    stage_started.elapsed()
                );
                stage_started = Instant::now();
                r
            }
            Stage::Day(p) => {
                // The first day reported: day 1, or the day after a resumed checkpoint
                // (whose arms were brought to its model version first).
                if !replaying {
                    replaying = true;
                    let ready = format!("recolab: arms ready in {:.1?}", stage_started.elapsed());
                    if terminal {
                        bar.println(ready);
                    } else {
                        let _ = writeln!(err, "{ready}");
                    }
                    stage_started = Instant::now();
                }
                if terminal {
                    bar.set_position(u64::from(p.day));
                    bar.set_message(format!("· {} requests", p.requests));
                    Ok(())
                } else {
                    writeln!(
                        err,
                        "recolab: day {}/{} · {} requests",
                        p.day, p.days, p.requests
                    )
                }
            }
            Stage::Report => {
                bar.finish_and_clear();
                writeln!(
                    err,
                    "recolab: replay done in {:.1?}; writing the report",
                    stage_started.elapsed()
                )
            }
        };
    };
    let options = flags.options(&out)?;
    let end = run_resumable(&scenario, &out, &mut on_stage, &options)
        .with_context(|| format!("running {}", path.display()))?;
    let finished = match end {
        RunEnd::Finished(finished) => finished,
        RunEnd::Interrupted { day, dir, written } => {
            bar.finish_and_clear();
            let last = written.last().map_or_else(String::new, |w| {
                format!(
                    " ({}, written in {:.2} s)",
                    human_bytes(w.bytes as f64),
                    w.secs
                )
            });
            let seed_flag = seed.map_or_else(String::new, |s| format!(" --seed {s}"));
            eprintln!(
                "recolab: stopped after day {day} of {}; checkpoint in {}{last}; no report was written.\n\
                 recolab: resume with: recolab run {}{seed_flag} --out {} --resume {}",
                scenario.spec().horizon.days,
                dir.display(),
                path.display(),
                out.display(),
                dir.display()
            );
            return Ok(ExitCode::from(INTERRUPTED_EXIT));
        }
    };
    let s = &finished.summary;
    let pct = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{:.2}%", 100.0 * v));
    outln!("scenario      {} (seed {})", s.scenario, s.seed);
    outln!("requests      {}", s.overall.requests);
    outln!("CTR           {}", pct(s.overall.ctr));
    outln!(
        "mean rating   {}",
        s.overall
            .mean_rating
            .map_or_else(|| "–".into(), |v| format!("{v:.3}"))
    );
    outln!("Gini          {:.4}", s.exposure.gini);
    outln!("coverage      {}", pct(Some(s.exposure.coverage)));
    outln!("long-tail     {}", pct(s.exposure.long_tail_share));
    for slot in finished
        .regret
        .iter()
        .flatten()
        .filter(|s| s.overall.requests > 0)
    {
        let o = &slot.overall;
        let who = match &slot.experiment {
            Some(e) => format!("{e}/{}", slot.variant),
            None => "outside experiments".into(),
        };
        outln!(
            "regret        {who} ({}): {:.1} vs oracle, {:.1} vs best arm per context; reward/request {}",
            slot.policy,
            o.oracle_regret,
            o.hindsight_regret,
            o.expected_reward_rate
                .map_or_else(|| "–".into(), |v| format!("{v:.4}"))
        );
    }
    for e in finished.experiments.iter().flat_map(|r| &r.experiments) {
        for v in &e.verdicts {
            outln!("experiment    {}: {}", e.id, v.summary);
        }
        if let Some(p) = &e.interleaving {
            outln!(
                "experiment    {}: interleaving, {} excess clicks per request for {} (p = {})",
                e.id,
                recolab::report::sig(p.excess_clicks_per_request),
                p.treatment,
                p.p_value
            );
        }
    }
    outln!("report        {}", finished.report_dir.display());
    if !quiet && let Some(largest) = finished.checkpoints.iter().map(|w| w.bytes).max() {
        let slowest = finished
            .checkpoints
            .iter()
            .map(|w| w.secs)
            .fold(0.0, f64::max);
        eprintln!(
            "recolab: {} checkpoints written (largest {}, slowest {:.2} s); the run is whole, the last removed",
            finished.checkpoints.len(),
            human_bytes(largest as f64),
            slowest
        );
    }
    if !quiet {
        eprintln!("recolab: finished in {:.1?}", started.elapsed());
    }
    let metrics = ReportMetrics::read(&finished.report_dir)?;
    if let Some(file) = update_baseline {
        let regenerate = format!(
            "recolab run {} --update-baseline {}",
            path.display(),
            file.display()
        );
        let baseline = Baseline::of(&metrics, &regenerate);
        write_file_atomically(file, baseline.to_json().as_bytes())?;
        outln!(
            "baseline      {} ({} metrics)",
            file.display(),
            baseline.metrics.len()
        );
    }
    if scenario.spec().checks.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let bounds = check_bounds(&scenario.spec().checks, &metrics);
    outln!("\nchecks of {}:\n{}", path.display(), bounds_table(&bounds));
    if bounds.iter().all(|b| b.pass) {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("recolab: a `checks` bound of the scenario is broken (the report is written)");
        Ok(ExitCode::from(1))
    }
}

fn check_command(
    report: &Path,
    baseline_path: Option<&Path>,
    tolerance_path: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let metrics = ReportMetrics::read(report)?;
    let scenario_path = report.join("scenario.ron");
    let scenario = Scenario::from_file(&scenario_path)?;
    if baseline_path.is_none() && scenario.spec().checks.is_empty() {
        bail!(
            "{}: nothing to check: no --baseline given and the report's scenario has no `checks`; \
             fix: pass --baseline FILE (see docs/CI.md)",
            report.display()
        );
    }
    let mut failed = false;
    if let Some(path) = baseline_path {
        let baseline = Baseline::read(path)?;
        let tolerance = tolerance_path
            .map(CheckTolerance::read)
            .transpose()?
            .unwrap_or_default();
        let rows = compare(&baseline, path, &metrics, &tolerance)?;
        outln!(
            "{} against {}:\n{}",
            report.display(),
            path.display(),
            comparison_table(&rows)
        );
        let regressed: Vec<&str> = rows
            .iter()
            .filter(|r| r.verdict == Verdict::Regressed)
            .map(|r| r.metric.as_str())
            .collect();
        if !regressed.is_empty() {
            failed = true;
            eprintln!(
                "recolab: regressed beyond tolerance: {} (if on purpose, regenerate the baseline: {})",
                regressed.join(", "),
                baseline.regenerate
            );
        }
    }
    if !scenario.spec().checks.is_empty() {
        let bounds = check_bounds(&scenario.spec().checks, &metrics);
        outln!(
            "checks of {}:\n{}",
            scenario_path.display(),
            bounds_table(&bounds)
        );
        if bounds.iter().any(|b| !b.pass) {
            failed = true;
            eprintln!("recolab: a `checks` bound of the scenario is broken");
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn compare_command(
    path: &Path,
    policies: &[String],
    seeds: usize,
    out: Option<PathBuf>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::from_file(path)?;
    if !(1..=MAX_COMPARE_SEEDS).contains(&seeds) {
        bail!(
            "--seeds is {seeds}; fix: use 1 – {} (20 gives usable intervals)",
            thousands(MAX_COMPARE_SEEDS as u64)
        );
    }
    // Each cell runs the scenario with exact regret; a thread holds one seed's world
    // and its policies' runs at a time.
    let mut costed = scenario.spec().clone();
    costed.report.regret = true;
    costed.report.event_log = false;
    costed.report.offline_users = 0;
    costed.experiments.clear();
    let costed = costed.validate(path, scenario.name())?;
    let cost = estimate(&costed);
    let threads = rayon::current_num_threads().min(seeds).max(1);
    refuse_bytes(path, &cost, threads, None)?;
    let seconds = cost.seconds * (seeds * policies.len()) as f64;
    if seconds > LONG_RUN_SECS {
        eprintln!(
            "recolab: warning: {}: {} policies × {seeds} seeds are estimated at about {}; \
             `recolab validate` shows what drives one run",
            path.display(),
            policies.len(),
            human_seconds(seconds)
        );
    }
    let out =
        out.unwrap_or_else(|| Path::new("reports").join(format!("{}-compare", scenario.name())));
    let started = Instant::now();
    let report = recolab::sweep::compare(&scenario, policies, seeds)
        .with_context(|| format!("comparing policies on {}", path.display()))?;
    let dir = write_compare(&report, &out)?;
    out!("{}", compare_markdown(&report));
    outln!("\nreport: {}", dir.display());
    if !quiet {
        eprintln!("recolab: compared in {:.1?}", started.elapsed());
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on stderr, hidden with `quiet` or when stderr is not a terminal.
fn progress_bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "recolab: {what} {{bar:32}} {{pos}}/{{len}} {{msg}} [{{elapsed_precise}}, ETA {{eta}}]"
        ))
        .expect("the template is valid"),
    );
    bar
}

fn sweep_command(
    path: &Path,
    sets: &[String],
    seeds: usize,
    shard: Option<&str>,
    out: Option<PathBuf>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::from_file(path)?;
    let settings = sets
        .iter()
        .map(|s| Setting::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let shard = shard.map(Shard::parse).transpose()?;
    let plan = SweepPlan::new(scenario, settings, seeds)
        .with_context(|| format!("sweeping {}", path.display()))?;
    let n_units = (0..plan.n_units())
        .filter(|&u| shard.is_none_or(|s| s.holds(u)))
        .count();
    let name = plan.base.name().to_owned();
    let out = out.unwrap_or_else(|| {
        Path::new("reports").join(match shard {
            Some(s) => format!("{name}-shard-{}-of-{}", s.index, s.count),
            None => format!("{name}-sweep"),
        })
    });
    let started = Instant::now();
    if !quiet {
        eprintln!(
            "recolab: {} cell(s) × {seeds} seed(s) = {} run(s){}",
            plan.cells.len(),
            plan.n_units(),
            shard.map_or_else(String::new, |s| format!(
                "; slice {}/{}: {n_units} run(s)",
                s.index, s.count
            ))
        );
    }
    let bar = progress_bar(n_units as u64, "sweep", quiet);
    let units = plan.run(shard, &|| bar.inc(1));
    bar.finish_and_clear();
    let dir = match shard {
        Some(s) => write_shard(&ShardFile::new(&plan, s, units), &out)?,
        None => {
            let report = SweepReport::of_plan(&plan, units);
            let dir = write_sweep(&report, &out)?;
            out!("{}", sweep_markdown(&report));
            dir
        }
    };
    outln!("\nreport: {}", dir.display());
    if !quiet {
        eprintln!("recolab: swept in {:.1?}", started.elapsed());
    }
    Ok(ExitCode::SUCCESS)
}

fn merge_command(shards: &[PathBuf], out: &Path) -> anyhow::Result<ExitCode> {
    let files = shards
        .iter()
        .map(|p| {
            let file = if p.is_dir() {
                p.join(SHARD_FILE)
            } else {
                p.clone()
            };
            let text = std::fs::read_to_string(&file).with_context(|| {
                format!(
                    "{}: cannot read; fix: pass the folder a `recolab sweep --shard` run wrote",
                    file.display()
                )
            })?;
            let shard: ShardFile = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a shard file of this recolab", file.display()))?;
            Ok((file, shard))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let report = merge(files)?;
    let dir = write_sweep(&report, out)?;
    out!("{}", sweep_markdown(&report));
    outln!("\nreport: {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

fn serve_command(report: &Path, bind: std::net::IpAddr, port: u16) -> anyhow::Result<ExitCode> {
    let server = Server::bind(report, std::net::SocketAddr::new(bind, port))
        .with_context(|| format!("serving {} on {bind}:{port}", report.display()))?;
    let addr = server.local_addr()?;
    if !bind.is_loopback() {
        eprintln!("recolab: warning: bound to {bind}: the report is readable from the network");
    }
    outln!(
        "serving {} at http://{addr}/ (Ctrl-C stops)",
        report.display()
    );
    let _ = std::io::stdout().flush();
    server.run(None);
    Ok(ExitCode::SUCCESS)
}

/// Which repeated-experiment command.
#[derive(Clone, Copy, Debug)]
enum Trials {
    Aa,
    Power,
}

fn trials_command(
    path: &Path,
    which: Trials,
    runs: usize,
    out: Option<PathBuf>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::from_file(path)?;
    let suffix = match which {
        Trials::Aa => "aa",
        Trials::Power => "power",
    };
    let out =
        out.unwrap_or_else(|| Path::new("reports").join(format!("{}-{suffix}", scenario.name())));
    let started = Instant::now();
    let bar = progress_bar(runs as u64, suffix, quiet);
    let progress = |done: usize| bar.set_position(done as u64);
    let code = match which {
        Trials::Aa => {
            let report = recolab::sweep::aa(&scenario, runs, &progress)
                .with_context(|| format!("A/A series of {}", path.display()))?;
            let dir = recolab::report::write_aa(&report, &out)?;
            out!("{}", recolab::report::aa_markdown(&report));
            outln!("\nreport: {}", dir.display());
            if report.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Trials::Power => {
            let report = recolab::sweep::power(&scenario, runs, &progress)
                .with_context(|| format!("power study of {}", path.display()))?;
            let dir = recolab::report::write_power(&report, &out)?;
            out!("{}", recolab::report::power_markdown(&report));
            outln!("\nreport: {}", dir.display());
            ExitCode::SUCCESS
        }
    };
    bar.finish_and_clear();
    if !quiet {
        eprintln!("recolab: {suffix} finished in {:.1?}", started.elapsed());
    }
    Ok(code)
}

/// The reward of `recolab ope` on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum RewardArg {
    /// The scenario's reward rule: a click, a rating ≥ 4, a thumbs up (what the
    /// bandits learn).
    Success,
    /// A click.
    Click,
}

/// `--target-draws` allowed: a million draws already cost about 25 ms a request.
const MAX_TARGET_DRAWS: usize = 1_000_000;

/// `--bootstrap` allowed: below 100 replicates the 2.5% quantile rests on two values.
const BOOTSTRAP_RANGE: std::ops::RangeInclusive<usize> = 100..=100_000;

fn ope_command(
    path: &Path,
    log: Option<&Path>,
    seeds: Option<usize>,
    targets: &[String],
    options: OpeOptions,
    out: Option<PathBuf>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let given = Scenario::from_file(path)?;
    if !(1..=MAX_TARGET_DRAWS).contains(&options.target_draws) {
        bail!(
            "--target-draws is {}; fix: use 1 – {} (the default {} is plenty: a target's \
             probability enters the estimators linearly, so fewer draws add variance, not bias)",
            options.target_draws,
            thousands(MAX_TARGET_DRAWS as u64),
            recolab::ope::DEFAULT_TARGET_DRAWS
        );
    }
    if !BOOTSTRAP_RANGE.contains(&options.bootstrap) {
        bail!(
            "--bootstrap is {}; fix: use {} – {} (the default is {})",
            options.bootstrap,
            BOOTSTRAP_RANGE.start(),
            thousands(*BOOTSTRAP_RANGE.end() as u64),
            thousands(recolab::ope::DEFAULT_BOOTSTRAP as u64)
        );
    }
    if let Some(n) = seeds
        && !(1..=MAX_COMPARE_SEEDS).contains(&n)
    {
        bail!(
            "--seeds is {n}; fix: use 1 – {} (20 gives usable bias and coverage figures)",
            thousands(MAX_COMPARE_SEEDS as u64)
        );
    }
    // A report folder, or its events.jsonl.
    let report = log.map(|l| {
        if l.is_file() {
            l.parent().unwrap_or(Path::new(".")).to_owned()
        } else {
            l.to_owned()
        }
    });
    let base = match &report {
        Some(dir) => recolab::ope::scenario_of_log(&given, dir)?,
        None => given,
    };
    let plan = OpePlan::new(base, targets, options)
        .with_context(|| format!("off-policy evaluation of {}", path.display()))?;
    let runs = seeds.unwrap_or(1);
    let cost = estimate(&plan.logging);
    let threads = rayon::current_num_threads().min(runs).max(1);
    refuse_bytes(path, &cost, threads, None)?;
    let seconds = cost.seconds * (runs * (usize::from(seeds.is_some()) + targets.len())) as f64;
    if seconds > LONG_RUN_SECS {
        eprintln!(
            "recolab: warning: {}: {} target(s) × {runs} seed(s) are estimated at about {}; \
             `recolab validate` shows what drives one run",
            path.display(),
            targets.len(),
            human_seconds(seconds)
        );
    }
    let out = out.unwrap_or_else(|| Path::new("reports").join(format!("{}-ope", plan.base.name())));
    let started = Instant::now();
    let bar = progress_bar((runs * plan.steps_per_seed()) as u64, "ope", quiet);
    let step = || bar.inc(1);
    let report = match (&report, seeds) {
        (Some(dir), _) => plan.evaluate_file(&dir.join(recolab::report::EVENTS_FILE), &step),
        (None, Some(n)) => plan.study(n, &step),
        (None, None) => unreachable!("clap requires --log or --seeds"),
    }
    .with_context(|| format!("off-policy evaluation of {}", path.display()))?;
    bar.finish_and_clear();
    let dir = recolab::report::write_ope(&report, &out)?;
    out!("{}", recolab::report::ope_markdown(&report));
    outln!("\nreport: {}", dir.display());
    if !quiet {
        eprintln!("recolab: ope finished in {:.1?}", started.elapsed());
    }
    Ok(ExitCode::SUCCESS)
}

fn migrate_command(path: &Path) -> anyhow::Result<ExitCode> {
    match migrate_file(path)? {
        Migration::Upgraded { from } => outln!(
            "{}: upgraded the bandit state from version {from} to {}",
            path.display(),
            recolab::bandit::state::BANDIT_STATE_VERSION
        ),
        Migration::Current => outln!(
            "{}: already version {}; nothing to do",
            path.display(),
            recolab::bandit::state::BANDIT_STATE_VERSION
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn validate_command(path: &Path) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::from_file(path)?;
    let spec = scenario.spec();
    outln!(
        "{}: ok — scenario {:?}: {} movies, {} users, {} days, {} arm(s), {} experiment(s)",
        path.display(),
        scenario.name(),
        spec.catalogue.n_movies,
        spec.population.n_users,
        spec.horizon.days,
        spec.stack.arms.len(),
        spec.experiments.len()
    );
    let e = estimate(&scenario);
    outln!(
        "estimate: {} of memory, {:.0} warm-up ratings, at most {:.0} requests, about {} \
         on 2 cores",
        human_bytes(e.total_bytes),
        e.warm_up_ratings,
        e.requests,
        human_seconds(e.seconds)
    );
    for part in &e.memory {
        outln!(
            "  {:<38} {:>10}   ({})",
            part.part,
            human_bytes(part.bytes),
            part.fields
        );
    }
    if let Some(available) = available_memory()
        && e.total_bytes > available
    {
        outln!(
            "warning: more than this machine's available memory ({}); `recolab run` will \
             refuse it",
            human_bytes(available)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses, before anything is allocated or written, a scenario whose memory estimate
/// exceeds `max_memory` or, without it, the machine's available memory; returns the
/// estimate otherwise.
fn refuse_beyond_memory(
    path: &Path,
    scenario: &Scenario,
    max_memory: Option<f64>,
) -> anyhow::Result<Estimate> {
    let e = estimate(scenario);
    refuse_bytes(path, &e, 1, max_memory)?;
    Ok(e)
}

/// Refuses `copies` runs of the estimate `e` at once (compare runs one world per
/// seed on each thread) beyond `max_memory` or the machine's available memory.
fn refuse_bytes(
    path: &Path,
    e: &Estimate,
    copies: usize,
    max_memory: Option<f64>,
) -> anyhow::Result<()> {
    let Some(budget) = max_memory.or_else(available_memory) else {
        return Ok(());
    };
    let needed =
        recolab::cost::BASE_BYTES + copies as f64 * (e.total_bytes - recolab::cost::BASE_BYTES);
    if needed <= budget {
        return Ok(());
    }
    let largest = e.largest();
    let at_once = if copies > 1 {
        format!(" ({copies} worlds at once)")
    } else {
        String::new()
    };
    let (limit, raise) = if max_memory.is_some() {
        ("--max-memory allows", " or raise --max-memory")
    } else {
        ("this machine has", "")
    };
    bail!(
        "{}: the run needs about {} of memory{at_once} but {limit} {}; the largest part is \
         the {} ({}), driven by {}; fix: shrink those fields (`recolab validate` prints \
         every part){raise}",
        path.display(),
        human_bytes(needed),
        human_bytes(budget),
        largest.part,
        human_bytes(largest.bytes),
        largest.fields,
    );
}

/// Refuses a folder where a file is to be written, before any work is done.
fn refuse_folder(path: &Path, option: &str, example: &str) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!(
            "{}: is a folder, and {option} names the file to write; fix: name a file, \
             e.g. {option} {}",
            path.display(),
            path.join(example).display()
        );
    }
    Ok(())
}

/// Estimated seconds above which `run` warns before it starts.
const LONG_RUN_SECS: f64 = 3_600.0;

/// Largest relevance grade `metrics` sums with the linear gain.
const MAX_GRADE: f64 = 1e6;

/// Largest relevance grade with the exponential gain: 2^100 − 1 ≈ 1.3e30, so the
/// gains of any list stay finite.
const MAX_EXPONENTIAL_GRADE: f64 = 100.0;

/// Most seeds `compare` runs: every seed is a whole run per policy.
const MAX_COMPARE_SEEDS: usize = 10_000;

/// Seconds as people read them: 40 s, 12 min, 3.5 h, 20 days.
fn human_seconds(seconds: f64) -> String {
    if seconds < 90.0 {
        format!("{seconds:.0} s")
    } else if seconds < 5_400.0 {
        format!("{:.0} min", seconds / 60.0)
    } else if seconds < 172_800.0 {
        format!("{:.1} h", seconds / 3_600.0)
    } else {
        format!("{:.0} days", seconds / 86_400.0)
    }
}

/// A size such as `4G`, `512M`, `2048K` or `1000000` (bytes).
fn parse_size(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, scale) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1e3),
        Some('M' | 'm') => (&t[..t.len() - 1], 1e6),
        Some('G' | 'g') => (&t[..t.len() - 1], 1e9),
        Some('T' | 't') => (&t[..t.len() - 1], 1e12),
        _ => (t, 1.0),
    };
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n * scale),
        _ => Err(format!(
            "{text:?} is not a size; write a positive number with K, M, G or T, e.g. 4G"
        )),
    }
}

fn init_command(name: &str) -> anyhow::Result<ExitCode> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("scenario name {name:?}: use letters, digits, '-' and '_' only");
    }
    let path = PathBuf::from(format!("{name}.ron"));
    if path.exists() {
        bail!(
            "{}: already exists; choose another name or remove the file",
            path.display()
        );
    }
    std::fs::write(&path, STARTER_SCENARIO.replace("{name}", name))
        .with_context(|| format!("{}: cannot write the starter scenario", path.display()))?;
    outln!(
        "wrote {}; run it with: recolab run {}",
        path.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// nDCG gain on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum GainArg {
    /// The grade itself (trec_eval, scikit-learn).
    Linear,
    /// 2^grade − 1.
    Exponential,
}

/// The data files of `recolab eval`.
struct EvalFiles<'a> {
    ratings: Option<&'a Path>,
    movies: Option<&'a Path>,
    tags: Option<&'a Path>,
}

fn eval_command(
    scenario_path: Option<&Path>,
    files: EvalFiles<'_>,
    out: Option<PathBuf>,
    seed: Option<u64>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let EvalFiles {
        ratings,
        movies,
        tags,
    } = files;
    let mut scenario = match (scenario_path, ratings) {
        (Some(path), _) => Scenario::from_file(path)?,
        (None, Some(ratings)) => default_scenario(&ratings_name(ratings)),
        (None, None) => bail!(
            "nothing to evaluate; fix: give a scenario (recolab eval scenarios/offline_evaluation.ron) \
             or a rating log (recolab eval --ratings FILE)"
        ),
    };
    if let Some(seed) = seed {
        scenario = scenario.with_seed(seed);
    }
    if let (Some(path), None) = (scenario_path, ratings) {
        refuse_beyond_memory(path, &scenario, None)?;
    }
    let name = match ratings {
        Some(r) if scenario_path.is_some() => format!("{}-{}", scenario.name(), ratings_name(r)),
        Some(r) => ratings_name(r),
        None => scenario.name().to_owned(),
    };
    let out = out.unwrap_or_else(|| Path::new("reports").join(&name).join("eval"));
    let source = match ratings {
        Some(ratings) => EvalSource::Ratings {
            ratings,
            movies,
            tags,
        },
        None => EvalSource::World,
    };
    let started = Instant::now();
    let what = ratings.map_or_else(
        || format!("the world of {}", scenario.name()),
        |r| r.display().to_string(),
    );
    if !quiet {
        eprintln!("recolab: evaluating every arm on {what} …");
    }
    let bar = progress_bar(0, "arm × fold", quiet);
    let progress = |event: EvalProgress| match event {
        EvalProgress::Prepared { n_jobs } => bar.set_length(n_jobs as u64),
        EvalProgress::ArmDone => bar.inc(1),
    };
    let evaluated = run_evaluation(&scenario, source, &out, &progress);
    bar.finish_and_clear();
    let (evaluation, dir) = evaluated.with_context(|| format!("evaluating {what}"))?;
    let e = &evaluation;
    outln!(
        "{}: {} users, {} items, {} ratings; {} fold(s), K = {}",
        e.name,
        e.data.n_users,
        e.data.n_items,
        e.data.n_ratings,
        e.folds.len(),
        e.settings.k
    );
    let shown = [
        "precision",
        "recall",
        "ndcg",
        "mrr",
        "map",
        "hit_rate",
        "rmse",
        "coverage",
        "gini",
        "ild_genre",
        "mean_self_information",
        "serendipity",
    ];
    let labels: Vec<&str> = shown
        .iter()
        .map(|name| {
            HEADLINE_METRICS
                .iter()
                .find(|(n, _)| n == name)
                .map_or(*name, |(_, label)| *label)
        })
        .collect();
    outln!(
        "{:<14} {}",
        "arm",
        labels
            .iter()
            .map(|l| format!("{l:>20}"))
            .collect::<String>()
    );
    for arm in &e.arms {
        let cells: String = shown
            .iter()
            .map(|name| format!("{:>20}", interval_cell(arm.overall.get(name))))
            .collect();
        outln!("{:<14} {cells}", arm.arm);
    }
    for r in &e.rating_references {
        outln!(
            "{:<14} RMSE {}  MAE {}",
            r.predictor,
            interval_cell(r.rmse),
            interval_cell(r.mae)
        );
    }
    if let Some(floor) = e.noise_floor_rmse {
        outln!("{:<14} RMSE {}", "noise floor", interval_cell(Some(floor)));
    }
    outln!("report        {}", dir.display());
    if !quiet {
        eprintln!("recolab: finished in {:.1?}", started.elapsed());
    }
    Ok(ExitCode::SUCCESS)
}

fn metrics_command(
    run_path: &Path,
    qrels_path: &Path,
    items_path: Option<&Path>,
    settings: ExternalSettings,
) -> anyhow::Result<ExitCode> {
    if settings.k == 0 {
        bail!("--k is 0; fix: use a list length of at least 1");
    }
    if !(settings.relevance_threshold.is_finite() && settings.relevance_threshold > 0.0) {
        bail!(
            "--threshold is {}; fix: use a finite grade > 0",
            settings.relevance_threshold
        );
    }
    let run = read_run(run_path)?;
    let qrels = read_qrels(qrels_path)?;
    let items = items_path.map(read_items).transpose()?;
    // Grades are summed, and raised to a power with the exponential gain: keep both
    // finite.
    let max_grade = match settings.gain {
        Gain::Linear => MAX_GRADE,
        Gain::Exponential => MAX_EXPONENTIAL_GRADE,
    };
    if let Some(q) = qrels.iter().find(|q| q.relevance.abs() > max_grade) {
        bail!(
            "{}:line {}: relevance {:?} is beyond ±{} for the {} gain; fix: use grades \
             within ±{}{}",
            qrels_path.display(),
            q.line,
            q.relevance,
            thousands(max_grade as u64),
            thousands(max_grade as u64),
            if matches!(settings.gain, Gain::Linear) {
                "linear"
            } else {
                "exponential"
            },
            if matches!(settings.gain, Gain::Exponential) {
                " (2^grade − 1 must stay finite), or --gain linear"
            } else {
                ""
            }
        );
    }
    if let Some(n_users) = settings.n_users {
        let busiest = items
            .iter()
            .flatten()
            .max_by_key(|i| (i.popularity, std::cmp::Reverse(i.line)));
        if n_users == 0 {
            bail!(
                "--n-users is 0; fix: give the number of users behind the item table's \
                 popularity counts (at least 1)"
            );
        }
        if let (Some(item), Some(path)) = (busiest, items_path)
            && item.popularity > n_users as u64
        {
            bail!(
                "--n-users is {n_users} but {}:line {} gives item {:?} a popularity of {}; \
                 fix: give at least {} users (a share of users cannot pass 1), or leave \
                 --n-users out",
                path.display(),
                item.line,
                item.item,
                item.popularity,
                item.popularity
            );
        }
    }
    let report = evaluate_external(
        &run,
        &qrels,
        items.as_deref(),
        settings,
        run_path,
        qrels_path,
    )?;
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &report)?;
    writeln!(stdout)?;
    Ok(ExitCode::SUCCESS)
}

fn world_command(
    path: &Path,
    out: &Path,
    seed: Option<u64>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let mut scenario = Scenario::from_file(path)?;
    if let Some(seed) = seed {
        scenario = scenario.with_seed(seed);
    }
    refuse_beyond_memory(path, &scenario, None)?;
    let started = Instant::now();
    let mut on_stage = |stage: ExportStage| {
        if quiet {
            return;
        }
        match stage {
            ExportStage::World => {
                eprintln!("recolab: generating the world of {} …", scenario.name())
            }
            ExportStage::Files => eprintln!(
                "recolab: world ready in {:.1?}; writing the files",
                started.elapsed()
            ),
        }
    };
    let (stats, dir) = export_world(&scenario, out, &mut on_stage)
        .with_context(|| format!("exporting the world of {}", path.display()))?;
    let s = &stats.warm_up;
    outln!("scenario      {} (seed {})", stats.scenario, stats.seed);
    outln!("catalogue     {} movies", stats.n_movies);
    outln!(
        "population    {} users ({} with warm-up ratings)",
        stats.n_users,
        s.n_users
    );
    outln!(
        "warm-up       {} ratings; item Gini {:.4}, user Gini {:.4}, mean {:.3}",
        s.n_ratings,
        s.item_gini,
        s.user_gini,
        s.rating_mean
    );
    outln!("files         {}", dir.display());
    if !quiet {
        eprintln!("recolab: finished in {:.1?}", started.elapsed());
    }
    Ok(ExitCode::SUCCESS)
}

/// The shape of one rating file, as `recolab stats --json` writes it.
#[derive(Debug, Serialize)]
struct FileShape {
    /// The rating file, as given.
    ratings: String,
    /// Movies in the movies file (rated or not), when one was given.
    n_catalogue: Option<usize>,
    /// Ratings dropped because the same user rated the same item again later.
    n_superseded: usize,
    /// The statistics.
    shape: LogShape,
}

/// What `recolab stats --json` writes.
#[derive(Debug, Serialize)]
struct StatsJson {
    /// Layout version of this document.
    format_version: u32,
    /// The log.
    this: FileShape,
    /// The log given with --against.
    against: Option<FileShape>,
}

/// Reads a rating log (and its movies file) as `recolab eval --ratings` does; also
/// returns the number of rows read.
fn read_log(ratings: &Path, movies: Option<&Path>) -> anyhow::Result<(Dataset, usize)> {
    let rows = read_ratings(ratings)?;
    let movie_rows = movies.map(read_movies).transpose()?;
    let dataset = Dataset::from_rows(
        &ratings_name(ratings),
        &rows,
        movie_rows.as_deref(),
        ratings,
        SegmentThresholds::default(),
    )?;
    Ok((dataset, rows.len()))
}

/// Reads a rating log (and its movies file) as `recolab eval --ratings` does and
/// measures its shape.
fn file_shape(ratings: &Path, movies: Option<&Path>, quiet: bool) -> anyhow::Result<FileShape> {
    let started = Instant::now();
    let (dataset, n_rows) = read_log(ratings, movies)?;
    let read = started.elapsed();
    let shape = log_shape(&dataset.ratings);
    if !quiet {
        eprintln!(
            "recolab: {}: {} ratings read in {read:.1?}, shape in {:.1?}",
            ratings.display(),
            n_rows,
            started.elapsed() - read
        );
    }
    Ok(FileShape {
        ratings: ratings.display().to_string(),
        n_catalogue: movies.map(|_| dataset.catalogue.len()),
        n_superseded: dataset.n_superseded,
        shape,
    })
}

fn stats_command(
    ratings: &Path,
    movies: Option<&Path>,
    against: Option<&Path>,
    json: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    if let Some(path) = json {
        refuse_folder(path, "--json", "stats.json")?;
    }
    let started = Instant::now();
    let this = file_shape(ratings, movies, quiet)?;
    let other = against.map(|a| file_shape(a, None, quiet)).transpose()?;
    let mut columns = vec![&this];
    columns.extend(other.as_ref());
    out!("{}", shape_table(&columns));
    let document = StatsJson {
        format_version: STATS_FORMAT_VERSION,
        this,
        against: other,
    };
    if let Some(path) = json {
        let mut bytes = serde_json::to_vec_pretty(&document)?;
        bytes.push(b'\n');
        write_file_atomically(path, &bytes)?;
        if !quiet {
            eprintln!("recolab: wrote {}", path.display());
        }
    }
    if !quiet {
        eprintln!("recolab: finished in {:.1?}", started.elapsed());
    }
    Ok(ExitCode::SUCCESS)
}

fn fit_command(
    ratings: &Path,
    movies: Option<&Path>,
    out: &Path,
    seed: u64,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    refuse_folder(out, "--out", "fitted.ron")?;
    let started = Instant::now();
    let (dataset, _) = read_log(ratings, movies)?;
    let target = FitTarget::of_dataset(&ratings.display().to_string(), &dataset);
    if target.shape.n_ratings == 0 {
        bail!("{}: the log has no ratings to fit to", ratings.display());
    }
    let name = out
        .file_stem()
        .and_then(|s| s.to_str())
        .context("--out must name a file, e.g. --out fitted.ron")?
        .to_owned();
    if !quiet {
        eprintln!(
            "recolab: {}: {} ratings, {} users, {} rated items; fitting (at most {MAX_ROUNDS} worlds)",
            ratings.display(),
            target.shape.n_ratings,
            target.shape.n_users,
            target.shape.n_items
        );
    }
    let mut round_started = Instant::now();
    let fitted = fit(target, &name, seed, out, &mut |round| {
        if !quiet {
            let worst = round
                .comparisons
                .iter()
                .filter_map(|c| c.error.map(|e| (e, c.statistic)))
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map_or("–", |(_, name)| name);
            eprintln!(
                "recolab: round {:>2}: worst {worst} at {:.2}× its tolerance ({:.1?})",
                round.index,
                round.worst_error,
                round_started.elapsed()
            );
        }
        round_started = Instant::now();
    })?;
    write_file_atomically(out, fitted.scenario_file.as_bytes())?;
    out!("{}", fit_table(&fitted));
    if !quiet {
        eprintln!(
            "recolab: wrote {} in {:.1?}",
            out.display(),
            started.elapsed()
        );
    }
    if fitted.holds() {
        Ok(ExitCode::SUCCESS)
    } else {
        let missed: Vec<&str> = fitted
            .comparisons
            .iter()
            .filter(|c| !c.holds())
            .map(|c| c.statistic)
            .collect();
        eprintln!(
            "recolab: outside tolerance after {} rounds: {} (the scenario is written; \
             docs/REALISM.md says what the world cannot reproduce)",
            fitted.rounds.len(),
            missed.join(", ")
        );
        Ok(ExitCode::from(1))
    }
}

/// Target beside fitted, with each tolerance and whether it holds.
fn fit_table(fitted: &Fit) -> String {
    let mut out = format!(
        "{:<28}  {:>10}  {:>10}  {:>12}  {}\n",
        "statistic", "target", "fitted", "tolerance", "holds"
    );
    let cell = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.4}"));
    for c in &fitted.comparisons {
        let tolerance = match c.tolerance {
            Tolerance::Absolute(d) => format!("± {d}"),
            Tolerance::Relative(r) => format!("± {}%", r * 100.0),
            Tolerance::RelativeOrAbsolute(r, d) => format!("± {}% or {d}", r * 100.0),
            Tolerance::Equal => "equal".to_owned(),
            Tolerance::Exists => "exists".to_owned(),
        };
        out.push_str(&format!(
            "{:<28}  {:>10}  {:>10}  {:>12}  {}\n",
            c.statistic,
            cell(c.target),
            cell(c.fitted),
            tolerance,
            if c.holds() { "yes" } else { "NO" }
        ));
    }
    let p = &fitted.params;
    out.push_str(&format!(
        "\nfitted: {} movies, {} users, activity log-normal(median {}, sigma {}, {}–{}), \
         visibility {}, quality weight {}, rating slope {}, midpoint {}, noise {} (skew {})\n",
        p.n_movies,
        p.n_users,
        p.activity.median,
        p.activity.sigma,
        p.activity.min,
        p.activity.max,
        p.visibility_weight,
        p.quality_weight,
        p.rating_slope,
        p.rating_midpoint,
        p.rating_noise_sd,
        p.rating_noise_skew
    ));
    out
}

/// Version of the `recolab stats --json` layout.
const STATS_FORMAT_VERSION: u32 = 1;

/// A number with at most `decimals` decimals, trailing zeros dropped (65, 442.54).
fn trimmed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// The seven points of a [`Quantiles`], named.
fn quantile_points(q: &Quantiles) -> [(&'static str, f64); 7] {
    [
        ("p10", q.p10),
        ("p25", q.p25),
        ("p50", q.p50),
        ("p75", q.p75),
        ("p90", q.p90),
        ("p99", q.p99),
        ("max", q.max),
    ]
}

/// The statistics of one or more logs as a table: one row per statistic, one column
/// per log, headed by the log's folder and file name.
fn shape_table(columns: &[&FileShape]) -> String {
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |label: &str, cell: &dyn Fn(&FileShape) -> String| {
        rows.push((label.to_owned(), columns.iter().map(|c| cell(c)).collect()));
    };
    let share = |v: f64| format!("{v:.6}");
    row("ratings", &|f| f.shape.n_ratings.to_string());
    row("users", &|f| f.shape.n_users.to_string());
    row("rated items", &|f| f.shape.n_items.to_string());
    if columns.iter().any(|c| c.n_catalogue.is_some()) {
        row("catalogue (movies file)", &|f| {
            f.n_catalogue.map_or_else(|| "–".into(), |n| n.to_string())
        });
    }
    if columns.iter().any(|c| c.n_superseded > 0) {
        row("superseded re-ratings", &|f| f.n_superseded.to_string());
    }
    row("density", &|f| format!("{:.7}", f.shape.density));
    row("item Gini", &|f| share(f.shape.item_gini));
    row("top-10% item share", &|f| share(f.shape.item_top10_share));
    for i in 0..7 {
        let name = quantile_points(&columns[0].shape.item_quantiles)[i].0;
        row(&format!("ratings per item {name}"), &|f| {
            trimmed(quantile_points(&f.shape.item_quantiles)[i].1, 2)
        });
    }
    row("user Gini", &|f| share(f.shape.user_gini));
    row("ratings per user mean", &|f| {
        format!("{:.4}", f.shape.user_mean)
    });
    for i in 0..7 {
        let name = quantile_points(&columns[0].shape.user_quantiles)[i].0;
        row(&format!("ratings per user {name}"), &|f| {
            trimmed(quantile_points(&f.shape.user_quantiles)[i].1, 2)
        });
    }
    let t = SegmentThresholds::default();
    row(
        &format!("cold-start share (< {})", t.cold_start_below),
        &|f| share(f.shape.cold_start_share),
    );
    row(&format!("power share (≥ {})", t.power_from), &|f| {
        share(f.shape.power_share)
    });
    row("rating mean", &|f| share(f.shape.rating_mean));
    row("rating sd", &|f| share(f.shape.rating_sd));
    row("rating mode", &|f| trimmed(f.shape.rating_mode, 2));
    row("five-star share", &|f| share(f.shape.five_star_share));
    let mut values: Vec<f64> = columns
        .iter()
        .flat_map(|c| c.shape.star_histogram.iter().map(|b| b.value))
        .collect();
    values.sort_unstable_by(f64::total_cmp);
    values.dedup();
    for value in values {
        row(&format!("share of {} stars", trimmed(value, 2)), &|f| {
            let bucket = f.shape.star_histogram.iter().find(|b| b.value == value);
            bucket.map_or_else(
                || format!("{} (0)", share(0.0)),
                |b| format!("{} ({})", share(b.share), b.count),
            )
        });
    }
    row("popularity–rating Spearman", &|f| {
        f.shape
            .popularity_rating_spearman
            .map_or_else(|| "–".into(), share)
    });
    row("items in the Spearman", &|f| {
        f.shape.n_items_spearman.to_string()
    });

    let header: Vec<String> = columns
        .iter()
        .map(|c| {
            let path = Path::new(&c.ratings);
            let mut parts: Vec<_> = path.iter().rev().take(2).collect();
            parts.reverse();
            parts.iter().collect::<PathBuf>().display().to_string()
        })
        .collect();
    let width = |text: &String| text.chars().count();
    let label_width = rows.iter().map(|(l, _)| width(l)).max().unwrap_or(0) + 2;
    let cell_width = rows
        .iter()
        .flat_map(|(_, cells)| cells.iter().map(width))
        .chain(header.iter().map(width))
        .max()
        .unwrap_or(0)
        + 2;
    let line = |label: &str, cells: &[String]| {
        let mut text = format!("{label:<label_width$}");
        for cell in cells {
            text.push_str(&format!("{cell:<cell_width$}"));
        }
        format!("{}\n", text.trim_end())
    };
    let mut out = line("statistic", &header);
    for (label, cells) in &rows {
        out.push_str(&line(label, cells));
    }
    out
}
