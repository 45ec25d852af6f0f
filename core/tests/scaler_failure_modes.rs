//! KEDA failure modes reproduced with the sans-IO poll loop under a tiny
//! hand-driven clock: over-provisioning while pods are pending (eager, KEDA
//! #6416/#6727), the single message that never activates (#6478), and running
//! Jobs deleted by a spec change under the default rollout (#6440).

use std::time::Duration;

use alertsim_core::scaler::{
    JobAction, JobCounts, JobGeneration, KedaVersion, PollInput, RolloutStrategy,
    ScaledJobSettings, ScalerLoop, Strategy, TriggerMetric,
};

/// Pods take this long to start; the backlog is not consumed before then.
const POD_START: Duration = Duration::from_secs(60);

/// Runs the loop on a constant backlog until the first created pod starts;
/// returns the Jobs created and the polls made.
fn jobs_created_before_first_pod_starts(settings: ScaledJobSettings, backlog: f64) -> (usize, u64) {
    let min = settings.min_replica_count;
    let mut scaler = ScalerLoop::new(settings, Duration::ZERO);
    let mut created: Vec<Duration> = Vec::new();
    loop {
        let now = scaler.next_poll();
        if created
            .first()
            .is_some_and(|first| now >= *first + POD_START)
        {
            break;
        }
        let total = u32::try_from(created.len()).unwrap_or(u32::MAX);
        // The minimum's Jobs were started long ago and sit idle.
        let counts = JobCounts::new(min + total, total);
        let out = scaler.poll(
            now,
            PollInput {
                metrics: &[TriggerMetric::new(backlog, 1.0, 1.0)],
                counts,
                finished: &[],
            },
        );
        created.extend(
            out.actions
                .iter()
                .filter(|a| a.action == JobAction::Create)
                .map(|a| a.at),
        );
        if now > Duration::from_secs(3600) {
            break;
        }
    }
    (created.len(), scaler.polls())
}

fn with_strategy(strategy: Strategy, version: KedaVersion) -> ScaledJobSettings {
    let mut s = ScaledJobSettings::rubin_production();
    s.scaling_strategy.strategy = strategy;
    s.keda_version = version;
    s
}

#[test]
fn eager_over_provisions_while_pods_are_pending() {
    // One LSSTCam visit: 189 detectors.
    let (eager, polls) =
        jobs_created_before_first_pod_starts(ScaledJobSettings::rubin_production(), 189.0);
    // Eager subtracts pending Jobs twice (r and P are the same Jobs) and so
    // keeps creating min(1697 - 2 * created, 189) per poll: 189 * 4 + 185 = 941
    // Jobs for 189 messages before the first pod starts.
    eprintln!("eager created {eager} Jobs in {polls} polls for 189 messages");
    assert!(eager >= 4 * 189, "eager created {eager} in {polls} polls");
    assert_eq!(eager, 941);
    for version in [KedaVersion::V2_16, KedaVersion::LATEST] {
        for strategy in [Strategy::Default, Strategy::Accurate] {
            let (n, _) =
                jobs_created_before_first_pod_starts(with_strategy(strategy, version), 189.0);
            assert_eq!(n, 189, "{strategy:?} on {version:?}");
        }
    }
}

#[test]
fn a_single_message_waits_for_a_second_one() {
    let mut settings = ScaledJobSettings::rubin_production();
    settings.min_replica_count = 0;
    let (one, _) = jobs_created_before_first_pod_starts(settings.clone(), 1.0);
    assert_eq!(one, 0);
    // Two messages activate it, and eager then creates 2 more Jobs at every
    // 2 s poll while the first ones are pending: 30 polls, 60 Jobs.
    let (two, polls) = jobs_created_before_first_pod_starts(settings, 2.0);
    assert_eq!(polls, 30);
    assert_eq!(two, 60);
}

#[test]
fn a_spec_change_deletes_running_jobs_unless_gradual() {
    let running: Vec<JobGeneration> = (0..40)
        .map(|i| JobGeneration {
            name: format!("prompt-proc-{i:02}").into(),
            generation: Some(7),
        })
        .collect();
    let mut scaler = ScalerLoop::new(ScaledJobSettings::rubin_production(), Duration::ZERO);
    let deleted = scaler.change_spec(
        Duration::from_secs(1),
        ScaledJobSettings::rubin_production(),
        8,
        &running,
    );
    assert_eq!(deleted.len(), 40);
    // Deletions share the API rate limit: 30 at once, then 20 per second.
    assert_eq!(deleted[29].at, Duration::from_secs(1));
    assert_eq!(deleted[39].at, Duration::from_millis(1500));

    let gradual = ScaledJobSettings {
        rollout: RolloutStrategy::Gradual,
        ..ScaledJobSettings::rubin_production()
    };
    assert!(
        scaler
            .change_spec(Duration::from_secs(2), gradual, 9, &running)
            .is_empty()
    );
}
