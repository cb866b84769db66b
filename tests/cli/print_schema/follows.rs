//! schema.rs follows the database: `upgrade`, `downgrade` and `stamp`
//! rewrite the print_schema `file` (unless `--no-print-schema`), `check`
//! exits 3 with a diff when it is stale, and the `[print_schema]` section
//! of schema.ini is validated like every other key.

use crate::migrate::{Backend, Ctx};
use crate::support::Project;

const SETTINGS: &str = "\n[print_schema]\nfile = src/schema.rs\nwith_docs = true\n";

fn read(ctx: &Ctx) -> String {
    std::fs::read_to_string(ctx.root().join("src/schema.rs")).unwrap_or_default()
}

fn follows(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, SETTINGS) else {
        return;
    };
    ctx.revision(
        "2024-01-01-000001_users",
        "",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n",
        "DROP TABLE users;\n",
    );
    ctx.revision(
        "2024-01-01-000002_posts",
        "",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(80));\n",
        "DROP TABLE posts;\n",
    );
    assert!(!ctx.root().join("src/schema.rs").exists());

    ctx.run(&["upgrade", "+1"]).code(0);
    let after_users = read(&ctx);
    assert!(after_users.starts_with("// @generated automatically by Diesel CLI.\n"));
    assert!(after_users.contains("users (id) {"), "{after_users}");
    assert!(!after_users.contains("posts"), "{after_users}");
    assert!(!after_users.contains("__"), "bookkeeping in {after_users}");
    // Exactly what print-schema prints.
    assert_eq!(ctx.run(&["print-schema"]).code(0).stdout, after_users);

    // --no-print-schema leaves the file as it was, which check then finds
    // stale, with a diff that adds the new table.
    ctx.run(&["upgrade", "--no-print-schema"]).code(0);
    assert_eq!(read(&ctx), after_users);
    let stale = ctx.run(&["check"]);
    stale.code(3);
    assert!(stale.stdout.contains("src/schema.rs"), "{}", stale.stdout);
    assert!(
        stale.stdout.contains("+    posts (id) {"),
        "{}",
        stale.stdout
    );
    assert!(!stale.stdout.contains("not applied"), "{}", stale.stdout);

    // A stamp rewrites it too.
    ctx.run(&["stamp", "heads"]).code(0);
    assert!(read(&ctx).contains("posts (id) {"));
    ctx.run(&["check"]).code(0);

    // An edit by hand is caught.
    std::fs::write(
        ctx.root().join("src/schema.rs"),
        format!("{}// edited\n", read(&ctx)),
    )
    .expect("edit schema.rs");
    let edited = ctx.run(&["check"]);
    edited.code(3);
    assert!(edited.stdout.contains("-// edited"), "{}", edited.stdout);

    // downgrade rewrites it back to one table.
    ctx.run(&["downgrade", "-1"]).code(0);
    assert_eq!(read(&ctx), after_users);
}

#[test]
fn follows_sqlite() {
    follows(Backend::Sqlite);
}

#[test]
fn follows_postgres() {
    follows(Backend::Postgres);
}

#[test]
fn follows_mysql() {
    follows(Backend::Mysql);
}

#[test]
fn ini_settings_are_validated_with_file_and_line() {
    let project = Project::with_ini(
        "[schema]\ndiesel.url = sqlite://%(here)s/app.db\n\n[print_schema]\ncolumn_sorting = sideways\nfilter.only_tables =\n    ^users$\n    (unclosed\nwith_doc = true\n",
    );
    let out = project.cmd(["-c", "schema.ini", "print-schema"]).run();
    out.code(2);
    assert!(out.stderr.contains("schema.ini:5"), "{}", out.stderr);
    assert!(out.stderr.contains("column_sorting"), "{}", out.stderr);
    assert!(out.stderr.contains("schema.ini:6"), "{}", out.stderr);
    assert!(out.stderr.contains("(unclosed"), "{}", out.stderr);
    assert!(out.stderr.contains("schema.ini:9"), "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean `with_docs`"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn ini_settings_win_over_diesel_toml() {
    let project = Project::with_ini(
        "[schema]\ndiesel.url = sqlite://%(here)s/app.db\n\n[print_schema]\nfilter.only_tables =\n    ^keep\n    ^also$\nimport_types =\n    diesel::sql_types::*\n",
    );
    project.file(
        "diesel.toml",
        "[print_schema]\nfilter = { only_tables = [\"nothing\"] }\n",
    );
    let db = project.path().join("app.db");
    let made = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("CREATE TABLE keep_me (id INTEGER PRIMARY KEY); CREATE TABLE also (id INTEGER PRIMARY KEY); CREATE TABLE dropped (id INTEGER PRIMARY KEY);")
        .status()
        .expect("sqlite3");
    assert!(made.success());
    let out = project.cmd(["-c", "schema.ini", "print-schema"]).run();
    out.code(0);
    assert!(out.stdout.contains("keep_me (id)"), "{}", out.stdout);
    assert!(out.stdout.contains("also (id)"), "{}", out.stdout);
    assert!(!out.stdout.contains("dropped"), "{}", out.stdout);
    assert!(
        out.stdout.contains("use diesel::sql_types::*;"),
        "{}",
        out.stdout
    );
    // Without the ini section, diesel.toml is read unchanged.
    project.file(
        "schema.ini",
        "[schema]\ndiesel.url = sqlite://%(here)s/app.db\n",
    );
    let out = project.cmd(["-c", "schema.ini", "print-schema"]).run();
    out.code(0);
    assert!(!out.stdout.contains("keep_me"), "{}", out.stdout);
    // And an unknown configuration key is refused.
    let out = project
        .cmd(["-c", "schema.ini", "print-schema", "--schema-key", "nope"])
        .run();
    out.code(2);
    assert!(
        out.stderr.contains("no print_schema configuration `nope`"),
        "{}",
        out.stderr
    );
}
