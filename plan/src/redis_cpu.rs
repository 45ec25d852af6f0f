//! Redis as a resource, from `[redis]`: the CPU it may use, what each
//! command costs and an idle worker's client-side time per poll loop. The
//! simulator's Redis CPU model takes these; a load run meets the real
//! Redis, which meters itself, so it takes nothing from here.

use alertsim_scenarios::Redis;

/// A command the Redis CPU model charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisCommand {
    /// `PING`.
    Ping,
    /// `XREADGROUP COUNT 1` that finds nothing new.
    ReadEmpty,
    /// `XREADGROUP COUNT 1` that returns an entry.
    ReadEntry,
    /// The fan-out's `XADD` of one detector event.
    Xadd,
    /// `XACK` of one entry.
    Xack,
    /// KEDA's `XINFO GROUPS`.
    XinfoGroups,
    /// KEDA's `XPENDING` summary.
    Xpending,
    /// `XAUTOCLAIM ... COUNT 1`.
    Xautoclaim,
    /// KEDA's `INFO server`.
    Info,
}

/// What the Redis CPU model takes: costs in CPU microseconds on one CPU.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisCpuSettings {
    /// CPUs Redis may use (> 0).
    pub cpu_limit: f64,
    /// Client-side microseconds of one idle worker's poll loop (PING and
    /// `XREADGROUP`) not spent in Redis.
    pub idle_think_us: f64,
    costs: [f64; 9],
}

impl RedisCpuSettings {
    /// CPU microseconds of one `command` on one CPU.
    pub fn cost_us(&self, command: RedisCommand) -> f64 {
        self.costs[command as usize]
    }

    /// CPU microseconds of one idle worker's poll loop: `PING` and an
    /// `XREADGROUP` that finds nothing.
    pub fn idle_loop_us(&self) -> f64 {
        self.cost_us(RedisCommand::Ping) + self.cost_us(RedisCommand::ReadEmpty)
    }
}

/// The Redis CPU settings of `[redis]`.
pub fn redis_cpu(redis: &Redis) -> RedisCpuSettings {
    let c = &redis.cost_us;
    // In `RedisCommand`'s order.
    let costs = [
        c.ping,
        c.xreadgroup_empty,
        c.xreadgroup_entry,
        c.xadd,
        c.xack,
        c.xinfo_groups,
        c.xpending,
        c.xautoclaim,
        c.info,
    ];
    RedisCpuSettings {
        cpu_limit: redis.cpu_limit,
        idle_think_us: redis.idle_poll_think_ms * 1000.0,
        costs,
    }
}

#[cfg(test)]
mod tests {
    use alertsim_scenarios::CommandCosts;

    use super::*;

    #[test]
    fn each_command_takes_its_own_cost_and_the_think_time_is_in_microseconds() {
        let redis = Redis {
            cost_us: CommandCosts {
                ping: 1.0,
                xreadgroup_empty: 2.0,
                xreadgroup_entry: 3.0,
                xadd: 4.0,
                xack: 5.0,
                xinfo_groups: 6.0,
                xpending: 7.0,
                xautoclaim: 8.0,
                info: 9.0,
            },
            idle_poll_think_ms: 0.25,
            cpu_limit: 2.0,
            ..Redis::default()
        };
        let s = redis_cpu(&redis);
        let all = [
            RedisCommand::Ping,
            RedisCommand::ReadEmpty,
            RedisCommand::ReadEntry,
            RedisCommand::Xadd,
            RedisCommand::Xack,
            RedisCommand::XinfoGroups,
            RedisCommand::Xpending,
            RedisCommand::Xautoclaim,
            RedisCommand::Info,
        ];
        for (i, command) in all.into_iter().enumerate() {
            assert_eq!(s.cost_us(command), (i + 1) as f64, "{command:?}");
        }
        assert_eq!(s.idle_loop_us(), 3.0);
        assert_eq!(s.idle_think_us, 250.0);
        assert_eq!(s.cpu_limit, 2.0);
    }
}
