//! `--sql`: the script is printed without connecting (an unreachable URL
//! works and its password never shows), and running it with the database's
//! own client gives the same schema and bookkeeping as `upgrade`.

use super::{transactional_ddl, Backend, Ctx, TestDb};
use crate::support::Outcome;

const R1: &str = "0f0f0f0f0f01";
const R2: &str = "0f0f0f0f0f02";
const R3: &str = "0f0f0f0f0f03";
const PASSWORD: &str = "Sup3rPw";

/// A URL of `backend` that nothing answers.
fn unreachable_url(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite:///nonexistent-cargo-schema-dir/x.db",
        Backend::Postgres => "postgres://u:Sup3rPw@127.0.0.1:1/x",
        Backend::Mysql => "mysql://u:Sup3rPw@127.0.0.1:1/x",
    }
}

fn offline(ctx: &Ctx, args: &[&str]) -> Outcome {
    let mut all = vec!["-c", "schema.ini"];
    all.extend_from_slice(args);
    let out = ctx
        .project
        .cmd(all)
        .env("DATABASE_URL", unreachable_url(ctx.db.backend()))
        .run();
    out.code(0);
    assert!(
        out.stdout.starts_with(&format!(
            "-- cargo schema, offline mode ({})\n",
            ctx.db.backend()
        )),
        "{}",
        out.stdout
    );
    assert!(!out.all_output().contains(PASSWORD));
    out
}

/// Run `script` through the database's client; it must succeed.
fn run_script(ctx: &Ctx, name: &str, script: &str) {
    let path = ctx.root().join(name);
    std::fs::write(&path, script).expect("write the script");
    let output = ctx.db.run_script(&path);
    assert!(
        output.status.success(),
        "the client failed on {name}:\n{}\n--- script\n{script}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn offline_script(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.revision(
        "2024-06-01-000001_people",
        &format!("revision = \"{R1}\"\n"),
        "CREATE TABLE people (\n    id INTEGER PRIMARY KEY,\n    name VARCHAR(100) NOT NULL,\n    born DATE\n);\n\
         -- a semicolon in a string is not the end of a statement\n\
         INSERT INTO people (id, name) VALUES (1, 'a;b');\n",
        "DROP TABLE people;\n",
    );
    ctx.revision(
        "2024-06-01-000002_email",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        "ALTER TABLE people ADD COLUMN email VARCHAR(200);\n",
        "ALTER TABLE people DROP COLUMN email;\n",
    );
    ctx.revision(
        "2024-06-01-000003_pets",
        &format!("revision = \"{R3}\"\ndown_revision = \"{R2}\"\n"),
        "CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, name VARCHAR(50));\n\
         CREATE INDEX pets_owner ON pets (owner);\n",
        "DROP TABLE pets;\n",
    );
    let bookkeeping = ["__diesel_schema_migrations", "__schema_revisions"];

    // Up, through the client.
    let up = offline(&ctx, &["upgrade", "--sql"]);
    for rev in [R1, R2, R3] {
        assert!(up.stdout.contains(rev), "{rev} in\n{}", up.stdout);
    }
    // One transaction for the run where DDL is transactional; one per
    // revision (its DML and bookkeeping) on MySQL/MariaDB, as upgrade does.
    let transactions = if transactional_ddl(backend) { 1 } else { 3 };
    assert_eq!(
        up.stdout.matches("\nBEGIN;\n").count(),
        transactions,
        "{}",
        up.stdout
    );
    run_script(&ctx, "up.sql", &up.stdout);
    let scripted = ctx.db.columns();
    assert_eq!(
        ctx.db.tables(),
        [bookkeeping[0], bookkeeping[1], "people", "pets"]
    );
    assert!(
        scripted.iter().any(|c| c.starts_with("people.email ")),
        "{scripted:?}"
    );
    assert_eq!(ctx.db.query("SELECT name FROM people"), ["a;b"]);
    assert_eq!(ctx.run(&["current"]).stdout, format!("{R3} (head)\n"));
    ctx.run(&["check"]).code(0);

    // Down, through the client.
    let down = offline(&ctx, &["downgrade", "head:base", "--sql"]);
    run_script(&ctx, "down.sql", &down.stdout);
    assert_eq!(ctx.db.tables(), bookkeeping);
    assert!(ctx.db.versions().is_empty());
    assert!(ctx.db.revision_rows().is_empty());
    assert_eq!(ctx.run(&["current"]).stdout, "");

    // The same schema as upgrade's, bookkeeping included.
    ctx.run(&["upgrade"]).code(0);
    assert_eq!(ctx.db.columns(), scripted);
    assert_eq!(ctx.db.query("SELECT name FROM people"), ["a;b"]);
    ctx.run(&["check"]).code(0);

    // A partial range: FROM:TO.
    let part = offline(&ctx, &["upgrade", &format!("{R1}:{R2}"), "--sql"]);
    assert!(part.stdout.contains(R2) && !part.stdout.contains(R3));
    assert!(
        !part.stdout.contains("CREATE TABLE people"),
        "{}",
        part.stdout
    );
}

on_backends!(offline_script);

/// up.sql of a revision whose last statement fails, after a compound
/// statement and comments holding `;`; and the line it starts on.
fn failing_up(backend: Backend) -> (String, usize) {
    let compound = match backend {
        Backend::Postgres => {
            "CREATE FUNCTION el_f() RETURNS integer AS $$\nBEGIN\n  RETURN 1; -- one;\nEND;\n$$ LANGUAGE plpgsql;"
        }
        Backend::Mysql => {
            "CREATE TRIGGER el_t BEFORE INSERT ON el FOR EACH ROW\nBEGIN\n  SET NEW.n = 1; -- one;\nEND;"
        }
        Backend::Sqlite => {
            "CREATE TRIGGER el_t AFTER INSERT ON el\nBEGIN\n  UPDATE el SET n = 1; -- one;\nEND;"
        }
    };
    let up = format!(
        "-- a table; then a body\n\
         CREATE TABLE el (id INTEGER PRIMARY KEY, n INTEGER);\n\
         {compound}\n\
         INSERT INTO el (id) VALUES (1); /* fine; */\n\
         \n\
         /* the next one fails; */\n\
         INSERT INTO el_missing (id)\n\
         \x20 VALUES (1)\n\
         -- no final semicolon;\n"
    );
    let line = up
        .lines()
        .position(|l| l.starts_with("INSERT INTO el_missing"))
        .map(|i| i + 1)
        .unwrap_or_default();
    (up, line)
}

/// The client's error line in a script, as psql (`psql:FILE:LINE:`),
/// mariadb (`at line LINE`) and sqlite3 (`near line LINE`) print it.
fn client_error_line(stderr: &str) -> usize {
    let number = |rest: &str| -> Option<usize> {
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    stderr
        .lines()
        .filter(|line| line.to_ascii_lowercase().contains("error"))
        .find_map(|line| {
            if let Some(rest) = line.strip_prefix("psql:") {
                let rest = rest.split_once(':')?.1;
                return number(rest);
            }
            let at = line
                .find("at line ")
                .map(|i| i + 8)
                .or_else(|| line.find("near line ").map(|i| i + 10))?;
            number(&line[at..])
        })
        .unwrap_or_else(|| panic!("no line in the client's error:\n{stderr}"))
}

/// A failing statement is located the same way by `upgrade` (its error
/// names `up.sql:LINE`) and by the script (the comment above the statement
/// the client stopped at names the same file and line).
fn script_errors_point_where_upgrade_does(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    let folder = "2024-06-02-000001_errors";
    let (up, line) = failing_up(backend);
    ctx.revision(
        folder,
        &format!("revision = \"{R1}\"\n"),
        &up,
        "DROP TABLE el;\n",
    );
    let location = format!("{folder}/up.sql:{line}");

    let out = ctx.run(&["upgrade"]);
    out.code(1);
    assert!(
        out.stderr.contains(&location),
        "{location} in\n{}",
        out.stderr
    );

    let script = offline(&ctx, &["upgrade", "--sql"]).stdout.clone();
    let path = ctx.root().join("up.sql");
    std::fs::write(&path, &script).expect("write the script");
    // A database of its own: on MariaDB the failed upgrade left its table.
    let other = ctx.root().join("scripted");
    std::fs::create_dir_all(&other).expect("a folder for the second database");
    let Some(scripted) = TestDb::create(backend, &other) else {
        return;
    };
    let output = scripted.run_script(&path);
    assert!(!output.status.success(), "the client ran\n{script}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = client_error_line(&stderr);
    let marker = script
        .lines()
        .take(line)
        .filter_map(|l| l.strip_prefix("-- "))
        .filter(|l| l.starts_with(folder))
        .last()
        .unwrap_or_else(|| panic!("no statement comment above line {line} of\n{script}"));
    assert_eq!(
        marker, location,
        "client said:\n{stderr}\n--- script\n{script}"
    );
}

on_backends!(script_errors_point_where_upgrade_does);
