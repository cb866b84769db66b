//! What every scenario needs: a database of its own per test (the
//! schema-test-support crate's guard, administered through diesel), a
//! migrations folder in a tempdir, and the queries that read a database's
//! contents back through diesel.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use schema_runtime::migrations::{MigrationSet, RevisionGraph, Step, Target};
use schema_runtime::{Dialect, Migrator, RunError};
pub use schema_test_support::inspect::BOOKKEEPING;
pub use schema_test_support::TestDb;
use schema_test_support::{inspect, DieselAdmin};

/// Emits `mod sqlite`, `mod postgres` and `mod mysql`, each with one
/// `#[test]` per named scenario; a scenario is a function generic over the
/// connection type that gets a fresh database of its own.
macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        on_backends!([sqlite, postgres, mysql] ($($scenario),*));
    };
}

/// [`on_every_backend!`] for some backends only:
/// `on_backends!([postgres, mysql] (scenario, ...))`.
macro_rules! on_backends {
    ([$($backend:ident),*] $scenarios:tt) => {
        $( on_backends!(@module $backend $scenarios); )*
    };
    (@module sqlite $scenarios:tt) => {
        on_backends!(@tests feature = "sqlite", sqlite, diesel::SqliteConnection, $scenarios);
    };
    (@module postgres $scenarios:tt) => {
        on_backends!(@tests any(feature = "postgres", feature = "postgres-libpq"), postgres, schema_runtime::PgConnection, $scenarios);
    };
    (@module mysql $scenarios:tt) => {
        on_backends!(@tests any(feature = "mysql", feature = "mysql-libmysqlclient"), mysql, schema_runtime::MysqlConnection, $scenarios);
    };
    (@tests $cfg:meta, $module:ident, $conn:ty, ($($scenario:ident),*)) => {
        #[cfg($cfg)]
        mod $module {
            $(
                #[test]
                fn $scenario() {
                    crate::support::run::<$conn>(super::$scenario::<$conn>);
                }
            )*
        }
    };
}

/// Run `scenario` on a fresh database of backend `C`, unless the server is
/// unreachable (then the test is skipped, as schema-test-support says).
pub fn run<C: TestConn>(scenario: fn(&TestDb)) {
    if let Some(db) = C::test_db() {
        scenario(&db);
    }
}

/// A row of `__schema_revisions` as the test reads it back.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct RevisionRow {
    #[diesel(sql_type = Text)]
    pub version: String,
    #[diesel(sql_type = Text)]
    pub revision: String,
    #[diesel(sql_type = Text)]
    pub checksum: String,
    #[diesel(sql_type = Text)]
    pub state: String,
}

/// A query whose one column is named `n`.
#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A connection type the scenarios run on: the runner's [`Dialect`] plus
/// what a test needs to create a database and read it back.
pub trait TestConn: Dialect + Sized {
    /// A fresh database, or `None` when the server is unreachable.
    fn test_db() -> Option<TestDb>;

    /// The values of a query's column `s`.
    fn strings(&mut self, sql: &str) -> Vec<String>;

    /// The value of a query's column `n` (one row).
    fn number(&mut self, sql: &str) -> i64;

    /// Every row of `__schema_revisions`, by version.
    fn bookkeeping_rows(&mut self) -> Vec<RevisionRow>;

    /// Every table of the database, sorted (bookkeeping included).
    fn tables(&mut self) -> Vec<String> {
        inspect::tables(Self::BACKEND, |sql| self.strings(sql))
    }

    /// The indexes of `table`, sorted.
    fn indexes(&mut self, table: &str) -> Vec<String> {
        self.strings(&inspect::indexes_sql(Self::BACKEND, table))
    }

    /// Take the lock a migration runner takes, as another process would.
    fn hold_runner_lock(&mut self);

    /// Release what [`TestConn::hold_runner_lock`] took.
    fn release_runner_lock(&mut self);
}

/// What each connection type implements alike (generic code would need
/// diesel's bounds at every scenario).
macro_rules! queries {
    () => {
        fn test_db() -> Option<TestDb> {
            TestDb::create_with::<DieselAdmin<Self>>(Self::BACKEND, None)
        }

        fn strings(&mut self, sql: &str) -> Vec<String> {
            schema_test_support::strings(self, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
        }

        fn number(&mut self, sql: &str) -> i64 {
            diesel::sql_query(sql)
                .get_result::<CountRow>(self)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .n
        }

        fn bookkeeping_rows(&mut self) -> Vec<RevisionRow> {
            let sql = "SELECT version, revision, checksum, state FROM __schema_revisions ORDER BY version";
            diesel::sql_query(sql)
                .load::<RevisionRow>(self)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        }
    };
}

#[cfg(feature = "sqlite")]
impl TestConn for diesel::SqliteConnection {
    queries!();

    fn hold_runner_lock(&mut self) {
        // SQLite serialises runners with its write lock.
        self.batch_execute("BEGIN IMMEDIATE").unwrap();
    }

    fn release_runner_lock(&mut self) {
        self.batch_execute("COMMIT").unwrap();
    }
}

#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
impl TestConn for schema_runtime::PgConnection {
    queries!();

    fn hold_runner_lock(&mut self) {
        self.batch_execute(&format!(
            "SELECT pg_advisory_lock({})",
            schema_runtime::lock::PG_LOCK_KEY
        ))
        .unwrap();
    }

    fn release_runner_lock(&mut self) {
        self.batch_execute(&format!(
            "SELECT pg_advisory_unlock({})",
            schema_runtime::lock::PG_LOCK_KEY
        ))
        .unwrap();
    }
}

#[cfg(any(feature = "mysql", feature = "mysql-libmysqlclient"))]
impl TestConn for schema_runtime::MysqlConnection {
    queries!();

    fn hold_runner_lock(&mut self) {
        let got = self
            .number("SELECT CAST(GET_LOCK(CONCAT('cargo-schema:', DATABASE()), 0) AS SIGNED) AS n");
        assert_eq!(got, 1, "the test could not take the runner lock");
    }

    fn release_runner_lock(&mut self) {
        self.batch_execute("DO RELEASE_LOCK(CONCAT('cargo-schema:', DATABASE()))")
            .unwrap();
    }
}

/// Tables that are not bookkeeping, sorted.
pub fn user_tables<C: TestConn>(conn: &mut C) -> Vec<String> {
    inspect::user_tables(C::BACKEND, |sql| conn.strings(sql))
}

/// The versions in diesel's table, sorted; empty when it does not exist.
pub fn diesel_versions<C: TestConn>(conn: &mut C) -> Vec<String> {
    inspect::diesel_versions(C::BACKEND, |sql| conn.strings(sql))
}

/// Revision ids of steps, in order.
/// A target, parsed as the command line parses it.
pub fn tgt(text: &str) -> Target {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} is no target: {e}"))
}

pub fn ids(steps: &[Step]) -> Vec<&str> {
    steps.iter().map(|s| s.revision.as_str()).collect()
}

/// The graph error's kind, or a panic naming what came instead.
pub fn graph_kind(error: &RunError) -> &'static str {
    match error {
        RunError::Graph(e) => e.kind(),
        other => panic!("expected a graph error, got {other:?}"),
    }
}

/// A migrations folder in a tempdir.
pub struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    /// An empty `migrations/` in a new tempdir.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("migrations")).unwrap();
        Folder { dir }
    }

    /// The migrations directory.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("migrations")
    }

    /// Write `<folder>/up.sql` and `down.sql`.
    pub fn add(&self, folder: &str, up: &str, down: &str) -> &Self {
        let d = self.path().join(folder);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("up.sql"), up).unwrap();
        std::fs::write(d.join("down.sql"), down).unwrap();
        self
    }

    /// Write `<folder>/up.sql`, `down.sql` and `metadata.toml`.
    pub fn add_with_metadata(&self, folder: &str, up: &str, down: &str, metadata: &str) -> &Self {
        self.add(folder, up, down);
        std::fs::write(self.path().join(folder).join("metadata.toml"), metadata).unwrap();
        self
    }

    /// Replace `<folder>/up.sql`.
    pub fn write_up(&self, folder: &str, up: &str) {
        std::fs::write(self.path().join(folder).join("up.sql"), up).unwrap();
    }

    /// Remove `<folder>/metadata.toml`.
    pub fn remove_metadata(&self, folder: &str) {
        std::fs::remove_file(self.path().join(folder).join("metadata.toml")).unwrap();
    }

    /// The folder's revision graph, loaded as the CLI loads it.
    pub fn graph(&self) -> RevisionGraph {
        load_graph(&self.path())
    }

    /// A migrator with default options over the folder as it is now.
    pub fn migrator(&self) -> Migrator {
        Migrator::new(self.graph())
    }
}

/// `MigrationSet::load` then `RevisionGraph::new`, panicking with every
/// problem.
pub fn load_graph(dir: &Path) -> RevisionGraph {
    let loaded =
        MigrationSet::load(dir).unwrap_or_else(|e| panic!("load {}: {e:?}", dir.display()));
    RevisionGraph::new(loaded.set).unwrap_or_else(|e| panic!("graph of {}: {e:?}", dir.display()))
}

/// A linear chain of `n` plain diesel folders (no metadata.toml), each
/// creating table `t<i>`; returns their versions.
pub fn linear(folder: &Folder, n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| {
            folder.add(
                &folder_name(i),
                &format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY);\nINSERT INTO t{i} (id) VALUES ({i});\n"),
                &format!("DROP TABLE t{i};\n"),
            );
            version(i)
        })
        .collect()
}

/// The folder name of the `i`th revision of [`linear`].
pub fn folder_name(i: usize) -> String {
    format!("2024-01-01-{i:06}_t{i}")
}

/// The diesel version of the `i`th revision of [`linear`].
pub fn version(i: usize) -> String {
    format!("20240101{i:06}")
}
