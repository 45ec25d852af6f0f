//! `alertsim registry serve`: the schema registry server (Confluent REST
//! subset); `alertsim registry sync` (in [`super::registry_sync`]): Rubin's
//! schema sync job against any registry.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use alertsim_drivers::registry::{ServerConfig, ServerError, start};
use anyhow::Context;

use super::exit::bad_input;

/// Schema registry subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RegistryCommand {
    /// Serve the registry until interrupted (SIGINT or SIGTERM). Prints
    /// `listening on http://ADDR` on stdout once it accepts connections.
    Serve(ServeArgs),
    /// Rubin's schema sync job: import each alert schema under its fixed id
    /// (major * 100 + minor) into subject alert-packet in IMPORT mode,
    /// register lsst-alerts-v{X.Y}-value, set READWRITE; with --delete-all
    /// hard-delete every subject first, as production does on every Argo CD
    /// sync. Prints what it did as one JSON line; exit 2 when the registry
    /// holds another schema under an id or refuses a step.
    Sync(super::registry_sync::SyncArgs),
}

/// Arguments of `registry serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: String,
    /// Directory holding the registry state; without it the state lives in memory only.
    #[arg(long)]
    data: Option<PathBuf>,
}

/// Runs the command.
pub fn run(cmd: RegistryCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RegistryCommand::Serve(args) => serve(args),
        RegistryCommand::Sync(args) => super::registry_sync::run(&args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let listen: SocketAddr = args.listen.parse().map_err(|_| {
        bad_input(format!(
            "--listen {:?}: expected an IP address and port such as 127.0.0.1:8081",
            args.listen
        ))
    })?;
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let config = ServerConfig {
            listen,
            data_dir: args.data.clone(),
        };
        let server = match start(config).await {
            Ok(server) => server,
            Err(e @ ServerError::Bind { .. }) => {
                return Err(bad_input(format!("--listen {}: {e}", args.listen)));
            }
            Err(e @ ServerError::Store(_)) => {
                let dir = args
                    .data
                    .as_deref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default();
                return Err(bad_input(format!("--data {dir}: {e}")));
            }
            Err(e) => return Err(e.into()),
        };
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on {}", server.url()).context("writing to stdout")?;
        stdout.flush().context("writing to stdout")?;
        let (signal_tx, signal_rx) = tokio::sync::oneshot::channel();
        let stopped = async move {
            let result = stop_signal().await;
            // The server only waits for the signal; a failed handler stops it too.
            let _ = signal_tx.send(result);
        };
        server.run_until(stopped).await.context("registry server")?;
        if let Ok(result) = signal_rx.await {
            result?;
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Waits for SIGINT or SIGTERM.
pub(crate) async fn stop_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("waiting for SIGINT"),
        _ = term.recv() => Ok(()),
    }
}
