//! Fuzz target: `recorder.json` as `alertsim merge` reads it. Reading must
//! never panic; a recorder that reads must merge with itself and with an
//! empty recorder of the smoke scenario, and give a report, without a
//! panic.
#![no_main]

use std::path::Path;

use alertsim_reports::Recorder;
use alertsim_scenarios::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(recorder) = Recorder::from_file_bytes(data, Path::new("recorder.json")) else {
        return;
    };
    let Ok(scenario) = Scenario::resolve("smoke", &[]) else {
        return;
    };
    let mut merged = Recorder::new(&scenario);
    if merged.merge(&recorder).is_ok() && merged.merge(&recorder).is_ok() {
        let report = merged.finish(&scenario, 100.0);
        let json = serde_json::to_string(&report).unwrap_or_default();
        assert!(!json.is_empty());
    }
    let _ = recorder.to_file_bytes();
});
