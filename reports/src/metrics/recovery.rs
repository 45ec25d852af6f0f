//! Recovery figures per fault: how long until the fault showed, how long
//! until visits were on time again, what was lost, how far the backlog grew
//! and how long it took to drain.
//!
//! Computed after the run from the report's own per-visit records and lag
//! series, so the simulator and a real run measure faults the same way.
//!
//! A fault's *window* runs from `start_s - limit` (visits whose latency
//! window was still open when the fault began can suffer from it; `limit` is
//! the p98 latency gate) to the start of the next fault, or the end of the
//! run. Within it:
//! - `detect_s`: seconds from the fault's start until its first late or
//!   failed visit is known to be late, i.e. that visit's readout end plus
//!   `limit`; never negative; `null` when no visit in the window was late;
//! - `rto_s`: seconds from the fault's start to the readout end of the first
//!   on-time visit after the last late or failed visit of the window (0 when
//!   none was late; `null` when no visit after it was on time);
//! - `alerts_lost`, `alerts_duplicated`: sums over the window's visits;
//! - `alerts_lost_seconds` (RPO in seconds of data): readout end of the last
//!   visit that lost alerts minus that of the first, plus one visit
//!   interval (0 when none lost alerts);
//! - the *backlog* at a sample is the stream's lag (detector events not yet
//!   read) plus the alerts the publisher holds for a later attempt (spooled
//!   or queued for replay): work the fault left waiting, whether in Redis or
//!   in the producer;
//! - `backlog_peak`: the largest sampled backlog from the fault's start to
//!   the end of the window;
//! - `drain_s`: seconds from the first sample at that peak until the
//!   backlog is back at or below its last value before the fault started
//!   (zero, when nothing was waiting then); 0 when it never rose above that
//!   value; `null` when it did not come back within the window.

use serde::{Deserialize, Serialize};

use crate::human;
use crate::metrics::series::Series;
use crate::metrics::visit::VisitRecord;
use crate::number::micros;

/// The recovery figures of one fault, in report.json's `recovery` list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRecord {
    /// Fault kind, as in the scenario.
    pub fault: String,
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds (the start for instantaneous faults).
    pub end_s: f64,
    /// Fault start to the first late visit being known late, seconds.
    pub detect_s: Option<f64>,
    /// Fault start to the first on-time visit after the last late one, seconds.
    pub rto_s: Option<f64>,
    /// Alerts lost by the window's visits.
    pub alerts_lost: u64,
    /// Extra copies delivered for the window's visits.
    pub alerts_duplicated: u64,
    /// Seconds of data whose alerts were (partly) lost.
    pub alerts_lost_seconds: f64,
    /// Largest sampled backlog (stream lag plus alerts held by the
    /// publisher) from the fault's start.
    pub backlog_peak: u64,
    /// Backlog peak until the backlog is back to its pre-fault level, seconds.
    pub drain_s: Option<f64>,
}

impl RecoveryRecord {
    /// Column names of [`Self::cells`], for the report tables.
    pub const HEADERS: [&'static str; 10] = [
        "fault",
        "start",
        "end",
        "detect",
        "RTO",
        "lost",
        "duplicated",
        "RPO (data)",
        "backlog peak",
        "drain",
    ];

    /// The record as table cells (durations and counts as `human` writes
    /// them, `-` for none).
    pub fn cells(&self) -> [String; 10] {
        let secs = |x: Option<f64>| x.map_or_else(|| "-".to_owned(), human::duration);
        [
            self.fault.clone(),
            human::duration(self.start_s),
            human::duration(self.end_s),
            secs(self.detect_s),
            secs(self.rto_s),
            human::count(self.alerts_lost),
            human::count(self.alerts_duplicated),
            human::duration(self.alerts_lost_seconds),
            human::count(self.backlog_peak),
            secs(self.drain_s),
        ]
    }
}

/// When a fault acted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultWindow {
    /// Fault kind, as in the scenario.
    pub kind: String,
    /// Start, virtual seconds.
    pub start_s: f64,
    /// End, virtual seconds (equal to the start for instantaneous faults).
    pub end_s: f64,
}

/// What recovery is measured against.
#[derive(Debug, Clone, Copy)]
pub struct RecoveryInputs<'a> {
    /// The run's faults, in scenario order.
    pub faults: &'a [FaultWindow],
    /// Per-visit records, in visit order.
    pub visits: &'a [VisitRecord],
    /// The sampled series (lag).
    pub series: &'a Series,
    /// The p98 latency limit, seconds.
    pub limit_s: f64,
    /// Seconds between visits.
    pub visit_interval_s: f64,
    /// Length of the run, seconds.
    pub run_s: f64,
}

/// One record per fault.
pub fn recovery(inputs: &RecoveryInputs<'_>) -> Vec<RecoveryRecord> {
    let mut starts: Vec<f64> = inputs.faults.iter().map(|f| f.start_s).collect();
    starts.sort_by(f64::total_cmp);
    inputs
        .faults
        .iter()
        .map(|fault| {
            let window_end = starts
                .iter()
                .copied()
                .find(|&s| s > fault.start_s)
                .unwrap_or(inputs.run_s.max(fault.end_s));
            one(inputs, fault, window_end)
        })
        .collect()
}

fn one(inputs: &RecoveryInputs<'_>, fault: &FaultWindow, window_end: f64) -> RecoveryRecord {
    let limit = inputs.limit_s;
    let start = fault.start_s;
    let visits: Vec<&VisitRecord> = inputs
        .visits
        .iter()
        .filter(|v| v.readout_end_s >= start - limit && v.readout_end_s < window_end)
        .collect();
    let bad = |v: &VisitRecord| v.late || v.failed;
    let detect_s = visits
        .iter()
        .find(|v| bad(v))
        .map(|v| micros((v.readout_end_s + limit - start).max(0.0)));
    let rto_s = match visits.iter().rposition(|v| bad(v)) {
        None => Some(0.0),
        Some(last) => visits[last + 1..]
            .iter()
            .find(|v| !bad(v))
            .map(|v| micros((v.readout_end_s - start).max(0.0))),
    };
    let lossy: Vec<f64> = visits
        .iter()
        .filter(|v| v.lost > 0)
        .map(|v| v.readout_end_s)
        .collect();
    let alerts_lost_seconds = match (lossy.first(), lossy.last()) {
        (Some(first), Some(last)) => micros(last - first + inputs.visit_interval_s),
        _ => 0.0,
    };
    let (backlog_peak, drain_s) = backlog(inputs.series, fault, window_end);
    RecoveryRecord {
        fault: fault.kind.clone(),
        start_s: fault.start_s,
        end_s: fault.end_s,
        detect_s,
        rto_s,
        alerts_lost: visits.iter().map(|v| v.lost).sum(),
        alerts_duplicated: visits.iter().map(|v| v.duplicated).sum(),
        alerts_lost_seconds,
        backlog_peak,
        drain_s,
    }
}

/// The backlog at each sample: stream lag plus the publisher's held alerts
/// (a report without that column counts the lag alone).
fn backlog_samples(series: &Series) -> Vec<(f64, u64)> {
    series
        .t_s
        .iter()
        .zip(&series.lag)
        .enumerate()
        .map(|(i, (&t, &lag))| {
            let held = series.publisher_backlog.get(i).copied().unwrap_or(0);
            (t, lag.saturating_add(held))
        })
        .collect()
}

/// The backlog peak from the fault's start, and the drain time from that
/// peak until the backlog is back to its pre-fault level.
fn backlog(series: &Series, fault: &FaultWindow, window_end: f64) -> (u64, Option<f64>) {
    let samples = backlog_samples(series);
    let before = samples
        .iter()
        .rev()
        .find(|(t, _)| *t < fault.start_s)
        .map_or(0, |&(_, backlog)| backlog);
    let during: Vec<(f64, u64)> = samples
        .iter()
        .copied()
        .filter(|&(t, _)| t >= fault.start_s && t < window_end)
        .collect();
    let peak = during.iter().map(|&(_, b)| b).max().unwrap_or(before);
    if peak <= before {
        return (peak, Some(0.0));
    }
    let Some(peak_at) = during.iter().position(|&(_, b)| b == peak) else {
        return (peak, None);
    };
    let peak_t = during[peak_at].0;
    let drained = during[peak_at..]
        .iter()
        .find(|&&(_, b)| b <= before)
        .map(|&(t, _)| micros(t - peak_t));
    (peak, drained)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(index: u32, readout_end_s: f64, late: bool, lost: u64) -> VisitRecord {
        VisitRecord {
            visit: index,
            readout_end_s,
            alerts: 100,
            produced: 100,
            delivered: 100 - lost,
            lost,
            duplicated: 0,
            failed_detectors: 0,
            detectors_dropped: 0,
            p98_latency_s: if late { 90.0 } else { 20.0 },
            max_latency_s: if late { 95.0 } else { 25.0 },
            late,
            failed: lost > 0,
            budget: None,
            late_cause: None,
        }
    }

    fn series(points: &[(f64, u64)]) -> Series {
        Series {
            interval_s: 10.0,
            t_s: points.iter().map(|p| p.0).collect(),
            lag: points.iter().map(|p| p.1).collect(),
            ..Series::default()
        }
    }

    fn fault(start_s: f64, end_s: f64) -> FaultWindow {
        FaultWindow {
            kind: "broker_outage".into(),
            start_s,
            end_s,
        }
    }

    /// Visits every 40 s from t = 0; a fault from 100 s to 200 s; visits at
    /// 80, 120, 160, 200 late, 160 and 200 lost 10 alerts each.
    #[test]
    fn figures_match_a_hand_calculation() {
        let visits: Vec<VisitRecord> = (0..10)
            .map(|i| {
                let t = 40.0 * f64::from(i);
                let late = (80.0..=200.0).contains(&t);
                let lost = if t == 160.0 || t == 200.0 { 10 } else { 0 };
                visit(i, t, late, lost)
            })
            .collect();
        let lag = series(&[
            (90.0, 5),
            (100.0, 5),
            (150.0, 40),
            (200.0, 60),
            (210.0, 20),
            (220.0, 4),
            (230.0, 0),
        ]);
        let faults = [fault(100.0, 200.0)];
        let records = recovery(&RecoveryInputs {
            faults: &faults,
            visits: &visits,
            series: &lag,
            limit_s: 60.0,
            visit_interval_s: 40.0,
            run_s: 400.0,
        });
        let r = &records[0];
        // First late visit: readout 80 s, known late at 80 + 60 = 140 s.
        assert_eq!(r.detect_s, Some(40.0));
        // Last late visit at 200 s; the next (240 s) is on time: 240 - 100.
        assert_eq!(r.rto_s, Some(140.0));
        assert_eq!((r.alerts_lost, r.alerts_duplicated), (20, 0));
        // Lossy visits at 160 and 200 s: 200 - 160 + 40.
        assert_eq!(r.alerts_lost_seconds, 80.0);
        // Peak 60 at 200 s; pre-fault lag 5 (sample at 90 s); back at or
        // below 5 at 220 s: 20 s after the peak.
        assert_eq!(r.backlog_peak, 60);
        assert_eq!(r.drain_s, Some(20.0));
    }

    /// Nothing waits in Redis (lag 0 throughout) but the publisher spools
    /// during a fault from 100 s to 200 s: 300 alerts at 150 s, 480 + lag
    /// 20 = 500 at 200 s (the peak), 200 at 210 s, none from 230 s. The
    /// backlog peaks at 500 at 200 s and is back to 0 at 230 s: 30 s.
    #[test]
    fn alerts_held_by_the_publisher_count_as_backlog() {
        let visits: Vec<VisitRecord> = (0..10)
            .map(|i| visit(i, 40.0 * f64::from(i), false, 0))
            .collect();
        let points = [
            (90.0, 0, 0),
            (100.0, 0, 0),
            (150.0, 0, 300),
            (200.0, 20, 480),
            (210.0, 0, 200),
            (220.0, 0, 1),
            (230.0, 0, 0),
            (240.0, 0, 0),
        ];
        let mut held = series(&points.map(|(t, lag, _)| (t, lag)));
        held.publisher_backlog = points.iter().map(|p| p.2).collect();
        let faults = [fault(100.0, 200.0)];
        let inputs = RecoveryInputs {
            faults: &faults,
            visits: &visits,
            series: &held,
            limit_s: 60.0,
            visit_interval_s: 40.0,
            run_s: 400.0,
        };
        let r = &recovery(&inputs)[0];
        assert_eq!((r.backlog_peak, r.drain_s), (500, Some(30.0)));

        // Counting the stream's lag alone, the peak would be the 20 entries
        // at 200 s, gone 10 s later, while 200 alerts still waited.
        let mut lag_only = held.clone();
        lag_only.publisher_backlog.clear();
        let r = &recovery(&RecoveryInputs {
            series: &lag_only,
            ..inputs
        })[0];
        assert_eq!((r.backlog_peak, r.drain_s), (20, Some(10.0)));
    }

    #[test]
    fn a_harmless_fault_has_zero_rto_and_no_detection() {
        let visits: Vec<VisitRecord> = (0..5)
            .map(|i| visit(i, 40.0 * f64::from(i), false, 0))
            .collect();
        let faults = [fault(50.0, 50.0)];
        let records = recovery(&RecoveryInputs {
            faults: &faults,
            visits: &visits,
            series: &series(&[(40.0, 3), (60.0, 2)]),
            limit_s: 60.0,
            visit_interval_s: 40.0,
            run_s: 200.0,
        });
        let r = &records[0];
        assert_eq!(
            (r.detect_s, r.rto_s, r.drain_s),
            (None, Some(0.0), Some(0.0))
        );
        assert_eq!(
            (r.alerts_lost, r.alerts_lost_seconds, r.backlog_peak),
            (0, 0.0, 2)
        );
    }

    #[test]
    fn late_until_the_end_has_no_rto_and_an_undrained_backlog() {
        let visits: Vec<VisitRecord> = (0..5)
            .map(|i| visit(i, 40.0 * f64::from(i), i >= 2, 0))
            .collect();
        let faults = [fault(60.0, 100.0), fault(500.0, 600.0)];
        let records = recovery(&RecoveryInputs {
            faults: &faults,
            visits: &visits,
            series: &series(&[(50.0, 0), (70.0, 30), (150.0, 25)]),
            limit_s: 60.0,
            visit_interval_s: 40.0,
            run_s: 700.0,
        });
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].rto_s, None);
        assert_eq!(records[0].drain_s, None);
        assert_eq!(records[0].detect_s, Some(80.0 + 60.0 - 60.0));
        // The second fault's window holds no visits at all.
        assert_eq!((records[1].detect_s, records[1].rto_s), (None, Some(0.0)));
    }
}
