//! A runner that lost its lock never commits (DESIGN.md §8): `lock = table`
//! with a holder frozen by SIGSTOP (a VM pause, a long GC pause in an app,
//! a laptop lid) past its lease, while a second runner takes the lease over
//! and runs the same revisions; and the default advisory lock with the
//! holder's session ended by the server. Each ends at a revision boundary:
//! every revision recorded once, its side effect once, and the next run (or
//! the runner that took over) completes.

use std::process::{Child, Command, Output};

use super::{Backend, Ctx};
use crate::support::Piped;

/// Wait for `done`: observable state on the server, never a clock.
#[track_caller]
fn wait_for(what: &str, done: impl FnMut() -> bool) {
    schema_test_support::wait_until(what, schema_test_support::GENEROUS, done);
}

fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {signal} {}", child.id());
}

fn finish(child: Child) -> (Option<i32>, String) {
    let Output { status, stderr, .. } = child.wait_with_output().expect("wait for the runner");
    (status.code(), String::from_utf8_lossy(&stderr).into_owned())
}

/// Six revisions; each creates a table, pauses in a statement a test can
/// find in the server's session list (`in_rN`), and logs itself, so a
/// revision committed twice leaves two log rows (or fails on its table).
/// The pause comes after the table on PostgreSQL (the holder's uncommitted
/// table is what the second runner waits on) and before it on MariaDB
/// (where DDL commits at once, so the holder is frozen before its DDL).
fn six_revisions(ctx: &Ctx, backend: Backend) {
    for i in 0..6 {
        let pause = match backend {
            Backend::Postgres => format!("SELECT pg_sleep(1), 'in_r{i}';"),
            _ => format!("DO SLEEP(1), 'in_r{i}';"),
        };
        let table = format!("CREATE TABLE t{i} (id INTEGER);");
        let log = if i == 0 {
            "CREATE TABLE run_log (rev INTEGER NOT NULL);\nINSERT INTO run_log (rev) VALUES (0);"
                .to_owned()
        } else {
            format!("INSERT INTO run_log (rev) VALUES ({i});")
        };
        let up = match backend {
            Backend::Postgres => format!("{table}\n{pause}\n{log}\n"),
            _ => format!("{pause}\n{table}\n{log}\n"),
        };
        ctx.revision(
            &format!("2024-09-01-{i:06}_r{i}"),
            "",
            &up,
            &format!("DROP TABLE t{i};\n"),
        );
    }
}

/// The session list shows a runner inside revision `i`'s pause.
fn in_pause(ctx: &Ctx, backend: Backend, i: usize) -> bool {
    let sql = match backend {
        Backend::Postgres => format!(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%in\\_r{i}%' \
             AND state = 'active' AND pid <> pg_backend_pid() \
             AND datname = current_database()"
        ),
        _ => format!(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
             WHERE INFO LIKE '%in\\_r{i}%' AND ID <> CONNECTION_ID() AND DB = DATABASE()"
        ),
    };
    ctx.db.query(&sql) != ["0"]
}

fn frozen_holder_never_commits(backend: Backend) {
    let Some(ctx) = Ctx::new(
        backend,
        "lock = table\nlock_lease = 2\ntransaction_per_migration = true\n",
    ) else {
        return;
    };
    six_revisions(&ctx, backend);

    let holder = ctx.cmd(&["upgrade"]).spawn(Piped::Stderr);
    wait_for("the holder inside its second revision", || {
        in_pause(&ctx, backend, 1)
    });
    signal(&holder, "-STOP");

    // The second runner waits out the frozen holder's lease, takes it over
    // and runs the rest, the second revision included.
    let taker = ctx
        .cmd(&["-x", "lock_timeout=60", "upgrade"])
        .spawn(Piped::Stderr);
    let owner_sql = "SELECT owner FROM __schema_lock";
    let taker_pid = format!(":{}:", taker.id());
    wait_for("the second runner to take the lease over", || {
        ctx.db
            .query(owner_sql)
            .iter()
            .any(|owner| owner.contains(&taker_pid))
    });
    // The frozen holder sat inside its revision's transaction, holding its
    // uncommitted table (PostgreSQL) or its transaction (MariaDB): the
    // server ends that session once it has been idle there for a lease, so
    // the second runner finishes while the holder is still frozen.
    let mut taker = taker;
    let ended = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for(
            "the second runner to finish while the holder is frozen",
            || taker.try_wait().expect("poll the second runner").is_some(),
        );
    }));
    if let Err(panic) = ended {
        let _ = taker.kill();
        signal(&holder, "-CONT");
        std::panic::resume_unwind(panic);
    }
    let (taker_code, taker_err) = finish(taker);
    signal(&holder, "-CONT");
    let (holder_code, holder_err) = finish(holder);
    assert_eq!(
        holder_code,
        Some(1),
        "the holder that lost its lease fails\n{holder_err}"
    );
    assert!(
        holder_err.contains("the migration lock's lease was lost")
            && holder_err.contains("another runner took it over"),
        "{holder_err}"
    );
    assert_eq!(
        taker_code,
        Some(0),
        "the runner that took over is not hurt by the one it replaced\n{taker_err}"
    );
    ctx.db.wait_for_other_sessions();
    assert_eq!(
        ctx.db.query("SELECT rev FROM run_log ORDER BY rev"),
        ["0", "1", "2", "3", "4", "5"],
        "each revision's work committed once\nholder: {holder_err}\ntaker: {taker_err}"
    );
    assert_eq!(ctx.db.versions().len(), 6);
    assert_eq!(ctx.db.query("SELECT COUNT(*) FROM __schema_lock"), ["0"]);
    ctx.run(&["check", "--no-drift"]).code(0);
}

on_backends!(frozen_holder_never_commits: postgres => Postgres, mysql => Mysql);

/// The default lock, with the holder's session ended by the server in the
/// middle of a revision: the runner fails and says so, nothing of the
/// revision stays, and the next run completes with nothing run twice.
fn killed_session_leaves_a_boundary(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    six_revisions(&ctx, backend);
    let holder = ctx.cmd(&["upgrade"]).spawn(Piped::Stderr);
    wait_for("the runner inside its third revision", || {
        in_pause(&ctx, backend, 2)
    });
    let kill = match backend {
        Backend::Postgres => "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE query LIKE '%in\\_r2%' AND state = 'active' AND pid <> pg_backend_pid() \
             AND datname = current_database()"
            .to_owned(),
        _ => {
            let ids = ctx.db.query(
                "SELECT ID FROM information_schema.PROCESSLIST \
                 WHERE INFO LIKE '%in\\_r2%' AND ID <> CONNECTION_ID() AND DB = DATABASE()",
            );
            assert_eq!(ids.len(), 1, "{ids:?}");
            format!("KILL CONNECTION {}", ids[0])
        }
    };
    ctx.db.exec(&kill);
    let (code, stderr) = finish(holder);
    assert_eq!(code, Some(1), "{stderr}");
    let said = stderr.to_lowercase();
    assert!(
        said.contains("terminat") || said.contains("connection") || said.contains("server"),
        "the error says the session ended: {stderr}"
    );
    ctx.db.wait_for_other_sessions();
    let recorded = ctx.db.versions().len();
    if backend == Backend::Postgres {
        // One transaction for the run: nothing of it stays.
        assert_eq!(recorded, 0);
    } else {
        // One transaction per revision; the third was killed before its DDL.
        assert_eq!(recorded, 2);
        assert_eq!(ctx.db.query("SELECT COUNT(*) FROM run_log"), ["2"]);
    }
    let again = ctx.run(&["upgrade"]);
    again.code(0);
    assert_eq!(
        ctx.db.query("SELECT rev FROM run_log ORDER BY rev"),
        ["0", "1", "2", "3", "4", "5"],
        "{}",
        again.stderr
    );
    assert_eq!(ctx.db.versions().len(), 6);
    ctx.run(&["check", "--no-drift"]).code(0);
}

on_backends!(killed_session_leaves_a_boundary: postgres => Postgres, mysql => Mysql);
