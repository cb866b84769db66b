//! SQLite: its write lock (taken by each immediate transaction) serialises
//! runners; `sqlite_master` says which tables exist.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use schema_core::url::Backend;

use crate::dialect::Dialect;
use crate::error::RunError;

impl Dialect for diesel::SqliteConnection {
    const BACKEND: Backend = Backend::Sqlite;

    fn locked_transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, RunError>,
    ) -> Result<T, RunError> {
        // BEGIN IMMEDIATE takes SQLite's write lock up front, so two
        // runners cannot both read "pending" and then both apply it.
        let start = std::time::Instant::now();
        self.immediate_transaction(f).map_err(|e| match e {
            // SQLITE_BUSY once busy_timeout ran out: another writer holds
            // the lock, which deserves the lock advice, not a raw error.
            RunError::Database(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("database is locked") =>
            {
                RunError::LockTimeout {
                    waited: start.elapsed(),
                }
            }
            other => other,
        })
    }

    fn acquire_lock(&mut self, timeout: Duration) -> Result<(), RunError> {
        // The write lock comes with each immediate transaction; here we
        // only make SQLite wait for it rather than fail at once.
        self.batch_execute(&format!("PRAGMA busy_timeout = {}", timeout.as_millis()))?;
        Ok(())
    }

    fn release_lock(&mut self) -> Result<(), RunError> {
        Ok(())
    }

    fn server_version(&mut self) -> Result<String, RunError> {
        Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
            "sqlite_version()",
        ))
        .get_result(self)?)
    }

    fn table_exists(&mut self, name: &str) -> Result<bool, RunError> {
        // Only our own table names reach here, never user input.
        let query = format!(
            "EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{name}')"
        );
        Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&query)).get_result(self)?)
    }

    crate::bookkeeping::bookkeeping_queries!();
}
