//! `--find KEY --until gates-pass`: a search over a single range for the
//! smallest value whose run passes the gates, assuming that passing is
//! monotone in the value (more replicas, nodes or bandwidth never hurt).
//!
//! The answer and the probes reported are those of a plain bisection
//! whatever the thread count: with `t` threads, each round runs the next
//! `t` probes the bisection might need (its decision tree, breadth first)
//! at once, then walks the tree as far as the results go. When passing is
//! not monotone the answer is still a value that passes with its lower
//! neighbour failing, and the same one on every machine.

use std::collections::{BTreeMap, VecDeque};

use super::parallel::map_ordered;
use super::point::{PointResult, run_point};
use super::{GridError, Sweep, SweepError};

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct FindOutcome {
    /// The smallest passing point, or `None` when even the last value fails.
    pub answer: Option<PointResult>,
    /// The bisection's probes, in order (the same for any thread count).
    pub probes: Vec<PointResult>,
    /// Runs made, counting speculative probes the bisection did not use.
    pub runs: usize,
}

/// A state of the bisection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    /// First probe: the last value.
    Last,
    /// The answer lies in `lo..=hi`; `hi` passes; `lo < hi`.
    Interval(usize, usize),
}

/// Where a probe's result leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Continue(Node),
    Done(Option<usize>),
}

impl Node {
    fn probe(self, last: usize) -> usize {
        match self {
            Node::Last => last,
            Node::Interval(lo, hi) => lo + (hi - lo) / 2,
        }
    }

    fn next(self, passed: bool, last: usize) -> Step {
        match self {
            Node::Last if !passed => Step::Done(None),
            Node::Last if last == 0 => Step::Done(Some(0)),
            Node::Last => Step::Continue(Node::Interval(0, last)),
            Node::Interval(lo, hi) => {
                let mid = self.probe(last);
                let (lo, hi) = if passed { (lo, mid) } else { (mid + 1, hi) };
                if lo < hi {
                    Step::Continue(Node::Interval(lo, hi))
                } else {
                    Step::Done(Some(hi))
                }
            }
        }
    }
}

/// Searches the sweep's only range on `threads` threads (at least one):
/// the last value first (if it fails there is no answer), then a
/// bisection between the largest value known to fail (or the start) and
/// the smallest known to pass. `on_probe` sees the bisection's probes in
/// order.
pub fn smallest_passing(
    sweep: &Sweep,
    threads: usize,
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
    let threads = threads.max(1);
    let Some(last) = sweep.points.len().checked_sub(1) else {
        return Ok(FindOutcome {
            answer: None,
            probes: Vec::new(),
            runs: 0,
        });
    };
    let mut cache: BTreeMap<usize, PointResult> = BTreeMap::new();
    let mut probes: Vec<PointResult> = Vec::new();
    let mut node = Node::Last;
    let answer = loop {
        // Walk the bisection as far as the results already run allow.
        let mut done = None;
        while let Some(r) = cache.get(&node.probe(last)) {
            on_probe(r);
            probes.push(r.clone());
            match node.next(r.passed, last) {
                Step::Continue(n) => node = n,
                Step::Done(answer) => {
                    done = Some(answer);
                    break;
                }
            }
        }
        if let Some(answer) = done {
            break answer;
        }
        // Run the next probes the bisection may need, breadth first.
        let mut batch: Vec<usize> = Vec::new();
        let mut queue = VecDeque::from([node]);
        while let Some(n) = queue.pop_front() {
            if batch.len() >= threads {
                break;
            }
            let i = n.probe(last);
            if !cache.contains_key(&i) && !batch.contains(&i) {
                batch.push(i);
            }
            for passed in [true, false] {
                if let Step::Continue(child) = n.next(passed, last) {
                    queue.push_back(child);
                }
            }
        }
        let points: Vec<_> = batch.iter().filter_map(|&i| sweep.points.get(i)).collect();
        if points.is_empty() {
            break None;
        }
        let results = map_ordered(&points, threads, |p| {
            run_point(p.index, &p.settings, &p.scenario)
        });
        for r in results {
            let r = r?;
            cache.insert(r.index, r);
        }
    };
    Ok(FindOutcome {
        answer: answer.and_then(|i| cache.get(&i).cloned()),
        probes,
        runs: cache.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::{Node, Step};

    /// The bisection on a pass/fail table, without running anything.
    fn bisect(passes: &[bool]) -> Option<usize> {
        let last = passes.len() - 1;
        let mut node = Node::Last;
        loop {
            let passed = passes[node.probe(last)];
            match node.next(passed, last) {
                Step::Continue(n) => node = n,
                Step::Done(answer) => return answer,
            }
        }
    }

    #[test]
    fn the_bisection_finds_the_first_pass_of_a_monotone_table() {
        for len in 1..12 {
            for first in 0..=len {
                let passes: Vec<bool> = (0..len).map(|i| i >= first).collect();
                let expected = (first < len).then_some(first);
                assert_eq!(bisect(&passes), expected, "len {len}, first pass {first}");
            }
        }
    }

    #[test]
    fn a_non_monotone_answer_still_passes_above_a_failure() {
        let passes = [false, true, false, true, true];
        let answer = bisect(&passes).unwrap_or(0);
        assert!(passes[answer] && !passes[answer - 1]);
    }
}
