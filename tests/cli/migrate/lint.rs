//! `lint`: the pending revisions (or a range, or those after `--since`)
//! linted against the schema their earlier revisions build in a scratch
//! database; findings with revision, file and line; exit 3 on an error;
//! `check` fails on them; silencing by comment, metadata.toml and
//! `[lint]`. The server-side proof of each claim is schema-runtime's
//! `lint_claims` test.

use serde_json::Value;

use super::{Backend, Ctx};

const R1: &str = "a1a1a1a1a1a1";
const R2: &str = "b2b2b2b2b2b2";

/// `(code, revision, line)` of each finding of a `--format json` run.
fn findings(report: &Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {report:#}"))
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_owned(),
                f["revision"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

fn found(code: &str, revision: &str, line: u64) -> (String, String, u64) {
    (code.to_owned(), revision.to_owned(), line)
}

/// R1 creates users (with an index: fine, the table is new) and posts;
/// R2 changes users in ways each backend's rules catch.
fn project(backend: Backend) -> Option<Ctx> {
    let ctx = Ctx::new(backend, "")?;
    ctx.revision(
        "2024-07-01-000001_users",
        &format!("revision = \"{R1}\"\n"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50), email VARCHAR(100), score INTEGER);\n\
         CREATE INDEX users_name ON users (name);\n",
        "DROP TABLE users;\n",
    );
    let specific = match backend {
        Backend::Postgres => "CREATE INDEX users_email ON users (email);\n",
        Backend::Mysql => "ALTER TABLE users MODIFY COLUMN score BIGINT;\n",
        Backend::Sqlite => "ALTER TABLE users ADD COLUMN code TEXT UNIQUE;\n",
    };
    ctx.revision(
        "2024-07-01-000002_change",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        &format!(
            "ALTER TABLE users DROP COLUMN email;\n\
             ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;\n{specific}"
        ),
        "SELECT 1;\n",
    );
    Some(ctx)
}

fn pending_revisions(backend: Backend) {
    let Some(ctx) = project(backend) else { return };
    ctx.run(&["upgrade", R1]).code(0);
    let out = ctx.run(&["lint", "--format", "json"]);
    out.code(3);
    let report = out.json();
    let specific = match backend {
        Backend::Postgres => "require-concurrent-index-creation",
        Backend::Mysql => "mysql-copy-algorithm",
        Backend::Sqlite => "sqlite-alter-unsupported",
    };
    // Without statement_lock_timeout / statement_timeout, the first
    // statement that locks an existing table is said to wait unbounded
    // (SQLite: nothing waits on a server; MySQL: no DDL statement timeout).
    let timeouts: &[&str] = match backend {
        Backend::Postgres => &["require-lock-timeout", "require-statement-timeout"],
        Backend::Mysql => &["require-lock-timeout"],
        Backend::Sqlite => &[],
    };
    let mut expected = vec![found("ban-drop-column", R2, 1)];
    expected.extend(timeouts.iter().map(|c| found(c, R2, 1)));
    expected.extend([
        found("adding-not-nullable-field", R2, 2),
        found(specific, R2, 3),
    ]);
    assert_eq!(findings(&report), expected);
    assert_eq!(report["revisions"], serde_json::json!([R2]));
    assert_eq!(
        report["findings"][0]["file"],
        "migrations/2024-07-01-000002_change/up.sql"
    );

    // The runner's timeouts, from the main section or the revision's
    // metadata.toml, satisfy the timeout rules.
    let without_timeouts = [
        found("ban-drop-column", R2, 1),
        found("adding-not-nullable-field", R2, 2),
        found(specific, R2, 3),
    ];
    ctx.ini("statement_lock_timeout = 2\nstatement_timeout = 60\n");
    assert_eq!(
        findings(&ctx.run(&["lint", "--format", "json"]).json()),
        without_timeouts
    );
    ctx.ini("");
    ctx.project.file(
        "migrations/2024-07-01-000002_change/metadata.toml",
        format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\nstatement_lock_timeout = 2\nstatement_timeout = 60\n"),
    );
    assert_eq!(
        findings(&ctx.run(&["lint", "--format", "json"]).json()),
        without_timeouts
    );

    // Both revisions: R1's index is on a table R1 creates, so no finding.
    let out = ctx.run(&["lint", &format!("{R1}:{R2}"), "--format", "json"]);
    out.code(3);
    assert!(findings(&out.json()).iter().all(|f| f.1 == R2));

    // Text: the statement underlined at its line, what happens, the way out.
    let out = ctx.run(&["lint"]);
    out.code(3);
    assert!(
        out.stdout
            .contains("error[ban-drop-column]: drops column `email` of `users`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(" --> migrations/2024-07-01-000002_change/up.sql:1:1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("1 | ALTER TABLE users DROP COLUMN email"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("= help: stop reading and writing the column"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .ends_with("3 error(s), 0 warning(s) in 1 revision(s)\n"),
        "{}",
        out.stdout
    );

    // check fails on them, naming file, line and code.
    let out = ctx.run(&["check"]);
    out.code(3);
    assert!(
        out.stdout
            .contains("migrations/2024-07-01-000002_change/up.sql:1: error[ban-drop-column]"),
        "{}",
        out.stdout
    );
    let out = ctx.run(&["check", "--no-lint"]);
    assert!(!out.stdout.contains("error["), "{}", out.stdout);
}

on_backends!(pending_revisions);

/// Silencing: a comment with a reason, one without (a warning), the
/// revision's metadata.toml, and the ini file's `[lint]` section.
#[test]
fn silencing() {
    let Some(ctx) = project(Backend::Sqlite) else {
        return;
    };
    ctx.revision(
        "2024-07-01-000002_change",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\nlint.allow = [\"sqlite-alter-unsupported\"]\n"),
        "-- schema:allow ban-drop-column the app stopped reading it in 1.4\n\
         ALTER TABLE users DROP COLUMN email;\n\
         ALTER TABLE users ADD COLUMN age INTEGER NOT NULL; -- schema:allow adding-not-nullable-field\n\
         ALTER TABLE users ADD COLUMN code TEXT UNIQUE;\n",
        "SELECT 1;\n",
    );
    ctx.run(&["upgrade", R1]).code(0);
    let out = ctx.run(&["lint", "--format", "json"]);
    out.code(0);
    assert_eq!(
        findings(&out.json()),
        [found("allow-without-reason", R2, 3)]
    );

    ctx.revision(
        "2024-07-01-000002_change",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        "ALTER TABLE users DROP COLUMN email;\n",
        "SELECT 1;\n",
    );
    ctx.run(&["lint"]).code(3);
    ctx.ini("\n[lint]\nban-drop-column = warning\n");
    let out = ctx.run(&["lint", "--format", "json"]);
    out.code(0);
    assert_eq!(out.json()["findings"][0]["severity"], "warning");
    ctx.ini("\n[lint]\nban-drop-column = off\n");
    assert_eq!(findings(&ctx.run(&["lint", "--format", "json"]).json()), []);
    ctx.ini(&format!("\n[lint]\nstart_after = {R2}\n"));
    ctx.run(&["lint"]).code(0);

    // A misspelt rule in [lint] is a configuration error at its line.
    ctx.ini("\n[lint]\nban-drop-colum = off\n");
    let out = ctx.run(&["lint"]);
    out.code(2);
    assert!(out.stderr.contains("schema.ini:6"), "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean `ban-drop-column`?"),
        "{}",
        out.stderr
    );
}

/// `--since` asks no database which revisions are applied; when no
/// scratch database can be made either, every table is taken to exist and
/// a note says so.
#[test]
fn since_without_a_database() {
    let Some(ctx) = project(Backend::Postgres) else {
        return;
    };
    let out = ctx
        .cmd(&["lint", "--since", R1, "--format", "json"])
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:9/nowhere")
        .run();
    out.code(3);
    let report = out.json();
    // Three, and the PostgreSQL timeouts' two.
    assert_eq!(findings(&report).len(), 5, "{report:#}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("is not known"), "{notes}");
}

/// CREATE INDEX CONCURRENTLY in a revision the runner wraps in a
/// transaction: lint says the upgrade fails, and it does; with
/// `run_in_transaction = false` lint is content and the upgrade runs.
#[test]
fn concurrent_index_needs_its_own_revision() {
    let Some(ctx) = project(Backend::Postgres) else {
        return;
    };
    ctx.revision(
        "2024-07-01-000002_change",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        "CREATE INDEX CONCURRENTLY users_email ON users (email);\n",
        "DROP INDEX users_email;\n",
    );
    ctx.run(&["upgrade", R1]).code(0);
    let out = ctx.run(&["lint", "--format", "json"]);
    out.code(3);
    assert_eq!(
        findings(&out.json()),
        [found("ban-concurrent-index-creation-in-transaction", R2, 1)]
    );
    let out = ctx.run(&["upgrade"]);
    out.code(1);
    assert!(
        out.stderr.contains("cannot run inside a transaction block"),
        "{}",
        out.stderr
    );

    ctx.revision(
        "2024-07-01-000002_change",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\nrun_in_transaction = false\n"),
        "CREATE INDEX CONCURRENTLY users_email ON users (email);\n",
        "DROP INDEX users_email;\n",
    );
    ctx.run(&["lint"]).code(0);
    ctx.run(&["upgrade"]).code(0);
}

/// `transaction-nesting`, as the runner meets it: a COMMIT in a revision
/// the runner wraps in a transaction ends that transaction, so what came
/// before it stays applied while the upgrade fails and the revision is
/// not recorded (PostgreSQL); a BEGIN fails the upgrade (SQLite).
#[test]
fn transaction_control_inside_the_runners_transaction() {
    for (backend, label) in [(Backend::Postgres, "postgres"), (Backend::Sqlite, "sqlite")] {
        let postgres = label == "postgres";
        let Some(ctx) = project(backend) else {
            continue;
        };
        let sql = if postgres {
            "CREATE TABLE committed (id INTEGER PRIMARY KEY);\nCOMMIT;\nCREATE TABLE after_commit (id INTEGER PRIMARY KEY);\n"
        } else {
            "BEGIN;\nCREATE TABLE began (id INTEGER);\nCOMMIT;\n"
        };
        ctx.revision(
            "2024-07-01-000002_change",
            &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\nstatement_lock_timeout = 2\nstatement_timeout = 60\n"),
            sql,
            "SELECT 1;\n",
        );
        ctx.run(&["upgrade", R1]).code(0);
        let out = ctx.run(&["lint", "--format", "json"]);
        out.code(3);
        let lines: &[u64] = if postgres { &[2] } else { &[1, 3] };
        let expected: Vec<_> = lines
            .iter()
            .map(|l| found("transaction-nesting", R2, *l))
            .collect();
        assert_eq!(findings(&out.json()), expected, "{label}");
        let upgrade = ctx.run(&["upgrade"]);
        upgrade.code(1);
        let current = ctx.run(&["current"]);
        assert!(!current.stdout.contains(R2), "{label}: {}", current.stdout);
        if postgres {
            assert!(
                upgrade
                    .stderr
                    .contains("ROLLBACK TO SAVEPOINT can only be used in transaction blocks"),
                "{}",
                upgrade.stderr
            );
            // What came before the COMMIT stayed; nothing after it did.
            let tables = ctx.run(&["print-schema"]).code(0).stdout.clone();
            assert!(tables.contains("committed (id)"), "{tables}");
            assert!(!tables.contains("after_commit"), "{tables}");
        } else {
            assert!(
                upgrade
                    .stderr
                    .contains("cannot start a transaction within a transaction"),
                "{}",
                upgrade.stderr
            );
        }
    }
}
