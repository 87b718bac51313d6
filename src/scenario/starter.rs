//! The commented starter scenario written by `recolab init`.

/// A small, commented scenario; `{name}` is replaced by the chosen name.
/// Every field left out takes the default documented in `docs/SCENARIOS.md`.
pub const STARTER_SCENARIO: &str = r#"// recolab scenario — every field is optional; see docs/SCENARIOS.md.
// Run it:      recolab run {name}.ron
// Check it:    recolab validate {name}.ron
(
    name: "{name}",
    // Root of every random stream: same seed, same report, byte for byte.
    seed: 7,

    catalogue: (
        n_movies: 2000,
        // Vote counts are log-normal: most movies below 1,000 votes, a few huge.
        vote_count: (median: 250.0, sigma: 1.6),
        // Hidden gems: fewer than `long_tail_max_votes` votes, average above 7.5.
        hidden_gem_share: 0.05,
        long_tail_max_votes: 1000,
    ),

    population: (
        n_users: 5000,
        // Shares sum to 1; visits per simulated day; history before day 0.
        segments: (
            cold_start: (share: 0.3, visits_per_day: 0.1, warm_up_interactions: (min: 0, max: 3)),
            regular: (share: 0.55, visits_per_day: 0.25, warm_up_interactions: (min: 5, max: 40)),
            power: (share: 0.15, visits_per_day: 0.8, warm_up_interactions: (min: 40, max: 150)),
        ),
        niche_lover_share: 0.15,
    ),

    context: (
        // Tastes really shift by daypart and weekend (scaled per user).
        daypart_shifts: [
            (daypart: night, genre: "horror", shift: 0.9),
            (daypart: morning, genre: "documentary", shift: 0.8),
        ],
        weekend_shifts: [(genre: "family", shift: 0.6)],
        fatigue: (window: 10, strength: 1.0),
    ),

    response: (
        position_bias: 0.8,     // P(examine position k) = 1 / k^0.8
        no_click_utility: 2.5,  // the utility of leaving without a click
        rating: (probability: 0.6, noise_sd: 0.5),
    ),

    horizon: (days: 14, warm_up_days: 30),

    stack: (
        arms: [Popularity, Random],
        policy: StaticWeights(weights: {"popularity": 0.5, "random": 0.5}),
        arms_per_request: 2,
        slate_size: 10,
    ),

    // Half the users see only the popularity arm; events record experiment and variant.
    // The report ends with the verdict and the plan's scorecard (docs/AB_TESTING_GUIDE.md).
    experiments: [
        (
            id: "popularity_only",
            traffic: 1.0,
            variants: [
                (name: "control"),
                (name: "treatment", policy: StaticWeights(weights: {"popularity": 1.0})),
            ],
            primary_metric: Ctr,                 // or UserCtr, ClickedUsers, MeanRating, …
            guardrails: [(metric: MeanRating, margin: 0.02)],
            stopping: GroupSequential(looks: 5, spending: ObrienFleming),
        ),
    ],
)
"#;
