//! Diversity within one list (intra-list diversity) and across users' lists
//! (homogenisation), with the similarity measures they are usually built on.

use std::cmp::Ordering;

/// Mean dissimilarity over all unordered pairs of positions in one list; `None` for
/// a list of fewer than two items.
///
/// Repeated items are not removed: the shown slate really holds both copies, and the
/// pair contributes `dissimilarity(i, i)` (normally 0), which is the diversity lost.
/// Any dissimilarity works; `1 − cosine_similarity` of content vectors and
/// `1 − jaccard` of genre sets are the usual ones.
///
/// ```text
/// ILD(L) = 2 / (|L| (|L| − 1)) · Σ_{a < b} d(L_a, L_b)
/// ```
///
/// # References
///
/// Smyth & McClave (2001), "Similarity vs. diversity", ICCBR; Ziegler, McNee,
/// Konstan & Lausen (2005), "Improving recommendation lists through topic
/// diversification", WWW.
#[must_use]
pub fn intra_list_diversity(list: &[u32], dissimilarity: impl Fn(u32, u32) -> f64) -> Option<f64> {
    if list.len() < 2 {
        return None;
    }
    let mut sum = 0.0;
    for (a, &first) in list.iter().enumerate() {
        for &second in &list[a + 1..] {
            sum += dissimilarity(first, second);
        }
    }
    let n_pairs = list.len() * (list.len() - 1) / 2;
    Some(sum / n_pairs as f64)
}

/// Cosine of the angle between two vectors, in `[−1, 1]`; 0 when either is the zero
/// vector, which has no direction and so resembles nothing.
///
/// ```text
/// cos(a, b) = a · b / (‖a‖ ‖b‖)
/// ```
///
/// # Panics
///
/// If `a` and `b` differ in length.
///
/// # References
///
/// Salton & McGill (1983), *Introduction to Modern Information Retrieval*.
#[must_use]
pub fn cosine_similarity(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "vectors must have the same length");
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm_a = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let norm_b = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm_a == 0.0 || norm_b == 0.0 {
        return 0.0;
    }
    // Rounding can push |cos| of parallel vectors just past 1.
    (dot / (norm_a * norm_b)).clamp(-1.0, 1.0)
}

/// Jaccard index of the sets of ids in `a` and `b` (repeats ignored); 0 when both
/// are empty, so two empty lists never count as identical.
///
/// ```text
/// J(A, B) = |A ∩ B| / |A ∪ B|
/// ```
///
/// # References
///
/// Jaccard (1912), "The distribution of the flora in the alpine zone", New
/// Phytologist 11(2).
#[must_use]
pub fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    jaccard_of_sorted_sets(&sorted_set(a), &sorted_set(b))
}

/// Mean Jaccard index over all unordered pairs of users' lists: 0 when no two users
/// share an item, 1 when everyone gets the same set. `None` for fewer than two lists.
///
/// Lists with the same set of items are counted once with their multiplicity (`m`
/// copies of a non-empty set make `m (m − 1) / 2` pairs of index 1), and only distinct
/// sets that share an item have a non-zero index, found through an inverted index
/// (item → sets holding it). The cost is `Σ_i s_i²` over items held by `s_i` distinct
/// sets, not `u² · L`; pass a fixed, deterministically chosen subset of users for
/// large populations all the same. When lists concentrate on few items (a
/// popularity-like arm, where nearly every pair shares an item), each distinct set
/// becomes a bitset over the items used and a pair costs `⌈n_used / 64⌉` AND+popcounts
/// instead of one scattered count per shared item. For up to about a thousand
/// lists each distinct set instead adds its items' holder bitsets into bit-sliced
/// counters, 64 later sets per word, and reads the sets it shares an item with in
/// ascending order: no scattered counts and no sort. The cheapest of the three
/// ways is chosen from their costs. All add the same terms in the same order, so
/// the value is the same bit for bit.
///
/// ```text
/// H = 2 / (u (u − 1)) · Σ_{v < w} J(L_v, L_w)
/// ```
///
/// # Determinism
///
/// Distinct sets are ordered by their items, and the sum runs over them in that order
/// on one thread; the result does not depend on the order of `lists`.
///
/// # References
///
/// Chaney, Stewart & Engelhardt (2018), "How algorithmic confounding in
/// recommendation systems increases homogeneity and decreases utility", RecSys
/// (homogenisation measured by the Jaccard index of users' item sets).
#[must_use]
pub fn homogenisation(lists: &[Vec<u32>]) -> Option<f64> {
    homogenisation_by(lists, None)
}

/// How [`homogenisation_by`] finds the pairs of distinct sets that share an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PairSearch {
    /// Per set, counters scattered through the inverted index ([`sum_by_index`]).
    Index,
    /// Every pair's item bitsets ANDed ([`sum_by_bitsets`]).
    Bitsets,
    /// Per set, its items' holder bitsets added into bit-sliced counters
    /// ([`sum_by_slices`]).
    Slices,
}

/// Largest holder-bitset table [`sum_by_slices`] builds, in 64-bit words (16 MB).
const MAX_SLICE_WORDS: usize = 1 << 21;

/// [`homogenisation`] by the given [`PairSearch`], or the cheapest (`None`).
fn homogenisation_by(lists: &[Vec<u32>], search: Option<PairSearch>) -> Option<f64> {
    if lists.len() < 2 {
        return None;
    }
    // Distinct sets with their multiplicities, in set order.
    let mut sets: Vec<Vec<u32>> = lists.iter().map(|list| sorted_set(list)).collect();
    sets.sort_unstable();
    let mut distinct: Vec<(&[u32], u64)> = Vec::new();
    for set in &sets {
        match distinct.last_mut() {
            Some((last, m)) if *last == set.as_slice() => *m += 1,
            _ => distinct.push((set, 1)),
        }
    }
    let n_items = distinct
        .iter()
        .filter_map(|(s, _)| s.last())
        .max()
        .map_or(0, |&m| m as usize + 1);
    // holders[i]: the distinct sets holding item i, ascending.
    let mut holders: Vec<Vec<u32>> = vec![Vec::new(); n_items];
    for (v, (set, _)) in distinct.iter().enumerate() {
        for &item in *set {
            holders[item as usize].push(v as u32);
        }
    }
    let n_used = holders.iter().filter(|h| !h.is_empty()).count();
    let n_words = n_used.div_ceil(64);
    let n_distinct = distinct.len() as u64;
    let index_cost: u64 = holders
        .iter()
        .map(|h| (h.len() as u64) * (h.len() as u64) / 2)
        .sum();
    let bitset_cost = n_distinct * n_distinct.saturating_sub(1) / 2 * n_words as u64;
    // Sets' words of holder bits: each set adds its items' words from its own on.
    let set_words = distinct.len().div_ceil(64);
    let slice_cost: u64 = distinct
        .iter()
        .enumerate()
        .map(|(v, (set, _))| (set.len() * (set_words - v / 64)) as u64)
        .sum();
    let search = search.unwrap_or(
        if n_used.saturating_mul(set_words) <= MAX_SLICE_WORDS
            && slice_cost <= index_cost.min(bitset_cost)
        {
            PairSearch::Slices
        } else if bitset_cost < index_cost {
            PairSearch::Bitsets
        } else {
            PairSearch::Index
        },
    );
    let sum = match search {
        PairSearch::Index => sum_by_index(&distinct, &holders),
        PairSearch::Bitsets => sum_by_bitsets(&distinct, &holders, n_words),
        PairSearch::Slices => sum_by_slices(&distinct, &holders),
    };
    let n_pairs = lists.len() * (lists.len() - 1) / 2;
    Some(sum / n_pairs as f64)
}

/// `Σ_{v < w} m_v m_w J(S_v, S_w)` plus the pairs of identical sets, over distinct
/// sets `(S_v, m_v)`: the pairs that share an item found through `holders`.
fn sum_by_index(distinct: &[(&[u32], u64)], holders: &[Vec<u32>]) -> f64 {
    let mut common = vec![0u32; distinct.len()];
    let mut touched: Vec<u32> = Vec::new();
    let mut sum = 0.0;
    for (v, &(set, m_v)) in distinct.iter().enumerate() {
        if !set.is_empty() {
            // Pairs of identical lists.
            sum += (m_v * (m_v - 1) / 2) as f64;
        }
        for &item in set {
            let list = &holders[item as usize];
            // Sets after v only: each unordered pair once.
            let from = list.partition_point(|&w| w as usize <= v);
            for &w in &list[from..] {
                if common[w as usize] == 0 {
                    touched.push(w);
                }
                common[w as usize] += 1;
            }
        }
        touched.sort_unstable();
        for &w in &touched {
            let (other, m_w) = distinct[w as usize];
            let n_common = common[w as usize] as usize;
            let n_union = set.len() + other.len() - n_common;
            sum += (m_v * m_w) as f64 * (n_common as f64 / n_union as f64);
            common[w as usize] = 0;
        }
        touched.clear();
    }
    sum
}

/// [`sum_by_index`] with each distinct set as a bitset of `n_words` words over the
/// items that some set holds: every later set is compared, those sharing no item
/// skipped, so the same terms are added in the same order.
fn sum_by_bitsets(distinct: &[(&[u32], u64)], holders: &[Vec<u32>], n_words: usize) -> f64 {
    let mut bits = vec![0u64; distinct.len() * n_words];
    for (bit, sets) in holders.iter().filter(|h| !h.is_empty()).enumerate() {
        for &v in sets {
            bits[v as usize * n_words + bit / 64] |= 1 << (bit % 64);
        }
    }
    let row = |v: usize| &bits[v * n_words..(v + 1) * n_words];
    let mut sum = 0.0;
    for (v, &(set, m_v)) in distinct.iter().enumerate() {
        if !set.is_empty() {
            sum += (m_v * (m_v - 1) / 2) as f64;
        }
        let mine = row(v);
        for (w, &(other, m_w)) in distinct.iter().enumerate().skip(v + 1) {
            let n_common: u32 = mine
                .iter()
                .zip(row(w))
                .map(|(a, b)| (a & b).count_ones())
                .sum();
            if n_common > 0 {
                let n_common = n_common as usize;
                let n_union = set.len() + other.len() - n_common;
                sum += (m_v * m_w) as f64 * (n_common as f64 / n_union as f64);
            }
        }
    }
    sum
}

/// [`sum_by_index`] through bitsets of the sets holding each item (bit `w` of item
/// `i`'s row: distinct set `w` holds `i`). For set `v`, its items' rows, from the
/// word holding set `v + 1` on, are added into bit-sliced counters (slice `b` holds
/// bit `b` of each later set's count of items shared with `v`), a carry-save adder
/// over 64 sets at a time; the sets with a non-zero count come out of each word in
/// ascending order. So the same terms are added in the same order as by the index,
/// without a scattered count per shared item or a sort of the sets touched.
fn sum_by_slices(distinct: &[(&[u32], u64)], holders: &[Vec<u32>]) -> f64 {
    let n_words = distinct.len().div_ceil(64);
    let mut row_of = vec![0usize; holders.len()];
    let mut rows: Vec<u64> = Vec::new();
    for (item, sets) in holders.iter().enumerate() {
        if sets.is_empty() {
            continue;
        }
        row_of[item] = rows.len();
        rows.resize(rows.len() + n_words, 0);
        let row = &mut rows[row_of[item]..];
        for &w in sets {
            row[w as usize / 64] |= 1 << (w % 64);
        }
    }
    let longest = distinct.iter().map(|(s, _)| s.len()).max().unwrap_or(0);
    let mut slices = vec![0u64; (usize::BITS - longest.leading_zeros()) as usize];
    let mut sum = 0.0;
    for (v, &(set, m_v)) in distinct.iter().enumerate() {
        if set.is_empty() {
            continue;
        }
        // Pairs of identical lists.
        sum += (m_v * (m_v - 1) / 2) as f64;
        // Counts up to |set| need this many slices.
        let slices = &mut slices[..(usize::BITS - set.len().leading_zeros()) as usize];
        let first = (v + 1) / 64;
        for word in first..n_words {
            // Sets after v only: each unordered pair once.
            let after_v = if word == first {
                u64::MAX << ((v + 1) % 64)
            } else {
                u64::MAX
            };
            slices.fill(0);
            for &item in set {
                let mut carry = rows[row_of[item as usize] + word] & after_v;
                for slice in slices.iter_mut() {
                    if carry == 0 {
                        break;
                    }
                    let next = *slice & carry;
                    *slice ^= carry;
                    carry = next;
                }
            }
            sum = add_word_pairs(sum, slices, &distinct[word * 64..], set.len(), m_v);
        }
    }
    sum
}

/// Adds to `sum` the term of every set of one word of [`sum_by_slices`] (`later`
/// from the word's first set on) that shares an item with a set of `len` items and
/// multiplicity `m_v`, in ascending order, each term as [`sum_by_index`] computes
/// it. A function of its own so that the running sum stays in a register (inlined
/// into the caller it lived on the stack: a store and a load on every addition).
#[inline(never)]
fn add_word_pairs(
    mut sum: f64,
    slices: &[u64],
    later: &[(&[u32], u64)],
    len: usize,
    m_v: u64,
) -> f64 {
    let mut shared = slices.iter().fold(0, |any, &s| any | s);
    while shared != 0 {
        let bit = shared.trailing_zeros();
        shared &= shared - 1;
        let mut n_common = 0usize;
        for (b, &s) in slices.iter().enumerate() {
            n_common |= (((s >> bit) & 1) as usize) << b;
        }
        let (other, m_w) = later[bit as usize];
        let n_union = len + other.len() - n_common;
        sum += as_f64(m_v * m_w) * (as_f64(n_common as u64) / as_f64(n_union as u64));
    }
    sum
}

/// `n as f64`, in one signed conversion where `n` fits `i64` (the same value: both
/// round the same integer; the unsigned conversion takes several instructions).
#[inline(always)]
fn as_f64(n: u64) -> f64 {
    i64::try_from(n).map_or(n as f64, |n| n as f64)
}

fn sorted_set(ids: &[u32]) -> Vec<u32> {
    let mut set = ids.to_vec();
    set.sort_unstable();
    set.dedup();
    set
}

/// [`jaccard`] of two sets given sorted ascending without repeats (no allocation).
#[must_use]
pub(crate) fn jaccard_of_sorted_sets(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut n_common) = (0, 0, 0_usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                n_common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let n_union = a.len() + b.len() - n_common;
    if n_union == 0 {
        return 0.0;
    }
    n_common as f64 / n_union as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-12,
            "{actual} differs from {expected}"
        );
    }

    #[test]
    fn intra_list_diversity_averages_unordered_pairs() {
        let distance = |a: u32, b: u32| f64::from(a.abs_diff(b));
        // Pairs (1,2), (1,3), (2,3): (1 + 2 + 1) / 3.
        assert_eq!(intra_list_diversity(&[1, 2, 3], distance), Some(4.0 / 3.0));
        assert_eq!(intra_list_diversity(&[4, 9], distance), Some(5.0));
    }

    #[test]
    fn intra_list_diversity_keeps_repeated_items() {
        let different = |a: u32, b: u32| if a == b { 0.0 } else { 1.0 };
        // Pairs (5,5), (5,6), (5,6): (0 + 1 + 1) / 3.
        assert_eq!(intra_list_diversity(&[5, 5, 6], different), Some(2.0 / 3.0));
    }

    #[test]
    fn intra_list_diversity_with_cosine_dissimilarity() {
        let vectors = [vec![1.0, 0.0], vec![0.0, 1.0], vec![1.0, 1.0]];
        let dissimilarity =
            |a: u32, b: u32| 1.0 - cosine_similarity(&vectors[a as usize], &vectors[b as usize]);
        // 1 − 0 for the orthogonal pair, 1 − 1/√2 for the two others.
        let expected = (1.0 + 2.0 * (1.0 - std::f64::consts::FRAC_1_SQRT_2)) / 3.0;
        assert_close(
            intra_list_diversity(&[0, 1, 2], dissimilarity).unwrap(),
            expected,
        );
    }

    #[test]
    fn intra_list_diversity_needs_two_items() {
        assert_eq!(intra_list_diversity(&[], |_, _| 1.0), None);
        assert_eq!(intra_list_diversity(&[3], |_, _| 1.0), None);
    }

    #[test]
    fn cosine_similarity_hand_computed() {
        // 32 / (√14 · √77)
        assert_close(
            cosine_similarity(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]),
            32.0 / 1078_f64.sqrt(),
        );
        assert_eq!(cosine_similarity(&[2.0, 0.0], &[-3.0, 0.0]), -1.0);
        assert_close(cosine_similarity(&[1.0, 1.0], &[2.0, 2.0]), 1.0);
        assert_eq!(cosine_similarity(&[0.0, 0.0], &[1.0, 2.0]), 0.0);
        assert_eq!(cosine_similarity(&[], &[]), 0.0);
    }

    #[test]
    #[should_panic(expected = "same length")]
    fn cosine_similarity_of_mismatched_vectors_panics() {
        let _ = cosine_similarity(&[1.0], &[1.0, 2.0]);
    }

    #[test]
    fn jaccard_on_sets() {
        // {1,2,3} vs {2,3,4}: 2 shared of 4.
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4, 4]), 0.5);
        assert_eq!(jaccard(&[3, 1, 1], &[1, 3]), 1.0);
        assert_eq!(jaccard(&[1], &[2]), 0.0);
        assert_eq!(jaccard(&[1], &[]), 0.0);
        assert_eq!(jaccard(&[], &[]), 0.0);
    }

    #[test]
    fn homogenisation_averages_pairwise_jaccard() {
        let lists = [vec![1, 2], vec![2, 3], vec![2, 1]];
        // J = 1/3, 1, 1/3 over the three pairs.
        assert_close(homogenisation(&lists).unwrap(), 5.0 / 9.0);
        assert_eq!(homogenisation(&[vec![1], vec![1]]), Some(1.0));
        assert_eq!(homogenisation(&[vec![1], vec![2]]), Some(0.0));
    }

    #[test]
    fn homogenisation_equals_the_plain_double_loop() {
        // Lists of 0–6 items from 0..30 (some repeated, some identical, some shared,
        // some empty): the inverted index over distinct sets must give the double
        // loop's mean up to rounding.
        let mut lists: Vec<Vec<u32>> = (0..50u32)
            .map(|v| (0..(v % 7)).map(|j| (v * 7 + j * 13) % 30).collect())
            .collect();
        let copies: Vec<Vec<u32>> = lists[..10]
            .iter()
            .map(|l| l.iter().rev().copied().collect())
            .collect();
        lists.extend(copies);
        let sets: Vec<Vec<u32>> = lists.iter().map(|l| sorted_set(l)).collect();
        let mut sum = 0.0;
        for (v, first) in sets.iter().enumerate() {
            for second in &sets[v + 1..] {
                sum += jaccard_of_sorted_sets(first, second);
            }
        }
        let expected = sum / (60.0 * 59.0 / 2.0);
        assert_close(homogenisation(&lists).unwrap(), expected);
        assert!(expected > 0.0);
        // Everyone the same list: 1; the same list and one empty list: pairs with the
        // empty one count 0.
        assert_eq!(homogenisation(&vec![vec![3, 1, 2]; 50]), Some(1.0));
        let mut with_empty = vec![vec![1, 2]; 3];
        with_empty.push(Vec::new());
        assert_close(homogenisation(&with_empty).unwrap(), 3.0 / 6.0);
    }

    #[test]
    fn bitsets_slices_and_inverted_index_give_the_same_bits() {
        // Concentrated lists (10 of the first 40 items: nearly every pair shares
        // one) and dispersed ones (10 of 900 items, 1 to 3 words of bits), with
        // repeats and identical lists.
        let concentrated: Vec<Vec<u32>> = (0..300u32)
            .map(|v| (0..10).map(|j| (v * 7 + j * j * 3) % 40).collect())
            .collect();
        let dispersed: Vec<Vec<u32>> = (0..300u32)
            .map(|v| (0..10).map(|j| (v * 31 + j * 97) % 900).collect())
            .collect();
        // Lists of 1 to 40 items (counts need up to six slices), 130 sets (three
        // words of set bits, the last partial), with an empty list among them.
        let uneven: Vec<Vec<u32>> = (0..130u32)
            .map(|v| {
                (0..=(v * 11 % 40))
                    .map(|j| (v * 3 + j * 17) % 120)
                    .collect()
            })
            .chain([Vec::new(), vec![5]])
            .collect();
        for lists in [concentrated, dispersed, uneven] {
            let by_index = homogenisation_by(&lists, Some(PairSearch::Index)).unwrap();
            let by_bits = homogenisation_by(&lists, Some(PairSearch::Bitsets)).unwrap();
            let by_slices = homogenisation_by(&lists, Some(PairSearch::Slices)).unwrap();
            assert_eq!(by_index.to_bits(), by_bits.to_bits());
            assert_eq!(by_index.to_bits(), by_slices.to_bits());
            assert_eq!(homogenisation(&lists).unwrap().to_bits(), by_bits.to_bits());
            assert!(by_index > 0.0 && by_index < 1.0);
        }
        let mut with_empty = vec![vec![1, 2]; 3];
        with_empty.push(Vec::new());
        for search in [PairSearch::Index, PairSearch::Bitsets, PairSearch::Slices] {
            assert_eq!(homogenisation_by(&with_empty, Some(search)), Some(0.5));
        }
    }

    #[test]
    fn homogenisation_needs_two_lists() {
        assert_eq!(homogenisation(&[]), None);
        assert_eq!(homogenisation(&[vec![1, 2]]), None);
    }
}
