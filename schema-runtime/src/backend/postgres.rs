//! PostgreSQL, for diesel's `PgConnection` (libpq) and the pure-Rust
//! [`crate::driver::PgConnection`] alike: an advisory lock per database,
//! `version()`, `to_regclass`.
//!
//! The runner lock is a transaction-scoped advisory lock
//! (`pg_try_advisory_xact_lock`) taken by a connection of the lock's own in
//! a transaction it keeps open for the run. A session lock would not hold
//! through a transaction-mode pooler (PgBouncer, Supavisor): between two
//! transactions the client's server session changes, so the lock stays on a
//! session another client may be handed, which then "holds" it too (advisory
//! locks are re-entrant), and the unlock reaches a session that has none.
//! An open transaction keeps its server session pinned in every pooler
//! mode; the lock ends with the transaction, or with the session when the
//! runner dies. With `lock = advisory` set, or without a URL for a second
//! connection (a Migrator handed a connection), the runner takes the
//! session lock on its own connection instead: one connection per runner,
//! for a session-mode pooler whose pool is smaller than twice the runners
//! started at once (each would hold one session and wait for a second).

/// The advisory lock key cargo-schema takes on PostgreSQL ("schema" in
/// ASCII); advisory locks are per database, so runners on different
/// databases of one server do not wait for each other.
pub const PG_LOCK_KEY: i64 = 0x7363_6865_6d61;

/// What the statement that tries the lock raises when another session
/// holds it.
const HELD: &str = "cargo-schema: the migration lock is held by another session";

/// The PostgreSQL dialect of one connection type (`open`: how it reads a
/// URL, when not diesel's `establish`).
macro_rules! postgres_dialect {
    ($conn:ty $(, open = $open:path)?) => {
        impl $crate::dialect::Dialect for $conn {
            const BACKEND: schema_core::url::Backend = schema_core::url::Backend::Postgres;
            const BATCHED_STEPS: bool = true;
            $(
                fn open(url: &str) -> diesel::ConnectionResult<Self> {
                    $open(url)
                }
            )?

            fn acquire_lock(&mut self, timeout: std::time::Duration) -> Result<(), RunError> {
                $crate::backend::poll_lock(timeout, || {
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

            fn try_lock_in_transaction(&mut self) -> Option<Result<bool, RunError>> {
                // The simple protocol only: no prepared statement, and no
                // query diesel would wrap in a transaction of its own.
                let taken = self.batch_execute("BEGIN").and_then(|()| {
                    self.batch_execute(&format!(
                        "DO $$BEGIN IF NOT pg_try_advisory_xact_lock({PG_LOCK_KEY}) THEN \
                         RAISE EXCEPTION '{HELD}'; END IF; END$$"
                    ))
                });
                Some(match taken {
                    Ok(()) => Ok(true),
                    Err(e) => {
                        let _ = self.batch_execute("ROLLBACK");
                        if e.to_string().contains(HELD) {
                            Ok(false)
                        } else {
                            Err(e.into())
                        }
                    }
                })
            }

            fn is_standby(&mut self) -> Result<bool, RunError> {
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>("pg_is_in_recovery()")).get_result(self)?)
            }

            fn server_version(&mut self) -> Result<String, RunError> {
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("version()")).get_result(self)?)
            }

            fn ddl_settings(&mut self) -> Result<String, RunError> {
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("concat_ws(' ', current_setting('search_path'), current_setting('server_encoding'))")).get_result(self)?)
            }

            fn table_exists(&mut self, name: &str) -> Result<bool, RunError> {
                // Only our own table names reach here, never user input.
                let query = format!("to_regclass('{name}') IS NOT NULL");
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&query)).get_result(self)?)
            }

            $crate::bookkeeping::bookkeeping_queries!();
        }
    };
}

#[allow(unused_imports)] // batch_execute and the query builder, in the impls
use diesel::{connection::SimpleConnection, prelude::*};

use crate::error::RunError;

#[cfg(feature = "postgres-libpq")]
postgres_dialect!(diesel::PgConnection);
#[cfg(feature = "postgres")]
postgres_dialect!(
    crate::driver::PgConnection,
    open = crate::driver::postgres::open
);
