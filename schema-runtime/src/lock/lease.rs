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
//!
//! The renewals alone are no fence: a runner frozen (SIGSTOP, a VM pause)
//! past its lease wakes with its own threads none the wiser, and would
//! commit what it was doing while a second runner that took the lease over
//! applies the same revision. So the runner also proves ownership where it
//! matters:
//! - inside every transaction it commits, as the last statement before the
//!   commit, it touches the row with its owner (`LeaseState::fence_sql`):
//!   a takeover that committed first leaves no row to touch and the runner
//!   rolls back; a takeover that comes later waits on the row lock until
//!   the commit and then finds the lease renewed;
//! - before each statement that commits by itself (DDL where it is not
//!   transactional, a revision with `run_in_transaction = false`), it asks
//!   the renewing thread to renew at once on its own connection
//!   (`LeaseState::verify`). What such a statement does cannot be fenced
//!   inside a transaction: the window left is the one statement in flight
//!   when the runner froze.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use schema_core::url::Backend;
use schema_core::EngineSettings;

use crate::bookkeeping::{literal, LOCK_TABLE};
use crate::dialect::Dialect;
use crate::error::RunError;

/// Why a lease was lost, once it is; shared with the renewing thread. The
/// default (no lease held) is never lost and fences nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct LeaseState {
    lost: Arc<Mutex<Option<String>>>,
    held: Option<Arc<Held>>,
}

/// What a runner holding a lease needs to prove it still does.
#[derive(Debug)]
struct Held {
    /// The `UPDATE` that renews the row only while this runner owns it.
    renew: String,
    /// Asks the renewing thread to renew now.
    requests: Mutex<mpsc::Sender<Request>>,
}

/// What the renewing thread is asked to do.
enum Request {
    /// Renew now and say whether the lease is still this runner's.
    Verify(mpsc::Sender<Result<(), RunError>>),
    /// The run is over: release the row and end.
    Stop,
}

impl LeaseState {
    /// An error once the lease is known to be lost.
    pub(crate) fn check(&self) -> Result<(), RunError> {
        match self.lost.lock().ok().and_then(|lost| lost.clone()) {
            Some(reason) => Err(RunError::LeaseLost { reason }),
            None => Ok(()),
        }
    }

    /// The statement the runner sends last inside a transaction it is
    /// about to commit, when it holds a lease: it must change exactly one
    /// row ([`LeaseState::fenced`] checks), or the lease is another
    /// runner's and the transaction must roll back.
    pub(crate) fn fence_sql(&self) -> Option<&str> {
        self.held.as_deref().map(|held| held.renew.as_str())
    }

    /// What the fence statement's row count means.
    pub(crate) fn fenced(&self, rows: usize) -> Result<(), RunError> {
        if rows == 1 {
            return Ok(());
        }
        self.lose(TAKEN_OVER.to_owned());
        self.check()
    }

    /// Renew the lease now, on the lease's own connection, and fail when
    /// it is no longer this runner's: the check before a statement that
    /// commits by itself.
    pub(crate) fn verify(&self) -> Result<(), RunError> {
        self.check()?;
        let Some(held) = &self.held else {
            return Ok(());
        };
        let (reply_tx, reply_rx) = mpsc::channel();
        let sent = held
            .requests
            .lock()
            .ok()
            .map(|requests| requests.send(Request::Verify(reply_tx)).is_ok());
        if sent != Some(true) {
            self.lose("the thread that renews it stopped".to_owned());
            return self.check();
        }
        match reply_rx.recv() {
            Ok(result) => result,
            Err(_) => {
                self.lose("the thread that renews it stopped".to_owned());
                self.check()
            }
        }
    }

    fn lose(&self, reason: String) {
        if let Ok(mut lost) = self.lost.lock() {
            lost.get_or_insert(reason);
        }
    }
}

/// Why a lease is lost when its row names another owner or is gone.
const TAKEN_OVER: &str = "another runner took it over after it expired";

/// A held lease; dropping it stops the renewals and deletes the row.
#[derive(Debug)]
pub(crate) struct Lease {
    stop: mpsc::Sender<Request>,
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
        let (ready_tx, ready_rx) = mpsc::channel();
        let (request_tx, request_rx) = mpsc::channel::<Request>();
        let state = LeaseState {
            lost: Arc::default(),
            held: Some(Arc::new(Held {
                renew: renew_sql(C::BACKEND, &owner, lease),
                requests: Mutex::new(request_tx.clone()),
            })),
        };
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
                renew_until_stopped(&mut conn, lease, &request_rx, &shared);
                let release = format!(
                    "DELETE FROM {LOCK_TABLE} WHERE id = 1 AND owner = {}",
                    literal(&owner, C::BACKEND)
                );
                if let Err(e) =
                    super::retry_certification(C::BACKEND, || conn.batch_execute(&release))
                {
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
                stop: request_tx,
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
        // The thread wakes at once, deletes the row (on every path out of
        // the run, panics included) and ends.
        let _ = self.stop.send(Request::Stop);
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
    // Only when missing: on Galera even `IF NOT EXISTS` replicates in
    // total order and aborts the holder's transactions that touch the row.
    while let Err(e) = conn.table_exists(LOCK_TABLE).and_then(|there| {
        if there {
            Ok(())
        } else {
            Ok(conn.batch_execute(&ddl)?)
        }
    }) {
        tries += 1;
        if tries >= 5 || start.elapsed() >= timeout {
            return Err(e);
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
    // On a Galera cluster two nodes can both take the row locally; the one
    // certified second is rolled back whole and tries again.
    crate::backend::poll_lock(timeout, || {
        let mut attempt = || -> Result<bool, RunError> {
            if conn.execute_counted(&insert)? == 1 {
                return Ok(true);
            }
            Ok(conn.execute_counted(&take_over)? == 1)
        };
        match attempt() {
            Err(e) if super::certification_failure(backend, &e.to_string()) => Ok(false),
            other => other,
        }
    })
}

/// The renewal: it extends the lease only while `owner` holds the row, so
/// its row count says whether the lease is still this runner's.
fn renew_sql(backend: Backend, owner: &str, lease: Duration) -> String {
    format!(
        "UPDATE {LOCK_TABLE} SET expires_at = {} WHERE id = 1 AND owner = {}",
        expiry(backend, lease),
        literal(owner, backend)
    )
}

/// Renew every third of the lease, and whenever the runner asks, until
/// told to stop; mark the lease lost when another runner holds the row, or
/// when renewals failed for a whole lease.
fn renew_until_stopped<C: Dialect>(
    conn: &mut C,
    lease: Duration,
    requests: &mpsc::Receiver<Request>,
    state: &LeaseState,
) {
    let Some(renew) = state.fence_sql().map(str::to_owned) else {
        return;
    };
    let mut renewed = Instant::now();
    let mut due = renewed + lease / 3;
    loop {
        let asked = match requests.recv_timeout(due.saturating_duration_since(Instant::now())) {
            Ok(Request::Verify(reply)) => Some(reply),
            Err(RecvTimeoutError::Timeout) => None,
            Ok(Request::Stop) | Err(RecvTimeoutError::Disconnected) => return,
        };
        let outcome = match super::retry_certification(C::BACKEND, || conn.execute_counted(&renew))
        {
            Ok(1) => {
                renewed = Instant::now();
                Ok(())
            }
            Ok(_) => {
                state.lose(TAKEN_OVER.to_owned());
                Err(())
            }
            Err(e) if renewed.elapsed() >= lease => {
                state.lose(format!("it could not be renewed: {e}"));
                Err(())
            }
            Err(e) => {
                tracing::warn!("could not renew the migration lease, retrying: {e}");
                // A runner that asked is told no rather than left to
                // guess: it stops before its statement.
                if asked.is_some() {
                    state.lose(format!("it could not be renewed: {e}"));
                }
                Err(())
            }
        };
        due = Instant::now() + lease / 3;
        if let Some(reply) = asked {
            let _ = reply.send(state.check());
        }
        if outcome.is_err() && state.check().is_err() {
            return;
        }
    }
}
