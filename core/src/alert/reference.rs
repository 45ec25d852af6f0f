//! The reference alert: every field filled, full histories, fixed-size cutouts.
