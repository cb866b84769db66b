//! End-to-end tests of the migration commands (DESIGN.md §2–§3): the binary
//! on real temporary projects against real databases, each scenario written
//! once and run on SQLite, PostgreSQL and MariaDB, and every effect checked
//! through the database's own client.

/// `fn scenario(backend: Backend)` becomes a module of tests, one per
/// backend (`scenario::sqlite`, `scenario::postgres`, `scenario::mysql`).
macro_rules! on_backends {
    ($scenario:ident: $($test:ident => $backend:ident),+ $(,)?) => {
        mod $scenario {
            $(
                #[test]
                fn $test() {
                    super::$scenario($crate::migrate::Backend::$backend);
                }
            )+
        }
    };
    ($scenario:ident) => {
        on_backends!($scenario: sqlite => Sqlite, postgres => Postgres, mysql => Mysql);
    };
}

mod cache;
mod check;
mod client_certs;
mod clusters;
mod concurrency;
mod connect;
mod crash;
mod drift;
mod drivers;
mod empty_down;
mod failure;
mod faults;
mod fencing;
mod fleet;
mod galera;
mod graph;
mod json;
mod limits;
mod lint;
mod lint_formats;
mod lint_rows;
mod lock_retries;
mod offline;
mod quickstart;
mod round_trip;
mod schema_cache;
mod script_corpus;
mod script_diff;
mod security;
mod sqlx;
mod stamp;
mod takeover;
mod terminal;

use std::path::PathBuf;

pub use schema_test_support::{transactional_ddl, Backend, TestDb};

use crate::support::{Invocation, Outcome, Project};

/// The main section every scenario starts from: the URL comes from
/// DATABASE_URL, which each test sets to its own database.
const INI: &str = "[schema]\nscript_location = %(here)s/migrations\ndiesel.url = ${DATABASE_URL}\n";

/// A temporary project and a database of its own.
pub struct Ctx {
    pub project: Project,
    pub db: TestDb,
}

impl Ctx {
    /// A project with [`INI`] plus `extra` lines in its main section, or
    /// `None` when the backend's server is unreachable (the test skips).
    pub fn new(backend: Backend, extra: &str) -> Option<Ctx> {
        let project = Project::empty();
        let db = TestDb::create(backend, &project.path())?;
        let ctx = Ctx { project, db };
        ctx.ini(extra);
        Some(ctx)
    }

    /// Rewrite schema.ini: [`INI`] plus `extra`.
    pub fn ini(&self, extra: &str) {
        self.project.file("schema.ini", format!("{INI}{extra}"));
    }

    /// The project's folder.
    pub fn root(&self) -> PathBuf {
        self.project.path()
    }

    /// `cargo-schema -c schema.ini ARGS` with DATABASE_URL set.
    pub fn cmd(&self, args: &[&str]) -> Invocation {
        let mut all = vec!["-c", "schema.ini"];
        all.extend_from_slice(args);
        self.project.cmd(all).env("DATABASE_URL", self.db.url())
    }

    /// Run [`Ctx::cmd`].
    pub fn run(&self, args: &[&str]) -> Outcome {
        self.cmd(args).run()
    }

    /// Write `migrations/FOLDER` with its metadata.toml (none when empty),
    /// up.sql and down.sql.
    pub fn revision(&self, folder: &str, metadata: &str, up: &str, down: &str) {
        let dir = format!("migrations/{folder}");
        if !metadata.is_empty() {
            self.project.file(&format!("{dir}/metadata.toml"), metadata);
        }
        self.project.file(&format!("{dir}/up.sql"), up);
        self.project.file(&format!("{dir}/down.sql"), down);
    }

    /// `n` plain diesel folders (no metadata.toml: a linear chain by
    /// version), the i-th creating table `{prefix}{i:03}`. Returns each one's
    /// `(version, table)`.
    pub fn table_chain(&self, n: usize, prefix: &str) -> Vec<(String, String)> {
        (0..n)
            .map(|i| {
                let table = format!("{prefix}{i:03}");
                self.revision(
                    &format!("2024-01-01-{i:06}_{table}"),
                    "",
                    &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY);\n"),
                    &format!("DROP TABLE {table};\n"),
                );
                (format!("20240101{i:06}"), table)
            })
            .collect()
    }
}

/// `text`'s lines, owned.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// Sorted owned strings.
pub fn sorted<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut out: Vec<String> = items.into_iter().map(Into::into).collect();
    out.sort();
    out
}
