//! Opening a diesel connection from engine settings, with the session
//! settings of `connect_args` and `isolation_level` applied.

use schema_core::secret::Redactor;
use schema_core::EngineSettings;

use crate::dialect::Dialect;
use crate::error::RunError;

/// Connect to the settings' database. Errors carry the URL with its
/// password masked, and the driver's message with the password removed.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use schema_runtime::{connect, Config};
/// let config = Config::from_str_at("/tmp/schema.ini", "[schema]\ndiesel.url = sqlite://:memory:\n", None)?;
/// let settings = schema_runtime::engine_settings(&config)?;
/// let _conn: diesel::SqliteConnection = connect::establish(&settings)?;
/// # Ok(()) }
/// ```
pub fn establish<C: Dialect>(settings: &EngineSettings) -> Result<C, RunError> {
    let redactor = Redactor::for_url(&settings.url);
    let mut conn = C::open(&settings.connection_url()).map_err(|e| RunError::Connect {
        url: settings.url.masked(),
        message: redactor.redact(&e.to_string()),
    })?;
    for statement in settings.session_statements() {
        conn.batch_execute(&statement)?;
    }
    Ok(conn)
}

/// Tells SQLite, before it opens its first connection, that this process
/// never uses one connection on two threads at once, and keeps no
/// allocation statistics. Returns whether SQLite took it: it cannot once a
/// connection has been opened, and then nothing changes.
///
/// SQLite's default "serialized" mode takes a mutex around every call on a
/// connection and, with its statistics on, around every allocation: a
/// tenth of the time it takes to open a database of 1000 tables, whose
/// whole schema it parses first (`perf`). diesel's `SqliteConnection` is
/// `Send` but not `Sync`, so in a process whose SQLite connections are all
/// diesel's, SQLite's "multi-thread" mode loses nothing: connections on
/// different threads stay safe, as SQLite's shared structures keep their
/// locks.
///
/// # Safety
///
/// Call it first thing in `main`, while no other thread can be using
/// SQLite (`sqlite3_config` is not thread-safe), and only in a program in
/// which no SQLite connection is ever used by two threads at the same time
/// (true of diesel's and rusqlite's, which are not `Sync`).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use diesel::{Connection, SqliteConnection};
/// // SAFETY: first thing, one thread, only diesel connections.
/// assert!(unsafe { schema_runtime::connect::sqlite_owned_connections() });
/// let _conn = SqliteConnection::establish(":memory:")?;
/// // Too late once SQLite is in use: nothing changes.
/// assert!(!unsafe { schema_runtime::connect::sqlite_owned_connections() });
/// # Ok(()) }
/// ```
#[cfg(feature = "sqlite")]
#[allow(unsafe_code)] // a call into C outside diesel; see # Safety
pub unsafe fn sqlite_owned_connections() -> bool {
    use libsqlite3_sys::{
        sqlite3_config, SQLITE_CONFIG_MEMSTATUS, SQLITE_CONFIG_MULTITHREAD, SQLITE_OK,
    };
    // SAFETY: the caller keeps other threads away from SQLite meanwhile;
    // after sqlite3_initialize the calls return SQLITE_MISUSE and change
    // nothing. MULTITHREAD takes no argument and MEMSTATUS one int.
    unsafe {
        sqlite3_config(SQLITE_CONFIG_MULTITHREAD) == SQLITE_OK
            && sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) == SQLITE_OK
    }
}
