//! The load run's view of the [`Plan`]: the plan's visits (the same the
//! simulator runs: same seed, same random streams) with the identifiers the
//! real path carries (the fan-out's `groupId`, the alerts' visit number),
//! and the slice of detectors a shard runs.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use alertsim_plan::next_visit::{group_id, visit_number};
use alertsim_plan::stages::Timeline;
use alertsim_plan::{Plan, PlanError};
use alertsim_scenarios::Scenario;

/// Which slice of every visit's detectors this process runs: detector `d`
/// belongs to shard `d % count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// The whole run in one process.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Whether detector `detector` is this shard's.
    pub fn owns(self, detector: u32) -> bool {
        detector % self.count.max(1) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `--shard` text that is not `I/N` with `I < N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shard {0:?}: expected I/N with 0 <= I < N, for example 0/3")]
pub struct BadShard(pub String);

impl FromStr for Shard {
    type Err = BadShard;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadShard(s.to_owned());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// One visit as the load run carries it out.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedVisit {
    /// Index in the night, from 0 (the report's visit number).
    pub index: u32,
    /// The visit number in the alerts (`diaSource.visit`).
    pub number: i64,
    /// The fan-out's `groupId`, which the worker maps back to this visit.
    pub group_id: String,
    /// When the fan-out writes the visit's events, scenario seconds.
    pub announced_s: f64,
    /// When the exposure starts, scenario seconds.
    pub exposure_start_s: f64,
    /// End of readout: every latency of the visit is measured from here.
    pub readout_end_s: f64,
    /// Alerts of each active detector (index = detector number), all shards.
    pub detector_alerts: Vec<u32>,
}

/// The night's visits and the shard this process runs.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    plan: Plan,
    visits: Vec<PlannedVisit>,
    by_number: BTreeMap<i64, u32>,
    by_group: BTreeMap<String, u32>,
    shard: Shard,
}

impl LoadPlan {
    /// The plan of `scenario` (as given, before chaos) for `shard`.
    pub fn new(scenario: &Scenario, shard: Shard) -> Result<Self, PlanError> {
        let plan = Plan::new(scenario)?;
        let visits: Vec<PlannedVisit> = plan
            .visits
            .iter()
            .map(|v| PlannedVisit {
                index: v.index,
                number: visit_number(v.index),
                group_id: group_id(&plan.scenario.name, v.index),
                announced_s: v.announced.as_secs_f64(),
                exposure_start_s: v.exposure_start.as_secs_f64(),
                readout_end_s: v.readout_end.as_secs_f64(),
                detector_alerts: v.detector_alerts.clone(),
            })
            .collect();
        let by_number = visits.iter().map(|v| (v.number, v.index)).collect();
        let by_group = visits
            .iter()
            .map(|v| (v.group_id.clone(), v.index))
            .collect();
        Ok(LoadPlan {
            plan,
            visits,
            by_number,
            by_group,
            shard,
        })
    }

    /// The plan both drivers take.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The scenario, with its chaos expanded into faults.
    pub fn scenario(&self) -> &Scenario {
        &self.plan.scenario
    }

    /// All visits in order.
    pub fn visits(&self) -> &[PlannedVisit] {
        &self.visits
    }

    /// The shard this process runs.
    pub fn shard(&self) -> Shard {
        self.shard
    }

    /// The visit whose alerts carry visit number `number`.
    pub fn by_number(&self, number: i64) -> Option<&PlannedVisit> {
        self.by_number
            .get(&number)
            .and_then(|&i| self.visits.get(i as usize))
    }

    /// The visit the fan-out announced with `group_id`.
    pub fn by_group(&self, group_id: &str) -> Option<&PlannedVisit> {
        self.by_group
            .get(group_id)
            .and_then(|&i| self.visits.get(i as usize))
    }

    /// The detectors of `visit` this shard fans out.
    pub fn detectors(&self, visit: &PlannedVisit) -> Vec<u32> {
        (0..visit.detector_alerts.len())
            .filter_map(|d| u32::try_from(d).ok())
            .filter(|&d| self.shard.owns(d))
            .collect()
    }

    /// Alerts this shard plans for `visit`.
    pub fn planned_alerts(&self, visit: &PlannedVisit) -> u64 {
        self.detectors(visit)
            .iter()
            .map(|&d| u64::from(visit.detector_alerts[d as usize]))
            .sum()
    }

    /// Alerts this shard plans for the whole night.
    pub fn total_alerts(&self) -> u64 {
        self.visits.iter().map(|v| self.planned_alerts(v)).sum()
    }

    /// The stages of `detector` of `visit` for a worker that read it at
    /// `read_s` (scenario seconds): the plan's timeline, the same the
    /// simulator schedules (`alertsim_plan::stages`).
    pub fn detector_timeline(
        &self,
        visit: &PlannedVisit,
        detector: u32,
        read_s: f64,
    ) -> Option<Timeline> {
        let planned = self.plan.visits.get(visit.index as usize)?;
        Some(self.plan.detector_timeline(planned, detector, read_s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smoke() -> Scenario {
        Scenario::resolve("smoke", &[]).unwrap_or_default()
    }

    #[test]
    fn shards_parse_and_reject_nonsense() {
        assert_eq!("1/3".parse(), Ok(Shard { index: 1, count: 3 }));
        for bad in ["3/3", "1", "a/2", "0/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_partition_the_detectors_and_the_alerts() {
        let scenario = smoke();
        let whole = LoadPlan::new(&scenario, Shard::WHOLE).expect("smoke has a plan");
        let total: u64 = (0..3)
            .map(|i| {
                LoadPlan::new(&scenario, Shard { index: i, count: 3 })
                    .expect("smoke has a plan")
                    .total_alerts()
            })
            .sum();
        assert_eq!(total, whole.total_alerts());
        assert_eq!(whole.total_alerts(), 5_000);
    }

    #[test]
    fn visits_are_found_by_number_and_group() {
        let plan = LoadPlan::new(&smoke(), Shard::WHOLE).expect("smoke has a plan");
        let v = &plan.visits()[3];
        assert_eq!(plan.by_number(v.number).map(|x| x.index), Some(3));
        assert_eq!(plan.by_group(&v.group_id).map(|x| x.index), Some(3));
        assert!(plan.by_group("someone-else").is_none());
        assert!(plan.visits()[4].number > plan.visits()[3].number);
    }

    #[test]
    fn stage_times_follow_the_smoke_constants() {
        let scenario = smoke();
        let plan = LoadPlan::new(&scenario, Shard::WHOLE).expect("smoke has a plan");
        let v = &plan.visits()[0];
        // Read at the announcement: preload 5 s, raws 2 s after the readout,
        // pipelines 5 s + 0.02 s x 50 alerts, APDB 1 s (smoke's constants).
        let t = plan
            .detector_timeline(v, 7, v.announced_s)
            .expect("a planned visit");
        assert!(
            (t.images_end_s - (v.readout_end_s + 2.0)).abs() < 1e-9,
            "{t:?}"
        );
        assert!(
            (t.apdb_end_s - (v.readout_end_s + 2.0 + 6.0 + 1.0)).abs() < 1e-9,
            "{t:?}"
        );
    }
}
