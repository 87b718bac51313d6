//! recolab's integration tests: one binary, small helpers, one module per concern.

mod cli;
mod determinism;
mod harness;
mod scenarios;
mod stability;
