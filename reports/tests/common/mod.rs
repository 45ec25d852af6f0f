//! Shared helpers for the reports tests: a synthetic run fed to a Recorder,
//! whole or as the share of one of several load-generator shards.

#![allow(dead_code)]

use alertsim_reports::{DetectorStamps, Gauges, Recorder, Report};
use alertsim_scenarios::{Scenario, catalog};

/// The smoke scenario from the catalogue.
pub fn smoke() -> Scenario {
    catalog::get("smoke")
        .and_then(|e| e.load(&[]).ok())
        .unwrap_or_default()
}

/// Which part of a run a recorder sees: shard `index` of `of` takes every
/// `of`-th alert, Job, pod and consumer receipt, and its share of each gauge,
/// so that the shards add up to the whole run.
#[derive(Debug, Clone, Copy)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u64,
    /// Number of shards.
    pub of: u64,
}

impl Shard {
    /// The whole run.
    pub const WHOLE: Shard = Shard { index: 0, of: 1 };

    fn owns(self, k: u64) -> bool {
        k % self.of == self.index
    }

    /// This shard's share of a gauge value (shares sum to `value`).
    fn share(self, value: u64) -> u64 {
        value / self.of + u64::from(self.index < value % self.of)
    }
}

/// Feeds a synthetic run: `visits` visits of `alerts` alerts each, latencies
/// `base_latency_s + k * step_s`, `lost` alerts lost in visit 0. Returns the
/// recorder and the end time of the run.
pub fn synthetic_recorder(
    scenario: &Scenario,
    base_latency_s: f64,
    lost: u64,
    shard: Shard,
) -> (Recorder, f64) {
    let mut rec = Recorder::with_sample_interval(scenario, 5.0);
    let visits = scenario.night.visits;
    let alerts = 100u64;
    let mut t = 0.0;
    let mut job = 0u64;
    for v in 0..visits {
        let readout_end = 37.0 * f64::from(v) + 32.0;
        let mine = (0..alerts).filter(|&k| shard.owns(k)).count() as u64;
        rec.visit_planned(v, readout_end, mine);
        for k in (0..alerts).filter(|&k| shard.owns(k)) {
            rec.alert_produced(v, 80_000);
            if v == 0 && k < lost {
                rec.alert_lost(v);
            } else {
                rec.alert_delivered(v, 80_000, base_latency_s + k as f64 * 0.1);
            }
        }
        // Four detectors of 25 alerts each, detector d owned as alert d is.
        for d in (0..4u64).filter(|&d| shard.owns(d)) {
            let finish = readout_end + base_latency_s + d as f64 * 2.5;
            rec.detector_stages(
                v,
                &DetectorStamps {
                    delivered: 25,
                    announced_s: readout_end - 52.0,
                    pod_running_s: readout_end - 60.0,
                    read_s: readout_end - 52.0 + d as f64,
                    preload_end_s: readout_end - 47.0 + d as f64,
                    images_end_s: readout_end + 3.0,
                    pipeline_end_s: finish - 1.0,
                    apdb_end_s: finish - 0.5,
                    produced_s: finish - 0.1,
                    acked_s: finish,
                },
            );
        }
        for i in 0..3 {
            if shard.owns(job) {
                rec.job_created();
                rec.pod_started(10.0 + f64::from(i));
            }
            job += 1;
        }
        rec.pod_time(100.0 / shard.of as f64, 25.0 / shard.of as f64);
        while t <= readout_end {
            rec.sample(
                t,
                Gauges {
                    lag: shard.share((t as u64) % 20),
                    jobs_running: shard.share(3 + (t as u64 / 5) % 5),
                    jobs_pending: shard.share(1),
                    pods_busy: shard.share(2),
                    publisher_backlog: 0,
                },
            );
            t += rec.sample_interval_s();
        }
    }
    for (k, (consumer, latency_s)) in [(0, 12.5), (1, 20.0)].into_iter().enumerate() {
        if shard.owns(k as u64) {
            rec.alert_received(consumer, latency_s);
        }
    }
    (rec, t)
}

/// The whole synthetic run's report.
pub fn synthetic_report(scenario: &Scenario, base_latency_s: f64, lost: u64) -> Report {
    let (rec, t) = synthetic_recorder(scenario, base_latency_s, lost, Shard::WHOLE);
    rec.finish(scenario, t)
}
