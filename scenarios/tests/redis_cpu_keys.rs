//! The Redis CPU keys of `[redis]`: their defaults, and bad values refused
//! with the key's line and the accepted range.

use alertsim_scenarios::{Scenario, parse_overrides};

fn error_of(text: &str) -> String {
    Scenario::from_str(text, "t.toml")
        .expect_err("a bad value")
        .to_string()
}

#[test]
fn the_defaults_are_one_cpu_the_measured_costs_and_a_short_think() {
    let s = Scenario::from_str("", "t.toml").expect("valid");
    assert_eq!(s.redis.cpu_limit, 1.0);
    assert_eq!(s.redis.idle_poll_think_ms, 0.2);
    let costs = s.redis.cost_us.named();
    assert_eq!(costs.len(), 9);
    assert!(
        costs.iter().all(|(_, c)| (1.0..100.0).contains(c)),
        "{costs:?}"
    );
    // A read that returns an entry costs more than one that finds nothing.
    assert!(s.redis.cost_us.xreadgroup_entry > s.redis.cost_us.xreadgroup_empty);
}

#[test]
fn a_cost_and_the_limit_can_be_set_in_the_file_or_with_set() {
    let s = Scenario::from_str(
        "[redis]\ncpu_limit = 4\n[redis.cost_us]\nxadd = 20\n",
        "t.toml",
    )
    .expect("valid");
    assert_eq!(s.redis.cpu_limit, 4.0);
    assert_eq!(s.redis.cost_us.xadd, 20.0);
    assert_eq!(
        s.redis.cost_us.ping,
        alertsim_scenarios::CommandCosts::default().ping,
        "the other costs keep their defaults"
    );
    let set = parse_overrides(&["redis.cost_us.ping=3".to_owned()]).expect("parses");
    let s = Scenario::from_str_with("", "t.toml", &set).expect("valid");
    assert_eq!(s.redis.cost_us.ping, 3.0);
}

#[test]
fn bad_values_name_the_key_its_line_and_the_range() {
    let err = error_of("[redis]\n\ncpu_limit = 0\n");
    assert!(err.contains("t.toml:3"), "{err}");
    assert!(
        err.contains("redis.cpu_limit") && err.contains("(0, 1024]"),
        "{err}"
    );
    let err = error_of("[redis]\ncpu_limit = 2000\n");
    assert!(err.contains("t.toml:2"), "{err}");
    let err = error_of("[redis.cost_us]\nxack = -1\n");
    assert!(err.contains("t.toml:2"), "{err}");
    assert!(err.contains("redis.cost_us.xack"), "{err}");
    let err = error_of("[redis]\nidle_poll_think_ms = -0.1\n");
    assert!(
        err.contains("t.toml:2") && err.contains("idle_poll_think_ms"),
        "{err}"
    );
    let err = error_of("[redis.cost_us]\nxdel = 3\n");
    assert!(err.contains("xdel"), "unknown command: {err}");
}
