//! What differs between backends, behind one trait: how to connect, the
//! runner lock ([`crate::lock`]), the bookkeeping queries
//! ([`crate::bookkeeping`]), and whether DDL is transactional. Each
//! backend implements it in its own file of [`crate::backend`].

use std::time::Duration;

use diesel::migration::MigrationConnection;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use schema_core::url::Backend;

use crate::bookkeeping::{self, RevisionRow};
use crate::error::RunError;

/// A diesel connection cargo-schema can migrate.
pub trait Dialect:
    Connection + MigrationConnection + MigrationHarness<<Self as Connection>::Backend> + 'static
{
    /// Which backend this is.
    const BACKEND: Backend;

    /// Open a connection to `url`. diesel's own connections read it with
    /// their client library; the pure-Rust ones ([`crate::driver`]) read it
    /// as that library would.
    fn open(url: &str) -> diesel::ConnectionResult<Self> {
        Self::establish(url)
    }

    /// Whether DDL takes part in transactions (PostgreSQL, SQLite), so a
    /// whole upgrade can land or roll back as one: the backend's answer,
    /// [`Backend::transactional_ddl`], which the offline script asks too.
    const TRANSACTIONAL_DDL: bool = Self::BACKEND.transactional_ddl();

    /// Whether a revision that runs inside the run's transaction goes to the
    /// server as one batch, its bookkeeping included, under a savepoint
    /// (PostgreSQL: a round trip per statement was most of an upgrade's
    /// time). A failed batch is undone to the savepoint and replayed
    /// statement by statement to name the statement that failed; that needs
    /// transactional DDL, and SQLite, in process, has no round trips to save.
    const BATCHED_STEPS: bool = false;

    /// Run `f` in a transaction that also holds the database's write lock
    /// where that is how the backend serialises runners (SQLite); a plain
    /// transaction elsewhere, where the runner lock is separate.
    fn locked_transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, RunError>,
    ) -> Result<T, RunError> {
        self.transaction(f)
    }

    /// The server's version string (`SELECT version()`), from which the
    /// runner tells CockroachDB, YugabyteDB, TiDB and a Galera node (marked
    /// with [`schema_core::url::GALERA_MARK`]) from the backend itself
    /// ([`schema_core::url::Flavor`]).
    fn server_version(&mut self) -> Result<String, RunError>;

    /// The server settings that shape what DDL creates (PostgreSQL's
    /// `search_path` and encoding, MySQL's `sql_mode`, default engine,
    /// character set and collation, table name case), as one string: the
    /// replayed-schema cache keys on it beside the version. SQLite's are
    /// all the connection's own (`connect_args`).
    fn ddl_settings(&mut self) -> Result<String, RunError> {
        Ok(String::new())
    }

    /// Take the runner lock, waiting at most `timeout`.
    fn acquire_lock(&mut self, timeout: Duration) -> Result<(), RunError>;

    /// Release the runner lock.
    fn release_lock(&mut self) -> Result<(), RunError>;

    /// Whether the server is a read-only standby, where a runner must not
    /// start (PostgreSQL's hot standby).
    fn is_standby(&mut self) -> Result<bool, RunError> {
        Ok(false)
    }

    /// Try once to take the runner lock inside a transaction this call
    /// opens and leaves open on this connection, one of the lock's own:
    /// `Ok(true)` holds it until [`Dialect::end_lock_transaction`] or the
    /// connection's end; `Ok(false)` left no transaction open. `None` where
    /// the backend has no lock that ends with a transaction; the runner
    /// then takes [`Dialect::acquire_lock`] on its own connection.
    fn try_lock_in_transaction(&mut self) -> Option<Result<bool, RunError>> {
        None
    }

    /// End the transaction that holds the lock
    /// [`Dialect::try_lock_in_transaction`] took.
    fn end_lock_transaction(&mut self) -> Result<(), RunError> {
        self.batch_execute("ROLLBACK")?;
        Ok(())
    }

    /// Create the bookkeeping tables when missing.
    fn ensure_bookkeeping(&mut self) -> Result<(), RunError> {
        self.batch_execute(bookkeeping::ddl())?;
        Ok(())
    }

    /// Whether a table exists (read-only commands create nothing).
    fn table_exists(&mut self, name: &str) -> Result<bool, RunError>;

    /// Versions in diesel's table.
    fn applied_versions(&mut self) -> Result<Vec<String>, RunError>;

    /// How many versions diesel's table holds (a cheap "did anything
    /// change" check between two transactions of one run).
    fn version_count(&mut self) -> Result<i64, RunError> {
        Ok(i64::try_from(self.applied_versions()?.len()).unwrap_or(i64::MAX))
    }

    /// Rows of `__schema_revisions`.
    fn revision_rows(&mut self) -> Result<Vec<RevisionRow>, RunError>;

    /// Record (or replace) a row of `__schema_revisions`.
    fn put_row(&mut self, row: &RevisionRow) -> Result<(), RunError>;

    /// Forget a version in both tables (a stamp, or a revert's checksum).
    fn forget(&mut self, version: &str, diesel_too: bool) -> Result<(), RunError>;

    /// Record a version in diesel's table (a stamp).
    fn insert_version(&mut self, version: &str) -> Result<(), RunError>;

    /// Rows of sqlx's table `table` ([`crate::bookkeeping::sqlx_select`]).
    fn sqlx_rows(&mut self, table: &str) -> Result<Vec<bookkeeping::SqlxRow>, RunError>;

    /// Run one statement of cargo-schema's own and say how many rows it
    /// changed (the lease of [`crate::lock::lease`]).
    fn execute_counted(&mut self, sql: &str) -> Result<usize, RunError>;
}
