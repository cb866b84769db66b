//! `lock = table` when its holder dies: an `upgrade` killed with SIGKILL in
//! the middle of a revision leaves its lease row behind; another runner is
//! refused until the lease expires (`lock_lease`, ten seconds here:
//! long enough that the refusal is never late on a loaded machine), then
//! takes it over and finishes the run, and no revision runs twice.

use std::io::{BufRead, BufReader};

use super::{Backend, Ctx};
use crate::support::Piped;

const INI: &str = "lock = table\nlock_lease = 10\ntransaction_per_migration = true\n";

fn killed_holder_is_taken_over(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, INI) else {
        return;
    };
    // The second revision sleeps long enough to be killed in (the test
    // waits until the server shows it sleeping); each logs itself, so a
    // revision run twice leaves two rows.
    let sleep = match backend {
        Backend::Postgres => "SELECT pg_sleep(10);",
        _ => "DO SLEEP(10);",
    };
    for (i, first) in ["CREATE TABLE run_log (rev INTEGER NOT NULL);", sleep, ""]
        .iter()
        .enumerate()
    {
        ctx.revision(
            &format!("2024-08-01-{i:06}_r{i}"),
            "",
            &format!("{first}\nINSERT INTO run_log (rev) VALUES ({i});\n"),
            "SELECT 1;\n",
        );
    }

    let mut holder = ctx.cmd(&["upgrade"]).spawn(Piped::Stderr);
    let stderr = holder.stderr.take().expect("piped stderr");
    let mut reported = BufReader::new(stderr).lines();
    // Killed in the sleeping revision: the first is reported (once it
    // ran, just before its commit), its commit seen from here, and the
    // second's sleep seen on the server.
    match reported.next() {
        Some(Ok(line)) if line.contains("_r0") => {}
        other => panic!("expected the first revision's line, got {other:?}"),
    }
    let sleeping = match backend {
        Backend::Postgres => format!(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '{}' AND query LIKE 'SELECT pg_sleep(10)%'",
            ctx.db.name()
        ),
        _ => format!(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '{}' AND INFO LIKE 'DO SLEEP(10)%'",
            ctx.db.name()
        ),
    };
    schema_test_support::wait_until(
        "the holder to sleep in the second revision",
        schema_test_support::GENEROUS,
        || ctx.db.query(&sleeping) == ["1"],
    );
    assert_eq!(ctx.db.query("SELECT rev FROM run_log"), ["0"]);
    holder.kill().expect("SIGKILL the holder");
    holder.wait().expect("reap the holder");
    assert_eq!(
        ctx.db.query("SELECT COUNT(*) FROM __schema_lock"),
        ["1"],
        "the killed holder's lease row stays"
    );

    // Within the lease, another runner is refused.
    let refused = ctx.run(&["-x", "lock_timeout=0", "upgrade"]);
    refused.code(1);
    assert!(
        refused
            .stderr
            .contains("another migration runner holds the lock"),
        "{}",
        refused.stderr
    );

    // Once it expires, the next runner takes it over and finishes.
    let out = ctx.run(&["upgrade"]);
    out.code(0);
    let ran: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("Running upgrade"))
        .collect();
    assert_eq!(ran.len(), 2, "{}", out.stderr);
    assert!(ran[0].contains("_r1") && ran[1].contains("_r2"), "{ran:?}");
    ctx.db.wait_for_other_sessions();
    assert_eq!(
        ctx.db.query("SELECT rev FROM run_log ORDER BY rev"),
        ["0", "1", "2"],
        "each revision ran once"
    );
    assert_eq!(ctx.db.versions().len(), 3);
    assert_eq!(ctx.db.query("SELECT COUNT(*) FROM __schema_lock"), ["0"]);
    ctx.run(&["check"]).code(0);
}

on_backends!(killed_holder_is_taken_over: postgres => Postgres, mysql => Mysql);
