//! Reading a live database into a [`Schema`]: one module per backend, each
//! generic over diesel's `Connection` + `LoadConnection` of its backend, so
//! the same code reads through diesel's own connections and through
//! diesel-async's `AsyncConnectionWrapper`.
//!
//! ```
//! # fn main() -> Result<(), schema_runtime::RunError> {
//! use diesel::Connection;
//! let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
//! let schema = schema_runtime::introspect::introspect(&mut conn, &Default::default())?;
//! assert!(schema.tables.is_empty());
//! # Ok(()) }
//! ```

// diesel's backend types, whichever driver (pure Rust or the system
// library) brings them.
#[cfg(any(feature = "mysql", feature = "mysql-libmysqlclient"))]
mod mysql;
#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use diesel::connection::LoadConnection;
use diesel::Connection;
use schema_core::schema::{diesel::default_sql_type, Schema};

use crate::error::RunError;

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct IntrospectOptions {
    /// PostgreSQL schemas or MySQL databases to read; empty: every schema
    /// of the database (PostgreSQL, system schemas aside) or the current
    /// database (MySQL). SQLite has one.
    pub schemas: Vec<String>,
}

/// A diesel backend whose databases can be read into a [`Schema`].
pub trait IntrospectBackend: diesel::backend::Backend + Sized {
    /// Read the schema through `conn`.
    fn read_schema<C>(conn: &mut C, options: &IntrospectOptions) -> Result<Schema, RunError>
    where
        C: Connection<Backend = Self> + LoadConnection;
}

/// Read the schema of the database `conn` is connected to: every table
/// (bookkeeping aside), column, key, index, constraint, view and type, in
/// the model's stable order.
pub fn introspect<C>(conn: &mut C, options: &IntrospectOptions) -> Result<Schema, RunError>
where
    C: Connection + LoadConnection,
    C::Backend: IntrospectBackend,
{
    let mut schema = <C::Backend as IntrospectBackend>::read_schema(conn, options)?;
    schema
        .tables
        .retain(|t| !crate::bookkeeping::TABLES.contains(&t.name.as_str()));
    for table in &mut schema.tables {
        for column in &mut table.columns {
            column.sql_type = default_sql_type(schema.backend, column);
        }
    }
    schema.sort();
    Ok(schema)
}

/// `None` for an empty string: the databases say "no comment" either way.
#[cfg(any(
    feature = "postgres",
    feature = "mysql",
    feature = "postgres-libpq",
    feature = "mysql-libmysqlclient"
))]
pub(crate) fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}
