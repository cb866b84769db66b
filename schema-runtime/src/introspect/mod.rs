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

use std::collections::HashMap;

use diesel::connection::LoadConnection;
use diesel::Connection;
use schema_core::lint::RowEstimates;
use schema_core::schema::{diesel::default_sql_type, Schema, Table};

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

    /// Read the schema again, taking from `kept` each table whose
    /// definition has not changed since the last read through it. SQLite
    /// reads a table with five statements of its own, so reading a
    /// database of n tables after each of n revisions was quadratic; the
    /// servers read their catalogs in a few set-wide queries and read
    /// everything again.
    fn reread_schema<C>(
        conn: &mut C,
        options: &IntrospectOptions,
        kept: &mut Kept,
    ) -> Result<Schema, RunError>
    where
        C: Connection<Backend = Self> + LoadConnection,
    {
        let _ = kept;
        Self::read_schema(conn, options)
    }

    /// Make the session read-only (PostgreSQL's
    /// `default_transaction_read_only`, MariaDB's `SET SESSION TRANSACTION
    /// READ ONLY`, SQLite's `query_only`), then read each table's row
    /// estimate with catalog queries (see [`row_estimates`]).
    fn read_row_estimates<C>(conn: &mut C) -> Result<RowEstimates, RunError>
    where
        C: Connection<Backend = Self> + LoadConnection;
}

/// The live database's row estimates for `lint --against-database`, read
/// with catalog queries only on a session first made read-only, so that
/// nothing it runs can write: PostgreSQL's `pg_class.reltuples` (or
/// `pg_stat_user_tables.n_live_tup` for a table never analyzed), MariaDB's
/// `information_schema.TABLES.TABLE_ROWS`, SQLite's `sqlite_stat1` after
/// an ANALYZE, else a count that stops past
/// [`schema_core::lint::SQLITE_COUNT_LIMIT`] rows. The session stays
/// read-only: give it a connection of its own. Bookkeeping tables are
/// left out.
pub fn row_estimates<C>(conn: &mut C) -> Result<RowEstimates, RunError>
where
    C: Connection + LoadConnection,
    C::Backend: IntrospectBackend,
{
    <C::Backend as IntrospectBackend>::read_row_estimates(conn)
}

/// What one read of a database keeps for the next through
/// [`introspect_again`]: each table as read, under a fingerprint of its
/// definition (SQLite: its `CREATE` statement and its indexes').
#[derive(Debug, Default)]
pub struct Kept {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    tables: HashMap<String, (String, Table)>,
}

/// Read the schema of the database `conn` is connected to: every table
/// (bookkeeping aside), column, key, index, constraint, view and type, in
/// the model's stable order.
pub fn introspect<C>(conn: &mut C, options: &IntrospectOptions) -> Result<Schema, RunError>
where
    C: Connection + LoadConnection,
    C::Backend: IntrospectBackend,
{
    let schema = <C::Backend as IntrospectBackend>::read_schema(conn, options)?;
    Ok(finish(schema))
}

/// [`introspect`] again on a database read before through `kept`, whose
/// unchanged tables are not read again: the same schema, sooner, for a
/// database changed a little at a time (a replay, revision by revision).
pub fn introspect_again<C>(
    conn: &mut C,
    options: &IntrospectOptions,
    kept: &mut Kept,
) -> Result<Schema, RunError>
where
    C: Connection + LoadConnection,
    C::Backend: IntrospectBackend,
{
    let schema = <C::Backend as IntrospectBackend>::reread_schema(conn, options, kept)?;
    Ok(finish(schema))
}

/// What every read does after the backend's: bookkeeping tables out,
/// diesel's SQL types in, the model's order.
fn finish(mut schema: Schema) -> Schema {
    schema
        .tables
        .retain(|t| !crate::bookkeeping::TABLES.contains(&t.name.as_str()));
    for table in &mut schema.tables {
        for column in &mut table.columns {
            column.sql_type = default_sql_type(schema.backend, column);
        }
    }
    schema.sort();
    schema
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
