//! Confluent wire format: magic byte, schema ID, Avro datum.
