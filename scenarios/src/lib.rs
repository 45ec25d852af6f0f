//! alertsim-scenarios: the scenario file format (TOML), its defaults from
//! Rubin's production configuration, validation with precise errors, and the
//! catalogue of shipped scenarios.
