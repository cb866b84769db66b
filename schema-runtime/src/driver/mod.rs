//! The pure-Rust database drivers: PostgreSQL through tokio-postgres and
//! MySQL/MariaDB through mysql_async, each behind diesel-async's
//! [`AsyncConnectionWrapper`], which implements diesel's blocking
//! `Connection` and `MigrationConnection`, so diesel_migrations' harness and
//! every query of the runner run on them unchanged.
//!
//! Nothing here needs a system library: no libpq, no libmysqlclient, TLS by
//! rustls on ring. What users of those libraries rely on is kept: libpq's
//! `PG*` environment variables, `~/.pgpass`, Unix-socket URLs and `sslmode`
//! ([`postgres`]); libmysqlclient's `MYSQL_*` variables, `localhost` meaning
//! the Unix socket, and `ssl_mode` ([`mysql`]).
//!
//! Each connection owns a single-threaded tokio runtime, as diesel-async's
//! default wrapper does, so a query costs no hand-off between threads; the
//! connection is established on the very runtime that drives it afterwards
//! (the driver's background task lives on it).

use std::cell::RefCell;
use std::future::Future;

use diesel_async::async_connection_wrapper::{AsyncConnectionWrapper, BlockOn};

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "postgres")]
pub mod scoped;
mod tls;

/// PostgreSQL without libpq: the diesel connection the `postgres` feature
/// migrates with. Its prepared statements never outlive their transaction, so it works
/// through a transaction-mode pooler ([`scoped`]).
#[cfg(feature = "postgres")]
pub type PgConnection = AsyncConnectionWrapper<scoped::Scoped, OwnRuntime>;

/// MySQL/MariaDB without libmysqlclient: the diesel connection the `mysql`
/// feature migrates with.
#[cfg(feature = "mysql")]
pub type MysqlConnection = AsyncConnectionWrapper<diesel_async::AsyncMysqlConnection, OwnRuntime>;

/// A connection's own current-thread tokio runtime.
pub struct OwnRuntime(tokio::runtime::Runtime);

thread_local! {
    /// The runtime a connection was just established on, handed to the
    /// wrapper that [`wrap`] builds (diesel-async asks [`BlockOn`] for a
    /// runtime without arguments).
    static ESTABLISHED_ON: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
}

fn new_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
}

impl BlockOn for OwnRuntime {
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }

    fn get_runtime() -> Self {
        let runtime = ESTABLISHED_ON.with(|slot| slot.borrow_mut().take());
        // diesel-async's own `Tokio` runtime panics here too when the OS
        // refuses an epoll instance; there is no error channel.
        #[allow(clippy::expect_used)]
        OwnRuntime(runtime.unwrap_or_else(|| new_runtime().expect("a tokio runtime")))
    }
}

impl std::fmt::Debug for OwnRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OwnRuntime")
    }
}

/// Run `connect` on a new runtime and wrap the connection it makes with
/// that same runtime.
pub(crate) fn wrap<C, F>(
    connect: impl FnOnce() -> F,
) -> diesel::ConnectionResult<AsyncConnectionWrapper<C, OwnRuntime>>
where
    C: diesel_async::AsyncConnection,
    F: Future<Output = diesel::ConnectionResult<C>>,
{
    let runtime =
        new_runtime().map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
    let conn = runtime.block_on(connect())?;
    ESTABLISHED_ON.with(|slot| *slot.borrow_mut() = Some(runtime));
    Ok(AsyncConnectionWrapper::from(conn))
}

/// A connection error in the words a user acts on.
pub(crate) fn bad(message: impl Into<String>) -> diesel::ConnectionError {
    diesel::ConnectionError::BadConnection(message.into())
}

/// A driver's error with its causes ("error performing TLS handshake:
/// invalid peer certificate: NotValidForName"), which tokio-postgres keeps
/// out of its own message.
pub(crate) fn bad_with_causes(
    error: &(dyn std::error::Error + 'static),
) -> diesel::ConnectionError {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    bad(message)
}

/// The parameters of a URL's query string, percent-decoded, in order.
pub(crate) fn query_pairs(url: &str) -> Vec<(String, String)> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The login name of this process's user, as libpq and libmysqlclient take
/// it when the URL names none.
pub(crate) fn os_user() -> Option<String> {
    for var in ["USER", "LOGNAME"] {
        if let Some(name) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
            return Some(name);
        }
    }
    // Without those variables (cron, some containers) read the passwd entry
    // of our uid; /proc/self is owned by the process's effective uid.
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let entry_uid: u32 = fields.nth(1)?.parse().ok()?;
        (entry_uid == uid).then(|| name.to_owned())
    })
}

/// The user's home directory (`~/.pgpass`, `~/.postgresql/`).
#[cfg(feature = "postgres")]
pub(crate) fn home() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from)
}
