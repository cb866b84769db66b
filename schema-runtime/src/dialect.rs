//! What differs between backends: the lock that keeps one runner at a time,
//! whether DDL is transactional, and the bookkeeping queries.
//!
//! Bookkeeping keeps diesel's own table, `__diesel_schema_migrations`
//! (written through diesel_migrations' harness, so diesel sees what
//! cargo-schema applied and the other way round), plus
//! `__schema_revisions`: one row per applied revision with its checksum, and
//! on MySQL/MariaDB a row for a revision that failed partway.

use std::time::Duration;

#[allow(unused_imports)] // batch_execute, used by the backend impls
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationConnection;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use schema_core::url::Backend;

use crate::error::RunError;

/// The bookkeeping tables, for diesel's query builder.
#[allow(missing_docs)]
pub mod tables {
    diesel::table! {
        /// cargo-schema's bookkeeping beside diesel's.
        __schema_revisions (version) {
            version -> Text,
            revision -> Text,
            checksum -> Text,
            state -> Text,
        }
    }

    diesel::table! {
        /// diesel's own bookkeeping table (diesel_migrations creates the same).
        __diesel_schema_migrations (version) {
            version -> Text,
        }
    }
}

#[cfg(any(
    feature = "sqlite",
    feature = "postgres",
    feature = "postgres-libpq",
    feature = "mysql",
    feature = "mysql-libmysqlclient"
))]
use tables::{__diesel_schema_migrations, __schema_revisions};

/// `state` of a revision that is applied.
pub const APPLIED: &str = "applied";
/// `state` of a revision that failed partway (MySQL/MariaDB only: their DDL
/// commits as it goes, so a failure can leave half a revision behind).
pub const FAILED: &str = "failed";

/// DDL of both bookkeeping tables, for `--sql` and for setup.
pub fn bookkeeping_ddl() -> &'static str {
    "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\n\
     \x20      version VARCHAR(50) PRIMARY KEY NOT NULL,\n\
     \x20      run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n\
     );\n\
     CREATE TABLE IF NOT EXISTS __schema_revisions (\n\
     \x20      version VARCHAR(50) PRIMARY KEY NOT NULL,\n\
     \x20      revision VARCHAR(255) NOT NULL,\n\
     \x20      checksum VARCHAR(80) NOT NULL,\n\
     \x20      state VARCHAR(16) NOT NULL DEFAULT 'applied',\n\
     \x20      applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n\
     );"
}

/// One row of `__schema_revisions`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct RevisionRow {
    /// diesel version.
    pub version: String,
    /// Revision id.
    pub revision: String,
    /// Checksum of up.sql when it ran (see `schema_core::migrations::Checksum`).
    pub checksum: String,
    /// `applied` or `failed`.
    pub state: String,
}

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
    /// whole upgrade can land or roll back as one.
    const TRANSACTIONAL_DDL: bool;

    /// Run `f` in a transaction that also holds the database's write lock
    /// where that is how the backend serialises runners (SQLite); a plain
    /// transaction elsewhere, where the runner lock is separate.
    fn locked_transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, RunError>,
    ) -> Result<T, RunError> {
        self.transaction(f)
    }

    /// Take the runner lock, waiting at most `timeout`.
    fn acquire_lock(&mut self, timeout: Duration) -> Result<(), RunError>;

    /// Release the runner lock.
    fn release_lock(&mut self) -> Result<(), RunError>;

    /// Create the bookkeeping tables when missing.
    fn ensure_bookkeeping(&mut self) -> Result<(), RunError> {
        self.batch_execute(bookkeeping_ddl())?;
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
}

#[cfg(any(
    feature = "sqlite",
    feature = "postgres",
    feature = "postgres-libpq",
    feature = "mysql",
    feature = "mysql-libmysqlclient"
))]
macro_rules! bookkeeping_queries {
    () => {
        fn applied_versions(&mut self) -> Result<Vec<String>, RunError> {
            Ok(__diesel_schema_migrations::table
                .select(__diesel_schema_migrations::version)
                .load(self)?)
        }

        fn version_count(&mut self) -> Result<i64, RunError> {
            Ok(__diesel_schema_migrations::table.count().get_result(self)?)
        }

        fn revision_rows(&mut self) -> Result<Vec<RevisionRow>, RunError> {
            Ok(__schema_revisions::table
                .select((
                    __schema_revisions::version,
                    __schema_revisions::revision,
                    __schema_revisions::checksum,
                    __schema_revisions::state,
                ))
                .load(self)?)
        }

        fn put_row(&mut self, row: &RevisionRow) -> Result<(), RunError> {
            diesel::delete(__schema_revisions::table.find(&row.version)).execute(self)?;
            diesel::insert_into(__schema_revisions::table)
                .values((
                    __schema_revisions::version.eq(&row.version),
                    __schema_revisions::revision.eq(&row.revision),
                    __schema_revisions::checksum.eq(&row.checksum),
                    __schema_revisions::state.eq(&row.state),
                ))
                .execute(self)?;
            Ok(())
        }

        fn forget(&mut self, version: &str, diesel_too: bool) -> Result<(), RunError> {
            diesel::delete(__schema_revisions::table.find(version)).execute(self)?;
            if diesel_too {
                diesel::delete(__diesel_schema_migrations::table.find(version)).execute(self)?;
            }
            Ok(())
        }

        fn insert_version(&mut self, version: &str) -> Result<(), RunError> {
            diesel::insert_into(__diesel_schema_migrations::table)
                .values(__diesel_schema_migrations::version.eq(version))
                .execute(self)?;
            Ok(())
        }
    };
}

#[cfg(any(
    feature = "postgres",
    feature = "postgres-libpq",
    feature = "mysql",
    feature = "mysql-libmysqlclient"
))]
/// Poll `try_lock` until it succeeds or `timeout` passes. Polling (rather
/// than a blocking lock call) keeps the wait bounded on every backend.
fn poll_lock(
    timeout: Duration,
    mut try_lock: impl FnMut() -> Result<bool, RunError>,
) -> Result<(), RunError> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(10);
    loop {
        if try_lock()? {
            return Ok(());
        }
        if start.elapsed() >= timeout {
            return Err(RunError::LockTimeout {
                waited: start.elapsed(),
            });
        }
        std::thread::sleep(pause.min(timeout.saturating_sub(start.elapsed())));
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

#[cfg(feature = "sqlite")]
impl Dialect for diesel::SqliteConnection {
    const BACKEND: Backend = Backend::Sqlite;
    const TRANSACTIONAL_DDL: bool = true;

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

    fn table_exists(&mut self, name: &str) -> Result<bool, RunError> {
        // Only our own table names reach here, never user input.
        let query = format!(
            "EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{name}')"
        );
        Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&query)).get_result(self)?)
    }

    bookkeeping_queries!();
}

/// The PostgreSQL dialect, for diesel's `PgConnection` (libpq) and the
/// pure-Rust [`crate::driver::PgConnection`] alike.
#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
macro_rules! postgres_dialect {
    ($conn:ty $(, open = $open:path)?) => {
        impl Dialect for $conn {
            const BACKEND: Backend = Backend::Postgres;
            $(
                fn open(url: &str) -> diesel::ConnectionResult<Self> {
                    $open(url)
                }
            )?

            const TRANSACTIONAL_DDL: bool = true;

            fn acquire_lock(&mut self, timeout: Duration) -> Result<(), RunError> {
                poll_lock(timeout, || {
                    Ok(
                        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                            "pg_try_advisory_lock({PG_LOCK_KEY})"
                        )))
                        .get_result::<bool>(self)?,
                    )
                })
            }

            fn release_lock(&mut self) -> Result<(), RunError> {
                self.batch_execute(&format!("SELECT pg_advisory_unlock({PG_LOCK_KEY})"))?;
                Ok(())
            }

            fn table_exists(&mut self, name: &str) -> Result<bool, RunError> {
                // Only our own table names reach here, never user input.
                let query = format!("to_regclass('{name}') IS NOT NULL");
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&query)).get_result(self)?)
            }

            bookkeeping_queries!();
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

/// The advisory lock key cargo-schema takes on PostgreSQL ("schema" in
/// ASCII); advisory locks are per database, so runners on different
/// databases of one server do not wait for each other.
#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
pub const PG_LOCK_KEY: i64 = 0x7363_6865_6d61;

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

            const TRANSACTIONAL_DDL: bool = false;

            fn acquire_lock(&mut self, timeout: Duration) -> Result<(), RunError> {
                // GET_LOCK names are server-wide: qualify with the database.
                poll_lock(timeout, || {
                    let got = diesel::select(diesel::dsl::sql::<
                        diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
                    >(
                        "CAST(GET_LOCK(CONCAT('cargo-schema:', DATABASE()), 0) AS SIGNED)",
                    ))
                    .get_result::<Option<i64>>(self)?;
                    Ok(got == Some(1))
                })
            }

            fn release_lock(&mut self) -> Result<(), RunError> {
                self.batch_execute("DO RELEASE_LOCK(CONCAT('cargo-schema:', DATABASE()))")?;
                Ok(())
            }

            fn table_exists(&mut self, name: &str) -> Result<bool, RunError> {
                // Only our own table names reach here, never user input.
                let query = format!("EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{name}')");
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&query)).get_result(self)?)
            }

            bookkeeping_queries!();
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

/// Holds the runner lock for as long as it lives, and releases it on every
/// path out (errors and panics included).
pub struct LockGuard<'c, C: Dialect> {
    conn: &'c mut C,
}

impl<'c, C: Dialect> LockGuard<'c, C> {
    /// Take the lock, waiting at most `timeout`.
    pub fn acquire(conn: &'c mut C, timeout: Duration) -> Result<Self, RunError> {
        conn.acquire_lock(timeout)?;
        Ok(LockGuard { conn })
    }
}

impl<C: Dialect> std::ops::Deref for LockGuard<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.conn
    }
}

impl<C: Dialect> std::ops::DerefMut for LockGuard<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn
    }
}

impl<C: Dialect> Drop for LockGuard<'_, C> {
    fn drop(&mut self) {
        if let Err(e) = self.conn.release_lock() {
            // The server drops a session's locks when it disconnects, so a
            // failed release costs at most a wait for the next runner.
            tracing::warn!("could not release the migration lock: {e}");
        }
    }
}
