//! cargo-schema's migrations as diesel_migrations sees them: each revision
//! implements diesel's `Migration` trait (the runner runs a revision's SQL
//! through it and writes the bookkeeping itself, see [`crate::bookkeeping`]),
//! and the whole set is a diesel `MigrationSource`, so diesel's own
//! `MigrationHarness` can run it too.

use std::fmt;

use diesel::backend::Backend as DieselBackend;
use diesel::connection::BoxableConnection;
use diesel::migration::{
    self, Migration as DieselMigration, MigrationMetadata, MigrationName, MigrationSource,
    MigrationVersion,
};
use schema_core::migrations::{Migration, RevisionGraph};
use schema_core::sql;
use schema_core::url::Backend;

use crate::error::{RunError, StatementFailed};

/// One revision, borrowed, for diesel's harness.
pub struct Revision<'a> {
    migration: &'a Migration,
    backend: Backend,
}

impl<'a> Revision<'a> {
    /// Wrap a migration for `backend` (which decides how its SQL is split).
    pub fn new(migration: &'a Migration, backend: Backend) -> Self {
        Revision { migration, backend }
    }
}

/// Send `script` one statement at a time, as psql and sqlite3 do, so a
/// failure can name its statement.
pub(crate) fn execute_script<DB: DieselBackend>(
    conn: &mut dyn BoxableConnection<DB>,
    script: &str,
    backend: Backend,
) -> migration::Result<()> {
    execute_checked(conn, script, backend, &|| Ok(()))
}

/// [`execute_script`], calling `before` ahead of each statement: a runner
/// whose statements commit one by one proves there, each time, that it
/// still holds its lease. What `before` returns ends the script, boxed as
/// the [`RunError`] itself so the runner can take it back out.
pub(crate) fn execute_checked<DB: DieselBackend>(
    conn: &mut dyn BoxableConnection<DB>,
    script: &str,
    backend: Backend,
    before: &dyn Fn() -> Result<(), RunError>,
) -> migration::Result<()> {
    for statement in sql::split(script, backend) {
        before().map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?;
        // Boxed as the trait object itself, so the runner's downcast finds
        // a StatementFailed rather than a box of one.
        conn.batch_execute(&statement.text).map_err(
            |source| -> Box<dyn std::error::Error + Send + Sync> {
                Box::new(StatementFailed {
                    line: statement.line,
                    statement: statement.text.into_owned(),
                    source,
                })
            },
        )?;
    }
    Ok(())
}

impl<DB: DieselBackend> DieselMigration<DB> for Revision<'_> {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        execute_script(conn, &self.migration.up_sql, self.backend)
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        match &self.migration.down_sql {
            Some(down) => execute_script(conn, down, self.backend),
            None => Err(format!(
                "revision {} has no down.sql and cannot be reverted",
                self.migration.describe()
            )
            .into()),
        }
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        self
    }

    fn name(&self) -> &dyn MigrationName {
        self
    }
}

impl MigrationMetadata for Revision<'_> {
    fn run_in_transaction(&self) -> bool {
        self.migration.run_in_transaction
    }
}

impl MigrationName for Revision<'_> {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(self.migration.version.as_str())
    }
}

impl fmt::Display for Revision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.migration.folder_name)
    }
}

/// An owned revision, for diesel's `MigrationSource` (which wants
/// `'static` boxes).
struct OwnedRevision {
    migration: Migration,
    backend: Backend,
}

impl<DB: DieselBackend> DieselMigration<DB> for OwnedRevision {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        Revision::new(&self.migration, self.backend).run(conn)
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        DieselMigration::<DB>::revert(&Revision::new(&self.migration, self.backend), conn)
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        self
    }

    fn name(&self) -> &dyn MigrationName {
        self
    }
}

impl MigrationMetadata for OwnedRevision {
    fn run_in_transaction(&self) -> bool {
        self.migration.run_in_transaction
    }
}

impl MigrationName for OwnedRevision {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(self.migration.version.as_str())
    }
}

impl fmt::Display for OwnedRevision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.migration.folder_name)
    }
}

/// The revisions of a graph as a diesel `MigrationSource`, in version order:
/// `conn.run_pending_migrations(DieselSource::new(&graph, Backend::Sqlite))`
/// runs them with diesel's own harness (linear order, no graph).
pub struct DieselSource {
    migrations: Vec<Migration>,
    backend: Backend,
}

impl DieselSource {
    /// The source for `graph` on `backend`.
    pub fn new(graph: &RevisionGraph, backend: Backend) -> Self {
        DieselSource {
            migrations: graph.migrations().to_vec(),
            backend,
        }
    }
}

impl<DB: DieselBackend> MigrationSource<DB> for DieselSource {
    fn migrations(&self) -> migration::Result<Vec<Box<dyn DieselMigration<DB>>>> {
        Ok(self
            .migrations
            .iter()
            .map(|m| {
                Box::new(OwnedRevision {
                    migration: m.clone(),
                    backend: self.backend,
                }) as Box<dyn DieselMigration<DB>>
            })
            .collect())
    }
}
