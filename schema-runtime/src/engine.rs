//! Alembic env.py's `engine_from_config` for diesel: a connection pool (or
//! `NullPool`: a new connection for each use) built from the main section's
//! prefixed options.
//!
//! | option | takes effect as |
//! | --- | --- |
//! | `pool_size` | connections kept open (r2d2 `min_idle`) |
//! | `max_overflow` | extra connections under load (r2d2 `max_size` = `pool_size + max_overflow`) |
//! | `pool_timeout` | wait for a free connection (r2d2 `connection_timeout`) |
//! | `pool_recycle` | replace older connections (r2d2 `max_lifetime`) |
//! | `pool_pre_ping` | ping before handing out (r2d2 `test_on_check_out`) |
//! | `poolclass = NullPool` | no pool: [`Engine::get`] connects each time |
//! | `isolation_level`, `connect_args.*` | run on every new connection (or put in the URL) |
//! | `echo` | every statement logged through `tracing`, target `schema_runtime::sql` |

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::r2d2::{self, CustomizeConnection, Pool, PooledConnection, R2D2Connection};
use schema_core::engine::{Echo, PoolClass};
use schema_core::EngineSettings;

use crate::connect;
use crate::dialect::Dialect;
use crate::error::RunError;

/// Unlimited overflow (`max_overflow = -1`) still needs a bound for r2d2.
const UNLIMITED_OVERFLOW: u32 = 10_000;

/// A source of connections built from engine settings.
pub struct Engine<C: Dialect + R2D2Connection + Send> {
    settings: EngineSettings,
    pool: Option<Pool<Manager<C>>>,
}

impl<C: Dialect + R2D2Connection + Send> std::fmt::Debug for Engine<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("url", &self.settings.url)
            .field("poolclass", &self.settings.poolclass)
            .finish()
    }
}

/// Build an engine (Alembic's `engine_from_config`). Like SQLAlchemy's
/// `create_engine`, this does not connect: a wrong URL shows on the first
/// [`Engine::get`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use schema_runtime::{engine, Config};
/// let config = Config::from_str_at("/tmp/schema.ini", "[schema]\ndiesel.url = sqlite://:memory:\ndiesel.pool_size = 2\n", None)?;
/// let engine = engine::engine_from_config::<diesel::SqliteConnection>(&schema_runtime::engine_settings(&config)?)?;
/// let mut conn = engine.get()?;
/// diesel::connection::SimpleConnection::batch_execute(&mut *conn, "SELECT 1")?;
/// # Ok(()) }
/// ```
pub fn engine_from_config<C>(settings: &EngineSettings) -> Result<Engine<C>, RunError>
where
    C: Dialect + R2D2Connection + Send,
{
    let pool = match settings.poolclass {
        PoolClass::NullPool => None,
        PoolClass::QueuePool => {
            let overflow = settings.max_overflow.unwrap_or(UNLIMITED_OVERFLOW);
            let max_size = settings.pool_size.saturating_add(overflow).max(1);
            let pool = Pool::builder()
                .max_size(max_size)
                .min_idle(Some(settings.pool_size.min(max_size)))
                .connection_timeout(settings.pool_timeout.max(Duration::from_millis(1)))
                .max_lifetime(settings.pool_recycle)
                .test_on_check_out(settings.pool_pre_ping)
                .connection_customizer(Box::new(Session::new(settings)))
                .error_handler(Box::new(r2d2::NopErrorHandler))
                .build_unchecked(Manager {
                    url: settings.connection_url(),
                    connection: std::marker::PhantomData,
                });
            Some(pool)
        }
    };
    Ok(Engine {
        settings: settings.clone(),
        pool,
    })
}

impl<C> Engine<C>
where
    C: Dialect + R2D2Connection + Send,
{
    /// A connection: from the pool, or (NullPool) a new one.
    pub fn get(&self) -> Result<EngineConnection<C>, RunError> {
        match &self.pool {
            Some(pool) => pool
                .get()
                .map(EngineConnection::Pooled)
                .map_err(|e| RunError::Connect {
                    url: self.settings.url.masked(),
                    message: schema_core::secret::Redactor::for_url(&self.settings.url)
                        .redact(&e.to_string()),
                }),
            None => {
                let mut conn: C = connect::establish(&self.settings)?;
                if self.settings.echo != Echo::Off {
                    conn.set_instrumentation(EchoLog(self.settings.echo));
                }
                Ok(EngineConnection::Owned(conn))
            }
        }
    }

    /// The settings the engine was built from.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// The pool, unless `poolclass = NullPool`.
    pub fn pool(&self) -> Option<&Pool<Manager<C>>> {
        self.pool.as_ref()
    }
}

/// r2d2's connection manager for a [`Dialect`]: pooled connections open
/// with [`Dialect::open`], reading the URL as a direct connection does.
pub struct Manager<C> {
    url: String,
    connection: std::marker::PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for Manager<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL holds the password.
        f.write_str("Manager")
    }
}

impl<C> r2d2::ManageConnection for Manager<C>
where
    C: Dialect + R2D2Connection + Send + 'static,
{
    type Connection = C;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<C, r2d2::Error> {
        C::open(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut C) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut C) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// A connection from an [`Engine`]; dereferences to the diesel connection.
pub enum EngineConnection<C: Dialect + R2D2Connection + Send> {
    /// Borrowed from the pool; returned to it on drop.
    Pooled(PooledConnection<Manager<C>>),
    /// NullPool: closed on drop.
    Owned(C),
}

impl<C: Dialect + R2D2Connection + Send> Deref for EngineConnection<C> {
    type Target = C;
    fn deref(&self) -> &C {
        match self {
            EngineConnection::Pooled(c) => c,
            EngineConnection::Owned(c) => c,
        }
    }
}

impl<C: Dialect + R2D2Connection + Send> DerefMut for EngineConnection<C> {
    fn deref_mut(&mut self) -> &mut C {
        match self {
            EngineConnection::Pooled(c) => c,
            EngineConnection::Owned(c) => c,
        }
    }
}

/// Applied to every new pooled connection: the session settings of
/// `connect_args` and `isolation_level`, and `echo`.
#[derive(Debug)]
struct Session {
    statements: Vec<String>,
    echo: Echo,
}

impl Session {
    fn new(settings: &EngineSettings) -> Self {
        Session {
            statements: settings.session_statements(),
            echo: settings.echo,
        }
    }
}

impl<C: R2D2Connection> CustomizeConnection<C, r2d2::Error> for Session {
    fn on_acquire(&self, conn: &mut C) -> Result<(), r2d2::Error> {
        for statement in &self.statements {
            conn.batch_execute(statement)
                .map_err(r2d2::Error::QueryError)?;
        }
        if self.echo != Echo::Off {
            conn.set_instrumentation(EchoLog(self.echo));
        }
        Ok(())
    }
}

/// `echo = true`: each statement at INFO; `echo = debug` adds each query's
/// completion (and error) at DEBUG, as SQLAlchemy's `echo="debug"` adds
/// result rows.
pub(crate) struct EchoLog(pub(crate) Echo);

impl Instrumentation for EchoLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                tracing::info!(target: "schema_runtime::sql", "{query}");
            }
            InstrumentationEvent::FinishQuery { query, error, .. } if self.0 == Echo::Debug => {
                match error {
                    Some(e) => {
                        tracing::debug!(target: "schema_runtime::sql", "failed: {query}: {e}")
                    }
                    None => tracing::debug!(target: "schema_runtime::sql", "done: {query}"),
                }
            }
            _ => {}
        }
    }
}
