//! Writing a report's files into the `--out` directory.

mod brokers;
mod budget;
pub mod fidelity_section;
mod figures;
pub mod files;
pub mod html;
pub mod junit;
pub mod load_validity;
pub mod markdown;
pub mod metrics_file;
mod readers;
mod redis_cpu;
pub mod run_info;
mod tables;
mod timeline;
mod verdict;

use std::path::{Path, PathBuf};

use crate::fidelity::FidelityTable;
use crate::report::Report;

use files::create_dir;
pub use files::{ReportError, write_file};
pub use load_validity::LoadValidity;

/// The files written by [`write_reports`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// report.json
    pub json: PathBuf,
    /// report.md
    pub markdown: PathBuf,
    /// report.html
    pub html: PathBuf,
}

/// Writes report.json, report.md and report.html into `dir` (created if missing).
pub fn write_reports(report: &Report, dir: &Path) -> Result<Written, ReportError> {
    write_reports_with(report, dir, PageExtras::default())
}

/// What a run's pages (report.md, report.html) show besides the figures of
/// report.json, which is the same either way.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageExtras<'a> {
    /// A load run's: whether the load generator kept up.
    pub validity: Option<&'a LoadValidity>,
    /// A calibration's: the simulator against the real run.
    pub fidelity: Option<&'a FidelityTable>,
}

/// [`write_reports`] with [`PageExtras`] on the pages.
pub fn write_reports_with(
    report: &Report,
    dir: &Path,
    extras: PageExtras<'_>,
) -> Result<Written, ReportError> {
    create_dir(dir)?;
    let written = Written {
        json: dir.join("report.json"),
        markdown: dir.join("report.md"),
        html: dir.join("report.html"),
    };
    write_file(&written.json, &report.to_json())?;
    write_file(&written.markdown, &markdown::render_with(report, extras))?;
    write_file(&written.html, &html::render_with(report, extras)?)?;
    Ok(written)
}

/// Everything a run writes: the three report files and run-info.json into
/// `dir`, and JUnit XML to `junit` when given.
pub fn write_run(
    report: &Report,
    run_info: &run_info::RunInfo,
    dir: &Path,
    junit: Option<&Path>,
) -> Result<Written, ReportError> {
    let written = write_reports(report, dir)?;
    run_info.write(dir)?;
    if let Some(path) = junit {
        self::junit::write(report, path)?;
    }
    Ok(written)
}
