//! `publish alerts`: generate alerts, publish them, print the ledger.

use std::process::ExitCode;

use alertsim_core::alert::generate::{AlertGenerator, GeneratorConfig};
use alertsim_drivers::publish::kafka::{AlertPublisher, PublisherConfig};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{AlertsArgs, resolve_schema_id, target};
use crate::cli::exit::bad_input;
use crate::cli::runtime;

/// Runs `publish alerts`.
pub fn run(args: AlertsArgs) -> anyhow::Result<ExitCode> {
    if args.count == 0 {
        return Err(bad_input("--count 0: expected at least 1 alert"));
    }
    crate::cli::limits::at_most_published("--count", args.count as u64, &args.kafka)?;
    runtime()?.block_on(publish(args))
}

async fn publish(args: AlertsArgs) -> anyhow::Result<ExitCode> {
    let generator =
        AlertGenerator::new(GeneratorConfig::default(), args.seed).context("alert generator")?;
    let schema_id = resolve_schema_id(
        args.registry.as_deref(),
        &args.subject,
        args.deterministic_ids,
    )
    .await?;
    let target = target::open(&args.kafka).await?;
    let config = PublisherConfig {
        bootstrap: target.bootstrap.clone(),
        topic: args.kafka.topic.clone(),
        profile: args.kafka.profile,
        schema_id,
        spool_dir: args.spool.clone(),
        overrides: Vec::new(),
    };
    let mut publisher =
        AlertPublisher::new(&config).map_err(|e| bad_input(format!("publisher: {e}")))?;
    let progress =
        ProgressBar::with_draw_target(Some(args.count as u64), ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} alerts {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for batch in generator.batches(args.count) {
        let batch = batch.context("generating alerts")?;
        for alert in &batch.alerts {
            publisher
                .publish(alert, batch.visit, batch.detector)
                .await
                .context("publishing")?;
            progress.inc(1);
        }
    }
    let summary = publisher.finish().await.context("waiting for deliveries")?;
    // Clients go before the broker they talk to.
    drop(publisher);
    progress.finish_and_clear();
    println!("{}", serde_json::to_string(&summary)?);
    if summary.spooled > 0 {
        eprintln!(
            "{} alerts spooled in {}; re-publish them with: alertsim replay {} --kafka HOST:PORT",
            summary.spooled,
            args.spool.display(),
            args.spool.display()
        );
    }
    drop(target);
    Ok(if summary.delivered == summary.accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::cli::exit::GATE_FAILED)
    })
}
