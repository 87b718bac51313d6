//! Benchmarks of the arms layer: one SVD epoch on 1M ratings, each arm's candidate
//! list, the diversity pass alone, the exact regret of one request (the truth scores
//! every arm's slate) and one full request (3 arms blended, diversity on, K = 10,
//! 5,000 movies). docs/PERFORMANCE.md lists the medians.
//!
//! Run: `cargo bench --bench arms`. Inputs are built outside the timed closures.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::RngExt;

use recolab::ids::{ArmId, MovieId, UserId};
use recolab::interaction::{Interaction, InteractionKind};
use recolab::recommend::{
    ArmFactory, Arms, BlendNormalisation, BlendedItem, CoverageTracker, Diversity, PostProcess,
    Request, SlateBuilder, Svd, SvdParams, TrainingData,
};
use recolab::rng::{Purpose, SeedTree, stream};
use recolab::scenario::ScenarioSpec;
use recolab::scenario::spec::{ArmSpec, DiversitySpec};
use recolab::sim::{Candidates, RegretInputs, Scratch};
use recolab::world::context::{DayType, Daypart, Saturation, SessionPhase};
use recolab::world::{Context, Segment};
use recolab::world::{Situation, World};

fn svd_epoch(c: &mut Criterion) {
    let (n_users, n_movies, n_ratings) = (20_000u32, 5_000u32, 1_000_000usize);
    let mut rng = stream(1, Purpose::Evaluation, 0, 0);
    let ratings: Vec<Interaction> = (0..n_ratings)
        .map(|_| Interaction {
            user: UserId(rng.random_range(0..n_users)),
            movie: MovieId(rng.random_range(0..n_movies)),
            kind: InteractionKind::Rating,
            value: f32::from(rng.random_range(1u8..=5)),
            time_secs: 0,
        })
        .collect();
    let params = SvdParams {
        update_epochs: 1,
        ..SvdParams::default()
    };
    let mut model = Svd::new(params, stream(1, Purpose::ArmTraining, 0, 0));
    model.update_ratings(n_users as usize, n_movies as usize, &[]);
    let mut group = c.benchmark_group("svd");
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("epoch", "ratings=1000000/k=32"), |b| {
        b.iter(|| model.update_ratings(n_users as usize, n_movies as usize, black_box(&ratings)));
    });
    group.finish();
}

/// A default-sized catalogue (5,000 movies) with a smaller population, so the
/// benchmark builds in seconds; the per-request cost depends on the catalogue and
/// the user's history, not on the number of users.
fn world() -> (recolab::scenario::Scenario, World) {
    let mut spec = ScenarioSpec::default();
    spec.population.n_users = 3_000;
    let scenario = spec
        .validate(Path::new("bench.ron"), "bench")
        .expect("valid");
    let world = World::generate(&scenario, &SeedTree::new(42));
    (scenario, world)
}

fn context() -> Context {
    Context {
        daypart: Daypart::Evening,
        day_type: DayType::Weekday,
        segment: Segment::Regular,
        saturation: Saturation::Low,
        session_phase: SessionPhase::Early,
    }
}

fn requests(c: &mut Criterion) {
    let (scenario, world) = world();
    let seeds = SeedTree::new(42);
    let factory = ArmFactory::new(&world, seeds, 10);
    let specs: Vec<ArmSpec> = ArmSpec::all_defaults();
    let mut arms = Arms::build(&specs, &factory).expect("no vector files");
    arms.fit(&TrainingData {
        catalogue: &world.catalogue,
        population: &world.population,
        interactions: &world.warm_up,
    });
    // A regular user with a typical history (the median warm-up length).
    let mut by_user = vec![Vec::new(); world.population.len()];
    for i in &world.warm_up {
        by_user[i.user.index()].push(i.movie);
    }
    let mut lengths: Vec<(usize, u32)> = by_user
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.is_empty())
        .map(|(u, h)| (h.len(), u as u32))
        .collect();
    lengths.sort_unstable();
    let k = scenario.spec().stack.slate_size;
    let list_len = k * recolab::sim::POOL_FACTOR;
    let context = context();
    let recent = vec![0u16; world.catalogue.genre_names.len()];
    // The median history, and the 90th percentile: requests come from active users
    // more often than users are active (sessions weigh toward long histories).
    let mut group = c.benchmark_group("recommend");
    for (label, q) in [("p50", 0.5), ("p90", 0.9)] {
        let (len, u) = lengths[((lengths.len() - 1) as f64 * q) as usize];
        let user = UserId(u);
        let mut seen = by_user[user.index()].clone();
        seen.sort_unstable();
        let request = Request {
            user,
            context: &context,
            seen: &seen,
            time_secs: 0,
            session_position: 1,
            recent_genre_counts: &recent,
        };
        for (a, spec) in specs.iter().enumerate() {
            let arm = arms.get(ArmId(a as u16));
            let mut rng = stream(42, Purpose::Arm, 0, a as u64);
            let mut out = Vec::new();
            group.bench_function(
                BenchmarkId::new(spec.name(), format!("history={label}({len})/n={list_len}")),
                |b| {
                    b.iter(|| arm.recommend(black_box(&request), list_len, &mut rng, &mut out));
                },
            );
        }
    }
    group.finish();

    // A batch of requests as the replay's workers list them (`recommend_many`, 32
    // jobs per batch): users spread over the history quantiles. The factor arms
    // (SVD, embeddings, serendipity, PureSVD) share one two-stage scan of the
    // catalogue per batch; the figure is per batch.
    const BATCH: usize = 32;
    let batch_seen: Vec<(UserId, Vec<MovieId>)> = (0..BATCH)
        .map(|i| {
            let (_, u) = lengths[(lengths.len() - 1) * (2 * i + 1) / (2 * BATCH)];
            let mut seen = by_user[u as usize].clone();
            seen.sort_unstable();
            (UserId(u), seen)
        })
        .collect();
    let batch: Vec<Request<'_>> = batch_seen
        .iter()
        .map(|(user, seen)| Request {
            user: *user,
            context: &context,
            seen,
            time_secs: 0,
            session_position: 1,
            recent_genre_counts: &recent,
        })
        .collect();
    let mut group = c.benchmark_group("recommend_many");
    for (a, spec) in specs.iter().enumerate() {
        if !matches!(
            spec.name(),
            "svd" | "embeddings" | "serendipity" | "pure_svd"
        ) {
            continue;
        }
        let arm = arms.get(ArmId(a as u16));
        let mut rngs: Vec<_> = (0..BATCH)
            .map(|i| stream(42, Purpose::Arm, i as u64, a as u64))
            .collect();
        let mut outs = vec![Vec::new(); BATCH];
        group.bench_function(
            BenchmarkId::new(spec.name(), format!("users={BATCH}/n={list_len}")),
            |b| {
                b.iter(|| arm.recommend_many(black_box(&batch), list_len, &mut rngs, &mut outs));
            },
        );
    }
    group.finish();

    let (_, u) = lengths[(lengths.len() - 1) / 2];
    let user = UserId(u);
    let mut seen = by_user[user.index()].clone();
    seen.sort_unstable();
    let request = Request {
        user,
        context: &context,
        seen: &seen,
        time_secs: 0,
        session_position: 1,
        recent_genre_counts: &recent,
    };

    let mut diversity = DiversitySpec::default();
    diversity.popularity_dampening.enabled = true;
    diversity.long_tail_boost.enabled = true;
    diversity.niche_boost.enabled = true;
    diversity.coverage_boost.enabled = true;
    diversity.mmr.enabled = true;
    let on = Diversity::new(&diversity, &world.catalogue);
    let off = Diversity::new(&DiversitySpec::default(), &world.catalogue);
    let mut coverage = CoverageTracker::new(world.catalogue.len());
    let warm: Vec<BlendedItem> = world
        .warm_up
        .iter()
        .map(|i| BlendedItem {
            movie: i.movie,
            score: 0.0,
            arm: ArmId(0),
        })
        .collect();
    coverage.record(&warm);
    let index = |name: &str| {
        ArmId(
            specs
                .iter()
                .position(|s| s.name() == name)
                .expect("arm exists") as u16,
        )
    };
    let weights = [
        (index("svd"), 0.4),
        (index("item_cf"), 0.35),
        (index("long_tail"), 0.25),
    ];
    let rngs = (0..specs.len())
        .map(|a| seeds.stream(Purpose::Arm, a as u64))
        .collect();
    let mut builder = SlateBuilder::new(BlendNormalisation::Rank, list_len, rngs);

    // The diversity pass alone: a blended pool of 50 re-ranked into 10.
    let mut pool_builder = SlateBuilder::new(
        BlendNormalisation::Rank,
        list_len,
        (0..specs.len())
            .map(|a| seeds.stream(Purpose::Arm, a as u64))
            .collect(),
    );
    let mut pool = Vec::with_capacity(list_len);
    pool_builder.contextual_recommendations(
        &arms,
        &request,
        &weights,
        PostProcess {
            diversity: &off,
            coverage: &coverage,
        },
        list_len,
        &mut pool,
    );
    let mut group = c.benchmark_group("diversity");
    let mut work = pool.clone();
    let mut reranked = Vec::with_capacity(k);
    group.bench_function(
        BenchmarkId::new("all_five_steps", format!("pool={}/k={k}", pool.len())),
        |b| {
            b.iter(|| {
                work.copy_from_slice(&pool);
                on.rerank(black_box(&mut work), &coverage, k, &mut reranked);
            });
        },
    );
    group.finish();

    // Exact regret of one request: the truth scores the top K of every arm's list.
    let lists: Vec<Vec<recolab::recommend::Scored>> = specs
        .iter()
        .enumerate()
        .map(|(a, _)| {
            let mut rng = stream(42, Purpose::Arm, 0, a as u64);
            let mut out = Vec::new();
            arms.get(ArmId(a as u16))
                .recommend(&request, list_len, &mut rng, &mut out);
            out
        })
        .collect();
    let situation = Situation {
        daypart: context.daypart,
        day_type: context.day_type,
        session_position: 1,
        recent_genre_counts: &recent,
        fatigue_window: 10,
    };
    let inputs = RegretInputs {
        world: &world,
        taste: &world.tastes[user.index()],
        situation: &situation,
        reward: &scenario.spec().stack.reward,
        slate_size: k,
    };
    let mut scratch = Scratch::default();
    let mut rewards = Vec::with_capacity(lists.len());
    let mut group = c.benchmark_group("regret");
    group.bench_function(
        BenchmarkId::new("expected_rewards", format!("arms={}/k={k}", lists.len())),
        |b| {
            b.iter(|| {
                Candidates::expected_rewards(
                    black_box(&lists),
                    &inputs,
                    &mut scratch,
                    &mut rewards,
                );
            });
        },
    );
    group.finish();

    let mut slate = Vec::with_capacity(k);
    let mut group = c.benchmark_group("request");
    for (label, diversity) in [("on", &on), ("off", &off)] {
        group.bench_function(
            BenchmarkId::new(
                "svd+item_cf+long_tail",
                format!("diversity={label}/k={k}/movies=5000"),
            ),
            |b| {
                b.iter(|| {
                    builder.contextual_recommendations(
                        &arms,
                        black_box(&request),
                        &weights,
                        PostProcess {
                            diversity,
                            coverage: &coverage,
                        },
                        k,
                        &mut slate,
                    );
                });
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(std::time::Duration::from_secs(3));
    targets = svd_epoch, requests
}
criterion_main!(benches);
