//! What the README promises that no other test exercised: `init
//! --template async` makes a project that runs, `init` leaves an existing
//! project alone, `generate`'s `--head`, `--branch-label`, `--depends-on`
//! and `--empty` as flags, and `config --prefix`.

use schema_test_support::{Backend, TestDb};

use crate::migrate::lines;
use crate::support::Project;

const INI: &str = "[schema]\nscript_location = %(here)s/migrations\ndiesel.url = ${DATABASE_URL}\n";

/// The values of `key` in a metadata.toml (`key = "a"` or `key = ["a", "b"]`).
fn meta(text: &str, key: &str) -> Option<Vec<String>> {
    let line = text
        .lines()
        .find(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == key))?;
    let value = line.split_once('=').map(|(_, v)| v.trim()).unwrap_or("");
    Some(
        value
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|v| v.trim().trim_matches('"').to_owned())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

#[test]
fn init_template_async_makes_a_project_that_runs_on_postgres() {
    let project = Project::empty();
    let Some(db) = TestDb::create(Backend::Postgres, &project.path()) else {
        return;
    };
    project
        .cmd(["init", "--template", "async", "app"])
        .run()
        .code(0);
    let ini = std::fs::read_to_string(project.path().join("app/schema.ini")).expect("schema.ini");
    assert!(ini.contains("diesel.url = ${DATABASE_URL}\n"), "{ini}");
    assert!(ini.contains("diesel.poolclass = NullPool\n"), "{ini}");
    let env = std::fs::read_to_string(project.path().join("app/.env")).expect(".env");
    assert!(
        env.contains("DATABASE_URL=postgres://postgres@127.0.0.1:5432/app\n"),
        "{env}"
    );
    // The engine options the template wrote are the ones the command uses.
    let config = project
        .cmd(["-c", "app/schema.ini", "config", "--format", "json"])
        .env("DATABASE_URL", db.url())
        .run();
    config.code(0);
    assert!(config.stdout.contains("NullPool"), "{}", config.stdout);

    let run = |args: &[&str]| {
        let mut all = vec!["-c", "app/schema.ini"];
        all.extend_from_slice(args);
        project.cmd(all).env("DATABASE_URL", db.url()).run()
    };
    run(&["generate", "-m", "create things", "--rev-id", "a1"]).code(0);
    let folder = std::fs::read_dir(project.path().join("app/migrations"))
        .expect("migrations")
        .filter_map(Result::ok)
        .find(|e| e.path().is_dir())
        .expect("a revision folder")
        .path();
    std::fs::write(
        folder.join("up.sql"),
        "CREATE TABLE things (id INTEGER PRIMARY KEY);\n",
    )
    .expect("up.sql");
    std::fs::write(folder.join("down.sql"), "DROP TABLE things;\n").expect("down.sql");
    run(&["upgrade"]).code(0);
    assert_eq!(db.user_tables(), ["things"]);
    assert_eq!(lines(&run(&["current"]).code(0).stdout), ["a1 (head)"]);
}

#[test]
fn init_leaves_an_existing_project_alone() {
    let project = Project::with_ini("[schema]\n# mine\nscript_location = elsewhere\n");
    let out = project.cmd(["init", "--template", "postgres", "."]).run();
    out.code(2);
    assert!(
        out.stderr.contains("schema.ini already exists"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(project.path().join("schema.ini")).expect("schema.ini"),
        "[schema]\n# mine\nscript_location = elsewhere\n"
    );
    for written in [".env", "migrations", ".gitignore"] {
        assert!(
            !project.path().join(written).exists(),
            "{written} written by a refused init"
        );
    }

    // A second init over its own project is refused the same way, and
    // leaves the .env a user edited.
    let fresh = Project::empty();
    fresh.cmd(["init", "new"]).run().code(0);
    fresh.file("new/.env", "DATABASE_URL=sqlite://mine.db\n");
    fresh
        .cmd(["init", "--template", "mysql", "new"])
        .run()
        .code(2);
    assert_eq!(
        std::fs::read_to_string(fresh.path().join("new/.env")).expect(".env"),
        "DATABASE_URL=sqlite://mine.db\n"
    );
    let ini = std::fs::read_to_string(fresh.path().join("new/schema.ini")).expect("schema.ini");
    assert!(ini.contains("diesel.url = sqlite://"), "{ini}");
}

#[test]
fn generate_head_branch_label_depends_on_and_empty_as_flags() {
    let project = Project::with_ini(INI);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::create(Backend::Sqlite, dir.path()).expect("SQLite");
    let run = |args: &[&str]| {
        let mut all = vec!["-c", "schema.ini"];
        all.extend_from_slice(args);
        project.cmd(all).env("DATABASE_URL", db.url()).run()
    };
    let metadata = |rev: &str| -> String {
        let folder = std::fs::read_dir(project.path().join("migrations"))
            .expect("migrations")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                std::fs::read_to_string(p.join("metadata.toml"))
                    .is_ok_and(|m| meta(&m, "revision") == Some(vec![rev.to_owned()]))
            })
            .unwrap_or_else(|| panic!("no folder for revision {rev}"));
        std::fs::read_to_string(folder.join("metadata.toml")).expect("metadata.toml")
    };
    let up_sql = |rev: &str| -> String {
        let folder = std::fs::read_dir(project.path().join("migrations"))
            .expect("migrations")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                std::fs::read_to_string(p.join("metadata.toml"))
                    .is_ok_and(|m| meta(&m, "revision") == Some(vec![rev.to_owned()]))
            })
            .expect("folder");
        std::fs::read_to_string(folder.join("up.sql")).expect("up.sql")
    };

    std::fs::create_dir_all(project.path().join("migrations")).expect("migrations folder");
    run(&["generate", "-m", "app base", "--rev-id", "app1"]).code(0);
    // --head base with a label: the root of a second branch.
    run(&[
        "generate",
        "-m",
        "lib base",
        "--rev-id",
        "lib1",
        "--head",
        "base",
        "--branch-label",
        "lib",
    ])
    .code(0);
    let lib1 = metadata("lib1");
    assert_eq!(
        meta(&lib1, "down_revision").unwrap_or_default(),
        Vec::<String>::new(),
        "{lib1}"
    );
    assert_eq!(
        meta(&lib1, "branch_labels"),
        Some(vec!["lib".to_owned()]),
        "{lib1}"
    );

    // Two heads now: without --head the command refuses; with it, the
    // parent is the one named, and --depends-on names the other branch.
    let refused = run(&["generate", "-m", "ambiguous"]);
    assert_ne!(refused.code, Some(0), "{}", refused.stderr);
    run(&[
        "generate",
        "-m",
        "app uses lib",
        "--rev-id",
        "app2",
        "--head",
        "app1",
        "--depends-on",
        "lib",
        "--empty",
    ])
    .code(0);
    let app2 = metadata("app2");
    assert_eq!(
        meta(&app2, "down_revision"),
        Some(vec!["app1".to_owned()]),
        "{app2}"
    );
    assert_eq!(
        meta(&app2, "depends_on"),
        Some(vec!["lib".to_owned()]),
        "{app2}"
    );
    // --empty: SQL files that run nothing.
    let up = up_sql("app2");
    assert!(
        up.lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with("--")),
        "{up}"
    );
    assert!(up.contains("This revision runs no SQL."), "{up}");

    // The dependency is honoured: upgrading the app's head runs lib1 first.
    let out = run(&["upgrade", "app2"]);
    out.code(0);
    let ran: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("Running upgrade"))
        .collect();
    assert_eq!(ran.len(), 3, "{}", out.stderr);
    assert!(ran.iter().any(|l| l.contains("lib1")), "{ran:?}");
    assert!(ran[2].contains("app2"), "{ran:?}");
    let mut heads = lines(&run(&["heads"]).code(0).stdout);
    heads.sort();
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert!(
        heads[0].starts_with("app2") && heads[1].starts_with("lib1"),
        "{heads:?}"
    );
}

#[test]
fn config_prefix_reads_the_engine_options_under_another_prefix() {
    let project = Project::with_ini(
        "[schema]\nscript_location = %(here)s/migrations\nmyapp.url = sqlite://%(here)s/app.db\nmyapp.pool_size = 7\n",
    );
    let out = project.config_json(&["--prefix", "myapp."]).run();
    out.code(0);
    let json = out.json();
    assert_eq!(json["prefix"], "myapp.", "{}", out.stdout);
    assert_eq!(json["engine"]["pool_size"], "7", "{}", out.stdout);
    // Under the default prefix the same file has no engine options.
    let out = project.config_json(&[]).run();
    assert_eq!(out.json()["prefix"], "diesel.", "{}", out.stdout);
    assert_ne!(out.json()["engine"]["pool_size"], "7", "{}", out.stdout);
}
