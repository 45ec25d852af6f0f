//! What became of each stream entry's detector: published (once, or again
//! after a reclaim) or failed (dropped unprocessed, lost with a worker, lost
//! with Redis, or never processed by the end of the run). A detector counts
//! as failed at most once, and never once its alerts went out.

use std::collections::BTreeSet;

use alertsim_core::worker::EntryId;
use alertsim_reports::Recorder;

/// The entries whose detector was published or failed.
#[derive(Debug, Default)]
pub(super) struct Outcomes {
    published: BTreeSet<EntryId>,
    failed: BTreeSet<EntryId>,
}

impl Outcomes {
    /// The alerts of entry `id` go to the producer; true the first time
    /// (a reclaimed entry processed again sends duplicates).
    pub(super) fn first_publication(&mut self, id: EntryId) -> bool {
        self.published.insert(id)
    }

    /// Counts the detector of entry `id` (of `visit`) as failed, once,
    /// unless its alerts went out.
    pub(super) fn fail(&mut self, id: EntryId, visit: u32, rec: &mut Recorder) {
        if !self.published.contains(&id) && self.failed.insert(id) {
            rec.detector_failed(visit);
        }
    }
}
