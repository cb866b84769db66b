//! What every scenario needs: a database of its own per test (created on
//! demand, dropped afterwards), a migrations folder in a tempdir, and the
//! queries that read a database's contents back.
//!
//! Servers come from `SCHEMA_TEST_POSTGRES_URL` and `SCHEMA_TEST_MYSQL_URL`
//! (admin URLs; defaults below). An unreachable server skips its tests with
//! a note on stderr, unless `SCHEMA_TEST_REQUIRE_DATABASES` is set (CI),
//! which turns it into a failure.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use schema_runtime::migrations::{MigrationSet, RevisionGraph, Step, Target};
use schema_runtime::{Dialect, Migrator, RunError};

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
                    crate::support::run::<$conn>(stringify!($scenario), super::$scenario::<$conn>);
                }
            )*
        }
    };
}

/// Run `scenario` on a fresh database of backend `C`, unless the server is
/// unreachable (then the test is skipped, see the module docs).
pub fn run<C: TestConn>(name: &str, scenario: fn(&TestDb)) {
    if let Some(db) = C::test_db(name) {
        scenario(&db);
    }
}

/// The admin URL of a server, from `var` or `default`.
#[cfg(any(
    feature = "postgres",
    feature = "postgres-libpq",
    feature = "mysql",
    feature = "mysql-libmysqlclient"
))]
fn admin_url(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

/// Connect to a server's admin URL, or report it unreachable: a panic when
/// `SCHEMA_TEST_REQUIRE_DATABASES` is set, else a note on stderr and `None`.
#[cfg(any(
    feature = "postgres",
    feature = "postgres-libpq",
    feature = "mysql",
    feature = "mysql-libmysqlclient"
))]
fn admin_connection<C: Connection>(label: &str, url: &str) -> Option<C> {
    match C::establish(url) {
        Ok(conn) => Some(conn),
        Err(e) => {
            let masked = schema_core::secret::mask_urls(url);
            if std::env::var_os("SCHEMA_TEST_REQUIRE_DATABASES").is_some() {
                panic!(
                    "{label} not reachable at {masked} ({e}); SCHEMA_TEST_REQUIRE_DATABASES is set, \
                     so this is a failure, not a skip"
                );
            }
            eprintln!("skipped: {label} not reachable at {masked} ({e})");
            None
        }
    }
}

/// A database name unique to this test, process and call: lower case,
/// short enough for PostgreSQL (63) and MySQL (64).
#[cfg(any(
    feature = "postgres",
    feature = "postgres-libpq",
    feature = "mysql",
    feature = "mysql-libmysqlclient"
))]
fn unique_name(test: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let test: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(36)
        .collect();
    format!("cs_{test}_{}_{n}", std::process::id())
}

/// `url` with its database (the path) replaced by `name`, query kept.
#[cfg(any(
    feature = "postgres",
    feature = "postgres-libpq",
    feature = "mysql",
    feature = "mysql-libmysqlclient"
))]
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A database that lives as long as the value: a file in a tempdir for
/// SQLite, a database created on the server otherwise, dropped on `Drop`.
pub struct TestDb {
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    #[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
    Postgres {
        admin: String,
        name: String,
    },
    #[cfg(any(feature = "mysql", feature = "mysql-libmysqlclient"))]
    Mysql {
        admin: String,
        name: String,
    },
}

impl TestDb {
    /// The URL diesel connects with (a path for SQLite).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL as a configuration file writes it (`sqlite://` + path for
    /// SQLite).
    pub fn config_url(&self) -> String {
        match self.cleanup {
            Cleanup::Sqlite(_) => format!("sqlite://{}", self.url),
            #[allow(unreachable_patterns)]
            _ => self.url.clone(),
        }
    }

    /// A new connection to this database.
    pub fn conn<C: Connection>(&self) -> C {
        let url = self.url();
        C::establish(url).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let result: Result<(), String> = match &self.cleanup {
            Cleanup::Sqlite(_) => Ok(()),
            #[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
            Cleanup::Postgres { admin, name } => schema_runtime::PgConnection::establish(admin)
                .map_err(|e| e.to_string())
                .and_then(|mut conn| {
                    // Connections a failed test leaked would block the drop.
                    // Two calls: several statements in one are one
                    // transaction, and DROP DATABASE refuses to run in one.
                    conn.batch_execute(&format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                    ))
                    .and_then(|()| {
                        conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                    })
                    .map_err(|e| e.to_string())
                }),
            #[cfg(any(feature = "mysql", feature = "mysql-libmysqlclient"))]
            Cleanup::Mysql { admin, name } => schema_runtime::MysqlConnection::establish(admin)
                .map_err(|e| e.to_string())
                .and_then(|mut conn| {
                    conn.batch_execute(&format!("DROP DATABASE IF EXISTS `{name}`"))
                        .map_err(|e| e.to_string())
                }),
        };
        if let Err(e) = result {
            eprintln!("warning: could not drop test database {}: {e}", self.url);
        }
    }
}

/// Text cells of a query whose one column is named `s`.
#[derive(QueryableByName)]
struct StringRow {
    #[diesel(sql_type = Text)]
    s: String,
}

/// A query whose one column is named `n`.
#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
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

/// A connection type the scenarios run on: the runner's [`Dialect`] plus
/// what a test needs to create a database and read it back.
pub trait TestConn: Dialect + Sized {
    /// A fresh database, or `None` when the server is unreachable.
    fn test_db(test: &str) -> Option<TestDb>;

    /// The values of a query's column `s`.
    fn strings(&mut self, sql: &str) -> Vec<String>;

    /// The value of a query's column `n` (one row).
    fn number(&mut self, sql: &str) -> i64;

    /// Every row of `__schema_revisions`, by version.
    fn bookkeeping_rows(&mut self) -> Vec<RevisionRow>;

    /// Every table of the database, sorted (bookkeeping included).
    fn tables(&mut self) -> Vec<String>;

    /// The indexes of `table`, sorted.
    fn indexes(&mut self, table: &str) -> Vec<String>;

    /// Take the lock a migration runner takes, as another process would.
    fn hold_runner_lock(&mut self);

    /// Release what [`TestConn::hold_runner_lock`] took.
    fn release_runner_lock(&mut self);
}

macro_rules! queries {
    () => {
        fn strings(&mut self, sql: &str) -> Vec<String> {
            diesel::sql_query(sql)
                .load::<StringRow>(self)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .into_iter()
                .map(|r| r.s)
                .collect()
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
    fn test_db(_test: &str) -> Option<TestDb> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.sqlite3");
        Some(TestDb {
            url: path.to_str().unwrap().to_owned(),
            cleanup: Cleanup::Sqlite(dir),
        })
    }

    queries!();

    fn tables(&mut self) -> Vec<String> {
        self.strings(
            "SELECT name AS s FROM sqlite_master \
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
    }

    fn indexes(&mut self, table: &str) -> Vec<String> {
        self.strings(&format!(
            "SELECT name AS s FROM sqlite_master WHERE type = 'index' \
             AND tbl_name = '{table}' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name"
        ))
    }

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
    fn test_db(test: &str) -> Option<TestDb> {
        let admin = admin_url(
            "SCHEMA_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
        );
        let mut conn = admin_connection::<Self>("PostgreSQL", &admin)?;
        let name = unique_name(test);
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        Some(TestDb {
            url: with_database(&admin, &name),
            cleanup: Cleanup::Postgres { admin, name },
        })
    }

    queries!();

    fn tables(&mut self) -> Vec<String> {
        self.strings(
            "SELECT CAST(table_name AS TEXT) AS s FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY 1",
        )
    }

    fn indexes(&mut self, table: &str) -> Vec<String> {
        self.strings(&format!(
            "SELECT CAST(indexname AS TEXT) AS s FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = '{table}' \
             AND indexname NOT LIKE '%_pkey' ORDER BY 1"
        ))
    }

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
    fn test_db(test: &str) -> Option<TestDb> {
        let admin = admin_url("SCHEMA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test");
        let mut conn = admin_connection::<Self>("MySQL/MariaDB", &admin)?;
        let name = unique_name(test);
        conn.batch_execute(&format!("CREATE DATABASE `{name}`"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        Some(TestDb {
            url: with_database(&admin, &name),
            cleanup: Cleanup::Mysql { admin, name },
        })
    }

    queries!();

    fn tables(&mut self) -> Vec<String> {
        self.strings(
            "SELECT table_name AS s FROM information_schema.tables \
             WHERE table_schema = DATABASE() ORDER BY table_name",
        )
    }

    fn indexes(&mut self, table: &str) -> Vec<String> {
        self.strings(&format!(
            "SELECT DISTINCT index_name AS s FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = '{table}' \
             AND index_name <> 'PRIMARY' ORDER BY index_name"
        ))
    }

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

/// The bookkeeping tables the runner creates.
pub const BOOKKEEPING: [&str; 2] = schema_runtime::bookkeeping::TABLES;

/// Tables that are not bookkeeping, sorted.
pub fn user_tables<C: TestConn>(conn: &mut C) -> Vec<String> {
    conn.tables()
        .into_iter()
        .filter(|t| !BOOKKEEPING.contains(&t.as_str()))
        .collect()
}

/// The versions in diesel's table, sorted; empty when it does not exist.
pub fn diesel_versions<C: TestConn>(conn: &mut C) -> Vec<String> {
    if !conn.tables().iter().any(|t| t == BOOKKEEPING[0]) {
        return Vec::new();
    }
    conn.strings("SELECT version AS s FROM __diesel_schema_migrations ORDER BY version")
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
