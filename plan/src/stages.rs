//! One detector's work as production's worker does it (prompt_processing
//! `activator.py`, FACTS "Second reading"): after reading the event it
//! preloads calibrations and templates (`prep_butler`), waits for the raws
//! (at most `duration * 2 + IMAGE_TIMEOUT` from the end of the preload),
//! runs the pipelines and writes the APDB, all under the `WORKER_TIMEOUT`
//! alarm set when it starts on the detector; only then are the alerts
//! packaged and sent. A visit of a survey with no pipelines is skipped
//! cheaply.
//!
//! The stage times are drawn per (visit, detector) from a generator keyed
//! by the seed, the visit and the detector, so the simulator and the load
//! generator spend the same times whichever worker takes the detector and
//! in whatever order. [`Plan::detector_timeline`] turns them into the
//! instants of each stage after a read: the simulator schedules them, the
//! load generator waits for them on its clock.

use alertsim_core::alert::generate::ids::mix_seed;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::Plan;
use crate::night::{Visit, VisitKind};
use crate::rng::Stream;

/// The drawn durations of one detector's stages, scenario seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageTimes {
    /// The preload (`workers.prep_s`).
    pub preload_s: f64,
    /// When the raws land after the end of readout; `None` when they never
    /// do (`night.images_missing_fraction`).
    pub image_arrival_s: Option<f64>,
    /// The pipelines (`workers.processing_base_s` plus
    /// `workers.processing_per_alert_s` per alert).
    pub pipeline_s: f64,
    /// The APDB write (`workers.apdb_write_s`).
    pub apdb_write_s: f64,
}

/// What a worker does with one detector event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DetectorWork {
    /// No pipelines for the visit's survey: done after this many seconds.
    Skip {
        /// Seconds from the read to the worker being free again.
        skip_s: f64,
    },
    /// Preload, image wait, pipelines, APDB, then the alerts.
    Process(StageTimes),
}

/// How a detector's work ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The APDB is written: package and send the alerts at `apdb_end_s`.
    Publish,
    /// Skipped (no pipelines): nothing to send.
    Skipped,
    /// The raws never came within the image timeout: nothing to send.
    NoImages,
    /// `WORKER_TIMEOUT` fired before the APDB write was done: the detector
    /// fails.
    TimedOut,
}

/// The instants of one detector's stages after its read, scenario seconds
/// (each stamp at or after the one before; stages that did not happen end
/// where the last one that did).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeline {
    /// The worker read the event and started on it.
    pub read_s: f64,
    /// The preload is done.
    pub preload_end_s: f64,
    /// The raws are in (or the wait for them ended).
    pub images_end_s: f64,
    /// The pipelines are done.
    pub pipeline_end_s: f64,
    /// The APDB is written: the alerts go out from here.
    pub apdb_end_s: f64,
    /// How it ended.
    pub ending: Ending,
}

impl Timeline {
    /// When the worker is done with the detector's processing: the start
    /// of publishing for [`Ending::Publish`], else free again.
    pub fn end_s(&self) -> f64 {
        self.apdb_end_s
    }
}

impl Plan {
    /// The drawn stage times of `detector` of `visit`.
    pub fn detector_work(&self, visit: &Visit, detector: u32) -> DetectorWork {
        let w = &self.scenario.workers;
        if visit.kind == VisitKind::NoPipelines {
            return DetectorWork::Skip {
                skip_s: w.skip_s.max(0.0),
            };
        }
        let mut rng = ChaCha8Rng::seed_from_u64(mix_seed(
            self.scenario.seed,
            &[
                stream_label(Stream::Stages),
                u64::from(visit.index),
                u64::from(detector),
            ],
        ));
        let alerts = visit
            .detector_alerts
            .get(detector as usize)
            .copied()
            .unwrap_or(0);
        let preload_s = w.prep_s.sample(&mut rng).max(0.0);
        let arrival = w.image_arrival_s.sample(&mut rng).max(0.0);
        let base = w.processing_base_s.sample(&mut rng).max(0.0);
        let apdb_write_s = w.apdb_write_s.sample(&mut rng).max(0.0);
        DetectorWork::Process(StageTimes {
            preload_s,
            image_arrival_s: (visit.kind == VisitKind::Science).then_some(arrival),
            pipeline_s: (base + w.processing_per_alert_s * f64::from(alerts)).max(0.0),
            apdb_write_s,
        })
    }

    /// How long a worker waits for the raws after its preload at most:
    /// `duration * 2 + IMAGE_TIMEOUT` (the event's `duration` is the
    /// exposure time).
    pub fn image_wait_limit_s(&self) -> f64 {
        self.scenario.night.exposure_s * 2.0 + self.scenario.workers.image_timeout_s
    }

    /// The stages of `detector` of `visit` for a worker that read its
    /// event at `read_s` (scenario seconds).
    pub fn detector_timeline(&self, visit: &Visit, detector: u32, read_s: f64) -> Timeline {
        timeline(
            self.detector_work(visit, detector),
            read_s,
            visit.readout_end.as_secs_f64(),
            self.image_wait_limit_s(),
            self.scenario.workers.worker_timeout_s,
        )
    }
}

/// A stream's label for keyed generators: the FNV-1a hash of its name,
/// as the named streams use.
fn stream_label(which: Stream) -> u64 {
    which
        .name()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// The stage instants of `work` read at `read_s` for a visit read out at
/// `readout_end_s`, with the image wait limit and the worker timeout.
pub fn timeline(
    work: DetectorWork,
    read_s: f64,
    readout_end_s: f64,
    image_wait_limit_s: f64,
    worker_timeout_s: f64,
) -> Timeline {
    let times = match work {
        DetectorWork::Skip { skip_s } => {
            let end = read_s + skip_s;
            return Timeline {
                read_s,
                preload_end_s: end,
                images_end_s: end,
                pipeline_end_s: end,
                apdb_end_s: end,
                ending: Ending::Skipped,
            };
        }
        DetectorWork::Process(times) => times,
    };
    let preload_end_s = read_s + times.preload_s;
    let give_up_s = preload_end_s + image_wait_limit_s;
    let (images_end_s, images_came) = match times.image_arrival_s {
        Some(arrival) if readout_end_s + arrival <= give_up_s => {
            (preload_end_s.max(readout_end_s + arrival), true)
        }
        _ => (give_up_s, false),
    };
    let pipeline_end_s = images_end_s + times.pipeline_s;
    let apdb_end_s = pipeline_end_s + times.apdb_write_s;
    let deadline_s = read_s + worker_timeout_s;
    let clamp = |t: f64| t.min(deadline_s);
    let ending = if !images_came && images_end_s <= deadline_s {
        Ending::NoImages
    } else if apdb_end_s > deadline_s {
        Ending::TimedOut
    } else {
        Ending::Publish
    };
    match ending {
        Ending::NoImages => Timeline {
            read_s,
            preload_end_s,
            images_end_s,
            pipeline_end_s: images_end_s,
            apdb_end_s: images_end_s,
            ending,
        },
        _ => Timeline {
            read_s,
            preload_end_s: clamp(preload_end_s),
            images_end_s: clamp(images_end_s),
            pipeline_end_s: clamp(pipeline_end_s),
            apdb_end_s: clamp(apdb_end_s),
            ending,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alertsim_scenarios::Scenario;

    fn work(preload: f64, arrival: Option<f64>, pipeline: f64, apdb: f64) -> DetectorWork {
        DetectorWork::Process(StageTimes {
            preload_s: preload,
            image_arrival_s: arrival,
            pipeline_s: pipeline,
            apdb_write_s: apdb,
        })
    }

    #[test]
    fn a_warm_worker_hides_its_preload_before_the_readout() {
        // Read 50 s before the readout: the preload is over long before.
        let t = timeline(work(5.0, Some(3.0), 20.0, 2.0), 50.0, 100.0, 180.0, 900.0);
        assert_eq!(t.ending, Ending::Publish);
        assert_eq!(t.preload_end_s, 55.0);
        assert_eq!(t.images_end_s, 103.0);
        assert_eq!(t.apdb_end_s, 125.0);
    }

    #[test]
    fn a_worker_reading_after_the_readout_pays_the_preload() {
        let t = timeline(work(5.0, Some(3.0), 20.0, 2.0), 110.0, 100.0, 180.0, 900.0);
        assert_eq!(t.images_end_s, 115.0);
        assert_eq!(t.apdb_end_s, 137.0);
    }

    #[test]
    fn missing_images_hold_the_worker_for_the_image_timeout() {
        let t = timeline(work(5.0, None, 20.0, 2.0), 50.0, 100.0, 180.0, 900.0);
        assert_eq!(t.ending, Ending::NoImages);
        assert_eq!(t.end_s(), 235.0);
        // Raws later than the limit count as never arriving.
        let late = timeline(work(5.0, Some(500.0), 20.0, 2.0), 50.0, 100.0, 180.0, 900.0);
        assert_eq!(late.ending, Ending::NoImages);
    }

    #[test]
    fn the_worker_timeout_fails_the_detector_at_the_alarm() {
        let t = timeline(work(5.0, Some(3.0), 1000.0, 2.0), 50.0, 100.0, 180.0, 900.0);
        assert_eq!(t.ending, Ending::TimedOut);
        assert_eq!(t.end_s(), 950.0);
        let t = timeline(work(5.0, Some(3.0), 100.0, 2.0), 50.0, 100.0, 180.0, 150.0);
        assert_eq!(t.ending, Ending::TimedOut);
        assert_eq!(t.end_s(), 200.0);
    }

    #[test]
    fn a_visit_without_pipelines_is_skipped() {
        let t = timeline(
            DetectorWork::Skip { skip_s: 0.5 },
            50.0,
            100.0,
            180.0,
            900.0,
        );
        assert_eq!(t.ending, Ending::Skipped);
        assert_eq!(t.end_s(), 50.5);
    }

    #[test]
    fn stage_times_depend_on_the_visit_and_detector_only() {
        let scenario = Scenario::resolve("rubin-night", &[]).unwrap_or_default();
        let plan = Plan::new(&scenario).expect("rubin-night has a plan");
        let v = plan
            .visits
            .iter()
            .find(|v| v.kind == VisitKind::Science)
            .expect("a science visit");
        let a = plan.detector_work(v, 7);
        assert_eq!(a, plan.detector_work(v, 7));
        assert_ne!(a, plan.detector_work(v, 8));
        let DetectorWork::Process(times) = a else {
            panic!("a science visit is processed");
        };
        assert!(times.image_arrival_s.is_some());
        let alerts = f64::from(v.detector_alerts[7]);
        let w = &scenario.workers;
        assert!(times.pipeline_s >= w.processing_base_s.lower_bound() + 0.05 * alerts - 1e-9);
    }
}
