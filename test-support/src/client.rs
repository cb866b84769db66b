//! The databases' own command-line clients (`sqlite3`, `psql`, `mariadb`):
//! an [`Admin`] for the servers, and how a test reads a [`TestDb`] back
//! without the code under test.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::db::Target;
use crate::{inspect, Admin, Backend, ServerUrl, TestDb};

/// A server administered through its command-line client, `psql` or
/// `mariadb`, on the admin URL's database.
#[derive(Debug)]
pub struct Client {
    backend: Backend,
    server: ServerUrl,
}

impl Admin for Client {
    fn connect(backend: Backend, server: &ServerUrl) -> Result<Self, String> {
        // Once per test process: a server that is down stays down.
        static POSTGRES: OnceLock<Result<(), String>> = OnceLock::new();
        static MYSQL: OnceLock<Result<(), String>> = OnceLock::new();
        let cell = match backend {
            Backend::Postgres => &POSTGRES,
            Backend::Mysql => &MYSQL,
            Backend::Sqlite => return Err("SQLite has no server".to_owned()),
        };
        let mut client = Client {
            backend,
            server: server.clone(),
        };
        cell.get_or_init(|| client.execute("SELECT 1")).clone()?;
        Ok(client)
    }

    fn execute(&mut self, sql: &str) -> Result<(), String> {
        self.strings(sql).map(drop)
    }

    fn strings(&mut self, sql: &str) -> Result<Vec<String>, String> {
        let mut command = command(self.backend, &self.server, &self.server.database, sql);
        let output = command
            .output()
            .map_err(|e| format!("cannot run the {} client: {e}", self.backend))?;
        if output.status.success() {
            Ok(rows(output))
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
        }
    }
}

/// The client command for one SQL string on `database` of `server`, rows
/// printed as `a|b` (PostgreSQL) or tab-separated (MariaDB).
fn command(backend: Backend, server: &ServerUrl, database: &str, sql: &str) -> Command {
    let mut command = base_command(backend, server, database);
    match backend {
        Backend::Postgres => command.args(["-A", "-t", "-F", "|", "-c", sql]),
        _ => command.args(["-N", "-B", "-e", sql]),
    };
    command
}

/// The client on `database` of `server`, its options for a script.
fn base_command(backend: Backend, server: &ServerUrl, database: &str) -> Command {
    if backend == Backend::Postgres {
        let mut command = Command::new("psql");
        command
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(server.with(database, None));
        return command;
    }
    let mut command = Command::new("mariadb");
    command
        .args(["--protocol=TCP", "-h", &server.host, "-P"])
        .arg(server.port.to_string())
        .args(["-u", &server.user]);
    if !server.password.is_empty() {
        command.arg(format!("--password={}", server.password));
    }
    if !database.is_empty() {
        command.arg(database);
    }
    command
}

fn sqlite3(path: &Path) -> Command {
    let mut command = Command::new("sqlite3");
    command.args(["-batch", "-bail"]).arg(path);
    command
}

/// Each row of the client's output, its columns joined by `|`.
fn rows(output: Output) -> Vec<String> {
    String::from_utf8(output.stdout)
        .expect("client output is UTF-8")
        .lines()
        .map(|l| l.replace('\t', "|"))
        .collect()
}

/// What a test reads back, through the database's own client.
impl TestDb {
    /// A client command for `sql` on this database.
    fn command(&self, sql: &str) -> Command {
        match &self.target {
            Target::Sqlite { path, .. } => {
                let mut command = sqlite3(path);
                command.arg(sql);
                command
            }
            Target::Server { admin, name, .. } => command(self.backend, admin, name, sql),
        }
    }

    /// Runs `sql`; each row as its columns joined by `|`.
    #[track_caller]
    pub fn query(&self, sql: &str) -> Vec<String> {
        rows(run_ok(self.command(sql), sql))
    }

    /// Runs a statement.
    #[track_caller]
    pub fn exec(&self, sql: &str) {
        run_ok(self.command(sql), sql);
    }

    /// Runs the script in `path` with the database's own client, as a DBA
    /// would (`sqlite3 -bail db < script`, `psql -X -v ON_ERROR_STOP=1 -f
    /// script`, `mariadb db < script`): the script's own `BEGIN`/`COMMIT`
    /// make its transactions.
    pub fn run_script(&self, path: &Path) -> Output {
        let file = || std::fs::File::open(path).expect("open the script");
        let mut command = match &self.target {
            Target::Sqlite { path: db, .. } => {
                let mut command = sqlite3(db);
                command.stdin(file());
                command
            }
            Target::Server { admin, name, .. } => {
                let mut command = base_command(self.backend, admin, name);
                match self.backend {
                    Backend::Postgres => command.arg("-f").arg(path),
                    _ => command.stdin(file()),
                };
                command
            }
        };
        command.output().expect("run the database client")
    }

    /// Every table of the database, bookkeeping included, sorted by byte.
    pub fn tables(&self) -> Vec<String> {
        inspect::tables(self.backend, |sql| self.query(sql))
    }

    /// The tables the migrations made (not the bookkeeping), sorted.
    pub fn user_tables(&self) -> Vec<String> {
        inspect::user_tables(self.backend, |sql| self.query(sql))
    }

    /// `table.column type` of every column, sorted.
    pub fn columns(&self) -> Vec<String> {
        inspect::columns(self.backend, |sql| self.query(sql))
    }

    /// Versions in diesel's table, sorted (none when the table does not
    /// exist).
    pub fn versions(&self) -> Vec<String> {
        inspect::diesel_versions(self.backend, |sql| self.query(sql))
    }

    /// `version|revision|state` of `__schema_revisions`, sorted (none when
    /// the table does not exist).
    pub fn revision_rows(&self) -> Vec<String> {
        if !self.tables().iter().any(|t| t == inspect::REVISIONS_TABLE) {
            return Vec::new();
        }
        self.query("SELECT version, revision, state FROM __schema_revisions ORDER BY version")
    }

    /// Waits until no other session is connected (PostgreSQL): a killed
    /// client's server process may still be finishing its transaction.
    pub fn wait_for_other_sessions(&self) {
        let Target::Server { name, .. } = &self.target else {
            return;
        };
        if self.backend != Backend::Postgres {
            return;
        }
        let sql = format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}' \
             AND pid <> pg_backend_pid()"
        );
        let start = Instant::now();
        while self.query(&sql) != ["0"] {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "sessions of a killed client are still open after a minute"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[track_caller]
fn run_ok(mut command: Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}
