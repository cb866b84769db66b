//! A failed statement is named by its line and text.

use schema_runtime::RunError;

use crate::support::{folder_name, linear, tgt, Folder, TestConn, TestDb};

on_every_backend!(statement_error_names_line_and_statement);

fn statement_error_names_line_and_statement<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    linear(&folder, 4);
    folder.write_up(
        &folder_name(3),
        "CREATE TABLE t3 (id INTEGER PRIMARY KEY);\n\nINSERT INTO missing_table (id) VALUES (1);\n",
    );
    let mut conn: C = db.conn();
    let error = folder
        .migrator()
        .upgrade(&mut conn, &tgt("head"))
        .unwrap_err();
    let RunError::Statement {
        line,
        statement,
        message,
        ..
    } = &error
    else {
        panic!("expected a statement error, got {error:?}");
    };
    assert_eq!(*line, 3, "{error}");
    assert_eq!(
        statement, "INSERT INTO missing_table (id) VALUES (1)",
        "{error}"
    );
    assert!(!message.starts_with("statement at line"), "{error}");
    assert!(error.to_string().contains("up.sql:3"), "{error}");
}
