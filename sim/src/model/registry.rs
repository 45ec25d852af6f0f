//! The schema registry as producers and consumers meet it: when it is
//! reachable (`registry_outage`, `registry_rebuilt`, and `kafka_redeploy`,
//! which loses the topic the registry keeps its schemas in: a rebuild
//! until the redeploy's registry step is done), when it answers but has no
//! subjects (its sync job's window, after a redeploy's registry step and at
//! each `registry_sync`), which schema ids it knows, and which ids each
//! consumer has cached.
//!
//! What happens for real, and how it is modelled:
//! - Rubin's producer computes its schema id from the schema version
//!   (`major * 100 + minor`, `schema_registry.deterministic_ids = true`) and
//!   never asks the registry; the registry is filled in IMPORT mode with
//!   those ids, so a registry rebuilt from scratch serves every schema under
//!   the same id again. Producers do not notice an outage, a rebuild or a
//!   sync.
//! - With `deterministic_ids = false` a producer registers its schema when
//!   its pod starts and keeps the id for the pod's life (as
//!   `alertsim worker --registry` does). A pod that starts while the
//!   registry is unreachable, or while its subjects are missing, cannot get
//!   an id and exits 1 (in the sync window the subject is in IMPORT mode,
//!   which refuses a registration without an id). A rebuilt
//!   registry assigns ids afresh: the schemas come back under new ids
//!   (modelled as a new *generation* of ids that shares no id with the old
//!   one; a real registry restarting its counter could even hand an old id
//!   to another schema, which would decode alerts with the wrong schema).
//!   Pods started before the rebuild go on writing the old id.
//! - The sync job (lsst/alert_packet `syncAllSchemasToRegistry`, an Argo
//!   CD Sync hook) deletes every subject, soft then hard: Confluent's
//!   registry forgets an id once no subject version holds it, so
//!   `GET /schemas/ids/{id}` answers 404 (error 40403) until the job has
//!   posted that schema again with its id. The window is modelled as one
//!   stretch of `schema_registry.sync_missing_s` in which no id is served
//!   (really each id returns at its own post, the newest version last). It
//!   starts no new generation: the job imports the same ids.
//! - A consumer (Confluent's deserializer) caches the schema of every id it
//!   has fetched and fetches an id it has not seen from the registry. It
//!   cannot decode an alert whose id it has not cached while the registry
//!   is unreachable or has no subjects, nor, after a rebuild without
//!   deterministic ids, an alert carrying an old id it never cached (the
//!   rebuilt registry answers 404). Consumers that cached the old id before
//!   the rebuild keep decoding old-id alerts, and fetch the new id when it
//!   first arrives.
//!
//! The availability is a timeline fixed by the scenario's faults, so it can
//! be asked about any virtual time, including a consumer's future reads.

use std::collections::BTreeSet;

use alertsim_scenarios::{Fault, Scenario};

use crate::time::SimTime;

/// A schema id as the model tells them apart: the registry's id of a
/// version (`major * 100 + minor`) and the id generation (0 before any
/// rebuild; always 0 with deterministic ids).
pub type IdKey = (u32, u32);

#[derive(Debug, Clone, Copy, PartialEq)]
struct Window {
    start: SimTime,
    end: SimTime,
    kind: Kind,
}

/// What the registry does in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Unreachable.
    Down,
    /// Unreachable, and lost: it comes back with a new id generation
    /// (without deterministic ids).
    Rebuilt,
    /// Reachable, but its subjects are deleted: no id is served and no
    /// schema can be registered.
    SubjectsMissing,
}

/// When the registry answers and which id generation it serves.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryTimeline {
    windows: Vec<Window>,
    deterministic: bool,
}

impl RegistryTimeline {
    /// The scenario's `registry_outage`, `registry_rebuilt`,
    /// `kafka_redeploy` and `registry_sync` windows, each redeploy's
    /// registry step followed by the sync job's missing-subjects window
    /// (`schema_registry.sync_missing_s`).
    pub fn from_scenario(s: &Scenario) -> Self {
        let missing = s.schema_registry.sync_missing_s.max(0.0);
        let window = |start: f64, end: f64, kind: Kind| Window {
            start: SimTime::from_secs_f64(start),
            end: SimTime::from_secs_f64(end),
            kind,
        };
        let mut windows: Vec<Window> = Vec::new();
        for f in &s.faults {
            let (start, end) = f.window_s();
            match f {
                Fault::RegistryOutage { .. } => windows.push(window(start, end, Kind::Down)),
                Fault::RegistryRebuilt { .. } => windows.push(window(start, end, Kind::Rebuilt)),
                // Its schemas live in a Kafka topic: lost with the cluster,
                // rebuilt by the sync job once its step is done.
                Fault::KafkaRedeploy { .. } => {
                    let Some((_, registry)) = f.redeploy_milestones_s() else {
                        continue;
                    };
                    let back = start + registry;
                    windows.push(window(start, back, Kind::Rebuilt));
                    windows.push(window(back, back + missing, Kind::SubjectsMissing));
                }
                Fault::RegistrySync { .. } => {
                    windows.push(window(start, start + missing, Kind::SubjectsMissing));
                }
                _ => {}
            }
        }
        windows.sort_by_key(|w| (w.start, w.end));
        Self {
            windows,
            deterministic: s.schema_registry.deterministic_ids,
        }
    }

    /// Whether the scenario has registry faults at all.
    pub fn has_faults(&self) -> bool {
        !self.windows.is_empty()
    }

    /// Whether ids are Rubin's deterministic ones.
    pub fn deterministic(&self) -> bool {
        self.deterministic
    }

    /// Whether a window of one of `kinds` covers `at` (windows are
    /// `[start, end)`).
    fn within(&self, at: SimTime, kinds: &[Kind]) -> bool {
        self.windows
            .iter()
            .any(|w| w.start <= at && at < w.end && kinds.contains(&w.kind))
    }

    /// Whether the registry answers at `at`.
    pub fn reachable(&self, at: SimTime) -> bool {
        !self.within(at, &[Kind::Down, Kind::Rebuilt])
    }

    /// Whether the registry answers with its subjects in place at `at`: a
    /// producer can register a schema, a consumer fetch an id.
    pub fn has_subjects(&self, at: SimTime) -> bool {
        !self.within(at, &[Kind::Down, Kind::Rebuilt, Kind::SubjectsMissing])
    }

    /// The id generation a producer registering at `at` gets: the number
    /// of rebuilds begun by then (0 with deterministic ids).
    pub fn generation(&self, at: SimTime) -> u32 {
        if self.deterministic {
            return 0;
        }
        let rebuilds = self
            .windows
            .iter()
            .filter(|w| w.kind == Kind::Rebuilt && w.start <= at)
            .count();
        u32::try_from(rebuilds).unwrap_or(u32::MAX)
    }

    /// Whether a lookup of an id of `generation` succeeds at `at`.
    pub fn serves(&self, generation: u32, at: SimTime) -> bool {
        self.has_subjects(at) && generation == self.generation(at)
    }
}

/// Each consumer's cache of fetched schema ids.
#[derive(Debug, Clone)]
pub struct IdCaches {
    timeline: RegistryTimeline,
    cached: Vec<BTreeSet<IdKey>>,
}

impl IdCaches {
    /// Empty caches for `consumers` consumers.
    pub fn new(timeline: RegistryTimeline, consumers: usize) -> Self {
        Self {
            timeline,
            cached: vec![BTreeSet::new(); consumers],
        }
    }

    /// The registry's timeline.
    pub fn timeline(&self) -> &RegistryTimeline {
        &self.timeline
    }

    /// Whether `consumer`, reading an alert with id `key` at `at`, has its
    /// schema: cached, or fetched now (and cached from then on).
    pub fn resolve(&mut self, consumer: usize, key: IdKey, at: SimTime) -> bool {
        let Some(cache) = self.cached.get_mut(consumer) else {
            return false;
        };
        if cache.contains(&key) {
            return true;
        }
        if self.timeline.serves(key.1, at) {
            cache.insert(key);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000)
    }

    fn scenario(deterministic: bool, faults: Vec<Fault>) -> Scenario {
        let mut s = Scenario::default();
        s.schema_registry.deterministic_ids = deterministic;
        s.faults = faults;
        s
    }

    fn rebuilt(at_s: f64, duration_s: f64) -> Fault {
        Fault::RegistryRebuilt { at_s, duration_s }
    }

    #[test]
    fn reachable_outside_the_windows_only() {
        let t = RegistryTimeline::from_scenario(&scenario(
            true,
            vec![
                rebuilt(100.0, 50.0),
                Fault::RegistryOutage {
                    at_s: 10.0,
                    duration_s: 5.0,
                },
            ],
        ));
        let up: Vec<bool> = [9, 10, 14, 15, 99, 100, 149, 150]
            .into_iter()
            .map(|s| t.reachable(secs(s)))
            .collect();
        assert_eq!(up, [true, false, false, true, true, false, false, true]);
        assert_eq!(t.generation(secs(500)), 0, "deterministic ids never change");
    }

    #[test]
    fn each_rebuild_starts_a_new_generation_without_deterministic_ids() {
        let t = RegistryTimeline::from_scenario(&scenario(
            false,
            vec![rebuilt(100.0, 50.0), rebuilt(300.0, 10.0)],
        ));
        assert_eq!(
            [99, 100, 200, 300].map(|s| t.generation(secs(s))),
            [0, 1, 1, 2]
        );
        assert!(!t.serves(0, secs(200)), "the old id is gone");
        assert!(t.serves(1, secs(200)));
        assert!(!t.serves(1, secs(120)), "unreachable while rebuilding");
    }

    #[test]
    fn a_consumer_keeps_what_it_cached_and_cannot_fetch_the_rest() {
        let t = RegistryTimeline::from_scenario(&scenario(false, vec![rebuilt(100.0, 50.0)]));
        let mut c = IdCaches::new(t, 2);
        let old = (1100, 0);
        let new = (1100, 1);
        assert!(c.resolve(0, old, secs(10)), "fetched before the rebuild");
        assert!(c.resolve(0, old, secs(200)), "cached");
        assert!(!c.resolve(1, old, secs(200)), "never cached, now unknown");
        assert!(!c.resolve(1, new, secs(120)), "registry down");
        assert!(
            c.resolve(1, new, secs(150)),
            "the rebuilt registry serves it"
        );
        assert!(c.resolve(0, new, secs(150)));
        assert!(!c.resolve(5, new, secs(150)), "no such consumer");
    }

    /// A redeploy from 100 s whose registry step is done at 150 s, with a
    /// sync window of 5 s: unreachable until 150 s, then reachable with no
    /// subjects until 155 s. A `registry_sync` at 300 s: no subjects until
    /// 305 s, and no new generation (the job imports the same ids).
    #[test]
    fn the_sync_job_leaves_the_registry_up_without_subjects_for_its_window() {
        let mut s = scenario(
            false,
            vec![
                Fault::KafkaRedeploy {
                    at_s: 100.0,
                    controller_pool_s: 10.0,
                    broker_pool_s: 10.0,
                    kafka_s: 10.0,
                    registry_operator_s: 10.0,
                    registry_s: 10.0,
                    ingress_s: 100.0,
                    data_lost: false,
                },
                Fault::RegistrySync { at_s: 300.0 },
            ],
        );
        s.schema_registry.sync_missing_s = 5.0;
        let t = RegistryTimeline::from_scenario(&s);
        let at = |secs_: u64| (t.reachable(secs(secs_)), t.has_subjects(secs(secs_)));
        assert_eq!(
            [99, 149, 150, 154, 155, 299, 300, 304, 305].map(at),
            [
                (true, true),
                (false, false),
                (true, false),
                (true, false),
                (true, true),
                (true, true),
                (true, false),
                (true, false),
                (true, true),
            ]
        );
        assert_eq!(t.generation(secs(400)), 1, "only the redeploy rebuilds");
        assert!(!t.serves(1, secs(152)), "no subjects yet");
        assert!(t.serves(1, secs(155)));
        assert!(!t.serves(1, secs(302)));

        let mut c = IdCaches::new(t, 2);
        assert!(c.resolve(0, (1100, 1), secs(200)), "cached at 200 s");
        assert!(
            c.resolve(0, (1100, 1), secs(302)),
            "the cache outlives the sync"
        );
        assert!(!c.resolve(1, (1100, 1), secs(302)), "not cached: 404");

        s.schema_registry.sync_missing_s = 0.0;
        let t = RegistryTimeline::from_scenario(&s);
        assert!(t.has_subjects(secs(150)) && t.has_subjects(secs(300)));
    }
}
