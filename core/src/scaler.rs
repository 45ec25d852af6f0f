//! KEDA ScaledJob semantics: the scaling decision and the Redis Streams lag metric.
//!
//! Everything here except `lag` is sans-IO: pure functions and small state
//! machines that take the time and the observed state and return what KEDA
//! would do. Start with [`decide`] (one poll's decision) or [`ScalerLoop`]
//! (polling cadence plus rate-limited Job creation and cleanup).

pub mod crash_loop;
pub mod decision;
pub mod history;
pub mod informer_cache;
pub mod job_counts;
pub mod job_name;
pub mod job_status;
pub mod lag;
pub mod rate_limit;
pub mod release;
pub mod rollout;
pub mod scaler_loop;
pub mod settings;
pub mod status;
pub mod strategy;
pub mod triggers;

pub use crash_loop::CrashLoop;
pub use decision::{Branch, Decision, JobCounts, decide};
pub use history::{FinishedJob, FinishedOutcome, jobs_to_clean_up};
pub use informer_cache::{Counted, InformerCache};
pub use job_counts::{count_jobs, count_phases, is_pending};
pub use job_name::JobName;
pub use job_status::{Finished, JobPhase, JobStatus, PodCondition, PodPhase, PodStatus};
pub use rate_limit::TokenBucket;
pub use rollout::{JobGeneration, jobs_to_delete_on_spec_change, rollout_targets};
pub use scaler_loop::{JobAction, PollInput, PollOutput, ScalerLoop, TimedAction};
pub use settings::{
    KedaVersion, MultipleScalersCalculation, RolloutStrategy, ScaledJobSettings, ScalingStrategy,
    Strategy,
};
pub use status::{StatusPatches, StatusTracker};
pub use triggers::{CombinedMetric, TriggerMetric, combine};
