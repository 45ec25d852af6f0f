//! The redis-streams trigger's metric: consumer-group lag read from a real Redis.
