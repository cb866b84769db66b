//! A revision whose down.sql runs nothing while its up.sql does: diesel_cli
//! refuses to revert it ("Attempted to run an empty migration"), and so does
//! `downgrade`, naming it, unless down.sql says `-- irreversible`; every
//! command that loads the folder warns about it, as about an empty up.sql.

use super::{Backend, Ctx};

const R1: &str = "0d1d1d1d1d1d";
const R2: &str = "0d2d2d2d2d2d";
const F2: &str = "2024-05-01-000002_second";

fn project(backend: Backend, down2: &str) -> Option<Ctx> {
    let ctx = Ctx::new(backend, "")?;
    ctx.revision(
        "2024-05-01-000001_first",
        &format!("revision = \"{R1}\"\n"),
        "CREATE TABLE e1 (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE e1;\n",
    );
    ctx.revision(
        F2,
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        "CREATE TABLE e2 (id INTEGER PRIMARY KEY);\n",
        down2,
    );
    Some(ctx)
}

/// Empty and comment-only down.sql: refused before any SQL runs, the
/// revision named; the tables and the bookkeeping stay; `check` warns.
fn empty_down_sql_is_refused(backend: Backend) {
    for down in ["", "-- This file should undo anything in `up.sql`\n\n"] {
        let Some(ctx) = project(backend, down) else {
            return;
        };
        ctx.run(&["upgrade"]).code(0);
        let out = ctx.run(&["downgrade", "base"]);
        out.code(2);
        assert!(
            out.stderr
                .contains(&format!("the down.sql of {F2} runs no SQL")),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("-- irreversible"), "{}", out.stderr);
        assert_eq!(ctx.db.user_tables(), ["e1", "e2"]);
        assert_eq!(ctx.run(&["current"]).stdout, format!("{R2} (head)\n"));
        // The next upgrade has nothing to do (the downgrade did not pretend).
        ctx.run(&["upgrade"]).code(0);
        let check = ctx.run(&["check"]);
        check.code(0);
        assert!(
            check.stderr.contains(&format!(
                "{F2}/down.sql: down.sql runs no SQL while up.sql does"
            )),
            "{}",
            check.stderr
        );
    }
}

on_backends!(empty_down_sql_is_refused);

/// `-- irreversible` in down.sql: the revision is reverted on purpose
/// without SQL, and nothing warns.
fn irreversible_down_sql_reverts_without_sql(backend: Backend) {
    let Some(ctx) = project(backend, "-- irreversible: the data cannot come back\n") else {
        return;
    };
    let up = ctx.run(&["upgrade"]);
    up.code(0);
    assert!(!up.stderr.contains("warning"), "{}", up.stderr);
    ctx.run(&["downgrade", "-1"]).code(0);
    assert_eq!(ctx.run(&["current"]).stdout, format!("{R1}\n"));
    assert_eq!(ctx.db.user_tables(), ["e1", "e2"]);
}

on_backends!(irreversible_down_sql_reverts_without_sql);
