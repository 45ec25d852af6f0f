//! Is the load generator itself the bottleneck? A run at `--time-scale X`
//! counts every real second as X scenario seconds, so a machine too busy
//! to keep up turns its own slowness into latency the report would blame
//! on the system. This module measures that, as trusted load tools do
//! (k6's dropped iterations, wrk2's coordinated-omission warnings):
//!
//! - **lateness**: for every planned action (a visit's fan-out, a worker's
//!   processing start at the readout and end after the planned time, a
//!   scaler poll, a sample), how long after its scheduled time it actually
//!   happened, in scenario seconds;
//! - **unmodelled work**: the time spent generating synthetic alerts, work
//!   production does not do (its alerts come from the pipelines) and the
//!   scenario does not model, as a share of the detectors' latency span
//!   (from the end of their visit's readout, or their read if later, to
//!   their last acknowledgement: what the alerts' latency measures);
//! - **time-scaled publishing**: the real broker's round trips take real
//!   time, which a run at `--time-scale X` counts X times; the excess,
//!   `(1 - 1/X)` of the detectors' publishing time, is latency the
//!   generator added, as a share of the detectors' latency (at X = 1 it is 0:
//!   the run measures this machine's broker as it is);
//! - **CPU**: the process's CPU time over the run's wall time.
//!
//! [`GeneratorVerdict`] compares them with documented thresholds; a run
//! past either is *saturated*: its gates are inconclusive, and the verdict
//! suggests the time scale that would have been valid.

use std::sync::{Mutex, PoisonError};

use hdrhistogram::Histogram;
use serde::Serialize;

/// Largest p99 lateness of planned actions, scenario seconds, for a valid
/// run: one thirtieth of the 60 s alert budget (estimate: small against
/// the budget, large against the broker's round trips).
pub const MAX_LATENESS_P99_S: f64 = 2.0;

/// Largest share of the detectors' latency that real work stretched by
/// the time scale may take in a valid run: alert generation (which
/// production does not do) plus what the time scale added to the broker's
/// real round trips (estimate: a tenth of the latency may be the
/// generator's; with the suggestion's margin, `smoke` at the suggested
/// scale stays within 20% of the simulator here, tests/cli_sim_vs_load.rs).
pub const MAX_STRETCHED_SHARE: f64 = 0.10;

/// Margin applied to a suggested time scale, so that the suggestion is
/// not at the edge of validity.
const SUGGESTION_MARGIN: f64 = 0.8;

/// What was planned to happen at a scenario time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Planned {
    /// A visit's fan-out.
    Fanout,
    /// A worker's end of preload (the plan's `prep_s` after the read).
    Preload,
    /// A worker's end of the wait for the raws (after the readout).
    ImageWait,
    /// A worker's end of the pipelines.
    Pipeline,
    /// A worker's end of the APDB write (or of a skipped or abandoned
    /// detector).
    ApdbWrite,
    /// A scaler poll or a Job action of the API client.
    Scaler,
    /// A sample of the series.
    Sample,
}

/// The run's measurements of its own lag; shared by every task.
#[derive(Debug)]
pub struct GeneratorLag {
    inner: Mutex<Measured>,
}

#[derive(Debug)]
struct Measured {
    /// Lateness of planned actions, microseconds of scenario time.
    lateness_us: Histogram<u64>,
    /// The same, per kind of action: which one ran late.
    by_action: std::collections::BTreeMap<Planned, Histogram<u64>>,
    /// Scenario seconds spent generating alerts.
    unmodelled_s: f64,
    /// Scenario seconds spent publishing (from the end of generation to
    /// the detector's last acknowledgement), summed over detectors.
    publishing_s: f64,
    /// Scenario seconds from the end of the visit's readout (or the
    /// detector's read, if later) to its last acknowledgement, summed over
    /// detectors: the span the alerts' latency measures.
    detector_s: f64,
}

/// A lateness histogram: 1 µs to 1 day of scenario time, 3 significant
/// digits.
fn lateness_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 86_400_000_000, 3).expect("constant histogram bounds are valid")
}

impl Default for GeneratorLag {
    fn default() -> Self {
        GeneratorLag {
            inner: Mutex::new(Measured {
                lateness_us: lateness_histogram(),
                by_action: Default::default(),
                unmodelled_s: 0.0,
                publishing_s: 0.0,
                detector_s: 0.0,
            }),
        }
    }
}

impl GeneratorLag {
    /// `action` happened `late_s` scenario seconds after its scheduled time
    /// (negative values count as on time).
    pub fn late(&self, action: Planned, late_s: f64) {
        let us = (late_s.max(0.0) * 1e6).round();
        let us = if us.is_finite() { us as u64 } else { u64::MAX };
        let mut m = self.lock();
        let us = us.clamp(1, m.lateness_us.high());
        m.lateness_us.saturating_record(us);
        m.by_action
            .entry(action)
            .or_insert_with(lateness_histogram)
            .saturating_record(us);
    }

    /// A detector spent `generating_s` scenario seconds generating alerts
    /// and `publishing_s` publishing them, out of `detector_s` from the end
    /// of its visit's readout (or its read, if later) to its last
    /// acknowledgement.
    pub fn detector(&self, generating_s: f64, publishing_s: f64, detector_s: f64) {
        let mut m = self.lock();
        m.unmodelled_s += generating_s.max(0.0);
        m.publishing_s += publishing_s.max(0.0);
        m.detector_s += detector_s.max(0.0);
    }

    /// The figures so far.
    pub fn summary(&self, time_scale: f64, cpu: CpuUse) -> GeneratorSummary {
        let m = self.lock();
        let seconds = |q: f64| {
            if m.lateness_us.is_empty() {
                0.0
            } else {
                m.lateness_us.value_at_quantile(q) as f64 / 1e6
            }
        };
        let share_of_detectors = |s: f64| {
            if m.detector_s > 0.0 {
                s / m.detector_s
            } else {
                0.0
            }
        };
        let share = share_of_detectors(m.unmodelled_s);
        let publishing_share = share_of_detectors(m.publishing_s);
        let measures = Measures {
            lateness_p99_s: seconds(0.99),
            unmodelled_share: share,
            publishing_share,
        };
        let by_action = m
            .by_action
            .iter()
            .map(|(&action, h)| ActionLateness {
                action,
                count: h.len(),
                p99_s: h.value_at_quantile(0.99) as f64 / 1e6,
                max_s: h.max() as f64 / 1e6,
            })
            .collect();
        GeneratorSummary {
            time_scale,
            planned_actions: m.lateness_us.len(),
            lateness_p50_s: seconds(0.5),
            lateness_p99_s: seconds(0.99),
            lateness_max_s: if m.lateness_us.is_empty() {
                0.0
            } else {
                m.lateness_us.max() as f64 / 1e6
            },
            by_action,
            unmodelled_work_share: share,
            publishing_share,
            publish_inflation_share: measures.publish_inflation(time_scale),
            cpu_cores_used: cpu.cores_used(),
            verdict: GeneratorVerdict::judge(time_scale, measures),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Measured> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The process's CPU time over a wall-clock span.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuUse {
    /// User plus system CPU seconds of the process.
    pub cpu_s: f64,
    /// Wall seconds.
    pub wall_s: f64,
}

impl CpuUse {
    /// Cores' worth of CPU used on average (1.0 = one core busy).
    pub fn cores_used(self) -> f64 {
        if self.wall_s > 0.0 {
            self.cpu_s / self.wall_s
        } else {
            0.0
        }
    }
}

/// The process's user plus system CPU seconds so far.
pub fn process_cpu_s() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// The generator's figures for `load-info.json` and the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratorSummary {
    /// The run's time scale.
    pub time_scale: f64,
    /// Planned actions timed.
    pub planned_actions: u64,
    /// Lateness of planned actions, scenario seconds.
    pub lateness_p50_s: f64,
    /// 99th percentile.
    pub lateness_p99_s: f64,
    /// Largest.
    pub lateness_max_s: f64,
    /// Lateness per kind of planned action (only kinds that happened):
    /// which part of the generator fell behind.
    pub by_action: Vec<ActionLateness>,
    /// Share of the detectors' latency spent generating alerts (unmodelled).
    pub unmodelled_work_share: f64,
    /// Share of the detectors' latency spent publishing (real round trips to
    /// the broker, counted `time_scale` times).
    pub publishing_share: f64,
    /// Share of the detectors' latency the time scale added to publishing:
    /// `publishing_share * (1 - 1/time_scale)`.
    pub publish_inflation_share: f64,
    /// Cores' worth of CPU the load process used on average.
    pub cpu_cores_used: f64,
    /// Whether the run measured the system or the generator.
    pub verdict: GeneratorVerdict,
}

impl GeneratorSummary {
    /// The figures report.md and report.html show for a load run.
    pub fn page_figures(&self) -> alertsim_reports::LoadValidity {
        alertsim_reports::LoadValidity {
            time_scale: self.time_scale,
            lateness_s: [
                self.lateness_p50_s,
                self.lateness_p99_s,
                self.lateness_max_s,
            ],
            unmodelled_work_share: self.unmodelled_work_share,
            publish_inflation_share: self.publish_inflation_share,
            cpu_cores_used: self.cpu_cores_used,
            saturated: self.verdict.saturated,
            reason: self.verdict.reason.clone(),
            suggested_time_scale: self.verdict.suggested_time_scale,
        }
    }
}

/// How late one kind of planned action ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionLateness {
    /// The kind of action.
    pub action: Planned,
    /// How many were timed.
    pub count: u64,
    /// 99th percentile lateness, scenario seconds.
    pub p99_s: f64,
    /// Largest lateness, scenario seconds.
    pub max_s: f64,
}

/// Whether a run's figures measure the system or the load generator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratorVerdict {
    /// True when the generator could not keep up: the gates are
    /// inconclusive.
    pub saturated: bool,
    /// Why, in a sentence (empty when valid).
    pub reason: String,
    /// A time scale that the figures suggest would be valid on this
    /// machine (the run's own when it was valid); below 1 means this
    /// machine cannot run the scenario in real time.
    pub suggested_time_scale: f64,
}

impl GeneratorVerdict {
    /// Judges a run at `time_scale` by its measures.
    pub fn judge(time_scale: f64, measures: Measures) -> Self {
        let lateness_p99_s = measures.lateness_p99_s;
        let stretched = measures.stretched_share(time_scale);
        let mut reasons = Vec::new();
        if lateness_p99_s > MAX_LATENESS_P99_S {
            reasons.push(format!(
                "planned actions ran late by {lateness_p99_s:.3} scenario s at p99 (limit {MAX_LATENESS_P99_S} s)"
            ));
        }
        if stretched > MAX_STRETCHED_SHARE {
            reasons.push(format!(
                "real work stretched by the time scale took {:.1}% of the detectors' latency \
                 (generating alerts {:.1}%, the broker's round trips {:.1}%; limit {:.0}%)",
                stretched * 100.0,
                measures.unmodelled_share * 100.0,
                measures.publish_inflation(time_scale) * 100.0,
                MAX_STRETCHED_SHARE * 100.0
            ));
        }
        let saturated = !reasons.is_empty();
        let suggested = if saturated {
            // Lateness grows about in proportion to the time scale (real
            // seconds weigh `time_scale` scenario seconds); stretched work
            // has its own bound.
            let bound = (time_scale * ratio(MAX_LATENESS_P99_S, lateness_p99_s))
                .min(measures.largest_scale_for_real_work(time_scale));
            round_down(bound * SUGGESTION_MARGIN)
        } else {
            time_scale
        };
        GeneratorVerdict {
            saturated,
            reason: reasons.join("; "),
            suggested_time_scale: suggested,
        }
    }
}

/// What a run measured of its own lag, for the verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measures {
    /// p99 lateness of planned actions, scenario seconds.
    pub lateness_p99_s: f64,
    /// Share of the detectors' latency spent generating alerts.
    pub unmodelled_share: f64,
    /// Share of the detectors' latency spent publishing.
    pub publishing_share: f64,
}

impl Measures {
    /// Share of the detectors' latency the time scale added to publishing.
    pub fn publish_inflation(self, time_scale: f64) -> f64 {
        if time_scale > 1.0 {
            self.publishing_share * (1.0 - 1.0 / time_scale)
        } else {
            0.0
        }
    }

    /// Share of the detectors' latency that the generator added: all of
    /// the alert generation and the publishing's inflation.
    pub fn stretched_share(self, time_scale: f64) -> f64 {
        self.unmodelled_share + self.publish_inflation(time_scale)
    }

    /// The largest time scale at which stretched work stays within its
    /// limit `L`, from this run's figures at `time_scale`. Per second of
    /// latency at scale `x`, generation takes `g` real seconds and
    /// publishing `r`, beside `d` of modelled waits: the stretched share
    /// `(x g + (x - 1) r) / (d + x g + x r)` is at most `L` for
    /// `x <= (L d + r) / ((1 - L) (g + r))`.
    fn largest_scale_for_real_work(self, time_scale: f64) -> f64 {
        let u = self.unmodelled_share.clamp(0.0, 1.0);
        let p = self.publishing_share.clamp(0.0, 1.0 - u);
        if u + p <= 0.0 || time_scale <= 0.0 {
            return f64::INFINITY;
        }
        let limit = MAX_STRETCHED_SHARE;
        let (g, r, d) = (u / time_scale, p / time_scale, 1.0 - u - p);
        (limit * d + r) / ((1.0 - limit) * (g + r))
    }
}

fn ratio(limit: f64, value: f64) -> f64 {
    if value > 0.0 {
        limit / value
    } else {
        f64::INFINITY
    }
}

/// Down to two significant digits, so a suggestion reads as a choice.
fn round_down(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return 0.0;
    }
    // Dividing by a power of ten (not multiplying by its inverse) keeps
    // 2.9 from printing as 2.9000000000000004.
    let exponent = x.log10().floor() as i32 - 1;
    if exponent < 0 {
        let scale = 10f64.powi(-exponent);
        (x * scale).floor() / scale
    } else {
        let magnitude = 10f64.powi(exponent);
        (x / magnitude).floor() * magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_within_both_limits_is_valid_at_its_own_scale() {
        let v = GeneratorVerdict::judge(
            5.0,
            Measures {
                lateness_p99_s: 0.5,
                unmodelled_share: 0.02,
                publishing_share: 0.0,
            },
        );
        assert!(!v.saturated, "{v:?}");
        assert_eq!(v.suggested_time_scale, 5.0);
        assert!(v.reason.is_empty());
    }

    #[test]
    fn late_actions_saturate_and_suggest_a_slower_scale() {
        // p99 lateness 8 s at x20: 4x the limit, so x5, less the margin: x4.
        let v = GeneratorVerdict::judge(
            20.0,
            Measures {
                lateness_p99_s: 8.0,
                unmodelled_share: 0.0,
                publishing_share: 0.0,
            },
        );
        assert!(v.saturated);
        assert!(v.reason.contains("late"), "{}", v.reason);
        assert!((v.suggested_time_scale - 4.0).abs() < 1e-9, "{v:?}");
    }

    #[test]
    fn unmodelled_work_saturates_on_its_own() {
        let v = GeneratorVerdict::judge(
            10.0,
            Measures {
                lateness_p99_s: 0.1,
                unmodelled_share: 0.4,
                publishing_share: 0.0,
            },
        );
        assert!(v.saturated);
        assert!(v.reason.contains("generating alerts 40.0%"), "{}", v.reason);
        // Generation takes g = 0.4 / 10 real s per second of latency beside
        // d = 0.6 of waits: x <= 0.1 * 0.6 / (0.9 * 0.04) = 1.67, less the
        // margin: 1.33, read as 1.3.
        assert!((v.suggested_time_scale - 1.3).abs() < 1e-9, "{v:?}");
    }

    #[test]
    fn stretched_publishing_saturates_and_suggests_where_it_fits() {
        // At x5, publishing took 30% of the detectors' latency: 24% of it is
        // the time scale's (0.3 * (1 - 1/5)), past the 10% limit.
        let measures = Measures {
            lateness_p99_s: 0.1,
            unmodelled_share: 0.0,
            publishing_share: 0.3,
        };
        let v = GeneratorVerdict::judge(5.0, measures);
        assert!(v.saturated, "{v:?}");
        assert!(v.reason.contains("round trips"), "{}", v.reason);
        // Real publishing r = 0.3 / 5 = 0.06 per second beside d = 0.7:
        // x <= (0.1 * 0.7 + 0.06) / (0.9 * 0.06) = 2.407..., less the
        // margin: 1.93, read as 1.9.
        assert!((v.suggested_time_scale - 1.9).abs() < 1e-9, "{v:?}");
        // At the bound itself the inflation is at the limit.
        let bound = measures.largest_scale_for_real_work(5.0);
        let at_bound = 0.06 * (bound - 1.0) / (0.7 + 0.06 * bound);
        assert!((at_bound - MAX_STRETCHED_SHARE).abs() < 1e-12);
        // The same share at time scale 1 adds nothing.
        assert!(!GeneratorVerdict::judge(1.0, measures).saturated);
    }

    #[test]
    fn lateness_is_summarised_in_scenario_seconds() {
        let lag = GeneratorLag::default();
        for i in 0..100 {
            lag.late(Planned::Fanout, f64::from(i) / 100.0);
        }
        lag.late(Planned::Sample, -3.0);
        lag.detector(1.0, 2.0, 10.0);
        let s = lag.summary(
            1.0,
            CpuUse {
                cpu_s: 3.0,
                wall_s: 2.0,
            },
        );
        assert_eq!(s.planned_actions, 101);
        let kinds: Vec<_> = s.by_action.iter().map(|a| (a.action, a.count)).collect();
        assert_eq!(kinds, [(Planned::Fanout, 100), (Planned::Sample, 1)]);
        assert!((s.by_action[0].max_s - 0.99).abs() < 0.01, "{s:?}");
        assert!((s.lateness_p99_s - 0.98).abs() < 0.01, "{s:?}");
        assert!((s.lateness_max_s - 0.99).abs() < 0.01, "{s:?}");
        assert!((s.unmodelled_work_share - 0.1).abs() < 1e-12);
        assert!((s.publishing_share - 0.2).abs() < 1e-12);
        // At time scale 1 the broker's round trips are counted as they are.
        assert_eq!(s.publish_inflation_share, 0.0);
        assert!((s.cpu_cores_used - 1.5).abs() < 1e-12);
        assert!(!s.verdict.saturated);
    }

    #[test]
    fn suggestions_read_as_round_numbers() {
        assert_eq!(round_down(7.93), 7.9);
        assert_eq!(round_down(2.95).to_string(), "2.9");
        assert_eq!(round_down(5.8).to_string(), "5.8");
        assert_eq!(round_down(0.456), 0.45);
        assert_eq!(round_down(123.0), 120.0);
        assert_eq!(round_down(0.0), 0.0);
    }

    #[test]
    fn process_cpu_time_grows_with_work() {
        let before = process_cpu_s();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(process_cpu_s() > before);
    }
}
