//! `check` for CI: 0 when the database is at head with every applied
//! revision unchanged; 3 for pending revisions, an applied revision whose
//! up.sql was edited, and a version the folder does not have. An edited
//! revision also stops `upgrade` until `--allow-edited` accepts it.

use super::{lines, Backend, Ctx};

const R1: &str = "c1c1c1c1c1c1";
const R2: &str = "c2c2c2c2c2c2";
const UP1: &str = "CREATE TABLE members (id INTEGER PRIMARY KEY, name VARCHAR(100));\n";

fn check(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.revision(
        "2024-03-01-000001_members",
        &format!("revision = \"{R1}\"\n"),
        UP1,
        "DROP TABLE members;\n",
    );
    ctx.revision(
        "2024-03-01-000002_teams",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        "CREATE TABLE teams (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE teams;\n",
    );

    // Pending.
    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(
        lines(&out.stdout),
        [
            format!("revision {R1} is not applied; run `cargo schema upgrade`"),
            format!("revision {R2} is not applied; run `cargo schema upgrade`"),
        ]
    );
    ctx.run(&["upgrade", R1]).code(0);
    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(
        lines(&out.stdout),
        [format!(
            "revision {R2} is not applied; run `cargo schema upgrade`"
        )]
    );

    // Clean.
    ctx.run(&["upgrade"]).code(0);
    let out = ctx.run(&["check"]);
    out.code(0);
    assert!(out.stdout.starts_with("ok:"), "{}", out.stdout);

    // An applied revision edited.
    let up1 = ctx
        .root()
        .join("migrations/2024-03-01-000001_members/up.sql");
    std::fs::write(&up1, UP1.replace("VARCHAR(100)", "VARCHAR(200)")).expect("edit up.sql");
    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(lines(&out.stdout).len(), 1, "{}", out.stdout);
    for expected in [R1, "edited", "--allow-edited"] {
        assert!(
            out.stdout.contains(expected),
            "{expected} in\n{}",
            out.stdout
        );
    }
    let out = ctx.run(&["upgrade"]);
    out.code(1);
    for expected in [R1, "2024-03-01-000001_members/up.sql", "--allow-edited"] {
        assert!(
            out.stderr.contains(expected),
            "{expected} in\n{}",
            out.stderr
        );
    }
    assert!(
        !out.stderr.contains(R2),
        "only the edited one: {}",
        out.stderr
    );
    ctx.run(&["upgrade", "--allow-edited"]).code(0);
    ctx.run(&["check"]).code(0);
    ctx.run(&["upgrade"]).code(0);
    // Accepting records the checksum; it does not run the new SQL.
    assert_eq!(ctx.db.user_tables(), ["members", "teams"]);

    // A version the folder does not have.
    ctx.db
        .exec("INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000000')");
    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(lines(&out.stdout).len(), 1, "{}", out.stdout);
    for expected in ["20991231000000", "stamp"] {
        assert!(
            out.stdout.contains(expected),
            "{expected} in\n{}",
            out.stdout
        );
    }
    let out = ctx.run(&["current"]);
    out.code(0);
    assert_eq!(
        lines(&out.stdout),
        [
            format!("{R2} (head)"),
            "20991231000000 (not in the migrations folder)".to_owned()
        ]
    );
    // upgrade refuses to plan over it and says how to repair.
    let out = ctx.run(&["upgrade"]);
    assert_ne!(out.code, Some(0), "{}", out.stderr);
    for expected in ["20991231000000", "stamp"] {
        assert!(
            out.stderr.contains(expected),
            "{expected} in\n{}",
            out.stderr
        );
    }
}

on_backends!(check);
