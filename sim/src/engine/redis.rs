//! Redis as the engine runs it: the stream model, the latency of each
//! command (the network's, drawn from `redis.command_latency_ms`, plus the
//! time at Redis from the CPU model, which stands for the idle workers'
//! polling), and the faults that act on Redis: an outage (every command
//! fails until it ends), a restart without data (an outage that also
//! loses the stream), and a trim of the stream.

use alertsim_core::scaler::lag::{GroupInfo, StreamSnapshot};
use alertsim_plan::redis_cpu::{RedisCommand, RedisCpuSettings};
use rand_chacha::ChaCha8Rng;

use super::Engine;
use crate::model::redis::RedisStream;
use crate::model::redis_cpu::RedisCpu;
use crate::rng::{Stream, stream};
use crate::time::{SimDuration, SimTime};

/// The stream and whether Redis answers.
pub(super) struct Redis {
    stream: RedisStream,
    /// Redis outages under way (they may overlap).
    outages: u32,
    rng: ChaCha8Rng,
    /// Its CPU: the idle pollers' load and every command's time at Redis.
    cpu: RedisCpu,
    /// Commands given a time at Redis, and the sum of those times (µs).
    responses: (u64, u64),
}

impl Redis {
    /// A new stream with its consumer group, Redis up, its CPU idle.
    pub(super) fn new(seed: u64, cpu: RedisCpuSettings) -> Self {
        Redis {
            stream: RedisStream::new(),
            outages: 0,
            rng: stream(seed, Stream::Redis),
            cpu: RedisCpu::new(cpu),
            responses: (0, 0),
        }
    }

    /// Mean time at Redis of the commands given one, milliseconds.
    pub(super) fn mean_response_ms(&self) -> f64 {
        let (n, sum_us) = self.responses;
        if n == 0 {
            0.0
        } else {
            sum_us as f64 / n as f64 / 1000.0
        }
    }

    /// The stream.
    pub(super) fn stream(&self) -> &RedisStream {
        &self.stream
    }

    /// The stream, to run a command on.
    pub(super) fn stream_mut(&mut self) -> &mut RedisStream {
        &mut self.stream
    }

    /// Whether every command fails now.
    pub(super) fn is_down(&self) -> bool {
        self.outages > 0
    }

    /// `XLEN` and `XINFO GROUPS` as KEDA's redis-streams trigger reads them
    /// (`consumers`: the group's consumers, one per worker pod ever started).
    pub(super) fn snapshot(&self, group: &str, consumers: u64) -> StreamSnapshot {
        let info = self.stream.group_info();
        StreamSnapshot {
            length: self.stream.xlen(),
            groups: vec![GroupInfo {
                name: group.to_owned(),
                consumers,
                pending: info.pending,
                last_delivered_id: info.last_delivered.to_string(),
                entries_read: info.entries_read,
                lag: info.lag,
            }],
        }
    }
}

impl Engine<'_> {
    /// How long one `command` sent at `now` takes until its reply: the
    /// network's latency drawn from the scenario, and its time at Redis
    /// with the idle workers polling and the open load of the last window.
    pub(super) fn redis_latency(&mut self, now: SimTime, command: RedisCommand) -> SimDuration {
        self.sync_redis_cpu(now);
        let at_redis = self.redis.cpu.response(command);
        self.redis.responses.0 += 1;
        self.redis.responses.1 = self.redis.responses.1.saturating_add(at_redis.0);
        self.network_latency() + at_redis
    }

    /// The network's part of one command's latency, drawn from the scenario.
    pub(super) fn network_latency(&mut self) -> SimDuration {
        let ms = self.s.redis.command_latency_ms.sample(&mut self.redis.rng);
        SimDuration::from_secs_f64(ms / 1000.0)
    }

    /// Microseconds between two idle workers' polls reaching Redis now.
    pub(super) fn redis_poll_gap_us(&mut self, now: SimTime) -> f64 {
        self.sync_redis_cpu(now);
        self.redis.cpu.poll_gap_us()
    }

    /// The CPU model takes the parked workers (production's idle pollers)
    /// from `now`; nothing is solved again unless their number changed.
    pub(super) fn sync_redis_cpu(&mut self, now: SimTime) {
        let idle = self.workers.parked_now();
        self.redis.cpu.set_idle(now, idle);
    }

    /// `command` runs at Redis now: its CPU counts (not while Redis is down).
    pub(super) fn charge_redis(&mut self, command: RedisCommand) {
        if !self.is_redis_down() {
            self.redis.cpu.charge(command);
        }
    }

    /// Ends the CPU model's window at `now` (a sample): the microseconds
    /// Redis was busy in it.
    pub(super) fn redis_busy_since_last_sample(&mut self, now: SimTime) -> u64 {
        self.sync_redis_cpu(now);
        self.redis.cpu.end_window(now)
    }

    fn is_redis_down(&self) -> bool {
        self.redis.is_down()
    }

    /// `redis_outage` begins: every command fails; idle workers poll in a
    /// loop, so they hit the outage at once.
    pub(super) fn redis_outage_begins(&mut self, now: SimTime) {
        self.redis.outages += 1;
        self.wake_all_parked(now);
    }

    /// `redis_restart_empty` begins: an outage, and Redis comes back
    /// without its data. The entries never delivered are lost with it.
    pub(super) fn redis_restart_empty_begins(&mut self, now: SimTime) {
        self.redis_outage_begins(now);
        for body in self.redis.stream.restart_empty() {
            self.rec.detector_failed(body.visit);
        }
    }

    /// A Redis outage (or empty restart) ends: commands succeed again.
    pub(super) fn redis_outage_ends(&mut self) {
        self.redis.outages = self.redis.outages.saturating_sub(1);
    }

    /// `stream_trim`: `XTRIM MAXLEN maxlen`; the entries never delivered
    /// that it removes are never processed.
    pub(super) fn stream_trimmed(&mut self, maxlen: u64) {
        for body in self.redis.stream.xtrim_maxlen(maxlen) {
            self.rec.detector_failed(body.visit);
        }
    }
}
