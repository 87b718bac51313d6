//! recolab: a deterministic simulation and benchmarking lab for movie recommenders.
//!
//! A run reads a [`Scenario`](scenario::Scenario), generates a synthetic
//! [`World`](world::World), replays a whole recommendation stack against it and writes
//! a report. The roles:
//!
//! | role | module | what it is |
//! | --- | --- | --- |
//! | scenario | [`scenario`] | RON in, checked [`Scenario`](scenario::Scenario) out |
//! | seed tree | [`rng`] | one ChaCha stream per (seed, purpose, unit) |
//! | world | [`world`] | catalogue, population, context, the ground-truth response model |
//! | arms | [`recommend`] | [`Recommender`](recommend::Recommender) algorithms and the blend |
//! | policies | [`bandit`] | [`Policy`](bandit::Policy): which arms serve a request |
//! | experiments | [`experiment`] | assignment, per-user aggregates, interleaving, the analysis and verdict, the scorecard |
//! | statistics | [`stats`] | tests, intervals, power, CUPED, sequential boundaries — pure functions, log-scale tails |
//! | pipeline | [`pipeline`] | retraining schedule and model-update log |
//! | replay | [`sim`] | the loop over simulated time, events, tallies, exact regret |
//! | off-policy evaluation | [`ope`] | target policies estimated from logged propensities (IPS, SNIPS, DM, DR, switch-DR), checked against the truth (`recolab ope`) |
//! | sweeps | [`sweep`] | policies × seeds in parallel (`recolab compare`), A/A series (`recolab aa`), power studies (`recolab power`) |
//! | metrics | [`eval`] | offline metrics as pure functions, protocols, the fold driver, online summaries |
//! | real data | [`data`] | MovieLens / CSV logs, TREC runs and qrels → [`Dataset`](data::Dataset) |
//! | report | [`report`] | files: JSON, Markdown, CSV, analytics, plots, dashboard, event log |
//! | serving | [`serve`] | a report's analytics and dashboard over local HTTP, read-only |
//! | CI gate | [`check`] | a report against a committed baseline and the scenario's bounds |
//! | one run | [`run`](mod@run) | world → replay → metrics → report |
//! | checkpoints | [`checkpoint`] | a run's state every N simulated days and on SIGINT/SIGTERM; `--resume` continues it to the same report |
//! | one evaluation | [`eval_run`] | world or real log → folds → every arm scored → `eval.json` |
//! | log shape | [`data::log_shape`] | popularity skew, activity and star scale of any rating log |
//! | world export | [`world_export`] | a generated world as MovieLens-style CSV files + its log shape |
//!
//! Dependencies point one way: `run`/`sweep` `→ sim → {world, recommend, bandit, experiment,
//! pipeline}`; `eval` and `report` read results. Recommenders and policies never see
//! the world's hidden truth; only the response model does.
//!
//! # Determinism
//!
//! Same scenario and seed ⇒ byte-identical report files, with one thread or many:
//! every random draw comes from a stream addressed by (seed, purpose, unit) — see
//! [`rng`] — and parallel work is collected in index order.

#![deny(missing_docs)]

pub mod bandit;
pub mod check;
pub mod checkpoint;
pub mod cost;
pub mod data;
pub mod error;
pub mod eval;
pub mod eval_run;
pub mod experiment;
pub mod fit;
pub mod ids;
pub mod interaction;
pub mod ope;
pub mod pipeline;
pub mod recommend;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod serve;
pub mod sim;
pub mod stats;
pub mod sweep;
pub mod world;
pub mod world_export;

pub use error::{Error, Result};
