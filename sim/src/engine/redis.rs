//! Redis as the engine runs it: the stream model, the latency of each
//! command, and the faults that act on Redis: an outage (every command
//! fails until it ends), a restart without data (an outage that also
//! loses the stream), and a trim of the stream.

use alertsim_core::scaler::lag::{GroupInfo, StreamSnapshot};
use rand_chacha::ChaCha8Rng;

use super::Engine;
use crate::model::redis::RedisStream;
use crate::rng::{Stream, stream};
use crate::time::{SimDuration, SimTime};

/// The stream and whether Redis answers.
pub(super) struct Redis {
    stream: RedisStream,
    /// Redis outages under way (they may overlap).
    outages: u32,
    rng: ChaCha8Rng,
}

impl Redis {
    /// A new stream with its consumer group, Redis up.
    pub(super) fn new(seed: u64) -> Self {
        Redis {
            stream: RedisStream::new(),
            outages: 0,
            rng: stream(seed, Stream::Redis),
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
    /// How long one command takes to reach Redis, drawn from the scenario.
    pub(super) fn command_latency(&mut self) -> SimDuration {
        let ms = self.s.redis.command_latency_ms.sample(&mut self.redis.rng);
        SimDuration::from_secs_f64(ms / 1000.0)
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
