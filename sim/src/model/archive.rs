//! The alert archive's ingester: a Deployment of consumers in group
//! `alertdb-ingester`, scaled by KEDA's ScaledObject through the HPA
//! (`alertsim_core::scaled_object`), archiving every alert it reads.
//!
//! How it is modelled:
//! - **The group reads as one FIFO** at `replica_alerts_per_s` per running
//!   replica (never more replicas than partitions), one fetch latency after
//!   an alert was acknowledged. Partition skew is not modelled.
//! - **The HPA syncs every `hpa_sync_period_s`** on KEDA's kafka-trigger
//!   lag: alerts written but not committed. The ingester commits every
//!   `commit_interval` alerts per replica, so what a replica has read since
//!   its last commit still counts as lag.
//! - **A new replica runs `pod_start_s` after the scale-up**; each join or
//!   leave rebalances the group, which reads nothing for `rebalance_s` and
//!   then re-reads every alert read since the last commits (aiokafka
//!   without auto-commit restarts a reassigned partition at its committed
//!   offset): counted as `rereads`, their time taken from the group.
//! - **A `kafka_redeploy`** stops it from the redeploy's start until
//!   `rejoin_s` after its Kafka step (it runs inside the cluster, not
//!   through the ingress); its HPA cannot read the metric meanwhile and
//!   changes nothing. With `data_lost` the alerts it had not archived are
//!   gone, and so are its offsets: with `latest` it skips what was written
//!   before it rejoined. Both are the archive's gaps after a redeploy.
//! - **Retention**: an alert it reaches after `kafka.retention_s` is a gap
//!   (`kafka.retention_bytes`, unset in production, is not applied here:
//!   the archive is never far enough behind for it to matter).
//!
//! The model steps itself: the engine hands it each acknowledged batch and
//! the time ([`ArchiveIngester::advance_to`]), and at the run's end it
//! steps its syncs alone until it has archived everything
//! ([`ArchiveIngester::drain`]), since no input can arrive any more.

use std::collections::VecDeque;
use std::time::Duration;

use alertsim_core::scaled_object::{
    Hpa, HpaSettings, KafkaTrigger, OffsetResetPolicy, PartitionOffsets, ScalingRules, total_lag,
};
use alertsim_scenarios::{Archive, Fault, Kafka, OffsetReset};

use crate::model::kafka::BatchOutcome;
use crate::time::{SimDuration, SimTime};

/// What the archive did over a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArchiveTotals {
    /// Alerts archived.
    pub archived: u64,
    /// Acknowledged alerts never archived (every cause).
    pub gaps: u64,
    /// Of the gaps, those a redeploy that deleted the volumes caused.
    pub gaps_after_redeploy: u64,
    /// Alerts read again after a rebalance (archived twice).
    pub rereads: u64,
    /// The most replicas it ran.
    pub max_replicas: u32,
    /// Replica-seconds (the Deployment's spec count over time).
    pub replica_s: f64,
    /// Times the HPA scaled it up or down.
    pub scale_ups: u32,
    /// Times it was scaled down.
    pub scale_downs: u32,
    /// The largest lag the trigger reported.
    pub max_lag: u64,
}

/// One acknowledged batch not yet wholly archived.
#[derive(Debug, Clone, Copy)]
struct Pending {
    batch: BatchOutcome,
    /// The next alert of the batch to read.
    next: u32,
    readout_end: SimTime,
}

/// A time the ingester is cut off from Kafka.
#[derive(Debug, Clone, Copy)]
struct Away {
    from: SimTime,
    until: SimTime,
    data_lost: bool,
}

/// The ingester's state across the run.
#[derive(Debug)]
pub struct ArchiveIngester {
    per_replica_alerts_per_s: f64,
    fetch: SimDuration,
    pod_start: SimDuration,
    rebalance: SimDuration,
    retention: SimDuration,
    commit_interval: u32,
    partitions: u32,
    trigger: KafkaTrigger,
    reset: OffsetReset,
    sync_period: SimDuration,
    hpa: Hpa,
    /// When each replica's pod runs (the Deployment's count is its length).
    pods: Vec<SimTime>,
    /// The group reads nothing in these windows (rebalances).
    pauses: Vec<(SimTime, SimTime)>,
    away: Vec<Away>,
    /// Index into `away` of the next data loss not yet applied.
    next_loss: usize,
    /// No committed offset since a redeploy deleted them (until the next
    /// commit).
    without_offsets: bool,
    queue: VecDeque<Pending>,
    /// When the group is done with the alert it last read.
    free_at: SimTime,
    /// Per replica slot: alerts read since its last commit.
    since_commit: Vec<u32>,
    next_slot: usize,
    next_sync: SimTime,
    last_sync: SimTime,
    totals: ArchiveTotals,
}

/// The most syncs [`ArchiveIngester::drain`] runs (30 days of 15 s syncs):
/// a guard against an ingester that can never finish.
const MAX_DRAIN_SYNCS: u32 = 30 * 24 * 240;

impl ArchiveIngester {
    /// The ingester of `archive`, on the topic of `kafka`, meeting every
    /// `kafka_redeploy` among `faults`; `None` when disabled.
    pub fn new(archive: &Archive, kafka: &Kafka, faults: &[Fault]) -> Option<Self> {
        if !archive.enabled {
            return None;
        }
        let mut away: Vec<Away> = faults
            .iter()
            .filter_map(|f| match f {
                Fault::KafkaRedeploy { data_lost, .. } => {
                    let (from, _) = f.window_s();
                    let (kafka_step, _) = f.redeploy_milestones_s()?;
                    Some(Away {
                        from: SimTime::from_secs_f64(from),
                        until: SimTime::from_secs_f64(from + kafka_step + archive.rejoin_s),
                        data_lost: *data_lost,
                    })
                }
                _ => None,
            })
            .collect();
        away.sort_by_key(|a| a.from);
        let offset_reset = match archive.offset_reset {
            OffsetReset::Latest => OffsetResetPolicy::Latest,
            OffsetReset::Earliest => OffsetResetPolicy::Earliest,
        };
        let mut trigger = KafkaTrigger::new(archive.lag_threshold, offset_reset);
        trigger.activation_lag_threshold = archive.activation_lag_threshold;
        let hpa = Hpa::new(
            HpaSettings {
                sync_period: Duration::from_secs_f64(archive.hpa_sync_period_s),
                tolerance: archive.hpa_tolerance,
                downscale_stabilization: Duration::from_secs_f64(
                    archive.hpa_downscale_stabilization_s,
                ),
            },
            ScalingRules {
                min_replicas: archive.min_replicas,
                max_replicas: archive.max_replicas,
                target_per_replica: archive.lag_threshold as f64,
            },
            Duration::ZERO,
            archive.min_replicas,
        );
        let sync_period = SimDuration::from_secs_f64(archive.hpa_sync_period_s);
        let replicas = archive.min_replicas as usize;
        Some(ArchiveIngester {
            per_replica_alerts_per_s: archive.replica_alerts_per_s,
            fetch: SimDuration::from_secs_f64(archive.fetch_latency_ms / 1000.0),
            pod_start: SimDuration::from_secs_f64(archive.pod_start_s),
            rebalance: SimDuration::from_secs_f64(archive.rebalance_s),
            retention: SimDuration::from_secs_f64(kafka.retention_s),
            commit_interval: archive.commit_interval.max(1),
            partitions: kafka.partitions.max(1),
            trigger,
            reset: archive.offset_reset,
            sync_period,
            hpa,
            // Running since before the night.
            pods: vec![SimTime::ZERO; replicas],
            pauses: Vec::new(),
            away,
            next_loss: 0,
            without_offsets: false,
            queue: VecDeque::new(),
            free_at: SimTime::ZERO,
            since_commit: vec![0; replicas],
            next_slot: 0,
            next_sync: SimTime::ZERO + sync_period,
            last_sync: SimTime::ZERO,
            totals: ArchiveTotals {
                max_replicas: archive.min_replicas,
                ..ArchiveTotals::default()
            },
        })
    }

    /// The batch's acknowledged alerts are on the topic, for a visit read
    /// out at `readout_end`.
    pub fn written(&mut self, batch: &BatchOutcome, readout_end: SimTime) {
        if batch.delivered > 0 {
            self.queue.push_back(Pending {
                batch: *batch,
                next: 0,
                readout_end,
            });
        }
    }

    /// Runs every sync due by `now`; `archived(at, acked, readout_end)`
    /// is called for each alert archived.
    pub fn advance_to(
        &mut self,
        now: SimTime,
        archived: &mut impl FnMut(SimTime, SimTime, SimTime),
    ) {
        while self.next_sync <= now {
            let at = self.next_sync;
            self.read_until(at, archived);
            self.sync(at);
            self.next_sync = at + self.sync_period;
        }
    }

    /// After the run's last input: syncs until everything is archived (or
    /// lost); returns the time the last sync ran.
    pub fn drain(&mut self, archived: &mut impl FnMut(SimTime, SimTime, SimTime)) -> SimTime {
        for _ in 0..MAX_DRAIN_SYNCS {
            if self.queue.is_empty() {
                break;
            }
            let at = self.next_sync;
            self.advance_to(at, archived);
        }
        // What could not be archived in that time is a gap too.
        let left: u64 = self
            .queue
            .drain(..)
            .map(|p| u64::from(p.batch.delivered - p.next))
            .sum();
        self.totals.gaps += left;
        self.last_sync
    }

    /// What it did.
    pub fn totals(&self) -> &ArchiveTotals {
        &self.totals
    }

    /// Replicas as the Deployment's spec says now.
    pub fn replicas(&self) -> u32 {
        self.pods.len() as u32
    }

    /// Reads the queue in order until `until`.
    fn read_until(&mut self, until: SimTime, archived: &mut impl FnMut(SimTime, SimTime, SimTime)) {
        self.apply_losses(until);
        while let Some(p) = self.queue.front_mut() {
            let acked = p.batch.outcome_at(p.next);
            let readout_end = p.readout_end;
            let mut start = (acked + self.fetch).max(self.free_at);
            let mut lost = false;
            let mut after_redeploy = false;
            for away in &self.away {
                if start < away.from || start >= away.until {
                    continue;
                }
                if away.data_lost && self.reset == OffsetReset::Latest && acked < away.until {
                    // Rejoined without offsets: it starts at the end.
                    lost = true;
                    after_redeploy = true;
                    break;
                }
                start = away.until;
            }
            if !lost {
                start = self.after_pauses(start);
                if start > acked + self.retention {
                    lost = true;
                }
            }
            if lost {
                self.totals.gaps += 1;
                if after_redeploy {
                    self.totals.gaps_after_redeploy += 1;
                }
            } else {
                let Some((running, per_alert)) = self.rate_at(start) else {
                    break;
                };
                let done = start + per_alert;
                if done > until {
                    break;
                }
                self.free_at = done;
                self.totals.archived += 1;
                self.count_commit(running);
                archived(done, acked, readout_end);
            }
            let p = self.queue.front_mut().expect("front exists");
            p.next += 1;
            if p.next >= p.batch.delivered {
                self.queue.pop_front();
            }
        }
    }

    /// A redeploy that deleted the volumes, reached by `until`: every
    /// alert written before it and not archived is gone, with the offsets.
    fn apply_losses(&mut self, until: SimTime) {
        while let Some(away) = self.away.get(self.next_loss).copied() {
            if away.from > until {
                break;
            }
            self.next_loss += 1;
            if !away.data_lost {
                continue;
            }
            let mut gone = 0u64;
            for p in self.queue.iter_mut() {
                while p.next < p.batch.delivered && p.batch.outcome_at(p.next) < away.from {
                    p.next += 1;
                    gone += 1;
                }
            }
            self.queue.retain(|p| p.next < p.batch.delivered);
            self.totals.gaps += gone;
            self.totals.gaps_after_redeploy += gone;
            self.since_commit.iter_mut().for_each(|n| *n = 0);
            self.without_offsets = true;
        }
    }

    /// The first time from `start` the group is not rebalancing.
    fn after_pauses(&self, mut start: SimTime) -> SimTime {
        for &(from, until) in &self.pauses {
            if start >= from && start < until {
                start = until;
            }
        }
        start
    }

    /// Replicas running at `start` (at most one per partition) and the
    /// time one alert takes the group then; `None` while none runs.
    fn rate_at(&self, start: SimTime) -> Option<(usize, SimDuration)> {
        let running = self.pods.iter().filter(|&&ready| ready <= start).count();
        let readers = running.min(self.partitions as usize);
        if readers == 0 {
            return None;
        }
        let rate = self.per_replica_alerts_per_s * readers as f64;
        Some((readers, SimDuration::from_secs_f64(1.0 / rate)))
    }

    /// One more alert read by the next replica in turn; a replica commits
    /// every `commit_interval`.
    fn count_commit(&mut self, running: usize) {
        let slot = self.next_slot % running.max(1);
        self.next_slot = slot + 1;
        let n = &mut self.since_commit[slot];
        *n += 1;
        if *n >= self.commit_interval {
            *n = 0;
            self.without_offsets = false;
        }
    }

    /// The trigger's lag at `at`: alerts written by then and not committed.
    fn lag_at(&self, at: SimTime) -> u64 {
        let unread: u64 = self
            .queue
            .iter()
            .map(|p| {
                let b = &p.batch;
                if b.first > at {
                    return 0;
                }
                let by_then = match (at.0 - b.first.0).checked_div(b.step.0) {
                    Some(k) => u32::try_from(k + 1).unwrap_or(u32::MAX).min(b.delivered),
                    // Every alert of the batch acknowledged at once.
                    None => b.delivered,
                };
                u64::from(by_then.saturating_sub(p.next))
            })
            .sum();
        let uncommitted: u64 = self.since_commit.iter().map(|&n| u64::from(n)).sum();
        unread + uncommitted
    }

    /// One HPA sync at `at`.
    fn sync(&mut self, at: SimTime) {
        let dt = at.saturating_since(self.last_sync).as_secs_f64();
        self.totals.replica_s += dt * self.pods.len() as f64;
        self.last_sync = at;
        let current = self.replicas();
        let cut_off = self
            .away
            .iter()
            .any(|a| at >= a.from && at < a.until.max(a.from));
        let desired = if cut_off {
            self.hpa.metric_unavailable(current)
        } else {
            let lag = self.lag_at(at);
            let partitions = self.partitions_view(lag);
            let metric = total_lag(&partitions, &self.trigger);
            self.totals.max_lag = self.totals.max_lag.max(metric.lag);
            self.hpa
                .sync(Duration::from_micros(at.0), current, metric.lag as f64)
        };
        if desired == current {
            return;
        }
        if desired > current {
            self.totals.scale_ups += 1;
            let ready = at + self.pod_start;
            for _ in current..desired {
                self.pods.push(ready);
                self.since_commit.push(0);
            }
            self.rebalance_at(ready);
        } else {
            self.totals.scale_downs += 1;
            self.pods.truncate(desired as usize);
            self.rebalance_at(at);
            self.since_commit.truncate(desired as usize);
        }
        self.totals.max_replicas = self.totals.max_replicas.max(desired);
    }

    /// The group rebalances at `at`: it reads nothing for `rebalance_s`,
    /// then re-reads what its members had read since their last commits.
    fn rebalance_at(&mut self, at: SimTime) {
        let end = at + self.rebalance;
        let reread: u64 = self.since_commit.iter().map(|&n| u64::from(n)).sum();
        self.since_commit.iter_mut().for_each(|n| *n = 0);
        self.totals.rereads += reread;
        self.pauses.retain(|&(_, until)| until > self.free_at);
        self.pauses.push((at, end));
        if reread > 0 {
            let readers = self.pods.len().min(self.partitions as usize).max(1);
            let busy = reread as f64 / (self.per_replica_alerts_per_s * readers as f64);
            self.free_at = self.free_at.max(end) + SimDuration::from_secs_f64(busy);
        }
    }

    /// The topic's partitions as the trigger reads them: the lag spread
    /// evenly, or no committed offset anywhere after the offsets were lost.
    fn partitions_view(&self, lag: u64) -> Vec<PartitionOffsets> {
        let n = u64::from(self.partitions);
        (0..n)
            .map(|i| {
                let share = lag / n + u64::from(i < lag % n);
                PartitionOffsets {
                    latest: share,
                    committed: (!self.without_offsets).then_some(0),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` alerts acknowledged `gap_us` apart from `first_s`.
    fn batch(first_s: f64, n: u32, gap_us: u64) -> BatchOutcome {
        let first = SimTime::from_secs_f64(first_s);
        let step = SimDuration(gap_us);
        BatchOutcome {
            first,
            step,
            delivered: n,
            failed: 0,
            done: first + step.times(u64::from(n)),
        }
    }

    fn archive() -> Archive {
        Archive {
            fetch_latency_ms: 0.0,
            ..Archive::default()
        }
    }

    fn run(
        ingester: &mut ArchiveIngester,
        batches: &[(f64, BatchOutcome)],
    ) -> (u64, SimTime, Vec<u32>) {
        let mut n = 0;
        let mut last = SimTime::ZERO;
        let mut replicas = Vec::new();
        let mut seen = |at: SimTime, _: SimTime, _: SimTime| {
            n += 1;
            last = last.max(at);
        };
        for (at_s, b) in batches {
            ingester.advance_to(SimTime::from_secs_f64(*at_s), &mut seen);
            replicas.push(ingester.replicas());
            ingester.written(b, b.first);
        }
        ingester.drain(&mut seen);
        (n, last, replicas)
    }

    /// 300 alerts at once: one replica at 30/s would take 10 s, well
    /// within a sync period, and the lag seen at 15 s is only what is
    /// uncommitted, so it stays at one replica.
    #[test]
    fn a_small_batch_is_archived_by_the_one_replica() {
        let mut a = ArchiveIngester::new(&archive(), &Kafka::default(), &[]).unwrap();
        let (n, last, _) = run(&mut a, &[(1.0, batch(1.0, 300, 0))]);
        assert_eq!(n, 300);
        assert_eq!(a.totals().gaps, 0);
        assert_eq!(a.totals().max_replicas, 1);
        assert!(last <= SimTime::from_secs_f64(11.1), "done at {last:?}");
    }

    /// 20,000 alerts at once: the HPA doubles the replicas each sync up to
    /// 20 and the burst is archived far sooner than one replica's 667 s.
    #[test]
    fn a_burst_scales_the_ingester_out_to_its_maximum() {
        let mut a = ArchiveIngester::new(&archive(), &Kafka::default(), &[]).unwrap();
        let (n, last, _) = run(&mut a, &[(1.0, batch(1.0, 20_000, 0))]);
        assert_eq!(n, 20_000);
        assert_eq!(a.totals().max_replicas, 20);
        assert!(a.totals().scale_ups >= 3, "1 → 4 → 8 → 16 → 20");
        assert!(last < SimTime::from_secs_f64(200.0), "done at {last:?}");
        assert!(a.totals().rereads > 0, "each join rebalances the group");
    }

    /// The same burst with the maximum at 1: it takes one replica's time.
    #[test]
    fn without_room_to_scale_one_replica_takes_its_time() {
        let one = Archive {
            max_replicas: 1,
            ..archive()
        };
        let mut a = ArchiveIngester::new(&one, &Kafka::default(), &[]).unwrap();
        let (_, last, _) = run(&mut a, &[(1.0, batch(1.0, 20_000, 0))]);
        assert!(last >= SimTime::from_secs_f64(667.0), "done at {last:?}");
        assert_eq!(a.totals().scale_ups, 0);
    }

    fn redeploy(data_lost: bool) -> Fault {
        // From 100 s; Kafka back at 100 + 30 = 130 s; ingress at 200 s.
        Fault::KafkaRedeploy {
            at_s: 100.0,
            controller_pool_s: 10.0,
            broker_pool_s: 10.0,
            kafka_s: 10.0,
            registry_operator_s: 10.0,
            registry_s: 10.0,
            ingress_s: 50.0,
            data_lost,
        }
    }

    /// 6,000 alerts at 90 s (one replica, 200 s of work; the HPA cannot
    /// scale them all away before 100 s), then 300 written at 131..134 s,
    /// after the Kafka step and before the ingester rejoins at 140 s.
    /// Volumes kept: everything archived. Deleted: the unarchived rest of
    /// the burst and the 300 are gaps after the redeploy.
    #[test]
    fn a_redeploy_that_deletes_the_volumes_leaves_gaps_in_the_archive() {
        let batches = [
            (90.0, batch(90.0, 6000, 0)),
            (131.0, batch(131.0, 300, 10_000)),
        ];
        let mut kept =
            ArchiveIngester::new(&archive(), &Kafka::default(), &[redeploy(false)]).unwrap();
        let (n, _, _) = run(&mut kept, &batches);
        assert_eq!((n, kept.totals().gaps), (6300, 0));

        let mut lost =
            ArchiveIngester::new(&archive(), &Kafka::default(), &[redeploy(true)]).unwrap();
        let (n, _, _) = run(&mut lost, &batches);
        let t = lost.totals();
        assert_eq!(n + t.gaps, 6300);
        assert!(t.gaps > 300, "the burst's rest and the 300: {t:?}");
        assert_eq!(t.gaps, t.gaps_after_redeploy);
    }
}
