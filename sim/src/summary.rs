//! Turns the recorder and the models' final state into the run's outcome.

use crate::metrics::Recorder;
use crate::model::kube::Cluster;
use crate::outcome::{
    AlertTotals, ConsumerOutcome, JobTotals, Percentiles, SeriesPoint, SimOutcome, VisitOutcome,
    round_ms,
};
use crate::params::SimParams;
use crate::time::{SimDuration, SimTime};

/// Builds the outcome at the end time `end`.
pub fn summarise(
    p: &SimParams,
    end: SimTime,
    truncated: bool,
    events: u64,
    cluster: &Cluster,
    busy: impl Iterator<Item = SimDuration>,
    rec: Recorder,
) -> SimOutcome {
    let late_after_ms = (p.late_after_s * 1000.0).max(0.0);
    let per_visit: Vec<VisitOutcome> = rec
        .visits
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let p98_ms = if v.latency_ms.is_empty() {
                0
            } else {
                v.latency_ms.value_at_quantile(0.98)
            };
            let lost = v.alerts.saturating_sub(v.delivered);
            VisitOutcome {
                visit: u32::try_from(i).unwrap_or(u32::MAX),
                readout_end_s: round_ms(v.readout_end.as_secs_f64()),
                alerts: v.alerts,
                delivered: v.delivered,
                lost,
                p98_s: p98_ms as f64 / 1000.0,
                late: p98_ms as f64 > late_after_ms,
                failed: lost > 0,
            }
        })
        .collect();
    let produced: u64 = rec.visits.iter().map(|v| v.alerts).sum();
    let alerts = AlertTotals {
        produced,
        delivered: rec.delivered,
        lost: produced.saturating_sub(rec.delivered),
        duplicated: rec.duplicated,
        failed_deliveries: rec.failed_deliveries,
        bytes: rec.bytes_delivered.round() as u64,
    };

    let mut busy_total = SimDuration::ZERO;
    let mut idle_total = SimDuration::ZERO;
    let mut startup_total = SimDuration::ZERO;
    let mut startups = 0;
    for (i, busy) in busy.enumerate() {
        let Some(job) = u32::try_from(i).ok().and_then(|id| cluster.job(id)) else {
            continue;
        };
        if let Some(scheduled) = job.scheduled_at {
            let until = job.running_at.or(job.finished_at).unwrap_or(end).min(end);
            startup_total = startup_total + until.saturating_since(scheduled);
        }
        if let Some(running) = job.running_at {
            startups += 1;
            let until = job.finished_at.unwrap_or(end).min(end);
            let span = until.saturating_since(running);
            let busy = busy.min(span);
            busy_total = busy_total + busy;
            idle_total = idle_total + SimDuration(span.0 - busy.0);
        }
    }
    let jobs = JobTotals {
        created: cluster.created(),
        max_running: cluster.max_running(),
        max_active: cluster.max_active(),
        startups,
        busy_pod_s: round_ms(busy_total.as_secs_f64()),
        idle_pod_s: round_ms(idle_total.as_secs_f64()),
        startup_pod_s: round_ms(startup_total.as_secs_f64()),
        messages_processed: rec.messages_processed,
        messages_skipped: rec.messages_skipped,
    };

    let consumers = p
        .consumers
        .iter()
        .zip(rec.consumer_latency_us.iter().zip(&rec.consumer_received))
        .map(|(c, (h, received))| ConsumerOutcome {
            name: c.name.clone(),
            received: *received,
            latency_s: Percentiles::from_micros(h),
        })
        .collect();

    let width = rec.bin_width();
    let width_s = width.as_secs_f64();
    let series = rec
        .bins
        .iter()
        .enumerate()
        .map(|(i, b)| SeriesPoint {
            t_s: (i as f64) * width_s,
            lag: b.max_lag,
            jobs_active: b.max_active_jobs,
            jobs_pending: b.max_pending_jobs,
            pods_running: b.max_running_pods,
            jobs_created: b.jobs_created,
            alerts_per_s: round_ms(b.alerts as f64 / width_s),
            bytes_per_s: (b.bytes / width_s).round(),
        })
        .collect();

    SimOutcome {
        scenario: p.name.clone(),
        seed: p.seed,
        simulated_s: round_ms(end.as_secs_f64()),
        visits: u32::try_from(per_visit.len()).unwrap_or(u32::MAX),
        alerts,
        latency_s: Percentiles::from_micros(&rec.latency_us),
        late_visits: u32::try_from(per_visit.iter().filter(|v| v.late).count()).unwrap_or(0),
        failed_visits: u32::try_from(per_visit.iter().filter(|v| v.failed).count()).unwrap_or(0),
        jobs,
        consumers,
        per_visit,
        series,
        events,
        truncated,
        latency_histogram: rec.latency_us,
        consumer_histograms: rec.consumer_latency_us,
    }
}
