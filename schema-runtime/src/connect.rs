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
    let mut redactor = Redactor::default();
    if let Some(password) = settings.url.password() {
        redactor.add(password);
    }
    let mut conn = C::open(&settings.connection_url()).map_err(|e| RunError::Connect {
        url: settings.url.masked(),
        message: redactor.redact(&e.to_string()),
    })?;
    for statement in settings.session_statements() {
        conn.batch_execute(&statement)?;
    }
    Ok(conn)
}
