//! `consumer_offline` against the topic's retention and the offsets'
//! expiry, on the catalogue drill `dr-broker-offline-week` (ten compressed
//! nights a day apart; `alerce` and `ampel` away 8 days from 12 hours in;
//! retention and offsets 7 days). What each reader loses is worked out
//! from the per-visit records, independently of the readers' model.

use alertsim_reports::Report;
use alertsim_scenarios::Scenario;
use alertsim_scenarios::sections::consumers::COMMUNITY_BROKERS;

const AWAY_FROM_S: f64 = 43_200.0;
const AWAY_S: f64 = 691_200.0;
const SEVEN_DAYS_S: f64 = 604_800.0;

fn drill() -> Scenario {
    Scenario::resolve("dr-broker-offline-week", &[]).expect("the drill loads")
}

fn lost_to(r: &Report, name: &str) -> u64 {
    r.alerts
        .lost_to_readers
        .get(name)
        .copied()
        .unwrap_or(u64::MAX)
}

/// Alerts of the visits read out in `[from, until)`.
fn delivered_between(r: &Report, from: f64, until: f64) -> u64 {
    r.per_visit
        .iter()
        .filter(|v| (from..until).contains(&v.readout_end_s))
        .map(|v| v.delivered)
        .sum()
}

#[test]
fn a_reader_away_longer_than_retention_loses_alerts_alone_counted_by_name_and_fails_the_gate() {
    let s = drill();
    let back = AWAY_FROM_S + AWAY_S;
    let r = alertsim_sim::run(&s).expect("the drill runs").report;
    assert_eq!(r.alerts.lost, 0, "the producer lost nothing");

    // `latest`: back without an offset, it skips everything written while
    // it was away.
    let away = delivered_between(&r, AWAY_FROM_S, back);
    assert!(away > 0, "the drill has visits while the readers are away");
    assert_eq!(lost_to(&r, "alerce"), away);

    // `earliest`: it reads what is retained, losing what was written more
    // than 7 days before its return.
    let expired = delivered_between(&r, AWAY_FROM_S, back - SEVEN_DAYS_S);
    assert!(expired > 0 && expired < away);
    assert_eq!(lost_to(&r, "ampel"), expired);

    let stayed = COMMUNITY_BROKERS
        .into_iter()
        .filter(|name| !["alerce", "ampel"].contains(name));
    for name in stayed {
        assert_eq!(lost_to(&r, name), 0, "{name} was never away");
    }
    let received = |name: &str| {
        r.consumers
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.received)
    };
    assert_eq!(received("alerce"), Some(r.alerts.delivered - away));
    assert_eq!(received("fink"), Some(r.alerts.delivered));

    let gate = r.gates.results.iter().find(|g| g.name == "lost_to_readers");
    let gate = gate.expect("a run with readers has the gate");
    assert!(!gate.passed && !r.gates.passed, "{gate:?}");
    assert!(gate.description.contains("alerce"), "{}", gate.description);
}

/// The same absence within the offsets' retention: both readers resume
/// from their offsets, and what is older than the retention at their
/// return is still lost (8 days away, 7 days kept), for both alike.
#[test]
fn a_reader_whose_offset_survives_loses_only_what_retention_deleted() {
    let mut s = drill();
    s.kafka.offsets_retention_s = 30.0 * 86_400.0;
    let r = alertsim_sim::run(&s).expect("the drill runs").report;
    let back = AWAY_FROM_S + AWAY_S;
    let expired = delivered_between(&r, AWAY_FROM_S, back - SEVEN_DAYS_S);
    assert_eq!(lost_to(&r, "alerce"), expired);
    assert_eq!(lost_to(&r, "ampel"), expired);
}

/// With retention longer than the absence and the offsets kept, nobody
/// loses anything and the gate passes.
#[test]
fn a_reader_back_within_retention_loses_nothing() {
    let mut s = drill();
    s.kafka.retention_s = 30.0 * 86_400.0;
    s.kafka.offsets_retention_s = 30.0 * 86_400.0;
    let r = alertsim_sim::run(&s).expect("the drill runs").report;
    assert!(r.alerts.lost_to_readers.values().all(|&n| n == 0));
    let gate = r.gates.results.iter().find(|g| g.name == "lost_to_readers");
    assert!(gate.is_some_and(|g| g.passed));
    assert!(r.gates.passed, "{:?}", r.gates);
}
