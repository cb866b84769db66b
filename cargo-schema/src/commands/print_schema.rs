//! `print-schema [--schema-key KEY]...`: diesel's `schema.rs` from the live
//! database (the settings source is [`crate::ops::print_schema`]).

// These doc comments are also `--help`'s text, where `[schema]` and
// `[print_schema]` name ini sections, not Rust items.
#![allow(rustdoc::broken_intra_doc_links)]

use std::io::Write;

use clap::Args;

use crate::ops::print_schema::{render, select, settings};
use crate::ops::with_connection;
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `print-schema [--schema-key KEY]...`.
pub fn run(project: &ProjectContext, args: &PrintSchemaArgs) -> Result<Outcome, Failure> {
    let configs = settings(project)?;
    let selected = select(&configs, &args.schema_key)?;
    let engine = project.engine_settings()?;
    let texts = with_connection!(&engine, |conn| render(&mut conn, &selected))?;
    let mut out = std::io::stdout().lock();
    for text in texts {
        out.write_all(text.as_bytes())?;
    }
    out.flush()?;
    Ok(Outcome::Ok)
}

/// `print-schema` options.
#[derive(Debug, Args)]
pub struct PrintSchemaArgs {
    /// Print only the configuration KEY (`[print_schema.KEY]`; `default`
    /// for the plain section) [default: every configuration, in key order].
    #[arg(long = "schema-key", value_name = "KEY")]
    pub schema_key: Vec<String>,
}
