//! The shipped scenarios, embedded in the binary so that they work from any
//! directory.

use crate::error::ScenarioError;
use crate::overrides::Override;
use crate::scenario::Scenario;

/// The scenario `alertsim sim` runs when given none.
pub const DEFAULT: &str = "rubin-night";

/// One shipped scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Name, as given on the command line.
    pub name: &'static str,
    /// The TOML text.
    pub text: &'static str,
}

impl Entry {
    /// The path of the file in the repository, used in messages.
    pub fn file_name(&self) -> String {
        format!("scenarios/catalog/{}.toml", self.name)
    }

    /// Loads the scenario with `--set` overrides applied.
    pub fn load(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        Scenario::from_str_with(self.text, &self.file_name(), overrides)
    }
}

const ENTRIES: &[Entry] = &[
    Entry {
        name: "dr-broker-offline-week",
        text: include_str!("../catalog/dr-broker-offline-week.toml"),
    },
    Entry {
        name: "dr-broker-outage",
        text: include_str!("../catalog/dr-broker-outage.toml"),
    },
    Entry {
        name: "dr-kafka-redeploy",
        text: include_str!("../catalog/dr-kafka-redeploy.toml"),
    },
    Entry {
        name: "dr-redis-lost",
        text: include_str!("../catalog/dr-redis-lost.toml"),
    },
    Entry {
        name: "dr-registry-rebuild",
        text: include_str!("../catalog/dr-registry-rebuild.toml"),
    },
    Entry {
        name: "galactic-plane-burst",
        text: include_str!("../catalog/galactic-plane-burst.toml"),
    },
    Entry {
        name: "rubin-night",
        text: include_str!("../catalog/rubin-night.toml"),
    },
    Entry {
        name: "schema-upgrade",
        text: include_str!("../catalog/schema-upgrade.toml"),
    },
    Entry {
        name: "smoke",
        text: include_str!("../catalog/smoke.toml"),
    },
];

/// All shipped scenarios, sorted by name.
pub fn list() -> &'static [Entry] {
    ENTRIES
}

/// The shipped scenario with this name (a trailing `.toml` is ignored).
pub fn get(name: &str) -> Option<&'static Entry> {
    let name = name.strip_suffix(".toml").unwrap_or(name);
    ENTRIES.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_file_loads_and_is_named_after_its_file() {
        for entry in list() {
            let s = entry
                .load(&[])
                .unwrap_or_else(|e| panic!("{}: {e}", entry.name));
            assert_eq!(s.name, entry.name);
            assert!(
                !s.description.is_empty(),
                "{} has no description",
                entry.name
            );
        }
    }

    #[test]
    fn list_is_sorted_and_default_exists() {
        let names: Vec<_> = list().iter().map(|e| e.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(get(DEFAULT).is_some());
        assert!(get("smoke.toml").is_some());
    }
}
