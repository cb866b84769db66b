//! The catalog queries both harnesses read a database back with. Each
//! query gives one text column named `s`, so that a command-line client
//! and a diesel connection run it alike; the functions take whatever runs
//! it as `rows` (the SQL in, the column's values out).

use crate::Backend;

/// diesel's table of applied versions.
pub const DIESEL_TABLE: &str = "__diesel_schema_migrations";
/// sqlx's table of applied migrations, which cargo-schema keeps for a
/// folder in sqlx's layout.
pub const SQLX_TABLE: &str = "_sqlx_migrations";
/// cargo-schema's table of revisions.
pub const REVISIONS_TABLE: &str = "__schema_revisions";
/// The lease table of `lock = table`, created only with that setting.
pub const LOCK_TABLE: &str = "__schema_lock";
/// The bookkeeping tables the runner creates.
pub const BOOKKEEPING: [&str; 2] = [DIESEL_TABLE, REVISIONS_TABLE];

/// Every table of the database (views not included on PostgreSQL and
/// SQLite), bookkeeping included.
pub fn tables_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT name AS s FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT CAST(tablename AS TEXT) AS s FROM pg_tables \
             WHERE schemaname = current_schema() ORDER BY 1"
        }
        Backend::Mysql => {
            "SELECT table_name AS s FROM information_schema.tables \
             WHERE table_schema = DATABASE() ORDER BY table_name"
        }
    }
}

/// `table.column type` of every column.
pub fn columns_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT m.name || '.' || p.name || ' ' || p.type AS s \
             FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
        Backend::Postgres => {
            "SELECT table_name || '.' || column_name || ' ' || data_type AS s \
             FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1"
        }
        Backend::Mysql => {
            "SELECT CONCAT(table_name, '.', column_name, ' ', column_type) AS s \
             FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY 1"
        }
    }
}

/// The indexes of `table` that a migration made (no primary keys).
pub fn indexes_sql(backend: Backend, table: &str) -> String {
    match backend {
        Backend::Sqlite => format!(
            "SELECT name AS s FROM sqlite_master WHERE type = 'index' \
             AND tbl_name = '{table}' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name"
        ),
        Backend::Postgres => format!(
            "SELECT CAST(indexname AS TEXT) AS s FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = '{table}' \
             AND indexname NOT LIKE '%_pkey' ORDER BY 1"
        ),
        Backend::Mysql => format!(
            "SELECT DISTINCT index_name AS s FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = '{table}' \
             AND index_name <> 'PRIMARY' ORDER BY index_name"
        ),
    }
}

/// Every table, bookkeeping included, sorted by byte (not by the server's
/// collation).
pub fn tables(backend: Backend, mut rows: impl FnMut(&str) -> Vec<String>) -> Vec<String> {
    sorted(rows(tables_sql(backend)))
}

/// The tables that are not bookkeeping, sorted by byte.
pub fn user_tables(backend: Backend, rows: impl FnMut(&str) -> Vec<String>) -> Vec<String> {
    tables(backend, rows)
        .into_iter()
        .filter(|t| !BOOKKEEPING.contains(&t.as_str()) && t != LOCK_TABLE && t != SQLX_TABLE)
        .collect()
}

/// `table.column type` of every column, sorted by byte.
pub fn columns(backend: Backend, mut rows: impl FnMut(&str) -> Vec<String>) -> Vec<String> {
    sorted(rows(columns_sql(backend)))
}

/// The versions in diesel's table, in order; none when the table does not
/// exist.
pub fn diesel_versions(backend: Backend, mut rows: impl FnMut(&str) -> Vec<String>) -> Vec<String> {
    if !tables(backend, &mut rows).iter().any(|t| t == DIESEL_TABLE) {
        return Vec::new();
    }
    rows("SELECT version AS s FROM __diesel_schema_migrations ORDER BY version")
}

fn sorted(mut rows: Vec<String>) -> Vec<String> {
    rows.sort();
    rows
}
