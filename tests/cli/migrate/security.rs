//! Issue 34's reproductions against the real servers: text from settings,
//! folder names and messages reaches SQL only quoted, so a canary table
//! outlives every attempt.

use super::{Backend, Ctx};

fn has_canary(ctx: &Ctx) -> bool {
    ctx.db.user_tables().iter().any(|t| t == "canary")
}

/// Item 1: `search_path` went into `SET search_path = {value}` as it was.
#[test]
fn a_search_path_cannot_carry_a_statement() {
    let Some(ctx) = Ctx::new(
        Backend::Postgres,
        "diesel.connect_args.search_path = public; DROP TABLE canary\n",
    ) else {
        return;
    };
    ctx.db.exec("CREATE TABLE canary (id INT)");
    let out = ctx.run(&["current"]);
    out.code(2);
    assert!(out.stderr.contains("search_path"), "{}", out.stderr);
    assert!(has_canary(&ctx), "current dropped the canary");
    // The same through -x and through the environment.
    ctx.ini("");
    let evil = "diesel.connect_args.search_path=public; DROP TABLE canary";
    ctx.run(&["-x", evil, "current"]).code(2);
    ctx.ini("diesel.connect_args.search_path = ${SP}\n");
    ctx.cmd(&["current"])
        .env("SP", "x\"; DROP TABLE canary; --")
        .run()
        .code(2);
    assert!(has_canary(&ctx));
}

/// Item 1: a list stays a list, each name quoted as an identifier with the
/// server's meaning (plain names fold to lower case, quoted ones are exact).
#[test]
fn a_search_path_list_reaches_the_session_name_by_name() {
    let Some(ctx) = Ctx::new(
        Backend::Postgres,
        "diesel.connect_args.search_path = \"Odd, \"\"Name\", PUBLIC\n",
    ) else {
        return;
    };
    ctx.db.exec("CREATE SCHEMA \"Odd, \"\"Name\"");
    ctx.revision(
        "2024-01-01-000001_t",
        "",
        "CREATE TABLE t1 (id INT);\n",
        "DROP TABLE t1;\n",
    );
    ctx.run(&["upgrade"]).code(0);
    assert_eq!(
        ctx.db
            .query("SELECT table_schema FROM information_schema.tables WHERE table_name = 't1'"),
        ["Odd, \"Name"]
    );
}

/// Item 1: MySQL's literal quoting doubled `'` but not `\`, so `\'` left
/// the string; session words are now refused unless plain.
#[test]
fn a_mysql_session_setting_cannot_leave_its_string() {
    let Some(ctx) = Ctx::new(Backend::Mysql, "") else {
        return;
    };
    ctx.db.exec("CREATE TABLE canary (id INT)");
    ctx.project.file("migrations/.keep", "");
    for key in ["time_zone", "sql_mode", "charset"] {
        let set = format!("diesel.connect_args.{key}=+00:00\\'; DROP TABLE canary; -- ");
        let out = ctx.run(&["-x", &set, "current"]);
        out.code(2);
        assert!(out.stderr.contains(key), "{}", out.stderr);
        assert!(has_canary(&ctx), "{key} dropped the canary");
    }
    // Plain values still work.
    ctx.run(&[
        "-x",
        "diesel.connect_args.sql_mode=STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES",
        "-x",
        "diesel.connect_args.time_zone=+01:00",
        "current",
    ])
    .code(0);
}

/// Item 1: under `NO_BACKSLASH_ESCAPES` an id holding `\` was stored
/// doubled; the bookkeeping literal now reads the same in every mode, at
/// run time and in `--sql` scripts.
#[test]
fn a_backslash_in_an_id_is_stored_exactly_whatever_the_sql_mode() {
    let Some(ctx) = Ctx::new(
        Backend::Mysql,
        "diesel.connect_args.sql_mode = NO_BACKSLASH_ESCAPES\n",
    ) else {
        return;
    };
    ctx.revision(
        "2024-01-01-000001_a",
        "revision = 'ab\\cd'\n",
        "CREATE TABLE a (id INT);\n",
        "DROP TABLE a;\n",
    );
    ctx.run(&["upgrade"]).code(0);
    // HEX: the client's batch output escapes a backslash itself.
    assert_eq!(
        ctx.db.query("SELECT HEX(revision) FROM __schema_revisions"),
        ["61625C6364"]
    );
    ctx.run(&["check"]).code(0);
    let script = ctx.run(&["upgrade", "--sql"]);
    script.code(0);
    assert!(script.stdout.contains("_utf8mb4 X'"), "{}", script.stdout);
}
