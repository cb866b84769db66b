//! `statement_lock_timeout` and `lock_timeout_retries`: a revision's own
//! statements wait for another session's lock at most the timeout
//! (PostgreSQL's `lock_timeout`, MariaDB's `lock_wait_timeout`), the
//! session's own value is back afterwards, a revision's metadata.toml may
//! set its own, and a revision that failed on the timeout runs again only
//! where its failure left nothing behind. The lock is held by a second real
//! connection: an open transaction that read (MariaDB) or locked
//! (PostgreSQL) the table the revision alters.

use std::time::Duration;

use schema_runtime::migrations::{Direction, Step};
use schema_runtime::{Backend, Observer, RunError, RunOptions};

use crate::support::{diesel_versions, folder_name, linear, tgt, Folder, TestConn, TestDb};

on_backends!([postgres, mysql](
    a_revision_runs_under_its_lock_timeout_and_the_session_gets_its_own_back,
    a_lock_released_after_the_first_timeout_lets_the_retry_succeed,
    a_lock_never_released_fails_after_the_retries_leaving_nothing,
    a_revision_that_left_something_behind_is_not_retried
));

fn options(retries: u32, per_migration: bool) -> RunOptions {
    RunOptions {
        statement_lock_timeout: Some(Duration::from_millis(200)),
        lock_timeout_retries: retries,
        transaction_per_migration: per_migration,
        ..RunOptions::default()
    }
}

/// The session's lock wait, as the server reports it.
fn session_lock_wait<C: TestConn>(conn: &mut C) -> String {
    conn.strings(seen_sql::<C>()).concat()
}

fn seen_sql<C: TestConn>() -> &'static str {
    match C::BACKEND {
        Backend::Postgres => "SELECT current_setting('lock_timeout') AS s",
        _ => "SELECT CONCAT(@@lock_wait_timeout, ' ', @@innodb_lock_wait_timeout) AS s",
    }
}

/// `busy`, made beforehand, and a second connection holding a lock on it
/// that `ALTER TABLE busy` must wait for.
fn hold_busy<C: TestConn>(db: &TestDb) -> C {
    let mut conn: C = db.conn();
    conn.batch_execute("CREATE TABLE busy (id INTEGER PRIMARY KEY)")
        .unwrap();
    let mut holder: C = db.conn();
    match C::BACKEND {
        Backend::Postgres => holder
            .batch_execute("BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE")
            .unwrap(),
        // An open transaction that read the table holds its metadata lock.
        _ => {
            holder.batch_execute("START TRANSACTION").unwrap();
            holder.strings("SELECT CAST(id AS CHAR) AS s FROM busy");
        }
    }
    holder
}

fn release<C: TestConn>(holder: &mut C) {
    holder.batch_execute("ROLLBACK").unwrap();
}

fn busy_columns<C: TestConn>(conn: &mut C) -> Vec<String> {
    let sql = match C::BACKEND {
        Backend::Postgres => {
            "SELECT column_name AS s FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = 'busy' ORDER BY 1"
        }
        _ => {
            "SELECT column_name AS s FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = 'busy' ORDER BY 1"
        }
    };
    conn.strings(sql)
}

/// Records each retry; the first one releases the holder's lock when given.
struct Retried<'a, C> {
    release: Option<&'a mut C>,
    seen: Vec<String>,
}

impl<C: TestConn> Observer for Retried<'_, C> {
    fn retrying(&mut self, step: &Step, attempt: u32, of: u32) {
        self.seen
            .push(format!("{} {attempt}/{of}", step.folder_name));
        if let Some(holder) = self.release.take() {
            release(holder);
        }
    }
}

fn lock_timeout_message<C: TestConn>() -> &'static str {
    match C::BACKEND {
        Backend::Postgres => "canceling statement due to lock timeout",
        _ => "Lock wait timeout exceeded",
    }
}

fn a_revision_runs_under_its_lock_timeout_and_the_session_gets_its_own_back<C: TestConn>(
    db: &TestDb,
) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    // Revision 2 keeps the lock wait it ran under; revision 3 sets its own.
    let keep = |table| format!("CREATE TABLE {table} AS {}", seen_sql::<C>());
    folder.write_up(&folder_name(2), &format!("{};\n", keep("seen2")));
    folder.add_with_metadata(
        &folder_name(3),
        &format!("{};\n", keep("seen3")),
        "DROP TABLE seen3;\n",
        "statement_lock_timeout = 7\n",
    );
    let mut conn: C = db.conn();
    let before = session_lock_wait(&mut conn);
    let migrator = folder.migrator().with_options(options(0, false));
    migrator.upgrade(&mut conn, &tgt("head")).unwrap();
    assert_eq!(diesel_versions(&mut conn), versions);
    let (main, own) = match C::BACKEND {
        Backend::Postgres => ("200ms", "7s"),
        // Whole seconds, rounded up, for metadata and row locks alike.
        _ => ("1 1", "7 7"),
    };
    assert_eq!(conn.strings("SELECT s FROM seen2"), [main]);
    assert_eq!(conn.strings("SELECT s FROM seen3"), [own]);
    assert_eq!(session_lock_wait(&mut conn), before);
}

fn a_lock_released_after_the_first_timeout_lets_the_retry_succeed<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    folder.write_up(
        &folder_name(2),
        "ALTER TABLE busy ADD COLUMN c2 INTEGER;\nCREATE TABLE t2 (id INTEGER PRIMARY KEY);\n",
    );
    let mut holder: C = hold_busy(db);
    let mut conn: C = db.conn();
    let migrator = folder.migrator().with_options(options(2, true));
    let mut observer = Retried {
        release: Some(&mut holder),
        seen: Vec::new(),
    };
    let steps = migrator
        .run(&mut conn, Direction::Up, &tgt("head"), &mut observer)
        .unwrap();
    assert_eq!(observer.seen, [format!("{} 1/2", folder_name(2))]);
    // The retry planned again: revision 1 had committed and is not rerun.
    assert_eq!(steps.len(), 3);
    assert_eq!(diesel_versions(&mut conn), versions);
    assert_eq!(busy_columns(&mut conn), ["c2", "id"]);
}

fn a_lock_never_released_fails_after_the_retries_leaving_nothing<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    folder.write_up(
        &folder_name(2),
        "ALTER TABLE busy ADD COLUMN c2 INTEGER;\nCREATE TABLE t2 (id INTEGER PRIMARY KEY);\n",
    );
    let mut holder: C = hold_busy(db);
    let mut conn: C = db.conn();
    let migrator = folder.migrator().with_options(options(2, true));
    let mut observer = Retried::<C> {
        release: None,
        seen: Vec::new(),
    };
    let error = migrator
        .run(&mut conn, Direction::Up, &tgt("head"), &mut observer)
        .unwrap_err();
    let name = folder_name(2);
    assert_eq!(
        observer.seen,
        [format!("{name} 1/2"), format!("{name} 2/2")]
    );
    let RunError::Statement { message, note, .. } = &error else {
        panic!("expected a statement error, got {error:?}");
    };
    assert!(message.contains(lock_timeout_message::<C>()), "{message}");
    assert!(
        note.contains("failed on a lock timeout again after 2 retries"),
        "{note}"
    );
    release(&mut holder);
    // Revision 1 committed on its own; nothing of revision 2 is there.
    assert_eq!(diesel_versions(&mut conn), &versions[..1]);
    assert_eq!(busy_columns(&mut conn), ["id"]);
    assert!(!conn.tables().contains(&"t2".to_owned()));
}

fn a_revision_that_left_something_behind_is_not_retried<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    linear(&folder, 3);
    // PostgreSQL: revision 2 runs in the run's transaction after revision
    // 1. MariaDB: its first statement committed before the one that waits.
    let (up, per_migration, why) = match C::BACKEND {
        Backend::Postgres => (
            "ALTER TABLE busy ADD COLUMN c2 INTEGER;\n",
            false,
            "set transaction_per_migration = true",
        ),
        _ => (
            "CREATE TABLE t2 (id INTEGER PRIMARY KEY);\nALTER TABLE busy ADD COLUMN c2 INTEGER;\n",
            true,
            "the server committed its statements before the one that failed",
        ),
    };
    folder.write_up(&folder_name(2), up);
    let mut holder: C = hold_busy(db);
    let mut conn: C = db.conn();
    let migrator = folder.migrator().with_options(options(3, per_migration));
    let mut observer = Retried::<C> {
        release: None,
        seen: Vec::new(),
    };
    let error = migrator
        .run(&mut conn, Direction::Up, &tgt("head"), &mut observer)
        .unwrap_err();
    release(&mut holder);
    assert!(observer.seen.is_empty(), "{:?}", observer.seen);
    let shown = error.to_string();
    assert!(
        shown.contains("not retried after the lock timeout (lock_timeout_retries = 3)"),
        "{shown}"
    );
    assert!(shown.contains(why), "{shown}");
    assert_eq!(busy_columns(&mut conn), ["id"]);
}
