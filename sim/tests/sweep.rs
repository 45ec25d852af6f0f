//! Sweeps through the library: the `--vary` parser (property tests), the
//! grid's order, the independence of results from the thread count and the
//! bisection's answer checked against its neighbours.

use alertsim_sim::sweep::{Grid, Number, Range, Sweep, find};
use proptest::prelude::*;

proptest! {
    #[test]
    fn integer_ranges_parse_back(
        key in "[a-z_]{1,10}(\\.[a-z_]{1,10}){0,2}",
        from in -1000i64..1000,
        span in 0i64..1000,
        step in 1i64..100,
    ) {
        let to = from + span;
        let text = format!("{key}={from}..{to}:{step}");
        let r = Range::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&r.key, &key);
        prop_assert_eq!(r.from, Number::Int(from));
        prop_assert_eq!(r.to, Number::Int(to));
        prop_assert_eq!(r.step, Number::Int(step));
        prop_assert_eq!(r.to_string(), text);
        let values = r.values();
        prop_assert_eq!(values.len() as i64, span / step + 1);
        prop_assert_eq!(values.first(), Some(&Number::Int(from)));
        prop_assert!(values.iter().all(|v| matches!(v, Number::Int(x) if *x <= to)));
    }

    #[test]
    fn float_ranges_parse_back(
        from in -100.0f64..100.0,
        span in 0.0f64..100.0,
        step in 0.01f64..50.0,
    ) {
        let to = from + span;
        let text = format!("gates.p98_latency_s={from:?}..{to:?}:{step:?}");
        let r = Range::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(r.from, Number::Float(from));
        prop_assert_eq!(r.to, Number::Float(to));
        prop_assert_eq!(r.step, Number::Float(step));
        let back = Range::parse(&r.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, r.clone());
        let values = r.values();
        prop_assert!(!values.is_empty());
        let tolerance = 1e-6 * (1.0 + to.abs());
        prop_assert!(values.iter().all(|v| v.as_f64() <= to + tolerance));
        let last = values.last().map_or(f64::NAN, |v| v.as_f64());
        prop_assert!(last + step > to - tolerance, "stopped early: {last} + {step} <= {to}");
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,40}") {
        let _ = Range::parse(&text);
    }

    #[test]
    fn bad_ranges_are_rejected_with_the_expected_form(
        text in prop_oneof![
            Just("scaler.max_replicas".to_owned()),
            Just("scaler.max_replicas=1..10".to_owned()),
            Just("scaler.max_replicas=1:10".to_owned()),
            Just("=1..10:1".to_owned()),
            Just("a..b=1..10:1".to_owned()),
            "[a-z]{1,8}=[0-9]{1,3}\\.\\.[0-9]{1,3}:0",
            "[a-z]{1,8}=[0-9]{1,3}\\.\\.[0-9]{1,3}:-[1-9]",
            "[a-z]{1,8}=[a-z]{1,3}\\.\\.[0-9]{1,3}:1",
            "[a-z]{1,8}=1\\.\\.[0-9]{1,3}:(nan|inf|x)",
            "[a-z]{1,8}=5[0-9]\\.\\.[1-4]:1",
        ],
    ) {
        match Range::parse(&text) {
            Ok(r) => prop_assert!(false, "{text} parsed as {r:?}"),
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.contains(&text), "{message} does not name {text}");
                prop_assert!(message.contains("key=FROM..TO:STEP"), "{message}");
            }
        }
    }
}

#[test]
fn grids_enumerate_every_combination_last_range_fastest() {
    let grid = Grid::parse(&["a=1..3:1".to_owned(), "b=0.5..1.0:0.5".to_owned()])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(grid.len(), 6);
    let points = grid.points();
    let pairs: Vec<(String, String)> = points
        .iter()
        .map(|p| {
            let v: Vec<String> = p.iter().map(|s| s.value.to_string()).collect();
            (
                v.first().cloned().unwrap_or_default(),
                v.get(1).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = ["1", "2", "3"]
        .iter()
        .flat_map(|a| {
            ["0.5", "1.0"]
                .iter()
                .map(move |b| (a.to_string(), b.to_string()))
        })
        .collect();
    assert_eq!(pairs, expected);
    assert!(Grid::parse(&["a=1..3:1".to_owned(), "a=1..2:1".to_owned()]).is_err());
    assert!(Grid::parse(&[]).is_err());
    assert!(Grid::parse(&["a=0..1000000:1".to_owned()]).is_err());
}

/// Smoke with no standing workers: few replicas make visits late.
fn constrained() -> Vec<String> {
    vec![
        "scaler.min_replicas=0".to_owned(),
        "gates.p98_latency_s=20".to_owned(),
    ]
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let grid = Grid::parse(&[
        "scaler.max_replicas=4..8:4".to_owned(),
        "workers.processing_per_alert_s=0.02..0.04:0.02".to_owned(),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let sweep =
        Sweep::prepare("smoke", &constrained(), Some(3), grid).unwrap_or_else(|e| panic!("{e}"));
    let one = sweep.run(1).unwrap_or_else(|e| panic!("{e}"));
    let two = sweep.run(2).unwrap_or_else(|e| panic!("{e}"));
    let json = |r| serde_json::to_string(&r).unwrap_or_default();
    assert_eq!(one.points.len(), 4);
    assert_eq!(json(one.clone()), json(two));
    // The points differ from one another (the settings reach the runs).
    assert!(one.points.iter().any(|p| p.pod_h != one.points[0].pod_h));
}

#[test]
fn the_smallest_passing_value_passes_and_one_step_less_fails() {
    let grid =
        Grid::parse(&["scaler.max_replicas=1..20:1".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    let sweep =
        Sweep::prepare("smoke", &constrained(), None, grid).unwrap_or_else(|e| panic!("{e}"));
    let mut seen = 0;
    let outcome =
        find::smallest_passing(&sweep, 1, |_| seen += 1).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen, outcome.probes.len());
    assert_eq!(outcome.runs, outcome.probes.len());
    // Three probes a round take the same path to the same value (smoke is
    // not monotone in max_replicas: 8 passes, 9 fails, 10 passes).
    let parallel = find::smallest_passing(&sweep, 3, |_| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parallel.answer, outcome.answer);
    assert_eq!(parallel.probes, outcome.probes);
    assert!(parallel.runs >= parallel.probes.len());
    assert!(
        outcome.probes.len() <= 6,
        "{} probes for 20 values",
        outcome.probes.len()
    );
    let answer = outcome.answer.unwrap_or_else(|| panic!("no answer"));
    let Some(Number::Int(value)) = answer.settings.first().map(|s| s.value) else {
        panic!("not an integer answer: {answer:?}");
    };
    assert!(
        value > 1,
        "the range's start passes, so the check below is void"
    );
    // Run the neighbours from scratch, without the sweep machinery.
    let passes = |replicas: i64| {
        let mut set = constrained();
        set.push(format!("scaler.max_replicas={replicas}"));
        let overrides = alertsim_scenarios::parse_overrides(&set).unwrap_or_else(|e| panic!("{e}"));
        let scenario = alertsim_scenarios::Scenario::resolve("smoke", &overrides)
            .unwrap_or_else(|e| panic!("{e}"));
        alertsim_sim::run(&scenario)
            .expect("the scenario has a plan")
            .report
            .passed()
    };
    assert!(passes(value), "the answer {value} fails");
    assert!(!passes(value - 1), "{} passes too", value - 1);
}

#[test]
fn no_answer_when_the_largest_value_fails() {
    let grid =
        Grid::parse(&["scaler.max_replicas=1..3:1".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    let sweep =
        Sweep::prepare("smoke", &constrained(), None, grid).unwrap_or_else(|e| panic!("{e}"));
    let outcome = find::smallest_passing(&sweep, 2, |_| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(outcome.answer, None);
    assert!(outcome.probes.iter().all(|p| !p.passed));
}

#[test]
fn unknown_keys_are_reported_before_running() {
    let grid = Grid::parse(&["scaler.bogus=1..2:1".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    let err = Sweep::prepare("smoke", &[], None, grid)
        .map(|_| ())
        .unwrap_err();
    assert!(err.is_bad_input());
    assert!(err.to_string().contains("scaler.bogus"), "{err}");
}
