//! `inspect [--format json|sql]`: the database's schema model, or the DDL
//! that recreates it.

use schema_runtime::introspect::{introspect, IntrospectOptions};

use super::with_connection;
use crate::cli::{InspectArgs, InspectFormat};
use crate::output::{self, out};
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `inspect`.
pub fn run(project: &ProjectContext, args: &InspectArgs) -> Result<Outcome, Failure> {
    let engine = project.engine_settings()?;
    let options = IntrospectOptions::default();
    let schema = with_connection!(&engine, |conn| introspect(&mut conn, &options))?;
    match args.format {
        InspectFormat::Json => output::json(&schema)?,
        InspectFormat::Sql => out!("{}", schema_core::schema::ddl::render(&schema))?,
    }
    Ok(Outcome::Ok)
}
