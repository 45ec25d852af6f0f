//! A load run's validity on its report pages: the load generator's own lag
//! (how late its planned actions ran, the real work its time scale
//! stretched, its CPU) and the verdict, near the top of report.md and
//! report.html, so a saturated run says in its first screen that its
//! figures measure the generator. report.json does not carry it (a load
//! run's report.json has the simulator's fields only); `load-info.json`
//! has the full figures.

use crate::human;
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
                human::number(self.time_scale),
                self.reason,
                human::number(self.suggested_time_scale)
            )
        } else {
            format!(
                "Valid: the load generator kept up at time scale {}.",
                human::number(self.time_scale)
            )
        }
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let [p50, p99, max] = self.lateness_s;
        let percent = |share: f64| format!("{} of the detectors' latency", human::percent(share));
        vec![
            vec!["time scale".into(), human::number(self.time_scale)],
            vec![
                "planned actions late by, p50 / p99 / max".into(),
                format!(
                    "{} / {} / {} (scenario time)",
                    human::duration(p50),
                    human::duration(p99),
                    human::duration(max)
                ),
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
                format!("{} cores", human::number(self.cpu_cores_used)),
            ],
        ]
    }

    /// report.md's headline, beside the night's verdict at the top.
    pub(crate) fn headline_markdown(&self) -> String {
        let mark = if self.saturated { "**" } else { "" };
        format!("> {mark}{}{mark}\n\n", self.headline())
    }

    /// report.md's table of the generator's figures.
    pub(crate) fn table_markdown(&self) -> String {
        let mut s = String::from("## Load generator\n\n");
        markdown_table(&mut s, &["figure", "value"], self.rows().into_iter());
        s.push('\n');
        s
    }

    /// report.html's headline, beside the night's verdict at the top.
    pub(crate) fn headline_html(&self) -> String {
        let cls = if self.saturated { "fail" } else { "pass" };
        format!(
            "<p class=\"{cls}\" id=\"load-validity\">{}</p>\n",
            escape(&self.headline())
        )
    }

    /// report.html's table of the generator's figures.
    pub(crate) fn table_html(&self) -> String {
        let mut h = String::from("<h2>Load generator</h2>\n");
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
        let md = v.headline_markdown() + &v.table_markdown();
        let first = md.lines().next().unwrap_or_default();
        assert!(first.starts_with("> **Inconclusive"), "{md}");
        assert!(first.contains("time scale 20") && first.contains("time scale 1.7"));
        assert!(md.contains("| broker round trips stretched by the time scale | 46% of"));
        let html = v.headline_html() + &v.table_html();
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
        assert!(v.headline_markdown().starts_with("> Valid: "));
        assert!(v.headline_html().starts_with("<p class=\"pass\""));
    }
}
