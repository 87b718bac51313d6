//! The verdict of an interleaving experiment: which team's movies get the clicks.

use serde::Serialize;

use crate::stats::{
    LogProb, SampleMean, detectable_ratio, linearise, students_t_two_sided, t_quantile,
};

use super::interleave::{CONTROL_TEAM, TREATMENT_TEAM};
use super::looks::Decision;
use super::recorder::UserCounts;

/// The preference between the two interleaved stacks, with the user as the unit.
///
/// Per user, the clicks credited to the treatment's team minus those credited to
/// the control's, over the user's requests: the ratio `Σ (c_T − c_C) / Σ requests` —
/// excess clicks per request for the treatment — is 0 when neither stack is
/// preferred. Its delta-method pseudo-values give a one-sample t-test:
///
/// ```text
/// Δ = Σ_u (c_T,u − c_C,u) / Σ_u n_u,   t = Δ / se(Δ),   ν = users − 1
/// ```
///
/// The requests needed to detect Δ with the experiment's power scale the requests at
/// hand by `(r* · se / Δ)²`, r* the effect-to-error ratio of that power.
///
/// # References
///
/// Chapelle, Joachims, Radlinski & Yue (2012), "Large-scale validation and analysis of
/// interleaved search evaluation", ACM TOIS 30(1), §4 (credit per query, aggregated
/// per user).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Preference {
    /// The treatment variant.
    pub treatment: String,
    /// Users with at least one interleaved request.
    pub users: usize,
    /// Their requests.
    pub requests: u64,
    /// Clicks credited to the control's and the treatment's team.
    pub credited_clicks: [u64; 2],
    /// The treatment's share of credited clicks.
    pub treatment_share: Option<f64>,
    /// Users preferring the control, the treatment, or neither (tied credits).
    pub users_preferring: [usize; 3],
    /// `Σ (c_T − c_C) / Σ requests`.
    pub excess_clicks_per_request: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Its interval at 1 − alpha.
    pub interval: [f64; 2],
    /// Two-sided p-value of "no preference".
    pub p_value: LogProb,
    /// Which stack the users prefer.
    pub decision: Decision,
    /// Requests needed to detect the measured preference with the experiment's power.
    pub required_requests: Option<f64>,
}

/// The preference of the users `users` (their counts in the interleaving experiment).
#[must_use]
pub fn preference(treatment: &str, users: &[UserCounts], alpha: f64, power: f64) -> Preference {
    let active: Vec<&UserCounts> = users.iter().filter(|c| c.requests > 0).collect();
    let requests: u64 = active.iter().map(|c| u64::from(c.requests)).sum();
    let credited = [CONTROL_TEAM, TREATMENT_TEAM]
        .map(|t| active.iter().map(|c| u64::from(c.credits[t])).sum::<u64>());
    let mut preferring = [0usize; 3];
    for c in &active {
        let k = match c.credits[TREATMENT_TEAM].cmp(&c.credits[CONTROL_TEAM]) {
            std::cmp::Ordering::Less => 0,
            std::cmp::Ordering::Greater => 1,
            std::cmp::Ordering::Equal => 2,
        };
        preferring[k] += 1;
    }
    let num: Vec<f64> = active
        .iter()
        .map(|c| f64::from(c.credits[TREATMENT_TEAM]) - f64::from(c.credits[CONTROL_TEAM]))
        .collect();
    let den: Vec<f64> = active.iter().map(|c| f64::from(c.requests)).collect();
    let (delta, se, p, interval) = match linearise(&num, &den) {
        Some(l) if l.values.len() > 1 => {
            let m = SampleMean::of(&l.values);
            let se = m.variance_of_mean().sqrt();
            let df = (m.n - 1) as f64;
            let p = if se > 0.0 {
                students_t_two_sided(m.mean / se, df)
            } else if m.mean == 0.0 {
                LogProb::ONE
            } else {
                LogProb::from_ln(-f64::MAX)
            };
            let half = t_quantile(1.0 - alpha / 2.0, df) * se;
            (m.mean, se, p, [m.mean - half, m.mean + half])
        }
        _ => (0.0, 0.0, LogProb::ONE, [0.0, 0.0]),
    };
    let total = credited[0] + credited[1];
    Preference {
        treatment: treatment.to_owned(),
        users: active.len(),
        requests,
        credited_clicks: credited,
        treatment_share: (total > 0).then(|| credited[1] as f64 / total as f64),
        users_preferring: preferring,
        excess_clicks_per_request: delta,
        standard_error: se,
        interval,
        p_value: p,
        decision: Decision::of(p.is_below(alpha), delta),
        required_requests: (delta != 0.0 && se > 0.0)
            .then(|| requests as f64 * (detectable_ratio(alpha, power) * se / delta).powi(2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(requests: u32, control: u32, treatment: u32) -> UserCounts {
        UserCounts {
            requests,
            credits: [control, treatment],
            ..UserCounts::default()
        }
    }

    #[test]
    fn excess_clicks_are_a_user_level_ratio() {
        // Σ(c_T − c_C) = (2−1) + (3−1) + (0−1) + (1−1) = 2 over 40 requests = 0.05.
        let users = [
            user(10, 1, 2),
            user(10, 1, 3),
            user(10, 1, 0),
            user(10, 1, 1),
        ];
        let p = preference("t", &users, 0.05, 0.8);
        assert!((p.excess_clicks_per_request - 0.05).abs() < 1e-12);
        assert_eq!(p.credited_clicks, [4, 6]);
        assert_eq!(p.users_preferring, [1, 2, 1]);
        assert!((p.treatment_share.unwrap() - 0.6).abs() < 1e-12);
        // Equal requests: the pseudo-values are the per-user differences / 10:
        // 0.1, 0.2, −0.1, 0.0 — mean 0.05, s = 0.129099, se = 0.0645497, t = 0.774597
        // on 3 df: scipy 1.17.1 2·t.sf(0.774597, 3) = 0.4950253.
        assert!((p.standard_error - 0.064_549_7).abs() < 1e-7);
        assert!(
            (p.p_value.value() - 0.495_025_3).abs() < 1e-7,
            "{}",
            p.p_value.value()
        );
        assert_eq!(p.decision, Decision::NoDifference);
        // Requests for 80% power: 40 · (2.801582 · 0.0645497 / 0.05)² = 523.257.
        assert!((p.required_requests.unwrap() - 523.257).abs() < 1e-3);
    }
}
