//! Avro object-container files of alerts (`{visit}_{detector}.avro`).
