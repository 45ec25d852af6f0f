//! Fuzz target: the line reader and parser of `alertsim keda decide
//! --batch` (the very file the command compiles) and the core's KEDA
//! decision on every state that parses: no panic, and never more Jobs
//! created than `max_replicas` allows.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/cli/keda_batch.rs"]
mod keda_batch;

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    let mut buffer = Vec::new();
    while let Ok(true) = keda_batch::read_line(&mut input, &mut buffer, 4096) {
        let Ok(text) = std::str::from_utf8(&buffer) else {
            continue;
        };
        if let Ok(Some(state)) = keda_batch::parse_line(text, Default::default()) {
            let decision = state.evaluate();
            assert!(
                decision.create <= state.max_replicas,
                "{state:?} -> {decision:?}"
            );
        }
    }
});
