//! One database per test, created and dropped by a guard, and read back
//! through the database's own command-line client (`sqlite3`, `psql`,
//! `mariadb`), never through the code under test.
//!
//! Servers come from `SCHEMA_TEST_POSTGRES_URL` and `SCHEMA_TEST_MYSQL_URL`.
//! When one is unreachable its tests print `skipped: ...` and pass, unless
//! `SCHEMA_TEST_REQUIRE_DATABASES` is set (CI), which makes them fail.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DEFAULT_MYSQL: &str = "mysql://root@127.0.0.1:3306/test";

/// The three backends every scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        })
    }
}

impl Backend {
    /// Whether DDL takes part in transactions.
    pub fn transactional_ddl(self) -> bool {
        self != Backend::Mysql
    }
}

/// The parts of a server URL the command-line clients need.
#[derive(Debug, Clone)]
pub struct ServerUrl {
    pub scheme: String,
    pub user: String,
    pub password: String,
    pub host: String,
    pub port: u16,
    pub database: String,
}

impl ServerUrl {
    /// `scheme://[user[:password]@]host[:port][/database]`.
    pub fn parse(url: &str) -> ServerUrl {
        let (scheme, rest) = url
            .split_once("://")
            .unwrap_or_else(|| panic!("not a URL: {url}"));
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
        let (credentials, hostport) = match authority.rsplit_once('@') {
            Some((c, h)) => (c, h),
            None => ("", authority),
        };
        let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
        let default_port = if scheme.starts_with("postgres") {
            5432
        } else {
            3306
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().expect("a numeric port")),
            None => (hostport, default_port),
        };
        ServerUrl {
            scheme: scheme.to_owned(),
            user: decode(user),
            password: decode(password),
            host: host.to_owned(),
            port,
            database: database.to_owned(),
        }
    }

    /// The URL for `database` on this server, with `password` instead of
    /// the real one when given.
    pub fn with(&self, database: &str, password: Option<&str>) -> String {
        let password = password.unwrap_or(&self.password);
        let credentials = match (self.user.is_empty(), password.is_empty()) {
            (true, _) => String::new(),
            (false, true) => format!("{}@", encode(&self.user)),
            (false, false) => format!("{}:{}@", encode(&self.user), encode(password)),
        };
        format!(
            "{}://{credentials}{}:{}/{database}",
            self.scheme, self.host, self.port
        )
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("a UTF-8 URL part")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The admin URL of `backend`'s server.
pub fn server(backend: Backend) -> ServerUrl {
    let (var, default) = match backend {
        Backend::Postgres => ("SCHEMA_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        Backend::Mysql => ("SCHEMA_TEST_MYSQL_URL", DEFAULT_MYSQL),
        Backend::Sqlite => unreachable!("SQLite has no server"),
    };
    ServerUrl::parse(&std::env::var(var).unwrap_or_else(|_| default.to_owned()))
}

/// Whether `backend`'s server answers, checked once per test process.
fn reachable(backend: Backend) -> Result<(), String> {
    static POSTGRES: OnceLock<Result<(), String>> = OnceLock::new();
    static MYSQL: OnceLock<Result<(), String>> = OnceLock::new();
    let cell = match backend {
        Backend::Sqlite => return Ok(()),
        Backend::Postgres => &POSTGRES,
        Backend::Mysql => &MYSQL,
    };
    cell.get_or_init(|| {
        let admin = server(backend);
        let output = client(backend, &admin, &admin.database, "SELECT 1")
            .output()
            .map_err(|e| format!("cannot run the {backend} client: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{backend} at {}:{} does not answer: {}",
                admin.host,
                admin.port,
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    })
    .clone()
}

/// The client command for one SQL string on `database` of `server`, rows
/// printed as `a|b` (PostgreSQL) or tab-separated (MariaDB).
fn client(backend: Backend, server: &ServerUrl, database: &str, sql: &str) -> Command {
    let mut command = base_client(backend, server, database);
    match backend {
        Backend::Postgres => command.args(["-A", "-t", "-F", "|", "-c", sql]),
        Backend::Mysql => command.args(["-N", "-B", "-e", sql]),
        Backend::Sqlite => unreachable!("SQLite has no server"),
    };
    command
}

fn base_client(backend: Backend, server: &ServerUrl, database: &str) -> Command {
    match backend {
        Backend::Postgres => {
            let mut command = Command::new("psql");
            command
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
                .arg(server.with(database, None));
            command
        }
        Backend::Mysql => {
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
        Backend::Sqlite => unreachable!("SQLite has no server"),
    }
}

/// Where the test database lives.
#[derive(Debug)]
enum Target {
    Sqlite(PathBuf),
    Server { admin: ServerUrl, name: String },
}

/// A database of its own for one test; dropped (sessions first) when the
/// guard goes.
#[derive(Debug)]
pub struct TestDb {
    backend: Backend,
    url: String,
    target: Target,
}

impl TestDb {
    /// A new database for `backend` (a file `app.db` in `dir` for SQLite),
    /// or `None` after printing `skipped: ...` when its server is down.
    pub fn create(backend: Backend, dir: &Path) -> Option<TestDb> {
        if let Err(reason) = reachable(backend) {
            if std::env::var_os("SCHEMA_TEST_REQUIRE_DATABASES").is_some() {
                panic!("SCHEMA_TEST_REQUIRE_DATABASES is set but {reason}");
            }
            eprintln!("skipped: {reason}");
            return None;
        }
        if backend == Backend::Sqlite {
            let path = dir.join("app.db");
            return Some(TestDb {
                backend,
                url: format!("sqlite://{}", path.display()),
                target: Target::Sqlite(path),
            });
        }
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!(
            "cs_migrate_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = server(backend);
        run_ok(
            client(
                backend,
                &admin,
                &admin.database,
                &format!("CREATE DATABASE {name}"),
            ),
            "create the test database",
        );
        Some(TestDb {
            backend,
            url: admin.with(&name, None),
            target: Target::Server { admin, name },
        })
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL the binary gets (as DATABASE_URL).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's URL for this database with other credentials (for the
    /// wrong-password test); `user` `None` keeps the admin's.
    pub fn url_with_credentials(&self, user: Option<&str>, password: &str) -> String {
        match &self.target {
            Target::Server { admin, name } => {
                let mut server = admin.clone();
                if let Some(user) = user {
                    server.user = user.to_owned();
                }
                server.with(name, Some(password))
            }
            Target::Sqlite(_) => self.url.clone(),
        }
    }

    /// `host:port` of the server (the SQLite file's path).
    pub fn host_port(&self) -> String {
        match &self.target {
            Target::Server { admin, .. } => format!("{}:{}", admin.host, admin.port),
            Target::Sqlite(path) => path.display().to_string(),
        }
    }

    /// A client command for `sql` on this database.
    fn command(&self, sql: &str) -> Command {
        match &self.target {
            Target::Sqlite(path) => {
                let mut command = Command::new("sqlite3");
                command.args(["-batch", "-bail"]).arg(path).arg(sql);
                command
            }
            Target::Server { admin, name } => client(self.backend, admin, name, sql),
        }
    }

    /// Run `sql`; each row as its columns joined by `|`.
    #[track_caller]
    pub fn query(&self, sql: &str) -> Vec<String> {
        let output = run_ok(self.command(sql), sql);
        String::from_utf8(output.stdout)
            .expect("client output is UTF-8")
            .lines()
            .map(|l| l.replace('\t', "|"))
            .collect()
    }

    /// [`TestDb::query`], rows sorted by byte.
    fn sorted_query(&self, sql: &str) -> Vec<String> {
        let mut rows = self.query(sql);
        rows.sort();
        rows
    }

    /// Run a statement.
    #[track_caller]
    pub fn exec(&self, sql: &str) {
        run_ok(self.command(sql), sql);
    }

    /// Run the script in `path` with the database's own client, as a DBA
    /// would (`sqlite3 -bail db < script`, `psql -X -v ON_ERROR_STOP=1 -f
    /// script`, `mariadb db < script`): the script's own `BEGIN`/`COMMIT`
    /// make its transactions.
    pub fn run_script(&self, path: &Path) -> Output {
        let file = || std::fs::File::open(path).expect("open the script");
        let mut command = match &self.target {
            Target::Sqlite(db) => {
                let mut command = Command::new("sqlite3");
                command.args(["-batch", "-bail"]).arg(db).stdin(file());
                command
            }
            Target::Server { admin, name } => {
                let mut command = base_client(self.backend, admin, name);
                match self.backend {
                    Backend::Postgres => command.arg("-f").arg(path),
                    _ => command.stdin(file()),
                };
                command
            }
        };
        command.output().expect("run the database client")
    }

    /// Every table of the database, bookkeeping included, sorted (by
    /// byte, not by the server's collation).
    pub fn tables(&self) -> Vec<String> {
        self.sorted_query(match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            }
            Backend::Mysql => {
                "SELECT table_name FROM information_schema.tables \
                 WHERE table_schema = DATABASE() ORDER BY table_name"
            }
        })
    }

    /// The tables the migrations made (not the bookkeeping), sorted.
    pub fn user_tables(&self) -> Vec<String> {
        self.tables()
            .into_iter()
            .filter(|t| !t.starts_with("__"))
            .collect()
    }

    /// `table.column type` of every column, sorted.
    pub fn columns(&self) -> Vec<String> {
        self.sorted_query(match self.backend {
            Backend::Sqlite => {
                "SELECT m.name || '.' || p.name || ' ' || p.type \
                 FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1"
            }
            Backend::Postgres => {
                "SELECT table_name || '.' || column_name || ' ' || data_type \
                 FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1"
            }
            Backend::Mysql => {
                "SELECT CONCAT(table_name, '.', column_name, ' ', column_type) \
                 FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY 1"
            }
        })
    }

    /// Versions in `__diesel_schema_migrations`, sorted (none when the
    /// table does not exist).
    pub fn versions(&self) -> Vec<String> {
        if !self
            .tables()
            .iter()
            .any(|t| t == "__diesel_schema_migrations")
        {
            return Vec::new();
        }
        self.query("SELECT version FROM __diesel_schema_migrations ORDER BY version")
    }

    /// `version|revision|state` of `__schema_revisions`, sorted.
    pub fn revision_rows(&self) -> Vec<String> {
        if !self.tables().iter().any(|t| t == "__schema_revisions") {
            return Vec::new();
        }
        self.query("SELECT version, revision, state FROM __schema_revisions ORDER BY version")
    }

    /// Wait until no other session is connected (PostgreSQL): a killed
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

impl Drop for TestDb {
    fn drop(&mut self) {
        let Target::Server { admin, name } = &self.target else {
            return;
        };
        let statements = match self.backend {
            Backend::Postgres => vec![
                format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                ),
                format!("DROP DATABASE IF EXISTS {name}"),
            ],
            _ => {
                // Sessions a test left behind would hold metadata locks.
                let ids = client(
                    self.backend,
                    admin,
                    &admin.database,
                    &format!("SELECT id FROM information_schema.processlist WHERE db = '{name}'"),
                )
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
                let mut statements: Vec<String> = ids
                    .lines()
                    .map(|id| format!("KILL {}", id.trim()))
                    .collect();
                statements.push(format!("DROP DATABASE IF EXISTS {name}"));
                statements
            }
        };
        for sql in statements {
            let done = client(self.backend, admin, &admin.database, &sql)
                .stdout(Stdio::null())
                .output();
            // A KILL may race with the session ending by itself.
            if !sql.starts_with("KILL") && !done.as_ref().is_ok_and(|o| o.status.success()) {
                eprintln!("warning: could not drop the test database {name}: {done:?}");
            }
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
