//! Ranking metrics at scale: nDCG@10 + Recall@10 + MRR for 100,000 users with 100
//! recommendations each. Run: `cargo bench --bench metrics`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::RngExt;
use recolab::eval::{Gain, Relevance, ranking_means};
use recolab::rng::{Purpose, stream};

const N_USERS: usize = 100_000;
const LIST_LEN: u32 = 100;
const N_ITEMS: u32 = 10_000;

/// Lists of 100 distinct items and 1–20 graded relevant items per user, drawn once
/// outside the timed closure.
fn inputs() -> (Vec<Vec<u32>>, Vec<Relevance>) {
    let mut rng = stream(1, Purpose::Evaluation, 0, 0);
    let mut lists = Vec::with_capacity(N_USERS);
    let mut relevance = Vec::with_capacity(N_USERS);
    for _ in 0..N_USERS {
        let start = rng.random_range(0..N_ITEMS - LIST_LEN);
        lists.push((start..start + LIST_LEN).collect());
        let n = rng.random_range(1..=20);
        let grades = (0..n)
            .map(|_| {
                (
                    rng.random_range(0..N_ITEMS),
                    f64::from(rng.random_range(1..=5u8)),
                )
            })
            .collect();
        relevance.push(Relevance::new(grades, 1.0).expect("grades 1–5, threshold 1"));
    }
    (lists, relevance)
}

fn ranking(c: &mut Criterion) {
    let (lists, relevance) = inputs();
    let mut group = c.benchmark_group("ranking");
    group.sample_size(10);
    group.bench_with_input(
        BenchmarkId::new(
            "ndcg_recall_mrr_at_10",
            format!("users={N_USERS}/list={LIST_LEN}"),
        ),
        &(lists, relevance),
        |b, (lists, relevance)| b.iter(|| ranking_means(lists, relevance, 10, Gain::Linear)),
    );
    group.finish();
}

criterion_group!(benches, ranking);
criterion_main!(benches);
