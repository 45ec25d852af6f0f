//! The tables of a scenario file, one module per table.

pub mod archive;
pub mod chaos;
pub mod cluster;
pub mod consumers;
pub mod fanout;
pub mod faults;
pub mod gates;
pub mod kafka;
pub mod night;
pub mod publisher;
pub mod redis;
pub mod scaler;
pub mod schema_registry;
pub mod workers;
