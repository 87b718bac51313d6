//! A/B experiments: which users see which variant.

mod assignment;

pub use assignment::{Assigner, Assignment};
