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

/// Whether `message` is a Galera certification failure: a transaction (or
/// autocommit statement) that conflicted with one another node committed
/// first, and was rolled back whole at its commit (1213, `Deadlock found`),
/// or aborted by a replicated write or a DDL in total order (the
/// `WSREP detected deadlock/conflict` wording, 1180 `during COMMIT`). Such
/// a failure leaves nothing of the transaction behind, so the lock's own
/// statements and the bookkeeping are sent again; a revision's statements
/// never are. The message is matched because diesel's error carries no
/// error number; these are the server's English messages, the default
/// `lc_messages`. InnoDB's own deadlocks on a lone server have the first
/// wording too, and are retried the same way for the same reason.
pub(crate) fn certification_failure(backend: Backend, message: &str) -> bool {
    backend == Backend::Mysql
        && (message.contains("Deadlock found when trying to get lock")
            || message.contains("WSREP detected deadlock/conflict")
            || message.contains("during COMMIT"))
}

/// How many times a statement of the lock or of the bookkeeping is sent
/// again after a certification failure: each failure means another node
/// committed first, so a few are enough for any number of runners.
pub(crate) const CERTIFICATION_RETRIES: u32 = 8;

/// Run `attempt` again while it fails on a certification failure (see
/// [`certification_failure`]), pausing a little longer each time so
/// runners on several nodes stop colliding.
pub(crate) fn retry_certification<T, E: std::fmt::Display>(
    backend: Backend,
    mut attempt: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let mut tries = 0;
    loop {
        match attempt() {
            Err(e)
                if tries < CERTIFICATION_RETRIES
                    && certification_failure(backend, &e.to_string()) =>
            {
                tries += 1;
                tracing::debug!("certification failure, sent again ({tries}): {e}");
                std::thread::sleep(Duration::from_millis(5 << tries.min(6)));
            }
            other => return other,
        }
    }
}

/// Holds the runner lock for as long as it lives, and releases it on every
/// path out (errors and panics included).
pub struct LockGuard<'c, C: Dialect> {
    conn: &'c mut C,
    held: Held,
}

/// Which lock a guard holds.
enum Held {
    Advisory,
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
            LockMode::Advisory => Self::acquire(conn, timeout),
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
        // A lease is released by its own Drop, on its own connection.
        if !matches!(self.held, Held::Advisory) {
            return;
        }
        if let Err(e) = self.conn.release_lock() {
            // The server drops a session's locks when it disconnects, so a
            // failed release costs at most a wait for the next runner.
            tracing::warn!("could not release the migration lock: {e}");
        }
    }
}
