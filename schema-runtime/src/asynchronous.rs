//! Alembic's `async_engine_from_config` for diesel-async: a bb8 pool of
//! async connections (PostgreSQL, MySQL, SQLite through diesel-async's
//! sync wrapper), or `NullPool`, from the same engine options as
//! [`crate::engine`].

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolableConnection, RecyclingMethod,
};
use diesel_async::{AsyncConnection, SimpleAsyncConnection};
use schema_core::engine::{Echo, PoolClass};
use schema_core::EngineSettings;

use crate::engine::EchoLog;
use crate::error::RunError;

/// How an async connection opens from a URL. PostgreSQL and MySQL read the
/// URL as libpq and libmysqlclient do, with TLS ([`crate::driver`]), where
/// diesel-async's own `establish` connects without TLS and ignores the
/// `PG*`/`MYSQL_*` environment.
pub trait AsyncOpen: AsyncConnection {
    /// Connect to `url`.
    fn open(url: &str) -> Pin<Box<dyn Future<Output = Result<Self, ConnectionError>> + Send + '_>>;
}

#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
impl AsyncOpen for diesel_async::AsyncPgConnection {
    fn open(url: &str) -> Pin<Box<dyn Future<Output = Result<Self, ConnectionError>> + Send + '_>> {
        #[cfg(feature = "postgres")]
        return Box::pin(crate::driver::postgres::connect(url));
        #[cfg(not(feature = "postgres"))]
        return Box::pin(Self::establish(url));
    }
}

#[cfg(any(feature = "mysql", feature = "mysql-libmysqlclient"))]
impl AsyncOpen for diesel_async::AsyncMysqlConnection {
    fn open(url: &str) -> Pin<Box<dyn Future<Output = Result<Self, ConnectionError>> + Send + '_>> {
        #[cfg(feature = "mysql")]
        return Box::pin(crate::driver::mysql::connect(url));
        #[cfg(not(feature = "mysql"))]
        return Box::pin(Self::establish(url));
    }
}

#[cfg(feature = "sqlite")]
impl AsyncOpen
    for diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::SqliteConnection>
{
    fn open(url: &str) -> Pin<Box<dyn Future<Output = Result<Self, ConnectionError>> + Send + '_>> {
        Box::pin(Self::establish(url))
    }
}

/// A source of async connections built from engine settings.
pub struct AsyncEngine<C: PoolableConnection + 'static>
where
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C>,
{
    settings: EngineSettings,
    pool: Option<bb8::Pool<AsyncDieselConnectionManager<C>>>,
}

impl<C: PoolableConnection + 'static> std::fmt::Debug for AsyncEngine<C>
where
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncEngine")
            .field("url", &self.settings.url)
            .field("poolclass", &self.settings.poolclass)
            .finish()
    }
}

/// Build an async engine (Alembic's `async_engine_from_config`); like
/// [`crate::engine_from_config`], it does not connect until asked.
pub fn async_engine_from_config<C>(settings: &EngineSettings) -> Result<AsyncEngine<C>, RunError>
where
    C: AsyncOpen + PoolableConnection + SimpleAsyncConnection + Send + 'static,
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C>,
{
    let pool = match settings.poolclass {
        PoolClass::NullPool => None,
        PoolClass::QueuePool => {
            let mut config = ManagerConfig::<C>::default();
            let statements = settings.session_statements();
            let echo = settings.echo;
            config.custom_setup = Box::new(move |url| {
                let statements = statements.clone();
                let url = url.to_owned();
                Box::pin(async move { setup::<C>(&url, &statements, echo).await })
            });
            if settings.pool_pre_ping {
                config.recycling_method = RecyclingMethod::Verified;
            }
            let manager = AsyncDieselConnectionManager::<C>::new_with_config(
                settings.connection_url(),
                config,
            );
            let overflow = settings.max_overflow.unwrap_or(10_000);
            let max_size = settings.pool_size.saturating_add(overflow).max(1);
            let pool = bb8::Pool::builder()
                .max_size(max_size)
                .min_idle(Some(settings.pool_size.min(max_size)))
                .connection_timeout(settings.pool_timeout.max(Duration::from_millis(1)))
                .max_lifetime(settings.pool_recycle)
                .test_on_check_out(settings.pool_pre_ping)
                .build_unchecked(manager);
            Some(pool)
        }
    };
    Ok(AsyncEngine {
        settings: settings.clone(),
        pool,
    })
}

/// Connect and apply the session settings and `echo`.
async fn setup<C>(url: &str, statements: &[String], echo: Echo) -> Result<C, ConnectionError>
where
    C: AsyncOpen + SimpleAsyncConnection,
{
    let mut conn = C::open(url).await?;
    for statement in statements {
        conn.batch_execute(statement)
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
    }
    if echo != Echo::Off {
        conn.set_instrumentation(EchoLog(echo));
    }
    Ok(conn)
}

impl<C> AsyncEngine<C>
where
    C: AsyncOpen + PoolableConnection + SimpleAsyncConnection + Send + 'static,
    AsyncDieselConnectionManager<C>:
        bb8::ManageConnection<Connection = C, Error = diesel_async::pooled_connection::PoolError>,
{
    /// A connection: from the pool, or (NullPool) a new one.
    pub async fn get(&self) -> Result<AsyncEngineConnection<'_, C>, RunError> {
        let connect_error = |message: String| RunError::Connect {
            url: self.settings.url.masked(),
            message: schema_core::secret::Redactor::for_url(&self.settings.url).redact(&message),
        };
        match &self.pool {
            Some(pool) => pool
                .get()
                .await
                .map(AsyncEngineConnection::Pooled)
                .map_err(|e| {
                    connect_error(match e {
                        bb8::RunError::User(e) => e.to_string(),
                        bb8::RunError::TimedOut => format!(
                            "no free connection within pool_timeout ({:.1}s)",
                            self.settings.pool_timeout.as_secs_f64()
                        ),
                    })
                }),
            None => setup::<C>(
                &self.settings.connection_url(),
                &self.settings.session_statements(),
                self.settings.echo,
            )
            .await
            .map(AsyncEngineConnection::Owned)
            .map_err(|e| connect_error(e.to_string())),
        }
    }

    /// The settings the engine was built from.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }
}

/// A connection from an [`AsyncEngine`]; dereferences to the diesel-async
/// connection.
pub enum AsyncEngineConnection<'a, C: PoolableConnection + 'static>
where
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C>,
{
    /// Borrowed from the pool; returned to it on drop.
    Pooled(bb8::PooledConnection<'a, AsyncDieselConnectionManager<C>>),
    /// NullPool: closed on drop.
    Owned(C),
}

impl<C: PoolableConnection + 'static> Deref for AsyncEngineConnection<'_, C>
where
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C>,
{
    type Target = C;
    fn deref(&self) -> &C {
        match self {
            AsyncEngineConnection::Pooled(c) => c,
            AsyncEngineConnection::Owned(c) => c,
        }
    }
}

impl<C: PoolableConnection + 'static> DerefMut for AsyncEngineConnection<'_, C>
where
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C>,
{
    fn deref_mut(&mut self) -> &mut C {
        match self {
            AsyncEngineConnection::Pooled(c) => c,
            AsyncEngineConnection::Owned(c) => c,
        }
    }
}
