//! `[archive]`: the alert archive's ingester, a second autoscaled reader of
//! the alert topic (consumer group `alertdb-ingester`), scaled by KEDA as
//! a ScaledObject with a kafka trigger. Defaults: the production
//! ScaledObject (`alert-database.yaml` among the rendered manifests, FACTS
//! "Readers of the topic"), the ingester's code (`lsst-dm/
//! alert_database_ingester`, `alertingest/ingester.py`), Kubernetes'
//! HPA controller defaults, and estimates where nothing is published.

use serde::{Deserialize, Serialize};

use crate::sections::consumers::OffsetReset;
use crate::validate::Checker;

/// The archive ingester and its ScaledObject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Archive {
    /// Whether the archive reads the topic (default true, as deployed).
    pub enabled: bool,
    /// `minReplicaCount` (default 1, the production ScaledObject). At
    /// least 1: scaling to zero is not modelled.
    pub min_replicas: u32,
    /// `maxReplicaCount` (default 20, the production ScaledObject).
    pub max_replicas: u32,
    /// The trigger's `lagThreshold`: the lag per replica the HPA aims at
    /// (default 100, the production ScaledObject).
    pub lag_threshold: u64,
    /// The trigger's `activationLagThreshold` (default 10, the production
    /// ScaledObject). Only moves the ingester between zero and one
    /// replica, so with `min_replicas` 1 it changes nothing; kept to show.
    pub activation_lag_threshold: u64,
    /// `pollingInterval`, seconds (default 30, the production
    /// ScaledObject). KEDA's own loop checks activation this often; the
    /// replica count is the HPA's, every `hpa_sync_period_s`. With
    /// `min_replicas` 1 it changes nothing.
    pub polling_interval_s: f64,
    /// `cooldownPeriod`, seconds (default 900, the production
    /// ScaledObject): only before scaling to zero, so with `min_replicas`
    /// 1 it changes nothing.
    pub cooldown_s: f64,
    /// The trigger's `offsetResetPolicy` and the ingester's
    /// `auto_offset_reset` (default `latest`: the production ScaledObject
    /// and `ingester.py`'s default). Where it starts without a committed
    /// offset: after a redeploy that deleted the offsets, `latest` skips
    /// what was written before it rejoined.
    pub offset_reset: OffsetReset,
    /// Messages between the ingester's offset commits (default 100,
    /// `ingester.py`'s `commit_interval`). KEDA's lag counts from the
    /// committed offset, so up to this many per replica read but not yet
    /// committed still count as lag.
    pub commit_interval: u32,
    /// Alerts one replica archives per second (default 30, an estimate:
    /// the ingester handles one message at a time and writes each alert
    /// to object storage synchronously, about 30 ms a write).
    pub replica_alerts_per_s: f64,
    /// Milliseconds from an alert's acknowledgement until a fetch returns
    /// it (default 500, an estimate, the community brokers' default).
    pub fetch_latency_ms: f64,
    /// Seconds from the HPA's scale-up until a new replica's pod runs and
    /// joins the group (default 20, an estimate: image cached, a Python
    /// process starting).
    pub pod_start_s: f64,
    /// Seconds the group reads nothing while it rebalances, after each
    /// replica joins or leaves (default 5, an estimate: aiokafka's eager
    /// rebalance, every member rejoining within a 3 s heartbeat).
    pub rebalance_s: f64,
    /// Seconds after a redeploy's Kafka step until the ingester's group
    /// has rejoined the rebuilt cluster (default 10, an estimate). With
    /// the offsets deleted and `latest`, what the producer wrote in that
    /// time is never archived.
    pub rejoin_s: f64,
    /// kube-controller-manager's `--horizontal-pod-autoscaler-sync-period`,
    /// seconds (default 15, Kubernetes' default).
    pub hpa_sync_period_s: f64,
    /// `--horizontal-pod-autoscaler-tolerance` (default 0.1, Kubernetes'
    /// default).
    pub hpa_tolerance: f64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization`, seconds
    /// (default 300, Kubernetes' default).
    pub hpa_downscale_stabilization_s: f64,
}

impl Default for Archive {
    fn default() -> Self {
        Archive {
            enabled: true,
            min_replicas: 1,
            max_replicas: 20,
            lag_threshold: 100,
            activation_lag_threshold: 10,
            polling_interval_s: 30.0,
            cooldown_s: 900.0,
            offset_reset: OffsetReset::Latest,
            commit_interval: 100,
            replica_alerts_per_s: 30.0,
            fetch_latency_ms: 500.0,
            pod_start_s: 20.0,
            rebalance_s: 5.0,
            rejoin_s: 10.0,
            hpa_sync_period_s: 15.0,
            hpa_tolerance: 0.1,
            hpa_downscale_stabilization_s: 300.0,
        }
    }
}

impl Archive {
    pub(crate) fn check(&self, c: &mut Checker) {
        if self.min_replicas == 0 {
            c.fail(
                "archive.min_replicas",
                "scaling the archive ingester to zero is not modelled, got 0",
                "an integer >= 1",
            );
        }
        if self.max_replicas < self.min_replicas {
            c.fail(
                "archive.max_replicas",
                format!(
                    "must be at least min_replicas ({}), got {}",
                    self.min_replicas, self.max_replicas
                ),
                &format!("an integer >= {}", self.min_replicas),
            );
        }
        c.at_least("archive.lag_threshold", self.lag_threshold, 1);
        c.positive("archive.polling_interval_s", self.polling_interval_s);
        c.non_negative("archive.cooldown_s", self.cooldown_s);
        c.at_least(
            "archive.commit_interval",
            u64::from(self.commit_interval),
            1,
        );
        c.positive("archive.replica_alerts_per_s", self.replica_alerts_per_s);
        c.non_negative("archive.fetch_latency_ms", self.fetch_latency_ms);
        c.non_negative("archive.pod_start_s", self.pod_start_s);
        c.non_negative("archive.rebalance_s", self.rebalance_s);
        c.non_negative("archive.rejoin_s", self.rejoin_s);
        c.positive("archive.hpa_sync_period_s", self.hpa_sync_period_s);
        c.non_negative("archive.hpa_tolerance", self.hpa_tolerance);
        c.non_negative(
            "archive.hpa_downscale_stabilization_s",
            self.hpa_downscale_stabilization_s,
        );
    }
}
