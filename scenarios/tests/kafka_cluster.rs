//! The cluster as deployed (issue 16): `kafka.controllers`,
//! `kafka.replica_lag_time_max_ms` and `kafka.leader_imbalance_check_interval_s`
//! with their defaults and limits, and the `broker_stalled` fault with its
//! broker id checked against `kafka.brokers`.

use alertsim_scenarios::{Fault, Scenario};

fn load(text: &str) -> Result<Scenario, String> {
    Scenario::from_str(text, "f.toml").map_err(|e| e.to_string())
}

#[test]
fn the_defaults_are_production_s() {
    let k = Scenario::default().kafka;
    assert_eq!((k.brokers, k.controllers, k.partitions), (5, 5, 45));
    assert_eq!(k.replica_lag_time_max_ms, 120_000);
    assert_eq!(k.leader_imbalance_check_interval_s, 300.0);
}

#[test]
fn controllers_and_lag_are_refused_below_their_minimum() {
    let e = load("[kafka]\ncontrollers = 0\n").expect_err("0 controllers");
    assert!(e.contains("kafka.controllers"), "{e}");
    let e = load("[kafka]\nreplica_lag_time_max_ms = 0\n").expect_err("no lag");
    assert!(e.contains("kafka.replica_lag_time_max_ms"), "{e}");
    let e = load("[kafka]\nleader_imbalance_check_interval_s = -1\n").expect_err("negative");
    assert!(e.contains("kafka.leader_imbalance_check_interval_s"), "{e}");
    assert!(load("[kafka]\nleader_imbalance_check_interval_s = 0\n").is_ok());
}

#[test]
fn a_stalled_broker_defaults_to_broker_0_and_must_exist() {
    let s = load("[[faults]]\nkind = \"broker_stalled\"\nat_s = 10\nduration_s = 90\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.faults[0],
        Fault::BrokerStalled {
            at_s: 10.0,
            duration_s: 90.0,
            broker: 0,
            stall: alertsim_scenarios::Stall::Follower,
        }
    );
    assert_eq!(s.faults[0].kind(), "broker_stalled");
    assert_eq!(s.faults[0].window_s(), (10.0, 100.0));
    let again = load(&s.to_toml()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, s);
    let e = load("[[faults]]\nkind = \"broker_stalled\"\nat_s = 1\nduration_s = 2\nbroker = 5\n")
        .expect_err("5 brokers are 0..5");
    assert!(e.contains("below kafka.brokers (5)"), "{e}");
    assert!(
        load("[[faults]]\nkind = \"broker_stalled\"\nat_s = 1\nduration_s = 2\nbroker = 4\n")
            .is_ok()
    );
}
