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
    held: Held<C>,
}

/// Which lock a guard holds.
enum Held<C> {
    Advisory,
    /// Held by a transaction left open on a connection of the lock's own
    /// ([`Dialect::try_lock_in_transaction`]).
    InTransaction(C),
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
        let released = match &mut self.held {
            Held::Advisory => self.conn.release_lock(),
            // The connection's end would release it too: ending the
            // transaction first hands a pooler its session back clean.
            Held::InTransaction(holder) => holder.end_lock_transaction(),
            Held::Lease(..) | Held::Nothing => return,
        };
        if let Err(e) = released {
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
/// `idle_in_transaction_session_timeout`, set inside each of the runner's
/// transactions (`RunPlan::idle_limit_sql`); MariaDB's
/// `idle_transaction_timeout`, on the session here). A working runner is
/// never idle there for long: only a statement's own run time is spent
/// inside a transaction, and that does not count. The server rolls the
/// transaction back, which the fence ([`lease`]) would have done anyway.
/// MySQL has no such limit: there the locks last until the connection
/// ends. Returns the statements that put the session's previous limit back
/// after the run.
fn limit_idle_transactions<C: Dialect>(
    conn: &mut C,
    lease: Duration,
) -> Result<Vec<String>, RunError> {
    let ms = lease.as_millis().max(1000);
    let (set, restore) = match C::BACKEND {
        // PostgreSQL's is set inside each of the runner's transactions
        // instead (`RunPlan::idle_limit_sql`), where no pooler can carry it
        // to another client.
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
