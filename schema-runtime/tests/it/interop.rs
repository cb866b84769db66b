//! diesel_migrations' own harness and cargo-schema's runner on one database:
//! each sees what the other applied.

use diesel_migrations::FileBasedMigrations;
use schema_runtime::revision::DieselSource;

use crate::support::{diesel_versions, ids, linear, tgt, user_tables, Folder, TestConn, TestDb};

on_every_backend!(
    diesel_migrated_database_is_up_to_date,
    diesel_sees_what_the_runner_applied,
    diesel_runs_the_diesel_source,
);

fn diesel_migrated_database_is_up_to_date<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    let mut conn: C = db.conn();
    let source = FileBasedMigrations::from_path(folder.path()).unwrap();
    let ran = conn.run_pending_migrations(source).unwrap();
    assert_eq!(ran.len(), 3);
    assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3"]);

    let migrator = folder.migrator();
    let status = migrator.status(&mut conn).unwrap();
    assert!(status.pending.is_empty(), "{status:?}");
    assert_eq!(status.heads, [versions[2].clone()]);
    assert!(!conn.tables().contains(&"__schema_revisions".to_owned()));

    assert!(migrator
        .upgrade(&mut conn, &tgt("head"))
        .unwrap()
        .is_empty());
    assert_eq!(conn.number("SELECT COUNT(*) AS n FROM t1"), 1, "ran again");
    let rows = conn.bookkeeping_rows();
    assert_eq!(rows.len(), 3, "checksums recorded for diesel's runs");
    for (row, m) in rows.iter().zip(migrator.graph().migrations()) {
        assert_eq!(
            (row.version.as_str(), row.state.as_str()),
            (m.version.as_str(), "applied")
        );
        assert_eq!(row.checksum, m.checksum.as_str());
    }

    // a folder diesel_cli would add next runs through the runner
    let more = linear(&folder, 4);
    let migrator = folder.migrator();
    assert_eq!(
        ids(&migrator.upgrade(&mut conn, &tgt("head")).unwrap()),
        [more[3].clone()]
    );
    assert_eq!(diesel_versions(&mut conn), more);
}

fn diesel_sees_what_the_runner_applied<C: TestConn>(db: &TestDb) {
    // graph keys in metadata.toml, which diesel ignores
    let folder = Folder::new();
    folder
        .add_with_metadata(
            "2024-02-01-000000_base",
            "CREATE TABLE base (id INTEGER PRIMARY KEY);\n",
            "DROP TABLE base;\n",
            "revision = \"base01\"\nrun_in_transaction = true\n",
        )
        .add_with_metadata(
            "2024-02-02-000000_left",
            "CREATE TABLE lft (id INTEGER PRIMARY KEY);\n",
            "DROP TABLE lft;\n",
            "revision = \"left01\"\ndown_revision = \"base01\"\nrun_in_transaction = true\n",
        )
        .add_with_metadata(
            "2024-02-03-000000_right",
            "CREATE TABLE rgt (id INTEGER PRIMARY KEY);\n",
            "DROP TABLE rgt;\n",
            "revision = \"right01\"\ndown_revision = \"base01\"\nrun_in_transaction = true\n",
        );
    let migrator = folder.migrator();
    let mut conn: C = db.conn();
    assert_eq!(
        migrator.upgrade(&mut conn, &tgt("left01")).unwrap().len(),
        2
    );
    let source = || FileBasedMigrations::from_path(folder.path()).unwrap();
    assert!(conn.has_pending_migration(source()).unwrap());

    assert_eq!(migrator.upgrade(&mut conn, &tgt("heads")).unwrap().len(), 1);
    assert!(!conn.has_pending_migration(source()).unwrap());
    let mut applied: Vec<String> = conn
        .applied_migrations()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    applied.sort();
    assert_eq!(
        applied,
        ["20240201000000", "20240202000000", "20240203000000"]
    );
    assert!(conn.run_pending_migrations(source()).unwrap().is_empty());
}

fn diesel_runs_the_diesel_source<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    // several statements and a quoted semicolon in one revision
    folder.add(
        "2024-01-02-000000_notes",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(20));\n\
         INSERT INTO notes (id, body) VALUES (1, 'a;b');\n\
         INSERT INTO notes (id, body) VALUES (2, 'c');\n",
        "DROP TABLE notes;\n",
    );
    let migrator = folder.migrator();
    let mut conn: C = db.conn();
    let ran = conn
        .run_pending_migrations(DieselSource::new(migrator.graph(), C::BACKEND))
        .unwrap()
        .len();
    assert_eq!(ran, 4);
    assert_eq!(user_tables(&mut conn), ["notes", "t1", "t2", "t3"]);
    assert_eq!(
        conn.strings("SELECT body AS s FROM notes ORDER BY id"),
        ["a;b", "c"]
    );
    assert_eq!(diesel_versions(&mut conn)[..3], versions[..]);

    let status = migrator.status(&mut conn).unwrap();
    assert!(status.pending.is_empty(), "{status:?}");
    assert!(migrator
        .upgrade(&mut conn, &tgt("head"))
        .unwrap()
        .is_empty());
    assert_eq!(conn.bookkeeping_rows().len(), 4);

    // and the other way: diesel reverts what the runner knows
    conn.revert_last_migration(DieselSource::new(migrator.graph(), C::BACKEND))
        .unwrap();
    assert_eq!(user_tables(&mut conn), ["t1", "t2", "t3"]);
    assert_eq!(
        ids(&migrator.upgrade(&mut conn, &tgt("head")).unwrap()),
        ["20240102000000"]
    );
}
