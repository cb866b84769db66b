//! MySQL/MariaDB, for diesel's `MysqlConnection` (libmysqlclient) and the
//! pure-Rust [`crate::driver::MysqlConnection`]: `GET_LOCK` named after
//! the database, `version()` (marked when the server is a Galera node),
//! `information_schema.tables`.

/// The MySQL/MariaDB dialect of one connection type (`open`: how it reads
/// a URL, when not diesel's `establish`).
macro_rules! mysql_dialect {
    ($conn:ty $(, open = $open:path)?) => {
        impl $crate::dialect::Dialect for $conn {
            const BACKEND: schema_core::url::Backend = schema_core::url::Backend::Mysql;
            $(
                fn open(url: &str) -> diesel::ConnectionResult<Self> {
                    $open(url)
                }
            )?

            fn acquire_lock(&mut self, timeout: std::time::Duration) -> Result<(), RunError> {
                // GET_LOCK names are server-wide: qualify with the database.
                $crate::backend::poll_lock(timeout, || {
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

            fn server_version(&mut self) -> Result<String, RunError> {
                let version: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("version()")).get_result(self)?;
                // A Galera node (MariaDB, or Percona XtraDB Cluster on
                // MySQL) has wsrep_on; a server without wsrep knows no such
                // variable, and the error means "not Galera".
                let wsrep = diesel::select(diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                    "CAST(@@global.wsrep_on AS SIGNED)",
                ))
                .get_result::<Option<i64>>(self);
                Ok(match wsrep {
                    Ok(Some(1)) => format!("{version}{}", schema_core::url::GALERA_MARK),
                    _ => version,
                })
            }

            fn ddl_settings(&mut self) -> Result<String, RunError> {
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("CONCAT_WS(' ', @@sql_mode, @@default_storage_engine, @@character_set_server, @@collation_server, @@lower_case_table_names, @@explicit_defaults_for_timestamp)")).get_result(self)?)
            }

            fn table_exists(&mut self, name: &str) -> Result<bool, RunError> {
                // Only our own table names reach here, never user input.
                let query = format!("EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{name}')");
                Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&query)).get_result(self)?)
            }

            $crate::bookkeeping::bookkeeping_queries!();
        }
    };
}

#[allow(unused_imports)] // batch_execute and the query builder, in the impls
use diesel::{connection::SimpleConnection, prelude::*};

use crate::error::RunError;

#[cfg(feature = "mysql-libmysqlclient")]
mysql_dialect!(diesel::MysqlConnection);
#[cfg(feature = "mysql")]
mysql_dialect!(
    crate::driver::MysqlConnection,
    open = crate::driver::mysql::open
);
