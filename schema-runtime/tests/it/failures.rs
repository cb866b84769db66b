//! What a failed, edited or non-transactional revision does to a run.

use schema_runtime::{Backend, RunError, RunOptions};

use crate::support::{
    diesel_versions, folder_name, ids, linear, tgt, user_tables, version, Folder, TestConn, TestDb,
};

on_every_backend!(
    failing_revision,
    edited_applied_revision,
    revision_outside_a_transaction,
);

const BROKEN_UP: &str =
    "CREATE TABLE t3 (id INTEGER PRIMARY KEY);\n\nINSERT INTO missing_table (id) VALUES (1);\n";

/// Four revisions; the third creates `t3`, then fails on its line 3.
fn failing_folder() -> (Folder, Vec<String>) {
    let folder = Folder::new();
    let versions = linear(&folder, 4);
    folder.write_up(&folder_name(3), BROKEN_UP);
    (folder, versions)
}

/// The failure names the third revision, its up.sql and the database's
/// message, and says whether part of it was committed.
fn assert_third_failed(folder: &Folder, error: &RunError, partial_expected: bool) {
    let RunError::Statement {
        revision,
        file,
        message,
        partial,
        ..
    } = error
    else {
        panic!("expected a statement error, got {error:?}");
    };
    assert!(revision.contains(&folder_name(3)), "{revision}");
    assert_eq!(*file, folder.path().join(folder_name(3)).join("up.sql"));
    assert!(message.contains("missing_table"), "{message}");
    assert_eq!(*partial, partial_expected);
    let shown = error.to_string();
    assert!(shown.contains(&folder_name(3)), "{shown}");
    assert!(shown.contains("up.sql"), "{shown}");
}

fn failing_revision<C: TestConn>(db: &TestDb) {
    let (folder, versions) = failing_folder();
    let mut conn: C = db.conn();

    if C::TRANSACTIONAL_DDL {
        // one transaction for the whole run: nothing lands
        let error = folder
            .migrator()
            .upgrade(&mut conn, &tgt("head"))
            .unwrap_err();
        assert_third_failed(&folder, &error, false);
        assert!(
            user_tables(&mut conn).is_empty(),
            "{:?}",
            user_tables(&mut conn)
        );
        assert!(diesel_versions(&mut conn).is_empty());
        assert!(conn.bookkeeping_rows().is_empty());

        // one per revision: the two before it stay
        let per_revision = folder.migrator().with_options(RunOptions {
            transaction_per_migration: true,
            ..RunOptions::default()
        });
        let error = per_revision.upgrade(&mut conn, &tgt("head")).unwrap_err();
        assert_third_failed(&folder, &error, false);
        assert_eq!(user_tables(&mut conn), ["t1", "t2"]);
        assert_eq!(diesel_versions(&mut conn), &versions[..2]);
        assert_eq!(conn.bookkeeping_rows().len(), 2);
        assert!(conn.bookkeeping_rows().iter().all(|r| r.state == "applied"));
        let status = per_revision.status(&mut conn).unwrap();
        assert_eq!(status.pending, &versions[2..]);
        assert!(status.failed.is_empty());
        return;
    }

    // MySQL/MariaDB: DDL commits as it runs
    let migrator = folder.migrator();
    let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
    assert_third_failed(&folder, &error, true);
    assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3"]);
    assert_eq!(diesel_versions(&mut conn), &versions[..2]);
    let rows = conn.bookkeeping_rows();
    let states: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.version.as_str(), r.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            (versions[0].as_str(), "applied"),
            (versions[1].as_str(), "applied"),
            (versions[2].as_str(), "failed")
        ]
    );
    let status = migrator.status(&mut conn).unwrap();
    assert_eq!(status.failed, [version(3)]);
    assert_eq!(status.pending, &versions[2..]);

    // the next run stops until someone looks
    let expect_failed_earlier = |error: RunError| match error {
        RunError::FailedEarlier {
            revision,
            revision_id,
            parent,
        } => {
            assert!(revision.contains(&folder_name(3)), "{revision}");
            assert_eq!(revision_id, version(3));
            assert_eq!(parent, version(2));
        }
        other => panic!("expected FailedEarlier, got {other:?}"),
    };
    expect_failed_earlier(migrator.upgrade(&mut conn, &tgt("head")).unwrap_err());
    assert_eq!(diesel_versions(&mut conn), &versions[..2]);

    // undone by hand, then stamped at the parent: the failure is cleared
    // and the next upgrade runs the revision again (and fails again)
    diesel::connection::SimpleConnection::batch_execute(&mut conn, "DROP TABLE t3").unwrap();
    migrator
        .stamp(&mut conn, &[tgt(&version(2))], false)
        .unwrap();
    assert!(migrator.status(&mut conn).unwrap().failed.is_empty());
    assert!(conn.bookkeeping_rows().iter().all(|r| r.state == "applied"));
    let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
    assert_third_failed(&folder, &error, true);
    expect_failed_earlier(migrator.upgrade(&mut conn, &tgt("head")).unwrap_err());

    // a fixed up.sql (new checksum) may run again on the database as it is
    folder.write_up(
        &folder_name(3),
        "CREATE TABLE IF NOT EXISTS t3 (id INTEGER PRIMARY KEY);\n\nINSERT INTO t3 (id) VALUES (3);\n",
    );
    let migrator = folder.migrator();
    let steps = migrator.upgrade(&mut conn, &tgt("head")).unwrap();
    assert_eq!(ids(&steps), &versions[2..]);
    assert_eq!(diesel_versions(&mut conn), versions);
    let rows = conn.bookkeeping_rows();
    assert!(rows.iter().all(|r| r.state == "applied"), "{rows:?}");
    assert_eq!(
        rows[2].checksum,
        migrator
            .graph()
            .by_version(&version(3))
            .unwrap()
            .checksum
            .as_str()
    );
    assert!(migrator.status(&mut conn).unwrap().failed.is_empty());
}

fn edited_applied_revision<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    let mut conn: C = db.conn();
    folder
        .migrator()
        .upgrade(&mut conn, &tgt(&version(2)))
        .unwrap();

    folder.write_up(
        &folder_name(1),
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY);\n-- edited after it ran\n",
    );
    let migrator = folder.migrator();
    match migrator.upgrade(&mut conn, &tgt("head")).unwrap_err() {
        RunError::Edited { revisions } => {
            assert_eq!(revisions.len(), 1, "{revisions:?}");
            assert!(revisions[0].starts_with(&version(1)), "{revisions:?}");
            assert!(revisions[0].contains("up.sql"), "{revisions:?}");
        }
        other => panic!("expected Edited, got {other:?}"),
    }
    assert_eq!(user_tables(&mut conn), ["t1", "t2"], "refused, yet ran");
    assert_eq!(migrator.status(&mut conn).unwrap().edited, [version(1)]);

    let accepting = migrator.clone().with_options(RunOptions {
        allow_edited: true,
        ..RunOptions::default()
    });
    assert_eq!(
        ids(&accepting.upgrade(&mut conn, &tgt("head")).unwrap()),
        [version(3)]
    );
    let new_checksum = migrator
        .graph()
        .by_version(&version(1))
        .unwrap()
        .checksum
        .as_str();
    assert_eq!(conn.bookkeeping_rows()[0].checksum, new_checksum);
    assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3"]);

    // accepted once, accepted for good
    assert!(migrator
        .upgrade(&mut conn, &tgt("head"))
        .unwrap()
        .is_empty());
    assert!(migrator.status(&mut conn).unwrap().edited.is_empty());
    assert_eq!(diesel_versions(&mut conn), versions);
}

fn revision_outside_a_transaction<C: TestConn>(db: &TestDb) {
    let postgres = C::BACKEND == Backend::Postgres;
    let (create, drop) = match C::BACKEND {
        // refused inside a transaction block
        Backend::Postgres => (
            "CREATE INDEX CONCURRENTLY t1_v ON t1 (v);\n",
            "DROP INDEX CONCURRENTLY t1_v;\n",
        ),
        Backend::Mysql => ("CREATE INDEX t1_v ON t1 (v);\n", "DROP INDEX t1_v ON t1;\n"),
        Backend::Sqlite => ("CREATE INDEX t1_v ON t1 (v);\n", "DROP INDEX t1_v;\n"),
    };
    let folder = Folder::new();
    folder.add(
        "2024-01-01-000001_t1",
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY, v INTEGER);\n",
        "DROP TABLE t1;\n",
    );
    folder.add_with_metadata(
        "2024-01-01-000002_index",
        create,
        drop,
        "run_in_transaction = false\n",
    );
    folder.add(
        "2024-01-01-000003_t3",
        "CREATE TABLE t3 (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE t3;\n",
    );
    let mut conn: C = db.conn();
    for options in [
        RunOptions::default(),
        RunOptions {
            transaction_per_migration: true,
            ..RunOptions::default()
        },
    ] {
        let migrator = folder.migrator().with_options(options);
        let steps = migrator.upgrade(&mut conn, &tgt("head")).unwrap();
        assert_eq!(steps.len(), 3);
        assert_eq!(conn.indexes("t1"), ["t1_v"]);
        assert_eq!(user_tables(&mut conn), ["t1", "t3"]);
        assert_eq!(conn.bookkeeping_rows().len(), 3);
        assert_eq!(
            migrator.downgrade(&mut conn, &tgt("base")).unwrap().len(),
            3
        );
        assert!(user_tables(&mut conn).is_empty());
    }

    if postgres {
        // the control: inside the run's transaction the same SQL fails
        folder.remove_metadata("2024-01-01-000002_index");
        let error = folder
            .migrator()
            .upgrade(&mut conn, &tgt("head"))
            .unwrap_err();
        match &error {
            RunError::Statement { message, .. } => {
                assert!(message.contains("transaction block"), "{error}");
            }
            other => panic!("expected a statement error, got {other:?}"),
        }
        assert!(user_tables(&mut conn).is_empty());
    }
}
