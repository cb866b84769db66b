//! Everything connection-bound for one backend, in one file each: the
//! [`Dialect`](crate::dialect::Dialect) implementation (the runner lock's
//! SQL, the server version, whether a bookkeeping table exists, the
//! bookkeeping queries) of [`sqlite`], [`postgres`] and [`mysql`]. A new
//! backend is a new file here, its variant of
//! [`Backend`](schema_core::url::Backend) (which the compiler then points at
//! wherever SQL differs: the dialect table, the lease, scratch databases,
//! introspection), and its driver.
//!
//! This module imports the trait, never the lock or the connection code,
//! so `lock` (whose lease opens connections) can use it without a loop.

use std::time::Duration;

use crate::error::RunError;

#[cfg(any(feature = "mysql", feature = "mysql-libmysqlclient"))]
pub mod mysql;
#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// Poll `try_lock` until it succeeds or `timeout` passes. Polling (rather
/// than a blocking lock call) keeps the wait bounded on every backend.
pub(crate) fn poll_lock(
    timeout: Duration,
    mut try_lock: impl FnMut() -> Result<bool, RunError>,
) -> Result<(), RunError> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(10);
    loop {
        if try_lock()? {
            return Ok(());
        }
        if start.elapsed() >= timeout {
            return Err(RunError::LockTimeout {
                waited: start.elapsed(),
            });
        }
        std::thread::sleep(pause.min(timeout.saturating_sub(start.elapsed())));
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
