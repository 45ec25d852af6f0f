//! alertsim-tests: shared helpers for the integration tests in `tests/tests/`,
//! which run against real services that the tests start themselves.
