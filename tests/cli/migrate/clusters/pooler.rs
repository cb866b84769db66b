//! PgBouncer (Debian's 1.18: no prepared statements in transaction mode) in
//! front of the shared PostgreSQL, in transaction and in session mode.
//! Twelve runners start at once through it and every command works through
//! it. Exclusion is proven by a side effect no rollback hides: each
//! revision bumps a sequence of its own, so a revision attempted twice
//! (even by a runner that then rolled back) leaves a 2.
//!
//! In transaction mode the pool hands out its server sessions round robin
//! (`server_round_robin = 1`): a statement prepared in one transaction and
//! used in the next, or a lock held by a session between transactions,
//! then fails at once rather than when the pool happens to be busy.

use std::sync::{Arc, Barrier};
use std::time::Instant;

use schema_test_support::pooler::Pgbouncer;

use crate::migrate::{Backend, Ctx};
use crate::support::Invocation;

const REVISIONS: usize = 12;
const RUNNERS: usize = 12;

/// Twelve runners at once through PgBouncer in `mode`, with `extra` in the
/// main section, then every command through it.
fn through_pgbouncer(mode: &str, extra: &str) {
    let Some(ctx) = Ctx::new(Backend::Postgres, extra) else {
        return;
    };
    let Some(bouncer) = Pgbouncer::start(mode) else {
        return;
    };
    let url = bouncer.url(ctx.db.name());
    let cmd = |args: &[&str]| -> Invocation {
        let mut all = vec!["-c", "schema.ini"];
        all.extend_from_slice(args);
        ctx.project.cmd(all).env("DATABASE_URL", &url)
    };
    let sequences: Vec<String> = (0..REVISIONS)
        .map(|i| format!("CREATE SEQUENCE attempts_{i:03};"))
        .collect();
    ctx.db.exec(&sequences.join("\n"));
    for i in 0..REVISIONS {
        ctx.revision(
            &format!("2024-07-01-{i:06}_p{i:03}"),
            "",
            &format!(
                "SELECT nextval('attempts_{i:03}');\n\
                 CREATE TABLE p{i:03} (id INTEGER PRIMARY KEY);\n"
            ),
            &format!("DROP TABLE p{i:03};\n"),
        );
    }

    let start = Arc::new(Barrier::new(RUNNERS));
    let began = Instant::now();
    let runs: Vec<_> = (0..RUNNERS)
        .map(|_| {
            let invocation = cmd(&["upgrade"]);
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
    let wall = began.elapsed();
    let succeeded = outcomes.iter().filter(|o| o.code == Some(0)).count();
    let attempts: Vec<String> = (0..REVISIONS)
        .map(|i| {
            ctx.db
                .query(&format!(
                    "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM attempts_{i:03}"
                ))
                .concat()
        })
        .collect();
    eprintln!(
        "pgbouncer {mode} {extra:?}: {RUNNERS} runners, {succeeded} exited 0, \
         attempts per revision {attempts:?}, {:.1} s",
        wall.as_secs_f64()
    );
    for out in &outcomes {
        out.code(0);
    }
    assert_eq!(
        attempts,
        vec!["1"; REVISIONS],
        "each revision attempted once"
    );
    assert_eq!(
        ctx.db.query(
            "SELECT COUNT(*), COUNT(DISTINCT version) FROM __schema_revisions \
             WHERE state = 'applied'"
        ),
        [format!("{REVISIONS}|{REVISIONS}")]
    );

    // Every other command, through the same pooler.
    let head = "20240701000011";
    let current = cmd(&["current"]).run();
    current.code(0);
    assert_eq!(current.stdout.trim(), format!("{head} (head)"));
    cmd(&["check"]).run().code(0);
    let history = cmd(&["history"]).run();
    history.code(0);
    assert_eq!(history.stdout.lines().count(), REVISIONS);
    cmd(&["downgrade", "-1"]).run().code(0);
    assert_eq!(cmd(&["current"]).run().stdout.trim(), "20240701000010");
    cmd(&["stamp", "head"]).run().code(0);
    assert_eq!(
        cmd(&["current"]).run().stdout.trim(),
        format!("{head} (head)")
    );
    cmd(&["stamp", "20240701000010"]).run().code(0);
    cmd(&["upgrade"]).run().code(0);
    assert_eq!(ctx.db.query("SELECT last_value FROM attempts_011"), ["2"]);
    let offline = cmd(&["upgrade", "--sql", "base:head"]).run();
    offline.code(0);
    assert!(
        offline.stdout.contains("CREATE TABLE p011"),
        "{}",
        offline.stdout
    );
    drop(bouncer);
}

#[test]
fn transaction_mode() {
    through_pgbouncer("transaction", "");
}

#[test]
fn transaction_mode_per_migration() {
    through_pgbouncer("transaction", "transaction_per_migration = true\n");
}

#[test]
fn transaction_mode_lock_table() {
    through_pgbouncer("transaction", "lock = table\n");
}

/// In session mode each runner keeps its server sessions until it ends:
/// with three for twelve runners, the lock's own connection would wait for
/// a session that runners waiting for the lock hold. `lock = advisory`
/// takes the lock on the runner's one connection.
#[test]
fn session_mode() {
    through_pgbouncer("session", "lock = advisory\n");
}
