//! The local Apache Kafka 4.1.0 cluster as the drills use it: fetched (or
//! found in the cache) and started with three brokers and a controller,
//! the alert topic at 45 partitions, RF 3, min ISR 2 led by every broker;
//! a killed leader's partitions get a new leader from the controller; a
//! stopped broker keeps its pid and comes back on SIGCONT; a restarted one
//! is listed again; on drop every JVM and the directory are gone.

use std::time::{Duration, Instant};

use alertsim_loadgen::kafka_cluster::{
    ClusterConfig, KafkaCluster, KafkaDist, TopicSpec, create_topic, partition_state,
};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_brokers_elect_new_leaders_when_one_is_killed() -> TestResult {
    let fetched = Instant::now();
    let dist = tokio::task::spawn_blocking(KafkaDist::ensure).await??;
    let fetch_s = fetched.elapsed().as_secs_f64();
    let started = Instant::now();
    let dist_for_start = dist.clone();
    let mut cluster = tokio::task::spawn_blocking(move || {
        KafkaCluster::start_with(&dist_for_start, ClusterConfig::default())
    })
    .await??;
    let start_s = started.elapsed().as_secs_f64();
    eprintln!(
        "Kafka class path {} in {fetch_s:.1} s; cluster of 3 brokers ready in {start_s:.1} s",
        if dist.was_fetched() {
            "fetched"
        } else {
            "checked"
        }
    );
    let bootstrap = cluster.bootstrap();
    assert_eq!(bootstrap.split(',').count(), 3);
    let spec = TopicSpec::alerts("lsst-alerts-v11");
    create_topic(&bootstrap, &spec).await?;

    let state = partition_state(&bootstrap, &spec.name)?;
    assert_eq!(state.len(), 45);
    assert!(state.values().all(|p| p.isr.len() == 3), "{state:?}");
    let leaders: std::collections::BTreeSet<i32> = state.values().map(|p| p.leader).collect();
    assert_eq!(
        leaders,
        [1, 2, 3].into(),
        "every broker leads some partition"
    );

    let victim = state[&0].leader;
    let killed_pid = cluster.brokers()[usize::try_from(victim - 1)?].pid;
    cluster.kill_broker(victim)?;
    assert!(killed_pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists()));
    let killed = Instant::now();
    let elected_s = loop {
        // A request that meets the killed broker fails; ask again.
        let state = partition_state(&bootstrap, &spec.name).unwrap_or_default();
        if !state.is_empty() && state.values().all(|p| p.leader > 0 && p.leader != victim) {
            break killed.elapsed().as_secs_f64();
        }
        assert!(
            killed.elapsed() < Duration::from_secs(60),
            "no election: {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!(
        "broker {victim} SIGKILLed: every partition led by a live broker after {elected_s:.1} s"
    );

    let restarted = Instant::now();
    cluster = tokio::task::spawn_blocking(move || cluster.restart_broker(victim).map(|()| cluster))
        .await??;
    eprintln!(
        "broker {victim} restarted and listed in {:.1} s",
        restarted.elapsed().as_secs_f64()
    );

    let other = if victim == 1 { 2 } else { 1 };
    let pid = cluster.brokers()[usize::try_from(other - 1)?].pid;
    assert!(cluster.pause_broker(other)?);
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.unwrap_or(0)))?;
    assert!(stat.contains(") T "), "stopped: {stat}");
    assert!(cluster.resume_broker(other)?);
    assert_eq!(cluster.brokers()[usize::try_from(other - 1)?].pid, pid);

    let dir = cluster.dir().to_owned();
    let pids: Vec<u32> = cluster.brokers().iter().filter_map(|b| b.pid).collect();
    tokio::task::spawn_blocking(move || drop(cluster)).await?;
    assert!(!dir.exists(), "{} removed", dir.display());
    for pid in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "{pid} gone"
        );
    }
    Ok(())
}
