//! Property tests of the KEDA ScaledJob decision: the cap, non-negativity,
//! activation, the minimum, skipped errored triggers, monotonicity in the
//! queue length where KEDA is monotone, the rate limit and history cleanup.
//!
//! Where monotonicity holds (KEDA's arithmetic, checked by these tests):
//! - one trigger with a positive target: `create` never decreases as the queue
//!   grows, for all four strategies on both KEDA versions (maxScale, scaleTo
//!   and activity all grow with the queue, and each strategy's effective
//!   maximum grows with maxScale; accurate's switch to `maxRC - r` only jumps up);
//! - several triggers combined with `sum` (activation >= 0), or with `max`
//!   when all targets are equal: raising one trigger's value never lowers it.
//!
//! Where it does not: `min` and `avg` (a trigger that becomes active can pull
//! the minimum or the mean down), `max` with different targets (the longest
//! queue wins but brings its own, possibly smaller, scale), and a target of 0
//! or below. Those cases are shown by examples below, not claimed.

use std::time::Duration;

use alertsim_core::scaler::history::FinishedOutcome;
use alertsim_core::scaler::{
    Branch, FinishedJob, JobCounts, KedaVersion, MultipleScalersCalculation, ScaledJobSettings,
    ScalingStrategy, Strategy, TokenBucket, TriggerMetric, decide, jobs_to_clean_up,
};
use proptest::prelude::*;
use proptest::strategy::Strategy as _;

fn version() -> impl proptest::strategy::Strategy<Value = KedaVersion> {
    prop_oneof![Just(KedaVersion::V2_16), Just(KedaVersion::LATEST)]
}

fn strategy_kind() -> impl proptest::strategy::Strategy<Value = Strategy> {
    prop_oneof![
        Just(Strategy::Default),
        Just(Strategy::Custom),
        Just(Strategy::Accurate),
        Just(Strategy::Eager)
    ]
}

fn calculation() -> impl proptest::strategy::Strategy<Value = MultipleScalersCalculation> {
    prop_oneof![
        Just(MultipleScalersCalculation::Max),
        Just(MultipleScalersCalculation::Min),
        Just(MultipleScalersCalculation::Avg),
        Just(MultipleScalersCalculation::Sum)
    ]
}

fn settings() -> impl proptest::strategy::Strategy<Value = ScaledJobSettings> {
    (
        version(),
        strategy_kind(),
        calculation(),
        0u32..60,
        proptest::option::weighted(0.9, 0u32..2000),
        proptest::option::weighted(0.8, -10i32..30),
        proptest::option::weighted(0.8, -0.5f64..2.0),
    )
        .prop_map(|(v, s, calc, min, max, ded, pct)| ScaledJobSettings {
            keda_version: v,
            min_replica_count: min,
            max_replica_count: max,
            scaling_strategy: ScalingStrategy {
                strategy: s,
                custom_scaling_queue_length_deduction: ded,
                custom_scaling_running_job_percentage: pct,
                multiple_scalers_calculation: calc,
                ..ScalingStrategy::default()
            },
            ..ScaledJobSettings::default()
        })
}

fn queue() -> impl proptest::strategy::Strategy<Value = f64> {
    prop_oneof![(-2i32..4000).prop_map(f64::from), (-2.0f64..4000.0),]
}

fn trigger() -> impl proptest::strategy::Strategy<Value = TriggerMetric> {
    (queue(), 0i32..20, -1i32..5, proptest::bool::weighted(0.1)).prop_map(|(q, t, a, err)| {
        let mut m = TriggerMetric::new(q, f64::from(t), f64::from(a));
        m.errored = err;
        m
    })
}

fn counts() -> impl proptest::strategy::Strategy<Value = JobCounts> {
    (0u32..2500)
        .prop_flat_map(|r| (Just(r), 0..=r))
        .prop_map(|(r, p)| JobCounts::new(r, p))
}

/// The most Jobs a ScaledJob may have: min + maxRC (maxReplicaCount when set
/// and not below the minimum).
fn cap(s: &ScaledJobSettings) -> i64 {
    s.effective_min_replicas() + s.max_replicas_above_min()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_above_the_cap_except_custom(
        s in settings(),
        metrics in proptest::collection::vec(trigger(), 0..4),
        c in counts(),
    ) {
        let d = decide(&s, &metrics, c);
        let total = i64::from(c.running) + i64::from(d.create);
        if d.branch == Branch::Strategy(Strategy::Custom) {
            // Custom bounds one poll's creations by maxRC, not the total.
            prop_assert!(i64::from(d.create) <= s.max_replicas_above_min().max(0));
        } else if d.create > 0 {
            prop_assert!(total <= cap(&s), "{total} > {} for {d:?}", cap(&s));
        }
        if s.max_replica_count.is_some_and(|m| m >= s.min_replica_count)
            && d.branch != Branch::Strategy(Strategy::Custom)
            && d.create > 0
        {
            prop_assert!(total <= i64::from(s.max_replica_count.unwrap_or(0)));
        }
    }

    #[test]
    fn never_negative_and_bounded_by_the_effective_maximum(
        s in settings(),
        metrics in proptest::collection::vec(trigger(), 0..4),
        c in counts(),
    ) {
        let d = decide(&s, &metrics, c);
        prop_assert!(d.effective_max_scale >= 0);
        prop_assert!(i64::from(d.create) <= d.effective_max_scale);
        prop_assert!(i64::from(d.create) <= d.scale_to.max(0));
    }

    #[test]
    fn inactive_creates_nothing_and_below_min_tops_up(
        s in settings(),
        metrics in proptest::collection::vec(trigger(), 0..4),
        c in counts(),
    ) {
        let d = decide(&s, &metrics, c);
        if !d.is_active {
            prop_assert_eq!(d.create, 0);
            prop_assert_eq!(s.effective_min_replicas(), 0);
        }
        let min = s.effective_min_replicas();
        if i64::from(c.running) < min {
            prop_assert_eq!(i64::from(d.create), min - i64::from(c.running));
        }
        let any_active = metrics.iter().any(|m| !m.errored && m.value > m.activation && m.value > 0.0);
        if min == 0 && s.scaling_strategy.multiple_scalers_calculation == MultipleScalersCalculation::Max {
            prop_assert_eq!(d.is_active, any_active);
        }
    }

    #[test]
    fn errored_triggers_count_as_absent(
        s in settings(),
        metrics in proptest::collection::vec(trigger(), 0..4),
        c in counts(),
    ) {
        let healthy: Vec<_> = metrics.iter().copied().filter(|m| !m.errored).collect();
        let with = decide(&s, &metrics, c);
        let without = decide(&s, &healthy, c);
        prop_assert_eq!(with.create, without.create);
        prop_assert_eq!(with.any_trigger_errored, metrics.len() != healthy.len());
    }

    #[test]
    fn one_trigger_is_monotone_in_queue_length_for_every_strategy(
        s in settings(),
        q1 in queue(),
        q2 in queue(),
        target in 1i32..20,
        activation in -1i32..5,
        c in counts(),
    ) {
        let (lo, hi) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
        let at = |q| decide(&s, &[TriggerMetric::new(q, f64::from(target), f64::from(activation))], c);
        let (a, b) = (at(lo), at(hi));
        prop_assert!(a.create <= b.create, "{lo} -> {a:?}, {hi} -> {b:?}");
    }

    #[test]
    fn sum_and_equal_target_max_are_monotone_in_each_trigger(
        s in settings(),
        use_sum in any::<bool>(),
        values in proptest::collection::vec(queue(), 1..4),
        activations in proptest::collection::vec(0i32..5, 4),
        target in 1i32..20,
        which in 0usize..4,
        bump in 0.0f64..500.0,
        c in counts(),
    ) {
        let mut s = s;
        s.scaling_strategy.multiple_scalers_calculation =
            if use_sum { MultipleScalersCalculation::Sum } else { MultipleScalersCalculation::Max };
        let build = |vals: &[f64]| -> Vec<TriggerMetric> {
            vals.iter()
                .zip(&activations)
                .map(|(q, a)| TriggerMetric::new(*q, f64::from(target), f64::from(*a)))
                .collect()
        };
        let before = build(&values);
        let mut raised = values.clone();
        let i = which % raised.len();
        raised[i] += bump;
        let after = build(&raised);
        let (a, b) = (decide(&s, &before, c), decide(&s, &after, c));
        prop_assert!(a.create <= b.create, "{values:?} -> {a:?}, {raised:?} -> {b:?}");
    }

    #[test]
    fn token_bucket_never_exceeds_burst_plus_rate(
        rate in 1u32..50,
        burst in 1u32..40,
        gaps in proptest::collection::vec(0u64..200, 1..200),
    ) {
        let mut bucket = TokenBucket::new(rate, burst);
        let mut now = Duration::ZERO;
        let mut sent = Vec::new();
        for gap in gaps {
            now += Duration::from_millis(gap);
            let at = bucket.reserve(now);
            prop_assert!(at >= now);
            if let Some(last) = sent.last() { prop_assert!(at >= *last); }
            sent.push(at);
            now = at;
        }
        // Any window of one second holds at most burst + rate sends.
        for (i, start) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().take_while(|t| **t < *start + Duration::from_secs(1)).count();
            prop_assert!(in_window <= (burst + rate) as usize, "{in_window} in 1 s");
        }
    }

    #[test]
    fn history_keeps_the_newest_up_to_the_limit(
        limit in 0u32..10,
        jobs in proptest::collection::vec((any::<bool>(), 0u64..50), 0..40),
    ) {
        let finished: Vec<FinishedJob> = jobs.iter().enumerate().map(|(i, (ok, t))| FinishedJob {
            name: format!("job-{i:03}").into(),
            outcome: if *ok { FinishedOutcome::Succeeded } else { FinishedOutcome::Failed },
            finished_at: Duration::from_secs(*t),
        }).collect();
        let s = ScaledJobSettings {
            successful_jobs_history_limit: Some(limit),
            failed_jobs_history_limit: Some(limit),
            ..ScaledJobSettings::default()
        };
        let doomed = jobs_to_clean_up(&s, &finished);
        for outcome in [FinishedOutcome::Succeeded, FinishedOutcome::Failed] {
            let group: Vec<_> = finished.iter().filter(|j| j.outcome == outcome).collect();
            let kept: Vec<_> = group.iter().filter(|j| !doomed.contains(&j.name)).collect();
            prop_assert_eq!(kept.len(), group.len().min(limit as usize));
            let newest_deleted = group.iter().filter(|j| doomed.contains(&j.name)).map(|j| j.finished_at).max();
            let oldest_kept = kept.iter().map(|j| j.finished_at).min();
            if let (Some(d), Some(k)) = (newest_deleted, oldest_kept) {
                prop_assert!(d <= k);
            }
        }
    }
}

fn one(calc: MultipleScalersCalculation, metrics: &[TriggerMetric]) -> u32 {
    let mut s = ScaledJobSettings {
        max_replica_count: Some(100),
        ..ScaledJobSettings::default()
    };
    s.scaling_strategy.multiple_scalers_calculation = calc;
    decide(&s, metrics, JobCounts::default()).create
}

#[test]
fn min_and_avg_are_not_monotone() {
    // The second trigger crossing its activation lowers the minimum and the mean.
    let quiet = [
        TriggerMetric::new(40.0, 1.0, 0.0),
        TriggerMetric::new(2.0, 1.0, 2.0),
    ];
    let busier = [
        TriggerMetric::new(40.0, 1.0, 0.0),
        TriggerMetric::new(3.0, 1.0, 2.0),
    ];
    for calc in [
        MultipleScalersCalculation::Min,
        MultipleScalersCalculation::Avg,
    ] {
        assert!(one(calc, &quiet) > one(calc, &busier), "{calc:?}");
    }
}

#[test]
fn max_with_different_targets_is_not_monotone() {
    // 10 messages at target 1 want 10 Jobs; raise the other trigger to 11
    // messages at target 10 and it wins, wanting 2.
    let before = [
        TriggerMetric::new(10.0, 1.0, 0.0),
        TriggerMetric::new(9.0, 10.0, 0.0),
    ];
    let after = [
        TriggerMetric::new(10.0, 1.0, 0.0),
        TriggerMetric::new(11.0, 10.0, 0.0),
    ];
    assert_eq!(one(MultipleScalersCalculation::Max, &before), 10);
    assert_eq!(one(MultipleScalersCalculation::Max, &after), 2);
}

#[test]
fn custom_can_exceed_max_replica_count() {
    // Percentage 0, deduction 0: nothing is deducted for running Jobs.
    let s = ScaledJobSettings {
        min_replica_count: 0,
        max_replica_count: Some(100),
        scaling_strategy: ScalingStrategy {
            strategy: Strategy::Custom,
            custom_scaling_queue_length_deduction: Some(0),
            custom_scaling_running_job_percentage: Some(0.0),
            ..ScalingStrategy::default()
        },
        ..ScaledJobSettings::default()
    };
    let d = decide(
        &s,
        &[TriggerMetric::new(500.0, 1.0, 0.0)],
        JobCounts::new(90, 0),
    );
    assert_eq!(d.create, 100);
}
