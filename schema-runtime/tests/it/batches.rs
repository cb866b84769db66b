//! A revision sent as one batch (PostgreSQL) fails as one sent statement by
//! statement does: the error names the statement and its line, and the
//! database is left as it was. The same scenarios run on every backend, so
//! the batched and unbatched paths are held to one behaviour.

use schema_runtime::{RunError, RunOptions};

use crate::support::{
    diesel_versions, folder_name, linear, tgt, user_tables, version, Folder, TestConn, TestDb,
};

on_every_backend!(
    failure_in_the_middle_of_a_revision,
    syntax_error_in_the_middle_of_a_revision,
    failure_in_the_middle_of_a_down_sql,
    last_statement_ending_in_a_comment,
);

/// A statement on lines 5-6 fails; statements before it (a table, a row in
/// an earlier revision's table) and after it must not stay.
const BROKEN_MIDDLE: &str = "-- revision 3\n\
CREATE TABLE t3 (id INTEGER PRIMARY KEY);\n\
INSERT INTO t1 (id) VALUES (100);\n\
\n\
INSERT INTO t3 (id)\n\
  SELECT id FROM missing_table;\n\
CREATE TABLE t3b (id INTEGER PRIMARY KEY);\n";

fn assert_names_the_middle_statement(
    folder: &Folder,
    error: &RunError,
    file: &str,
    line: usize,
    text: &str,
) {
    let RunError::Statement {
        file: path,
        line: at,
        statement,
        message,
        ..
    } = error
    else {
        panic!("expected a statement error, got {error:?}");
    };
    assert_eq!(
        *path,
        folder.path().join(folder_name(3)).join(file),
        "{error}"
    );
    assert_eq!(*at, line, "{error}");
    assert_eq!(statement, text, "{error}");
    assert!(message.contains("missing_table"), "{error}");
    assert!(
        error.to_string().contains(&format!("{file}:{line}")),
        "{error}"
    );
}

fn failure_in_the_middle_of_a_revision<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 4);
    folder.write_up(&folder_name(3), BROKEN_MIDDLE);
    let mut conn: C = db.conn();
    let migrator = folder.migrator();
    migrator.upgrade(&mut conn, &tgt(&version(2))).unwrap();

    for per_migration in [false, true] {
        let migrator = folder.migrator().with_options(RunOptions {
            transaction_per_migration: per_migration,
            ..RunOptions::default()
        });
        let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
        assert_names_the_middle_statement(
            &folder,
            &error,
            "up.sql",
            5,
            "INSERT INTO t3 (id) SELECT id FROM missing_table",
        );
        assert_eq!(diesel_versions(&mut conn), &versions[..2]);
        if !C::TRANSACTIONAL_DDL {
            // MySQL/MariaDB: t3 committed as it was created; the revision
            // is recorded as failed, and the next run stops there.
            assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3"]);
            assert_eq!(migrator.status(&mut conn).unwrap().failed, [version(3)]);
            return;
        }
        // Everything of the revision is undone, the earlier row included,
        // and the connection goes on working.
        assert_eq!(user_tables(&mut conn), ["t1", "t2"]);
        assert_eq!(conn.number("SELECT COUNT(*) AS n FROM t1"), 1);
        assert_eq!(conn.bookkeeping_rows().len(), 2);
        let status = migrator.status(&mut conn).unwrap();
        assert_eq!(status.pending, &versions[2..]);
    }

    // Fixed, the revision and the one after it run in the same session.
    folder.write_up(
        &folder_name(3),
        &BROKEN_MIDDLE.replace("SELECT id FROM missing_table", "SELECT id FROM t2"),
    );
    folder.migrator().upgrade(&mut conn, &tgt("head")).unwrap();
    assert_eq!(diesel_versions(&mut conn), versions);
    assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3", "t3b", "t4"]);
    assert_eq!(conn.number("SELECT COUNT(*) AS n FROM t3 WHERE id = 2"), 1);
}

fn failure_in_the_middle_of_a_down_sql<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    std::fs::write(
        folder.path().join(folder_name(3)).join("down.sql"),
        "DELETE FROM t1;\n\nSELECT id FROM missing_table;\nDROP TABLE t3;\n",
    )
    .unwrap();
    let mut conn: C = db.conn();
    let migrator = folder.migrator();
    migrator.upgrade(&mut conn, &tgt("head")).unwrap();

    let error = migrator.downgrade(&mut conn, &tgt("base")).unwrap_err();
    assert_names_the_middle_statement(
        &folder,
        &error,
        "down.sql",
        3,
        "SELECT id FROM missing_table",
    );
    assert_eq!(diesel_versions(&mut conn), versions);
    assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3"]);
    assert_eq!(conn.bookkeeping_rows().len(), 3);
    if C::TRANSACTIONAL_DDL {
        assert_eq!(conn.number("SELECT COUNT(*) AS n FROM t1"), 1);
    }
}

/// A batch puts the bookkeeping after the revision's last statement, which
/// may end in a line comment and no terminator.
fn last_statement_ending_in_a_comment<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    folder.add(
        &folder_name(1),
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY) -- no terminator",
        "DROP TABLE t1 -- nor here",
    );
    let mut conn: C = db.conn();
    let migrator = folder.migrator();
    migrator.upgrade(&mut conn, &tgt("head")).unwrap();
    assert_eq!(user_tables(&mut conn), ["t1"]);
    assert_eq!(diesel_versions(&mut conn), [version(1)]);
    assert_eq!(conn.bookkeeping_rows().len(), 1);
    migrator.downgrade(&mut conn, &tgt("base")).unwrap();
    assert!(user_tables(&mut conn).is_empty());
    assert!(diesel_versions(&mut conn).is_empty());
    assert!(conn.bookkeeping_rows().is_empty());
}

/// PostgreSQL parses a whole batch before it runs any of it: a syntax error
/// must still be named by its line, and what ran before the revision kept.
fn syntax_error_in_the_middle_of_a_revision<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    folder.write_up(
        &folder_name(3),
        "CREATE TABLE t3 (id INTEGER PRIMARY KEY);\nCREATE TABEL t3b (id INTEGER);\nCREATE TABLE t3c (id INTEGER);\n",
    );
    let mut conn: C = db.conn();
    let migrator = folder.migrator().with_options(RunOptions {
        transaction_per_migration: true,
        ..RunOptions::default()
    });
    let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
    let RunError::Statement {
        file,
        line,
        statement,
        ..
    } = &error
    else {
        panic!("expected a statement error, got {error:?}");
    };
    assert_eq!(
        *file,
        folder.path().join(folder_name(3)).join("up.sql"),
        "{error}"
    );
    assert_eq!(*line, 2, "{error}");
    assert_eq!(statement, "CREATE TABEL t3b (id INTEGER)", "{error}");
    assert_eq!(diesel_versions(&mut conn), &versions[..2]);
    if C::TRANSACTIONAL_DDL {
        assert_eq!(user_tables(&mut conn), ["t1", "t2"]);
    } else {
        assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3"]);
    }
}
