//! KEDA's operator around the decision, in whole runs: the informer cache
//! that shows Jobs late (`scaler.cache_lag_s`), foreground deletion, the
//! ScaledJob status patches and their rate limiter
//! (`scaler.status_patch_limit`), and the crash loop of a decision that
//! panics (`jobs.keda_operator_crashes`).

use alertsim_reports::Report;
use alertsim_scenarios::{Fault, Scenario, parse_overrides};

fn smoke(overrides: &[&str]) -> Scenario {
    let args: Vec<String> = overrides.iter().map(|s| (*s).to_owned()).collect();
    let parsed = parse_overrides(&args).expect("overrides parse");
    Scenario::resolve("smoke", &parsed).expect("smoke loads")
}

fn run(s: &Scenario) -> Report {
    alertsim_sim::run(s)
        .expect("the scenario has a plan")
        .report
}

/// The first sample at or after `t_s` of a series.
fn sample_at(r: &Report, series: &[u64], t_s: f64) -> u64 {
    let i = r
        .series
        .t_s
        .iter()
        .position(|t| *t >= t_s)
        .expect("a sample that late");
    series[i]
}

#[test]
fn a_lagging_cache_makes_eager_create_more_jobs() {
    // Eager subtracts the running and pending Jobs it sees; Jobs created
    // in the last `cache_lag_s` are not seen yet, so the next poll creates
    // for the same lag again.
    let fresh = run(&smoke(&["scaler.cache_lag_s=0"]));
    let default = run(&smoke(&[]));
    let stale = run(&smoke(&["scaler.cache_lag_s=5"]));
    assert!(
        stale.jobs.created > fresh.jobs.created,
        "lag 5 s: {:?}, lag 0: {:?}",
        stale.jobs,
        fresh.jobs
    );
    assert!(default.jobs.created >= fresh.jobs.created);
    for r in [&fresh, &default, &stale] {
        assert_eq!(r.alerts.delivered, r.alerts.produced);
    }
}

#[test]
fn jobs_deleted_in_the_foreground_count_until_their_pod_is_gone() {
    // At 55 s every pod holds a detector of visit 0; the spec change
    // deletes them all (rollout `default`). Deleted in the foreground, they
    // stay listed (and counted) until their pod is gone: with a 25 s
    // teardown they are still there at the 60 s sample.
    let with_teardown = |teardown_s: f64| {
        let mut s = smoke(&[]);
        s.cluster.pod_teardown_s = teardown_s;
        s.faults.push(Fault::ScaledJobSpecChange { at_s: 55.0 });
        run(&s)
    };
    let slow = with_teardown(25.0);
    let quick = with_teardown(0.5);
    let slow_listed = sample_at(&slow, &slow.series.jobs_running, 60.0);
    let quick_listed = sample_at(&quick, &quick.series.jobs_running, 60.0);
    assert!(
        slow_listed > quick_listed + 10,
        "listed at 60 s: {slow_listed} with a 25 s teardown, {quick_listed} with 0.5 s"
    );
    // Their pods no longer run, so KEDA counts them pending too; without
    // the spec change nothing is pending at 60 s.
    assert_eq!(
        sample_at(&slow, &slow.series.jobs_pending, 60.0),
        slow_listed
    );
    let mut calm = smoke(&[]);
    calm.cluster.pod_teardown_s = 25.0;
    let calm = run(&calm);
    assert_eq!(sample_at(&calm, &calm.series.jobs_pending, 60.0), 0);
}

#[test]
fn status_patches_sharing_the_job_limiter_slow_the_creations() {
    // A slow API client (2 requests/s, no burst) makes each token visible:
    // with the Jobs' bucket shared, every active poll's status patch takes
    // a Job creation's place, so fewer Jobs exist after the first burst
    // (the first visit's 20 Jobs take 10 s at 2/s).
    let slow = ["scaler.api_rate_per_s=2", "scaler.api_burst=1"];
    let own = run(&smoke(
        &[&slow[..], &["scaler.status_patch_limit=own"]].concat(),
    ));
    let shared = run(&smoke(
        &[&slow[..], &["scaler.status_patch_limit=shared"]].concat(),
    ));
    let own_jobs = sample_at(&own, &own.series.jobs_running, 10.0);
    let shared_jobs = sample_at(&shared, &shared.series.jobs_running, 10.0);
    assert!(
        shared_jobs < own_jobs,
        "Jobs at 10 s: {shared_jobs} shared, {own_jobs} own"
    );
    // Only the pace differs: in the end the same Jobs are created.
    assert_eq!(own.jobs.created, shared.jobs.created);
}

#[test]
fn custom_without_deduction_crash_loops_the_operator_until_2_20_2() {
    let custom = |version: &str, rollout: &str| {
        run(&smoke(&[
            &format!("scaler.keda_version=\"{version}\""),
            &format!("scaler.rollout={rollout}"),
            "scaler.strategy=custom",
            "scaler.custom_running_job_percentage=0.5",
        ]))
    };
    let old = custom("2.16", "default");
    let fixed = custom("2.20.2", "immediate");
    // The minimum is created (R < min never reaches the strategy); the
    // next poll panics, and so does every poll after each restart.
    assert!(old.jobs.keda_operator_crashes > 0, "{:?}", old.jobs);
    assert!(old.jobs.created < fixed.jobs.created, "{:?}", old.jobs);
    // Kubernetes' back-off (10 s doubling to 300 s): far fewer crashes
    // than the 2 s polls of the run.
    let polls = (old.simulated_s / 2.0) as u64;
    assert!(old.jobs.keda_operator_crashes * 5 < polls, "{:?}", old.jobs);
    assert_eq!(fixed.jobs.keda_operator_crashes, 0);
    assert_eq!(fixed.alerts.delivered, fixed.alerts.produced);
    // A deduction set: no panic on 2.16 either.
    let deducted = run(&smoke(&[
        "scaler.strategy=custom",
        "scaler.custom_running_job_percentage=0.5",
        "scaler.custom_deduction=0",
    ]));
    assert_eq!(deducted.jobs.keda_operator_crashes, 0);
    // The count is in report.md.
    let md = alertsim_reports::output::markdown::render(&old);
    assert!(md.contains("KEDA operator crashes"), "{md}");
}
