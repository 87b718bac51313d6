//! The one integration-test binary: modules by theme.

mod evaluation;
mod fixtures;
mod reference;
