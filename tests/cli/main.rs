//! End-to-end tests of the `cargo schema` binary, on real temporary
//! projects with a cleaned environment.

mod bad_inputs;
mod config_json;
mod config_text;
mod discovery;
mod migrate;
mod overrides;
mod print_schema;
mod rebuild;
mod secrets;
mod support;
