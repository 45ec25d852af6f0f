//! One grid point: run the scenario as `alertsim sim` does (alert sizes
//! from the scenario's fidelity) and keep the figures a sweep compares.

use alertsim_scenarios::Scenario;
use serde::Serialize;

use super::grid::Setting;

/// Seconds in an hour, for pod-hours.
const HOUR_S: f64 = 3600.0;

/// The figures of one point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointResult {
    /// Index in the grid.
    pub index: usize,
    /// The varied settings at this point.
    pub settings: Vec<Setting>,
    /// Every gate passed.
    pub passed: bool,
    /// Names of the gates that failed.
    pub failed_gates: Vec<String>,
    /// 98th percentile latency, end of readout to Kafka ack, all alerts.
    pub p98_latency_s: f64,
    /// Visits late by the scenario's gate.
    pub late_visits: u64,
    /// Visits with a failed detector or a lost alert.
    pub failed_visits: u64,
    /// Alerts lost.
    pub lost_alerts: u64,
    /// Jobs the scaler created.
    pub jobs_created: u64,
    /// Most Jobs at once.
    pub max_running: u64,
    /// Pod-hours spent processing.
    pub busy_pod_h: f64,
    /// Pod-hours running without work.
    pub idle_pod_h: f64,
    /// Busy plus idle pod-hours: the cost.
    pub pod_h: f64,
    /// The run stopped at its drain limit with work left.
    pub truncated: bool,
}

/// Runs one point.
pub fn run_point(
    index: usize,
    settings: &[Setting],
    scenario: &Scenario,
) -> Result<PointResult, super::SweepError> {
    let plan = alertsim_plan::Plan::new(scenario)?;
    let sizes = crate::fidelity::measure_sizes(&scenario.workers, scenario.seed)?;
    let run = crate::run_plan(&plan, sizes, |_| {});
    let r = &run.report;
    let busy = round4(r.jobs.busy_pod_s / HOUR_S);
    let idle = round4(r.jobs.idle_pod_s / HOUR_S);
    Ok(PointResult {
        index,
        settings: settings.to_vec(),
        passed: r.passed(),
        failed_gates: r
            .gates
            .results
            .iter()
            .filter(|g| !g.passed)
            .map(|g| g.name.clone())
            .collect(),
        p98_latency_s: r.latency_s.p98,
        late_visits: r.late_visits,
        failed_visits: r.failed_visits,
        lost_alerts: r.alerts.lost,
        jobs_created: r.jobs.created,
        max_running: r.jobs.max_running,
        busy_pod_h: busy,
        idle_pod_h: idle,
        pod_h: round4(busy + idle),
        truncated: run.truncated,
    })
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
