//! The stage keys of `[workers]` take a number (a constant) or a
//! distribution table, and refuse anything else with the key's position.

use alertsim_scenarios::{Distribution, Scenario, parse_overrides};

#[test]
fn a_number_is_a_constant_and_a_table_a_distribution() {
    let s = Scenario::from_str(
        "[workers]\nprep_s = 8\napdb_write_s = { kind = \"uniform\", min = 1, max = 3 }\n",
        "t.toml",
    )
    .expect("valid");
    assert_eq!(s.workers.prep_s, Distribution::constant(8.0));
    assert_eq!(
        s.workers.apdb_write_s,
        Distribution::Uniform { min: 1.0, max: 3.0 }
    );
    let set = parse_overrides(&["workers.image_arrival_s=2.5".to_owned()]).expect("parses");
    let s = Scenario::from_str_with("", "t.toml", &set).expect("valid");
    assert_eq!(s.workers.image_arrival_s, Distribution::constant(2.5));
}

#[test]
fn bad_stage_values_name_the_key_and_the_line() {
    let err = Scenario::from_str("[workers]\n\nprep_s = \"soon\"\n", "t.toml")
        .expect_err("a string is not a duration")
        .to_string();
    assert!(err.contains("t.toml:3"), "{err}");
    let err = Scenario::from_str("[workers]\nprep_s = -1\n", "t.toml")
        .expect_err("negative")
        .to_string();
    assert!(err.contains("workers.prep_s"), "{err}");
    let err = Scenario::from_str(
        "[night]\nno_pipelines_fraction = 0.7\nimages_missing_fraction = 0.5\n",
        "t.toml",
    )
    .expect_err("more than every visit")
    .to_string();
    assert!(err.contains("images_missing_fraction"), "{err}");
}
