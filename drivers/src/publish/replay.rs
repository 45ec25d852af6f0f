//! `alertsim replay`: re-publish a spool and remove what was delivered.
//!
//! Every spooled message is produced again, byte for byte, with the given
//! profile's settings; an entry's files are removed only after the broker
//! acknowledged it, and entries that fail again stay for the next replay.
//! An alert that had in fact reached the broker before it was spooled (its
//! acknowledgement was lost) is delivered twice: consumers see a duplicate,
//! which is why replay counts and never hides them.

use std::time::Duration;

use rdkafka::producer::FutureProducer;
use serde::Serialize;

use super::error::PublishError;
use super::kafka::{alert_record, classify, client_config};
use super::spool::Spool;
use alertsim_core::publish::policy::Failure;
use alertsim_core::publish::profile::Profile;

/// Alerts produced concurrently during a replay.
const WINDOW: usize = 1000;

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplaySummary {
    /// Entries found in the spool.
    pub found: u64,
    /// Entries delivered and removed.
    pub delivered: u64,
    /// Entries that failed again and stay in the spool.
    pub failed: u64,
}

/// Re-publishes every entry of `spool` to `topic`. `progress` is called
/// after each settled entry with the running summary.
pub async fn replay(
    spool: &Spool,
    bootstrap: &str,
    topic: &str,
    profile: Profile,
    mut progress: impl FnMut(&ReplaySummary),
) -> Result<ReplaySummary, PublishError> {
    let entries = spool.entries()?;
    let producer: FutureProducer = client_config(bootstrap, profile, &[])
        .create()
        .map_err(PublishError::Config)?;
    let mut summary = ReplaySummary {
        found: entries.len() as u64,
        ..ReplaySummary::default()
    };
    for chunk in entries.chunks(WINDOW) {
        let mut deliveries = Vec::with_capacity(chunk.len());
        for entry in chunk {
            let message = spool.read(entry)?;
            let mut record = alert_record(topic, &message);
            loop {
                match producer.send_result(record) {
                    Ok(delivery) => break deliveries.push(delivery),
                    Err((error, back)) if classify(&error) == Failure::QueueFull => {
                        // The queue drains as deliveries complete.
                        record = back;
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    Err((error, _)) => {
                        return Err(PublishError::Topic {
                            topic: topic.to_owned(),
                            reason: format!("producing {}: {error}", entry.path.display()),
                        });
                    }
                }
            }
        }
        for (entry, delivery) in chunk.iter().zip(deliveries) {
            match delivery.await {
                Ok(Ok(_)) => {
                    spool.remove(entry)?;
                    summary.delivered += 1;
                }
                Ok(Err((error, _))) => {
                    tracing::warn!(file = %entry.path.display(), %error, "replay failed; kept in the spool");
                    summary.failed += 1;
                }
                Err(_canceled) => summary.failed += 1,
            }
            progress(&summary);
        }
    }
    Ok(summary)
}
