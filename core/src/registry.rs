//! Schema registry: client and server (Confluent REST subset).
