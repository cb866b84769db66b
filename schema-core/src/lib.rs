//! cargo-schema's pure logic, shared by the `cargo schema` binary, the
//! `embed!()` macro and the runtime: one reading of the ini file and one
//! reading of the migrations folder for build time and run time alike.
//!
//! Nothing here opens a database connection.

pub mod migrations;
