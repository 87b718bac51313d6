//! Every shipped scenario is valid.

use recolab::scenario::Scenario;

use crate::harness::root;

#[test]
fn every_shipped_scenario_validates() {
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ron") {
            Scenario::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 2, "expected the shipped scenarios, found {n}");
}

#[test]
fn default_scenario_has_the_promised_size() {
    let s = Scenario::from_file(&root().join("scenarios/default.ron")).unwrap();
    let spec = s.spec();
    assert!(spec.catalogue.n_movies >= 5_000);
    assert!(spec.population.n_users >= 20_000);
    assert!(spec.horizon.days >= 30);
}
