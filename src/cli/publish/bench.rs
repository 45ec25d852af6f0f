//! `publish bench`: publishing speed against rdkafka with pre-encoded bytes.

use std::process::ExitCode;

use alertsim_core::alert::schema::SCHEMA_ID;
use alertsim_drivers::publish::bench;
use alertsim_drivers::publish::kafka::PublisherConfig;
use anyhow::Context;

use super::{BenchArgs, target};
use crate::cli::exit::bad_input;
use crate::cli::runtime;

/// Runs `publish bench`.
pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    if args.count == 0 {
        return Err(bad_input("--count 0: expected at least 1 alert"));
    }
    crate::cli::limits::at_least_one("--rounds", args.rounds as u64, "round")?;
    crate::cli::limits::at_most(
        "--rounds",
        args.rounds as u64,
        crate::cli::limits::BENCH_ROUNDS,
        "rounds",
        0,
        "",
    )?;
    // Each round sends the alerts three times.
    let sent = (args.count as u64)
        .saturating_mul(3)
        .saturating_mul(args.rounds as u64);
    crate::cli::limits::at_most_published(
        "--count times 3 passes times --rounds",
        sent,
        &args.kafka,
    )?;
    runtime()?.block_on(async move {
        let target = target::open(&args.kafka).await?;
        let spool = tempfile::tempdir().context("temporary spool directory")?;
        let config = PublisherConfig {
            bootstrap: target.bootstrap.clone(),
            topic: args.kafka.topic.clone(),
            profile: args.kafka.profile,
            schema_id: SCHEMA_ID,
            spool_dir: spool.path().to_owned(),
            overrides: Vec::new(),
        };
        let result = bench::run(&config, args.count, args.rounds)
            .await
            .context("publish benchmark")?;
        println!("{}", serde_json::to_string(&result)?);
        drop(target);
        Ok(if result.not_delivered == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(crate::cli::exit::GATE_FAILED)
        })
    })
}
