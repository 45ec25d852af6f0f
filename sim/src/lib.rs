//! alertsim-sim: a single-threaded discrete-event simulator that drives the
//! production code of alertsim-core under virtual time, with seeded
//! randomness, so that a whole night runs in seconds and reproducibly.
