//! `alertsim load --metrics-listen ADDR`: the run's figures as OpenMetrics
//! text at `http://ADDR/metrics` while it goes, for Prometheus (or anything
//! that scrapes it) to watch.
//!
//! Nothing here measures anything: each scrape reads what the run already
//! keeps. The live counters ([`Counters`]) give the alerts handed to the
//! producers, acknowledged, lost and spooled, those in flight, the visits
//! fanned out and the busy pods; the recorder gives the gauges of the
//! sampler's latest sample (stream lag, Jobs running and pending, publisher
//! backlog: the sampler is the only poller of Redis and the Job runtime),
//! the latency histogram from each visit's readout to the broker's
//! acknowledgement, one per stage of the latency budget (`stage` label),
//! and per reader (scenario consumer) its lag (alerts
//! acknowledged it has not read yet), its latency from the readout and its
//! receipt stage. The series names are those `alertsim sim --metrics-out`
//! writes (`alertsim_reports::output::metrics_file`), with the same
//! `scenario` and `seed` labels.
//!
//! With Jobs in processes of their own, the counters arrive through Redis
//! as the run goes, but the workers' latencies only when they hand in their
//! recorders at the end: until then the histogram holds what this process
//! recorded (the readers' are always live: the consumers run here).
//!
//! `prometheus-client` encodes the text (its [`Collector`] reads the run
//! at each scrape); axum serves it. The listener is bound before the run
//! ([`MetricsListener::bind`]) so that a bad or taken address is refused
//! before anything starts.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use alertsim_reports::metrics::live::Buckets;
use alertsim_reports::output::metrics_file::{PREFIX, SeriesMetric, series_metric};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};

use super::state::{Counters, RunState};

/// The upper bounds of the latency histograms' buckets, seconds (the
/// 60 s of the latency requirement among them).
pub const LATENCY_BUCKETS_S: [f64; 15] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0, 3600.0,
];

/// The `Content-Type` of the OpenMetrics text exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Why the endpoint could not listen or serve.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The address could not be bound (taken, or not this machine's).
    #[error("--metrics-listen {addr}: cannot listen there: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's answer.
        source: std::io::Error,
    },
    /// The bound socket could not be handed to the server.
    #[error("metrics endpoint on {addr}: {source}")]
    Serve {
        /// The bound address.
        addr: SocketAddr,
        /// What failed.
        source: std::io::Error,
    },
}

/// A socket bound for the endpoint, before the run starts.
#[derive(Debug, Clone)]
pub struct MetricsListener {
    listener: Arc<std::net::TcpListener>,
    addr: SocketAddr,
}

impl MetricsListener {
    /// Binds `addr` (port 0: any free port; [`MetricsListener::local_addr`]
    /// says which).
    pub fn bind(addr: SocketAddr) -> Result<Self, MetricsError> {
        let bind = |source| MetricsError::Bind { addr, source };
        let listener = std::net::TcpListener::bind(addr).map_err(bind)?;
        let bound = listener.local_addr().map_err(bind)?;
        Ok(MetricsListener {
            listener: Arc::new(listener),
            addr: bound,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

/// The endpoint, serving while this lives (dropping it stops the server).
#[derive(Debug)]
pub struct MetricsServer {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `/metrics` of the run on `listener` until the returned server is
/// dropped. Must be called within a tokio runtime.
pub fn serve(
    listener: &MetricsListener,
    state: Arc<RunState>,
) -> Result<MetricsServer, MetricsError> {
    let failed = |source| MetricsError::Serve {
        addr: listener.addr,
        source,
    };
    let socket = listener.listener.try_clone().map_err(failed)?;
    socket.set_nonblocking(true).map_err(failed)?;
    let socket = tokio::net::TcpListener::from_std(socket).map_err(failed)?;
    let app = axum::Router::new()
        .route("/metrics", get(scrape))
        .with_state(Arc::new(registry(state)));
    let addr = listener.addr;
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(socket, app).await {
            tracing::warn!(%error, %addr, "the metrics endpoint stopped");
        }
    });
    Ok(MetricsServer { task })
}

async fn scrape(State(registry): State<Arc<Registry>>) -> Response {
    let mut body = String::new();
    match prometheus_client::encoding::text::encode(&mut body, &registry) {
        Ok(()) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The registry a scrape encodes: the run's figures under `alertsim_`,
/// labelled with the scenario and its seed.
pub fn registry(state: Arc<RunState>) -> Registry {
    let labels: [(Cow<'static, str>, Cow<'static, str>); 2] = [
        ("scenario".into(), state.scenario.name.clone().into()),
        ("seed".into(), state.scenario.seed.to_string().into()),
    ];
    let mut registry = Registry::with_prefix_and_labels(PREFIX, labels.into_iter());
    registry.register_collector(Box::new(RunCollector {
        state,
        lost: AtomicU64::new(0),
    }));
    registry
}

/// Reads the run at each scrape.
struct RunCollector {
    state: Arc<RunState>,
    /// The most alerts lost shown so far: the figure is derived from three
    /// counters read one after the other and can come out one short for an
    /// instant, but a counter must never go down.
    lost: AtomicU64,
}

impl std::fmt::Debug for RunCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunCollector")
            .field("scenario", &self.state.scenario.name)
            .finish()
    }
}

impl Collector for RunCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let state = &self.state;
        let c = &state.counters;
        let lost = c.alerts_lost();
        let lost = self.lost.fetch_max(lost, Ordering::Relaxed).max(lost);
        let counters = [
            (
                "alerts_handed",
                "Alerts handed to a producer.",
                Counters::get(&c.alerts_handed),
            ),
            (
                "alerts_acknowledged",
                "Alerts acknowledged by Kafka (delivered).",
                Counters::get(&c.alerts_delivered),
            ),
            (
                "alerts_lost",
                "Alerts whose delivery failed for good.",
                lost,
            ),
            (
                "alerts_spooled",
                "Alerts spooled for the replay at the end of the run.",
                Counters::get(&c.alerts_spooled),
            ),
            (
                "visits_fanned_out",
                "Visits whose detector events the fan-out has written.",
                Counters::get(&c.visits_fanned_out),
            ),
        ];
        for (name, help, value) in counters {
            let metric = ConstCounter::new(value);
            metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)?;
        }
        gauge(
            &mut encoder,
            "alerts_in_flight",
            "Alerts handed to a producer whose outcome is not known yet.",
            c.alerts_in_flight(),
        )?;
        let time = ConstGauge::new(state.clock.now_s());
        time.encode(encoder.encode_descriptor(
            "scenario_time",
            "Scenario seconds since the run started.",
            Some(&Unit::Seconds),
            time.metric_type(),
        )?)?;

        let (gauges, latency, stages, readers) = {
            let recorder = state.recorder();
            (
                recorder.latest_gauges().unwrap_or_default(),
                recorder.latency_buckets(&LATENCY_BUCKETS_S),
                recorder.stage_buckets(&LATENCY_BUCKETS_S),
                recorder.readers(&LATENCY_BUCKETS_S),
            )
        };
        // The sampler's gauges, but the busy pods as of now (a counter the
        // Jobs keep, no poll).
        for (field, value) in [
            ("lag", gauges.lag),
            ("jobs_running", gauges.jobs_running),
            ("jobs_pending", gauges.jobs_pending),
            ("pods_busy", Counters::get(&c.pods_busy)),
            ("publisher_backlog", gauges.publisher_backlog),
        ] {
            if let Some(SeriesMetric { name, help, .. }) = series_metric(field) {
                gauge(&mut encoder, name, &format!("{help}."), value)?;
            }
        }

        let mut alert = encoder.encode_descriptor(
            "alert_latency",
            "Latency of acknowledged alerts from the end of their visit's readout to the broker's acknowledgement.",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        histogram(&mut alert, &latency)?;

        let mut stage = encoder.encode_descriptor(
            "stage_latency",
            "Each stage of the latency budget (cold start, queue wait, preload, image wait, pipeline, APDB write, publish, ack) of every detector published so far, within the span from its visit's readout to its last acknowledgement.",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        for (name, buckets) in &stages {
            histogram(
                &mut stage.encode_family(&[("stage", name.name())])?,
                buckets,
            )?;
        }

        let acknowledged = Counters::get(&c.alerts_delivered);
        let mut lag = encoder.encode_descriptor(
            "reader_lag",
            "Alerts acknowledged by Kafka that the reader (a community broker) has not read yet.",
            None,
            MetricType::Gauge,
        )?;
        for r in &readers {
            let behind = i64::try_from(acknowledged.saturating_sub(r.read)).unwrap_or(i64::MAX);
            ConstGauge::new(behind).encode(lag.encode_family(&[("reader", r.name.as_str())])?)?;
        }
        let mut read = encoder.encode_descriptor(
            "reader_latency",
            "Latency of each read from the end of the alert's visit's readout.",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        for r in &readers {
            histogram(
                &mut read.encode_family(&[("reader", r.name.as_str())])?,
                &r.latency,
            )?;
        }
        let mut receipt = encoder.encode_descriptor(
            "reader_receipt",
            "The receipt stage: from the broker's append of an alert to the reader's read.",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        for r in &readers {
            histogram(
                &mut receipt.encode_family(&[("reader", r.name.as_str())])?,
                &r.receipt,
            )?;
        }
        Ok(())
    }
}

/// Encodes an integer gauge.
fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

/// Encodes a histogram's buckets, count and sum.
fn histogram(
    encoder: &mut prometheus_client::encoding::MetricEncoder<'_>,
    buckets: &Buckets,
) -> Result<(), std::fmt::Error> {
    encoder.encode_histogram::<NoLabelSet>(buckets.sum_s, buckets.count, &buckets.counts, None)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use alertsim_reports::Gauges;
    use alertsim_scenarios::Scenario;

    use super::*;
    use crate::load::{Endpoints, LoadClock, LoadPlan, Shard};

    fn state() -> Arc<RunState> {
        let scenario = Scenario::resolve("smoke", &[]).expect("smoke scenario");
        let plan = LoadPlan::new(&scenario, Shard::WHOLE).expect("smoke has a plan");
        let endpoints = Endpoints {
            redis: "redis://unused".into(),
            kafka: "unused:9092".into(),
            registry: "http://unused".into(),
            topic: "t".into(),
            subject: "alert-packet".into(),
            stream: "s".into(),
            group: "g".into(),
            spool_dir: PathBuf::from("unused"),
        };
        RunState::new(scenario, plan, LoadClock::start(1.0), endpoints)
    }

    fn scrape(registry: &Registry) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, registry).expect("encodes");
        text
    }

    fn line<'a>(text: &'a str, series: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(series))
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
    }

    #[test]
    fn a_scrape_shows_the_counters_the_latest_sample_and_the_readers() {
        let state = state();
        let registry = registry(state.clone());
        let c = &state.counters;
        for _ in 0..5 {
            Counters::bump(&c.alerts_handed);
        }
        for counter in [&c.alerts_delivered, &c.alerts_delivered, &c.alerts_spooled] {
            Counters::bump(counter);
        }
        for _ in 0..4 {
            Counters::bump(&c.alerts_settled);
        }
        {
            let mut recorder = state.recorder();
            recorder.sample(
                10.0,
                Gauges {
                    lag: 7,
                    jobs_running: 3,
                    jobs_pending: 2,
                    pods_busy: 1,
                    publisher_backlog: 1,
                },
            );
            recorder.alert_delivered(0, 100, 12.0);
            recorder.alert_received(1, 13.0);
        }
        let text = scrape(&registry);
        let labels = r#"{scenario="smoke",seed="1"}"#;
        for (series, value) in [
            ("alertsim_alerts_handed_total", "5"),
            ("alertsim_alerts_acknowledged_total", "2"),
            ("alertsim_alerts_lost_total", "1"),
            ("alertsim_alerts_spooled_total", "1"),
            ("alertsim_alerts_in_flight", "1"),
            ("alertsim_stream_lag", "7"),
            ("alertsim_jobs_running", "3"),
            ("alertsim_jobs_pending", "2"),
            ("alertsim_alert_latency_seconds_count", "1"),
        ] {
            assert_eq!(line(&text, series), format!("{series}{labels} {value}"));
        }
        assert_eq!(
            line(
                &text,
                r#"alertsim_alert_latency_seconds_bucket{scenario="smoke",seed="1",le="15.0"}"#
            )
            .rsplit(' ')
            .next(),
            Some("1")
        );
        let lag = |reader: &str| {
            let series =
                format!(r#"alertsim_reader_lag{{scenario="smoke",seed="1",reader="{reader}"}}"#);
            line(&text, &series).rsplit(' ').next().map(str::to_owned)
        };
        assert_eq!(lag("community-1").as_deref(), Some("2"));
        assert_eq!(lag("community-2").as_deref(), Some("1"));
        assert!(text.ends_with("# EOF\n"));

        // An outcome half counted (delivered before settled) would make
        // the derived loss one short: the counter does not go down.
        Counters::bump(&c.alerts_delivered);
        let text = scrape(&registry);
        assert_eq!(
            line(&text, "alertsim_alerts_lost_total"),
            format!("alertsim_alerts_lost_total{labels} 1")
        );
    }

    /// A detector read out at 52 s whose pipelines ran from 62 s to 68 s
    /// and whose last alert was acknowledged at 70 s: 6 s in the pipeline
    /// stage's histogram, nothing yet before that detector arrived.
    #[test]
    fn a_scrape_shows_each_stage_of_the_detectors_published_so_far() {
        let state = state();
        let registry = registry(state.clone());
        let series = |stage: &str, le: &str| {
            format!(
                r#"alertsim_stage_latency_seconds_bucket{{scenario="smoke",seed="1",le="{le}",stage="{stage}"}}"#
            )
        };
        let text = scrape(&registry);
        assert!(line(&text, &series("pipeline", "+Inf")).ends_with(" 0"));
        {
            let mut recorder = state.recorder();
            recorder.visit_planned(0, 52.0, 50);
            recorder.detector_stages(
                0,
                &alertsim_reports::DetectorStamps {
                    delivered: 50,
                    announced_s: 32.0,
                    pod_running_s: 32.0,
                    read_s: 32.0,
                    preload_end_s: 37.0,
                    images_end_s: 62.0,
                    pipeline_end_s: 68.0,
                    apdb_end_s: 69.0,
                    produced_s: 69.5,
                    acked_s: 70.0,
                },
            );
        }
        let text = scrape(&registry);
        for (stage, le, count) in [
            ("pipeline", "5.0", "0"),
            ("pipeline", "10.0", "1"),
            ("apdb_write", "1.0", "1"),
            ("cold_start", "1.0", "1"),
        ] {
            let found = line(&text, &series(stage, le));
            assert!(found.ends_with(&format!(" {count}")), "{found}");
        }
        let stages = text
            .lines()
            .filter(|l| l.starts_with("alertsim_stage_latency_seconds_count"))
            .count();
        assert_eq!(stages, 8, "{text}");
    }

    #[tokio::test]
    async fn the_endpoint_answers_on_the_port_bound() {
        let listener =
            MetricsListener::bind("127.0.0.1:0".parse().expect("an address")).expect("binds");
        assert_ne!(listener.local_addr().port(), 0);
        let _server = serve(&listener, state()).expect("serves");
        let mut stream = tokio::net::TcpStream::connect(listener.local_addr())
            .await
            .expect("connects");
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("asks");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .await
            .expect("answered");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains(CONTENT_TYPE), "{response}");
        assert!(response.ends_with("# EOF\n"), "{response}");
        // A taken address is refused, naming it.
        let taken = MetricsListener::bind(listener.local_addr()).expect_err("taken");
        assert!(
            taken
                .to_string()
                .contains(&listener.local_addr().to_string())
        );
    }
}
