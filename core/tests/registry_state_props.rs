//! Property tests of the registry state: random sequences of registrations, deletes,
//! level and mode changes keep its invariants (an id keeps its schema until a
//! permanent delete frees it, versions ascend, failures change nothing,
//! re-registering is idempotent, the state survives a JSON round trip).

use std::collections::BTreeMap;

use alertsim_core::registry::{
    CompatibilityLevel, Mode, ParsedSchema, Registration, RegistryState, VersionSpec,
};
use proptest::prelude::*;

const SUBJECTS: [&str; 3] = ["a", "b", "alert-packet"];

fn schema(index: usize) -> String {
    let fields = [
        r#"{"name":"x","type":"int"}"#,
        r#"{"name":"x","type":"int"},{"name":"y","type":"string","default":""}"#,
        r#"{"name":"x","type":"int"},{"name":"z","type":"double"}"#,
        r#"{"name":"x","type":"long"}"#,
        r#"{"name":"w","type":["null","string"],"default":null}"#,
        r#"{"name":"x","type":"int"},{"name":"y","type":"string","default":""},{"name":"v","type":"float","default":0.0}"#,
    ];
    let f = fields[index % fields.len()];
    format!(r#"{{"type":"record","name":"r","fields":[{f}]}}"#)
}

#[derive(Debug, Clone)]
enum Op {
    Register {
        subject: usize,
        schema: usize,
        id: Option<u32>,
    },
    Delete {
        subject: usize,
        permanent: bool,
    },
    Level(usize),
    SubjectLevel(usize, usize),
    Mode {
        import: bool,
        force: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..6usize, proptest::option::of(1u32..20)).prop_map(|(subject, schema, id)| Op::Register { subject, schema, id }),
        1 => (0..3usize, any::<bool>()).prop_map(|(subject, permanent)| Op::Delete { subject, permanent }),
        1 => (0..7usize).prop_map(Op::Level),
        1 => (0..3usize, 0..7usize).prop_map(|(s, l)| Op::SubjectLevel(s, l)),
        1 => (any::<bool>(), any::<bool>()).prop_map(|(import, force)| Op::Mode { import, force }),
    ]
}

fn canonical(index: usize) -> String {
    ParsedSchema::parse(&schema(index))
        .expect("test schemas are valid")
        .canonical
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn invariants_hold_over_random_operations(ops in proptest::collection::vec(op(), 1..40)) {
        let mut state = RegistryState::new();
        let mut id_schema: BTreeMap<u32, String> = BTreeMap::new();
        for op in ops {
            let before = state.clone();
            let op_done = op.clone();
            let outcome = match op {
                Op::Register { subject, schema: s, id } => {
                    let request = Registration { schema: schema(s), id, version: None };
                    let result = state.register(SUBJECTS[subject], &request);
                    if let Ok(got) = result {
                        if let Some(wanted) = id {
                            prop_assert!(got == wanted || before.lookup(SUBJECTS[subject], &schema(s), false).is_ok());
                        }
                        // The id holds this schema until a permanent delete frees it.
                        let stored = ParsedSchema::parse(state.schema_by_id(got, true).unwrap()).unwrap().canonical;
                        prop_assert_eq!(&stored, &canonical(s));
                        let previous = id_schema.insert(got, stored.clone());
                        prop_assert!(previous.is_none_or(|p| p == stored));
                        // The same request again is idempotent.
                        let again = state.clone();
                        prop_assert_eq!(state.register(SUBJECTS[subject], &request).ok(), Some(got));
                        prop_assert_eq!(&state, &again);
                        // A plain registration changes nothing (the schema is live in the
                        // subject) and answers what a lookup answers: the id registered
                        // last, as Confluent's lookup by schema hash does. Without an
                        // explicit id that is the id just got.
                        let plain = state.register(SUBJECTS[subject], &Registration::new(schema(s))).ok();
                        prop_assert_eq!(&state, &again);
                        let found = state.lookup(SUBJECTS[subject], &schema(s), false).unwrap();
                        prop_assert_eq!(plain, Some(found.id));
                        if id.is_none() {
                            prop_assert_eq!(found.id, got);
                        }
                    }
                    result.map(|_| ())
                }
                Op::Delete { subject, permanent } => state.delete_subject(SUBJECTS[subject], permanent).map(|_| ()),
                Op::Level(l) => {
                    state.set_compatibility(CompatibilityLevel::ALL[l]);
                    Ok(())
                }
                Op::SubjectLevel(s, l) => {
                    state.set_subject_compatibility(SUBJECTS[s], Some(CompatibilityLevel::ALL[l]));
                    Ok(())
                }
                Op::Mode { import, force } => {
                    state.set_mode(if import { Mode::Import } else { Mode::Readwrite }, force)
                }
            };
            if outcome.is_err() {
                prop_assert_eq!(&state, &before, "a failed operation changed the state");
            }
            for subject in state.subjects(true) {
                let versions = state.versions(&subject, true).unwrap();
                prop_assert!(versions.windows(2).all(|w| w[0] < w[1]), "{:?}", versions);
                if let Ok(latest) = state.version(&subject, VersionSpec::Latest, false) {
                    let live = state.versions(&subject, false).unwrap();
                    prop_assert_eq!(live.last().copied(), Some(latest.version));
                }
            }
            // An id keeps its schema as long as a version uses it; a permanent
            // delete frees it (as in Confluent), and then it may take another.
            let mut freed = Vec::new();
            for (id, stored) in &id_schema {
                match state.schema_by_id(*id, true) {
                    Ok(text) => {
                        let now = ParsedSchema::parse(text).unwrap().canonical;
                        prop_assert_eq!(&now, stored);
                    }
                    Err(_) => {
                        let permanent = matches!(op_done, Op::Delete { permanent: true, .. });
                        prop_assert!(permanent, "id {} vanished without a permanent delete", id);
                        freed.push(*id);
                    }
                }
            }
            for id in freed {
                id_schema.remove(&id);
            }
        }
        let text = serde_json::to_string(&state).unwrap();
        let back: RegistryState = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, state);
    }
}
