//! `statement_timeout`: each revision's own statements run under it, on
//! PostgreSQL (`statement_timeout`) and MariaDB (`max_statement_time`); a
//! revision that outlasts it fails naming the revision, one within it
//! runs, and the session's own timeout is back afterwards either way.
//! SQLite, with no server to hold up, ignores the key.

use std::time::Duration;

use schema_runtime::{Backend, RunError, RunOptions};

use crate::support::{diesel_versions, folder_name, linear, tgt, Folder, TestConn, TestDb};

on_backends!([postgres, mysql](
    a_revision_over_the_timeout_fails_naming_it,
    a_revision_within_the_timeout_runs_under_it
));
on_backends!([sqlite](sqlite_ignores_the_timeout));

fn with_timeout(timeout: Duration, per_migration: bool) -> RunOptions {
    RunOptions {
        statement_timeout: Some(timeout),
        transaction_per_migration: per_migration,
        ..RunOptions::default()
    }
}

/// The session's own timeout, as the server reports it.
fn session_timeout<C: TestConn>(conn: &mut C) -> String {
    let sql = match C::BACKEND {
        Backend::Postgres => "SELECT current_setting('statement_timeout') AS s",
        _ => "SELECT CAST(@@max_statement_time AS CHAR) AS s",
    };
    conn.strings(sql).concat()
}

fn sleep<C: TestConn>(seconds: f64) -> String {
    match C::BACKEND {
        Backend::Postgres => format!("SELECT pg_sleep({seconds})"),
        _ => format!("SELECT SLEEP({seconds})"),
    }
}

fn a_revision_over_the_timeout_fails_naming_it<C: TestConn>(db: &TestDb) {
    // Both transaction plans: the run's (PostgreSQL sends a revision as
    // one batch first) and one per revision, each on a database of its own.
    for per_migration in [false, true] {
        let fresh;
        let db = if per_migration {
            fresh = C::test_db().expect("a second database");
            &fresh
        } else {
            db
        };
        let folder = Folder::new();
        let versions = linear(&folder, 3);
        folder.write_up(
            &folder_name(2),
            &format!(
                "CREATE TABLE t2 (id INTEGER PRIMARY KEY);\n{};\n",
                sleep::<C>(60.0)
            ),
        );
        let mut conn: C = db.conn();
        let before = session_timeout(&mut conn);
        let migrator = folder
            .migrator()
            .with_options(with_timeout(Duration::from_secs(1), per_migration));
        let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
        let RunError::Statement {
            revision,
            line,
            message,
            ..
        } = &error
        else {
            panic!("expected a statement error, got {error:?}");
        };
        assert!(revision.contains(&folder_name(2)), "{revision}");
        assert_eq!(*line, 2, "{error}");
        let expected = match C::BACKEND {
            Backend::Postgres => "canceling statement due to statement timeout",
            _ => "max_statement_time exceeded",
        };
        assert!(message.contains(expected), "{message}");
        let shown = error.to_string();
        assert!(shown.contains(&folder_name(2)), "{shown}");
        // What landed is what the transaction plan lets land.
        let kept = if C::TRANSACTIONAL_DDL && !per_migration {
            0
        } else {
            1
        };
        assert_eq!(diesel_versions(&mut conn), &versions[..kept]);
        assert_eq!(session_timeout(&mut conn), before);
    }
}

fn a_revision_within_the_timeout_runs_under_it<C: TestConn>(db: &TestDb) {
    for per_migration in [false, true] {
        let fresh;
        let db = if per_migration {
            fresh = C::test_db().expect("a second database");
            &fresh
        } else {
            db
        };
        let folder = Folder::new();
        let versions = linear(&folder, 3);
        // The revision keeps the timeout it ran under in a table.
        let seen = match C::BACKEND {
            Backend::Postgres => {
                "CREATE TABLE seen AS SELECT current_setting('statement_timeout') AS v"
            }
            _ => "CREATE TABLE seen AS SELECT CAST(@@max_statement_time AS CHAR) AS v",
        };
        folder.write_up(
            &folder_name(2),
            &format!(
                "CREATE TABLE t2 (id INTEGER PRIMARY KEY);\n{};\n{seen};\n",
                sleep::<C>(0.01)
            ),
        );
        let mut conn: C = db.conn();
        let before = session_timeout(&mut conn);
        let migrator = folder
            .migrator()
            .with_options(with_timeout(Duration::from_secs(90), per_migration));
        migrator.upgrade(&mut conn, &tgt("head")).unwrap();
        assert_eq!(diesel_versions(&mut conn), versions);
        let expected = match C::BACKEND {
            Backend::Postgres => "90s",
            _ => "90.000000",
        };
        assert_eq!(conn.strings("SELECT v AS s FROM seen"), [expected]);
        assert_eq!(session_timeout(&mut conn), before);
    }
}

fn sqlite_ignores_the_timeout<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 2);
    let mut conn: C = db.conn();
    let migrator = folder
        .migrator()
        .with_options(with_timeout(Duration::from_secs(1), false));
    migrator.upgrade(&mut conn, &tgt("head")).unwrap();
    assert_eq!(diesel_versions(&mut conn), versions);
}
