//! Where a database is in the revision graph.

use schema_runtime::Status;

use super::with_connection;
use crate::project::ProjectContext;
use crate::Failure;

/// Read the project's database: applied, pending, edited, unknown and
/// failed revisions, and its heads.
pub fn status(project: &ProjectContext) -> Result<Status, Failure> {
    let engine = project.engine_settings()?;
    let migrator = project.migrator(false)?;
    Ok(with_connection!(&engine, |conn| migrator.status(&mut conn))?)
}
