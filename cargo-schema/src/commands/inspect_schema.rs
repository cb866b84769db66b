//! `inspect [--format json|sql|mermaid|dot]`: the database's schema model,
//! the DDL that recreates it, or an entity-relationship diagram of it.

// These doc comments are also `--help`'s text, where `[schema]` and
// `[print_schema]` name ini sections, not Rust items.
#![allow(rustdoc::broken_intra_doc_links)]

use clap::{Args, ValueEnum};
use schema_core::schema::Table;
use schema_runtime::introspect::{introspect, IntrospectOptions};

use crate::ops::{print_schema, with_connection};
use crate::output::{self, er, out};
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `inspect`.
pub fn run(project: &ProjectContext, args: &InspectArgs) -> Result<Outcome, Failure> {
    let engine = project.engine_settings()?;
    let diagram = matches!(args.format, InspectFormat::Mermaid | InspectFormat::Dot);
    // A diagram shows what schema.rs shows: the first `[print_schema]`
    // configuration's schema and table filter (diesel.toml's, when the ini
    // has none).
    let print_schema = if diagram {
        let configs = print_schema::settings(project)?;
        configs.configs.into_values().next()
    } else {
        None
    };
    let options = IntrospectOptions {
        schemas: print_schema
            .as_ref()
            .and_then(|s| s.schema.clone())
            .into_iter()
            .collect(),
    };
    let schema = with_connection!(&engine, |conn| introspect(&mut conn, &options))?;
    let tables: Vec<&Table> = schema
        .tables
        .iter()
        .filter(|t| {
            print_schema
                .as_ref()
                .is_none_or(|s| !s.filter.should_ignore(&t.name))
        })
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        InspectFormat::Json => output::json(&schema)?,
        InspectFormat::Sql => out!("{}", schema_core::schema::ddl::render(&schema))?,
        InspectFormat::Mermaid => er::mermaid(&mut out, &tables, schema.default_schema.as_deref())?,
        InspectFormat::Dot => er::dot(&mut out, &tables, schema.default_schema.as_deref())?,
    }
    std::io::Write::flush(&mut out)?;
    Ok(Outcome::Ok)
}

/// `inspect` options.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: InspectFormat,
}

/// `inspect --format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// The schema model as JSON.
    #[default]
    Json,
    /// The DDL that recreates the schema.
    Sql,
    /// An entity-relationship diagram for Mermaid (tables as
    /// `[print_schema]` filters them).
    Mermaid,
    /// An entity-relationship diagram for Graphviz (tables as
    /// `[print_schema]` filters them).
    Dot,
}
