//! The fidelity table of `alertsim calibrate`: for each figure of a real
//! run (a load run's report.json), what the simulator said for the same
//! scenario and seed, and their ratio. Three figures are judged against a
//! tolerance (p50 and p98 latency, mean throughput: issue 17's criterion);
//! the others (the rest of the latency, Jobs, pod time, each stage of the
//! latency budget, each fault's recovery) are shown for information.
//!
//! Works on typed [`Report`]s: both sides come from this version. Stands
//! on the report (floor 4 of the layering in `lib.rs`); `output` shows it.

use serde::Serialize;

use crate::metrics::recovery::RecoveryRecord;
use crate::report::Report;

/// One figure, simulated and measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FidelityRow {
    /// The figure's dotted path in report.json (a stage as
    /// `latency_budget.<stage>.mean_s`, a fault's recovery as
    /// `recovery.<i>.<fault>.<field>`).
    pub figure: String,
    /// What the simulator said.
    pub simulated: f64,
    /// What the real run measured.
    pub measured: f64,
    /// `measured / simulated`; `None` when the simulator said 0.
    pub ratio: Option<f64>,
    /// For a judged figure, whether the ratio is within the tolerance (0
    /// against 0 is); `None` for a figure shown for information.
    pub within: Option<bool>,
}

/// The figures side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FidelityTable {
    /// Largest relative difference a judged figure may have, percent.
    pub tolerance_pct: f64,
    /// Judged figures first, then the others.
    pub rows: Vec<FidelityRow>,
}

/// The judged figures.
pub const JUDGED: [&str; 3] = [
    "latency_s.p50",
    "latency_s.p98",
    "throughput.mean_alerts_per_s",
];

impl FidelityTable {
    /// Whether every judged figure is within the tolerance.
    pub fn passed(&self) -> bool {
        self.rows.iter().all(|r| r.within != Some(false))
    }

    /// The judged figures outside the tolerance.
    pub fn misses(&self) -> impl Iterator<Item = &FidelityRow> {
        self.rows.iter().filter(|r| r.within == Some(false))
    }

    /// The row of `figure`.
    pub fn row(&self, figure: &str) -> Option<&FidelityRow> {
        self.rows.iter().find(|r| r.figure == figure)
    }
}

/// The table of `measured` against `simulated`.
pub fn fidelity(simulated: &Report, measured: &Report, tolerance_pct: f64) -> FidelityTable {
    let pairs = figures(simulated)
        .into_iter()
        .zip(figures(measured))
        .filter(|((a, _), (b, _))| a == b);
    let mut rows: Vec<FidelityRow> = pairs
        .map(|((figure, sim), (_, real))| {
            let judged = JUDGED.contains(&figure.as_str());
            row(figure, sim, real, judged.then_some(tolerance_pct))
        })
        .collect();
    let recoveries = simulated
        .recovery
        .iter()
        .zip(&measured.recovery)
        .enumerate();
    for (i, (sim, real)) in recoveries.filter(|(_, (s, r))| s.fault == r.fault) {
        for ((field, s), (_, r)) in recovery_figures(sim)
            .into_iter()
            .zip(recovery_figures(real))
        {
            if let (Some(s), Some(r)) = (s, r) {
                rows.push(row(
                    format!("recovery.{i}.{}.{field}", sim.fault),
                    s,
                    r,
                    None,
                ));
            }
        }
    }
    rows.sort_by_key(|r| r.within.is_none());
    FidelityTable {
        tolerance_pct,
        rows,
    }
}

fn row(figure: String, simulated: f64, measured: f64, tolerance_pct: Option<f64>) -> FidelityRow {
    let ratio = (simulated != 0.0).then(|| measured / simulated);
    let within = tolerance_pct.map(|pct| match ratio {
        Some(ratio) => (ratio - 1.0).abs() <= pct / 100.0 + 1e-12,
        None => measured == 0.0,
    });
    FidelityRow {
        figure,
        simulated,
        measured,
        ratio,
        within,
    }
}

/// A report's figures in table order.
fn figures(r: &Report) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = [
        ("latency_s.p50", r.latency_s.p50),
        ("latency_s.p90", r.latency_s.p90),
        ("latency_s.p98", r.latency_s.p98),
        ("latency_s.max", r.latency_s.max),
        (
            "throughput.mean_alerts_per_s",
            r.throughput.mean_alerts_per_s,
        ),
        (
            "throughput.peak_alerts_per_s",
            r.throughput.peak_alerts_per_s,
        ),
        ("throughput.mean_mbit_per_s", r.throughput.mean_mbit_per_s),
        ("alerts.delivered", r.alerts.delivered as f64),
        ("alerts.lost", r.alerts.lost as f64),
        ("jobs.created", r.jobs.created as f64),
        ("jobs.max_running", r.jobs.max_running as f64),
        ("jobs.busy_pod_s", r.jobs.busy_pod_s),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for stage in &r.latency_budget.stages {
        out.push((
            format!("latency_budget.{}.mean_s", stage.stage.name()),
            stage.mean_s,
        ));
    }
    out
}

/// A recovery record's timed figures (`None` where it never happened).
fn recovery_figures(r: &RecoveryRecord) -> [(&'static str, Option<f64>); 4] {
    [
        ("detect_s", r.detect_s),
        ("rto_s", r.rto_s),
        ("drain_s", r.drain_s),
        ("alerts_lost", Some(r.alerts_lost as f64)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(p50: f64, p98: f64, rate: f64) -> Report {
        let mut r = Report::new(&alertsim_scenarios::Scenario::default(), 100.0);
        r.latency_s.p50 = p50;
        r.latency_s.p98 = p98;
        r.throughput.mean_alerts_per_s = rate;
        r
    }

    #[test]
    fn judged_figures_come_first_and_are_judged_on_the_ratio() {
        let table = fidelity(&report(10.0, 20.0, 100.0), &report(11.4, 23.2, 84.0), 15.0);
        let judged: Vec<&str> = table
            .rows
            .iter()
            .take_while(|r| r.within.is_some())
            .map(|r| r.figure.as_str())
            .collect();
        assert_eq!(judged, JUDGED);
        assert_eq!(
            table.row("latency_s.p50").and_then(|r| r.within),
            Some(true)
        );
        assert_eq!(
            table.row("latency_s.p98").and_then(|r| r.within),
            Some(false)
        );
        assert_eq!(
            table
                .row("throughput.mean_alerts_per_s")
                .and_then(|r| r.within),
            Some(false)
        );
        assert!(!table.passed());
        assert_eq!(table.misses().count(), 2);
        let within = fidelity(&report(10.0, 20.0, 100.0), &report(9.0, 22.0, 110.0), 15.0);
        assert!(within.passed(), "{within:?}");
    }

    #[test]
    fn a_zero_from_the_simulator_has_no_ratio_and_only_zero_matches_it() {
        let table = fidelity(&report(0.0, 0.0, 0.0), &report(0.0, 1.0, 0.0), 15.0);
        let p50 = table.row("latency_s.p50").cloned();
        assert_eq!(p50.as_ref().and_then(|r| r.ratio), None);
        assert_eq!(p50.and_then(|r| r.within), Some(true));
        assert_eq!(
            table.row("latency_s.p98").and_then(|r| r.within),
            Some(false)
        );
    }

    #[test]
    fn recoveries_of_the_same_fault_are_paired_in_order() {
        let record = |fault: &str, rto: Option<f64>| RecoveryRecord {
            fault: fault.to_owned(),
            start_s: 0.0,
            end_s: 0.0,
            detect_s: None,
            rto_s: rto,
            alerts_lost: 3,
            alerts_duplicated: 0,
            alerts_lost_seconds: 0.0,
            backlog_peak: 0,
            drain_s: None,
        };
        let mut sim = report(1.0, 1.0, 1.0);
        let mut real = report(1.0, 1.0, 1.0);
        sim.recovery = vec![
            record("broker_down", Some(40.0)),
            record("redis_pause", None),
        ];
        real.recovery = vec![
            record("broker_down", Some(50.0)),
            record("worker_crash", None),
        ];
        let table = fidelity(&sim, &real, 15.0);
        let rto = table.row("recovery.0.broker_down.rto_s");
        assert_eq!(rto.and_then(|r| r.ratio), Some(1.25));
        assert_eq!(rto.and_then(|r| r.within), None, "shown, not judged");
        assert!(
            table.row("recovery.0.broker_down.detect_s").is_none(),
            "never detected"
        );
        assert!(
            table
                .rows
                .iter()
                .all(|r| !r.figure.starts_with("recovery.1"))
        );
    }
}
