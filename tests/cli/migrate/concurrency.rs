//! Many replicas starting at once: eight `upgrade` processes on one
//! database (sixteen with `lock = table`, the lease row of engines without
//! advisory locks) all succeed and every revision runs exactly once.

use std::sync::{Arc, Barrier};

use super::{Backend, Ctx};

const REVISIONS: usize = 30;
const PROCESSES: usize = 8;

fn concurrent(backend: Backend, extra_ini: &str) {
    concurrent_processes(backend, extra_ini, PROCESSES);
}

fn concurrent_processes(backend: Backend, extra_ini: &str, processes: usize) {
    let Some(ctx) = Ctx::new(backend, extra_ini) else {
        return;
    };
    // Each revision creates a table and logs itself: a revision run twice
    // would fail on its CREATE TABLE or leave two log rows.
    for i in 0..REVISIONS {
        let log = if i == 0 {
            "CREATE TABLE run_log (rev INTEGER NOT NULL);\n"
        } else {
            ""
        };
        ctx.revision(
            &format!("2024-07-01-{i:06}_c{i:03}"),
            "",
            &format!(
                "{log}CREATE TABLE c{i:03} (id INTEGER PRIMARY KEY);\nINSERT INTO run_log (rev) VALUES ({i});\n"
            ),
            &format!("DROP TABLE c{i:03};\n"),
        );
    }

    let start = Arc::new(Barrier::new(processes));
    let runs: Vec<_> = (0..processes)
        .map(|_| {
            let invocation = ctx.cmd(&["upgrade"]);
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                invocation.run()
            })
        })
        .collect();
    let outcomes: Vec<_> = runs
        .into_iter()
        .map(|t| t.join().expect("a runner thread"))
        .collect();
    let mut ran = 0;
    for out in &outcomes {
        out.code(0);
        ran += out
            .stderr
            .lines()
            .filter(|l| l.starts_with("Running upgrade"))
            .count();
    }
    assert_eq!(ran, REVISIONS, "each revision reported once in all");

    let count = |sql: &str| ctx.db.query(sql);
    assert_eq!(
        count("SELECT COUNT(*), COUNT(DISTINCT rev) FROM run_log"),
        [format!("{REVISIONS}|{REVISIONS}")]
    );
    assert_eq!(
        count("SELECT COUNT(*), COUNT(DISTINCT version) FROM __diesel_schema_migrations"),
        [format!("{REVISIONS}|{REVISIONS}")]
    );
    assert_eq!(
        count(
            "SELECT COUNT(*), COUNT(DISTINCT version) FROM __schema_revisions WHERE state = 'applied'"
        ),
        [format!("{REVISIONS}|{REVISIONS}")]
    );
    let mut expected: Vec<String> = (0..REVISIONS).map(|i| format!("c{i:03}")).collect();
    expected.push("run_log".to_owned());
    assert_eq!(ctx.db.user_tables(), expected);
    ctx.run(&["check"]).code(0);
    if extra_ini.contains("lock = table") {
        assert_eq!(count("SELECT COUNT(*) FROM __schema_lock"), ["0"]);
        let schema = ctx.run(&["inspect", "--format", "json"]);
        schema.code(0);
        assert!(
            !schema.stdout.contains("__schema_lock"),
            "{}",
            schema.stdout
        );
        assert!(schema.stdout.contains("run_log"), "{}", schema.stdout);
    }
}

fn concurrent_upgrades(backend: Backend) {
    concurrent(backend, "");
}

fn concurrent_upgrades_per_migration(backend: Backend) {
    concurrent(backend, "transaction_per_migration = true\n");
}

on_backends!(concurrent_upgrades);
on_backends!(concurrent_upgrades_per_migration);

/// `lock = table`: sixteen processes take turns through the lease row,
/// which is gone once they are done and is no part of the schema.
fn concurrent_upgrades_lock_table(backend: Backend) {
    concurrent_processes(backend, "lock = table\n", 16);
}

on_backends!(concurrent_upgrades_lock_table: postgres => Postgres, mysql => Mysql);
