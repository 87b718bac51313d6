//! The experiment analysis: one metric compared with CUPED, and group-sequential
//! boundaries.
//!
//! ```text
//! cargo bench --bench experiment
//! ```
//!
//! The analysis of a run is a few hundred comparisons over the experiment's users
//! (every metric, every look, every subgroup); at 10,000 users a comparison should
//! stay well under 10 ms so that the report never adds noticeably to a run.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use recolab::experiment::{UserCounts, UserRow, compare};
use recolab::scenario::spec::Metric;
use recolab::stats::{Spending, boundaries};

/// Deterministic, varied users: no generator needed for a timing input.
fn rows(n: usize, offset: u32) -> Vec<UserRow> {
    (0..n as u32)
        .map(|i| {
            let requests = 1 + (i * 7 + offset) % 40;
            let clicks = (i * 13 + offset) % (requests + 1) / 3;
            (
                UserCounts {
                    requests,
                    sessions: 1 + requests / 3,
                    clicks,
                    expected_clicks: f64::from(clicks) * 0.9,
                    impressions: requests * 10,
                    ..UserCounts::default()
                },
                [
                    f64::from(requests % 17).ln_1p(),
                    3.0 + f64::from(i % 5) / 4.0,
                ],
            )
        })
        .collect()
}

fn compare_with_cuped(c: &mut Criterion) {
    let mut group = c.benchmark_group("compare");
    for n in [1_000usize, 10_000] {
        let control = rows(n, 0);
        let treatment = rows(n, 3);
        group.bench_with_input(BenchmarkId::new("ctr_cuped/users", n), &n, |b, _| {
            b.iter(|| {
                black_box(compare(
                    Metric::Ctr,
                    "t",
                    black_box(&control),
                    black_box(&treatment),
                    0.05,
                    true,
                    0.1,
                ))
            });
        });
    }
    group.finish();
}

fn sequential_boundaries(c: &mut Criterion) {
    let mut group = c.benchmark_group("boundaries");
    for looks in [5usize, 30] {
        let info: Vec<f64> = (1..=looks).map(|k| k as f64).collect();
        let times: Vec<f64> = (1..=looks).map(|k| k as f64 / looks as f64).collect();
        group.bench_with_input(
            BenchmarkId::new("obrien_fleming/looks", looks),
            &looks,
            |b, _| {
                b.iter(|| black_box(boundaries(&info, &times, 0.05, Spending::ObrienFleming)));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, compare_with_cuped, sequential_boundaries);
criterion_main!(benches);
