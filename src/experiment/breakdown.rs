//! The primary metric by user segment and by daypart, with the multiple-comparison
//! caveat.

use serde::Serialize;

use crate::scenario::spec::ExperimentSpec;
use crate::stats::{LogProb, holm};
use crate::world::Segment;

use super::analysis::Population;
use super::compare::{Comparison, UserRow, compare};
use super::recorder::{DAYPARTS, UserCounts};

/// One subgroup's primary comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Subgroup {
    /// "segment" or "daypart".
    pub by: &'static str,
    /// The subgroup.
    pub group: String,
    /// The comparison (without CUPED: subgroups are descriptive).
    pub comparison: Comparison,
}

/// The primary metric by user segment and daypart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Breakdown {
    /// The multiple-comparison caveat.
    pub caveat: String,
    /// Every subgroup comparison; `p_holm` is adjusted over all of them.
    pub subgroups: Vec<Subgroup>,
}

pub(crate) fn breakdown(
    pop: &Population<'_>,
    treatments: &[usize],
    segments: &[Segment],
    exp: &ExperimentSpec,
) -> Breakdown {
    let log = pop.log;
    let mut subgroups = Vec::new();
    for segment in Segment::ALL {
        let rows = pop.rows(|_, u| {
            if segments[u] == segment {
                log.users[u]
            } else {
                UserCounts::default()
            }
        });
        push_subgroups(
            &mut subgroups,
            "segment",
            segment.name(),
            &rows,
            treatments,
            exp,
        );
    }
    for (d, daypart) in DAYPARTS.iter().enumerate() {
        let rows = pop.rows(|_, u| log.by_daypart[u][d]);
        let name = format!("{daypart:?}").to_lowercase();
        push_subgroups(&mut subgroups, "daypart", &name, &rows, treatments, exp);
    }
    let p: Vec<LogProb> = subgroups
        .iter()
        .map(|s| s.comparison.chosen().p_value)
        .collect();
    for (s, a) in subgroups.iter_mut().zip(holm(&p)) {
        s.comparison.p_holm = a;
    }
    let n = subgroups.len();
    Breakdown {
        caveat: format!(
            "{n} subgroup comparisons: at alpha {} about {:.1} would come out significant by \
             chance alone even with no effect anywhere. Read raw p-values as hints; only \
             Holm-adjusted ones control the family-wise error, and a subgroup effect is \
             a hypothesis for a new experiment, not a finding.",
            exp.alpha,
            n as f64 * exp.alpha
        ),
        subgroups,
    }
}

fn push_subgroups(
    out: &mut Vec<Subgroup>,
    by: &'static str,
    group: &str,
    rows: &[Vec<UserRow>],
    treatments: &[usize],
    exp: &ExperimentSpec,
) {
    for &t in treatments {
        if let Some(comparison) = compare(
            exp.primary_metric,
            &exp.variants[t].name,
            &rows[0],
            &rows[t],
            exp.alpha,
            false,
            exp.prior_sd,
        ) {
            out.push(Subgroup {
                by,
                group: group.to_owned(),
                comparison,
            });
        }
    }
}
