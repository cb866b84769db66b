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

/// Item 2: a folder name holding a line break put a statement into the
/// `--sql` script's comment lines, and `sqlite3 -bail` ran it. Such a name
/// is refused at load, escaped in the error.
#[test]
fn a_folder_name_with_a_line_break_is_refused_before_any_script() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    ctx.revision(
        "2024-01-01-000000_x\nDROP TABLE canary;--",
        "",
        "SELECT 1;\n",
        "SELECT 1;\n",
    );
    for args in [&["upgrade", "--sql"][..], &["upgrade"], &["history"]] {
        let out = ctx.run(args);
        out.code(2);
        assert!(
            out.stderr
                .contains("2024-01-01-000000_x\\nDROP TABLE canary;--")
                && out.stderr.contains("control character `\\n`"),
            "{}",
            out.stderr
        );
        assert!(
            !out.all_output().contains("x\nDROP"),
            "{}",
            out.all_output()
        );
    }
}

/// Item 2: ids, labels and messages with control characters are refused
/// at load, naming the folder.
#[test]
fn ids_labels_and_messages_with_control_characters_are_refused() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    for (metadata, what) in [
        ("revision = \"ab\\u001bcd\"\n", "revision id"),
        (
            "revision = \"abcd\"\nbranch_labels = [\"l\\u202e\"]\n",
            "branch label",
        ),
        ("revision = \"abcd\"\nmessage = \"fix\\rDROP\"\n", "message"),
    ] {
        ctx.project
            .file("migrations/2024-01-01-000001_a/metadata.toml", metadata);
        ctx.project
            .file("migrations/2024-01-01-000001_a/up.sql", "SELECT 1;\n");
        let out = ctx.run(&["upgrade", "--sql"]);
        out.code(2);
        assert!(
            out.stderr.contains("2024-01-01-000001_a") && out.stderr.contains(what),
            "{what}: {}",
            out.stderr
        );
        assert!(!out.all_output().contains(['\u{1b}', '\r', '\u{202e}']));
    }
}

/// Item 3: `generate -m` with a carriage return wrote `-- fix login\rDROP
/// TABLE canary;`, a comment to cargo-schema's splitter but a statement to
/// psql. The message's line breaks are normalised; the script psql runs
/// leaves the canary.
#[test]
fn a_message_with_a_carriage_return_stays_a_comment_for_psql() {
    let Some(ctx) = Ctx::new(Backend::Postgres, "") else {
        return;
    };
    ctx.db.exec("CREATE TABLE canary (id INT)");
    ctx.project.file("migrations/.keep", "");
    ctx.run(&["generate", "-m", "fix login\rDROP TABLE canary;"])
        .code(0);
    let up = std::fs::read_dir(ctx.root().join("migrations"))
        .expect("list")
        .filter_map(Result::ok)
        .find(|e| e.path().is_dir())
        .map(|e| std::fs::read_to_string(e.path().join("up.sql")).expect("up.sql"))
        .expect("a revision folder");
    assert!(!up.contains('\r'), "{up:?}");
    assert!(up.starts_with("-- fix login\n"), "{up:?}");
    let script = ctx.run(&["upgrade", "--sql"]);
    script.code(0);
    let path = ctx.root().join("script.sql");
    std::fs::write(&path, &script.stdout).expect("write");
    let ran = ctx.db.run_script(&path);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(has_canary(&ctx), "psql ran the message as a statement");
    ctx.run(&["upgrade"]).code(0);
    assert!(has_canary(&ctx));
}

/// Item 4: version rows read from the database are printed escaped: an
/// ESC or a bidi override in one does not reach the terminal raw.
#[test]
fn version_rows_from_the_database_print_escaped() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    ctx.table_chain(1, "t");
    ctx.run(&["upgrade"]).code(0);
    ctx.db.exec(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('9999' || char(27) || '[2J' || char(8238) || 'x')",
    );
    for args in [&["current"][..], &["history"], &["check"], &["upgrade"]] {
        let out = ctx.run(args);
        let all = out.all_output();
        assert!(!all.contains(['\u{1b}', '\u{202e}']), "{args:?}: {all:?}");
    }
    let out = ctx.run(&["current", "-v"]);
    assert!(
        out.all_output().contains("9999\\u{1b}[2J\\u{202e}x"),
        "{}",
        out.all_output()
    );
}

/// Item 13: after the bookkeeping table was dropped, `check` said "every
/// applied revision is unchanged" with no checksum to compare; a state it
/// does not know read as "applied".
#[test]
fn check_says_what_it_could_not_verify_and_refuses_unknown_states() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    ctx.table_chain(2, "t");
    ctx.run(&["upgrade"]).code(0);
    ctx.db.exec("DROP TABLE __schema_revisions");
    let out = ctx.run(&["check", "--no-drift"]);
    out.code(0);
    assert!(
        !out.stdout.contains("every applied revision is unchanged")
            && out.stdout.contains("not verified")
            && out.stdout.contains("20240101000000"),
        "{}",
        out.stdout
    );
    ctx.run(&["upgrade"]).code(0);
    ctx.db
        .exec("UPDATE __schema_revisions SET state = 'frobbed' WHERE version = '20240101000001'");
    for args in [&["check", "--no-drift"][..], &["upgrade"], &["current"]] {
        let out = ctx.run(args);
        assert_ne!(out.code, Some(0), "{args:?}: {}", out.all_output());
        assert!(out.stderr.contains("frobbed"), "{args:?}: {}", out.stderr);
    }
}

/// Item 10: a failed schema.rs write named no file and did not say the
/// revisions were applied; a symlinked schema.rs was replaced by a plain
/// file and its mode reset.
#[cfg(unix)]
#[test]
fn schema_rs_is_written_through_its_link_and_a_failure_names_it() {
    use std::os::unix::fs::PermissionsExt;
    let Some(ctx) = Ctx::new(Backend::Sqlite, "\n[print_schema]\nfile = src/schema.rs\n") else {
        return;
    };
    ctx.table_chain(1, "t");
    let real = ctx.root().join("real_schema.rs");
    std::fs::write(&real, "// old\n").expect("write");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    std::fs::create_dir_all(ctx.root().join("src")).expect("mkdir");
    std::os::unix::fs::symlink(&real, ctx.root().join("src/schema.rs")).expect("link");
    ctx.run(&["upgrade"]).code(0);
    let link = std::fs::symlink_metadata(ctx.root().join("src/schema.rs")).expect("stat");
    assert!(link.file_type().is_symlink(), "the link was replaced");
    let text = std::fs::read_to_string(&real).expect("read");
    assert!(text.contains("t000"), "{text}");
    let mode = std::fs::metadata(&real).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);

    // A folder where the file should be: the write fails, naming it.
    ctx.revision(
        "2024-01-01-000009_u",
        "",
        "CREATE TABLE u (id INT);\n",
        "DROP TABLE u;\n",
    );
    std::fs::remove_file(ctx.root().join("src/schema.rs")).expect("rm");
    std::fs::create_dir_all(ctx.root().join("src/schema.rs/x")).expect("mkdir");
    let out = ctx.run(&["upgrade"]);
    out.code(1);
    assert!(
        out.stderr.contains("schema.rs") && out.stderr.contains("recorded"),
        "{}",
        out.stderr
    );
    assert!(ctx.db.user_tables().iter().any(|t| t == "u"));
}
