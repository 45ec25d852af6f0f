//! alertsim-loadgen: runs scenarios against real services, and starts the
//! local services (redis-server, ...) that tests and embedded runs need.
