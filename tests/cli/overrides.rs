//! Which source wins when several set a value. Highest first:
//! `--database-url`, `-x`/`--set-section`, process `DATABASE_URL`, `.env`
//! next to the ini, `.env` in the project root, the ini value. Also `${NAME}`
//! expansion and `-n`.

use serde_json::{json, Value};

use crate::support::Project;

const INI_URL: &str = "[schema]\ndiesel.url = sqlite://ini.db\n";

fn effective_url(report: &Value) -> (String, String) {
    let url = &report["effective"]["url"];
    (
        url["value"].as_str().unwrap_or_default().to_owned(),
        url["source"].as_str().unwrap_or_default().to_owned(),
    )
}

fn pair(value: &str, source: &str) -> (String, String) {
    (value.to_owned(), source.to_owned())
}

#[test]
fn database_url_flag_beats_everything() {
    let p = Project::with_ini(INI_URL);
    p.file(".env", "DATABASE_URL=sqlite://dotenv.db\n");
    // Both orders on the command line: the flag wins over -x either way.
    for args in [
        [
            "--database-url",
            "sqlite://flag.db",
            "-x",
            "diesel.url=sqlite://x.db",
        ],
        [
            "-x",
            "diesel.url=sqlite://x.db",
            "--database-url",
            "sqlite://flag.db",
        ],
    ] {
        let out = p
            .config_json(&args)
            .env("DATABASE_URL", "sqlite://env.db")
            .run();
        out.code(0);
        assert_eq!(
            effective_url(&out.json()),
            pair("sqlite://flag.db", "command line --database-url")
        );
        assert_eq!(
            out.json()["values"]["diesel.url"],
            json!({"value": "sqlite://flag.db", "source": "command line --database-url"})
        );
    }
}

#[test]
fn set_beats_the_environment() {
    let p = Project::with_ini(INI_URL);
    p.file(".env", "DATABASE_URL=sqlite://dotenv.db\n");
    let out = p
        .config_json(&["-x", "diesel.url=sqlite://x.db"])
        .env("DATABASE_URL", "sqlite://env.db")
        .run();
    out.code(0);
    assert_eq!(
        effective_url(&out.json()),
        pair("sqlite://x.db", "command line --set")
    );
}

#[test]
fn process_environment_beats_dotenv() {
    let p = Project::with_ini(INI_URL);
    p.file(".env", "DATABASE_URL=sqlite://dotenv.db\n");
    let out = p
        .config_json(&[])
        .env("DATABASE_URL", "sqlite://env.db")
        .run();
    out.code(0);
    let report = out.json();
    assert_eq!(
        effective_url(&report),
        pair("sqlite://env.db", "env DATABASE_URL")
    );
    // The section's own value is still the file's.
    assert_eq!(
        report["values"]["diesel.url"],
        json!({"value": "sqlite://ini.db", "source": "schema.ini:2"})
    );
}

#[test]
fn dotenv_beats_the_ini_value() {
    let p = Project::with_ini(INI_URL);
    p.file(
        ".env",
        "# local settings\nDATABASE_URL=sqlite://dotenv.db\n",
    );
    let out = p.config_json(&[]).run();
    out.code(0);
    assert_eq!(
        effective_url(&out.json()),
        pair("sqlite://dotenv.db", ".env DATABASE_URL")
    );
}

#[test]
fn dotenv_next_to_the_ini_beats_dotenv_in_the_project_root() {
    let p = Project::empty();
    p.file("db/schema.ini", INI_URL);
    p.file(".env", "DATABASE_URL=sqlite://root.db\n");
    let run = || {
        p.cmd(["-c", "db/schema.ini", "config", "--format", "json"])
            .run()
    };

    let out = run();
    out.code(0);
    assert_eq!(
        effective_url(&out.json()),
        pair("sqlite://root.db", ".env DATABASE_URL")
    );

    p.file("db/.env", "DATABASE_URL=sqlite://next.db\n");
    let out = run();
    out.code(0);
    assert_eq!(
        effective_url(&out.json()),
        pair("sqlite://next.db", ".env DATABASE_URL")
    );
}

#[test]
fn the_ini_value_when_nothing_overrides_it() {
    let p = Project::with_ini(INI_URL);
    let out = p.config_json(&[]).run();
    out.code(0);
    assert_eq!(
        effective_url(&out.json()),
        pair("sqlite://ini.db", "schema.ini:2")
    );
    // An empty DATABASE_URL is no URL at all.
    let out = p.config_json(&[]).env("DATABASE_URL", "").run();
    out.code(0);
    assert_eq!(
        effective_url(&out.json()),
        pair("sqlite://ini.db", "schema.ini:2")
    );
}

#[test]
fn expansion_from_the_environment_and_dotenv() {
    let ini = "[schema]\ndiesel.url = ${DB_URL}\ndiesel.pool_size = ${POOL:-3}\n";
    let p = Project::with_ini(ini);

    let out = p
        .config_json(&[])
        .env("DB_URL", "postgres://app@db/prod")
        .env("POOL", "12")
        .run();
    out.code(0);
    let report = out.json();
    assert_eq!(
        effective_url(&report),
        pair(
            "postgres://app@db/prod",
            "schema.ini:2 with ${DB_URL} from env"
        )
    );
    assert_eq!(
        report["effective"]["pool_size"],
        json!({"value": 12, "source": "schema.ini:3 with ${POOL} from env"})
    );
    // `values` holds the ini reading: `${}` is expanded only for engine
    // options.
    assert_eq!(report["values"]["diesel.url"]["value"], "${DB_URL}");

    p.file(".env", "DB_URL=sqlite://from-dotenv.db\nPOOL=\n");
    let out = p.config_json(&[]).run();
    out.code(0);
    let report = out.json();
    assert_eq!(
        effective_url(&report),
        pair(
            "sqlite://from-dotenv.db",
            "schema.ini:2 with ${DB_URL} from .env"
        )
    );
    // Set but empty: the default applies.
    assert_eq!(
        report["effective"]["pool_size"],
        json!({"value": 3, "source": "schema.ini:3 with ${POOL} from its default"})
    );

    // The process environment wins over .env for ${NAME} too.
    let out = p
        .config_json(&[])
        .env("DB_URL", "sqlite://from-env.db")
        .run();
    out.code(0);
    assert_eq!(
        effective_url(&out.json()),
        pair(
            "sqlite://from-env.db",
            "schema.ini:2 with ${DB_URL} from env"
        )
    );
}

#[test]
fn expansion_default_when_unset_and_literal_dollar_brace() {
    let p = Project::with_ini(
        "[schema]\ndiesel.url = ${DB_URL:-sqlite://fallback.db}\ndiesel.connect_args.journal_mode = ${MODE:-wal}\n",
    );
    let out = p.config_json(&[]).run();
    out.code(0);
    let report = out.json();
    assert_eq!(
        effective_url(&report),
        pair(
            "sqlite://fallback.db",
            "schema.ini:2 with ${DB_URL} from its default"
        )
    );
    assert_eq!(
        report["effective"]["connect_args.journal_mode"]["value"],
        "WAL"
    );

    let p = Project::with_ini(
        "[schema]\ndiesel.url = postgres://db/app\ndiesel.connect_args.application_name = cost$${NOT_A_VAR}\n",
    );
    let out = p.config_json(&[]).run();
    out.code(0);
    assert_eq!(
        out.json()["effective"]["connect_args.application_name"]["value"],
        "cost${NOT_A_VAR}"
    );
}

#[test]
fn set_section_sets_a_key_of_any_section() {
    let p = Project::with_ini(
        "[schema]\ndiesel.url = sqlite://schema.db\n[production]\ndiesel.url = sqlite://prod.db\n",
    );
    let out = p
        .config_json(&[
            "-n",
            "production",
            "--set-section",
            "production",
            "diesel.pool_size=9",
        ])
        .run();
    out.code(0);
    let report = out.json();
    assert_eq!(
        report["effective"]["pool_size"],
        json!({"value": 9, "source": "command line --set"})
    );
    assert_eq!(
        effective_url(&report),
        pair("sqlite://prod.db", "schema.ini:4")
    );

    // A section the file does not have is created.
    let out = p
        .config_json(&[
            "--set-section",
            "loggers",
            "level=DEBUG",
            "--section",
            "loggers",
        ])
        .run();
    out.code(0);
    let report = out.json();
    assert_eq!(report["exists"], true);
    assert_eq!(
        report["values"]["level"],
        json!({"value": "DEBUG", "source": "command line --set"})
    );
    assert_eq!(
        report["sections"],
        json!(["schema", "production", "loggers"])
    );
}

#[test]
fn a_value_set_on_the_command_line_is_literal() {
    let p = Project::with_ini(INI_URL);
    let out = p
        .config_json(&[
            "-x",
            "diesel.url=postgres://app:50%done@db/prod",
            "-x",
            "note=100% %(here)s",
            "--reveal",
        ])
        .run();
    out.code(0);
    let report = out.json();
    assert_eq!(
        effective_url(&report),
        pair("postgres://app:50%done@db/prod", "command line --set")
    );
    assert_eq!(
        report["values"]["note"],
        json!({"value": "100% %(here)s", "source": "command line --set"})
    );
    assert_eq!(report["raw"]["note"], "100% %(here)s");
    assert_eq!(report["problems"], json!([]));
}

#[test]
fn name_picks_the_main_section() {
    let p = Project::with_ini(
        "[schema]\ndiesel.url = sqlite://schema.db\n\n[production]\ndiesel.url = postgres://app@db/prod\ndiesel.pool_size = 20\n",
    );
    let out = p.config_json(&["-n", "production"]).run();
    out.code(0);
    let report = out.json();
    assert_eq!(report["main_section"], "production");
    assert_eq!(report["section"], "production");
    assert_eq!(
        effective_url(&report),
        pair("postgres://app@db/prod", "schema.ini:5")
    );
    assert_eq!(report["effective"]["pool_size"]["value"], 20);
    // -x sets a key of the chosen main section.
    let out = p
        .config_json(&["-n", "production", "-x", "diesel.pool_size=2"])
        .run();
    assert_eq!(
        out.json()["effective"]["pool_size"],
        json!({"value": 2, "source": "command line --set"})
    );
}

#[test]
fn database_url_flag_fills_a_file_without_url() {
    let p = Project::empty();
    p.file(
        "alembic.ini",
        "[alembic]\nscript_location = migrations\nsqlalchemy.echo = true\n",
    );
    let out = p
        .cmd([
            "-c",
            "alembic.ini",
            "--database-url",
            "sqlite:///rel.db",
            "config",
            "--format",
            "json",
        ])
        .run();
    out.code(0);
    let report = out.json();
    assert_eq!(
        report["values"]["sqlalchemy.url"],
        json!({"value": "sqlite:///rel.db", "source": "command line --database-url"})
    );
    assert_eq!(report["effective"]["echo"]["value"], true);
}
