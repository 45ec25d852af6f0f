//! Property tests: the loader never panics, whatever the text or `--set`.

use alertsim_scenarios::{Override, Scenario, catalog};
use proptest::prelude::*;

/// Fragments that look like scenario TOML, to reach deeper than random bytes.
fn tomlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[night]\n".to_owned()),
        Just("[scaler]\n".to_owned()),
        Just("[[consumers]]\n".to_owned()),
        Just("[[night.gaps]]\n".to_owned()),
        "[a-z_]{1,20} = [-0-9.e]{1,8}\n",
        "[a-z_]{1,20} = \"[a-z]{0,8}\"\n",
        "[a-z_]{1,20} = \\{ kind = \"[a-z]{1,10}\", [a-z_]{1,8} = [-0-9.]{1,6} \\}\n",
        Just("visits = 0\n".to_owned()),
        Just("min_replicas = 9999\n".to_owned()),
        Just("alerts_per_visit = { kind = \"uniform\", min = 5, max = 1 }\n".to_owned()),
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = Scenario::from_str(&text, "fuzz.toml");
    }

    #[test]
    fn tomlish_text_never_panics_and_errors_have_positions(text in tomlish()) {
        if let Err(e) = Scenario::from_str(&text, "fuzz.toml") {
            let shown = e.to_string();
            prop_assert!(shown.starts_with("fuzz.toml:"), "{}", shown);
        }
    }

    #[test]
    fn arbitrary_overrides_never_panic(arg in "[a-z_.\\[\\]0-9]{0,30}=[ -~]{0,20}") {
        if let (Ok(o), Some(entry)) = (Override::parse(&arg), catalog::get("smoke")) {
            let _ = entry.load(&[o]);
        }
    }
}

/// Distributions written as TOML, with arbitrary parameters.
fn distribution_text() -> impl Strategy<Value = String> {
    let num = prop_oneof![
        -1e6..1e6f64,
        0.0..100.0f64,
        Just(0.0),
        Just(f64::NAN),
        Just(f64::INFINITY)
    ];
    let n = move || {
        num.clone()
            .prop_map(|v| format!("{v:?}").replace("NaN", "nan"))
    };
    prop_oneof![
        n().prop_map(|v| format!("{{ kind = \"constant\", value = {v} }}")),
        (n(), n()).prop_map(|(a, b)| format!("{{ kind = \"uniform\", min = {a}, max = {b} }}")),
        (n(), n(), n(), n()).prop_map(|(m, s, lo, hi)| format!(
            "{{ kind = \"normal\", mean = {m}, std_dev = {s}, min = {lo}, max = {hi} }}"
        )),
        (n(), n(), n()).prop_map(|(m, s, hi)| format!(
            "{{ kind = \"lognormal\", mean = {m}, std_dev = {s}, max = {hi} }}"
        )),
        n().prop_map(|m| format!("{{ kind = \"exponential\", mean = {m} }}")),
    ]
}

proptest! {
    #[test]
    fn validated_distributions_sample_finite_values_within_their_bounds(
        d in distribution_text(),
        seed in any::<u64>(),
    ) {
        use rand::SeedableRng;
        let text = format!("[cluster]\npod_startup_s = {d}\n");
        if let Ok(s) = Scenario::from_str(&text, "d.toml") {
            let dist = &s.cluster.pod_startup_s;
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            for _ in 0..50 {
                let v = dist.sample(&mut rng);
                prop_assert!(v.is_finite(), "{} gave {}", d, v);
                prop_assert!(v >= 0.0, "{} gave negative {}", d, v);
                prop_assert!(v >= dist.lower_bound() && v <= dist.upper_bound(), "{} gave {}", d, v);
            }
        }
    }
}
