//! A revision whose SQL fails. Where DDL is transactional (SQLite,
//! PostgreSQL) the default run is one transaction, so nothing of it stays,
//! and `transaction_per_migration = true` keeps the revisions before the
//! failing one. On MariaDB the DDL before the failure stays, the failure is
//! recorded and the next upgrade refuses until the revision is fixed or
//! stamped; so on PostgreSQL with `transactional_ddl = false` (how
//! CockroachDB and YugabyteDB run). Either way the error says where the
//! failing statement is.

use super::{lines, transactional_ddl, Backend, Ctx};

const R1: &str = "0e1e1e1e1e1e";
const R2: &str = "0e2e2e2e2e2e";
const R3: &str = "0e3e3e3e3e3e";
const F3: &str = "2024-04-01-000003_third";
const V1: &str = "20240401000001";
const V2: &str = "20240401000002";
const V3: &str = "20240401000003";

/// up.sql of the third revision: its second statement, at line 4, fails.
const BAD_UP: &str = "-- the third revision\n\
CREATE TABLE f3 (id INTEGER PRIMARY KEY);\n\
\n\
INSERT INTO missing_table (id)\n\
    VALUES (1);\n";

/// Three revisions, the third failing.
fn failing_project(backend: Backend, extra_ini: &str) -> Option<Ctx> {
    let ctx = Ctx::new(backend, extra_ini)?;
    ctx.revision(
        "2024-04-01-000001_first",
        &format!("revision = \"{R1}\"\n"),
        "CREATE TABLE f1 (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE f1;\n",
    );
    ctx.revision(
        "2024-04-01-000002_second",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        "CREATE TABLE f2 (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE f2;\n",
    );
    ctx.revision(
        F3,
        &format!("revision = \"{R3}\"\ndown_revision = \"{R2}\"\n"),
        BAD_UP,
        "DROP TABLE f3;\n",
    );
    Some(ctx)
}

fn fix(ctx: &Ctx, up: &str) {
    ctx.project.file(&format!("migrations/{F3}/up.sql"), up);
}

/// The error (after the progress lines) names the failing revision and no
/// other.
#[track_caller]
fn assert_names_the_revision(stderr: &str) {
    let error = stderr
        .find("error: ")
        .map(|at| &stderr[at..])
        .unwrap_or_else(|| panic!("no error in\n{stderr}"));
    for expected in [R3, F3, "failed"] {
        assert!(error.contains(expected), "{expected} in\n{stderr}");
    }
    assert!(!error.contains(R1) && !error.contains(R2), "{stderr}");
}

/// The default mode: one transaction for the run.
fn failure_rolls_back_the_run(backend: Backend) {
    failing_run(backend, "");
}

/// `transactional_ddl = false` on PostgreSQL: what MariaDB does.
fn failure_without_transactional_ddl(backend: Backend) {
    failing_run(backend, "transactional_ddl = false\n");
}

fn failing_run(backend: Backend, extra_ini: &str) {
    let Some(ctx) = failing_project(backend, extra_ini) else {
        return;
    };
    let out = ctx.run(&["upgrade"]);
    out.code(1);
    assert_names_the_revision(&out.stderr);
    if transactional_ddl(backend) && !extra_ini.contains("transactional_ddl = false") {
        assert!(
            ctx.db.user_tables().is_empty(),
            "{:?}",
            ctx.db.user_tables()
        );
        assert!(ctx.db.versions().is_empty());
        assert!(ctx.db.revision_rows().is_empty());
        assert_eq!(ctx.run(&["current"]).stdout, "");
        fix(&ctx, "CREATE TABLE f3 (id INTEGER PRIMARY KEY);\n");
        ctx.run(&["upgrade"]).code(0);
        assert_eq!(ctx.db.user_tables(), ["f1", "f2", "f3"]);
        ctx.run(&["check"]).code(0);
        return;
    }

    // MariaDB, or no transactional DDL: the DDL before the failure
    // stayed, and the failure is recorded.
    assert!(
        out.stderr
            .contains("statements before this one stay applied"),
        "{}",
        out.stderr
    );
    assert_eq!(ctx.db.user_tables(), ["f1", "f2", "f3"]);
    assert_eq!(ctx.db.versions(), [V1, V2]);
    assert_eq!(
        ctx.db.revision_rows(),
        [
            format!("{V1}|{R1}|applied"),
            format!("{V2}|{R2}|applied"),
            format!("{V3}|{R3}|failed"),
        ]
    );
    assert_eq!(ctx.run(&["current"]).stdout, format!("{R2}\n"));
    let out = ctx.run(&["check"]);
    out.code(3);
    assert!(
        out.stdout
            .contains(&format!("revision {R3} failed partway in an earlier run")),
        "{}",
        out.stdout
    );

    // The next upgrade refuses and says how to get out.
    let out = ctx.run(&["upgrade"]);
    out.code(1);
    for expected in [
        R3,
        "failed partway in an earlier run",
        &format!("cargo schema stamp {R2}"),
        &format!("cargo schema stamp {R3}"),
    ] {
        assert!(
            out.stderr.contains(expected),
            "{expected} in\n{}",
            out.stderr
        );
    }
    assert_eq!(ctx.db.user_tables(), ["f1", "f2", "f3"]);

    // A fixed up.sql (runnable on the database as it is) runs.
    fix(
        &ctx,
        "CREATE TABLE IF NOT EXISTS f3 (id INTEGER PRIMARY KEY);\n\nCREATE TABLE f4 (id INTEGER PRIMARY KEY);\n",
    );
    let out = ctx.run(&["upgrade"]);
    out.code(0);
    assert_eq!(
        lines(&out.stderr),
        [format!("Running upgrade {R2} -> {R3}, {F3}")]
    );
    assert_eq!(ctx.db.user_tables(), ["f1", "f2", "f3", "f4"]);
    assert_eq!(ctx.db.versions(), [V1, V2, V3]);
    assert!(ctx
        .db
        .revision_rows()
        .iter()
        .all(|r| r.ends_with("|applied")));
    ctx.run(&["check"]).code(0);
}

on_backends!(failure_rolls_back_the_run);
on_backends!(failure_without_transactional_ddl: postgres => Postgres);

/// `transaction_per_migration = true`: the revisions before the failing one
/// stay.
fn failure_per_migration_keeps_earlier(backend: Backend) {
    let Some(ctx) = failing_project(backend, "transaction_per_migration = true\n") else {
        return;
    };
    let out = ctx.run(&["upgrade"]);
    out.code(1);
    assert_names_the_revision(&out.stderr);
    assert_eq!(
        lines(&out.stderr)[..2],
        [
            format!("Running upgrade <base> -> {R1}, 2024-04-01-000001_first"),
            format!("Running upgrade {R1} -> {R2}, 2024-04-01-000002_second"),
        ]
    );
    let expected_tables: &[&str] = if transactional_ddl(backend) {
        &["f1", "f2"]
    } else {
        &["f1", "f2", "f3"]
    };
    assert_eq!(ctx.db.user_tables(), expected_tables);
    assert_eq!(ctx.db.versions(), [V1, V2]);
    assert_eq!(ctx.run(&["current"]).stdout, format!("{R2}\n"));
    fix(
        &ctx,
        "CREATE TABLE IF NOT EXISTS f3 (id INTEGER PRIMARY KEY);\n",
    );
    ctx.run(&["upgrade"]).code(0);
    assert_eq!(ctx.db.user_tables(), ["f1", "f2", "f3"]);
    assert_eq!(ctx.db.versions(), [V1, V2, V3]);
    ctx.run(&["check"]).code(0);
}

on_backends!(failure_per_migration_keeps_earlier);

/// A failing statement is reported where it is: the revision, the path of
/// its up.sql with the statement's line, the statement, and what the
/// database said.
fn failure_names_the_statement(backend: Backend) {
    let Some(ctx) = failing_project(backend, "") else {
        return;
    };
    let out = ctx.run(&["upgrade"]);
    out.code(1);
    let location = format!("{F3}/up.sql:4\n");
    for expected in [
        R3,
        location.as_str(),
        "statement: INSERT INTO missing_table (id) VALUES (1)\n",
    ] {
        assert!(
            out.stderr.contains(expected),
            "{expected:?} in\n{}",
            out.stderr
        );
    }
    let said = out
        .stderr
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("database said: "))
        .unwrap_or_else(|| panic!("no `database said:` in\n{}", out.stderr));
    assert!(said.contains("missing_table"), "{said}");
}

on_backends!(failure_names_the_statement);
