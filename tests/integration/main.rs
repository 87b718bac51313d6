//! recolab's integration tests: one binary, small helpers, one module per concern.

mod bandit;
mod bandit_cli;
mod bandit_determinism;
mod checkpoints;
mod cli;
mod determinism;
mod evaluated_versions;
mod evaluation;
mod experiments;
mod fit;
mod fixtures;
mod harness;
mod input_limits;
mod log_shape;
mod ope;
mod pipeline;
mod quiet;
mod real_logs;
mod realism;
mod reference;
mod reports;
mod rollout;
mod scenarios;
mod stability;
mod world_export;
