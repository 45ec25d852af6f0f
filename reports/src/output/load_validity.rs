//! A load run's validity on its report pages: the load generator's own lag
//! (how late its planned actions ran, the real work its time scale
//! stretched, its CPU) and the verdict, near the top of report.md and
//! report.html, so a saturated run says in its first screen that its
//! figures measure the generator. report.json does not carry it (a load
//! run's report.json has the simulator's fields only); `load-info.json`
//! has the full figures.

use std::fmt::Write as _;

use crate::output::tables::{escape, html_table, markdown_table};

/// The load generator's figures as the pages show them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadValidity {
    /// The run's time scale.
    pub time_scale: f64,
    /// Lateness of planned actions, scenario seconds: p50, p99, max.
    pub lateness_s: [f64; 3],
    /// Share of the detectors' latency spent generating alerts.
    pub unmodelled_work_share: f64,
    /// Share of the detectors' latency the time scale added to the
    /// broker's round trips.
    pub publish_inflation_share: f64,
    /// Cores' worth of CPU the load process used.
    pub cpu_cores_used: f64,
    /// Whether the generator could not keep up.
    pub saturated: bool,
    /// Why, when saturated.
    pub reason: String,
    /// The time scale that should be valid on this machine.
    pub suggested_time_scale: f64,
}

impl LoadValidity {
    /// The headline: one sentence, saying whether the figures measure the
    /// system.
    fn headline(&self) -> String {
        if self.saturated {
            format!(
                "Inconclusive: the load generator could not keep up at time scale {} ({}). \
                 The figures below measure the load generator, not the system, and the gates say \
                 nothing; a run at time scale {} should be valid on this machine.",
                self.time_scale, self.reason, self.suggested_time_scale
            )
        } else {
            format!(
                "Valid: the load generator kept up at time scale {}.",
                self.time_scale
            )
        }
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let [p50, p99, max] = self.lateness_s;
        let percent = |share: f64| format!("{:.1}% of the detectors' latency", share * 100.0);
        vec![
            vec!["time scale".into(), self.time_scale.to_string()],
            vec![
                "planned actions late by, p50 / p99 / max".into(),
                format!("{p50:.3} / {p99:.3} / {max:.3} s (scenario time)"),
            ],
            vec![
                "alert generation (unmodelled)".into(),
                percent(self.unmodelled_work_share),
            ],
            vec![
                "broker round trips stretched by the time scale".into(),
                percent(self.publish_inflation_share),
            ],
            vec![
                "CPU of the load process".into(),
                format!("{:.2} cores", self.cpu_cores_used),
            ],
        ]
    }

    /// The section of report.md.
    pub(crate) fn markdown(&self) -> String {
        let mut s = String::new();
        let mark = if self.saturated { "**" } else { "" };
        let _ = writeln!(s, "> {mark}{}{mark}\n", self.headline());
        s.push_str("## Load generator\n\n");
        markdown_table(&mut s, &["figure", "value"], self.rows().into_iter());
        s.push('\n');
        s
    }

    /// The section of report.html.
    pub(crate) fn html(&self) -> String {
        let mut h = String::new();
        let cls = if self.saturated { "fail" } else { "pass" };
        let _ = writeln!(
            h,
            "<p class=\"{cls}\" id=\"load-validity\">{}</p>",
            escape(&self.headline())
        );
        h.push_str("<h2>Load generator</h2>\n");
        html_table(&mut h, &["figure", "value"], self.rows().into_iter());
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saturated() -> LoadValidity {
        LoadValidity {
            time_scale: 20.0,
            lateness_s: [0.02, 2.6, 4.2],
            unmodelled_work_share: 0.04,
            publish_inflation_share: 0.46,
            cpu_cores_used: 0.5,
            saturated: true,
            reason: "real work <stretched>".into(),
            suggested_time_scale: 1.7,
        }
    }

    #[test]
    fn a_saturated_run_says_so_first_with_the_valid_time_scale() {
        let v = saturated();
        let md = v.markdown();
        let first = md.lines().next().unwrap_or_default();
        assert!(first.starts_with("> **Inconclusive"), "{md}");
        assert!(first.contains("time scale 20") && first.contains("time scale 1.7"));
        assert!(md.contains("| broker round trips stretched by the time scale | 46.0% of"));
        let html = v.html();
        assert!(html.starts_with("<p class=\"fail\""), "{html}");
        assert!(
            html.contains("real work &lt;stretched&gt;"),
            "escaped: {html}"
        );
    }

    #[test]
    fn a_valid_run_says_it_kept_up() {
        let v = LoadValidity {
            saturated: false,
            reason: String::new(),
            suggested_time_scale: 20.0,
            ..saturated()
        };
        assert!(v.markdown().starts_with("> Valid: "));
        assert!(v.html().starts_with("<p class=\"pass\""));
    }
}
