//! Fuzz target: the wire-format alert decoder must never panic, and whatever
//! it accepts must re-encode to a message it accepts again.
#![no_main]

use alertsim_core::alert::wire;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(alert) = wire::decode_alert_message(data) {
        let again = wire::alert_message(&alert);
        assert!(wire::decode_alert_message(&again).is_ok());
    }
});
