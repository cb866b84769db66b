//! What autogenerate refuses, and how it says so: exit 2, the reason, and
//! no folder written.

use super::{autogenerate, desire, folders};
use crate::migrate::{Backend, Ctx};

const USERS: &str =
    "diesel::table! {\n    users (id) {\n        id -> Integer,\n        name -> Text,\n    }\n}\n";

fn project(backend: Backend, extra: &str) -> Option<Ctx> {
    let ctx = Ctx::new(backend, extra)?;
    ctx.revision(
        "2024-01-01-000000_users",
        "",
        "CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL);\n",
        "DROP TABLE users;\n",
    );
    Some(ctx)
}

#[track_caller]
fn refused(ctx: &Ctx, args: &[&str], reason: &str) {
    let before = folders(ctx);
    let out = autogenerate(ctx, args);
    out.code(2);
    assert!(
        out.stderr.contains(reason),
        "expected `{reason}` in:\n{}",
        out.stderr
    );
    assert_eq!(folders(ctx), before, "a folder was written");
}

fn not_at_head(backend: Backend) {
    let Some(ctx) = project(backend, "") else {
        return;
    };
    desire(&ctx, USERS);
    refused(
        &ctx,
        &["-m", "x"],
        "the database is not at head, so its schema is not the one a new revision follows: 1 revision(s) not applied",
    );
    ctx.run(&["upgrade"]).code(0);
    let out = autogenerate(&ctx, &["-m", "x"]);
    out.code(0);
    assert!(
        out.stderr.contains("No changes in schema detected."),
        "{}",
        out.stderr
    );
}

#[test]
fn not_at_head_sqlite() {
    not_at_head(Backend::Sqlite);
}

#[test]
fn not_at_head_postgres() {
    not_at_head(Backend::Postgres);
}

#[test]
fn not_at_head_mysql() {
    not_at_head(Backend::Mysql);
}

#[test]
fn bad_schema_rs_and_flags() {
    let Some(ctx) = project(Backend::Sqlite, "") else {
        return;
    };
    ctx.run(&["upgrade"]).code(0);

    desire(
        &ctx,
        "diesel::table! {\n    users (id) {\n        id -> Integer,\n        name -> \n    }\n}\n",
    );
    let out = autogenerate(&ctx, &["-m", "x"]);
    out.code(2);
    assert!(out.stderr.contains("desired.rs"), "{}", out.stderr);
    assert!(
        out.stderr.contains(":5"),
        "the line is named: {}",
        out.stderr
    );

    desire(&ctx, USERS);
    refused(
        &ctx,
        &["-m", "x", "--rename-table", "nope=people"],
        "--rename-table nope=people: the database has no table `nope`",
    );
    refused(
        &ctx,
        &["-m", "x", "--rename-column", "users.nope=nick"],
        "--rename-column users.nope=nick: table `users` has no column `nope`",
    );
    let out = autogenerate(&ctx, &["-m", "x", "--rename-column", "nodot=x"]);
    out.code(2);
    assert!(
        out.stderr.contains("expected TABLE.OLD=NEW, got `nodot=x`"),
        "{}",
        out.stderr
    );
    let out = ctx.run(&["generate", "-m", "x", "--rename-table", "a=b"]);
    out.code(2);
    assert!(out.stderr.contains("--autogenerate"), "{}", out.stderr);

    // A type SQLite cannot hold (an array) names the column.
    desire(
        &ctx,
        "diesel::table! {\n    users (id) {\n        id -> Integer,\n        name -> Text,\n        tags -> Array<Text>,\n    }\n}\n",
    );
    refused(
        &ctx,
        &["-m", "x"],
        "`users.tags`: no sqlite type for diesel's `Array<Text>`",
    );

    // A name diesel does not define on the backend is written as diesel
    // writes it, upper-cased, with a warning naming the column.
    desire(
        &ctx,
        "diesel::table! {\n    users (id) {\n        id -> Integer,\n        name -> Text,\n        token -> Uuid,\n    }\n}\n",
    );
    let out = autogenerate(&ctx, &["-m", "x", "--sql"]);
    out.code(0);
    assert!(
        out.stderr.contains(
            "warning: `users.token`: diesel has no SQL type `Uuid` on sqlite; written as `UUID`, as diesel writes it"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("ADD COLUMN \"token\" UUID"),
        "{}",
        out.stdout
    );
}

#[test]
fn schema_rs_comes_from_print_schema_settings() {
    let Some(ctx) = project(Backend::Sqlite, "") else {
        return;
    };
    ctx.run(&["upgrade"]).code(0);
    let before = folders(&ctx);
    let out = ctx.run(&["generate", "--autogenerate", "-m", "x"]);
    out.code(2);
    assert!(
        out.stderr
            .contains("set `file` in [print_schema] or pass --schema-file PATH"),
        "{}",
        out.stderr
    );

    ctx.ini("\n[print_schema]\nfile = src/schema.rs\n");
    // upgrade keeps schema.rs current, as diesel does; the user edits it.
    ctx.run(&["upgrade"]).code(0);
    let printed =
        std::fs::read_to_string(ctx.root().join("src/schema.rs")).expect("schema.rs written");
    assert!(printed.contains("users (id)"), "{printed}");
    ctx.project.file(
        "src/schema.rs",
        printed.replace(
            "name -> Text,",
            "name -> Text,\n        bio -> Nullable<Text>,",
        ),
    );
    let out = ctx.run(&["generate", "--autogenerate", "-m", "add bio"]);
    out.code(0);
    assert!(
        out.stderr.contains("Detected added column `users.bio`"),
        "{}",
        out.stderr
    );
    let after = folders(&ctx);
    assert_eq!(after.len(), before.len() + 1);
    let folder = after
        .iter()
        .find(|f| f.ends_with("_add_bio"))
        .expect("the new folder");
    let up = std::fs::read_to_string(ctx.root().join("migrations").join(folder).join("up.sql"))
        .expect("up.sql");
    assert!(
        up.contains("ALTER TABLE \"users\" ADD COLUMN \"bio\" TEXT;"),
        "{up}"
    );
    assert!(up.contains("from src/schema.rs"), "{up}");
    ctx.run(&["upgrade"]).code(0);
    ctx.run(&["check"]).code(0);
}
