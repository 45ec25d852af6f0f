//! The faults that act on the brokers, as the publisher meets them: brokers
//! down (`broker_outage`, `kafka_redeploy`) with the partitions they leave
//! under `min.insync.replicas`, slow brokers, writes rejected, partitions
//! without a leader, a stalled broker; and the partitions' placement that
//! moves with them (each broker's share of the delivered bytes).

use std::collections::BTreeSet;

use alertsim_scenarios::Stall;

use super::Publishing;
use crate::model::leadership;
use crate::model::placement::BrokerBytes;
use crate::time::SimTime;

/// The fault number under which the partitions left with fewer live
/// replicas than `min.insync.replicas` are held (no scenario has that many
/// faults).
const UNDER_REPLICATED: u32 = u32::MAX;

impl Publishing {
    fn set_brokers_up(&mut self) {
        let up = self.brokers.saturating_sub(self.brokers_down);
        self.kafka.set_brokers_up(up);
    }

    /// `broker_outage` (fault `fault`) begins: `brokers` brokers go down,
    /// the highest ids among those up (fewer when fewer are up).
    pub(in crate::engine) fn brokers_lost(&mut self, fault: u32, brokers: u32) {
        self.brokers_down += brokers;
        self.set_brokers_up();
        let mut taken = Vec::new();
        for b in (0..self.brokers).rev() {
            if taken.len() as u32 == brokers {
                break;
            }
            if !self.outages.iter().any(|(_, down)| down.contains(&b)) {
                taken.push(b);
            }
        }
        for &b in &taken {
            self.placed.broker_down(b);
        }
        self.outages.push((fault, taken));
        self.hold_under_replicated();
    }

    fn down(&self, broker: u32) -> bool {
        self.outages.iter().any(|(_, down)| down.contains(&broker))
    }

    /// Partitions whose replicas up are fewer than `min.insync.replicas`
    /// take no acks=all write (NOT_ENOUGH_REPLICAS, retried by librdkafka
    /// until the delivery timeout) while the outage lasts: with 2 of 5
    /// brokers down, the partitions that had both among their 3 replicas.
    /// Held only while the cluster as a whole still takes writes (the
    /// cluster model fails every write otherwise, as before).
    fn hold_under_replicated(&mut self) {
        self.kafka.leadership.restore(UNDER_REPLICATED);
        let up = self.brokers.saturating_sub(self.brokers_down);
        let cluster_takes_writes = up > 0 && self.replication.min(up) >= self.min_insync.max(1);
        if !cluster_takes_writes {
            return;
        }
        let placement = self.placed.placement();
        let short: BTreeSet<u32> = (0..placement.partitions())
            .filter(|&p| {
                let live = placement
                    .replicas(p)
                    .iter()
                    .filter(|&&b| !self.down(b))
                    .count() as u32;
                live < self.min_insync.max(1)
            })
            .collect();
        if !short.is_empty() {
            // Held until the brokers come back (recomputed then).
            let never = SimTime(u64::MAX / 4);
            self.kafka.leadership.lose(UNDER_REPLICATED, short, never);
        }
    }

    /// `kafka_redeploy` (fault `fault`) begins: every broker goes down
    /// until the ingress is back. `broker_disk_full` too: every broker
    /// halts until its disk has room.
    pub(in crate::engine) fn cluster_lost(&mut self, fault: u32) {
        self.brokers_lost(fault, self.brokers);
    }

    /// A broker outage (fault `fault`) ends at `now`: `brokers` brokers
    /// come back.
    pub(in crate::engine) fn brokers_back(&mut self, fault: u32, brokers: u32, now: SimTime) {
        self.brokers_down = self.brokers_down.saturating_sub(brokers);
        self.set_brokers_up();
        if let Some(i) = self.outages.iter().position(|(f, _)| *f == fault) {
            let (_, back) = self.outages.remove(i);
            for b in back {
                self.placed.broker_up(b, now);
            }
        }
        self.hold_under_replicated();
    }

    /// `kafka_redeploy` or `broker_disk_full` (fault `fault`) ends: the
    /// cluster is back.
    pub(in crate::engine) fn cluster_back(&mut self, fault: u32, now: SimTime) {
        self.brokers_back(fault, self.brokers, now);
    }

    /// `broker_stalled` (fault `fault`) begins at `now` and lasts until
    /// `until`. A stalled follower (`Stall::Follower`) holds the writes to
    /// the partitions it follows until the leader drops it from the ISR
    /// after `replica.lag.time.max.ms` (or the stall ends, if sooner); the
    /// partitions it leads are served as before. A stopped process
    /// (`Stall::Process`) is fenced by the controller after the broker
    /// session timeout: until then the partitions it leads have no
    /// reachable leader and those it follows hold their writes; from then
    /// it is in no ISR and leads nothing (an election). Either way, a
    /// partition whose ISR without it is below `min.insync.replicas` takes
    /// no write for the whole stall. A broker down already is not in any
    /// ISR: its stall changes nothing.
    pub(in crate::engine) fn broker_stalls(
        &mut self,
        fault: u32,
        stalled: (u32, Stall),
        now: SimTime,
        until: SimTime,
    ) {
        let (broker, stall) = stalled;
        if self.down(broker) {
            return;
        }
        let (dropped, led) = match stall {
            Stall::Follower => (until.min(now + self.replica_lag), Vec::new()),
            Stall::Process => {
                let fenced = until.min(now + self.session_timeout.min(self.replica_lag));
                (fenced, self.placed.led_by(broker).into_iter().collect())
            }
        };
        let (mut short, mut held) = (Vec::new(), Vec::new());
        for p in self.placed.followed_by(broker).into_iter().chain(led) {
            let in_sync_left = self
                .placed
                .placement()
                .replicas(p)
                .iter()
                .filter(|&&b| b != broker && !self.down(b))
                .count() as u32;
            if in_sync_left >= self.min_insync.max(1) {
                held.push(p);
            } else {
                short.push(p);
            }
        }
        let lose = &mut self.kafka.leadership;
        lose.lose(fault, short.into_iter().collect(), until);
        lose.lose(fault, held.into_iter().collect(), dropped);
        self.placed.set_stalled(broker, true);
    }

    /// `broker_stalled` (fault `fault`) ends: the broker fetches again and
    /// rejoins the ISRs (its catch-up is not modelled).
    pub(in crate::engine) fn broker_resumes(&mut self, fault: u32, broker: u32) {
        if self.kafka.leadership.restore(fault) {
            self.placed.set_stalled(broker, false);
        }
    }

    /// The bytes each broker took and sent so far, by broker id.
    pub(in crate::engine) fn broker_bytes(&self) -> &[BrokerBytes] {
        self.placed.bytes()
    }

    /// `broker_slow` begins: added latency, less bandwidth.
    pub(in crate::engine) fn brokers_slow_down(
        &mut self,
        added_latency_ms: f64,
        bandwidth_factor: f64,
    ) {
        self.kafka
            .health
            .slow_down(added_latency_ms, bandwidth_factor);
    }

    /// `broker_slow` ends.
    pub(in crate::engine) fn brokers_speed_up(
        &mut self,
        added_latency_ms: f64,
        bandwidth_factor: f64,
    ) {
        self.kafka
            .health
            .speed_up(added_latency_ms, bandwidth_factor);
    }

    /// `network_partition` begins: writes are rejected.
    pub(in crate::engine) fn writes_blocked(&mut self) {
        self.kafka.health.block_writes();
    }

    /// `network_partition` ends.
    pub(in crate::engine) fn writes_unblocked(&mut self) {
        self.kafka.health.unblock_writes();
    }

    /// `partition_leadership_lost` (fault `fault`) begins: `count`
    /// partitions, drawn from the seed, have no leader until `until`.
    pub(in crate::engine) fn leaders_lost(&mut self, fault: u32, count: u32, until: SimTime) {
        let chosen = leadership::choose(self.partitions, count, &mut self.partition_rng);
        self.kafka.leadership.lose(fault, chosen, until);
    }

    /// `partition_leadership_lost` (fault `fault`) ends: leaders are elected.
    pub(in crate::engine) fn leaders_elected(&mut self, fault: u32) {
        self.kafka.leadership.restore(fault);
    }
}
