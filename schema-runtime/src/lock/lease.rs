//! `lock = table`: a lease row in `__schema_lock`, for engines without
//! advisory locks (CockroachDB, YugabyteDB). The row names its owner and
//! when it was taken and expires, by the server's clock; a runner takes a
//! missing row, or one whose expiry has passed (its holder was killed or
//! lost the network), and no other.
//!
//! The lease is taken, renewed and released on a connection of its own, on
//! a thread of its own, rather than between statements on the runner's
//! connection: a single statement (an index build) can outlast any lease,
//! and a renewal written inside the run's transaction would stay invisible
//! to other runners until it commits. The thread renews every third of the
//! lease, so two renewals can fail before the lease runs out. A renewal
//! that finds the row gone or taken marks the lease lost, and the runner
//! stops before its next revision and before it commits.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use schema_core::url::Backend;
use schema_core::EngineSettings;

use crate::bookkeeping::{literal, LOCK_TABLE};
use crate::dialect::Dialect;
use crate::error::RunError;

/// Why a lease was lost, once it is; shared with the renewing thread.
#[derive(Debug, Clone, Default)]
pub(crate) struct LeaseState(Arc<Mutex<Option<String>>>);

impl LeaseState {
    /// An error once the lease is lost.
    pub(crate) fn check(&self) -> Result<(), RunError> {
        match self.0.lock().ok().and_then(|lost| lost.clone()) {
            Some(reason) => Err(RunError::LeaseLost { reason }),
            None => Ok(()),
        }
    }

    fn lose(&self, reason: String) {
        if let Ok(mut lost) = self.0.lock() {
            lost.get_or_insert(reason);
        }
    }
}

/// A held lease; dropping it stops the renewals and deletes the row.
#[derive(Debug)]
pub(crate) struct Lease {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    state: LeaseState,
}

impl Lease {
    /// Take the lease on `settings`' database, waiting at most `timeout`
    /// for another runner's to be released or to expire.
    pub(crate) fn acquire<C: Dialect>(
        settings: &EngineSettings,
        lease: Duration,
        timeout: Duration,
    ) -> Result<Lease, RunError> {
        let settings = settings.clone();
        let owner = owner();
        let state = LeaseState::default();
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let shared = state.clone();
        let thread = std::thread::Builder::new()
            .name("cargo-schema lease".to_owned())
            .spawn(move || {
                let taken = crate::connect::establish::<C>(&settings).and_then(|mut conn| {
                    take(&mut conn, &owner, lease, timeout)?;
                    Ok(conn)
                });
                let mut conn = match taken {
                    Ok(conn) => {
                        let _ = ready_tx.send(Ok(()));
                        conn
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                renew_until_stopped(&mut conn, &owner, lease, &stop_rx, &shared);
                let release = format!(
                    "DELETE FROM {LOCK_TABLE} WHERE id = 1 AND owner = {}",
                    literal(&owner, C::BACKEND)
                );
                if let Err(e) = conn.batch_execute(&release) {
                    // The row expires by itself: the next runner waits at
                    // most one lease.
                    tracing::warn!("could not release the migration lease: {e}");
                }
            })
            .map_err(|e| RunError::LeaseLost {
                reason: format!("cannot start the thread that renews it: {e}"),
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Lease {
                stop: Some(stop_tx),
                thread: Some(thread),
                state,
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(RunError::LeaseLost {
                    reason: "the thread that takes it stopped".to_owned(),
                })
            }
        }
    }

    /// What the runner checks between revisions.
    pub(crate) fn state(&self) -> LeaseState {
        self.state.clone()
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread at once; it deletes the row
        // (on every path out of the run, panics included) and ends.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Who holds the lease, as the row shows it: host, process and a random
/// part, so two runners of one process differ too.
fn owner() -> String {
    use std::hash::{BuildHasher, Hasher};
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().chars().take(200).collect::<String>())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_owned());
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{host}:{}:{:016x}", std::process::id(), hasher.finish())
}

/// The server's clock, and the lock table's DDL, in each dialect. The
/// server's clock, not the runners': hosts whose clocks disagree still
/// agree on whether a lease has expired.
fn now(backend: Backend) -> &'static str {
    match backend {
        // clock_timestamp(), not now(): now() is the transaction's start.
        Backend::Postgres => "clock_timestamp()",
        Backend::Mysql => "UTC_TIMESTAMP(6)",
        Backend::Sqlite => "strftime('%Y-%m-%d %H:%M:%f', 'now')",
    }
}

fn expiry(backend: Backend, lease: Duration) -> String {
    match backend {
        Backend::Postgres => format!(
            "clock_timestamp() + INTERVAL '1 millisecond' * {}",
            lease.as_millis()
        ),
        Backend::Mysql => format!(
            "UTC_TIMESTAMP(6) + INTERVAL {} MICROSECOND",
            lease.as_micros()
        ),
        Backend::Sqlite => format!(
            "strftime('%Y-%m-%d %H:%M:%f', 'now', '+{:.3} seconds')",
            lease.as_secs_f64()
        ),
    }
}

/// The lock table: at most one row, `id = 1`.
pub fn ddl(backend: Backend) -> String {
    let time = match backend {
        Backend::Postgres => "TIMESTAMPTZ",
        // DATETIME, not TIMESTAMP: MariaDB may give a TIMESTAMP column
        // ON UPDATE CURRENT_TIMESTAMP, which would move acquired_at.
        Backend::Mysql => "DATETIME(6)",
        Backend::Sqlite => "TEXT",
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {LOCK_TABLE} (\n\
         \x20      id INTEGER PRIMARY KEY NOT NULL,\n\
         \x20      owner VARCHAR(255) NOT NULL,\n\
         \x20      acquired_at {time} NOT NULL,\n\
         \x20      expires_at {time} NOT NULL\n\
         )"
    )
}

/// Create the table, take the row or wait for it, within `timeout`.
fn take<C: Dialect>(
    conn: &mut C,
    owner: &str,
    lease: Duration,
    timeout: Duration,
) -> Result<(), RunError> {
    let backend = C::BACKEND;
    let start = Instant::now();
    // Runners that start together race to create the table; PostgreSQL
    // can fail all but one even with IF NOT EXISTS. A loser finds the
    // table there on its next try.
    let ddl = ddl(backend);
    let mut tries = 0;
    while let Err(e) = conn.batch_execute(&ddl) {
        tries += 1;
        if tries >= 5 || start.elapsed() >= timeout {
            return Err(e.into());
        }
        std::thread::sleep(Duration::from_millis(20 * tries));
    }
    let owner = literal(owner, backend);
    let (now, expiry) = (now(backend), expiry(backend, lease));
    let values = format!("(1, {owner}, {now}, {expiry})");
    let insert = match backend {
        Backend::Postgres => format!(
            "INSERT INTO {LOCK_TABLE} (id, owner, acquired_at, expires_at) VALUES {values} ON CONFLICT (id) DO NOTHING"
        ),
        Backend::Mysql => format!(
            "INSERT IGNORE INTO {LOCK_TABLE} (id, owner, acquired_at, expires_at) VALUES {values}"
        ),
        Backend::Sqlite => format!(
            "INSERT OR IGNORE INTO {LOCK_TABLE} (id, owner, acquired_at, expires_at) VALUES {values}"
        ),
    };
    // Only a lease that has run out is taken over; concurrent takers are
    // serialised by the row's own lock, and the second finds it renewed.
    let take_over = format!(
        "UPDATE {LOCK_TABLE} SET owner = {owner}, acquired_at = {now}, expires_at = {expiry} \
         WHERE id = 1 AND expires_at < {now}"
    );
    super::poll_lock(timeout, || {
        if conn.execute_counted(&insert)? == 1 {
            return Ok(true);
        }
        Ok(conn.execute_counted(&take_over)? == 1)
    })
}

/// Renew every third of the lease until told to stop; mark the lease
/// lost when another runner holds the row, or when renewals failed for a
/// whole lease.
fn renew_until_stopped<C: Dialect>(
    conn: &mut C,
    owner: &str,
    lease: Duration,
    stop: &mpsc::Receiver<()>,
    state: &LeaseState,
) {
    let backend = C::BACKEND;
    let renew = format!(
        "UPDATE {LOCK_TABLE} SET expires_at = {} WHERE id = 1 AND owner = {}",
        expiry(backend, lease),
        literal(owner, backend)
    );
    let mut renewed = Instant::now();
    loop {
        match stop.recv_timeout(lease / 3) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        match conn.execute_counted(&renew) {
            Ok(1) => renewed = Instant::now(),
            Ok(_) => {
                state.lose("another runner took it over after it expired".to_owned());
                return;
            }
            Err(e) if renewed.elapsed() >= lease => {
                state.lose(format!("it could not be renewed: {e}"));
                return;
            }
            Err(e) => tracing::warn!("could not renew the migration lease, retrying: {e}"),
        }
    }
}
