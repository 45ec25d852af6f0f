//! Rubin alert records (schema 11.0), their Avro schema, encoding and
//! decoding, the Confluent wire format, container files, synthetic content
//! and FITS cutouts.

pub mod bench;
pub mod codec;
pub mod container;
pub mod fits;
pub mod generate;
pub mod identity;
pub mod records;
pub mod reference;
pub mod schema;
pub mod schema_history;
pub mod wire;
