//! `stamp`: bookkeeping without SQL.

use crate::support::{
    diesel_versions, graph_kind, ids, linear, tgt, user_tables, version, Folder, TestConn, TestDb,
};

on_every_backend!(stamp_records_and_forgets_without_running_sql);

fn stamp_records_and_forgets_without_running_sql<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    let migrator = folder.migrator();
    let mut conn: C = db.conn();

    let plans = migrator.stamp(&mut conn, &[tgt("head")], false).unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(ids(&plans[0].insert), versions);
    assert!(user_tables(&mut conn).is_empty(), "stamp ran SQL");
    assert_eq!(diesel_versions(&mut conn), versions);
    let rows = conn.bookkeeping_rows();
    assert_eq!(rows.len(), 3);
    for (row, m) in rows.iter().zip(migrator.graph().migrations()) {
        assert_eq!(row.checksum, m.checksum.as_str());
        assert_eq!(row.state, "applied");
    }
    assert!(migrator.status(&mut conn).unwrap().pending.is_empty());

    migrator.stamp(&mut conn, &[tgt("base")], false).unwrap();
    assert!(diesel_versions(&mut conn).is_empty());
    assert!(conn.bookkeeping_rows().is_empty());

    // stamped at 2: an upgrade runs only 3
    migrator
        .stamp(&mut conn, &[tgt(&version(2))], false)
        .unwrap();
    assert_eq!(diesel_versions(&mut conn), &versions[..2]);
    assert_eq!(
        ids(&migrator.upgrade(&mut conn, &tgt("head")).unwrap()),
        [version(3)]
    );
    assert_eq!(user_tables(&mut conn), ["t3"]);

    // a version no folder declares blocks everything but a purge
    conn.batch_execute(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000000')",
    )
    .unwrap();
    let error = migrator.upgrade(&mut conn, &tgt("head")).unwrap_err();
    assert_eq!(graph_kind(&error), "unknown_applied");
    let error = migrator
        .stamp(&mut conn, &[tgt("head")], false)
        .unwrap_err();
    assert_eq!(graph_kind(&error), "unknown_applied");
    assert_eq!(
        migrator.status(&mut conn).unwrap().unknown,
        ["20991231000000"]
    );
    migrator
        .stamp(&mut conn, &[tgt(&version(2))], true)
        .unwrap();
    assert_eq!(diesel_versions(&mut conn), &versions[..2]);
    assert_eq!(conn.bookkeeping_rows().len(), 2);
    let status = migrator.status(&mut conn).unwrap();
    assert!(status.unknown.is_empty());
    assert_eq!(status.pending, [version(3)]);
    assert_eq!(user_tables(&mut conn), ["t3"], "stamp ran SQL");
}
