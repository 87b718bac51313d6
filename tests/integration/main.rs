//! recolab's integration tests: one binary, small helpers, one module per concern.

mod cli;
mod determinism;
mod evaluation;
mod fixtures;
mod harness;
mod reference;
mod scenarios;
mod stability;
