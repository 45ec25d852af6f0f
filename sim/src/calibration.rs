//! Fitting the simulator's broker to a measured run (`alertsim
//! calibrate`): the produce round trip (`kafka.produce_latency_ms`) is
//! scaled until the simulated publish stage (the latency budget's
//! `publish`, mean over visits) equals the one measured.
//!
//! The publish stage is where the broker's answer time shows: the packager
//! flushes after each alert, so a detector of `n` alerts waits `n` round
//! trips. The fit scales the whole distribution (mean, spread and clamps
//! alike), so each simulated round trip is the default's draw times the
//! factor, and the simulated stage grows with the factor; a few
//! fixed-point steps (`factor *= measured / simulated`) reach it. What the
//! model does not have (alert generation, the client's own overhead) is
//! taken into the round trip: the fit describes the broker as the packager
//! sees it.
//!
//! The bandwidth (`kafka.broker_bandwidth_mbps`) is not fitted: a run that
//! does not fill a broker's link says nothing about its size.

use alertsim_plan::{Plan, PlanError};
use alertsim_reports::Report;
use alertsim_reports::Stage;
use alertsim_scenarios::{Distribution, Scenario};

use crate::engine::run_plan;
use crate::sizes::AlertSizes;

/// Fixed-point steps at most.
const MAX_STEPS: u32 = 8;
/// The simulated stage is taken as equal within this share.
const CLOSE_ENOUGH: f64 = 0.005;

/// The fitted round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct ProduceLatencyFit {
    /// The fitted `kafka.produce_latency_ms`.
    pub produce_latency_ms: Distribution,
    /// Fitted over the scenario's own distribution.
    pub factor: f64,
    /// The measured publish stage, mean over visits, seconds.
    pub measured_publish_s: f64,
    /// The simulated one with the fit.
    pub simulated_publish_s: f64,
    /// Simulator runs it took.
    pub runs: u32,
    /// The simulator's report with the fit.
    pub report: Report,
    /// Its report as configured: the fit's first run, at factor 1.
    pub configured: Report,
}

/// Why no fit.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// The scenario does not plan.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// One side has no publish stage to fit to.
    #[error(
        "no publish stage to fit: {side} run's latency budget has a publish mean of {publish_s} s (expected > 0: a run with delivered visits)"
    )]
    NoPublishStage {
        /// `measured` or `simulated`.
        side: &'static str,
        /// Its mean.
        publish_s: f64,
    },
}

/// The publish stage's mean over visits in `report`, seconds.
pub fn publish_mean_s(report: &Report) -> f64 {
    report
        .latency_budget
        .stages
        .iter()
        .find(|s| s.stage == Stage::Publish)
        .map_or(0.0, |s| s.mean_s)
}

/// Fits `scenario`'s produce round trip so that the simulated publish
/// stage's mean is `measured_publish_s`, with alert sizes from `sizes`.
pub fn fit_produce_latency(
    scenario: &Scenario,
    sizes: &AlertSizes,
    measured_publish_s: f64,
) -> Result<ProduceLatencyFit, FitError> {
    if !measured_publish_s.is_finite() || measured_publish_s <= 0.0 {
        return Err(FitError::NoPublishStage {
            side: "the measured",
            publish_s: measured_publish_s,
        });
    }
    let base = &scenario.kafka.produce_latency_ms;
    let simulate = |factor: f64| -> Result<Report, FitError> {
        let mut s = scenario.clone();
        s.kafka.produce_latency_ms = base.scaled(factor);
        let plan = Plan::new(&s)?;
        Ok(run_plan(&plan, sizes.clone(), |_| {}).report)
    };
    let configured = simulate(1.0)?;
    let mut factor = 1.0;
    let mut report = configured.clone();
    let mut runs = 1;
    loop {
        let simulated = publish_mean_s(&report);
        if simulated.is_nan() || simulated <= 0.0 {
            return Err(FitError::NoPublishStage {
                side: "the simulated",
                publish_s: simulated,
            });
        }
        let off = measured_publish_s / simulated;
        if (off - 1.0).abs() <= CLOSE_ENOUGH || runs >= MAX_STEPS {
            return Ok(ProduceLatencyFit {
                produce_latency_ms: base.scaled(factor),
                factor,
                measured_publish_s,
                simulated_publish_s: simulated,
                runs,
                report,
                configured,
            });
        }
        factor *= off;
        report = simulate(factor)?;
        runs += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smoke() -> Scenario {
        Scenario::resolve("smoke", &[]).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_fit_to_a_slower_broker_finds_its_round_trip() {
        let scenario = smoke();
        let sizes = AlertSizes::fixed(scenario.workers.nominal_alert_bytes);
        // A broker five times slower than the default, as the "measurement".
        let mut slow = scenario.clone();
        slow.kafka.produce_latency_ms = slow.kafka.produce_latency_ms.scaled(5.0);
        let measured = crate::run(&slow).unwrap_or_else(|e| panic!("{e}")).report;
        let target = publish_mean_s(&measured);
        let fit = fit_produce_latency(&scenario, &sizes, target).unwrap_or_else(|e| panic!("{e}"));
        assert!((fit.factor - 5.0).abs() < 0.25, "{fit:?}");
        assert!(
            (fit.simulated_publish_s / target - 1.0).abs() <= CLOSE_ENOUGH,
            "{fit:?}"
        );
        assert!(fit.runs > 1 && fit.runs <= MAX_STEPS, "{}", fit.runs);
        let configured = crate::run(&scenario)
            .unwrap_or_else(|e| panic!("{e}"))
            .report;
        assert_eq!(
            fit.configured, configured,
            "the first run is the scenario as configured"
        );
        let fitted_mean = fit.produce_latency_ms.mean();
        assert!((fitted_mean / scenario.kafka.produce_latency_ms.mean() - fit.factor).abs() < 1e-9);
    }

    #[test]
    fn nothing_measured_is_no_fit() {
        let scenario = smoke();
        let sizes = AlertSizes::fixed(scenario.workers.nominal_alert_bytes);
        let error = fit_produce_latency(&scenario, &sizes, 0.0).err();
        assert!(
            matches!(
                error,
                Some(FitError::NoPublishStage {
                    side: "the measured",
                    ..
                })
            ),
            "{error:?}"
        );
    }
}
