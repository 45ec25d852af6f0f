//! Fuzz target: `report.json` as `alertsim compare` and `alertsim merge`
//! read it. Reading (JSON, format version, the typed report, its scenario
//! validated within the limits) must never panic; a report that reads must
//! compare with itself without a regression and finish a merged report.
#![no_main]

use std::path::Path;

use alertsim_reports::{Recorder, Report, compare, report_from_str};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(value) = report_from_str(text, Path::new("report.json")) else {
        return;
    };
    let comparison = compare(&value, &value, 5.0);
    let _ = comparison.render();
    let Ok(report) = serde_json::from_value::<Report>(value) else {
        return;
    };
    if report.config.validate().is_empty() {
        // What merge does with the first shard's scenario.
        let recorder = Recorder::new(&report.config);
        let merged = recorder.finish(&report.config, report.simulated_s);
        assert_eq!(merged.scenario, report.config.name);
    }
});
