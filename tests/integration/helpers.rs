//! Small helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use recolab::scenario::Scenario;
use recolab::sweep::{CellResult, compare_scenario, run_cells};

/// A shipped scenario file.
pub fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.ron"))
}

/// A shipped scenario, loaded and validated.
pub fn scenario(name: &str) -> Scenario {
    Scenario::from_file(&scenario_path(name)).expect("shipped scenarios are valid")
}

/// Runs `policies` (short syntax) on `n_seeds` seeds of `base`: `[policy][seed]`.
pub fn cells(base: &Scenario, policies: &[&str], n_seeds: usize) -> Vec<Vec<CellResult>> {
    let arms: Vec<&str> = base.spec().stack.arms.iter().map(|a| a.name()).collect();
    let scenarios: Vec<Scenario> = policies
        .iter()
        .map(|p| {
            let spec = recolab::bandit::parse_policy(p, &arms).expect("test policies parse");
            compare_scenario(base, p, spec).expect("test policies validate")
        })
        .collect();
    run_cells(&scenarios, n_seeds)
}

/// A copy of `base` with fewer users and days (for debug-build tests).
pub fn shrunk(base: &Scenario, n_users: usize, days: u32) -> Scenario {
    let mut spec = base.spec().clone();
    spec.population.n_users = n_users;
    spec.horizon.days = days;
    spec.validate(Path::new("shrunk"), base.name())
        .expect("shrinking keeps a scenario valid")
}
