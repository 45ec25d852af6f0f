//! Loading scenario text: defaults, error positions and messages, `--set`.

use alertsim_scenarios::{Origin, Scenario, ScenarioError, Strategy, parse_overrides};

fn load_err(text: &str) -> ScenarioError {
    match Scenario::from_str(text, "bad.toml") {
        Ok(s) => panic!("expected an error, loaded {s:?}"),
        Err(e) => e,
    }
}

fn first(e: &ScenarioError) -> (usize, usize, String) {
    let d = e
        .diagnostics()
        .first()
        .unwrap_or_else(|| panic!("no diagnostic in {e}"));
    match &d.origin {
        Origin::File { file, line, column } => {
            assert_eq!(file, "bad.toml");
            (*line, *column, d.to_string())
        }
        Origin::Override { argument } => panic!("unexpected --set {argument}"),
    }
}

#[test]
fn an_empty_file_is_a_valid_rubin_night() {
    let s = Scenario::from_str("", "empty.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "empty");
    assert_eq!(s.night.visits, 1000);
    assert_eq!(s.night.visit_interval_s, 37.0);
    assert_eq!(s.scaler.strategy, Strategy::Eager);
    assert_eq!(s.scaler.max_replicas, 1700);
    assert_eq!(s.kafka.partitions, 45);
    assert_eq!(s.consumers.len(), 9);
    assert_eq!(s.gates.p98_latency_s, 60.0);
    let mean = s.night.mean_alerts_per_visit();
    assert!(
        (mean - 10_000.0).abs() < 100.0,
        "mean alerts per visit {mean}"
    );
}

#[test]
fn unknown_key_names_its_line_column_and_the_expected_keys() {
    let e = load_err("name = \"x\"\n\n[night]\nvisits = 3\nvisitz = 4\n");
    let (line, column, text) = first(&e);
    assert_eq!((line, column), (5, 1), "{text}");
    assert!(text.starts_with("bad.toml:5:1: "), "{text}");
    assert!(text.contains("visitz"), "{text}");
    assert!(text.contains("(expected one of"), "{text}");
}

#[test]
fn wrong_type_names_the_value_position_and_type() {
    let e = load_err("[scaler]\nmax_replicas = \"many\"\n");
    let (line, column, text) = first(&e);
    assert_eq!((line, column), (2, 16), "{text}");
    assert!(text.contains("(expected a non-negative integer)"), "{text}");
}

#[test]
fn missing_required_key_says_which() {
    let e = load_err("[[night.gaps]]\nafter_visit = 3\n");
    let (_, _, text) = first(&e);
    assert!(
        text.contains("(expected a value for `duration_s`)"),
        "{text}"
    );
}

#[test]
fn syntax_error_has_a_position() {
    let e = load_err("[night\nvisits = 3\n");
    let (line, _, text) = first(&e);
    assert_eq!(line, 1, "{text}");
}

#[test]
fn impossible_values_point_at_their_key() {
    let text = "[night]\nvisits = 10\n\n[scaler]\nmin_replicas = 50\nmax_replicas = 10\n\n[gates]\nmax_late_visit_fraction = 1.5\n";
    let e = load_err(text);
    let ds = e.diagnostics();
    assert_eq!(ds.len(), 2, "{e}");
    let lines: Vec<_> = ds
        .iter()
        .map(|d| match d.origin {
            Origin::File { line, .. } => line,
            Origin::Override { .. } => 0,
        })
        .collect();
    assert_eq!(lines, [5, 9], "{e}");
    assert!(
        e.to_string().contains("(expected a number in [0, 1])"),
        "{e}"
    );
}

#[test]
fn distribution_problems_are_caught() {
    for (text, needle) in [
        (
            "[cluster]\npod_startup_s = { kind = \"uniform\", min = 9, max = 3 }\n",
            "max >= min",
        ),
        (
            "[cluster]\npod_startup_s = { kind = \"constant\", value = -1 }\n",
            ">= 0",
        ),
        (
            "[cluster]\npod_startup_s = { kind = \"gamma\", shape = 2 }\n",
            "expected one of",
        ),
        (
            "[cluster]\npod_startup_s = { kind = \"constant\", value = 1, extra = 2 }\n",
            "extra",
        ),
        (
            "[cluster]\npod_startup_s = { kind = \"normal\", mean = 60, std_dev = 5 }\n",
            "min",
        ),
        ("[night]\nactive_detectors = 0\n", "at least 1"),
        (
            "[night]\ndetectors = 100\nactive_detectors = 172\n",
            "at most 100",
        ),
        ("[night]\nvisit_interval_s = -37\n", "> 0"),
        ("[kafka]\nbrokers = 2\n", "replication"),
    ] {
        let e = load_err(text);
        let (line, _, shown) = first(&e);
        assert!(line >= 1 && line <= text.lines().count(), "{shown}");
        assert!(shown.contains(needle), "{text:?} -> {shown}");
    }
}

#[test]
fn overrides_apply_before_deserialisation() {
    let sets = parse_overrides(&[
        "gates.p98_latency_s=30",
        "scaler.strategy=accurate",
        "night.alerts_per_visit.mean=20000",
        "consumers[1].throughput_alerts_per_s=123",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let s = Scenario::from_str_with("", "x.toml", &sets).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.gates.p98_latency_s, 30.0);
    assert_eq!(s.scaler.strategy, Strategy::Accurate);
    assert_eq!(s.night.alerts_per_visit.mean(), 20_000.0);
    assert_eq!(s.consumers[1].throughput_alerts_per_s, 123.0);
    assert_eq!(s.consumers.len(), 9);
}

#[test]
fn bad_overrides_name_the_argument() {
    for (arg, needle) in [
        ("scaler.strategy=sometimes", "unknown variant"),
        ("scaler.nope=1", "unknown field"),
        ("gates.max_lost_alerts=-1", "expected"),
        ("scaler.max_replicas=0", "at least 1"),
        ("consumers[20].name=x", "past the end"),
        ("seed.deeper=1", "cannot hold"),
    ] {
        let sets = parse_overrides(&[arg]).unwrap_or_else(|e| panic!("{e}"));
        let e = match Scenario::from_str_with("", "x.toml", &sets) {
            Ok(_) => panic!("{arg} should fail"),
            Err(e) => e,
        };
        let text = e.to_string();
        assert!(text.starts_with(&format!("--set {arg}: ")), "{text}");
        assert!(text.contains(needle), "{arg} -> {text}");
    }
    assert!(parse_overrides(&["novalue"]).is_err());
}

#[test]
fn catalogue_names_and_paths_resolve() {
    let s = Scenario::resolve("smoke", &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.night.visits, 5);
    let dir = std::env::temp_dir().join(format!("scen-resolve-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("mine.toml");
    let _ = std::fs::write(&path, "[night]\nvisits = 7\n");
    let p = Scenario::resolve(&path.display().to_string(), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((p.name.as_str(), p.night.visits), ("mine", 7));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(matches!(
        Scenario::resolve("no-such-scenario", &[]),
        Err(ScenarioError::UnknownName { .. })
    ));
}

#[test]
fn serialised_defaults_load_back_identically() {
    let s = Scenario::resolve("rubin-night", &[]).unwrap_or_else(|e| panic!("{e}"));
    let again =
        Scenario::from_str(&s.to_toml(), "rubin-night.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s, again);
}

/// Every key of the format is in the reference table of SCENARIO.md.
#[test]
fn scenario_md_documents_every_key() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SCENARIO.md"))
        .unwrap_or_default();
    let table: toml::Table = toml::from_str(&Scenario::default().to_toml()).unwrap_or_default();
    let mut missing = Vec::new();
    for (section, value) in &table {
        match value {
            toml::Value::Table(t) => {
                for key in t.keys() {
                    let path = format!("`{section}.{key}`");
                    if !doc.contains(&path) {
                        missing.push(path);
                    }
                }
            }
            _ => {
                if !doc.contains(&format!("`{section}`")) {
                    missing.push(section.clone());
                }
            }
        }
    }
    assert!(missing.is_empty(), "SCENARIO.md lacks {missing:?}");
}

#[test]
fn faults_and_schema_changes_load_and_are_checked() {
    let ok = "[[faults]]\nkind = \"broker_outage\"\nat_s = 600\nduration_s = 120\nbrokers = 2\n\n[[faults]]\nkind = \"scaled_job_spec_change\"\nat_s = 900\n\n[[schema_changes]]\nat_s = 100\nversion = \"10.0\"\n";
    let s = Scenario::from_str(ok, "f.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.faults.len(), 2);
    assert_eq!(s.faults[0].window_s(), (600.0, 720.0));
    assert_eq!(s.faults[1].kind(), "scaled_job_spec_change");
    assert_eq!(s.schema_changes[0].major_minor(), Some((10, 0)));
    let again = Scenario::from_str(&s.to_toml(), "f.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, s);

    let bad = "[kafka]\nbrokers = 6\n\n[[faults]]\nkind = \"broker_outage\"\nat_s = 600\nduration_s = 120\nbrokers = 9\n";
    let e = load_err(bad);
    let (line, _, text) = first(&e);
    assert_eq!(line, 8, "{text}");
    assert!(text.contains("between 1 and kafka.brokers (6)"), "{text}");

    let e = load_err("[[faults]]\nkind = \"redis_outage\"\nat_s = 1\n");
    assert!(e.to_string().contains("duration_s"), "{e}");
    let e = load_err("[[schema_changes]]\nat_s = 1\nversion = \"eleven\"\n");
    let (line, _, text) = first(&e);
    assert_eq!(line, 3, "{text}");

    // A reader away must be one of the scenario's consumers, by name.
    let away = "[[consumers]]\nname = \"fink\"\n\n[[faults]]\nkind = \"consumer_offline\"\nat_s = 1\nduration_s = 10\nconsumer = \"finck\"\n";
    let e = load_err(away);
    let (line, _, text) = first(&e);
    assert_eq!(line, 8, "{text}");
    assert!(text.contains("no consumer is named `finck`"), "{text}");
    assert!(text.contains("(fink)"), "{text}");
    let ok = Scenario::from_str(&away.replace("finck", "fink"), "f.toml");
    assert!(ok.is_ok(), "{ok:?}");
    let e = load_err("[kafka]\nretention_s = 0\n");
    assert!(e.to_string().contains("kafka.retention_s"), "{e}");
    let e = load_err("[[consumers]]\nname = \"fink\"\nquota_bytes_per_s = -1\n");
    assert!(
        e.to_string().contains("consumers.0.quota_bytes_per_s"),
        "{e}"
    );
}

#[test]
fn warnings_flag_valid_but_doubtful_settings() {
    let rubin = Scenario::resolve("rubin-night", &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(rubin.warnings().is_empty(), "{:?}", rubin.warnings());
    let small = Scenario::from_str(
        "[cluster]\nnodes = 2\n\n[kafka]\nbroker_bandwidth_mbps = 1\n\n[[consumers]]\nname = \"only\"\n",
        "w.toml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let w = small.warnings();
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w[0].contains("fits 64 pods"), "{w:?}");
}

#[test]
fn retry_settings_out_of_range_name_their_line_and_range() {
    let e = load_err("[workers]\nredis_retries = 101\n");
    let (line, _, text) = first(&e);
    assert_eq!(line, 2, "{text}");
    assert!(text.contains("[0, 100]"), "{text}");
    let e = load_err("[workers]\nredis_retry_s = -1\n");
    let (line, _, text) = first(&e);
    assert_eq!(line, 2, "{text}");
    let e = load_err("# fan-out\n[fanout]\nwrite_retries = 21\n");
    let (line, _, text) = first(&e);
    assert_eq!(line, 3, "{text}");
    assert!(text.contains("[0, 20]"), "{text}");
    let e = load_err("[fanout]\nmessage_expiration_s = 0\n");
    let (line, _, text) = first(&e);
    assert_eq!(line, 2, "{text}");
    let ok = Scenario::from_str(
        "[fanout]\nwrite_retries = 0\n[workers]\nredis_retry_s = 0\nredis_retries = 0\n",
        "ok.toml",
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn operator_settings_out_of_range_name_their_line_and_range() {
    for bad in ["-0.1", "61", "nan"] {
        let e = load_err(&format!("[scaler]\ncache_lag_s = {bad}\n"));
        let (line, _, text) = first(&e);
        assert_eq!(line, 2, "{text}");
        assert!(text.contains("[0, 60]"), "{text}");
    }
    let e = load_err("[scaler]\nstatus_patch_limit = \"both\"\n");
    let (line, _, text) = first(&e);
    assert_eq!(line, 2, "{text}");
    let e = load_err("[scaler]\n\ncustom_deduction = 3000000000\n");
    let (line, _, text) = first(&e);
    assert_eq!(line, 3, "{text}");
    assert!(text.contains("2147483647"), "{text}");
    let ok = Scenario::from_str(
        "[scaler]\ncache_lag_s = 0\nstatus_patch_limit = \"shared\"\ncustom_deduction = -2\n",
        "ok.toml",
    );
    assert!(ok.is_ok(), "{ok:?}");
    let defaults = Scenario::from_str("", "empty.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(defaults.scaler.cache_lag_s, 0.5);
    assert_eq!(defaults.scaler.custom_deduction, None);
}
