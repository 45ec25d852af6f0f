//! Rubin alert records (schema 11.0), their Avro schema, encoding and
//! decoding, the Confluent wire format, container files, synthetic content
//! and FITS cutouts.
