//! cargo-schema's pure logic, shared by the `cargo schema` binary, the
//! `embed!()` macro and the runtime: one reading of the ini file and one
//! reading of the migrations folder for build time and run time alike.
//!
//! Nothing here opens a database connection.

pub mod config;
pub mod databases;
pub mod diag;
pub mod embed;
pub mod engine;
pub mod env;
pub mod ini;
pub mod lint;
pub mod migrations;
pub mod options;
pub mod project;
pub mod report;
pub mod schema;
pub mod secret;
pub mod settings;
pub mod sql;
pub mod text;
pub mod url;

pub use config::{Config, Options};
pub use diag::{ConfigError, Diagnostic, Kind};
pub use engine::{EngineSettings, Resolution, ResolveOptions};
pub use env::Environment;
pub use project::{EnvPolicy, Overrides, Project, ProjectSpec};
