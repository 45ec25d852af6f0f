//! Scenario time on the wall clock: a load run starts at scenario second 0
//! and runs `scale` scenario seconds per wall second (`--time-scale`).
//! Every time in a load report is in scenario seconds, so a report of a run
//! at `--time-scale 10` reads like the night it stands for; the services'
//! own times (encoding, producing, the broker) are real and are therefore
//! weighed `scale` times heavier.
//!
//! A worker Job running in a process of its own (`alertsim worker
//! --load-run`) joins the run's clock from the start's Unix time
//! ([`LoadClock::resume`]), so that both processes agree on scenario time
//! to within the hosts' clock difference.

use std::time::Duration;

use tokio::time::Instant;

/// Converts between scenario seconds and wall-clock instants.
#[derive(Debug, Clone, Copy)]
pub struct LoadClock {
    start: Instant,
    start_unix_ms: i64,
    scale: f64,
}

impl LoadClock {
    /// Scenario second 0 is now; `scale` scenario seconds pass per wall
    /// second (non-positive or non-finite values mean 1).
    pub fn start(scale: f64) -> Self {
        LoadClock {
            start: Instant::now(),
            start_unix_ms: unix_ms_now(),
            scale: valid_scale(scale),
        }
    }

    /// The clock of a run that started at `start_unix_ms` (milliseconds
    /// since the Unix epoch), joined from another process.
    pub fn resume(start_unix_ms: i64, scale: f64) -> Self {
        let now = Instant::now();
        let elapsed_ms = unix_ms_now().saturating_sub(start_unix_ms);
        let elapsed = Duration::from_millis(u64::try_from(elapsed_ms).unwrap_or(0));
        LoadClock {
            start: now.checked_sub(elapsed).unwrap_or(now),
            start_unix_ms,
            scale: valid_scale(scale),
        }
    }

    /// When scenario second 0 was, milliseconds since the Unix epoch.
    pub fn start_unix_ms(&self) -> i64 {
        self.start_unix_ms
    }

    /// The scenario second of the Unix time `unix_ms` (milliseconds).
    pub fn scenario_s_at_unix_ms(&self, unix_ms: i64) -> f64 {
        unix_ms.saturating_sub(self.start_unix_ms) as f64 / 1000.0 * self.scale
    }

    /// Scenario seconds per wall second.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Scenario seconds since the start.
    pub fn now_s(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * self.scale
    }

    /// The wall-clock instant of scenario second `s`.
    pub fn instant_at(&self, s: f64) -> Instant {
        self.start + self.wall(s)
    }

    /// Wall-clock length of `s` scenario seconds.
    pub fn wall(&self, s: f64) -> Duration {
        Duration::try_from_secs_f64((s / self.scale).max(0.0)).unwrap_or(Duration::MAX)
    }

    /// Waits until scenario second `s` (at once if it has passed).
    pub async fn sleep_until(&self, s: f64) {
        tokio::time::sleep_until(self.instant_at(s)).await;
    }
}

/// Non-positive or non-finite scales mean 1.
fn valid_scale(scale: f64) -> f64 {
    if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    }
}

fn unix_ms_now() -> i64 {
    alertsim_drivers::publish::kafka::epoch_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn scenario_time_runs_scale_times_faster() {
        let clock = LoadClock::start(10.0);
        clock.sleep_until(37.0).await;
        let now = clock.now_s();
        assert!((37.0..37.1).contains(&now), "{now}");
        assert_eq!(clock.wall(37.0), Duration::from_millis(3700));
        assert_eq!(LoadClock::start(-1.0).scale(), 1.0);
    }

    #[test]
    fn a_resumed_clock_reads_the_same_scenario_time() {
        let first = LoadClock::start(10.0);
        let joined = LoadClock::resume(first.start_unix_ms() - 2_000, 10.0);
        // Joined 2 s (wall) earlier: 20 scenario seconds ahead, give or
        // take the millisecond rounding of the Unix time.
        let ahead = joined.now_s() - first.now_s();
        assert!((19.9..20.1).contains(&ahead), "{ahead}");
        assert_eq!(joined.start_unix_ms(), first.start_unix_ms() - 2_000);
    }
}
