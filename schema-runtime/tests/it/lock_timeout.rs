//! A runner waits for another's lock at most `lock_timeout`.

use std::time::Duration;

use schema_runtime::{RunError, RunOptions};

use crate::support::{diesel_versions, linear, user_tables, Folder, TestConn, TestDb};

// SQLite is left out until a write lock held past lock_timeout is reported
// as RunError::LockTimeout (it is a plain "database is locked" today).
on_backends!([sqlite, postgres, mysql](lock_held_elsewhere_times_out));

#[cfg_attr(
    not(any(
        feature = "postgres",
        feature = "postgres-libpq",
        feature = "mysql",
        feature = "mysql-libmysqlclient"
    )),
    allow(dead_code)
)]
fn lock_held_elsewhere_times_out<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    linear(&folder, 2);
    let migrator = folder.migrator().with_options(RunOptions {
        lock_timeout: Duration::from_millis(300),
        ..RunOptions::default()
    });
    let mut holder: C = db.conn();
    let mut conn: C = db.conn();
    // the bookkeeping exists beforehand, as on a database in use
    migrator.stamp(&mut conn, &["base"], false).unwrap();

    holder.hold_runner_lock();
    let error = migrator.upgrade(&mut conn, "head").unwrap_err();
    assert!(matches!(error, RunError::LockTimeout { .. }), "{error:?}");
    let error = migrator.stamp(&mut conn, &["head"], false).unwrap_err();
    assert!(matches!(error, RunError::LockTimeout { .. }), "{error:?}");
    holder.release_runner_lock();
    assert!(diesel_versions(&mut conn).is_empty());

    assert_eq!(migrator.upgrade(&mut conn, "head").unwrap().len(), 2);
    assert_eq!(user_tables(&mut conn), ["t1", "t2"]);
}
