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
    // Accepting the edit does not run it: the table drifted from what the
    // revisions build now.
    let out = ctx.run(&["check"]);
    out.code(3);
    let (was, now) = match backend {
        Backend::Sqlite => ("VARCHAR(100)", "VARCHAR(200)"),
        Backend::Postgres => ("character varying(100)", "character varying(200)"),
        Backend::Mysql => ("varchar(100)", "varchar(200)"),
    };
    assert_eq!(
        lines(&out.stdout),
        [format!(
            "drift: column members.name: type {was} in the database, {now} from revisions {R1}..{R2}"
        )]
    );
    ctx.run(&["check", "--no-drift"]).code(0);
    ctx.run(&["upgrade"]).code(0);
    ctx.run(&["check", "--no-drift"]).code(0);
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

/// `revision V is not applied; run ...` for each of `versions`.
fn pending_lines(versions: &[String]) -> Vec<String> {
    versions
        .iter()
        .map(|v| format!("revision {v} is not applied; run `cargo schema upgrade`"))
        .collect()
}

/// `(kind, revision)` of each finding of `check --format json`.
fn findings(ctx: &Ctx) -> Vec<(String, String)> {
    let out = ctx.run(&["check", "--format", "json"]);
    out.code(3);
    let report = out.json();
    assert_eq!(report["ok"], false);
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or_default().to_owned(),
                f["revision"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// More than five findings of one kind fold into one line in text, from
/// the first to the last in upgrade order; `-v` and JSON list every one.
fn long_lists(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    let versions: Vec<String> = ctx
        .table_chain(12, "p")
        .into_iter()
        .map(|(version, _)| version)
        .collect();

    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(
        lines(&out.stdout),
        [format!(
            "12 revisions pending: {} … {}; run `cargo schema upgrade`",
            versions[0], versions[11]
        )]
    );
    let out = ctx.run(&["-v", "check"]);
    out.code(3);
    assert_eq!(lines(&out.stdout), pending_lines(&versions));
    let pending: Vec<(String, String)> = versions
        .iter()
        .map(|v| ("pending".to_owned(), v.clone()))
        .collect();
    assert_eq!(findings(&ctx), pending);

    // Six left: still folded. Five: listed.
    ctx.run(&["upgrade", &versions[5]]).code(0);
    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(
        lines(&out.stdout),
        [format!(
            "6 revisions pending: {} … {}; run `cargo schema upgrade`",
            versions[6], versions[11]
        )]
    );
    ctx.run(&["upgrade", &versions[6]]).code(0);
    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(lines(&out.stdout), pending_lines(&versions[7..]));

    // Seven applied revisions edited, six versions the folder lacks.
    for (i, version) in versions[..7].iter().enumerate() {
        let up = ctx
            .root()
            .join(format!("migrations/2024-01-01-{i:06}_p{i:03}/up.sql"));
        std::fs::write(
            &up,
            format!("-- edited\nCREATE TABLE p{i:03} (id INTEGER PRIMARY KEY);\n"),
        )
        .unwrap_or_else(|e| panic!("edit {version}: {e}"));
    }
    let unknown: Vec<String> = (0..6).map(|i| format!("2099123100000{i}")).collect();
    for version in &unknown {
        ctx.db.exec(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}')"
        ));
    }
    let out = ctx.run(&["check"]);
    out.code(3);
    // In the report's order: pending, edited, unknown.
    let mut expected = pending_lines(&versions[7..]);
    expected.push(format!(
        "7 revisions edited after they were applied: {} … {}; restore their up.sql, or accept them with `cargo schema upgrade --allow-edited`",
        versions[0], versions[6]
    ));
    expected.push(format!(
        "6 versions in the database that the migrations folder does not have: {} … {}; restore their folders or `cargo schema stamp` the database",
        unknown[0], unknown[5]
    ));
    assert_eq!(lines(&out.stdout), expected);
    let out = ctx.run(&["-v", "check"]);
    out.code(3);
    assert_eq!(lines(&out.stdout).len(), 7 + 5 + 6, "{}", out.stdout);
    let all = findings(&ctx);
    let kinds: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "edited").count(), 7);
    assert_eq!(kinds.iter().filter(|k| **k == "pending").count(), 5);
    assert_eq!(kinds.iter().filter(|k| **k == "unknown").count(), 6);
    assert_eq!(all.len(), 18);
}

on_backends!(long_lists);

/// A fresh clone of a project with hundreds of revisions: `check` says so
/// in one line rather than hundreds.
#[test]
fn hundreds_pending_on_sqlite() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    ctx.table_chain(340, "h");
    let out = ctx.run(&["check"]);
    out.code(3);
    assert_eq!(
        out.stdout,
        "340 revisions pending: 20240101000000 … 20240101000339; run `cargo schema upgrade`\n"
    );
    let out = ctx.run(&["-v", "check"]);
    out.code(3);
    assert_eq!(out.stdout.lines().count(), 340);
}
