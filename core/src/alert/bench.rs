//! Encode/decode throughput measurement of the reference alert.
