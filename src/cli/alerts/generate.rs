//! `alerts generate`: runs the seeded generator over the visit/detector
//! layout and writes wire-format or container files, a few worker threads
//! at a time (each detector's alerts depend only on the seed, so the files
//! are the same whatever the thread count). The layout is streamed: each
//! thread takes the next detector from a shared iterator, so memory holds
//! only the detectors being written, whatever `--count` is; `--count` is
//! bounded by the disk the files take (`cli/limits.rs`).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use alertsim_core::alert::generate::{AlertGenerator, DetectorAlerts, GeneratorConfig};
use anyhow::Context;

use super::{GenerateArgs, OutputFormat};
use crate::cli::exit::bad_input;
use crate::cli::limits;

/// Counts at or above this print progress lines on stderr.
const PROGRESS_FROM: usize = 1000;

/// Runs `alerts generate`.
pub fn run(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.solar_system_fraction) {
        return Err(bad_input(format!(
            "--solar-system-fraction {}: expected a fraction in [0, 1]",
            args.solar_system_fraction
        )));
    }
    limits::at_least_one("--count", args.count as u64, "alert")?;
    limits::at_most(
        "--count",
        args.count as u64,
        limits::GENERATE_ALERTS,
        "alerts",
        limits::ALERT_BYTES,
        "disk",
    )?;
    limits::alerts_per_detector(args.alerts_per_detector)?;
    let config = GeneratorConfig {
        solar_system_fraction: args.solar_system_fraction,
        alerts_per_detector: args.alerts_per_detector,
        cutouts: !args.no_cutouts,
        ..GeneratorConfig::default()
    };
    let generator =
        AlertGenerator::new(config, args.seed).map_err(|err| bad_input(err.to_string()))?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating output directory {}", args.out.display()))?;

    let slots = args.count.div_ceil(args.alerts_per_detector.max(1));
    let layout = Mutex::new(generator.layout(args.count));
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let progress = Progress::new(args.count);
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8)
        .min(slots.max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let next = layout.lock().ok().and_then(|mut l| l.next());
                    let Some((visit, detector, n)) = next else {
                        break;
                    };
                    let result = generator
                        .detector_alerts(visit, detector, n)
                        .with_context(|| format!("generating visit {visit} detector {detector}"))
                        .and_then(|alerts| {
                            let batch = DetectorAlerts {
                                visit,
                                detector,
                                alerts,
                            };
                            write_batch(&args.out, args.format, &batch)
                        });
                    match result {
                        Ok(bytes) => progress.advance(n, bytes),
                        Err(err) => {
                            if let Ok(mut slot) = failure.lock() {
                                slot.get_or_insert(err);
                            }
                            stop.store(true, Ordering::Relaxed);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(err) = failure.into_inner().ok().flatten() {
        return Err(err);
    }
    let bytes = progress.bytes.load(Ordering::Relaxed);
    eprintln!(
        "generated {} alerts ({} bytes, {} format) in {} in {:.2} s",
        args.count,
        bytes,
        match args.format {
            OutputFormat::Wire => "wire",
            OutputFormat::Container => "container",
        },
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes one detector's alerts; returns the bytes written.
fn write_batch(dir: &Path, format: OutputFormat, batch: &DetectorAlerts) -> anyhow::Result<usize> {
    match format {
        OutputFormat::Wire => {
            let mut total = 0;
            let mut buffer = Vec::new();
            for alert in &batch.alerts {
                buffer.clear();
                super::files::encode_wire(alert, &mut buffer);
                let path = dir.join(format!("{}.avro", alert.dia_source_id));
                std::fs::write(&path, &buffer)
                    .with_context(|| format!("writing {}", path.display()))?;
                total += buffer.len();
            }
            Ok(total)
        }
        OutputFormat::Container => {
            let (name, bytes) =
                super::files::encode_container(batch.visit, batch.detector, &batch.alerts);
            let path = dir.join(name);
            std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            Ok(bytes.len())
        }
    }
}

/// Progress lines on stderr, about every 5% of a large count.
struct Progress {
    total: usize,
    done: AtomicUsize,
    bytes: AtomicUsize,
    step: usize,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self {
            total,
            done: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            step: (total / 20).max(1),
        }
    }

    fn advance(&self, alerts: usize, bytes: usize) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        let before = self.done.fetch_add(alerts, Ordering::Relaxed);
        let after = before + alerts;
        if self.total >= PROGRESS_FROM && after / self.step != before / self.step {
            eprintln!(
                "generated {after}/{} alerts ({}%)",
                self.total,
                after * 100 / self.total
            );
        }
    }
}
