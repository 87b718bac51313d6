//! Command-line interface: the only place that prints for humans.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};

use recolab::bandit::state::{Migration, migrate_file};
use recolab::report::{compare_markdown, write_compare};
use recolab::run::{Stage, run_with};
use recolab::scenario::{STARTER_SCENARIO, Scenario};

const EXAMPLES: &str = "\
Examples:
  recolab run scenarios/default.ron              run a scenario, report in reports/default/
  recolab run scenarios/default.ron --seed 7     the same world and stack with another seed
  recolab run my.ron --out /tmp/my-report        choose the report folder
  recolab validate scenarios/default.ron         check a scenario without running it
  recolab init my_experiment                     write a commented starter scenario
  recolab compare scenarios/context_shift.ron --policy static --policy thompson --policy \"thompson(prior=2,8)\" --policy ucb1 --seeds 20
                                                 policies on the same worlds and users
  recolab run s.ron --resume-bandit reports/s/bandit_state.json
                                                 start the policies from a saved state
  recolab migrate old_bandit_state.json          upgrade a bandit state to the current version

Exit status: 0 success, 1 a failed check, 2 an error (bad scenario, I/O).";

/// A deterministic simulation and benchmarking lab for movie recommenders.
#[derive(Debug, Parser)]
#[command(name = "recolab", version, about, after_help = EXAMPLES)]
struct Cli {
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
        /// No progress on stderr.
        #[arg(long, short)]
        quiet: bool,
        /// Start the policies from this saved bandit state (`bandit_state.json`).
        #[arg(long, value_name = "FILE")]
        resume_bandit: Option<PathBuf>,
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
    /// Write a commented starter scenario to NAME.ron.
    Init {
        /// Scenario name; the file is NAME.ron in the current folder.
        #[arg(default_value = "my_scenario")]
        name: String,
    },
}

/// Parses arguments, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run {
            scenario,
            out,
            seed,
            quiet,
            resume_bandit,
        } => run_command(&scenario, out, seed, quiet, resume_bandit.as_deref()),
        Command::Compare {
            scenario,
            policies,
            seeds,
            out,
        } => compare_command(&scenario, &policies, seeds, out),
        Command::Migrate { file } => migrate_command(&file),
        Command::Validate { scenario } => validate_command(&scenario),
        Command::Init { name } => init_command(&name),
    }
}

fn run_command(
    path: &Path,
    out: Option<PathBuf>,
    seed: Option<u64>,
    quiet: bool,
    resume_bandit: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let mut scenario = Scenario::from_file(path)?;
    if let Some(seed) = seed {
        scenario = scenario.with_seed(seed);
    }
    let out = out.unwrap_or_else(|| Path::new("reports").join(scenario.name()));
    let started = Instant::now();
    let mut stage_started = Instant::now();
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
            Stage::Day(p) => {
                if p.day == 1 {
                    let _ = writeln!(
                        err,
                        "recolab: world ready in {:.1?}",
                        stage_started.elapsed()
                    );
                    stage_started = Instant::now();
                }
                write!(
                    err,
                    "\rrecolab: day {}/{} · {} requests",
                    p.day, p.days, p.requests
                )
            }
            Stage::Report => writeln!(
                err,
                "\nrecolab: replay done in {:.1?}; writing the report",
                stage_started.elapsed()
            ),
        };
    };
    let finished = run_with(&scenario, &out, &mut on_stage, resume_bandit)
        .with_context(|| format!("running {}", path.display()))?;
    let s = &finished.summary;
    let pct = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{:.2}%", 100.0 * v));
    println!("scenario      {} (seed {})", s.scenario, s.seed);
    println!("requests      {}", s.overall.requests);
    println!("CTR           {}", pct(s.overall.ctr));
    println!(
        "mean rating   {}",
        s.overall
            .mean_rating
            .map_or_else(|| "–".into(), |v| format!("{v:.3}"))
    );
    println!("Gini          {:.4}", s.exposure.gini);
    println!("coverage      {}", pct(Some(s.exposure.coverage)));
    println!("long-tail     {}", pct(s.exposure.long_tail_share));
    for slot in finished.regret.iter().flatten() {
        let o = &slot.overall;
        println!(
            "regret        {} ({}): {:.1} vs oracle, {:.1} vs best arm per context; reward/request {}",
            slot.variant,
            slot.policy,
            o.oracle_regret,
            o.hindsight_regret,
            o.expected_reward_rate
                .map_or_else(|| "–".into(), |v| format!("{v:.4}"))
        );
    }
    println!("report        {}", finished.report_dir.display());
    if !quiet {
        eprintln!("recolab: finished in {:.1?}", started.elapsed());
    }
    Ok(ExitCode::SUCCESS)
}

fn compare_command(
    path: &Path,
    policies: &[String],
    seeds: usize,
    out: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::from_file(path)?;
    let out =
        out.unwrap_or_else(|| Path::new("reports").join(format!("{}-compare", scenario.name())));
    let started = Instant::now();
    let report = recolab::sweep::compare(&scenario, policies, seeds)
        .with_context(|| format!("comparing policies on {}", path.display()))?;
    let dir = write_compare(&report, &out)?;
    print!("{}", compare_markdown(&report));
    println!("\nreport: {}", dir.display());
    eprintln!("recolab: compared in {:.1?}", started.elapsed());
    Ok(ExitCode::SUCCESS)
}

fn migrate_command(path: &Path) -> anyhow::Result<ExitCode> {
    match migrate_file(path)? {
        Migration::Upgraded { from } => println!(
            "{}: upgraded the bandit state from version {from} to {}",
            path.display(),
            recolab::bandit::state::BANDIT_STATE_VERSION
        ),
        Migration::Current => println!(
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
    println!(
        "{}: ok — scenario {:?}: {} movies, {} users, {} days, {} arm(s), {} experiment(s)",
        path.display(),
        scenario.name(),
        spec.catalogue.n_movies,
        spec.population.n_users,
        spec.horizon.days,
        spec.stack.arms.len(),
        spec.experiments.len()
    );
    Ok(ExitCode::SUCCESS)
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
    println!(
        "wrote {}; run it with: recolab run {}",
        path.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
