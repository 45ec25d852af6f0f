//! Scenario time on the wall clock: a load run starts at scenario second 0
//! and runs `scale` scenario seconds per wall second (`--time-scale`).
//! Every time in a load report is in scenario seconds, so a report of a run
//! at `--time-scale 10` reads like the night it stands for; the services'
//! own times (encoding, producing, the broker) are real and are therefore
//! weighed `scale` times heavier.

use std::time::Duration;

use tokio::time::Instant;

/// Converts between scenario seconds and wall-clock instants.
#[derive(Debug, Clone, Copy)]
pub struct LoadClock {
    start: Instant,
    scale: f64,
}

impl LoadClock {
    /// Scenario second 0 is now; `scale` scenario seconds pass per wall
    /// second (non-positive or non-finite values mean 1).
    pub fn start(scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        LoadClock {
            start: Instant::now(),
            scale,
        }
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
}
