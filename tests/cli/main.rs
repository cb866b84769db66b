//! End-to-end tests of the `cargo schema` binary, on real temporary
//! projects with a cleaned environment.

mod alembic_corpus;
mod autogenerate;
mod bad_inputs;
mod completions;
mod config_json;
mod config_text;
mod deferred_url;
mod diesel_cases;
mod discovery;
mod first_hour;
mod guide;
mod layout;
mod migrate;
mod ops;
mod overrides;
mod pictures;
mod pipe;
mod pipeline;
mod print_schema;
mod promises;
mod rebuild;
mod secrets;
mod security;
mod support;
mod terminal;
