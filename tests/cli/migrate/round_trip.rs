//! `lint --round-trip` and `check --round-trip`: each pending revision's
//! down.sql, run after its up.sql in the scratch database, must bring the
//! schema back to what it was before; the objects that differ are named,
//! and a down.sql that runs nothing is reported as irreversible.

use super::{Backend, Ctx};

const R1: &str = "c1c1c1c1c1c1";
const R2: &str = "c2c2c2c2c2c2";
const R3: &str = "c3c3c3c3c3c3";
const R4: &str = "c4c4c4c4c4c4";

/// R1 reverts cleanly; R2's down.sql forgets the index it made and R3's
/// the column; R4's down.sql is only a comment.
fn project(backend: Backend) -> Option<Ctx> {
    let ctx = Ctx::new(backend, "")?;
    let meta = |rev: &str, parent: Option<&str>| match parent {
        Some(p) => format!("revision = \"{rev}\"\ndown_revision = \"{p}\"\n"),
        None => format!("revision = \"{rev}\"\n"),
    };
    ctx.revision(
        "2024-08-01-000001_users",
        &meta(R1, None),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\n",
        "DROP TABLE users;\n",
    );
    ctx.revision(
        "2024-08-01-000002_posts",
        &meta(R2, Some(R1)),
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(50));\n\
         CREATE INDEX users_name ON users (name);\n",
        "DROP TABLE posts;\n",
    );
    ctx.revision(
        "2024-08-01-000003_age",
        &meta(R3, Some(R2)),
        "ALTER TABLE users ADD COLUMN age INTEGER;\n",
        "SELECT 1;\n",
    );
    ctx.revision(
        "2024-08-01-000004_score",
        &meta(R4, Some(R3)),
        "ALTER TABLE posts ADD COLUMN score INTEGER;\n",
        "-- This file should undo anything in `up.sql`\n",
    );
    Some(ctx)
}

fn round_trips_are_proven(backend: Backend) {
    let Some(ctx) = project(backend) else { return };
    // Without the flag, nothing is said about down.sql.
    let plain = ctx.run(&["lint", "--format", "json"]);
    assert!(!plain.stdout.contains("round-trip"), "{}", plain.stdout);

    let out = ctx.run(&["lint", "--round-trip", "--format", "json"]);
    out.code(3);
    let report = out.json();
    let round_trip: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {report:#}"))
        .iter()
        .filter(|f| matches!(f["code"].as_str(), Some("round-trip" | "irreversible-down")))
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_owned(),
                f["revision"].as_str().unwrap_or_default().to_owned(),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let codes: Vec<(&str, &str)> = round_trip
        .iter()
        .map(|(c, r, _)| (c.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("round-trip", R2),
            ("round-trip", R3),
            ("irreversible-down", R4)
        ],
        "{report:#}"
    );
    assert!(
        round_trip[0]
            .2
            .contains("index users_name on users (left behind by down.sql)"),
        "{}",
        round_trip[0].2
    );
    assert!(
        round_trip[1]
            .2
            .contains("column users.age (left behind by down.sql)"),
        "{}",
        round_trip[1].2
    );
    assert!(
        round_trip[2]
            .2
            .contains("down.sql runs no SQL while up.sql does"),
        "{}",
        round_trip[2].2
    );
    // The text output names the revision's down.sql.
    let text = ctx.run(&["lint", "--round-trip"]);
    text.code(3);
    assert!(
        text.all_output().contains("2024-08-01-000003_age/down.sql"),
        "{}",
        text.all_output()
    );

    // `[lint]` silences them as any rule.
    ctx.ini("\n[lint]\nirreversible-down = off\n");
    let silenced = ctx.run(&["lint", "--round-trip", "--format", "json"]);
    assert!(
        !silenced.stdout.contains("irreversible-down") && silenced.stdout.contains("round-trip"),
        "{}",
        silenced.stdout
    );
    ctx.ini("");

    // `check --round-trip` fails on them too; once the revisions are
    // applied there is nothing pending to prove.
    let check = ctx.run(&["check", "--round-trip"]);
    check.code(3);
    assert!(
        check.all_output().contains("round-trip"),
        "{}",
        check.all_output()
    );
    ctx.run(&["upgrade"]).code(0);
    ctx.run(&["check", "--round-trip"]).code(0);
}

on_backends!(round_trips_are_proven);
