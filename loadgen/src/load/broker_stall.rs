//! `broker_stalled` done to a local Apache Kafka cluster: one broker,
//! chosen from the seed among those serving (never more than brokers −
//! min ISR down at once), is stopped with SIGSTOP for the fault's length
//! and continued with SIGCONT. While it is stopped the topic's metadata is
//! asked of the other brokers every half second, and the fault's note says
//! when the broker stopped being listed (fenced), when the first and the
//! last ISR it was in shrank without it, and when every partition it led
//! had a live leader, and quotes the controller's log line fencing it.
//!
//! What this shows of Kafka 4.1 in KRaft mode: a stopped process sends no
//! heartbeat to the controller, which fences it once
//! `broker.session.timeout.ms` (9 s by default) has passed since the last
//! one, and fencing removes it from every ISR and moves its leaderships
//! (`ReplicationControlManager.handleBrokerFenced`). So a whole-process
//! stall ends for the writers after about that long, whatever
//! `replica.lag.time.max.ms` is: that setting governs a follower whose
//! process is alive and heartbeating but whose fetches lag.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::cluster_faults::{Shared, blocking};
use super::state::RunState;
use crate::kafka_cluster::{KafkaCluster, TopicMetadata, topic_metadata};

/// How often the topic's metadata is read while the broker is stopped.
const POLL: Duration = Duration::from_millis(500);
/// Kafka's default `broker.session.timeout.ms` (`KRaftConfigs`).
pub const SESSION_TIMEOUT_MS_DEFAULT: u64 = 9_000;

/// The broker that the scenario's broker `broker` stalls here: the
/// serving brokers in an order shuffled from the seed, the `broker`-th of
/// them (modulo their count), so that stalls of different scenario
/// brokers meet different brokers where they can. `None`: none serves.
pub fn choose(seed: u64, ids: &[i32], down: &[i32], broker: u32) -> Option<i32> {
    let mut order = ids.to_vec();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x7374_616c);
    order.shuffle(&mut rng);
    let serving: Vec<i32> = order.into_iter().filter(|id| !down.contains(id)).collect();
    if serving.is_empty() {
        return None;
    }
    let i = usize::try_from(broker).unwrap_or(0) % serving.len();
    Some(serving[i])
}

/// What the polls saw of one stalled broker, in seconds from its SIGSTOP.
#[derive(Debug, Clone, PartialEq)]
pub struct StallSeen {
    /// The stalled broker.
    pub broker: i32,
    /// Partitions whose ISR held it when it stopped.
    pub in_isr: BTreeSet<i32>,
    /// Partitions it led when it stopped.
    pub led: BTreeSet<i32>,
    /// Metadata answers read.
    pub answers: u32,
    /// When metadata first no longer listed it (KRaft lists no fenced broker).
    pub unlisted_s: Option<f64>,
    /// When the first of `in_isr` had an ISR without it.
    pub first_shrink_s: Option<f64>,
    /// When every partition of `in_isr` it did not lead (it followed) had
    /// an ISR without it: a leader drops a lagging follower itself.
    pub followed_shrunk_s: Option<f64>,
    /// When every one of `in_isr` had an ISR without it.
    pub isr_shrunk_s: Option<f64>,
    /// When every one of `led` had a live leader other than it.
    pub leaders_moved_s: Option<f64>,
    /// The smallest ISR seen among `in_isr`.
    pub min_isr: Option<usize>,
}

impl StallSeen {
    /// The broker's partitions as `before` (read just before it stopped) has them.
    pub fn new(broker: i32, before: &TopicMetadata) -> Self {
        let in_isr = before
            .partitions
            .iter()
            .filter(|(_, s)| s.isr.contains(&broker))
            .map(|(p, _)| *p)
            .collect();
        let led = before
            .partitions
            .iter()
            .filter(|(_, s)| s.leader == broker)
            .map(|(p, _)| *p)
            .collect();
        StallSeen {
            broker,
            in_isr,
            led,
            answers: 0,
            unlisted_s: None,
            first_shrink_s: None,
            followed_shrunk_s: None,
            isr_shrunk_s: None,
            leaders_moved_s: None,
            min_isr: None,
        }
    }

    /// Takes one metadata answer read `t_s` after the stop.
    pub fn observe(&mut self, t_s: f64, now: &TopicMetadata) {
        if now.partitions.is_empty() {
            return;
        }
        self.answers += 1;
        if !now.brokers.contains(&self.broker) {
            self.unlisted_s.get_or_insert(t_s);
        }
        let mine: Vec<_> = self
            .in_isr
            .iter()
            .filter_map(|p| now.partitions.get(p))
            .collect();
        let without = mine
            .iter()
            .filter(|s| !s.isr.contains(&self.broker))
            .count();
        if without > 0 {
            self.first_shrink_s.get_or_insert(t_s);
        }
        if !self.in_isr.is_empty() && without == self.in_isr.len() {
            self.isr_shrunk_s.get_or_insert(t_s);
        }
        let followed = self
            .in_isr
            .difference(&self.led)
            .filter_map(|p| now.partitions.get(p));
        if followed.clone().count() > 0 && followed.clone().all(|s| !s.isr.contains(&self.broker)) {
            self.followed_shrunk_s.get_or_insert(t_s);
        }
        if let Some(smallest) = mine.iter().map(|s| s.isr.len()).min() {
            self.min_isr = Some(self.min_isr.map_or(smallest, |m| m.min(smallest)));
        }
        let moved = self
            .led
            .iter()
            .filter_map(|p| now.partitions.get(p))
            .filter(|s| s.leader >= 0 && s.leader != self.broker)
            .count();
        if moved == self.led.len() {
            self.leaders_moved_s.get_or_insert(t_s);
        }
    }

    /// What was seen, in words; `lag_ms` and `session_ms` are the
    /// cluster's `replica.lag.time.max.ms` and `broker.session.timeout.ms`.
    pub fn describe(&self, lag_ms: u64, session_ms: u64) -> String {
        let at = |s: Option<f64>, what: &str, never: &str| {
            s.map_or_else(|| never.to_owned(), |s| format!("{what} {s:.1} s"))
        };
        let fenced = at(
            self.unlisted_s,
            "no longer listed in metadata (fenced by the controller) after",
            "listed in metadata throughout (never fenced)",
        );
        let first = at(
            self.first_shrink_s,
            "the first ISR without it after",
            "no ISR without it",
        );
        let n_followed = self.in_isr.difference(&self.led).count();
        let followed = if n_followed == 0 {
            "it followed none".to_owned()
        } else {
            at(
                self.followed_shrunk_s,
                &format!("the ISRs of the {n_followed} partitions it followed without it after"),
                "some partition it followed still listed it at the end",
            )
        };
        let all = at(
            self.isr_shrunk_s,
            "every ISR without it after",
            "some ISR still listed it at the end",
        );
        let leaders = if self.led.is_empty() {
            "it led none".to_owned()
        } else {
            at(
                self.leaders_moved_s,
                "every partition it led had a live leader after",
                "some partition it led had no live leader at the end",
            )
        };
        let min_isr = self.min_isr.map_or("-".to_owned(), |n| n.to_string());
        let lag_s = lag_ms as f64 / 1000.0;
        let cause = match (self.unlisted_s, self.isr_shrunk_s, self.followed_shrunk_s) {
            (Some(fenced), _, Some(followed)) if followed + 0.25 < fenced => format!(
                "the partitions it followed shrank {:.1} s before the fencing: their leaders \
                 dropped it after replica.lag.time.max.ms ({lag_ms} ms); the ones it led \
                 waited for the fencing after broker.session.timeout.ms ({session_ms} ms)",
                fenced - followed
            ),
            (Some(fenced), Some(shrunk), _) if shrunk < lag_s => format!(
                "the ISRs shrank {:.1} s after the fencing, well before replica.lag.time.max.ms \
                 ({lag_ms} ms): a stopped process stops heartbeating and is fenced after \
                 broker.session.timeout.ms ({session_ms} ms)",
                shrunk - fenced
            ),
            _ => format!(
                "replica.lag.time.max.ms {lag_ms} ms, broker.session.timeout.ms {session_ms} ms"
            ),
        };
        format!(
            "broker {} was in {} ISRs and led {} partitions; {fenced}; {first}, {followed}, {all}; \
             {leaders}; \
             smallest ISR of its partitions {min_isr} ({} metadata answers); {cause}",
            self.broker,
            self.in_isr.len(),
            self.led.len(),
            self.answers
        )
    }
}

/// The cluster's `broker.session.timeout.ms`: an override, or Kafka's default.
fn session_timeout_ms(cluster: &KafkaCluster) -> u64 {
    cluster
        .config()
        .broker_overrides
        .iter()
        .find(|(k, _)| k == "broker.session.timeout.ms")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(SESSION_TIMEOUT_MS_DEFAULT)
}

/// Stalls the broker the scenario's `broker` maps to until `until_end`.
pub async fn run(
    state: &RunState,
    cluster: &Shared,
    broker: u32,
    until_end: impl std::future::Future<Output = ()>,
) -> Result<String, String> {
    let (infos, down, lag_ms, session_ms) = blocking(cluster, |c| {
        (
            c.brokers(),
            c.down_brokers(),
            c.config().replica_lag_time_max_ms,
            session_timeout_ms(c),
        )
    })
    .await?;
    let ids: Vec<i32> = infos.iter().map(|b| b.id).collect();
    let min_isr = usize::try_from(state.scenario.kafka.min_insync_replicas)
        .unwrap_or(2)
        .max(1);
    let most = ids.len().saturating_sub(min_isr);
    if down.len() >= most {
        return Err(format!(
            "not done: {} of {} brokers already down, and stalling one more would leave fewer \
             than min ISR {min_isr} serving",
            down.len(),
            ids.len()
        ));
    }
    let chosen = choose(state.scenario.seed, &ids, &down, broker)
        .ok_or_else(|| "not done: no broker is serving".to_owned())?;
    let pid = infos.iter().find(|b| b.id == chosen).and_then(|b| b.pid);
    // Asked of the others only: a request to the stopped broker hangs.
    let others = infos
        .iter()
        .filter(|b| b.id != chosen && !down.contains(&b.id))
        .map(|b| b.client.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let topic = state.endpoints.topic.clone();
    let before = {
        let (b, t) = (others.clone(), topic.clone());
        tokio::task::spawn_blocking(move || topic_metadata(&b, &t))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
    };
    let mut seen = StallSeen::new(chosen, &before);
    if !blocking(cluster, move |c| c.pause_broker(chosen))
        .await?
        .map_err(|e| e.to_string())?
    {
        return Err(format!("not done: broker {chosen} is not running"));
    }
    let stopped = Instant::now();
    tokio::pin!(until_end);
    loop {
        tokio::select! {
            () = &mut until_end => break,
            () = tokio::time::sleep(POLL) => {}
        }
        let (b, t) = (others.clone(), topic.clone());
        if let Ok(Ok(now)) = tokio::task::spawn_blocking(move || topic_metadata(&b, &t)).await {
            seen.observe(stopped.elapsed().as_secs_f64(), &now);
        }
    }
    let held_s = stopped.elapsed().as_secs_f64();
    let back = Instant::now();
    blocking(cluster, move |c| {
        c.resume_broker(chosen).map_err(|e| e.to_string())?;
        let all = c.broker_ids();
        c.wait_brokers(&all).map_err(|e| e.to_string())
    })
    .await??;
    let back_s = back.elapsed().as_secs_f64();
    let needle = format!("Fencing broker {chosen} ");
    let logged = blocking(cluster, move |c| c.controller_log_lines(&needle)).await?;
    let controller = logged
        .last()
        .and_then(|l| l.find("Fencing broker").map(|i| &l[i..]))
        .and_then(|l| l.split(" (").next())
        .map_or_else(
            || "the controller logged no fencing of it".to_owned(),
            |l| format!("the controller logged \"{l}\""),
        );
    Ok(format!(
        "Apache Kafka cluster: scenario broker {broker} is broker {chosen} (pid {}) of {}, \
         chosen from the seed: SIGSTOP for {held_s:.1} s wall, then SIGCONT, listed in metadata \
         again {back_s:.1} s later; {}; {controller}",
        pid.map_or("-".into(), |p| p.to_string()),
        ids.len(),
        seen.describe(lag_ms, session_ms)
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::kafka_cluster::PartitionState;

    fn metadata(brokers: &[i32], parts: &[(i32, i32, &[i32])]) -> TopicMetadata {
        TopicMetadata {
            brokers: brokers.to_vec(),
            partitions: parts
                .iter()
                .map(|(p, leader, isr)| {
                    (
                        *p,
                        PartitionState {
                            leader: *leader,
                            isr: isr.to_vec(),
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn the_choice_follows_the_seed_and_skips_brokers_down() {
        let ids = [1, 2, 3];
        let a = choose(7, &ids, &[], 0);
        assert_eq!(a, choose(7, &ids, &[], 0));
        let picks: BTreeSet<_> = (0..3).filter_map(|b| choose(7, &ids, &[], b)).collect();
        assert_eq!(picks.len(), 3, "three scenario brokers meet three brokers");
        let Some(first) = a else {
            panic!("a broker serves")
        };
        assert_ne!(choose(7, &ids, &[first], 0), Some(first));
        assert_eq!(choose(7, &ids, &[1, 2, 3], 0), None);
    }

    #[test]
    fn the_polls_time_the_fencing_the_isr_shrink_and_the_leaders_moving() {
        // Broker 2 follows partition 0, leads partition 1; partition 2 is not its.
        let before = metadata(
            &[1, 2, 3],
            &[(0, 1, &[1, 2, 3]), (1, 2, &[2, 3, 1]), (2, 3, &[3, 1])],
        );
        let mut seen = StallSeen::new(2, &before);
        assert_eq!(seen.in_isr, [0, 1].into());
        assert_eq!(seen.led, [1].into());
        seen.observe(0.5, &before);
        seen.observe(
            9.5,
            &metadata(&[1, 3], &[(0, 1, &[1, 3]), (1, 2, &[2, 3, 1])]),
        );
        seen.observe(
            10.0,
            &metadata(&[1, 3], &[(0, 1, &[1, 3]), (1, 3, &[3, 1])]),
        );
        seen.observe(10.5, &metadata(&[1, 3], &[]));
        assert_eq!(seen.unlisted_s, Some(9.5));
        assert_eq!(seen.first_shrink_s, Some(9.5));
        assert_eq!(seen.isr_shrunk_s, Some(10.0));
        assert_eq!(seen.followed_shrunk_s, Some(9.5));
        assert_eq!(seen.leaders_moved_s, Some(10.0));
        assert_eq!(seen.min_isr, Some(2));
        assert_eq!(seen.answers, 3, "an empty answer is not counted");
        let note = seen.describe(120_000, 9_000);
        assert!(note.contains("every ISR without it after 10.0 s"), "{note}");
        assert!(
            note.contains("fenced by the controller) after 9.5 s"),
            "{note}"
        );
        assert!(
            note.contains("well before replica.lag.time.max.ms"),
            "{note}"
        );
    }

    #[test]
    fn followers_dropped_before_the_fencing_are_told_apart() {
        // A lag limit shorter than the session timeout: partition 0's
        // leader drops broker 2 at 3.5 s; it is fenced at 9.0 s.
        let before = metadata(&[1, 2, 3], &[(0, 1, &[1, 2, 3]), (1, 2, &[2, 3, 1])]);
        let mut seen = StallSeen::new(2, &before);
        seen.observe(
            3.5,
            &metadata(&[1, 2, 3], &[(0, 1, &[1, 3]), (1, 2, &[2, 3, 1])]),
        );
        seen.observe(9.0, &metadata(&[1, 3], &[(0, 1, &[1, 3]), (1, 3, &[3, 1])]));
        assert_eq!(seen.followed_shrunk_s, Some(3.5));
        assert_eq!(seen.isr_shrunk_s, Some(9.0));
        let note = seen.describe(3_000, 9_000);
        assert!(note.contains("shrank 5.5 s before the fencing"), "{note}");
    }

    #[test]
    fn a_stall_too_short_to_be_seen_says_so() {
        let before = metadata(&[1, 2, 3], &[(0, 2, &[2, 1, 3])]);
        let mut seen = StallSeen::new(2, &before);
        seen.observe(0.5, &before);
        let note = seen.describe(120_000, 9_000);
        assert!(note.contains("never fenced"), "{note}");
        assert!(note.contains("some ISR still listed it"), "{note}");
        assert!(note.contains("had no live leader at the end"), "{note}");
        assert!(note.contains("it followed none"), "{note}");
    }
}
