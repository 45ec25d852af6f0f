//! The progress of `alertsim load`: a bar on a terminal (visits announced,
//! alerts/s, lag and Jobs), a plain line every 30 s of wall time otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use alertsim_loadgen::load::LoadProgress;
use alertsim_scenarios::Scenario;

/// How often the plain-text progress prints a line.
const LINE_EVERY: Duration = Duration::from_secs(30);

/// Owns the bar; [`LoadProgressOutput::handle`] gives the callback.
pub struct LoadProgressOutput {
    bar: Option<indicatif::ProgressBar>,
    time_scale: f64,
}

/// What the run's progress callback updates.
pub struct ProgressHandle {
    bar: Option<indicatif::ProgressBar>,
    last_line: Option<Instant>,
    time_scale: f64,
}

impl LoadProgressOutput {
    /// A bar for `scenario`'s visits when stderr is a terminal.
    pub fn new(scenario: &Scenario, time_scale: f64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(u64::from(scenario.night.visits));
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} {prefix} [{bar:30}] {pos}/{len} visits {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(format!("load {}", scenario.name));
            bar
        });
        LoadProgressOutput { bar, time_scale }
    }

    /// The callback side.
    pub fn handle(&self) -> ProgressHandle {
        ProgressHandle {
            bar: self.bar.clone(),
            last_line: None,
            time_scale: self.time_scale,
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl ProgressHandle {
    /// Shows one sample.
    pub fn update(&mut self, p: &LoadProgress) {
        let figures = format!(
            "t={:.0} s, {} delivered, {:.0} alerts/s, lag {}, Jobs {} ({} pending)",
            p.t_s, p.alerts_delivered, p.alerts_per_wall_s, p.lag, p.jobs_running, p.jobs_pending
        );
        match &self.bar {
            Some(bar) => {
                bar.set_length(p.visits_total);
                bar.set_position(p.visits_fanned_out);
                bar.set_message(figures);
            }
            None => {
                let due = self.last_line.is_none_or(|t| t.elapsed() >= LINE_EVERY);
                if due {
                    self.last_line = Some(Instant::now());
                    eprintln!(
                        "load: {}/{} visits, {figures} (time scale {})",
                        p.visits_fanned_out, p.visits_total, self.time_scale
                    );
                }
            }
        }
    }
}
