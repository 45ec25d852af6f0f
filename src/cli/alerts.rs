//! `alertsim alerts generate | decode | bench`: synthetic alerts written as
//! Confluent wire-format files or Avro container files, decoded back to JSON
//! lines, and the encode/decode benchmark of the reference alert.

mod bench;
mod decode;
mod files;
mod generate;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

/// Generate, decode and benchmark Rubin alerts.
#[derive(Debug, clap::Subcommand)]
pub enum AlertsCommand {
    /// Generate synthetic alerts (seeded, deterministic) into a directory.
    ///
    /// Wire format writes one file per alert, `{diaSourceId}.avro`, holding
    /// the Confluent wire-format bytes (0x00, schema ID 1100, Avro datum).
    /// Container format writes one Avro object-container file per detector of
    /// a visit, `{visit}_{detector}.avro`, as Rubin's packager does.
    Generate(GenerateArgs),
    /// Decode alert files and print each alert as one JSON object per line.
    ///
    /// Wire-format and container files are told apart by their first bytes.
    /// Cutouts are summarised (bytes, sha256, FITS side), not dumped. Files
    /// that do not decode are reported on stderr after the others, exit 2.
    Decode(DecodeArgs),
    /// Encode and decode the reference alert; print one JSON line of rates.
    Bench(BenchArgs),
}

/// Output layout of `alerts generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One `{diaSourceId}.avro` file per alert, Confluent wire format.
    Wire,
    /// One `{visit}_{detector}.avro` Avro container file per detector.
    Container,
}

/// Arguments of `alerts generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Number of alerts to generate.
    #[arg(long, value_name = "N")]
    pub count: usize,
    /// Seed of the generator: the same seed gives the same alerts.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// File layout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Wire)]
    pub format: OutputFormat,
    /// Fraction of alerts from solar-system objects, in [0, 1].
    #[arg(long, value_name = "F", default_value_t = 0.05)]
    pub solar_system_fraction: f64,
    /// Alerts per detector of a visit (sets how alerts spread over files in
    /// container format).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub alerts_per_detector: usize,
    /// Leave the three FITS cutouts out (smaller, faster alerts).
    #[arg(long)]
    pub no_cutouts: bool,
}

/// Arguments of `alerts decode`.
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// Wire-format (`{diaSourceId}.avro`) or container (`{visit}_{detector}.avro`) files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Arguments of `alerts bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Number of alerts to encode and to decode.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub count: usize,
}

/// Runs the command.
pub fn run(cmd: AlertsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AlertsCommand::Generate(args) => generate::run(&args),
        AlertsCommand::Decode(args) => decode::run(&args),
        AlertsCommand::Bench(args) => bench::run(&args),
    }
}
