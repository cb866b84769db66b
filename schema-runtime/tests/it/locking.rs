//! One runner at a time per database: many at once apply each revision once.

use std::sync::Barrier;
use std::time::Duration;

use schema_runtime::RunOptions;

use crate::support::{diesel_versions, tgt, user_tables, Folder, TestConn, TestDb};

on_every_backend!(concurrent_upgrades_apply_each_revision_once);

const REVISIONS: usize = 20;
const RUNNERS: usize = 8;

fn concurrent_upgrades_apply_each_revision_once<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    folder.add(
        "2024-03-01-000001_runs",
        "CREATE TABLE runs (n INTEGER NOT NULL);\nINSERT INTO runs (n) VALUES (1);\n",
        "DROP TABLE runs;\n",
    );
    for i in 2..=REVISIONS {
        folder.add(
            &format!("2024-03-01-{i:06}_c{i}"),
            &format!(
                "CREATE TABLE c{i} (id INTEGER PRIMARY KEY);\nINSERT INTO runs (n) VALUES ({i});\n"
            ),
            &format!("DROP TABLE c{i};\n"),
        );
    }
    let migrator = folder.migrator().with_options(RunOptions {
        // SQLite waits for the write lock through busy_timeout
        lock_timeout: Duration::from_secs(60),
        ..RunOptions::default()
    });
    let barrier = Barrier::new(RUNNERS);
    let results: Vec<Result<usize, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..RUNNERS)
            .map(|_| {
                s.spawn(|| {
                    let mut conn: C = db.conn();
                    barrier.wait();
                    migrator
                        .upgrade(&mut conn, &tgt("head"))
                        .map(|steps| steps.len())
                        .map_err(|e| e.to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ran: usize = results
        .iter()
        .map(|r| {
            *r.as_ref()
                .unwrap_or_else(|e| panic!("a runner failed: {e}"))
        })
        .sum();
    assert_eq!(ran, REVISIONS, "steps run across all runners: {results:?}");

    let mut conn: C = db.conn();
    assert_eq!(
        conn.number("SELECT COUNT(*) AS n FROM runs"),
        REVISIONS as i64
    );
    assert_eq!(
        conn.number("SELECT COUNT(DISTINCT n) AS n FROM runs"),
        REVISIONS as i64
    );
    assert_eq!(diesel_versions(&mut conn).len(), REVISIONS);
    assert_eq!(conn.bookkeeping_rows().len(), REVISIONS);
    assert_eq!(user_tables(&mut conn).len(), REVISIONS);
}
