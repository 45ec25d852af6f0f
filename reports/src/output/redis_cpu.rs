//! The Redis utilisation figure of report.md and report.html: the median
//! and the largest of `series.redis_utilisation`, when the run has it.

use crate::human;
use crate::report::Report;

/// Median (the lower of the middle two) and maximum of Redis utilisation
/// samples; `None` when there are none (the run did not model Redis's CPU).
fn utilisation(samples: &[f64]) -> Option<(f64, f64)> {
    let mut v = samples.to_vec();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let median = v[(v.len() - 1) / 2];
    let max = v[v.len() - 1];
    Some((median, max))
}

/// The key-figure row: its name and value.
pub(crate) fn figure(r: &Report) -> Option<(&'static str, String)> {
    utilisation(&r.series.redis_utilisation).map(|(median, max)| {
        (
            "Redis CPU utilisation median / max",
            format!(
                "{} / {} of redis.cpu_limit",
                human::percent(median),
                human::percent(max)
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_max_of_the_samples_or_nothing() {
        assert_eq!(utilisation(&[]), None);
        assert_eq!(utilisation(&[0.9, 0.1, 1.0, 0.5]), Some((0.5, 1.0)));
        assert_eq!(utilisation(&[0.3]), Some((0.3, 0.3)));
    }
}
