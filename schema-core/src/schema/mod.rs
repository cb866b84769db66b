//! The database schema: a model of what a database holds (filled by
//! introspection in schema-runtime), diesel's `schema.rs` printed from it,
//! and the DDL that recreates it. No database code lives here.

pub mod autogen;
pub mod ddl;
pub mod diesel;
pub mod diff;
pub mod drift;
mod model;

pub use model::*;
