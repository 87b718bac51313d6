//! One test per class of scenario error: each asserts that the message names the
//! file, the field and the fix.

use std::path::Path;

use super::{Scenario, ScenarioError, ScenarioSpec};

fn parse(src: &str) -> Result<Scenario, ScenarioError> {
    Scenario::from_ron_str(src, Path::new("bad.ron"), "bad")
}

fn message(src: &str) -> String {
    format!("{}", parse(src).expect_err("the scenario must be rejected"))
}

fn assert_mentions(msg: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            msg.contains(part),
            "message {msg:?} should mention {part:?}"
        );
    }
}

#[test]
fn empty_scenario_is_the_default_world() {
    let scenario = parse("()").unwrap();
    assert_eq!(scenario.name(), "bad");
    let expected = ScenarioSpec {
        name: Some("bad".into()),
        ..ScenarioSpec::default()
    };
    assert_eq!(scenario.spec(), &expected);
}

#[test]
fn resolved_scenario_round_trips_through_ron() {
    let scenario = parse("(seed: 9, catalogue: (n_movies: 300))").unwrap();
    let again = parse(&scenario.to_ron()).unwrap();
    assert_eq!(again, scenario);
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let msg = message("(\n  seed: 3,\n  catalogue: (n_movies: 10\n");
    assert_mentions(
        &msg,
        &["bad.ron:3:27:", "in `catalogue`", "expected a `,`", "fix:"],
    );
}

#[test]
fn unknown_field_names_the_path_and_the_allowed_fields() {
    let msg = message("(\n  catalogue: (\n    n_moviez: 10,\n  ),\n)");
    assert_mentions(
        &msg,
        &["bad.ron:3:", "catalogue", "n_moviez", "n_movies", "fix"],
    );
}

#[test]
fn wrong_type_names_the_field() {
    let msg = message("(population: (n_users: \"many\"))");
    assert_mentions(&msg, &["bad.ron:1:", "population.n_users"]);
}

#[test]
fn unknown_variant_lists_the_allowed_ones() {
    let msg = message("(stack: (arms: [Popularity, Magic]))");
    assert_mentions(&msg, &["stack.arms", "Magic", "Popularity", "Random"]);
}

#[test]
fn shares_not_summing_to_one_are_rejected() {
    let msg = message(
        "(population: (activity: Segments, segments: (
            cold_start: (share: 0.3, visits_per_day: 0.1, warm_up_interactions: (min: 0, max: 3)),
            regular: (share: 0.3, visits_per_day: 0.3, warm_up_interactions: (min: 5, max: 40)),
            power: (share: 0.3, visits_per_day: 0.8, warm_up_interactions: (min: 40, max: 150)),
        )))",
    );
    assert_mentions(
        &msg,
        &[
            "bad.ron",
            "`population.segments`",
            "sum to 0.9",
            "fix: make the shares sum to 1",
        ],
    );
}

#[test]
fn segment_shares_are_not_read_by_the_log_normal_activity() {
    let spec: ScenarioSpec = ron::from_str(
        "(population: (segments: (
            cold_start: (share: 0.5, visits_per_day: 0.1, warm_up_interactions: (min: 0, max: 3)),
            regular: (share: 0.9, visits_per_day: 0.3, warm_up_interactions: (min: 5, max: 40)),
            power: (share: 0.3, visits_per_day: 0.8, warm_up_interactions: (min: 40, max: 150)),
        )))",
    )
    .unwrap();
    assert!(spec.validate(Path::new("ok.ron"), "ok").is_ok());
}

#[test]
fn impossible_log_normal_activity_names_each_field() {
    let msg = message(
        "(population: (activity: LogNormal(median: 0, sigma: -1, min: 50, max: 10,
            thresholds: (cold_start_below: 30, power_from: 20)), visibility_weight: -0.5))",
    );
    assert_mentions(
        &msg,
        &[
            "5 problems",
            "`population.activity.median`: is 0",
            "`population.activity.sigma`: is -1",
            "`population.activity`: min 50 is above max 10",
            "`population.activity.thresholds.power_from`: is 20 but `cold_start_below` is 30",
            "`population.visibility_weight`: is -0.5",
        ],
    );
}

#[test]
fn out_of_range_values_name_field_value_and_range() {
    let msg = message(
        "(response: (rating: (probability: 1.5)), catalogue: (extra_genre_probability: -0.1))",
    );
    assert_mentions(
        &msg,
        &[
            "2 problems",
            "`response.rating.probability`: is 1.5; fix: use a probability in [0, 1]",
            "`catalogue.extra_genre_probability`: is -0.1",
        ],
    );
}

#[test]
fn slate_larger_than_catalogue_is_inconsistent() {
    let msg = message(
        "(catalogue: (n_movies: 5), population: (segments: (
            cold_start: (share: 1.0, visits_per_day: 0.1, warm_up_interactions: (min: 0, max: 2)),
            regular: (share: 0.0, visits_per_day: 0.3, warm_up_interactions: (min: 0, max: 2)),
            power: (share: 0.0, visits_per_day: 0.8, warm_up_interactions: (min: 0, max: 2)),
        )), stack: (slate_size: 10))",
    );
    assert_mentions(
        &msg,
        &[
            "`stack.slate_size`",
            "is 10 but the catalogue has 5 movies",
            "fix",
        ],
    );
}

#[test]
fn warm_up_longer_than_catalogue_is_inconsistent() {
    let msg = message("(catalogue: (n_movies: 100), population: (activity: Segments))");
    assert_mentions(
        &msg,
        &[
            "`population.segments.power.warm_up_interactions.max`",
            "is 150",
            "at most `catalogue.n_movies`",
        ],
    );
}

#[test]
fn unknown_genre_reference_lists_the_genres() {
    let msg = message("(context: (weekend_shifts: [(genre: \"westerns\", shift: 0.5)]))");
    assert_mentions(
        &msg,
        &[
            "`context.weekend_shifts[0].genre`",
            "\"westerns\"",
            "\"anime\"",
            "fix",
        ],
    );
}

#[test]
fn policy_naming_an_absent_arm_is_rejected() {
    let msg = message(
        "(stack: (arms: [Popularity], arms_per_request: 1, policy: StaticWeights(weights: {\"svd\": 1.0})))",
    );
    assert_mentions(
        &msg,
        &[
            "`stack.policy.weights[\"svd\"]`",
            "not in `stack.arms`",
            "[\"popularity\"]",
        ],
    );
}

#[test]
fn duplicate_arms_and_too_many_arms_per_request_are_rejected() {
    let msg = message("(stack: (arms: [Popularity, Popularity], arms_per_request: 3))");
    assert_mentions(
        &msg,
        &[
            "`stack.arms[1]`",
            "appears twice",
            "`stack.arms_per_request`",
            "blend at most the 2 arm(s)",
        ],
    );
}

#[test]
fn experiments_must_not_overlap_and_need_two_variants() {
    let msg = message(
        "(experiments: [
            (id: \"a\", traffic: 0.7, variants: [(name: \"control\"), (name: \"treatment\")]),
            (id: \"b\", traffic: 0.6, variants: [(name: \"control\")]),
        ])",
    );
    assert_mentions(
        &msg,
        &[
            "`experiments[1].variants`",
            "at least two variants",
            "`experiments`",
            "sum to 1.3",
            "at most 1",
        ],
    );
}

#[test]
fn arrival_profile_needs_24_hours() {
    let msg = message("(horizon: (arrival_profile: [1.0, 2.0]))");
    assert_mentions(
        &msg,
        &["`horizon.arrival_profile`", "has 2 values", "exactly 24"],
    );
}

#[test]
fn non_finite_numbers_are_rejected() {
    let msg = message("(response: (no_click_utility: inf))");
    assert_mentions(&msg, &["`response.no_click_utility`", "is inf", "finite"]);
}

#[test]
fn bad_name_is_rejected() {
    let msg = message("(name: \"../escape\")");
    assert_mentions(&msg, &["`name`", "letters, digits"]);
}

#[test]
fn missing_file_names_the_path() {
    let err = Scenario::from_file(Path::new("no/such/scenario.ron")).unwrap_err();
    assert_mentions(&err.to_string(), &["no/such/scenario.ron", "cannot read"]);
}

#[test]
fn starter_scenario_is_valid() {
    let src = super::STARTER_SCENARIO.replace("{name}", "starter");
    let scenario = parse(&src).unwrap();
    assert_eq!(scenario.name(), "starter");
}

#[test]
fn gate_errors_name_the_field_and_the_fix() {
    let msg = message("(pipeline: (gate: (test_share: 1.0, metrics: [])))");
    assert_mentions(
        &msg,
        &[
            "bad.ron",
            "pipeline.gate.test_share",
            "use a share in (0, 1)",
            "pipeline.gate.metrics",
            "list at least one of",
        ],
    );
    let msg = message("(pipeline: (retrain_every_hours: 0.0, gate: (metrics: [ndcg, ndcg])))");
    assert_mentions(
        &msg,
        &[
            "pipeline.gate",
            "retrain_every_hours",
            "names a metric twice",
        ],
    );
    let msg = message("(pipeline: (gate: (eval_users: 0, tolerance: 2.0)))");
    assert_mentions(
        &msg,
        &["pipeline.gate.eval_users", "pipeline.gate.tolerance"],
    );
}

#[test]
fn fault_errors_name_the_entry_and_the_fix() {
    // The default horizon is 30 days: 720 hours.
    let msg = message(
        "(pipeline: (faults: [(at_hours: 720.0, kind: JobFails), \
         (at_hours: 5.0, kind: DivergingLearningRate(factor: inf))], work_budget: 0))",
    );
    assert_mentions(
        &msg,
        &[
            "bad.ron",
            "pipeline.faults[0].at_hours",
            "use a time in (0, 720) hours",
            "pipeline.faults[1].kind.factor",
            "use a finite number",
            "`pipeline.gate` is absent",
            "add `gate: ()`",
            "pipeline.work_budget",
        ],
    );
    let msg = message("(pipeline: (retrain_every_hours: 0.0, work_budget: 10))");
    assert_mentions(&msg, &["pipeline.faults", "retrain_every_hours` is 0"]);
    let ok = parse(
        "(stack: (arms: [Popularity, Svd()], policy: Thompson(), arms_per_request: 1), \
         pipeline: (gate: (), faults: [(at_hours: 48.0, kind: CorruptBatch), \
         (at_hours: 72.0, kind: DivergingLearningRate(factor: 50.0))], work_budget: 10))",
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn a_resolved_gate_round_trips_and_its_absence_writes_nothing() {
    let gated = parse("(pipeline: (gate: (tolerance: 0.2)))").unwrap();
    assert_eq!(parse(&gated.to_ron()).unwrap(), gated);
    assert!(!parse("()").unwrap().to_ron().contains("gate"));
}

#[test]
fn alert_errors_name_the_field_and_the_fix() {
    let msg = message("(pipeline: (alerts: (max_arm_share: 1.5, min_ratings: 0)))");
    assert_mentions(
        &msg,
        &[
            "bad.ron",
            "pipeline.alerts.max_arm_share",
            "use a probability in [0, 1]",
            "pipeline.alerts.min_ratings",
        ],
    );
    let alerted = parse("(pipeline: (alerts: (long_tail_baseline: 0.2)))").unwrap();
    assert_eq!(parse(&alerted.to_ron()).unwrap(), alerted);
}

#[test]
fn search_range_errors_name_the_field_and_the_fix() {
    let stack =
        "stack: (arms: [Popularity, Svd(), ItemCf()], policy: Thompson(), arms_per_request: 1)";
    let msg = message(&format!(
        "({stack}, pipeline: (gate: (search: (svd: (factors: [16, 0], learning_rate: \
         [-0.01], regularisation: []), item_cf: (neighbours: [20, 20])))))"
    ));
    assert_mentions(
        &msg,
        &[
            "bad.ron",
            "pipeline.gate.search.svd.factors[1]",
            "use a whole number from 1 to 512",
            "pipeline.gate.search.svd.learning_rate[0]",
            "use a learning rate in (0, 1)",
            "pipeline.gate.search.svd.regularisation",
            "is empty, so there would be nothing to search",
            "leave the field out to keep the arm's own",
            "pipeline.gate.search.item_cf",
            "names a value twice",
        ],
    );
    // Shares that leave nothing to train, a search of nothing, an arm the stack lacks.
    let msg = message(
        "(stack: (arms: [Popularity, Svd()], policy: Thompson(), arms_per_request: 1), pipeline: (gate: \
         (test_share: 0.5, search: (validation_share: 0.5, item_cf: (neighbours: [10])))))",
    );
    assert_mentions(
        &msg,
        &[
            "pipeline.gate.search.validation_share",
            "test_share + validation_share < 1",
            "`stack.arms` has no `ItemCf` arm",
            "add `ItemCf()` to `stack.arms` or leave `item_cf` out",
        ],
    );
    assert_mentions(
        &message(&format!("({stack}, pipeline: (gate: (search: ())))")),
        &["pipeline.gate.search", "nothing to search"],
    );
    // A grid beyond 256 configurations needs a sample; a sample of 0 is refused.
    let big = format!(
        "({stack}, pipeline: (gate: (search: (svd: (factors: [{}], learning_rate: [0.01, \
         0.02, 0.03])))))",
        (1..=100)
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_mentions(
        &message(&big),
        &[
            "has a grid of 300 configurations",
            "set `sample` to at most 256",
        ],
    );
    let sampled = big.replace("0.03]))", "0.03]), sample: Some(20))");
    assert!(parse(&sampled).is_ok(), "{sampled}");
    assert_mentions(
        &message(&format!(
            "({stack}, pipeline: (gate: (search: (item_cf: (neighbours: [5]), sample: Some(0)))))"
        )),
        &[
            "pipeline.gate.search.sample",
            "use a whole number from 1 to 256",
        ],
    );
    // A diverging learning rate cannot multiply a searched learning rate.
    assert_mentions(
        &message(&format!(
            "({stack}, pipeline: (gate: (search: (svd: (learning_rate: [0.01]))), faults: \
             [(at_hours: 24.0, kind: DivergingLearningRate(factor: 50.0))]))"
        )),
        &[
            "pipeline.faults[0].kind",
            "leave `learning_rate` out of the search",
        ],
    );
}

#[test]
fn a_resolved_search_round_trips_and_snapshot_hours_are_checked() {
    let searched = parse(
        "(stack: (arms: [Popularity, Svd(), ItemCf()], policy: Thompson(), arms_per_request: 1), \
         pipeline: (gate: (split: temporal, search: (svd: (factors: [8, 16]), item_cf: (neighbours: \
         [10, 20]), metric: rmse, sample: Some(3))), bandit_snapshot_every_hours: 24.0, \
         metric_snapshot_every_hours: 6.0))",
    )
    .unwrap();
    assert_eq!(parse(&searched.to_ron()).unwrap(), searched);
    let plain = parse("(pipeline: (gate: ()))").unwrap().to_ron();
    for absent in ["split", "search", "snapshot"] {
        assert!(!plain.contains(absent), "{plain}");
    }
    assert_mentions(
        &message(
            "(pipeline: (metric_snapshot_every_hours: 0.5, bandit_snapshot_every_hours: -1.0))",
        ),
        &[
            "pipeline.metric_snapshot_every_hours",
            "pipeline.bandit_snapshot_every_hours",
            "use 0 (no snapshots) or a number of simulated hours in [1, 1e6]",
        ],
    );
}

#[test]
fn rollout_static_weights_errors_name_the_map_entry() {
    // The path is the field as written: `pipeline.rollout.static_weights["svd"]`,
    // with no `.weights` inside it (the map is the field itself).
    let msg = message(
        "(stack: (arms: [Popularity], arms_per_request: 1, policy: Thompson()),
          pipeline: (retrain_every_hours: 12.0, gate: (),
                     rollout: (static_weights: {\"svd\": 1.0, \"popularity\": 0.0})))",
    );
    assert_mentions(
        &msg,
        &[
            "`pipeline.rollout.static_weights[\"svd\"]`",
            "not in `stack.arms`",
        ],
    );
    assert!(!msg.contains("static_weights.weights"), "{msg}");
    let msg = message(
        "(stack: (arms: [Popularity], arms_per_request: 1, policy: Thompson()),
          pipeline: (retrain_every_hours: 12.0, gate: (),
                     rollout: (static_weights: {\"popularity\": 0.0})))",
    );
    assert_mentions(
        &msg,
        &[
            "`pipeline.rollout.static_weights`",
            "no arm has a positive weight",
        ],
    );
}
