//! The fault kinds `partition_leadership_lost` and `registry_rebuilt`, the
//! `schema_registry.deterministic_ids` key and the `max_undecodable_alerts`
//! gate: loaded from TOML and checked; and the 7.4 and 8.0 schema versions,
//! refused with the reason.

use alertsim_scenarios::{Fault, Scenario};

fn load(text: &str) -> Result<Scenario, String> {
    Scenario::from_str(text, "f.toml").map_err(|e| e.to_string())
}

#[test]
fn leadership_and_rebuild_faults_load_with_their_windows() {
    let s = load(
        "[[faults]]\nkind = \"partition_leadership_lost\"\nat_s = 100\nduration_s = 30\npartitions = 3\n\n\
         [[faults]]\nkind = \"registry_rebuilt\"\nat_s = 200\nduration_s = 300\n\n\
         [schema_registry]\ndeterministic_ids = false\n\n[gates]\nmax_undecodable_alerts = 5\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.faults[0],
        Fault::PartitionLeadershipLost {
            at_s: 100.0,
            duration_s: 30.0,
            partitions: 3
        }
    );
    assert_eq!(s.faults[0].kind(), "partition_leadership_lost");
    assert_eq!(s.faults[0].window_s(), (100.0, 130.0));
    assert_eq!(s.faults[1].kind(), "registry_rebuilt");
    assert_eq!(s.faults[1].window_s(), (200.0, 500.0));
    assert!(!s.schema_registry.deterministic_ids);
    assert_eq!(s.gates.max_undecodable_alerts, Some(5));
    assert!(Scenario::default().schema_registry.deterministic_ids);
    let again = load(&s.to_toml()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, s);
}

#[test]
fn leaderless_partitions_must_exist() {
    let fault = |n: u32| {
        format!(
            "[kafka]\npartitions = 45\n\n[[faults]]\nkind = \"partition_leadership_lost\"\nat_s = 1\nduration_s = 2\npartitions = {n}\n"
        )
    };
    for n in [0, 46] {
        let e = load(&fault(n)).expect_err("out of range");
        assert!(e.contains("between 1 and kafka.partitions (45)"), "{e}");
    }
    assert!(load(&fault(45)).is_ok());
    let e = load("[[faults]]\nkind = \"registry_rebuilt\"\nat_s = 1\n").expect_err("no duration");
    assert!(e.contains("duration_s"), "{e}");
}

#[test]
fn schema_versions_7_4_and_8_0_are_refused_with_the_reason() {
    let e = load("[[schema_changes]]\nat_s = 1\nversion = \"8.0\"\n").expect_err("8.0");
    assert!(e.contains("no official 8.0 schema"), "{e}");
    let e = load("[schema_registry]\nstart_version = \"7.4\"\n").expect_err("7.4");
    assert!(e.contains("7.4 is not modelled"), "{e}");
    let e = load("[schema_registry]\nstart_version = \"9.0\"\n").expect_err("9.0");
    assert!(e.contains("`9.0`: not simulated"), "{e}");
}
