//! The KEDA side of the simulation: each poll reads the group's lag from the
//! Redis model, interprets it as the redis-streams trigger does, asks the
//! ScaledJob decision how many Jobs to create, and hands them to a
//! rate-limited API client (token bucket: qps, burst).
//!
//! The decision and lag interpretation are called through `keda_decide` and
//! `trigger_metric`, so that the core's implementation plugs in here.

use crate::model::redis::GroupInfo;
use crate::params::{KedaVersion, ScalerParams, Strategy};
use crate::time::{SimDuration, SimTime};

/// The redis-streams trigger's metric from `XINFO GROUPS` (lagCount != 0):
/// NULL lag reads as 0 on 2.16.1 and -1 on current KEDA.
pub fn trigger_metric(info: &GroupInfo, version: KedaVersion) -> i64 {
    match info.lag {
        Some(lag) => i64::try_from(lag).unwrap_or(i64::MAX),
        None => match version {
            KedaVersion::V2_16 => 0,
            KedaVersion::Current => -1,
        },
    }
}

/// Jobs to create for one poll (KEDA ScaledJob, FACTS.md formulas).
pub fn keda_decide(p: &ScalerParams, metric: i64, running: u32, pending: u32) -> u32 {
    let min = i64::from(p.min_replicas);
    let max_rc = (i64::from(p.max_replicas) - min).max(0);
    let r_all = i64::from(running);
    let pending = i64::from(pending);
    if r_all < min {
        return u32::try_from(min - r_all).unwrap_or(0);
    }
    let target = i64::try_from(p.lag_count).unwrap_or(i64::MAX);
    let queue = metric as f64;
    let mv = if target != 0 {
        (queue / target as f64).min(max_rc as f64)
    } else {
        0.0
    };
    let trigger_active = metric > i64::try_from(p.activation_lag_count).unwrap_or(i64::MAX);
    let is_active = trigger_active || min > 0;
    let mut scale_to = if trigger_active {
        queue.ceil() as i64
    } else {
        0
    };
    let max_scale = if trigger_active {
        mv.min(max_rc as f64).ceil() as i64
    } else {
        0
    };
    let r = r_all - min;
    let eff = match p.strategy {
        Strategy::Default => max_scale - r,
        Strategy::Custom => (max_scale
            - p.custom_deduction
            - (r as f64 * p.custom_running_percentage).trunc() as i64)
            .min(max_rc),
        Strategy::Accurate => {
            let over = match p.keda_version {
                KedaVersion::V2_16 => max_scale + r > max_rc,
                KedaVersion::Current => max_scale + r - pending > max_rc,
            };
            if over {
                max_rc - r
            } else {
                max_scale - pending
            }
        }
        Strategy::Eager => {
            scale_to = max_rc;
            (max_rc - r - pending).min(max_scale)
        }
    };
    if is_active && eff > 0 {
        u32::try_from(scale_to.min(eff).max(0)).unwrap_or(u32::MAX)
    } else {
        0
    }
}

/// The Job-creation API client's rate limiter: a token bucket.
#[derive(Debug)]
pub struct ApiRateLimiter {
    per_token: SimDuration,
    burst: u64,
    tokens_at: SimTime,
}

impl ApiRateLimiter {
    /// A full bucket of `burst` tokens refilled at `qps`.
    pub fn new(qps: f64, burst: u32) -> Self {
        let per_token = if qps > 0.0 {
            SimDuration::from_secs_f64(1.0 / qps)
        } else {
            SimDuration(u64::MAX / 4)
        };
        let burst = u64::from(burst.max(1));
        ApiRateLimiter {
            per_token,
            burst,
            tokens_at: SimTime::ZERO,
        }
    }

    /// The earliest time at or after `now` when a request may go (GCRA:
    /// the theoretical arrival time may run `burst - 1` tokens ahead).
    pub fn next_allowed(&self, now: SimTime) -> SimTime {
        let ahead = self.per_token.times(self.burst - 1);
        now.max(self.tokens_at - ahead)
    }

    /// Spends a token at `at` (which must be >= `next_allowed`).
    pub fn take(&mut self, at: SimTime) {
        self.tokens_at = self.tokens_at.max(at) + self.per_token;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::SimParams;

    fn rubin() -> ScalerParams {
        SimParams::default().scaler
    }

    #[test]
    fn eager_creates_the_lag_again_while_jobs_are_pending() {
        let p = rubin();
        // 189 events waiting, 3 idle minimum Jobs: eager creates 189.
        assert_eq!(keda_decide(&p, 189, 3, 0), 189);
        // Next poll, those 189 still Pending and the lag unchanged: again.
        assert_eq!(keda_decide(&p, 189, 192, 189), 189);
        let mut d = p.clone();
        d.strategy = Strategy::Default;
        assert_eq!(keda_decide(&d, 189, 3, 0), 189);
        assert_eq!(keda_decide(&d, 189, 192, 189), 0);
    }

    #[test]
    fn minimum_and_activation() {
        let p = rubin();
        assert_eq!(keda_decide(&p, 0, 0, 0), 3);
        assert_eq!(
            keda_decide(&p, 1, 3, 0),
            0,
            "activation is strictly greater"
        );
        assert_eq!(keda_decide(&p, 2, 3, 0), 2);
        assert_eq!(keda_decide(&p, 5000, 1700, 0), 0, "never above max");
    }

    #[test]
    fn null_lag_depends_on_the_version() {
        let info = GroupInfo {
            lag: None,
            entries_read: None,
            pending: 0,
            last_delivered: 0,
        };
        assert_eq!(trigger_metric(&info, KedaVersion::V2_16), 0);
        assert_eq!(trigger_metric(&info, KedaVersion::Current), -1);
    }

    #[test]
    fn rate_limiter_allows_a_burst_then_the_rate() {
        let mut rl = ApiRateLimiter::new(20.0, 30);
        let mut t = SimTime::ZERO;
        let mut times = Vec::new();
        for _ in 0..40 {
            t = rl.next_allowed(t);
            rl.take(t);
            times.push(t);
        }
        assert!(times[..30].iter().all(|&x| x == SimTime::ZERO));
        assert_eq!(times[30], SimTime(50_000));
        assert_eq!(times[39], SimTime(500_000));
    }
}
