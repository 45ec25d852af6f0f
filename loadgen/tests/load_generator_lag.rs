//! The load generator judges itself: a run whose machine cannot keep up
//! with its time scale is marked saturated, with a slower time scale
//! suggested. Here the machine is made busy on purpose: threads burning
//! CPU beside a run at a time scale that leaves no slack.

#![cfg(feature = "embedded-broker")]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use alertsim_loadgen::load::{JobBackend, LoadOptions, ServiceFlags, Shard, run_load};
use alertsim_scenarios::{PublisherProfile, catalog};

/// Spins `threads` threads until the returned flag is cleared.
fn burn_cpu(threads: usize) -> (Arc<AtomicBool>, Vec<std::thread::JoinHandle<()>>) {
    let running = Arc::new(AtomicBool::new(true));
    let handles = (0..threads)
        .map(|_| {
            let running = running.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while running.load(Ordering::Relaxed) {
                    for i in 0..100_000u64 {
                        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i);
                    }
                    std::hint::black_box(x);
                }
            })
        })
        .collect();
    (running, handles)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cpu_burning_neighbour_makes_the_run_saturated() {
    let mut scenario = catalog::get("smoke")
        .unwrap_or_else(|| panic!("smoke is in the catalogue"))
        .load(&[])
        .unwrap_or_else(|e| panic!("{e}"));
    scenario.publisher.profile = PublisherProfile::Safe;
    scenario.night.visits = 1;
    let time_scale = 80.0;
    let spool = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let options = LoadOptions {
        services: ServiceFlags::default(),
        time_scale,
        shard: Shard::WHOLE,
        topic: None,
        subject: "alerts-value".into(),
        spool_dir: spool.path().to_path_buf(),
        jobs: JobBackend::Task,
        metrics: None,
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (running, burners) = burn_cpu(4 * cores);
    let outcome = run_load(&scenario, &options, |_| {}, std::future::pending()).await;
    running.store(false, Ordering::Relaxed);
    for b in burners {
        let _ = b.join();
    }
    let outcome = outcome.unwrap_or_else(|e| panic!("{e}"));
    let g = &outcome.generator;
    assert!(g.planned_actions > 0, "{g:?}");
    assert!(g.verdict.saturated, "{g:?}");
    assert!(!g.verdict.reason.is_empty());
    assert!(
        g.verdict.suggested_time_scale < time_scale,
        "a saturated run suggests a slower time scale: {g:?}"
    );
    assert!(g.cpu_cores_used > 0.0, "{g:?}");
}
