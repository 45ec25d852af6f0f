//! A Redis outage shorter than the worker's retry delay (`workers.redis_retry_s`,
//! 30 s as Rubin's `REDIS_RETRY_DELAY`) kills no worker; one longer than
//! the delay kills the workers that were polling when it began, as in
//! production (issue 15: "a 20 s `redis_outage` in the middle of the night
//! makes no worker exit, while a 60 s one does").

use alertsim_scenarios::{Fault, Scenario};

/// `rubin-night` cut to its first 120 visits (74 minutes; the gaps come
/// later), so that the test stays fast.
fn short_night() -> Scenario {
    let mut s = Scenario::resolve("rubin-night", &[]).expect("rubin-night loads");
    s.night.visits = 120;
    s
}

/// The middle of the short night, between two announcements (visit 60's
/// nextVisit is at about 60 x 37 s).
const MIDDLE_S: f64 = 60.0 * 37.0 + 5.0;

fn with_outage(duration_s: f64) -> alertsim_sim::SimRun {
    let mut s = short_night();
    s.faults.push(Fault::RedisOutage {
        at_s: MIDDLE_S,
        duration_s,
    });
    alertsim_sim::run(&s).expect("the scenario has a plan")
}

#[test]
fn a_20_s_outage_kills_no_worker_and_a_60_s_one_does() {
    let base = alertsim_sim::run(&short_night()).expect("the scenario has a plan");
    let short = with_outage(20.0);
    let long = with_outage(60.0);
    let created = |r: &alertsim_sim::SimRun| r.report.jobs.created as f64;

    // Without the fault no worker fails: every exit is a normal one.
    assert_eq!(base.jobs_failed, 0);
    // 20 s < the 30 s retry delay: every worker's retry finds Redis back.
    assert_eq!(short.jobs_failed, 0, "{:?}", short.report.jobs);
    assert!(
        (created(&short) - created(&base)).abs() <= 0.05 * created(&base),
        "Jobs created: {} with a 20 s outage, {} without",
        created(&short),
        created(&base)
    );
    // 60 s: the idle workers polling when it began fail, wait 30 s, fail
    // again and exit 1 (KEDA, blind while Redis is down, replaces them
    // afterwards).
    assert!(long.jobs_failed > 0, "{:?}", long.report.jobs);
    eprintln!(
        "Jobs created {} / {} / {}; failed {} / {} / {} (no fault / 20 s / 60 s)",
        created(&base),
        created(&short),
        created(&long),
        base.jobs_failed,
        short.jobs_failed,
        long.jobs_failed
    );
}
