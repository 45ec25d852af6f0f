//! `series.redis_utilisation` in the three outputs: absent from a report
//! without it, and with it a key figure in report.md and report.html, a
//! chart in report.html, and the same values after a JSON round trip.

mod common;

use alertsim_reports::{Report, write_reports};
use common::{smoke, synthetic_report};

#[test]
fn the_series_shows_as_a_figure_and_a_chart_only_when_present() {
    let s = smoke();
    let plain = synthetic_report(&s, 1.0, 0);
    assert!(plain.series.redis_utilisation.is_empty());
    assert!(!plain.to_json().contains("redis_utilisation"));
    let mut r = plain.clone();
    let n = r.series.t_s.len();
    assert!(n >= 3, "{n} samples");
    r.series.redis_utilisation = (0..n).map(|i| if i == 0 { 0.2 } else { 0.9 }).collect();
    r.series.redis_utilisation[n - 1] = 1.0;
    let json = r.to_json();
    let back = Report::from_json(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.series.redis_utilisation, r.series.redis_utilisation);

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let plain_files =
        write_reports(&plain, &dir.path().join("plain")).unwrap_or_else(|e| panic!("{e}"));
    let files = write_reports(&r, &dir.path().join("redis")).unwrap_or_else(|e| panic!("{e}"));
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
    let md = read(&files.markdown);
    assert!(
        md.contains("| Redis CPU utilisation median / max | 90% / 100% of redis.cpu_limit |"),
        "{md}"
    );
    assert!(!read(&plain_files.markdown).contains("Redis CPU"));
    let html = read(&files.html);
    let plain_html = read(&plain_files.html);
    assert_eq!(
        html.matches("<svg").count(),
        plain_html.matches("<svg").count() + 1
    );
    assert!(html.contains("Redis CPU utilisation"));
    assert!(!plain_html.contains("Redis CPU utilisation"));
}
