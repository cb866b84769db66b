//! The revisions' own lock wait (`statement_lock_timeout`), a revision's
//! own in its metadata.toml, and `lock_timeout_retries`, as `upgrade` and
//! `upgrade --sql` show them. The lock is held by a real `psql` session in
//! an open transaction.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use super::{Backend, Ctx};

const F1: &str = "2024-06-01-000001_busy";
const F2: &str = "2024-06-01-000002_widen";

fn project(backend: Backend, metadata2: &str) -> Option<Ctx> {
    let ctx = Ctx::new(
        backend,
        "statement_lock_timeout = 0.2\nlock_timeout_retries = 2\ntransaction_per_migration = true\n",
    )?;
    ctx.revision(
        F1,
        "",
        "CREATE TABLE busy (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE busy;\n",
    );
    ctx.revision(
        F2,
        metadata2,
        "ALTER TABLE busy ADD COLUMN c2 INTEGER;\n",
        "ALTER TABLE busy DROP COLUMN c2;\n",
    );
    Some(ctx)
}

/// The script writes each revision's lock wait around its statements, the
/// revision's own where its metadata.toml sets one, and restores it.
fn the_script_sets_and_restores_the_lock_wait(backend: Backend) {
    let Some(ctx) = project(backend, "statement_lock_timeout = 5\n") else {
        return;
    };
    let out = ctx.run(&["upgrade", "--sql"]);
    out.code(0);
    let expected: &[&str] = match backend {
        Backend::Postgres => &[
            "SELECT set_config('lock_timeout', '200ms', false);",
            "SELECT set_config('lock_timeout', '5000ms', false);",
            "SELECT set_config('lock_timeout', current_setting('cargo_schema.lock_timeout'), false);",
        ],
        Backend::Mysql => &[
            "SET SESSION lock_wait_timeout = 1;",
            "SET SESSION innodb_lock_wait_timeout = 5;",
            "SET SESSION lock_wait_timeout = @cargo_schema_lock_wait_timeout;",
        ],
        Backend::Sqlite => &["PRAGMA busy_timeout = 200;", "PRAGMA busy_timeout = 5000;"],
    };
    for line in expected {
        assert!(out.stdout.contains(line), "{line} not in\n{}", out.stdout);
    }
    // `upgrade --help` tells the three timeouts apart.
    let help = ctx.run(&["upgrade", "--help"]);
    help.code(0);
    assert!(
        help.stdout.contains("lock_timeout            how long this runner waits for another runner's migration lock"),
        "{}",
        help.stdout
    );
    assert!(
        help.stdout
            .contains("statement_lock_timeout  how long one statement of a revision waits"),
        "{}",
        help.stdout
    );
}

/// A bad value in a revision's metadata.toml names the file, line and key.
fn a_bad_revision_timeout_names_its_file_and_key(backend: Backend) {
    let Some(ctx) = project(backend, "statement_lock_timeout = \"soon\"\n") else {
        return;
    };
    let out = ctx.run(&["upgrade", "--sql"]);
    out.code(2);
    assert!(
        out.stderr.contains(&format!(
            "{F2}/metadata.toml:1: `statement_lock_timeout` must be a number of seconds above 0, found string"
        )),
        "{}",
        out.stderr
    );
}

/// A lock that is never released: each retry is said, the run fails after
/// the last, and the revision left nothing behind; once the lock goes, the
/// next run applies it.
fn a_held_lock_is_retried_then_reported(backend: Backend) {
    let Some(ctx) = project(backend, "") else {
        return;
    };
    ctx.run(&["upgrade", "+1"]).code(0);
    let mut holder = Command::new("psql")
        .args(["-X", "-q", "-t", "-A", ctx.db.url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("psql");
    let mut stdin = holder.stdin.take().expect("stdin");
    writeln!(
        stdin,
        "BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE; SELECT 'held';"
    )
    .expect("write to psql");
    // psql answers only once the lock is taken.
    let mut line = String::new();
    BufReader::new(holder.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read from psql");
    assert_eq!(line.trim(), "held");

    let out = ctx.run(&["upgrade"]);
    out.code(1);
    for attempt in ["1/2", "2/2"] {
        let said = format!("retrying revision {F2} after lock timeout ({attempt})");
        assert!(out.stderr.contains(&said), "{said} not in\n{}", out.stderr);
    }
    assert!(
        out.stderr
            .contains("it failed on a lock timeout again after 2 retries"),
        "{}",
        out.stderr
    );
    let columns = "SELECT column_name FROM information_schema.columns \
                   WHERE table_name = 'busy' AND table_schema = current_schema() ORDER BY 1";
    assert_eq!(ctx.db.query(columns), ["id"]);

    drop(stdin);
    holder.wait().expect("psql ends");
    ctx.run(&["upgrade"]).code(0);
    assert_eq!(ctx.db.query(columns), ["c2", "id"]);
}

on_backends!(the_script_sets_and_restores_the_lock_wait);
on_backends!(a_bad_revision_timeout_names_its_file_and_key);
on_backends!(a_held_lock_is_retried_then_reported: postgres => Postgres);
