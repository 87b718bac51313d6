//! The integration tests: one binary, one module per concern.

mod bandit;
mod cli;
mod determinism;
mod helpers;
