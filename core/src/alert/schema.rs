//! The project's Avro schema for the alert records and its canonical form.
