//! `cargo-schema config --format json`: the shape of the report (a contract
//! for tools), each value's source, typed effective values, and the order
//! in which overrides win.

use serde_json::{json, Value};

use crate::support::{problems, Project};

const PLAIN: &str = "\
# The project's database configuration.
[schema]
script_location = %(here)s/migrations
diesel.url = sqlite://%(here)s/app.db
diesel.echo = false
diesel.pool_size = 5

[loggers]
keys = root
level = WARN
";

const ALEMBIC_INI: &str = "\
# A generic, single database configuration.

[alembic]
# path to migration scripts
script_location = %(here)s/alembic

# template used to generate migration file names; The default value is %%(rev)s_%%(slug)s
# file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s

prepend_sys_path = .

version_path_separator = os

sqlalchemy.url = driver://user:pass@localhost/dbname

[post_write_hooks]

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %%(levelname)-5.5s [%%(name)s] %%(message)s
datefmt = %%H:%%M:%%S
";

const DEFAULTS_AND_INTERPOLATION: &str = "\
[DEFAULT]
host = db.internal
pool = 8

[schema]
user = app
dbname = %(user)s_prod
diesel.url = postgres://%(user)s@%(host)s:5433/%(dbname)s
diesel.pool_size = %(pool)s
diesel.pool_timeout = 2.5
diesel.pool_pre_ping = yes
diesel.poolclass = sqlalchemy.pool.NullPool
diesel.isolation_level = read_committed
diesel.connect_args.statement_timeout = 5s
diesel.connect_args.application_name = billing
discount = 100%%
motd = first line
    second line

[production]
host = db.prod
";

/// The JSON report with the temporary folder replaced by `[TMP]`.
fn redacted_json(project: &Project, stdout: &str) -> Value {
    serde_json::from_str(&project.redact(stdout)).expect("stdout is JSON")
}

#[test]
fn plain_schema_ini() {
    let p = Project::with_ini(PLAIN);
    let out = p.config_json(&[]).run();
    out.code(0);
    insta::assert_json_snapshot!("plain_schema_ini", redacted_json(&p, &out.stdout));
}

#[test]
fn unmodified_alembic_ini() {
    let p = Project::empty();
    p.file("alembic.ini", ALEMBIC_INI);
    let out = p
        .cmd(["-c", "alembic.ini", "config", "--format", "json"])
        .env("DATABASE_URL", "postgresql+psycopg2://scott@localhost/test")
        .run();
    out.code(0);
    let report = redacted_json(&p, &out.stdout);
    assert_eq!(report["main_section"], "alembic");
    assert_eq!(report["prefix"], "sqlalchemy.");
    insta::assert_json_snapshot!("unmodified_alembic_ini", report);
}

#[test]
fn alembic_ini_url_is_an_engine_option_under_the_sqlalchemy_prefix() {
    let p = Project::empty();
    p.file(
        "alembic.ini",
        ALEMBIC_INI.replace(
            "driver://user:pass@localhost/dbname",
            "postgresql+asyncpg://scott@localhost:5432/test",
        ),
    );
    let out = p
        .cmd(["-c", "alembic.ini", "config", "--format", "json"])
        .run();
    out.code(0);
    let report = out.json();
    assert_eq!(
        report["effective"]["url"],
        json!({"value": "postgresql+asyncpg://scott@localhost:5432/test", "source": "alembic.ini:14"})
    );
    assert_eq!(
        report["engine"],
        json!({"url": "postgresql+asyncpg://scott@localhost:5432/test"})
    );
    // configparser's `%%` reads as `%` in the logging sections.
    let out = p
        .cmd([
            "-c",
            "alembic.ini",
            "config",
            "--format",
            "json",
            "--section",
            "formatter_generic",
        ])
        .run();
    out.code(0);
    assert_eq!(
        out.json()["options"]["format"],
        "%(levelname)-5.5s [%(name)s] %(message)s"
    );
}

#[test]
fn defaults_and_interpolation() {
    let p = Project::with_ini(DEFAULTS_AND_INTERPOLATION);
    let out = p.config_json(&[]).run();
    out.code(0);
    insta::assert_json_snapshot!("defaults_and_interpolation", redacted_json(&p, &out.stdout));
}

#[test]
fn section_loggers() {
    let p = Project::with_ini(PLAIN);
    let out = p.config_json(&["--section", "loggers"]).run();
    out.code(0);
    let report = redacted_json(&p, &out.stdout);
    assert_eq!(report["main_section"], "schema");
    assert_eq!(report["section"], "loggers");
    insta::assert_json_snapshot!("section_loggers", report);
}

#[test]
fn top_level_keys_in_order() {
    let p = Project::with_ini(PLAIN);
    let report = p.config_json(&[]).run().json();
    let keys: Vec<&str> = report
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "file",
            "main_section",
            "section",
            "exists",
            "sections",
            "options",
            "options_error",
            "values",
            "raw",
            "prefix",
            "engine",
            "effective",
            "problems"
        ]
    );
    assert_eq!(report["file"], json!(p.path().join("schema.ini")));
    assert_eq!(report["exists"], true);
    assert_eq!(report["sections"], json!(["schema", "loggers"]));
    assert_eq!(report["options_error"], Value::Null);
    assert_eq!(report["problems"], json!([]));
}

#[test]
fn unreadable_file_shape() {
    let p = Project::empty();
    let out = p.config_json(&[]).run();
    out.code(2);
    let file = p.path().join("schema.ini");
    assert_eq!(
        out.json(),
        json!({
            "file": file,
            "error": {
                "kind": "not_found",
                "message": format!(
                    "config file {} does not exist; create it with `cargo schema init` or pass -c FILE",
                    file.display()
                ),
                "line": null
            }
        })
    );
}

#[test]
fn unparsable_file_shape_names_the_line() {
    let p = Project::with_ini("[schema]\ndiesel.url = sqlite://a.db\nthis is not a pair\n");
    let out = p.config_json(&[]).run();
    out.code(2);
    let report = out.json();
    assert_eq!(
        report
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["file".to_owned(), "error".to_owned()])
    );
    assert_eq!(report["error"]["kind"], "parse");
    assert_eq!(report["error"]["line"], 3);
    assert_eq!(
        report["error"].as_object().map(|o| o.len()),
        Some(3),
        "{report:#}"
    );
}

#[test]
fn a_value_that_fails_to_interpolate() {
    let p = Project::with_ini(
        "[schema]\ndiesel.url = sqlite://a.db\ngood = %(here)s/x\nbad = %(nope)s/x\n",
    );
    let out = p.config_json(&[]).run();
    out.code(2);
    let report = out.json();
    assert_eq!(report["options"], Value::Null);
    // Alembic's `engine_from_config(config.get_section(...))` raises here:
    // there is no engine text to show, not an empty one.
    assert_eq!(report["engine"], Value::Null);
    assert_eq!(
        report["options_error"]["kind"],
        "interpolation_missing_option"
    );
    assert_eq!(report["options_error"]["line"], 4);
    assert_eq!(
        report["values"]["good"],
        json!({"value": format!("{}/x", p.path().display()), "source": "schema.ini:3"})
    );
    assert_eq!(
        report["values"]["bad"]["error"]["kind"],
        "interpolation_missing_option"
    );
    assert_eq!(report["values"]["bad"]["error"]["line"], 4);
    assert_eq!(report["raw"]["bad"], "%(nope)s/x");
    assert_eq!(
        problems(&report),
        [("interpolation_missing_option".to_owned(), Some(4))]
    );
}

#[test]
fn effective_values_are_typed() {
    let p = Project::with_ini(
        "[schema]
diesel.url = sqlite://app.db
diesel.echo = debug
diesel.pool_size = 7
diesel.max_overflow = -1
diesel.pool_timeout = 2.5
diesel.pool_recycle = 3600
diesel.pool_pre_ping = on
diesel.poolclass = nullpool
diesel.isolation_level = serializable
diesel.connect_args.busy_timeout = 5s
diesel.connect_args.foreign_keys = 1
diesel.connect_args.journal_mode = wal
",
    );
    let out = p.config_json(&[]).run();
    out.code(0);
    let effective = &out.json()["effective"];
    let value = |name: &str| effective[name]["value"].clone();
    assert_eq!(value("echo"), json!("debug"));
    assert_eq!(value("pool_size"), json!(7));
    assert_eq!(value("max_overflow"), json!(-1));
    assert_eq!(value("pool_timeout"), json!(2.5));
    assert_eq!(value("pool_recycle"), json!(3600));
    assert_eq!(value("pool_pre_ping"), json!(true));
    assert_eq!(value("poolclass"), json!("NullPool"));
    assert_eq!(value("isolation_level"), json!("SERIALIZABLE"));
    assert_eq!(value("connect_args.busy_timeout"), json!(5000));
    assert_eq!(value("connect_args.foreign_keys"), json!(true));
    assert_eq!(value("connect_args.journal_mode"), json!("WAL"));
    assert!(value("pool_size").is_u64());
    assert!(value("pool_pre_ping").is_boolean());
    assert_eq!(effective["pool_size"]["source"], "schema.ini:4");
    // The text of the same options is kept as written.
    assert_eq!(out.json()["engine"]["pool_pre_ping"], "on");
}

#[test]
fn defaults_fill_unset_engine_options() {
    let p = Project::with_ini("[schema]\ndiesel.url = sqlite://app.db\n");
    let report = p.config_json(&[]).run().json();
    assert_eq!(
        report["effective"],
        json!({
            "url": {"value": "sqlite://app.db", "source": "schema.ini:2"},
            "echo": {"value": false, "source": "default"},
            "pool_size": {"value": 5, "source": "default"},
            "max_overflow": {"value": 10, "source": "default"},
            "pool_timeout": {"value": 30, "source": "default"},
            "pool_recycle": {"value": -1, "source": "default"},
            "pool_pre_ping": {"value": false, "source": "default"},
            "poolclass": {"value": "QueuePool", "source": "default"}
        })
    );
    assert_eq!(
        report["values"]["here"],
        json!({"value": p.path().display().to_string(), "source": "built-in"})
    );
}

#[test]
fn values_list_own_keys_then_inherited_defaults() {
    let p = Project::with_ini(
        "[DEFAULT]\nzeta = 1\nalpha = 2\n[schema]\ndiesel.url = sqlite://a.db\nalpha = 3\nbeta = 4\n",
    );
    let report = p.config_json(&[]).run().json();
    let keys: Vec<&str> = report["values"]
        .as_object()
        .expect("values")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["diesel.url", "alpha", "beta", "here", "zeta"]);
    assert_eq!(report["values"]["alpha"]["source"], "schema.ini:6");
    assert_eq!(report["values"]["zeta"]["source"], "schema.ini:2");
    // Alembic's get_section order: [DEFAULT] keys first, `here` leading.
    let options: Vec<&str> = report["options"]
        .as_object()
        .expect("options")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(options, ["here", "zeta", "alpha", "diesel.url", "beta"]);
    assert_eq!(report["options"]["alpha"], "3");
}

/// `--set-section` takes any section name but DEFAULT, the empty one
/// included, as Alembic 1.20's `set_section_option` (configparser's
/// `add_section`) does; `-n DEFAULT` is a missing main section, as
/// `get_section("DEFAULT")` is None there.
#[test]
fn set_section_and_name_take_what_alembic_takes() {
    let p = Project::with_ini("[DEFAULT]\nshared = 1\n[schema]\ndiesel.url = sqlite://a.db\n");
    let out = p
        .config_json(&["--set-section", "", "k=v", "--section", ""])
        .run();
    out.code(0);
    let report = out.json();
    assert_eq!(report["exists"], true);
    assert_eq!(report["options"]["k"], "v");
    assert_eq!(report["options"]["shared"], "1");
    assert_eq!(report["sections"], json!(["schema", ""]));

    let out = p.config_json(&["--set-section", "DEFAULT", "k=v"]).run();
    out.code(2);

    let out = p.config_json(&["-n", "DEFAULT"]).run();
    out.code(2);
    let report = out.json();
    assert_eq!(report["main_section"], "DEFAULT");
    assert_eq!(report["exists"], false);
    assert_eq!(report["options"], json!({}));
    assert_eq!(problems(&report)[0].0, "missing_section");
}
