//! `inspect [--format json|sql]`: the database's schema model, or the DDL
//! that recreates it.

use std::io::Write;

use schema_runtime::introspect::{introspect, IntrospectOptions};

use super::with_connection;
use crate::cli::{InspectArgs, InspectFormat};
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `inspect`.
pub fn run(project: &ProjectContext, args: &InspectArgs) -> Result<Outcome, Failure> {
    let engine = project.engine_settings()?;
    let options = IntrospectOptions::default();
    let schema = with_connection!(&engine, |conn| introspect(&mut conn, &options))?;
    let text = match args.format {
        InspectFormat::Json => {
            let mut json = serde_json::to_string_pretty(&schema)
                .map_err(|e| Failure::Usage(format!("cannot write the schema as JSON: {e}")))?;
            json.push('\n');
            json
        }
        InspectFormat::Sql => schema_core::schema::ddl::render(&schema),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Outcome::Ok)
}
