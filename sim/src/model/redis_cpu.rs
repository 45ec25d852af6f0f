//! Redis as a CPU-limited server: the idle workers' polling load and the
//! time every other command waits for the CPU.
//!
//! Production's idle workers loop `PING` + `XREADGROUP COUNT 1` with no
//! `BLOCK` and no sleep (FACTS "Second reading"), up to 1,700 of them
//! against a Redis limited to 1 CPU. The engine parks idle workers instead
//! of simulating every poll; this model stands for their load. It is a
//! mixed queueing network solved by mean value analysis:
//!
//! - one processor-sharing station, Redis, of speed `cpu_limit` CPUs;
//! - a closed class: the `N` idle pollers, each loop costing `D` (the two
//!   commands' CPU) at Redis, then `Z` (the client-side think time) away;
//! - an open class: every command the engine does send (fan-out `XADD`s,
//!   reads that return entries, `XACK`s, KEDA's reads), charged at its cost;
//!   its share `U_o` of the limit is taken over the last window (the
//!   recorder's sampling interval) and holds for the next one.
//!
//! With `U_o` the closed class sees the demand `D' = D / (1 - U_o)`, and
//! exact MVA gives, for `n = 1..N`: `R(n) = D' (1 + Q(n-1))`,
//! `X(n) = n / (R(n) + Z)`, `Q(n) = X(n) R(n)`. An open command of cost `c`
//! then takes `c (1 + Q(N)) / (1 - U_o)` at Redis, and Redis is busy
//! `U_o + X(N) D` of the time. `R(N)` stays within the asymptotes
//! `max(D', N D' - Z)` and `N D'`.
//!
//! The solution is a table of `Q(n)` and `X(n)`, extended when `N` grows
//! and rebuilt only when `U_o` changes (once a window): the engine asks for
//! it at every command without solving anything again.

use alertsim_plan::redis_cpu::{RedisCommand, RedisCpuSettings};

use crate::time::{SimDuration, SimTime};

/// The largest share of the limit the open load is taken to use: beyond
/// it the open load alone would saturate Redis and wait without bound.
pub const MAX_OPEN_SHARE: f64 = 0.99;

/// The Redis CPU model of one run.
#[derive(Debug, Clone)]
pub struct RedisCpu {
    settings: RedisCpuSettings,
    /// Idle pollers now.
    idle: u32,
    /// The open load's share of the limit, from the last window.
    open_share: f64,
    /// `Q(n)`: idle pollers at Redis on average, for `n` pollers.
    queue: Vec<f64>,
    /// `X(n)`: poll loops per microsecond, for `n` pollers.
    throughput: Vec<f64>,
    /// CPU microseconds of the open commands of this window.
    open_cpu_us: f64,
    /// Start of this window.
    window_start: SimTime,
    /// When the closed load was last integrated.
    integrated_to: SimTime,
    /// Microseconds the limit was busy with the closed load this window.
    closed_busy_us: f64,
}

impl RedisCpu {
    /// No idle poller and no load yet.
    pub fn new(settings: RedisCpuSettings) -> Self {
        RedisCpu {
            settings,
            idle: 0,
            open_share: 0.0,
            queue: vec![0.0],
            throughput: vec![0.0],
            open_cpu_us: 0.0,
            window_start: SimTime::ZERO,
            integrated_to: SimTime::ZERO,
            closed_busy_us: 0.0,
        }
    }

    /// Idle pollers the model holds now.
    pub fn idle(&self) -> u32 {
        self.idle
    }

    /// From `now` on, `idle` workers poll.
    pub fn set_idle(&mut self, now: SimTime, idle: u32) {
        if idle == self.idle {
            return;
        }
        self.integrate(now);
        self.idle = idle;
        self.solve_to(idle);
    }

    /// One `command` runs at Redis: its CPU counts toward the open load.
    pub fn charge(&mut self, command: RedisCommand) {
        self.open_cpu_us += self.settings.cost_us(command);
    }

    /// How long one `command` takes at Redis now: its own CPU at the limit,
    /// stretched by the idle pollers ahead of it and the open load.
    pub fn response(&self, command: RedisCommand) -> SimDuration {
        let service = self.settings.cost_us(command) / self.settings.cpu_limit;
        let ahead = self.queue.get(self.idle as usize).copied().unwrap_or(0.0);
        let us = service * (1.0 + ahead) / (1.0 - self.open_share);
        SimDuration(us.round() as u64)
    }

    /// Microseconds between two idle pollers' reads reaching Redis: `1 /
    /// X(N)` (0 without pollers). New entries are taken by the reads
    /// already waiting, one this often.
    pub fn poll_gap_us(&self) -> f64 {
        let x = self
            .throughput
            .get(self.idle as usize)
            .copied()
            .unwrap_or(0.0);
        if x > 0.0 { 1.0 / x } else { 0.0 }
    }

    /// The share of the limit Redis uses now, in [0, 1].
    pub fn utilisation(&self) -> f64 {
        (self.open_share + self.closed_share()).min(1.0)
    }

    /// The idle pollers' share of the limit now.
    fn closed_share(&self) -> f64 {
        let x = self
            .throughput
            .get(self.idle as usize)
            .copied()
            .unwrap_or(0.0);
        x * self.loop_service_us()
    }

    /// Ends the window at `now`: returns the microseconds the limit was
    /// busy in it (at most the window), and takes the window's open load as
    /// the open share of the next one.
    pub fn end_window(&mut self, now: SimTime) -> u64 {
        self.integrate(now);
        let span = now.saturating_since(self.window_start).0 as f64;
        let open_busy = self.open_cpu_us / self.settings.cpu_limit;
        let busy = (self.closed_busy_us + open_busy).min(span);
        if span > 0.0 {
            let share = (open_busy / span).min(MAX_OPEN_SHARE);
            if share != self.open_share {
                self.open_share = share;
                self.queue.truncate(1);
                self.throughput.truncate(1);
                self.solve_to(self.idle);
            }
        }
        self.open_cpu_us = 0.0;
        self.closed_busy_us = 0.0;
        self.window_start = now;
        busy.round() as u64
    }

    /// Microseconds of one poll loop at Redis with the limit to itself.
    fn loop_service_us(&self) -> f64 {
        self.settings.idle_loop_us() / self.settings.cpu_limit
    }

    /// Adds the closed load's busy time from the last integration to `now`.
    fn integrate(&mut self, now: SimTime) {
        let span = now.saturating_since(self.integrated_to).0 as f64;
        self.closed_busy_us += span * self.closed_share();
        self.integrated_to = self.integrated_to.max(now);
    }

    /// Extends the MVA table to `n` pollers.
    fn solve_to(&mut self, n: u32) {
        let demand = self.loop_service_us() / (1.0 - self.open_share);
        let think = self.settings.idle_think_us;
        while self.queue.len() <= n as usize {
            let k = self.queue.len() as f64;
            let previous = self.queue.last().copied().unwrap_or(0.0);
            let response = demand * (1.0 + previous);
            let cycle = response + think;
            let x = if cycle > 0.0 { k / cycle } else { 0.0 };
            self.throughput.push(x);
            self.queue.push(x * response);
        }
    }

    /// `R(n)`: one poll loop's time at Redis with `n` pollers (tests).
    #[cfg(test)]
    fn loop_response_us(&mut self, n: u32) -> f64 {
        self.solve_to(n);
        let demand = self.loop_service_us() / (1.0 - self.open_share);
        demand * (1.0 + self.queue.get(n as usize - 1).copied().unwrap_or(0.0))
    }
}

#[cfg(test)]
mod tests {
    use alertsim_plan::redis_cpu::redis_cpu;
    use alertsim_scenarios::{CommandCosts, Redis};

    use super::*;

    /// PING 8 µs, empty read 7 µs, XADD 10 µs, think 200 µs, `cpus` CPUs.
    fn model(cpus: f64) -> RedisCpu {
        let redis = Redis {
            cpu_limit: cpus,
            cost_us: CommandCosts {
                ping: 8.0,
                xreadgroup_empty: 7.0,
                xadd: 10.0,
                ..CommandCosts::default()
            },
            idle_poll_think_ms: 0.2,
            ..Redis::default()
        };
        RedisCpu::new(redis_cpu(&redis))
    }

    const SECOND: SimTime = SimTime(1_000_000);

    #[test]
    fn without_pollers_a_command_takes_its_own_cost_and_redis_is_idle() {
        let m = model(1.0);
        assert_eq!(m.response(RedisCommand::Xadd), SimDuration(10));
        assert_eq!(m.utilisation(), 0.0);
        assert_eq!(model(2.0).response(RedisCommand::Xadd), SimDuration(5));
    }

    #[test]
    fn one_poller_uses_its_loop_over_loop_plus_think() {
        let mut m = model(1.0);
        m.set_idle(SimTime::ZERO, 1);
        let u = m.utilisation();
        assert!((u - 15.0 / 215.0).abs() < 1e-12, "{u}");
        assert!((m.loop_response_us(1) - 15.0).abs() < 1e-12);
    }

    #[test]
    fn many_pollers_saturate_one_cpu_and_every_command_waits_behind_them() {
        let mut m = model(1.0);
        m.set_idle(SimTime::ZERO, 1700);
        let u = m.utilisation();
        assert!(u > 0.999, "{u}");
        // Within the asymptotes max(D, N D - Z) <= R(N) <= N D.
        let r = m.loop_response_us(1700);
        assert!(
            (1700.0 * 15.0 - 200.0 - 1e-6..=1700.0 * 15.0).contains(&r),
            "{r}"
        );
        // An XADD waits behind about N - X Z pollers: 1700 - 200/15.
        let xadd = m.response(RedisCommand::Xadd).0 as f64;
        let expected = 10.0 * (1.0 + 1700.0 - 200.0 / 15.0);
        assert!(
            (xadd - expected).abs() / expected < 0.01,
            "{xadd} vs {expected}"
        );
    }

    #[test]
    fn new_entries_are_taken_by_the_waiting_polls_at_the_loop_rate() {
        let mut m = model(1.0);
        assert_eq!(m.poll_gap_us(), 0.0);
        m.set_idle(SimTime::ZERO, 1);
        assert!((m.poll_gap_us() - 215.0).abs() < 1e-9);
        // Saturated: one loop per D, whatever the pollers.
        m.set_idle(SimTime::ZERO, 1700);
        assert!((m.poll_gap_us() - 15.0).abs() < 0.01, "{}", m.poll_gap_us());
    }

    #[test]
    fn a_large_limit_keeps_the_same_pollers_cheap() {
        let mut small = model(1.0);
        let mut large = model(1000.0);
        small.set_idle(SimTime::ZERO, 1700);
        large.set_idle(SimTime::ZERO, 1700);
        assert!(large.utilisation() < 0.2, "{}", large.utilisation());
        assert!(
            large.response(RedisCommand::Xadd).0 * 100 < small.response(RedisCommand::Xadd).0,
            "{:?} vs {:?}",
            large.response(RedisCommand::Xadd),
            small.response(RedisCommand::Xadd)
        );
    }

    #[test]
    fn utilisation_and_response_grow_with_the_pollers() {
        let mut m = model(1.0);
        let mut last = (0.0, SimDuration::ZERO);
        for n in [1, 2, 5, 10, 14, 20, 50, 200, 1700] {
            m.set_idle(SimTime::ZERO, n);
            let now = (m.utilisation(), m.response(RedisCommand::Xadd));
            let busier = now.0 > last.0 || now.0 == 1.0;
            assert!(busier && now.1 >= last.1, "{n}: {now:?} after {last:?}");
            last = now;
        }
    }

    #[test]
    fn the_busy_time_of_a_window_integrates_the_pollers_and_adds_the_open_load() {
        let mut m = model(1.0);
        m.set_idle(SimTime::ZERO, 1);
        let one = m.utilisation();
        m.set_idle(SimTime(500_000), 0);
        for _ in 0..1000 {
            m.charge(RedisCommand::Xadd);
        }
        let busy = m.end_window(SECOND) as f64;
        let expected = one * 500_000.0 + 10_000.0;
        assert!((busy - expected).abs() < 1.0, "{busy} vs {expected}");
        // The open load of the window (1%) holds for the next one.
        assert!((m.utilisation() - 0.01).abs() < 1e-12);
        assert_eq!(m.response(RedisCommand::Xadd), SimDuration(10));
        let busy = m.end_window(SimTime(2_000_000));
        assert_eq!(busy, 0);
        assert_eq!(m.utilisation(), 0.0);
    }

    #[test]
    fn a_window_is_never_busier_than_it_is_long_and_open_load_slows_pollers() {
        let mut m = model(1.0);
        m.set_idle(SimTime::ZERO, 1700);
        for _ in 0..50_000 {
            m.charge(RedisCommand::Xadd);
        }
        assert_eq!(m.end_window(SECOND), 1_000_000);
        // Half the CPU went to open commands: the pollers get the rest.
        assert!((m.utilisation() - 1.0).abs() < 1e-9);
        assert!(
            (m.closed_share() - 0.5).abs() < 1e-3,
            "{}",
            m.closed_share()
        );
        let xadd = m.response(RedisCommand::Xadd).0;
        assert!(xadd > 30_000, "{xadd}");
    }
}
