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
    held: Held,
}

/// Which lock a guard holds.
enum Held {
    Advisory,
    /// The lease, and the statements that restore the session's
    /// idle-transaction limit ([`limit_idle_transactions`]).
    Lease(lease::Lease, Vec<String>),
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
                let taken = lease::Lease::acquire::<C>(settings, lease, timeout)?;
                // On failure the lease is released as `taken` drops.
                let restore = limit_idle_transactions(conn, lease)?;
                let lease = taken;
                Ok(LockGuard {
                    conn,
                    held: Held::Lease(lease, restore),
                })
            }
        }
    }

    /// What the runner checks between revisions: whether a lease it holds
    /// is still its own.
    pub(crate) fn lease_state(&self) -> LeaseState {
        match &self.held {
            Held::Lease(lease, _) => lease.state(),
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
        // A lease is released by its own Drop, on its own connection; the
        // session's own idle-transaction limit is put back here.
        if let Held::Lease(_, restore) = &self.held {
            for statement in restore {
                if let Err(e) = self.conn.batch_execute(statement) {
                    tracing::debug!("could not restore the idle-transaction limit: {e}");
                    break;
                }
            }
        }
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

/// Under a lease, a runner that stops answering inside a transaction (a
/// network that stalls with both ends' sockets open, a process frozen by
/// SIGSTOP or a VM pause) keeps its row and table locks for as long as its
/// session lives, and the runner that takes the expired lease over would
/// wait on them for as long: the lease would expire but the locks would
/// not. So the runner's session asks the server to end it once it has sat
/// idle inside a transaction for a lease (PostgreSQL's
/// `idle_in_transaction_session_timeout`, MariaDB's
/// `idle_transaction_timeout`). A working runner is never idle there for
/// long: only a statement's own run time is spent inside a transaction,
/// and that does not count. The server rolls the transaction back, which
/// the fence ([`lease`]) would have done anyway. MySQL has no such limit:
/// there the locks last until the connection ends. Returns the statements
/// that put the session's previous limit back after the run.
fn limit_idle_transactions<C: Dialect>(
    conn: &mut C,
    lease: Duration,
) -> Result<Vec<String>, RunError> {
    let ms = lease.as_millis().max(1000);
    let (set, restore) = match C::BACKEND {
        Backend::Postgres => (
            format!(
                "SELECT set_config('cargo_schema.idle_in_transaction_session_timeout', \
                 current_setting('idle_in_transaction_session_timeout'), false), \
                 set_config('idle_in_transaction_session_timeout', '{ms}ms', false)"
            ),
            "SELECT set_config('idle_in_transaction_session_timeout', \
             current_setting('cargo_schema.idle_in_transaction_session_timeout'), false)"
                .to_owned(),
        ),
        Backend::Mysql if conn.server_version()?.contains("MariaDB") => (
            // Whole seconds, rounded up: a limit below the lease would end
            // a runner that still owns it.
            format!(
                "SET @cargo_schema_idle_transaction_timeout = @@SESSION.idle_transaction_timeout, \
                 SESSION idle_transaction_timeout = {}",
                ms.div_ceil(1000)
            ),
            "SET SESSION idle_transaction_timeout = @cargo_schema_idle_transaction_timeout"
                .to_owned(),
        ),
        _ => return Ok(Vec::new()),
    };
    conn.batch_execute(&set)?;
    Ok(vec![restore])
}
