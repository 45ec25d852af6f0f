//! Fan-out: a visit becomes one Redis stream event per active detector.
