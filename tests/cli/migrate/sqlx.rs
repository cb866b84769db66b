//! A sqlx project as it is: its `migrations/` folder (simple and reversible
//! migrations side by side) and a database sqlx-cli migrated, handed back
//! and forth between the real sqlx-cli and cargo-schema on each backend.
//!
//! `SCHEMA_TEST_SQLX` names the `sqlx` binary of sqlx-cli 0.9 (.ci/run
//! installs it under target/tools); without it the tests print why they
//! skip, unless SCHEMA_TEST_REQUIRE_DATABASES makes that a failure.

use std::path::PathBuf;
use std::process::Command;

use super::{Backend, Ctx};

fn sqlx_binary() -> Option<PathBuf> {
    match std::env::var_os("SCHEMA_TEST_SQLX") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => schema_test_support::unavailable(
            "SCHEMA_TEST_SQLX does not name sqlx-cli's `sqlx` binary (.ci/run installs it under target/tools)",
        ),
    }
}

/// A project with three sqlx migrations: a simple one, then two
/// reversible ones.
fn project(backend: Backend) -> Option<(Ctx, PathBuf)> {
    let sqlx = sqlx_binary()?;
    let ctx = Ctx::new(backend, "")?;
    let file = |name: &str, sql: &str| ctx.project.file(&format!("migrations/{name}"), sql);
    file(
        "20240101000000_create_users.sql",
        "CREATE TABLE sx_users (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    file(
        "20240102000000_create_posts.up.sql",
        "CREATE TABLE sx_posts (id INTEGER PRIMARY KEY);\n",
    );
    file(
        "20240102000000_create_posts.down.sql",
        "DROP TABLE sx_posts;\n",
    );
    file(
        "20240103000000_create_tags.up.sql",
        "CREATE TABLE sx_tags (id INTEGER PRIMARY KEY);\n",
    );
    file(
        "20240103000000_create_tags.down.sql",
        "DROP TABLE sx_tags;\n",
    );
    Some((ctx, sqlx))
}

/// `sqlx migrate ARGS --source migrations --database-url URL` in the
/// project; its stdout, ANSI colours removed, after asserting success.
fn sqlx(ctx: &Ctx, binary: &PathBuf, args: &[&str]) -> String {
    // sqlx opens a SQLite file only when told it may create it.
    let url = match ctx.db.backend() {
        Backend::Sqlite => format!("{}?mode=rwc", ctx.db.url()),
        _ => ctx.db.url().to_owned(),
    };
    let out = Command::new(binary)
        .arg("migrate")
        .args(args)
        .args(["--source", "migrations", "--database-url", &url])
        .current_dir(ctx.root())
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", binary.display()));
    let stdout = strip_ansi(&String::from_utf8_lossy(&out.stdout));
    assert!(
        out.status.success(),
        "sqlx migrate {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// What `sqlx migrate info` says of each migration, one line each.
fn info(ctx: &Ctx, binary: &PathBuf) -> Vec<String> {
    sqlx(ctx, binary, &["info"])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn info_of(states: [&str; 3]) -> Vec<String> {
    ["create users", "create posts", "create tags"]
        .iter()
        .zip(states)
        .enumerate()
        .map(|(i, (description, state))| format!("2024010{}000000/{state} {description}", i + 1))
        .collect()
}

/// sqlx migrates part of the way; cargo-schema sees where it is and
/// continues; sqlx agrees; cargo-schema reverts, sqlx migrates again, and
/// sqlx's own revert is seen by cargo-schema. A simple migration cannot be
/// reverted, and the refusal names it.
fn sqlx_and_cargo_schema_take_turns(backend: Backend) {
    let Some((ctx, bin)) = project(backend) else {
        return;
    };
    sqlx(&ctx, &bin, &["run", "--target-version", "20240102000000"]);
    assert_eq!(ctx.db.user_tables(), ["sx_posts", "sx_users"]);
    assert_eq!(ctx.run(&["current"]).code(0).stdout, "20240102000000\n");

    let up = ctx.run(&["upgrade"]);
    up.code(0);
    assert!(
        up.stderr
            .contains("Running upgrade 20240102000000 -> 20240103000000, create tags"),
        "{}",
        up.stderr
    );
    assert!(!up.stderr.contains("create users"), "{}", up.stderr);
    assert_eq!(ctx.db.user_tables(), ["sx_posts", "sx_tags", "sx_users"]);
    assert_eq!(
        info(&ctx, &bin),
        info_of(["installed", "installed", "installed"])
    );

    let down = ctx.run(&["downgrade", "-1"]);
    down.code(0);
    assert_eq!(ctx.db.user_tables(), ["sx_posts", "sx_users"]);
    assert_eq!(
        info(&ctx, &bin),
        info_of(["installed", "installed", "pending"])
    );

    let refused = ctx.run(&["downgrade", "base"]);
    refused.code(2);
    assert!(
        refused.stderr.contains(
            "20240101000000_create_users.sql (a simple sqlx migration: sqlx cannot revert it either)"
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(ctx.db.user_tables(), ["sx_posts", "sx_users"]);

    let again = sqlx(&ctx, &bin, &["run"]);
    assert!(
        again.contains("20240103000000/migrate create tags"),
        "{again}"
    );
    assert_eq!(
        ctx.run(&["current"]).code(0).stdout,
        "20240103000000 (head)\n"
    );

    // sqlx's own revert is what cargo-schema then sees, and undoes.
    sqlx(&ctx, &bin, &["revert"]);
    assert_eq!(ctx.run(&["current"]).code(0).stdout, "20240102000000\n");
    ctx.run(&["upgrade"]).code(0);
    assert_eq!(
        info(&ctx, &bin),
        info_of(["installed", "installed", "installed"])
    );
    assert_eq!(ctx.db.user_tables(), ["sx_posts", "sx_tags", "sx_users"]);
}

on_backends!(sqlx_and_cargo_schema_take_turns);

/// An applied migration edited afterwards is reported as edited by sqlx's
/// checksum, as `sqlx migrate info` reports it; a row sqlx left with
/// `success = false` stops an upgrade until a stamp settles it.
fn sqlx_checksums_and_failed_rows(backend: Backend) {
    let Some((ctx, bin)) = project(backend) else {
        return;
    };
    sqlx(&ctx, &bin, &["run"]);
    ctx.project.file(
        "migrations/20240101000000_create_users.sql",
        "CREATE TABLE sx_users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);\n",
    );
    let edited = ctx.run(&["upgrade"]);
    edited.code(1);
    assert!(
        edited
            .stderr
            .contains("20240101000000_create_users.sql, by sqlx's checksum"),
        "{}",
        edited.stderr
    );
    let listed = info(&ctx, &bin);
    assert_eq!(
        listed.first().map(String::as_str),
        Some("20240101000000/installed (different checksum) create users")
    );
    ctx.project.file(
        "migrations/20240101000000_create_users.sql",
        "CREATE TABLE sx_users (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    ctx.run(&["upgrade"]).code(0);

    ctx.db
        .exec("UPDATE _sqlx_migrations SET success = FALSE WHERE version = 20240103000000");
    let dirty = ctx.run(&["upgrade"]);
    dirty.code(1);
    assert!(
        dirty.stderr.contains(
            "migration 20240103000000 (20240103000000_create_tags.up.sql) failed partway when sqlx ran it"
        ),
        "{}",
        dirty.stderr
    );
    ctx.run(&["stamp", "20240103000000"]).code(0);
    assert_eq!(
        ctx.db
            .query("SELECT version FROM _sqlx_migrations WHERE success = FALSE"),
        Vec::<String>::new()
    );
    assert_eq!(
        info(&ctx, &bin),
        info_of(["installed", "installed", "installed"])
    );
}

on_backends!(sqlx_checksums_and_failed_rows);
