//! A URL the file leaves to run time (missing, empty, Alembic's placeholder,
//! `${NAME}` with NAME unset) is no configuration error: `config` notes it
//! and exits 0; a command that connects fails with one line of advice; and
//! DATABASE_URL or --database-url supply it.

use serde_json::json;

use crate::support::{problems, Project};

const WHERE: &str =
    "not set here: commands that connect take it from DATABASE_URL, --database-url or the code";

/// One way of leaving the URL out.
struct Deferred {
    ini: &'static str,
    kind: &'static str,
    source: &'static str,
    reason: &'static str,
}

const CASES: &[Deferred] = &[
    Deferred {
        ini: "[schema]\nscript_location = migrations\n",
        kind: "absent",
        source: "not set",
        reason: "[schema] has no `diesel.url`",
    },
    Deferred {
        ini: "[schema]\nscript_location = migrations\ndiesel.url =\n",
        kind: "empty",
        source: "schema.ini:3",
        reason: "`diesel.url` is empty",
    },
    Deferred {
        ini: "[alembic]\nscript_location = migrations\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
        kind: "placeholder",
        source: "schema.ini:3",
        reason: "`sqlalchemy.url` is Alembic's placeholder `driver://user:***@localhost/dbname`",
    },
    Deferred {
        ini: "[schema]\nscript_location = migrations\ndiesel.url = ${APP_DATABASE_URL}\n",
        kind: "env_unset",
        source: "schema.ini:3",
        reason: "`diesel.url` takes ${APP_DATABASE_URL}, which is not set",
    },
    Deferred {
        ini: "[alembic]\nscript_location = migrations\n",
        kind: "absent",
        source: "not set",
        reason: "[alembic] has no `sqlalchemy.url`",
    },
];

fn project(case: &Deferred) -> Project {
    let p = Project::with_ini(case.ini);
    p.file("migrations/.keep", "");
    p
}

#[test]
fn config_notes_a_deferred_url_and_exits_0() {
    for case in CASES {
        let p = project(case);
        let out = p.config_json(&[]).run();
        out.code(0);
        let report = out.json();
        assert_eq!(problems(&report), [], "{}", case.ini);
        assert_eq!(
            report["effective"]["url"],
            json!({
                "value": null,
                "source": case.source,
                "deferred": {"kind": case.kind, "message": format!("{}; {WHERE}", case.reason)}
            }),
            "{}",
            case.ini
        );
        // The other options are still typed and defaulted.
        assert_eq!(report["effective"]["pool_size"]["value"], 5, "{}", case.ini);

        let out = p.config_text(&[]).run();
        out.code(0);
        assert!(
            out.stdout
                .contains(&format!("\nnote: {}; {WHERE}\n", case.reason)),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("(not set here)"), "{}", out.stdout);
        assert_eq!(out.stderr, "", "{}", case.ini);
    }
}

#[test]
fn commands_that_connect_fail_with_one_line() {
    for case in CASES {
        let p = project(case);
        for command in [
            &["current"][..],
            &["upgrade"],
            &["upgrade", "--sql"],
            &["check"],
        ] {
            let mut args = vec!["-c", "schema.ini"];
            args.extend_from_slice(command);
            let out = p.cmd(args).run();
            out.code(2);
            assert_eq!(out.stdout, "", "{command:?}");
            let lines: Vec<&str> = out.stderr.trim_end().lines().collect();
            assert_eq!(
                lines,
                [format!(
                    "error[missing_url]: no database URL: {}; set DATABASE_URL (environment or .env), \
                     pass --database-url, or set `{}` in code (set_main_option)",
                    case.reason,
                    if case.ini.contains("[alembic]") { "sqlalchemy.url" } else { "diesel.url" }
                )],
                "{command:?} on {}",
                case.ini
            );
        }
    }
}

/// Where the URL comes from then: the environment, `.env`, the flag; the
/// upgrade really runs on the SQLite file named there.
#[test]
fn database_url_and_the_flag_supply_a_deferred_url() {
    for case in CASES {
        let p = project(case);
        p.file(
            "migrations/2024-01-01-000000_create_items/up.sql",
            "CREATE TABLE items (id INTEGER PRIMARY KEY);\n",
        );
        p.file(
            "migrations/2024-01-01-000000_create_items/down.sql",
            "DROP TABLE items;\n",
        );
        let env_db = p.path().join("env.db");
        // Four slashes: an absolute path in both readings.
        let url = format!("sqlite:///{}", env_db.display());
        p.cmd(["-c", "schema.ini", "upgrade"])
            .env("DATABASE_URL", &url)
            .run()
            .code(0);
        assert!(env_db.is_file(), "{}", case.ini);

        let flag_db = p.path().join("flag.db");
        let url = format!("sqlite:///{}", flag_db.display());
        p.cmd(["-c", "schema.ini", "--database-url", &url, "upgrade"])
            .run()
            .code(0);
        let tables = std::process::Command::new("sqlite3")
            .arg(&flag_db)
            .arg("SELECT name FROM sqlite_master WHERE name = 'items'")
            .output()
            .expect("sqlite3 runs");
        assert_eq!(String::from_utf8_lossy(&tables.stdout).trim(), "items");

        let out = p
            .config_json(&[])
            .env("DATABASE_URL", "sqlite:///from-env.db")
            .run();
        out.code(0);
        let url = &out.json()["effective"]["url"];
        assert_eq!(
            url,
            &json!({"value": "sqlite:///from-env.db", "source": "env DATABASE_URL"})
        );
    }
}

#[test]
fn a_deferred_url_does_not_hide_other_problems() {
    let p = Project::with_ini("[alembic]\nsqlalchemy.url =\nsqlalchemy.pool_sise = 3\n");
    let out = p.config_json(&[]).run();
    out.code(2);
    let report = out.json();
    assert_eq!(problems(&report), [("unknown_option".to_owned(), Some(3))]);
    assert_eq!(report["effective"]["url"]["deferred"]["kind"], "empty");
}

/// `-n production` reads that section's URL: here the placeholder, left to
/// run time, while the main section's URL is a real one.
#[test]
fn a_named_section_with_the_placeholder() {
    let p = Project::with_ini(
        "[alembic]\nsqlalchemy.url = sqlite:///dev.db\n\n[production]\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
    );
    let out = p.config_json(&[]).run();
    out.code(0);
    assert_eq!(
        out.json()["effective"]["url"],
        json!({"value": "sqlite:///dev.db", "source": "schema.ini:2"})
    );
    let out = p.config_json(&["-n", "production"]).run();
    out.code(0);
    assert_eq!(
        out.json()["effective"]["url"]["deferred"]["kind"],
        "placeholder"
    );
}
