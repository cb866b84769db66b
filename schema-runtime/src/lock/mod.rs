//! The lock that keeps one runner at a time on a database (the main
//! section's `lock`): by default the backend's own, SQLite's write lock
//! (taken by each immediate transaction), a PostgreSQL advisory lock, a
//! MySQL/MariaDB `GET_LOCK`; `lock = table`, a lease row for engines
//! without advisory locks ([`lease`]); or none. One guard releases each on
//! every path out.

use std::time::Duration;

use schema_core::settings::LockMode;
use schema_core::url::Backend;
use schema_core::EngineSettings;

use crate::dialect::Dialect;
use crate::error::RunError;

pub mod lease;

pub(crate) use lease::LeaseState;

#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
pub use crate::backend::postgres::PG_LOCK_KEY;

/// Holds the runner lock for as long as it lives, and releases it on every
/// path out (errors and panics included).
pub struct LockGuard<'c, C: Dialect> {
    conn: &'c mut C,
    held: Held<C>,
}

/// Which lock a guard holds.
enum Held<C> {
    Advisory,
    /// Held by a transaction left open on a connection of the lock's own
    /// ([`Dialect::try_lock_in_transaction`]).
    InTransaction(C),
    Lease(lease::Lease),
    Nothing,
}

impl<'c, C: Dialect> LockGuard<'c, C> {
    /// Take the backend's own lock, waiting at most `timeout`.
    pub fn acquire(conn: &'c mut C, timeout: Duration) -> Result<Self, RunError> {
        conn.acquire_lock(timeout)?;
        Ok(LockGuard {
            conn,
            held: Held::Advisory,
        })
    }

    /// Take the lock `mode` says, waiting at most `timeout`. A lease is
    /// taken on a connection of its own to `lease_db`, and lasts `lease`
    /// unless renewed.
    pub(crate) fn take(
        conn: &'c mut C,
        mode: LockMode,
        timeout: Duration,
        lease: Duration,
        lease_db: Option<&EngineSettings>,
    ) -> Result<Self, RunError> {
        match mode {
            LockMode::Advisory => match lease_db {
                Some(settings) if C::BACKEND == Backend::Postgres => {
                    let holder = in_transaction::<C>(settings, timeout)?;
                    Ok(LockGuard {
                        conn,
                        held: Held::InTransaction(holder),
                    })
                }
                _ => Self::acquire(conn, timeout),
            },
            LockMode::None => Ok(LockGuard {
                conn,
                held: Held::Nothing,
            }),
            LockMode::Table if C::BACKEND == Backend::Sqlite => Err(RunError::Setting {
                key: "lock",
                message: "`table` is for servers without advisory locks; SQLite serialises \
                          runners with its write lock (`lock = advisory`)"
                    .to_owned(),
            }),
            LockMode::Table => {
                let settings = lease_db.ok_or_else(|| RunError::Setting {
                    key: "lock",
                    message: "`table` renews its lease on a connection of its own, and this \
                              runner has no URL to open one: build the Migrator with \
                              `with_lock_connection`"
                        .to_owned(),
                })?;
                let lease = lease::Lease::acquire::<C>(settings, lease, timeout)?;
                Ok(LockGuard {
                    conn,
                    held: Held::Lease(lease),
                })
            }
        }
    }

    /// What the runner checks between revisions: whether a lease it holds
    /// is still its own.
    pub(crate) fn lease_state(&self) -> LeaseState {
        match &self.held {
            Held::Lease(lease) => lease.state(),
            _ => LeaseState::default(),
        }
    }
}

/// A connection of its own to `settings`' database, holding the runner
/// lock in a transaction left open, taken within `timeout`.
fn in_transaction<C: Dialect>(settings: &EngineSettings, timeout: Duration) -> Result<C, RunError> {
    let mut holder = crate::connect::establish::<C>(settings)?;
    crate::backend::poll_lock(timeout, || {
        holder.try_lock_in_transaction().unwrap_or(Ok(false))
    })?;
    Ok(holder)
}

impl<C: Dialect> std::ops::Deref for LockGuard<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.conn
    }
}

impl<C: Dialect> std::ops::DerefMut for LockGuard<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn
    }
}

impl<C: Dialect> Drop for LockGuard<'_, C> {
    fn drop(&mut self) {
        let released = match &mut self.held {
            Held::Advisory => self.conn.release_lock(),
            // The connection's end would release it too: ending the
            // transaction first hands a pooler its session back clean.
            Held::InTransaction(holder) => holder.end_lock_transaction(),
            // A lease is released by its own Drop, on its own connection.
            Held::Lease(_) | Held::Nothing => return,
        };
        if let Err(e) = released {
            // The server drops a session's locks when it disconnects, so a
            // failed release costs at most a wait for the next runner.
            tracing::warn!("could not release the migration lock: {e}");
        }
    }
}
