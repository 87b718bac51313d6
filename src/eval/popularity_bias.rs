//! Popularity bias of recommendation lists: average recommendation popularity (ARP)
//! and average percentage of long-tail items (APLT).
//!
//! Both are means over users of a per-list mean. Every slot counts, repeats
//! included, because a repeated item is repeated exposure. Users with an empty list
//! have no per-list mean and are skipped; with no non-empty list the result is
//! `None`.

/// Average recommendation popularity: the mean over users of the mean popularity of
/// the items in their list.
///
/// `popularity[i]` is item `i`'s popularity, usually its number of interactions in
/// the training data (the paper's `φ(i)`).
///
/// ```text
/// ARP = (1/|U'|) Σ_{u ∈ U'} Σ_{i ∈ L_u} φ(i) / |L_u|
///       with U' the users whose list is not empty
/// ```
///
/// # Panics
///
/// If a list holds an id outside `popularity`.
///
/// # References
///
/// Abdollahpouri, Burke & Mobasher (2019), "Managing popularity bias in recommender
/// systems with personalized re-ranking", FLAIRS-32.
#[must_use]
pub fn arp(lists: &[Vec<u32>], popularity: &[f64]) -> Option<f64> {
    mean_of_list_means(lists, |item| popularity[item as usize])
}

/// Average percentage of long-tail items: the mean over users of the share of their
/// list that is long-tail.
///
/// ```text
/// APLT = (1/|U'|) Σ_{u ∈ U'} |{i ∈ L_u : i ∈ tail}| / |L_u|
///        with U' the users whose list is not empty
/// ```
///
/// # Panics
///
/// If a list holds an id outside `is_long_tail`.
///
/// # References
///
/// Abdollahpouri, Burke & Mobasher (2019), "Managing popularity bias in recommender
/// systems with personalized re-ranking", FLAIRS-32.
#[must_use]
pub fn aplt(lists: &[Vec<u32>], is_long_tail: &[bool]) -> Option<f64> {
    mean_of_list_means(lists, |item| {
        if is_long_tail[item as usize] {
            1.0
        } else {
            0.0
        }
    })
}

fn mean_of_list_means(lists: &[Vec<u32>], value: impl Fn(u32) -> f64) -> Option<f64> {
    let list_means: Vec<f64> = lists
        .iter()
        .filter(|list| !list.is_empty())
        .map(|list| list.iter().map(|&item| value(item)).sum::<f64>() / list.len() as f64)
        .collect();
    (!list_means.is_empty()).then(|| list_means.iter().sum::<f64>() / list_means.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arp_is_mean_of_list_means_skipping_empty_lists() {
        let popularity = [10.0, 2.0, 4.0, 0.0];
        let lists = [vec![0, 1], vec![2], vec![]];
        // List means 6 and 4.
        assert_eq!(arp(&lists, &popularity), Some(5.0));
        // Lists of different lengths weigh the same: means 10 and 1.
        assert_eq!(arp(&[vec![0], vec![1, 3, 1, 3]], &popularity), Some(5.5));
    }

    #[test]
    fn aplt_is_mean_share_of_tail_items() {
        let is_long_tail = [false, true, true, true];
        let lists = [vec![0, 1], vec![2], vec![]];
        // Shares 1/2 and 1.
        assert_eq!(aplt(&lists, &is_long_tail), Some(0.75));
        assert_eq!(aplt(&[vec![0, 0]], &is_long_tail), Some(0.0));
        // A repeated tail item counts once per slot: 2 of 3.
        assert_eq!(aplt(&[vec![3, 3, 0]], &is_long_tail), Some(2.0 / 3.0));
    }

    #[test]
    fn without_any_non_empty_list_both_are_undefined() {
        assert_eq!(arp(&[], &[1.0]), None);
        assert_eq!(arp(&[vec![], vec![]], &[1.0]), None);
        assert_eq!(aplt(&[vec![]], &[true]), None);
    }

    #[test]
    #[should_panic(expected = "index out of bounds")]
    fn unknown_item_panics() {
        let _ = arp(&[vec![7]], &[1.0]);
    }
}
