//! `broker_disk_full` done for real on a local Apache Kafka 4.1.0 cluster
//! (3 brokers, a controller; the topic at 45 partitions, RF 3, min ISR 2)
//! whose brokers' data directories are size-limited tmpfs mounts (the run
//! mounts them because the scenario has the fault): from 50 s to 350 s of
//! `smoke` (30 s of wall time at time scale 10) every broker's disk is
//! filled until the kernel refuses writes, then freed, and the brokers that
//! exited are started again. Under `safe` (acks=all, retries without a
//! limit) nothing is lost: the writes wait for the brokers to be back.
//!
//! Mounting needs root. Where this process may not mount, the fault must be
//! skipped with a note saying so, and the run must still deliver
//! everything.

mod support;

use alertsim_loadgen::kafka_cluster::disk;
use alertsim_scenarios::{Fault, PublisherProfile};
use support::cluster_drill::{assert_all_delivered, run_on_own_cluster, smoke};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_broker_disks_lose_nothing_under_safe() {
    let scenario = smoke(
        PublisherProfile::Safe,
        vec![Fault::BrokerDiskFull {
            at_s: 50.0,
            duration_s: 300.0,
        }],
    );
    let outcome = run_on_own_cluster(&scenario).await;
    let fault = &outcome.faults[0];
    match disk::probe() {
        Ok(()) => {
            assert!(fault.applied, "{fault:?}");
            assert!(
                fault.note.contains("512 MiB tmpfs") && fault.note.contains("then freed"),
                "{}",
                fault.note
            );
        }
        Err(why) => {
            eprintln!("this process may not mount: {why}");
            assert!(!fault.applied, "{fault:?}");
            assert!(fault.note.contains("CAP_SYS_ADMIN"), "{}", fault.note);
        }
    }
    assert_all_delivered(&outcome);
}
