//! The workflows under the commands, callable without the binary (cargo's
//! `ops` layer): a command module parses its arguments, calls these, and
//! returns a report; tests call them directly. Nothing here prints to
//! stdout, and no module here knows about clap.

pub mod autogenerate;
pub mod drift;
pub mod git;
pub mod lint;
pub mod print_schema;
pub mod revision;
pub mod schema_cache;
pub mod status;

/// Ends the connection of a single-database command that only read.
///
/// SQLite's is left for the process's exit to close: closing frees the
/// parsed schema of every table and index, about a millisecond at 1000
/// tables on the path of a no-op `current`, and a finished read has nothing
/// to flush; the exit releases the file. A server's connection is closed,
/// so that the server sees the client say goodbye (MariaDB logs an aborted
/// connection otherwise). Not for a loop over databases, which would keep
/// each one's schema.
pub fn end_of_read<C: 'static>(conn: C) {
    #[cfg(feature = "sqlite")]
    if std::any::TypeId::of::<C>() == std::any::TypeId::of::<diesel::SqliteConnection>() {
        std::mem::forget(conn);
        return;
    }
    drop(conn);
}

/// Connect to the settings' database with the right diesel connection type
/// and evaluate `$body` with it bound to `$conn` (monomorphised per backend).
macro_rules! with_connection {
    ($settings:expr, |$conn:ident| $body:expr) => {{
        let settings: &schema_core::EngineSettings = $settings;
        match settings.url.backend() {
            #[cfg(feature = "sqlite")]
            schema_core::url::Backend::Sqlite => {
                let mut $conn: diesel::SqliteConnection =
                    schema_runtime::connect::establish(settings)?;
                $body
            }
            #[cfg(feature = "postgres")]
            schema_core::url::Backend::Postgres => {
                let mut $conn: schema_runtime::PgConnection =
                    schema_runtime::connect::establish(settings)?;
                $body
            }
            #[cfg(feature = "mysql")]
            schema_core::url::Backend::Mysql => {
                let mut $conn: schema_runtime::MysqlConnection =
                    schema_runtime::connect::establish(settings)?;
                $body
            }
            // Resolving the settings already refused a backend this binary
            // was built without, with the feature to enable; this arm only
            // keeps the match total in such a build.
            #[allow(unreachable_patterns)]
            other => {
                return Err($crate::Failure::from(schema_core::Diagnostic::new(
                    schema_core::Kind::BackendNotEnabled,
                    format!("this build of cargo-schema has no {other} support"),
                )))
            }
        }
    }};
}
pub(crate) use with_connection;
