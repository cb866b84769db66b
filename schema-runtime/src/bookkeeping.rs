//! Which revisions a database holds: diesel's own table,
//! `__diesel_schema_migrations` (written through diesel_migrations'
//! harness, so diesel sees what cargo-schema applied and the other way
//! round), plus `__schema_revisions`: one row per applied revision with its
//! checksum, and on MySQL/MariaDB a row for a revision that failed partway.
//!
//! The tables' names, their DDL, the queries the runner makes, and the SQL
//! that records a step (the offline script's and the batched runner's) all
//! live here, so the names are written once.

use std::sync::LazyLock;

use schema_core::migrations::{Direction, Migration};
use schema_core::url::Backend;

/// Declares each table for diesel's query builder and its name as a
/// constant, from one spelling of the name.
macro_rules! bookkeeping_tables {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident as $constant:ident ($key:ident) { $($column:ident -> $ty:ident,)* }
    )*) => {
        /// The bookkeeping tables, for diesel's query builder.
        #[allow(missing_docs)]
        pub mod tables {
            $(
                diesel::table! {
                    $(#[doc = $doc])*
                    $name ($key) { $($column -> $ty,)* }
                }
            )*
        }
        $(
            $(#[doc = $doc])*
            pub const $constant: &str = stringify!($name);
        )*
    };
}

bookkeeping_tables! {
    /// diesel's own bookkeeping table (diesel_migrations creates the same).
    __diesel_schema_migrations as DIESEL_TABLE (version) {
        version -> Text,
    }
    /// cargo-schema's bookkeeping beside diesel's.
    __schema_revisions as REVISIONS_TABLE (version) {
        version -> Text,
        revision -> Text,
        checksum -> Text,
        state -> Text,
    }
}

/// The lease row of `lock = table` ([`crate::lock::lease`]).
pub const LOCK_TABLE: &str = "__schema_lock";

/// sqlx's table under its default name, kept by cargo-schema for a folder
/// in sqlx's layout.
pub const SQLX_TABLE: &str = schema_core::migrations::sqlx::DEFAULT_TABLE;

/// cargo-schema's tables (and sqlx's, which it keeps in step); never part
/// of the user's schema.
pub const TABLES: [&str; 4] = [DIESEL_TABLE, REVISIONS_TABLE, LOCK_TABLE, SQLX_TABLE];

/// `state` of a revision that is applied.
pub const APPLIED: &str = "applied";
/// `state` of a revision that failed partway (MySQL/MariaDB only: their DDL
/// commits as it goes, so a failure can leave half a revision behind).
pub const FAILED: &str = "failed";

/// DDL of both bookkeeping tables, for `--sql` and for setup.
pub fn ddl() -> &'static str {
    static DDL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "CREATE TABLE IF NOT EXISTS {DIESEL_TABLE} (\n\
             \x20      version VARCHAR(50) PRIMARY KEY NOT NULL,\n\
             \x20      run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n\
             );\n\
             CREATE TABLE IF NOT EXISTS {REVISIONS_TABLE} (\n\
             \x20      version VARCHAR(50) PRIMARY KEY NOT NULL,\n\
             \x20      revision VARCHAR(255) NOT NULL,\n\
             \x20      checksum VARCHAR(80) NOT NULL,\n\
             \x20      state VARCHAR(16) NOT NULL DEFAULT '{APPLIED}',\n\
             \x20      applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n\
             );"
        )
    });
    &DDL
}

/// One row of `__schema_revisions`.
#[derive(Debug, Clone, PartialEq, Eq, diesel::Queryable)]
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

impl RevisionRow {
    /// The row of `m` in `state`.
    pub fn of(m: &Migration, state: &str) -> Self {
        RevisionRow {
            version: m.version.clone(),
            revision: m.revision.clone(),
            checksum: m.checksum.as_str().to_owned(),
            state: state.to_owned(),
        }
    }
}

/// The statements that record a step of `m` in both tables (and in sqlx's,
/// for a migration in sqlx's layout: [`sqlx_record_sql`]), each ended by
/// `;` and a newline: for an upgrade, `m`'s rows; for a downgrade, their
/// removal. `replace` first removes a row of `m` that
/// `__schema_revisions` may already hold (a runner's record replaces one;
/// the offline script starts from the state it planned from).
pub fn record_step_sql(
    m: &Migration,
    direction: Direction,
    backend: Backend,
    replace: bool,
) -> String {
    let version = literal(&m.version, backend);
    let own = match direction {
        Direction::Up => format!(
            "{}INSERT INTO {DIESEL_TABLE} (version) VALUES ({version});\n\
             INSERT INTO {REVISIONS_TABLE} (version, revision, checksum, state) \
             VALUES ({version}, {}, {}, '{APPLIED}');\n",
            if replace {
                format!("DELETE FROM {REVISIONS_TABLE} WHERE version = {version};\n")
            } else {
                String::new()
            },
            literal(&m.revision, backend),
            literal(m.checksum.as_str(), backend),
        ),
        Direction::Down => format!(
            "DELETE FROM {DIESEL_TABLE} WHERE version = {version};\n\
             DELETE FROM {REVISIONS_TABLE} WHERE version = {version};\n"
        ),
    };
    own + &sqlx_record_sql(m, direction, backend)
}

/// The statements that record a step of a migration in sqlx's layout in
/// sqlx's table, as sqlx itself would: for an upgrade a row with
/// `success = TRUE` and sqlx's checksum, for a downgrade its removal.
/// Empty for any other migration.
pub fn sqlx_record_sql(m: &Migration, direction: Direction, backend: Backend) -> String {
    let Some(sqlx) = &m.sqlx else {
        return String::new();
    };
    let table = &sqlx.table;
    let version = sqlx.version;
    match direction {
        Direction::Up => format!(
            "DELETE FROM {table} WHERE version = {version};\n\
             INSERT INTO {table} (version, description, success, checksum, execution_time) \
             VALUES ({version}, {}, TRUE, {}, 0);\n",
            literal(&sqlx.description, backend),
            bytes_literal(&sqlx.checksum, backend),
        ),
        Direction::Down => format!("DELETE FROM {table} WHERE version = {version};\n"),
    }
}

/// Bytes given as lowercase hex, as a literal of `backend`'s SQL.
fn bytes_literal(hex: &str, backend: Backend) -> String {
    match backend {
        Backend::Postgres => format!("decode('{hex}', 'hex')"),
        _ => format!("X'{hex}'"),
    }
}

/// sqlx's table as sqlx creates it on `backend` (`sqlx migrate` and
/// `sqlx::migrate!()` then find it as they left it).
pub fn sqlx_ddl(table: &str, backend: Backend) -> String {
    let (installed_on, checksum) = match backend {
        Backend::Postgres => ("TIMESTAMPTZ NOT NULL DEFAULT now()", "BYTEA"),
        _ => ("TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP", "BLOB"),
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n\
         \x20   version BIGINT PRIMARY KEY,\n\
         \x20   description TEXT NOT NULL,\n\
         \x20   installed_on {installed_on},\n\
         \x20   success BOOLEAN NOT NULL,\n\
         \x20   checksum {checksum} NOT NULL,\n\
         \x20   execution_time BIGINT NOT NULL\n\
         );\n"
    )
}

/// The query reading sqlx's table on `backend`, every column as text so
/// that one row type serves every driver.
pub fn sqlx_select(table: &str, backend: Backend) -> String {
    let (text, hex) = match backend {
        Backend::Postgres => ("TEXT", "encode(checksum, 'hex')"),
        Backend::Mysql => ("CHAR", "LOWER(HEX(checksum))"),
        Backend::Sqlite => ("TEXT", "lower(hex(checksum))"),
    };
    format!(
        "SELECT CAST(version AS {text}) AS version, \
         CASE WHEN success THEN 'true' ELSE 'false' END AS success, \
         {hex} AS checksum FROM {table} ORDER BY version"
    )
}

/// One row of sqlx's table, as [`sqlx_select`] reads it.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct SqlxRow {
    /// The version, as sqlx prints it.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub version: String,
    /// `true`, or `false` for a migration that failed partway (sqlx calls
    /// the database dirty then).
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub success: String,
    /// sqlx's checksum, lowercase hex.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub checksum: String,
}

impl SqlxRow {
    /// Whether sqlx recorded the migration as applied whole.
    pub fn succeeded(&self) -> bool {
        self.success == "true"
    }
}

/// `text` as a string literal of `backend`'s SQL, read the same whatever
/// the session's settings (see [`schema_core::sql::string_literal`]).
pub fn literal(text: &str, backend: Backend) -> String {
    schema_core::sql::string_literal(text, backend)
}

/// The bookkeeping methods of [`crate::Dialect`], through diesel's query
/// builder (the same on every backend).
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
            use $crate::bookkeeping::tables::__diesel_schema_migrations as diesel_table;
            Ok(diesel_table::table
                .select(diesel_table::version)
                .load(self)?)
        }

        fn version_count(&mut self) -> Result<i64, RunError> {
            use $crate::bookkeeping::tables::__diesel_schema_migrations as diesel_table;
            Ok(diesel_table::table.count().get_result(self)?)
        }

        fn revision_rows(&mut self) -> Result<Vec<$crate::bookkeeping::RevisionRow>, RunError> {
            use $crate::bookkeeping::tables::__schema_revisions as revisions;
            Ok(revisions::table
                .select((
                    revisions::version,
                    revisions::revision,
                    revisions::checksum,
                    revisions::state,
                ))
                .load(self)?)
        }

        fn put_row(&mut self, row: &$crate::bookkeeping::RevisionRow) -> Result<(), RunError> {
            use $crate::bookkeeping::tables::__schema_revisions as revisions;
            diesel::delete(revisions::table.find(&row.version)).execute(self)?;
            diesel::insert_into(revisions::table)
                .values((
                    revisions::version.eq(&row.version),
                    revisions::revision.eq(&row.revision),
                    revisions::checksum.eq(&row.checksum),
                    revisions::state.eq(&row.state),
                ))
                .execute(self)?;
            Ok(())
        }

        fn forget(&mut self, version: &str, diesel_too: bool) -> Result<(), RunError> {
            use $crate::bookkeeping::tables::{
                __diesel_schema_migrations as diesel_table, __schema_revisions as revisions,
            };
            diesel::delete(revisions::table.find(version)).execute(self)?;
            if diesel_too {
                diesel::delete(diesel_table::table.find(version)).execute(self)?;
            }
            Ok(())
        }

        fn sqlx_rows(
            &mut self,
            table: &str,
        ) -> Result<Vec<$crate::bookkeeping::SqlxRow>, RunError> {
            Ok(
                diesel::sql_query($crate::bookkeeping::sqlx_select(table, Self::BACKEND))
                    .load(self)?,
            )
        }

        fn execute_counted(&mut self, sql: &str) -> Result<usize, RunError> {
            Ok(diesel::sql_query(sql).execute(self)?)
        }

        fn insert_version(&mut self, version: &str) -> Result<(), RunError> {
            use $crate::bookkeeping::tables::__diesel_schema_migrations as diesel_table;
            diesel::insert_into(diesel_table::table)
                .values(diesel_table::version.eq(version))
                .execute(self)?;
            Ok(())
        }
    };
}
#[cfg(any(
    feature = "sqlite",
    feature = "postgres",
    feature = "postgres-libpq",
    feature = "mysql",
    feature = "mysql-libmysqlclient"
))]
pub(crate) use bookkeeping_queries;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_quote_what_each_backend_reads_specially() {
        assert_eq!(literal("it's", Backend::Postgres), "'it''s'");
        assert_eq!(literal(r"a\b", Backend::Postgres), r"E'a\\b'");
        assert_eq!(literal(r"a\b", Backend::Sqlite), r"'a\b'");
        // Hex, because `\\` reads as one backslash or two by `sql_mode`.
        assert_eq!(literal(r"a\'b", Backend::Mysql), "_utf8mb4 X'615C2762'");
        assert_eq!(literal("it's", Backend::Mysql), "'it''s'");
        assert_eq!(literal("plain", Backend::Sqlite), "'plain'");
    }

    #[test]
    fn a_sqlx_migration_is_recorded_in_sqlx_table_as_sqlx_records_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("7_add_it's.sql"), "SELECT 1;\n").expect("write");
        let set = schema_core::migrations::MigrationSet::load(dir.path()).expect("load");
        let m = &set.set.migrations()[0];
        let sqlx = m.sqlx.as_ref().expect("a sqlx migration");
        let up = record_step_sql(m, Direction::Up, Backend::Postgres, true);
        assert!(
            up.ends_with(&format!(
                "DELETE FROM _sqlx_migrations WHERE version = 7;\n\
                 INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES (7, 'add it''s', TRUE, decode('{}', 'hex'), 0);\n",
                sqlx.checksum
            )),
            "{up}"
        );
        assert!(record_step_sql(m, Direction::Up, Backend::Mysql, true)
            .contains(&format!("X'{}'", sqlx.checksum)));
        assert!(record_step_sql(m, Direction::Down, Backend::Sqlite, false)
            .ends_with("DELETE FROM _sqlx_migrations WHERE version = 7;\n"));
        assert!(sqlx_ddl("_sqlx_migrations", Backend::Postgres).contains("checksum BYTEA NOT NULL"));
        assert!(sqlx_ddl("_sqlx_migrations", Backend::Mysql).contains("checksum BLOB NOT NULL"));
    }

    #[test]
    fn the_ddl_creates_both_tables() {
        for table in [DIESEL_TABLE, REVISIONS_TABLE] {
            assert!(ddl().contains(&format!("CREATE TABLE IF NOT EXISTS {table} (")));
        }
    }
}
