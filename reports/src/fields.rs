//! Documentation of every report.json field. The field table in
//! `reports/REPORT.md` is generated from [`FIELDS`] by [`markdown_table`];
//! tests check that every field a report writes is documented and that the
//! file is up to date.

use std::fmt::Write as _;

/// One documented field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Dotted path; `[]` marks the elements of an array of objects.
    pub path: &'static str,
    /// Unit or type.
    pub unit: &'static str,
    /// Meaning.
    pub meaning: &'static str,
}

const fn f(path: &'static str, unit: &'static str, meaning: &'static str) -> Field {
    Field {
        path,
        unit,
        meaning,
    }
}

/// Every field of report.json (format_version 1), in file order.
pub const FIELDS: &[Field] = &[
    f(
        "format_version",
        "integer",
        "Layout version of this file (1). Changes that break readers bump it.",
    ),
    f(
        "generator",
        "string",
        "Program and version that wrote the report.",
    ),
    f("scenario", "string", "Scenario name."),
    f("description", "string", "Scenario description."),
    f("seed", "integer", "Seed of all randomness of the run."),
    f("simulated_s", "s", "Virtual seconds simulated."),
    f(
        "visits",
        "count",
        "Visits observed (entries of `per_visit`).",
    ),
    f(
        "alerts.produced",
        "count",
        "Alerts handed to the Kafka producer.",
    ),
    f(
        "alerts.delivered",
        "count",
        "Alerts acknowledged by Kafka (acks=all). `delivered + lost = produced` once all are settled.",
    ),
    f(
        "alerts.lost",
        "count",
        "Alerts dropped after a failed delivery.",
    ),
    f(
        "alerts.duplicated",
        "count",
        "Extra copies delivered (retries, replays).",
    ),
    f(
        "alerts.lost_to_readers.{name}",
        "count",
        "Per consumer (`{name}` is its name; every consumer listed): acknowledged alerts it never read, because the topic deleted them first (`kafka.retention_s`, or `kafka.retention_bytes` when set) or it came back without a committed offset and `auto_offset_reset = \"latest\"` skipped them (`consumer_offline`). Gate `max_lost_to_readers` judges the largest.",
    ),
    f(
        "latency_s.p50",
        "s",
        "Median latency from the end of the visit's readout to Kafka acknowledgement, all delivered alerts.",
    ),
    f("latency_s.p90", "s", "90th percentile of the same."),
    f(
        "latency_s.p98",
        "s",
        "98th percentile of the same (the OTT1 figure).",
    ),
    f("latency_s.p99", "s", "99th percentile of the same."),
    f("latency_s.max", "s", "Largest latency."),
    f(
        "latency_budget.visits",
        "count",
        "Visits with a latency budget: those where 98% of the expected alerts were acknowledged (see `per_visit[].budget`).",
    ),
    f(
        "latency_budget.stages[].stage",
        "string",
        "A stage of a detector's timeline: `cold_start` (announcement to the reading pod running, when no pod was running at the announcement), `queue_wait` (then to the read), `preload` (`prep_butler`), `image_wait` (for the raws), `pipeline`, `apdb_write`, `publish` (packaging and producing, to the last alert's produce call), `ack` (the broker's acknowledgement of that alert).",
    ),
    f(
        "latency_budget.stages[].p50_s",
        "s",
        "Median over visits of the stage's share of the visit's latency (`per_visit[].budget`).",
    ),
    f(
        "latency_budget.stages[].p98_s",
        "s",
        "98th percentile over visits of the same.",
    ),
    f(
        "latency_budget.stages[].mean_s",
        "s",
        "Mean over visits of the same.",
    ),
    f(
        "latency_budget.late_causes[].cause",
        "string",
        "What made late visits late: a stage name, or `undelivered` (fewer than 98% of the visit's alerts were ever acknowledged). See `per_visit[].late_cause`.",
    ),
    f(
        "latency_budget.late_causes[].late_visits",
        "count",
        "Late visits put down to that cause.",
    ),
    f(
        "late_visits",
        "count",
        "Visits where fewer than 98% of produced alerts were acknowledged within `[gates] p98_latency_s`.",
    ),
    f(
        "failed_visits",
        "count",
        "Visits with a failed or skipped detector, or a lost alert.",
    ),
    f(
        "detectors_dropped",
        "count",
        "Detectors the fan-out never wrote to the stream: every write retry failed (3 retries, 2/4/5 s apart) or the nextVisit was older than `fanout.message_expiration_s`. Counted in `failed_detectors` too.",
    ),
    f("jobs.created", "count", "Jobs created by the scaler."),
    f(
        "jobs.max_running",
        "count",
        "Largest number of Jobs not Complete/Failed at once.",
    ),
    f(
        "jobs.max_pending",
        "count",
        "Largest number of Jobs whose pod was not running yet.",
    ),
    f(
        "jobs.keda_operator_crashes",
        "count",
        "Times the KEDA operator crashed and was restarted after Kubernetes' back-off (10 s doubling to 300 s): a poll of the custom strategy without a deduction on KEDA 2.16 to 2.20.1. Nothing is polled while it is down.",
    ),
    f(
        "jobs.busy_pod_s",
        "pod-s",
        "Pod-seconds spent processing detectors.",
    ),
    f(
        "jobs.idle_pod_s",
        "pod-s",
        "Pod-seconds of pods running without work (start-up, waiting for a message).",
    ),
    f(
        "jobs.idle_fraction",
        "ratio",
        "`idle_pod_s / (busy_pod_s + idle_pod_s)`: the over-provisioning.",
    ),
    f("jobs.pod_startups", "count", "Pods that started."),
    f(
        "jobs.mean_pod_startup_s",
        "s",
        "Mean time from Job creation to a running pod.",
    ),
    f(
        "gates.passed",
        "bool",
        "True when every gate passed (exit code 0).",
    ),
    f(
        "gates.results[].name",
        "string",
        "Gate: `late_visit_fraction`, `failed_visit_fraction`, `lost_alerts`; `recovery_time` when `max_rto_s` is set; `undecodable_alerts` (alerts consumers could not decode, added over consumers) when `max_undecodable_alerts` is set; `lost_to_readers` when the scenario has readers; `archive_gaps` when the run modelled the archive.",
    ),
    f(
        "gates.results[].description",
        "string",
        "The gate in words, with the figures behind it.",
    ),
    f("gates.results[].actual", "number", "Measured value."),
    f(
        "gates.results[].limit",
        "number",
        "Limit from the scenario's `[gates]`; the gate passes when `actual <= limit`.",
    ),
    f("gates.results[].passed", "bool", "Whether the gate passed."),
    f(
        "bytes.produced",
        "bytes",
        "Bytes of the alerts handed to the producer.",
    ),
    f(
        "bytes.delivered",
        "bytes",
        "Bytes of the alerts acknowledged.",
    ),
    f(
        "bytes.mean_alert",
        "bytes",
        "Mean size of a produced alert.",
    ),
    f(
        "throughput.mean_alerts_per_s",
        "alerts/s",
        "Delivered alerts per simulated second over the whole run.",
    ),
    f(
        "throughput.peak_alerts_per_s",
        "alerts/s",
        "Highest delivered alerts per second over one sampling interval.",
    ),
    f(
        "throughput.mean_mbit_per_s",
        "Mbit/s",
        "Delivered megabits per simulated second over the whole run.",
    ),
    f(
        "throughput.peak_mbit_per_s",
        "Mbit/s",
        "Highest delivered megabits per second over one sampling interval.",
    ),
    f(
        "consumers[].name",
        "string",
        "Community broker name from the scenario.",
    ),
    f("consumers[].received", "count", "Alerts it received."),
    f(
        "consumers[].latency_s.p50",
        "s",
        "Median latency from end of readout to receipt by this consumer.",
    ),
    f(
        "consumers[].latency_s.p90",
        "s",
        "90th percentile of the same.",
    ),
    f(
        "consumers[].latency_s.p98",
        "s",
        "98th percentile of the same.",
    ),
    f(
        "consumers[].latency_s.p99",
        "s",
        "99th percentile of the same.",
    ),
    f(
        "consumers[].latency_s.max",
        "s",
        "Largest latency to this consumer.",
    ),
    f(
        "consumers[].receipt_s.p50",
        "s",
        "The latency budget's receipt stage: median time from an alert's acknowledgement by the broker to this consumer's read (load runs: from the broker's log-append time, on topics with LogAppendTime; all zero otherwise).",
    ),
    f(
        "consumers[].receipt_s.p90",
        "s",
        "90th percentile of the same.",
    ),
    f(
        "consumers[].receipt_s.p98",
        "s",
        "98th percentile of the same.",
    ),
    f(
        "consumers[].receipt_s.p99",
        "s",
        "99th percentile of the same.",
    ),
    f("consumers[].receipt_s.max", "s", "Largest receipt stage."),
    f(
        "archive.alerts_archived",
        "count",
        "The alert archive's ingester (simulator; absent in a load run or with `archive.enabled = false`): alerts it archived.",
    ),
    f(
        "archive.gaps",
        "count",
        "Acknowledged alerts it never archived, every cause (retention, a redeploy that deleted the volumes). Gate `max_archive_gaps` judges it.",
    ),
    f(
        "archive.gaps_after_redeploy",
        "count",
        "Of the gaps, those a `kafka_redeploy` with `data_lost` caused: what it had not archived when the volumes went, and with `archive.offset_reset = \"latest\"` what was written before it rejoined.",
    ),
    f(
        "archive.rereads",
        "count",
        "Alerts read again after a rebalance (the ingester restarts a reassigned partition at its last commit, every `archive.commit_interval` alerts): archived twice.",
    ),
    f(
        "archive.latency_s.p50",
        "s",
        "From the visit's readout to the alert archived: median.",
    ),
    f("archive.latency_s.p90", "s", "90th percentile."),
    f("archive.latency_s.p98", "s", "98th percentile."),
    f("archive.latency_s.p99", "s", "99th percentile."),
    f("archive.latency_s.max", "s", "Largest."),
    f(
        "archive.receipt_s.p50",
        "s",
        "From the alert's acknowledgement to it archived: median.",
    ),
    f("archive.receipt_s.p90", "s", "90th percentile."),
    f("archive.receipt_s.p98", "s", "98th percentile."),
    f("archive.receipt_s.p99", "s", "99th percentile."),
    f("archive.receipt_s.max", "s", "Largest."),
    f(
        "archive.max_replicas",
        "count",
        "The most replicas the HPA ran (KEDA's ScaledObject, `archive.max_replicas`).",
    ),
    f("archive.replica_hours", "h", "Replica-hours over the run."),
    f(
        "archive.scale_ups",
        "count",
        "Times the HPA scaled the ingester up.",
    ),
    f(
        "archive.scale_downs",
        "count",
        "Times the HPA scaled it down.",
    ),
    f(
        "archive.max_lag",
        "count",
        "The largest consumer lag KEDA's kafka trigger reported (alerts written and not committed).",
    ),
    f(
        "capacity.brokers",
        "count",
        "Brokers of the cluster (`kafka.brokers`); the simulator places the partitions on them as Kafka's KRaft controller does, the load generator spreads the load evenly.",
    ),
    f(
        "capacity.ingress_bytes",
        "bytes",
        "Bytes the producers wrote (the acknowledged alerts).",
    ),
    f(
        "capacity.replication_bytes",
        "bytes",
        "Bytes the followers copied from the leaders: ingress times `replication_factor - 1` while every follower is in sync, less while brokers are down or stalled (simulator).",
    ),
    f(
        "capacity.readers_bytes",
        "bytes",
        "Bytes the readers fetched: the alerts each received times `bytes.mean_alert`.",
    ),
    f(
        "capacity.egress_over_ingress",
        "ratio",
        "Bytes leaving the brokers (replication and readers) over the bytes the producers wrote.",
    ),
    f(
        "capacity.broker_ingress_mean_mbit_per_s",
        "Mbit/s",
        "The mean broker's inbound rate over the run (producers and replication).",
    ),
    f(
        "capacity.broker_ingress_peak_mbit_per_s",
        "Mbit/s",
        "The mean broker's inbound rate in the producers' busiest sampling interval.",
    ),
    f(
        "capacity.broker_egress_mean_mbit_per_s",
        "Mbit/s",
        "The mean broker's mean outbound rate over the run (replication and readers); readers' peaks are not modelled.",
    ),
    f(
        "capacity.broker_bandwidth_mbit_per_s",
        "Mbit/s",
        "One broker's network bandwidth (`kafka.broker_bandwidth_mbps`).",
    ),
    f(
        "capacity.ingress_headroom",
        "fraction",
        "Share of that bandwidth left at the mean broker's inbound peak; negative when the peak exceeds it.",
    ),
    f(
        "capacity.broker_disk_bytes",
        "bytes",
        "Bytes the mean broker wrote to its disk in the run (its replicas of every alert; retention not modelled).",
    ),
    f("capacity.per_broker[].broker", "id", "Broker id, from 0."),
    f(
        "capacity.per_broker[].ingress_bytes",
        "bytes",
        "Bytes the producers wrote to the partitions it led (alerts spread evenly over the partitions with a leader).",
    ),
    f(
        "capacity.per_broker[].replication_in_bytes",
        "bytes",
        "Bytes it copied in as an in-sync follower.",
    ),
    f(
        "capacity.per_broker[].replication_out_bytes",
        "bytes",
        "Bytes it sent to its in-sync followers as a leader.",
    ),
    f(
        "capacity.per_broker[].readers_bytes",
        "bytes",
        "Bytes the readers fetched from it: `capacity.readers_bytes` times its share of the ingress (readers fetch from leaders).",
    ),
    f(
        "capacity.per_broker[].in_mean_mbit_per_s",
        "Mbit/s",
        "Its mean inbound rate over the run (ingress and replication in).",
    ),
    f(
        "capacity.per_broker[].in_peak_mbit_per_s",
        "Mbit/s",
        "Its inbound rate in the producers' busiest sampling interval: the delivered peak times its inbound bytes per delivered byte.",
    ),
    f(
        "capacity.per_broker[].out_mean_mbit_per_s",
        "Mbit/s",
        "Its mean outbound rate over the run (replication out and readers).",
    ),
    f(
        "capacity.per_broker[].in_headroom",
        "fraction",
        "Share of its bandwidth left at its inbound peak; negative when the peak exceeds it.",
    ),
    f(
        "capacity.per_broker[].disk_bytes",
        "bytes",
        "Bytes written to its disk in the run (ingress and replication in; see `capacity.disk` for what it keeps at retention).",
    ),
    f(
        "capacity.disk.size_bytes",
        "bytes",
        "One broker's log disk (`kafka.broker_disk_bytes`; 35 TiB as deployed).",
    ),
    f(
        "capacity.disk.per_day_bytes",
        "bytes",
        "Bytes a day written by the broker writing the most: the run's spread over its days (a run under a day is that day's traffic: one night a day).",
    ),
    f(
        "capacity.disk.retained_bytes",
        "bytes",
        "What that broker keeps once the topic holds `kafka.retention_s` of such days.",
    ),
    f(
        "capacity.disk.headroom",
        "fraction",
        "Share of the disk left at retention; negative: the disk fills before retention frees anything (a `broker_disk_full` predicted from the rates).",
    ),
    f(
        "capacity.disk.days_to_fill",
        "days",
        "Days until the disk is full at that rate with nothing deleted.",
    ),
    f(
        "capacity.busiest_broker.broker",
        "id",
        "The broker that moved the most bytes in and out (the lowest id of equals: with every broker up, 45 partitions on 5 brokers spread evenly).",
    ),
    f(
        "capacity.busiest_broker.total_bytes",
        "bytes",
        "Its bytes in and out (ingress, replication in and out, readers).",
    ),
    f(
        "capacity.busiest_broker.over_mean",
        "ratio",
        "Those over the brokers' mean: 1 when the load is even.",
    ),
    f(
        "capacity.busiest_broker.in_peak_mbit_per_s",
        "Mbit/s",
        "Its inbound peak (as `per_broker[].in_peak_mbit_per_s`).",
    ),
    f(
        "capacity.busiest_broker.out_mean_mbit_per_s",
        "Mbit/s",
        "Its mean outbound rate.",
    ),
    f("per_visit[].visit", "index", "Visit index, from 0."),
    f(
        "per_visit[].readout_end_s",
        "s",
        "Virtual time at which the visit's readout ended (latency origin).",
    ),
    f(
        "per_visit[].alerts",
        "count",
        "Alerts the visit's sources call for.",
    ),
    f(
        "per_visit[].produced",
        "count",
        "Alerts handed to the producer.",
    ),
    f("per_visit[].delivered", "count", "Alerts acknowledged."),
    f("per_visit[].lost", "count", "Alerts lost."),
    f("per_visit[].duplicated", "count", "Extra copies delivered."),
    f(
        "per_visit[].failed_detectors",
        "count",
        "Detectors not processed (worker failure, skipped message).",
    ),
    f(
        "per_visit[].detectors_dropped",
        "count",
        "Of `failed_detectors`, those the fan-out never wrote to the stream.",
    ),
    f(
        "per_visit[].p98_latency_s",
        "s",
        "98th percentile latency of the visit's delivered alerts (2 significant digits).",
    ),
    f(
        "per_visit[].max_latency_s",
        "s",
        "Largest latency of the visit.",
    ),
    f(
        "per_visit[].late",
        "bool",
        "Fewer than 98% of its alerts within the latency limit.",
    ),
    f(
        "per_visit[].failed",
        "bool",
        "A detector failed or an alert was lost.",
    ),
    f(
        "per_visit[].budget.cold_start_s",
        "s",
        "The visit's latency split by stage: the stages of its deciding detector (detectors ordered by their last acknowledgement, the one at which 98% of the visit's expected alerts are acknowledged), clipped to the span from the end of readout to that detector's last acknowledgement, so they add up to it. Absent when 98% never arrived. This one: announcement to the reading pod running.",
    ),
    f(
        "per_visit[].budget.queue_wait_s",
        "s",
        "Waiting in the stream for the read.",
    ),
    f(
        "per_visit[].budget.preload_s",
        "s",
        "The preload after the end of readout.",
    ),
    f(
        "per_visit[].budget.image_wait_s",
        "s",
        "Waiting for the raws.",
    ),
    f("per_visit[].budget.pipeline_s", "s", "The pipelines."),
    f("per_visit[].budget.apdb_write_s", "s", "The APDB write."),
    f(
        "per_visit[].budget.publish_s",
        "s",
        "Packaging and producing up to the last alert's produce call.",
    ),
    f(
        "per_visit[].budget.ack_s",
        "s",
        "The broker's acknowledgement of the last alert.",
    ),
    f(
        "per_visit[].late_cause",
        "string",
        "Late visits only: the stage whose share of this visit's budget is furthest above that stage's median over the night (ties to the earlier stage), or `undelivered` when the visit has no budget.",
    ),
    f(
        "series.interval_s",
        "s",
        "Sampling interval of the time series (virtual time).",
    ),
    f("series.t_s", "s[]", "Sample times."),
    f(
        "series.lag",
        "count[]",
        "Consumer-group lag of the stream at each sample.",
    ),
    f(
        "series.jobs_running",
        "count[]",
        "Jobs not Complete/Failed at each sample (pending included).",
    ),
    f(
        "series.jobs_pending",
        "count[]",
        "Jobs whose pod is not running yet.",
    ),
    f("series.pods_busy", "count[]", "Pods processing a detector."),
    f(
        "series.publisher_backlog",
        "alerts[]",
        "Alerts the publisher holds for a later attempt (spooled or queued for replay); absent in older reports.",
    ),
    f(
        "series.delivered_per_s",
        "alerts/s[]",
        "Alerts acknowledged per second over the interval ending at the sample.",
    ),
    f(
        "series.mbit_per_s",
        "Mbit/s[]",
        "Megabits acknowledged per second over the same interval.",
    ),
    f(
        "series.redis_utilisation",
        "fraction[]",
        "Share of its CPU limit (`redis.cpu_limit`) Redis was busy over the interval ending at the sample, from the simulator's Redis CPU model (idle workers' polling and every command, at the costs of `redis.cost_us`); absent from load runs, which meet the real Redis.",
    ),
    f(
        "faults[].kind",
        "string",
        "Fault kind from the scenario's `[[faults]]` (`broker_outage`, `node_loss`, ...).",
    ),
    f("faults[].start_s", "s", "Start of the fault window."),
    f(
        "faults[].end_s",
        "s",
        "End of the window; equal to the start for instantaneous faults.",
    ),
    f(
        "recovery[].fault",
        "string",
        "Recovery figures, one per fault in scenario order: the fault's kind. A fault's window runs from its start minus `gates.p98_latency_s` to the next fault's start or the end of the run.",
    ),
    f("recovery[].start_s", "s", "Start of the fault."),
    f(
        "recovery[].end_s",
        "s",
        "End of the fault (the start for instantaneous faults).",
    ),
    f(
        "recovery[].detect_s",
        "s or null",
        "Time to detect: fault start until the window's first late or failed visit is known late (its readout end plus the latency limit); null when no visit was late.",
    ),
    f(
        "recovery[].rto_s",
        "s or null",
        "Recovery time: fault start until the readout end of the first on-time visit after the window's last late or failed visit; 0 when none was late, null when none after it was on time.",
    ),
    f(
        "recovery[].alerts_lost",
        "count",
        "Alerts lost by the window's visits (RPO in alerts).",
    ),
    f(
        "recovery[].alerts_duplicated",
        "count",
        "Extra copies delivered for the window's visits.",
    ),
    f(
        "recovery[].alerts_lost_seconds",
        "s",
        "RPO in seconds of data: readout end of the last visit that lost alerts minus the first's, plus one visit interval; 0 when none lost alerts.",
    ),
    f(
        "recovery[].backlog_peak",
        "count",
        "Largest sampled backlog from the fault's start to the end of its window; the backlog is the stream lag (detector events not yet read) plus the alerts held by the publisher (`series.publisher_backlog`).",
    ),
    f(
        "recovery[].drain_s",
        "s or null",
        "First sample at the backlog peak until the sampled backlog is back at or below its last value before the fault (zero when nothing was waiting then); 0 when it never rose above it, null when it did not come back within the window.",
    ),
    f(
        "schema.compatibility",
        "string",
        "Present only when the scenario has `[[schema_changes]]`, consumer reader versions or registry faults (`registry_outage`, `registry_rebuilt`, `registry_sync`, `kafka_redeploy`): the registry's compatibility level.",
    ),
    f(
        "schema.changes[].at_s",
        "s",
        "When the producer asked to register a new alert schema version.",
    ),
    f(
        "schema.changes[].from",
        "string",
        "Version it had (`\"10.0\"`).",
    ),
    f("schema.changes[].to", "string", "Version it asked for."),
    f(
        "schema.changes[].accepted",
        "bool",
        "Whether the registry's compatibility check accepted it; when refused the producer keeps its version.",
    ),
    f(
        "schema.changes[].reason",
        "string",
        "apache-avro's reason for the refusal; empty when accepted.",
    ),
    f("schema.consumers[].name", "string", "Consumer name."),
    f(
        "schema.consumers[].undecodable",
        "count",
        "Alerts received that it could not decode: writer/reader resolution fails for some legal alerts of the writer version, or it could not get the schema of the alert's id from the registry (unreachable, without subjects while its sync job runs, or an id a rebuilt registry no longer knows).",
    ),
    f(
        "schema.consumers[].fields_lost",
        "count",
        "Alerts decoded with fields of the writer's schema missing from the reader's.",
    ),
    f(
        "partial",
        "bool",
        "Present (true) only when a load run was interrupted (Ctrl-C): the figures cover the part of the night that ran, and the gates are not a verdict on the whole scenario.",
    ),
    f(
        "config",
        "object",
        "The scenario as run, every default and `--set` resolved (same keys as the scenario file).",
    ),
];

/// The field table as Markdown.
pub fn markdown_table() -> String {
    let mut s = String::from("| field | unit | meaning |\n| --- | --- | --- |\n");
    for field in FIELDS {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} |",
            field.path, field.unit, field.meaning
        );
    }
    s
}
