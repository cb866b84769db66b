//! What engines without advisory locks or transactional DDL get
//! (CockroachDB, YugabyteDB, TiDB), with PostgreSQL and MariaDB standing in
//! through the keys: `lock = table`, a lease row that blocks others until
//! released or expired, renewed while the run lasts and released on every
//! path; and `transactional_ddl = false`, each statement committed as it
//! runs and a failure recorded, as on MySQL.

use std::sync::mpsc;
use std::time::Duration;

use schema_runtime::migrations::Direction;
use schema_runtime::{Config, EngineSettings, LockMode, Migrator, Observer, RunError, RunOptions};

use crate::support::{
    diesel_versions, folder_name, linear, tgt, user_tables, version, Folder, TestConn, TestDb,
};

on_backends!([postgres, mysql](
    a_live_lease_blocks_and_an_expired_one_is_taken_over,
    the_lease_is_released_on_failure_and_panic,
    the_lease_is_renewed_while_a_revision_outlasts_it,
    a_lease_limits_idle_transactions_and_puts_the_limit_back
));

/// One module per backend set: each `on_backends!` emits `mod postgres`
/// and the like.
mod refused {
    use super::*;
    on_backends!([sqlite](a_lease_on_sqlite_is_refused));
    on_backends!([mysql](transactional_ddl_cannot_be_claimed_on_mysql));
}

mod ddl {
    use super::*;
    on_backends!([postgres](
        ddl_not_transactional_keeps_what_ran_and_records_the_failure
    ));
}

/// Engine settings for `db`, as the lease's own connection opens them.
fn settings(db: &TestDb) -> EngineSettings {
    let dir = tempfile::tempdir().unwrap();
    let mut config =
        Config::from_str_at(dir.path().join("schema.ini"), "[schema]\n", None).unwrap();
    config.set_main_option("diesel.url", db.url());
    schema_runtime::engine_settings(&config).unwrap()
}

/// `folder`'s migrator with `lock = table`.
fn leased(folder: &Folder, db: &TestDb, lease: Duration, timeout: Duration) -> Migrator {
    folder
        .migrator()
        .with_options(RunOptions {
            lock: Some(LockMode::Table),
            lock_lease: lease,
            lock_timeout: timeout,
            ..RunOptions::default()
        })
        .with_lock_connection(Some(settings(db)))
}

fn lease_rows<C: TestConn>(conn: &mut C) -> Vec<String> {
    conn.strings("SELECT owner AS s FROM __schema_lock")
}

fn a_live_lease_blocks_and_an_expired_one_is_taken_over<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    linear(&folder, 2);
    let mut conn: C = db.conn();
    // What a runner killed while holding the lease leaves behind.
    conn.batch_execute(&schema_runtime::lock::lease::ddl(C::BACKEND))
        .unwrap();
    conn.batch_execute(
        "INSERT INTO __schema_lock (id, owner, acquired_at, expires_at) \
         VALUES (1, 'killed-runner', '2024-01-01 00:00:00', '2999-01-01 00:00:00')",
    )
    .unwrap();

    let impatient = leased(
        &folder,
        db,
        Duration::from_secs(30),
        Duration::from_millis(300),
    );
    let error = impatient.upgrade(&mut conn, &tgt("head")).unwrap_err();
    assert!(matches!(error, RunError::LockTimeout { .. }), "{error:?}");
    assert!(diesel_versions(&mut conn).is_empty());
    assert_eq!(lease_rows(&mut conn), ["killed-runner"]);

    conn.batch_execute("UPDATE __schema_lock SET expires_at = '2000-01-01 00:00:00'")
        .unwrap();
    let steps = impatient.upgrade(&mut conn, &tgt("head")).unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(user_tables(&mut conn), ["t1", "t2"]);
    assert!(lease_rows(&mut conn).is_empty(), "released after the run");
}

struct PanicOnStart;

impl Observer for PanicOnStart {
    fn started(&mut self, _step: &schema_runtime::Step) {
        panic!("observer panics on purpose");
    }
}

fn the_lease_is_released_on_failure_and_panic<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    linear(&folder, 2);
    let migrator = leased(&folder, db, Duration::from_secs(30), Duration::from_secs(5));
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut conn: C = db.conn();
        let _ = migrator.run(&mut conn, Direction::Up, &tgt("head"), &mut PanicOnStart);
    }));
    assert!(panicked.is_err());
    let mut conn: C = db.conn();
    assert!(lease_rows(&mut conn).is_empty(), "released after a panic");

    folder.write_up(
        &folder_name(2),
        "INSERT INTO missing_table (id) VALUES (1);\n",
    );
    let migrator = leased(&folder, db, Duration::from_secs(30), Duration::from_secs(5));
    let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
    assert!(matches!(error, RunError::Statement { .. }), "{error:?}");
    assert!(lease_rows(&mut conn).is_empty(), "released after an error");
}

/// Tells the test when a revision starts.
struct Started(mpsc::Sender<()>);

impl Observer for Started {
    fn started(&mut self, _step: &schema_runtime::Step) {
        let _ = self.0.send(());
    }
}

fn the_lease_is_renewed_while_a_revision_outlasts_it<C: TestConn>(db: &TestDb) {
    // The revision waits on a lock this test holds, not on the clock: it
    // ends when the test lets it, whatever the machine's load.
    let (hold, wait, release) = match C::BACKEND {
        schema_runtime::Backend::Postgres => (
            "SELECT pg_advisory_lock(37037)".to_owned(),
            // Bounded, so that a broken run fails instead of hanging.
            "SET LOCAL lock_timeout = '120s';\nSELECT pg_advisory_xact_lock(37037);\n".to_owned(),
            "SELECT pg_advisory_unlock(37037)".to_owned(),
        ),
        _ => {
            // GET_LOCK names are server-wide: the database's makes it ours.
            let name = format!("'{}_gate'", db.name());
            (
                format!("DO GET_LOCK({name}, 0)"),
                format!("DO GET_LOCK({name}, 120);\n"),
                format!("DO RELEASE_LOCK({name})"),
            )
        }
    };
    let mut gate: C = db.conn();
    gate.batch_execute(&hold).unwrap();
    let folder = Folder::new();
    folder.add(
        "2024-05-01-000001_slow",
        &format!("{wait}CREATE TABLE slow (id INTEGER PRIMARY KEY);\n"),
        "DROP TABLE slow;\n",
    );
    let lease = Duration::from_secs(1);
    let migrator = leased(&folder, db, lease, Duration::from_secs(10));
    let (tx, rx) = mpsc::channel();
    // Rows of the lease whose first term is over by the server's clock
    // (acquired_at + lease, which renewals leave alone) and which are
    // still live (expires_at ahead, which only renewals move).
    let (first_term_over, live) = match C::BACKEND {
        schema_runtime::Backend::Postgres => (
            "SELECT COUNT(*) AS n FROM __schema_lock WHERE acquired_at + INTERVAL '1 second' < clock_timestamp()",
            "SELECT COUNT(*) AS n FROM __schema_lock WHERE expires_at > clock_timestamp()",
        ),
        _ => (
            "SELECT COUNT(*) AS n FROM __schema_lock WHERE acquired_at + INTERVAL 1 SECOND < UTC_TIMESTAMP(6)",
            "SELECT COUNT(*) AS n FROM __schema_lock WHERE expires_at > UTC_TIMESTAMP(6)",
        ),
    };
    std::thread::scope(|s| {
        // Owned here: a failed assertion drops it (its session, and the
        // lock) before the scope waits for the holder.
        let mut gate = gate;
        let holder = s.spawn(|| {
            let mut conn: C = db.conn();
            let mut observer = Started(tx);
            migrator
                .run(&mut conn, Direction::Up, &tgt("head"), &mut observer)
                .map(|steps| steps.len())
        });
        rx.recv().unwrap();
        let mut conn: C = db.conn();
        schema_test_support::wait_until(
            "the first term of the lease to pass",
            schema_test_support::GENEROUS,
            || conn.number(first_term_over) == 1,
        );
        // Past the first term: only renewals keep the row this holder's.
        assert_eq!(conn.number(live), 1, "the lease was not renewed");
        let other = leased(&folder, db, lease, Duration::from_millis(300));
        let error = other.upgrade(&mut conn, &tgt("head")).unwrap_err();
        assert!(matches!(error, RunError::LockTimeout { .. }), "{error:?}");
        gate.batch_execute(&release).unwrap();
        assert_eq!(holder.join().unwrap().unwrap(), 1);
    });
    let mut conn: C = db.conn();
    assert_eq!(user_tables(&mut conn), ["slow"]);
    assert!(lease_rows(&mut conn).is_empty());
}

#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
fn a_lease_on_sqlite_is_refused<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    linear(&folder, 1);
    let migrator = leased(&folder, db, Duration::from_secs(30), Duration::from_secs(1));
    let mut conn: C = db.conn();
    let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
    assert!(
        matches!(error, RunError::Setting { key: "lock", .. }),
        "{error:?}"
    );
    assert!(diesel_versions(&mut conn).is_empty());
}

#[cfg_attr(
    not(any(feature = "postgres", feature = "postgres-libpq")),
    allow(dead_code)
)]
fn ddl_not_transactional_keeps_what_ran_and_records_the_failure<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    folder.write_up(
        &folder_name(3),
        "CREATE TABLE t3 (id INTEGER PRIMARY KEY);\n\nINSERT INTO missing_table (id) VALUES (1);\n",
    );
    let migrator = folder.migrator().with_options(RunOptions {
        transactional_ddl: Some(false),
        ..RunOptions::default()
    });
    let mut conn: C = db.conn();
    let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
    let RunError::Statement { partial, line, .. } = &error else {
        panic!("expected a statement error, got {error:?}");
    };
    assert!(*partial, "{error}");
    assert_eq!(*line, 3);
    assert!(
        error
            .to_string()
            .contains("statements before this one stay applied"),
        "{error}"
    );
    // The first statement of the failing revision stayed, as on MySQL.
    assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3"]);
    assert_eq!(diesel_versions(&mut conn), &versions[..2]);
    let states: Vec<(String, String)> = conn
        .bookkeeping_rows()
        .into_iter()
        .map(|r| (r.version, r.state))
        .collect();
    assert_eq!(
        states,
        [
            (versions[0].clone(), "applied".to_owned()),
            (versions[1].clone(), "applied".to_owned()),
            (versions[2].clone(), "failed".to_owned()),
        ]
    );
    let status = migrator.status(&mut conn).unwrap();
    assert_eq!(status.failed, [version(3)]);
    assert_eq!(status.heads, [version(2)]);
    match migrator.upgrade(&mut conn, &tgt("head")).unwrap_err() {
        RunError::FailedEarlier { revision_id, .. } => assert_eq!(revision_id, version(3)),
        other => panic!("expected FailedEarlier, got {other:?}"),
    }
    // Left to itself, PostgreSQL would have undone the whole run.
    let default = folder.migrator();
    conn.batch_execute("DROP TABLE t1, t2, t3; DELETE FROM __diesel_schema_migrations; DELETE FROM __schema_revisions")
        .unwrap();
    default.upgrade(&mut conn, &tgt("head")).unwrap_err();
    assert!(user_tables(&mut conn).is_empty());
}

#[cfg_attr(
    not(any(feature = "mysql", feature = "mysql-libmysqlclient")),
    allow(dead_code)
)]
fn transactional_ddl_cannot_be_claimed_on_mysql<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    linear(&folder, 1);
    let migrator = folder.migrator().with_options(RunOptions {
        transactional_ddl: Some(true),
        ..RunOptions::default()
    });
    let mut conn: C = db.conn();
    let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
    assert!(
        matches!(
            error,
            RunError::Setting {
                key: "transactional_ddl",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("commits DDL as it runs"),
        "{error}"
    );
    assert!(diesel_versions(&mut conn).is_empty());
}

/// The server's limit on a session idle inside a transaction.
fn idle_limit<C: TestConn>(conn: &mut C) -> String {
    conn.strings(idle_limit_sql::<C>()).concat()
}

fn idle_limit_sql<C: TestConn>() -> &'static str {
    match C::BACKEND {
        schema_runtime::Backend::Postgres => {
            "SELECT current_setting('idle_in_transaction_session_timeout') AS s"
        }
        _ => "SELECT CAST(@@SESSION.idle_transaction_timeout AS CHAR) AS s",
    }
}

/// Under a lease the runner's session is ended by the server once it sits
/// idle in a transaction for a lease (so a frozen or stalled runner's locks
/// go when its lease does: tests/cli/migrate/faults); the application's
/// own limit on that connection is back after the run.
fn a_lease_limits_idle_transactions_and_puts_the_limit_back<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    linear(&folder, 2);
    folder.write_up(
        &folder_name(2),
        &format!("CREATE TABLE t2 AS {};\n", idle_limit_sql::<C>()),
    );
    let mut conn: C = db.conn();
    let own = match C::BACKEND {
        schema_runtime::Backend::Postgres => "SET idle_in_transaction_session_timeout = '17min'",
        _ => "SET SESSION idle_transaction_timeout = 1020",
    };
    conn.batch_execute(own).unwrap();
    let before = idle_limit(&mut conn);
    leased(&folder, db, Duration::from_secs(3), Duration::from_secs(30))
        .upgrade(&mut conn, &tgt("head"))
        .unwrap();
    let during = match C::BACKEND {
        schema_runtime::Backend::Postgres => "3s",
        _ => "3",
    };
    assert_eq!(conn.strings("SELECT s FROM t2"), [during]);
    assert_eq!(idle_limit(&mut conn), before);
}
