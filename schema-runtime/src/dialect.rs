//! What differs between backends, behind one trait: how to connect, the
//! runner lock ([`crate::lock`]), the bookkeeping queries
//! ([`crate::bookkeeping`]), and whether DDL is transactional.

use std::time::Duration;

#[allow(unused_imports)] // batch_execute, used by the backend impls
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationConnection;
#[allow(unused_imports)] // the query builder, used by the backend impls
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
    /// runner tells CockroachDB, YugabyteDB and TiDB from the backend
    /// itself ([`schema_core::url::Flavor`]).
    fn server_version(&mut self) -> Result<String, RunError>;

    /// Take the runner lock, waiting at most `timeout`.
    fn acquire_lock(&mut self, timeout: Duration) -> Result<(), RunError>;

    /// Release the runner lock.
    fn release_lock(&mut self) -> Result<(), RunError>;

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

    /// Run one statement of cargo-schema's own and say how many rows it
    /// changed (the lease of [`crate::lock::lease`]).
    fn execute_counted(&mut self, sql: &str) -> Result<usize, RunError>;
}

#[cfg(feature = "sqlite")]
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

    crate::lock::sqlite_lock!();

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

/// The PostgreSQL dialect, for diesel's `PgConnection` (libpq) and the
/// pure-Rust [`crate::driver::PgConnection`] alike.
#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
macro_rules! postgres_dialect {
    ($conn:ty $(, open = $open:path)?) => {
        impl Dialect for $conn {
            const BACKEND: Backend = Backend::Postgres;
            const BATCHED_STEPS: bool = true;
            $(
                fn open(url: &str) -> diesel::ConnectionResult<Self> {
                    $open(url)
                }
            )?

            crate::lock::postgres_lock!();

            fn server_version(&mut self) -> Result<String, RunError> {
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("version()")).get_result(self)?)
            }

            fn table_exists(&mut self, name: &str) -> Result<bool, RunError> {
                // Only our own table names reach here, never user input.
                let query = format!("to_regclass('{name}') IS NOT NULL");
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&query)).get_result(self)?)
            }

            crate::bookkeeping::bookkeeping_queries!();
        }
    };
}

#[cfg(feature = "postgres-libpq")]
postgres_dialect!(diesel::PgConnection);
#[cfg(feature = "postgres")]
postgres_dialect!(
    crate::driver::PgConnection,
    open = crate::driver::postgres::open
);

/// The MySQL/MariaDB dialect, for diesel's `MysqlConnection`
/// (libmysqlclient) and the pure-Rust [`crate::driver::MysqlConnection`].
#[cfg(any(feature = "mysql", feature = "mysql-libmysqlclient"))]
macro_rules! mysql_dialect {
    ($conn:ty $(, open = $open:path)?) => {
        impl Dialect for $conn {
            const BACKEND: Backend = Backend::Mysql;
            $(
                fn open(url: &str) -> diesel::ConnectionResult<Self> {
                    $open(url)
                }
            )?

            crate::lock::mysql_lock!();

            fn server_version(&mut self) -> Result<String, RunError> {
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("version()")).get_result(self)?)
            }

            fn table_exists(&mut self, name: &str) -> Result<bool, RunError> {
                // Only our own table names reach here, never user input.
                let query = format!("EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{name}')");
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&query)).get_result(self)?)
            }

            crate::bookkeeping::bookkeeping_queries!();
        }
    };
}

#[cfg(feature = "mysql-libmysqlclient")]
mysql_dialect!(diesel::MysqlConnection);
#[cfg(feature = "mysql")]
mysql_dialect!(
    crate::driver::MysqlConnection,
    open = crate::driver::mysql::open
);
