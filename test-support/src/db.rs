//! The guard: a database created for one test and dropped when it goes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use tempfile::TempDir;

use crate::{server, unavailable, Backend, Client, ServerUrl};

/// A connection to a server's admin database, through which [`TestDb`]
/// creates and drops the test's database.
pub trait Admin {
    /// Connects to `server` (a `backend` server), or says why not; an error
    /// skips the test (see [`unavailable`]).
    fn connect(backend: Backend, server: &ServerUrl) -> Result<Self, String>
    where
        Self: Sized;

    /// Runs `sql`, rows ignored.
    fn execute(&mut self, sql: &str) -> Result<(), String>;

    /// Runs `sql`; each row's only column, a text named `s`.
    fn strings(&mut self, sql: &str) -> Result<Vec<String>, String>;
}

/// How the guard reconnects to drop the database.
type Connect = fn(Backend, &ServerUrl) -> Result<Box<dyn Admin>, String>;

fn connect_boxed<A: Admin + 'static>(
    backend: Backend,
    server: &ServerUrl,
) -> Result<Box<dyn Admin>, String> {
    Ok(Box::new(A::connect(backend, server)?))
}

/// Where the test database lives.
#[derive(Debug)]
pub(crate) enum Target {
    Sqlite {
        path: PathBuf,
        /// The folder of `path` when the guard made it.
        _dir: Option<TempDir>,
    },
    Server {
        admin: ServerUrl,
        name: String,
        connect: Connect,
    },
}

/// A database of its own for one test; dropped (its sessions ended first)
/// when the guard goes.
#[derive(Debug)]
pub struct TestDb {
    pub(crate) backend: Backend,
    url: String,
    pub(crate) target: Target,
}

impl TestDb {
    /// A new database for `backend`, administered with the database's own
    /// client; for SQLite the file `app.db` in `dir`. `None` after printing
    /// `skipped: ...` when the server does not answer.
    pub fn create(backend: Backend, dir: &Path) -> Option<TestDb> {
        Self::create_with::<Client>(backend, Some(dir))
    }

    /// A new database for `backend`, administered through `A`; for SQLite
    /// the file `app.db` in `dir`, or in a folder of its own that goes with
    /// the guard. `None` (the test is skipped) when `A` cannot connect.
    pub fn create_with<A: Admin + 'static>(backend: Backend, dir: Option<&Path>) -> Option<TestDb> {
        if backend == Backend::Sqlite {
            let (folder, own) = match dir {
                Some(dir) => (dir.to_owned(), None),
                None => {
                    let own = tempfile::tempdir().expect("create a temporary folder");
                    (own.path().to_owned(), Some(own))
                }
            };
            let path = folder.join("app.db");
            return Some(TestDb {
                backend,
                url: format!("sqlite://{}", path.display()),
                target: Target::Sqlite { path, _dir: own },
            });
        }
        Self::create_on_with::<A>(backend, server(backend))
    }

    /// A new database on `admin`, a server the test started itself (a
    /// scratch cluster on its own port), administered with the database's
    /// own client.
    pub fn create_on(backend: Backend, admin: ServerUrl) -> Option<TestDb> {
        Self::create_on_with::<Client>(backend, admin)
    }

    fn create_on_with<A: Admin + 'static>(backend: Backend, admin: ServerUrl) -> Option<TestDb> {
        let mut conn = match A::connect(backend, &admin) {
            Ok(conn) => conn,
            Err(e) => {
                return unavailable(&format!(
                    "{backend} at {}:{} does not answer: {e}",
                    admin.host, admin.port
                ))
            }
        };
        let name = unique_name();
        if let Err(e) = conn.execute(&format!("CREATE DATABASE {name}")) {
            panic!("CREATE DATABASE {name}: {e}");
        }
        Some(TestDb {
            backend,
            url: admin.with(&name, None),
            target: Target::Server {
                admin,
                name,
                connect: connect_boxed::<A>,
            },
        })
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL as a configuration file or `DATABASE_URL` holds it
    /// (`sqlite://` and the path for SQLite).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL diesel's `Connection::establish` takes: the file's path for
    /// SQLite, else [`TestDb::url`].
    pub fn diesel_url(&self) -> &str {
        match &self.target {
            Target::Sqlite { .. } => self.url.strip_prefix("sqlite://").unwrap_or(&self.url),
            Target::Server { .. } => &self.url,
        }
    }

    /// The database's name on the server (empty for SQLite).
    pub fn name(&self) -> &str {
        match &self.target {
            Target::Sqlite { .. } => "",
            Target::Server { name, .. } => name,
        }
    }

    /// The server's URL for this database with other credentials (the
    /// wrong-password tests); `user` `None` keeps the admin's.
    pub fn url_with_credentials(&self, user: Option<&str>, password: &str) -> String {
        match &self.target {
            Target::Server { admin, name, .. } => {
                let mut server = admin.clone();
                if let Some(user) = user {
                    user.clone_into(&mut server.user);
                }
                server.with(name, Some(password))
            }
            Target::Sqlite { .. } => self.url.clone(),
        }
    }

    /// `host:port` of the server (the SQLite file's path).
    pub fn host_port(&self) -> String {
        match &self.target {
            Target::Server { admin, .. } => format!("{}:{}", admin.host, admin.port),
            Target::Sqlite { path, .. } => path.display().to_string(),
        }
    }
}

/// A name unique to this test, process and call, that outlives a killed
/// run's leftovers (the clock): lower case, within PostgreSQL's 63 bytes.
fn unique_name() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let thread = std::thread::current();
    // libtest names each test's thread after the test's path; the part
    // that is no backend's name names the scenario.
    let path = thread.name().unwrap_or("test");
    let scenario = path
        .rsplit("::")
        .find(|part| !Backend::ALL.iter().any(|b| b.name() == *part))
        .unwrap_or(path);
    let test: String = scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(28)
        .collect();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "cs_{}_{}_{}_{nanos}",
        test.trim_matches('_'),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Target::Server {
            admin,
            name,
            connect,
        } = &self.target
        else {
            return;
        };
        if let Err(e) = drop_database(self.backend, admin, name, *connect) {
            eprintln!("warning: could not drop the test database {name}: {e}");
        }
    }
}

/// Ends the sessions a test left (they would block the drop or hold
/// metadata locks) and drops the database; never panics (a panic while a
/// failing test unwinds would abort the run).
fn drop_database(
    backend: Backend,
    admin: &ServerUrl,
    name: &str,
    connect: Connect,
) -> Result<(), String> {
    let mut conn = connect(backend, admin)?;
    match backend {
        // FORCE (PostgreSQL 13) ends the sessions and drops at once: a
        // pool the test left would reconnect between two statements.
        Backend::Postgres => conn.execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
        Backend::Mysql => {
            let ids = conn.strings(&format!(
                "SELECT CAST(id AS CHAR) AS s FROM information_schema.processlist \
                 WHERE db = '{name}'"
            ))?;
            for id in ids {
                // A session may end by itself between the two statements.
                let _ = conn.execute(&format!("KILL {id}"));
            }
            conn.execute(&format!("DROP DATABASE IF EXISTS {name}"))
        }
        Backend::Sqlite => Ok(()),
    }
}
