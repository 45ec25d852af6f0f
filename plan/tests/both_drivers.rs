//! Both drivers take their settings from one plan: for every catalogue
//! scenario the plan is the same however often it is made, and the wall
//! clock of a load run changes only the durations, each by the time scale.

use std::time::Duration;

use alertsim_plan::{Clock, Plan};
use alertsim_scenarios::catalog;

const TIME_SCALES: [f64; 4] = [1.0, 5.0, 10.0, 37.5];

fn plans() -> Vec<Plan> {
    catalog::list()
        .iter()
        .map(|entry| {
            let scenario = entry.load(&[]).expect("catalogue scenarios validate");
            Plan::new(&scenario).expect("catalogue scenarios have a plan")
        })
        .collect()
}

fn close(wall: Duration, virtual_time: Duration, time_scale: f64) -> bool {
    let expected = virtual_time.as_secs_f64() / time_scale;
    (wall.as_secs_f64() - expected).abs() <= 1e-6 * expected.max(1.0)
}

#[test]
fn a_scenario_makes_the_same_plan_every_time() {
    for (a, b) in plans().into_iter().zip(plans()) {
        let name = &a.scenario.name;
        assert_eq!(a.scaled_job, b.scaled_job, "{name}");
        assert_eq!(a.api_rate_limit, b.api_rate_limit, "{name}");
        assert_eq!(a.visits, b.visits, "{name}");
        assert_eq!(a.scenario.faults, b.scenario.faults, "{name}");
        assert_eq!(a.publisher_profile, b.publisher_profile, "{name}");
    }
}

#[test]
fn the_wall_clock_scales_every_worker_duration_and_nothing_else() {
    for plan in plans() {
        let name = &plan.scenario.name;
        let sim = plan.worker_config(Clock::Virtual);
        for scale in TIME_SCALES {
            let load = plan.worker_config(Clock::Wall { time_scale: scale });
            assert!(
                close(load.listen_timeout, sim.listen_timeout, scale),
                "{name} x{scale}"
            );
            assert!(
                close(load.message_expiration, sim.message_expiration, scale),
                "{name} x{scale}"
            );
            assert!(
                close(load.claim_min_idle, sim.claim_min_idle, scale),
                "{name} x{scale}"
            );
            assert_eq!(load.ack_mode, sim.ack_mode, "{name}");
            assert_eq!(load.restart_after, sim.restart_after, "{name}");
        }
    }
}

#[test]
fn both_drivers_query_the_trigger_the_same_way() {
    for plan in plans() {
        let s = &plan.scenario;
        let sim = plan.stream_query(&s.redis.stream, &s.redis.group);
        let load = plan.stream_query("instrument:lsstcam:run-1", "run-1-group");
        assert_eq!(
            std::mem::discriminant(&sim.source),
            std::mem::discriminant(&load.source),
            "{}",
            s.name
        );
        assert_eq!(sim.null_lag, load.null_lag, "{}", s.name);
    }
}

#[test]
fn the_visit_event_carries_the_plans_identifiers_and_times() {
    for plan in plans() {
        let Some(visit) = plan.visits.get(1) else {
            continue;
        };
        let event = plan.next_visit(visit, 100.0, 160.0);
        assert_eq!(
            event.group_id,
            alertsim_plan::next_visit::group_id(&plan.scenario.name, 1)
        );
        // UTC in, TAI (37 s ahead) in the event, as Rubin's nextVisit.
        assert_eq!(event.private_snd_stamp, 137.0);
        assert_eq!(event.start_time, 197.0);
        assert_eq!(event.duration, plan.scenario.night.exposure_s);
    }
}
