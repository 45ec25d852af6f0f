//! The alert archive's ingester in the run: each acknowledged batch is
//! written to it, its HPA syncs are stepped up to the time of each batch,
//! and after the run's last event it is stepped alone until everything is
//! archived (`model::archive`); what it archived and missed goes to the
//! recorder.

use alertsim_reports::Recorder;
use alertsim_reports::metrics::archive::ArchiveCounts;

use super::Engine;
use crate::model::kafka::BatchOutcome;
use crate::time::SimTime;

impl Engine<'_> {
    /// A batch acknowledged at `now` for a visit read out at `readout_end`.
    pub(super) fn archive_written(
        &mut self,
        now: SimTime,
        batch: &BatchOutcome,
        readout_end: SimTime,
    ) {
        let Some(archive) = &mut self.archive else {
            return;
        };
        let rec = &mut self.rec;
        archive.advance_to(now, &mut |at, acked, readout| {
            record_archived(rec, at, acked, readout);
        });
        archive.written(batch, readout_end);
    }

    /// The run is over: the ingester archives what is left, and its counts
    /// go to the recorder.
    pub(super) fn drain_archive(&mut self) {
        let Some(archive) = &mut self.archive else {
            return;
        };
        let rec = &mut self.rec;
        archive.drain(&mut |at, acked, readout| {
            record_archived(rec, at, acked, readout);
        });
        let t = archive.totals();
        rec.set_archive_counts(ArchiveCounts {
            gaps: t.gaps,
            gaps_after_redeploy: t.gaps_after_redeploy,
            rereads: t.rereads,
            max_replicas: t.max_replicas,
            replica_s: t.replica_s,
            scale_ups: t.scale_ups,
            scale_downs: t.scale_downs,
            max_lag: t.max_lag,
        });
    }
}

/// An alert archived at `at`, acknowledged at `acked`, of a visit read out
/// at `readout`: its latency from the readout and from the acknowledgement.
fn record_archived(rec: &mut Recorder, at: SimTime, acked: SimTime, readout: SimTime) {
    rec.alert_archived(
        at.saturating_since(readout).as_secs_f64(),
        at.saturating_since(acked).as_secs_f64(),
    );
}
