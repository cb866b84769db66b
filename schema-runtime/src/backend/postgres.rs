//! PostgreSQL, for diesel's `PgConnection` (libpq) and the pure-Rust
//! [`crate::driver::PgConnection`] alike: an advisory lock per database,
//! `version()`, `to_regclass`.

/// The advisory lock key cargo-schema takes on PostgreSQL ("schema" in
/// ASCII); advisory locks are per database, so runners on different
/// databases of one server do not wait for each other.
pub const PG_LOCK_KEY: i64 = 0x7363_6865_6d61;

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
