//! Seeded generator of realistic synthetic alerts.
