//! The integration tests on container images (feature `containers`):
//! Apache Kafka, Confluent Schema Registry and Redis through testcontainers,
//! with the same test bodies as the tests on local services. Needs a Docker
//! engine; without the feature this file is empty.
#![cfg(feature = "containers")]

use alertsim_drivers::publish::topic::ensure_topic;
use alertsim_integration::TestResult;
use alertsim_integration::cases::{lag_follows_fan_out_and_reads, publish_consume_decode};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};
use testcontainers_modules::kafka::apache::{KAFKA_PORT, Kafka};
use testcontainers_modules::redis::{REDIS_PORT, Redis};

const TOPIC: &str = "lsst-alerts-v11";
const NETWORK: &str = "alertsim-containers";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apache_kafka_and_confluent_registry_carry_every_alert() -> TestResult {
    let kafka = Kafka::default()
        .with_network(NETWORK)
        .with_container_name("alertsim-kafka")
        .start()
        .await?;
    let bootstrap = format!("127.0.0.1:{}", kafka.get_host_port_ipv4(KAFKA_PORT).await?);
    // The registry reaches Kafka on the image's internal BROKER listener.
    let registry = GenericImage::new("confluentinc/cp-schema-registry", "7.7.1")
        .with_exposed_port(8081.tcp())
        .with_wait_for(WaitFor::message_on_stdout(
            "Server started, listening for requests",
        ))
        .with_network(NETWORK)
        .with_env_var("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
        .with_env_var("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
        .with_env_var(
            "SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS",
            "PLAINTEXT://alertsim-kafka:9093",
        )
        .start()
        .await?;
    let registry_url = format!(
        "http://127.0.0.1:{}",
        registry.get_host_port_ipv4(8081).await?
    );
    ensure_topic(&bootstrap, TOPIC, 3, 1).await?;
    publish_consume_decode(&bootstrap, &registry_url, TOPIC, 3, 10_000).await
}

#[tokio::test]
async fn redis_image_lag_follows_fan_out_and_reads() -> TestResult {
    let redis = Redis::default().start().await?;
    let port = redis.get_host_port_ipv4(REDIS_PORT).await?;
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    lag_follows_fan_out_and_reads(&mut conn).await
}
