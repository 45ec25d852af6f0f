//! The latency budget: where each visit's latency went, stage by stage, and
//! which stage made a late visit late.
//!
//! A driver records each processed detector's stamps ([`DetectorStamps`]):
//! the visit's announcement, when the pod that read the event was running,
//! the read, the ends of preload, image wait, pipelines and APDB write,
//! the last produce call and its acknowledgement. The stages are the spans
//! between consecutive stamps: cold start (announcement to the pod running,
//! when no pod was running at the announcement), queue wait (to the read),
//! preload, image wait, pipeline, APDB write, publish (packaging and
//! producing up to the last alert's produce call) and ack (the broker's
//! acknowledgement of that alert). Each consumer's receipt after the
//! acknowledgement is the last stage; it is kept per consumer (report.json
//! `consumers[].receipt_s`), since every consumer reads every alert.
//!
//! A visit's **deciding detector**: order its detectors by when their last
//! alert was acknowledged; the deciding one is the first at which the
//! acknowledged alerts reach 98% of the visit's expected alerts. Its
//! finish is (to within a detector's publishing spread) the visit's p98
//! latency. The visit's **budget** is the deciding detector's stages
//! clipped to the span from the end of readout to its last
//! acknowledgement, so the stages add up to that latency.
//!
//! **What made a late visit late**: the stage whose share of the visit's
//! budget exceeds that stage's median share over the night's visits by the
//! most (ties to the earlier stage). A late visit with no deciding detector
//! (fewer than 98% of its alerts were ever acknowledged: detectors failed,
//! alerts lost) is late because of [`LateCause::Undelivered`].

use serde::{Deserialize, Serialize};

use crate::number::millis;

/// The stages of a detector's timeline, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Announcement to the reading pod running (no pod was idle).
    ColdStart,
    /// Waiting in the stream for a worker to read the event.
    QueueWait,
    /// `prep_butler`: calibrations and templates.
    Preload,
    /// Waiting for the raws.
    ImageWait,
    /// The pipelines.
    Pipeline,
    /// The APDB write.
    ApdbWrite,
    /// Packaging and producing, to the last alert's produce call.
    Publish,
    /// The broker's acknowledgement of the last alert.
    Ack,
}

impl Stage {
    /// Every stage, in timeline order.
    pub const ALL: [Stage; 8] = [
        Stage::ColdStart,
        Stage::QueueWait,
        Stage::Preload,
        Stage::ImageWait,
        Stage::Pipeline,
        Stage::ApdbWrite,
        Stage::Publish,
        Stage::Ack,
    ];

    /// The name report.json uses.
    pub fn name(self) -> &'static str {
        match self {
            Stage::ColdStart => "cold_start",
            Stage::QueueWait => "queue_wait",
            Stage::Preload => "preload",
            Stage::ImageWait => "image_wait",
            Stage::Pipeline => "pipeline",
            Stage::ApdbWrite => "apdb_write",
            Stage::Publish => "publish",
            Stage::Ack => "ack",
        }
    }
}

/// Why a late visit was late: a stage, or that its alerts never arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LateCause {
    /// [`Stage::ColdStart`] took more than usual.
    ColdStart,
    /// [`Stage::QueueWait`].
    QueueWait,
    /// [`Stage::Preload`].
    Preload,
    /// [`Stage::ImageWait`].
    ImageWait,
    /// [`Stage::Pipeline`].
    Pipeline,
    /// [`Stage::ApdbWrite`].
    ApdbWrite,
    /// [`Stage::Publish`].
    Publish,
    /// [`Stage::Ack`].
    Ack,
    /// Fewer than 98% of the visit's alerts were ever acknowledged.
    Undelivered,
}

impl LateCause {
    /// The cause that names `stage`.
    pub fn of(stage: Stage) -> Self {
        match stage {
            Stage::ColdStart => LateCause::ColdStart,
            Stage::QueueWait => LateCause::QueueWait,
            Stage::Preload => LateCause::Preload,
            Stage::ImageWait => LateCause::ImageWait,
            Stage::Pipeline => LateCause::Pipeline,
            Stage::ApdbWrite => LateCause::ApdbWrite,
            Stage::Publish => LateCause::Publish,
            Stage::Ack => LateCause::Ack,
        }
    }

    /// The name the reports show (report.json's spelling).
    pub fn name(self) -> &'static str {
        match self {
            LateCause::ColdStart => Stage::ColdStart.name(),
            LateCause::QueueWait => Stage::QueueWait.name(),
            LateCause::Preload => Stage::Preload.name(),
            LateCause::ImageWait => Stage::ImageWait.name(),
            LateCause::Pipeline => Stage::Pipeline.name(),
            LateCause::ApdbWrite => Stage::ApdbWrite.name(),
            LateCause::Publish => Stage::Publish.name(),
            LateCause::Ack => Stage::Ack.name(),
            LateCause::Undelivered => "undelivered",
        }
    }
}

/// One processed detector's stamps, scenario seconds, each at or after the
/// one before (the recorder clamps them so).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DetectorStamps {
    /// Alerts of the detector that Kafka acknowledged.
    pub delivered: u32,
    /// The visit's announcement (the fan-out's write).
    pub announced_s: f64,
    /// When the reading pod was running.
    pub pod_running_s: f64,
    /// The read.
    pub read_s: f64,
    /// End of the preload.
    pub preload_end_s: f64,
    /// End of the image wait.
    pub images_end_s: f64,
    /// End of the pipelines.
    pub pipeline_end_s: f64,
    /// End of the APDB write.
    pub apdb_end_s: f64,
    /// The last alert's produce call.
    pub produced_s: f64,
    /// The last alert's acknowledgement.
    pub acked_s: f64,
}

/// A detector's stamps as kept: milliseconds from the visit's end of
/// readout, and its delivered alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Trace {
    delivered: u32,
    at_ms: [i32; 9],
}

impl Trace {
    /// Keeps `stamps` of a visit read out at `readout_end_s`; the pod's
    /// start counts from the announcement at the earliest and is at most
    /// the read, and every other stamp at or after the one before.
    pub(crate) fn new(stamps: &DetectorStamps, readout_end_s: f64) -> Self {
        let s = stamps;
        let pod = s
            .pod_running_s
            .clamp(s.announced_s, s.read_s.max(s.announced_s));
        let raw = [
            s.announced_s,
            pod,
            s.read_s,
            s.preload_end_s,
            s.images_end_s,
            s.pipeline_end_s,
            s.apdb_end_s,
            s.produced_s,
            s.acked_s,
        ];
        let mut at_ms = [0i32; 9];
        let mut last = i32::MIN;
        for (slot, t) in at_ms.iter_mut().zip(raw) {
            let ms = ((t - readout_end_s) * 1000.0).round();
            let ms = if ms.is_finite() {
                ms.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
            } else {
                last.max(0)
            };
            last = last.max(ms);
            *slot = last;
        }
        Trace {
            delivered: s.delivered,
            at_ms,
        }
    }

    fn acked_ms(&self) -> i32 {
        self.at_ms[8]
    }

    /// Seconds of each stage within the span from the end of readout to
    /// the last acknowledgement.
    pub(crate) fn clipped(&self) -> [f64; 8] {
        let end = self.acked_ms();
        let mut out = [0.0; 8];
        for (i, slot) in out.iter_mut().enumerate() {
            let from = self.at_ms[i].max(0);
            let to = self.at_ms[i + 1].min(end);
            *slot = f64::from((to - from).max(0)) / 1000.0;
        }
        out
    }
}

/// A visit's latency split by stage, seconds (report.json, per visit).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageBudget {
    /// Announcement to the reading pod running.
    pub cold_start_s: f64,
    /// Waiting in the stream.
    pub queue_wait_s: f64,
    /// The preload.
    pub preload_s: f64,
    /// Waiting for the raws.
    pub image_wait_s: f64,
    /// The pipelines.
    pub pipeline_s: f64,
    /// The APDB write.
    pub apdb_write_s: f64,
    /// Packaging and producing.
    pub publish_s: f64,
    /// The broker's acknowledgement.
    pub ack_s: f64,
}

impl StageBudget {
    fn from_array(a: [f64; 8]) -> Self {
        StageBudget {
            cold_start_s: millis(a[0]),
            queue_wait_s: millis(a[1]),
            preload_s: millis(a[2]),
            image_wait_s: millis(a[3]),
            pipeline_s: millis(a[4]),
            apdb_write_s: millis(a[5]),
            publish_s: millis(a[6]),
            ack_s: millis(a[7]),
        }
    }

    /// The seconds of `stage`.
    pub fn get(&self, stage: Stage) -> f64 {
        match stage {
            Stage::ColdStart => self.cold_start_s,
            Stage::QueueWait => self.queue_wait_s,
            Stage::Preload => self.preload_s,
            Stage::ImageWait => self.image_wait_s,
            Stage::Pipeline => self.pipeline_s,
            Stage::ApdbWrite => self.apdb_write_s,
            Stage::Publish => self.publish_s,
            Stage::Ack => self.ack_s,
        }
    }

    /// All stages added: the deciding detector's latency.
    pub fn total_s(&self) -> f64 {
        Stage::ALL.iter().map(|&s| self.get(s)).sum()
    }
}

/// The budget of a visit whose processed detectors left `traces` and
/// which expects `expected` alerts: the deciding detector's clipped
/// stages, or `None` when 98% of `expected` was never acknowledged.
pub(crate) fn visit_budget(traces: &[Trace], expected: u64) -> Option<StageBudget> {
    if expected == 0 {
        return None;
    }
    let mut order: Vec<&Trace> = traces.iter().filter(|t| t.delivered > 0).collect();
    order.sort_by_key(|t| (t.acked_ms(), t.at_ms));
    let mut acknowledged: u64 = 0;
    for trace in order {
        acknowledged += u64::from(trace.delivered);
        if acknowledged as f64 >= 0.98 * expected as f64 {
            return Some(StageBudget::from_array(trace.clipped()));
        }
    }
    None
}

/// One stage's share of the visits' latency over the night.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageFigures {
    /// The stage.
    pub stage: Stage,
    /// Median over visits, seconds.
    pub p50_s: f64,
    /// 98th percentile over visits, seconds.
    pub p98_s: f64,
    /// Mean over visits, seconds.
    pub mean_s: f64,
}

/// How many late visits one cause made late.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CauseCount {
    /// The cause.
    pub cause: LateCause,
    /// Late visits put down to it.
    pub late_visits: u64,
}

/// The night's latency budget (report.json `latency_budget`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyBudget {
    /// Visits with a budget (a deciding detector).
    pub visits: u64,
    /// Each stage's p50, p98 and mean over those visits.
    pub stages: Vec<StageFigures>,
    /// Late visits by cause, most first (ties in cause order).
    pub late_causes: Vec<CauseCount>,
}

/// The night's figures over the visits' budgets, and the cause of each
/// late visit (`late[i]` says whether visit `i` is late; the answer has one
/// entry per visit, `None` for visits that are not late).
pub(crate) fn night_budget(
    budgets: &[Option<StageBudget>],
    late: &[bool],
) -> (LatencyBudget, Vec<Option<LateCause>>) {
    let with: Vec<&StageBudget> = budgets.iter().flatten().collect();
    let mut medians = [0.0; 8];
    let mut stages = Vec::with_capacity(8);
    for (i, &stage) in Stage::ALL.iter().enumerate() {
        let mut values: Vec<f64> = with.iter().map(|b| b.get(stage)).collect();
        values.sort_by(f64::total_cmp);
        medians[i] = quantile(&values, 0.5);
        let mean = if values.is_empty() {
            0.0
        } else {
            values.iter().sum::<f64>() / values.len() as f64
        };
        stages.push(StageFigures {
            stage,
            p50_s: millis(medians[i]),
            p98_s: millis(quantile(&values, 0.98)),
            mean_s: millis(mean),
        });
    }
    let causes: Vec<Option<LateCause>> = budgets
        .iter()
        .zip(late)
        .map(|(budget, &late)| late.then(|| cause(budget.as_ref(), &medians)))
        .collect();
    let mut counts: Vec<CauseCount> = Vec::new();
    for cause in causes.iter().flatten() {
        match counts.iter_mut().find(|c| c.cause == *cause) {
            Some(c) => c.late_visits += 1,
            None => counts.push(CauseCount {
                cause: *cause,
                late_visits: 1,
            }),
        }
    }
    counts.sort_by(|a, b| {
        b.late_visits
            .cmp(&a.late_visits)
            .then(a.cause.cmp(&b.cause))
    });
    (
        LatencyBudget {
            visits: with.len() as u64,
            stages,
            late_causes: counts,
        },
        causes,
    )
}

/// The stage of `budget` furthest above its median (ties to the earlier).
fn cause(budget: Option<&StageBudget>, medians: &[f64; 8]) -> LateCause {
    let Some(budget) = budget else {
        return LateCause::Undelivered;
    };
    let mut best = (Stage::ColdStart, f64::NEG_INFINITY);
    for (i, &stage) in Stage::ALL.iter().enumerate() {
        let excess = budget.get(stage) - medians[i];
        if excess > best.1 {
            best = (stage, excess);
        }
    }
    LateCause::of(best.0)
}

/// Nearest-rank quantile of sorted values (0 when there are none).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamps(delivered: u32, read: f64, apdb_end: f64, acked: f64) -> DetectorStamps {
        DetectorStamps {
            delivered,
            announced_s: 0.0,
            pod_running_s: 0.0,
            read_s: read,
            preload_end_s: read + 5.0,
            images_end_s: (read + 5.0).max(103.0),
            pipeline_end_s: apdb_end - 2.0,
            apdb_end_s: apdb_end,
            produced_s: acked - 0.01,
            acked_s: acked,
        }
    }

    #[test]
    fn the_stages_add_up_to_the_deciding_detectors_latency() {
        // Readout ends at 100 s; a cold pod read at 110 s.
        let mut cold = stamps(50, 110.0, 150.0, 151.0);
        cold.pod_running_s = 108.0;
        let traces = [
            Trace::new(&stamps(50, 1.0, 128.0, 129.0), 100.0),
            Trace::new(&cold, 100.0),
        ];
        let budget = visit_budget(&traces, 100).expect("98% acknowledged");
        assert!((budget.total_s() - 51.0).abs() < 1e-9, "{budget:?}");
        assert_eq!(budget.cold_start_s, 8.0);
        assert_eq!(budget.queue_wait_s, 2.0);
        assert_eq!(budget.preload_s, 5.0);
        assert_eq!(budget.image_wait_s, 0.0);
        // With only the warm detector delivered the visit never reaches 98%.
        assert!(visit_budget(&traces[..1], 100).is_none());
    }

    #[test]
    fn a_late_visit_is_put_down_to_the_stage_furthest_above_its_median() {
        let usual = StageBudget {
            image_wait_s: 3.0,
            pipeline_s: 25.0,
            ack_s: 0.01,
            ..StageBudget::default()
        };
        let slow_start = StageBudget {
            cold_start_s: 30.0,
            pipeline_s: 35.0,
            ..usual
        };
        let budgets = [Some(usual), Some(usual), Some(slow_start), None];
        let (night, causes) = night_budget(&budgets, &[false, false, true, true]);
        assert_eq!(
            causes,
            vec![
                None,
                None,
                Some(LateCause::ColdStart),
                Some(LateCause::Undelivered)
            ]
        );
        assert_eq!(night.visits, 3);
        assert_eq!(night.late_causes.len(), 2);
        let pipeline = &night.stages[4];
        assert_eq!((pipeline.p50_s, pipeline.p98_s), (25.0, 35.0));
    }
}
