//! Direct Avro binary encoder and decoder for the alert records.
