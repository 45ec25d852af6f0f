//! `--find KEY --until gates-pass`: bisection over a single range for the
//! smallest value whose run passes the gates, assuming that passing is
//! monotone in the value (more replicas, nodes or bandwidth never hurt).

use super::point::{PointResult, run_point};
use super::{GridError, Sweep, SweepError};

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct FindOutcome {
    /// The smallest passing point, or `None` when even the last value fails.
    pub answer: Option<PointResult>,
    /// Every probe, in the order run.
    pub probes: Vec<PointResult>,
}

/// Bisects the sweep's only range: probes the last value first (if it
/// fails there is no answer), then halves the interval between the largest
/// value known to fail (or the start) and the smallest known to pass.
/// `on_probe` sees each probe as it finishes.
pub fn smallest_passing(
    sweep: &Sweep,
    mut on_probe: impl FnMut(&PointResult),
) -> Result<FindOutcome, SweepError> {
    if sweep.grid.ranges.len() != 1 {
        return Err(SweepError::Grid(GridError {
            argument: sweep
                .grid
                .ranges
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" --vary "),
            message: "--find takes exactly one --vary range".to_owned(),
        }));
    }
    let mut probes: Vec<PointResult> = Vec::new();
    let mut probe = |i: usize| -> Result<Option<bool>, SweepError> {
        let Some(p) = sweep.points.get(i) else {
            return Ok(None);
        };
        let r = run_point(p.index, &p.settings, &p.scenario)?;
        on_probe(&r);
        let passed = r.passed;
        probes.push(r);
        Ok(Some(passed))
    };
    let Some(last) = sweep.points.len().checked_sub(1) else {
        return Ok(FindOutcome {
            answer: None,
            probes: Vec::new(),
        });
    };
    if probe(last)? != Some(true) {
        return Ok(FindOutcome {
            answer: None,
            probes,
        });
    }
    // Invariant: the point `hi` passes; every point below `lo` fails.
    let (mut lo, mut hi) = (0, last);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if probe(mid)? == Some(true) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let answer = probes.iter().find(|r| r.index == hi).cloned();
    Ok(FindOutcome { answer, probes })
}
