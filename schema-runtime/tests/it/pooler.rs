//! The runtime, as `embed!()`'s runner uses it, through PgBouncer in
//! transaction mode (issue 32): six Migrators at once, each on a connection
//! of its own with its lock connection from the settings, apply every
//! revision exactly once (a sequence per revision counts the attempts,
//! which no rollback undoes); status and a downgrade work through it too.

use std::sync::{Arc, Barrier};

use diesel::connection::SimpleConnection;
use schema_runtime::{connect, Config, EngineSettings, PgConnection};
use schema_test_support::pooler::Pgbouncer;

use crate::support::{tgt, Folder, TestConn};

const REVISIONS: usize = 6;
const RUNNERS: usize = 6;

fn settings(url: &str) -> EngineSettings {
    let dir = tempfile::tempdir().unwrap();
    let mut config =
        Config::from_str_at(dir.path().join("schema.ini"), "[schema]\n", None).unwrap();
    config.set_main_option("diesel.url", url);
    schema_runtime::engine_settings(&config).unwrap()
}

#[test]
fn migrators_at_once_through_pgbouncer_in_transaction_mode() {
    let Some(db) = PgConnection::test_db() else {
        return;
    };
    let Some(bouncer) = Pgbouncer::start("transaction") else {
        return;
    };
    let mut direct: PgConnection = db.conn();
    let folder = Folder::new();
    for i in 0..REVISIONS {
        direct
            .batch_execute(&format!("CREATE SEQUENCE attempts_{i}"))
            .unwrap();
        folder.add(
            &format!("2024-01-01-{i:06}_p{i}"),
            &format!(
                "SELECT nextval('attempts_{i}');\nCREATE TABLE p{i} (id INTEGER PRIMARY KEY);\n"
            ),
            &format!("DROP TABLE p{i};\n"),
        );
    }
    let settings = Arc::new(settings(&bouncer.url(db.name())));
    let start = Arc::new(Barrier::new(RUNNERS));
    let runners: Vec<_> = (0..RUNNERS)
        .map(|_| {
            let settings = Arc::clone(&settings);
            let start = Arc::clone(&start);
            let migrator = folder
                .migrator()
                .with_lock_connection(Some((*settings).clone()));
            std::thread::spawn(move || {
                let mut conn: PgConnection = connect::establish(&settings).unwrap();
                start.wait();
                migrator.upgrade(&mut conn, &tgt("head")).map(|s| s.len())
            })
        })
        .collect();
    let applied: usize = runners
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .sum();
    assert_eq!(applied, REVISIONS);
    for i in 0..REVISIONS {
        assert_eq!(
            direct.number(&format!("SELECT last_value AS n FROM attempts_{i}")),
            1,
            "revision {i} attempted once"
        );
    }

    let migrator = folder
        .migrator()
        .with_lock_connection(Some((*settings).clone()));
    let mut conn: PgConnection = connect::establish(&settings).unwrap();
    let status = migrator.status(&mut conn).unwrap();
    assert!(status.pending.is_empty(), "{status:?}");
    assert_eq!(migrator.downgrade(&mut conn, &tgt("-1")).unwrap().len(), 1);
    assert_eq!(migrator.upgrade(&mut conn, &tgt("head")).unwrap().len(), 1);
    drop(bouncer);
}
