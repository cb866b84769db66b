//! A catalogue of broken configurations: each must exit 2 with the right
//! error kind at the right line, in JSON and in text, and never panic.

use serde_json::Value;

use crate::support::{problems, Project};

/// What a case expects in the JSON report.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Report {
    /// The file (or the command line) cannot be read: `{"file", "error"}`.
    Unreadable,
    /// The file reads; `problems` lists what is wrong.
    Problems,
}

/// One broken input.
#[derive(Debug, Clone, Copy)]
struct Case {
    name: &'static str,
    /// `schema.ini`; `None` writes no file.
    ini: Option<&'static [u8]>,
    /// A `.env` next to it.
    dotenv: Option<&'static str>,
    /// Extra command-line arguments.
    args: &'static [&'static str],
    /// Variables for the child.
    env: &'static [(&'static str, &'static str)],
    report: Report,
    /// Every `(kind, line)` expected, in order (one for `Unreadable`).
    expect: &'static [(&'static str, Option<u64>)],
    /// The suggestion of the first problem.
    suggestion: Option<&'static str>,
    /// Text the first problem's message must hold.
    message: Option<&'static str>,
}

const BASE: Case = Case {
    name: "",
    ini: None,
    dotenv: None,
    args: &[],
    env: &[],
    report: Report::Problems,
    expect: &[],
    suggestion: None,
    message: None,
};

/// A file that does not read at all.
const fn unreadable(
    name: &'static str,
    ini: &'static [u8],
    expect: &'static [(&'static str, Option<u64>)],
) -> Case {
    Case {
        name,
        ini: Some(ini),
        report: Report::Unreadable,
        expect,
        ..BASE
    }
}

/// A file that reads, and the problems it has.
const fn readable(
    name: &'static str,
    ini: &'static str,
    expect: &'static [(&'static str, Option<u64>)],
) -> Case {
    Case {
        name,
        ini: Some(ini.as_bytes()),
        expect,
        ..BASE
    }
}

const SQLITE: &str = "[schema]\ndiesel.url = sqlite://app.db\n";

const CASES: &[Case] = &[
    // The ini syntax.
    unreadable(
        "malformed_line",
        b"[schema]\ndiesel.url = sqlite://app.db\nthis is not a pair\n",
        &[("parse", Some(3))],
    ),
    unreadable(
        "unclosed_header",
        b"[schema]\ndiesel.url = sqlite://app.db\n[loggers\n",
        &[("parse", Some(3))],
    ),
    unreadable(
        "key_before_section",
        b"diesel.url = sqlite://app.db\n[schema]\n",
        &[("missing_section_header", Some(1))],
    ),
    unreadable(
        "duplicate_key",
        b"[schema]\ndiesel.url = sqlite://app.db\nDiesel.URL = sqlite://other.db\n",
        &[("duplicate_option", Some(3))],
    ),
    unreadable(
        "duplicate_default_key",
        b"[DEFAULT]\nhost = a\n[schema]\nhost = b\nhost = c\n",
        &[("duplicate_option", Some(5))],
    ),
    unreadable(
        "duplicate_section",
        b"[schema]\ndiesel.url = sqlite://app.db\n[loggers]\nkeys = root\n[schema]\n",
        &[("duplicate_section", Some(5))],
    ),
    unreadable(
        "empty_key",
        b"[schema]\ndiesel.url = sqlite://app.db\n= value\n",
        &[("parse", Some(3))],
    ),
    unreadable(
        "invalid_utf8",
        b"[schema]\ndiesel.url = sqlite://app.db\nname = caf\xe9\n",
        &[("encoding", Some(3))],
    ),
    // Interpolation.
    readable(
        "lone_percent",
        "[schema]\ndiesel.url = sqlite://app.db\ndiscount = 50%\n",
        &[("interpolation_syntax", Some(3))],
    ),
    readable(
        "percent_d",
        "[schema]\ndiesel.url = sqlite://app.db\nn = 1\nbad = %(n)d\n",
        &[("interpolation_syntax", Some(4))],
    ),
    readable(
        "missing_reference",
        "[schema]\ndiesel.url = sqlite://app.db\nlogs = %(nope)s/logs\n",
        &[("interpolation_missing_option", Some(3))],
    ),
    Case {
        suggestion: Some("%(script_location)s"),
        ..readable(
            "missing_reference_typo",
            "[schema]\ndiesel.url = sqlite://app.db\nscript_location = m\nlogs = %(script_locaton)s/logs\n",
            &[("interpolation_missing_option", Some(4))],
        )
    },
    readable(
        "self_reference",
        "[schema]\ndiesel.url = sqlite://app.db\nloop = %(loop)s\n",
        &[("interpolation_depth", Some(3))],
    ),
    readable(
        "reference_cycle",
        "[schema]\ndiesel.url = sqlite://app.db\na = %(b)s\nb = %(a)s\n",
        &[("interpolation_depth", Some(3)), ("interpolation_depth", Some(4))],
    ),
    // Engine options.
    Case {
        suggestion: Some("diesel.pool_size"),
        message: Some("`diesel.pool_sise` is not an engine option"),
        ..readable(
            "unknown_option",
            "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_sise = 5\n",
            &[("unknown_option", Some(3))],
        )
    },
    Case {
        suggestion: Some("diesel.connect_args.busy_timeout"),
        ..readable(
            "unknown_connect_arg",
            "[schema]\ndiesel.url = sqlite://app.db\ndiesel.connect_args.busy_timout = 5s\n",
            &[("unknown_option", Some(3))],
        )
    },
    Case {
        message: Some("expected whole number >= 0, got `five`"),
        ..readable(
            "pool_size_word",
            "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_size = five\n",
            &[("invalid_value", Some(3))],
        )
    },
    readable(
        "pool_size_negative",
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_size = -1\n",
        &[("invalid_value", Some(3))],
    ),
    readable(
        "max_overflow_below_minus_one",
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.max_overflow = -2\n",
        &[("invalid_value", Some(3))],
    ),
    readable(
        "pool_timeout_word",
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_timeout = soon\n",
        &[("invalid_value", Some(3))],
    ),
    readable(
        "pool_timeout_never",
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_timeout = -1\n",
        &[("invalid_value", Some(3))],
    ),
    readable(
        "pool_recycle_word",
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_recycle = hourly\n",
        &[("invalid_value", Some(3))],
    ),
    readable(
        "pool_pre_ping_maybe",
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_pre_ping = maybe\n",
        &[("invalid_value", Some(3))],
    ),
    readable(
        "echo_loud",
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.echo = loud\n",
        &[("invalid_value", Some(3))],
    ),
    Case {
        suggestion: Some("NullPool"),
        ..readable(
            "poolclass_typo",
            "[schema]\ndiesel.url = sqlite://app.db\ndiesel.poolclass = NulPool\n",
            &[("invalid_value", Some(3))],
        )
    },
    readable(
        "isolation_level_unknown",
        "[schema]\ndiesel.url = postgres://db/app\ndiesel.isolation_level = READ SOMETIMES\n",
        &[("invalid_value", Some(3))],
    ),
    Case {
        message: Some("SQLite supports only SERIALIZABLE and READ UNCOMMITTED"),
        ..readable(
            "isolation_level_sqlite_lacks",
            "[schema]\ndiesel.url = sqlite://app.db\ndiesel.isolation_level = READ COMMITTED\n",
            &[("invalid_value", Some(3))],
        )
    },
    readable(
        "busy_timeout_unit",
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.connect_args.busy_timeout = 5 parsecs\n",
        &[("invalid_value", Some(3))],
    ),
    Case {
        message: Some("is a postgres setting, but the URL is for sqlite"),
        ..readable(
            "postgres_arg_on_sqlite",
            "[schema]\ndiesel.url = sqlite://app.db\ndiesel.connect_args.statement_timeout = 5s\n",
            &[("wrong_backend", Some(3))],
        )
    },
    readable(
        "sqlite_arg_on_mysql",
        "[schema]\ndiesel.url = mysql://root@db/app\ndiesel.connect_args.journal_mode = WAL\n",
        &[("wrong_backend", Some(3))],
    ),
    // URLs.
    Case {
        message: Some("unsupported database `oracle`"),
        ..readable(
            "unsupported_scheme",
            "[schema]\ndiesel.url = oracle://db/app\n",
            &[("invalid_url", Some(2))],
        )
    },
    readable(
        "bad_port",
        "[schema]\ndiesel.url = postgres://db:99999/app\n",
        &[("invalid_url", Some(2))],
    ),
    // A value only Python would read as a URL (an empty `diesel.url =` is
    // not here: it leaves the URL to run time, see deferred_url.rs).
    Case {
        message: Some("ini values keep their quotes"),
        ..readable(
            "quoted_url",
            "[alembic]\nsqlalchemy.url = \"mysql+pymysql://app@db/app\"\n",
            &[("invalid_url", Some(2))],
        )
    },
    Case {
        message: Some("is two quote characters, not an empty value"),
        ..readable(
            "two_quote_characters",
            "[alembic]\nsqlalchemy.url = \"\"\n",
            &[("invalid_url", Some(2))],
        )
    },
    Case {
        message: Some("is a Python expression"),
        ..readable(
            "python_f_string",
            "[schema]\ndiesel.url = f'postgresql+psycopg2://{user}@db/app'\n",
            &[("invalid_url", Some(2))],
        )
    },
    Case {
        message: Some("`postgresql+async` names no SQLAlchemy driver"),
        suggestion: Some("postgresql+asyncpg://"),
        ..readable(
            "unknown_sqlalchemy_driver",
            "[alembic]\nsqlalchemy.url = postgresql+async://app@db/app\n",
            &[("invalid_url", Some(2))],
        )
    },
    Case {
        message: Some("SQLAlchemy reads it with make_url, which needs `dialect://...`"),
        ..readable(
            "sqlalchemy_bare_word",
            "[alembic]\nsqlalchemy.url = not a url\n",
            &[("invalid_url", Some(2))],
        )
    },
    readable(
        "bad_driver",
        "[schema]\ndiesel.url = postgresql+://db/app\n",
        &[("invalid_url", Some(2))],
    ),
    readable(
        "not_a_url",
        "[schema]\ndiesel.url = localhost:5432\n",
        &[("invalid_url", Some(2))],
    ),
    readable(
        "sqlalchemy_sqlite_with_host",
        "[alembic]\nsqlalchemy.url = sqlite://host/app.db\n",
        &[("invalid_url", Some(2))],
    ),
    // The environment (an unset `${NAME}` in the URL leaves it to run
    // time: deferred_url.rs).
    readable(
        "unset_variable",
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_size = ${UNSET_POOL_SIZE}\n",
        &[("env_missing", Some(3))],
    ),
    readable(
        "unclosed_variable",
        "[schema]\ndiesel.url = ${DATABASE_URL\n",
        &[("env_syntax", Some(2))],
    ),
    readable(
        "bad_variable_name",
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_size = ${1POOL}\n",
        &[("env_syntax", Some(3))],
    ),
    Case {
        env: &[("DATABASE_URL", "oracle://db/app")],
        message: Some("DATABASE_URL (from env)"),
        ..readable("bad_database_url_env", SQLITE, &[("invalid_url", None)])
    },
    Case {
        dotenv: Some("DATABASE_URL=postgres://db:99999/app\n"),
        message: Some("DATABASE_URL (from .env)"),
        ..readable("bad_database_url_dotenv", SQLITE, &[("invalid_url", None)])
    },
    Case {
        dotenv: Some("A=1\nnot a line\n"),
        report: Report::Unreadable,
        expect: &[("dotenv", Some(2))],
        ..readable("malformed_dotenv", SQLITE, &[])
    },
    // Missing things (a missing URL is left to run time: deferred_url.rs).
    Case {
        name: "missing_file",
        report: Report::Unreadable,
        expect: &[("not_found", None)],
        ..BASE
    },
    Case {
        args: &["-n", "nope"],
        // The missing section explains the missing URL: one problem.
        expect: &[("missing_section", None)],
        ..readable("missing_named_section", SQLITE, &[])
    },
    Case {
        args: &["--section", "nope"],
        expect: &[("missing_section", None)],
        ..readable("missing_shown_section", SQLITE, &[])
    },
    // The command line.
    // Alembic's `-n DEFAULT`: configparser never counts [DEFAULT] as a
    // section, so `get_section("DEFAULT")` finds none: a missing section.
    Case {
        args: &["-n", "DEFAULT"],
        expect: &[("missing_section", None)],
        ..readable("name_default", SQLITE, &[])
    },
    Case {
        args: &["--set-section", "DEFAULT", "a=b"],
        report: Report::Unreadable,
        expect: &[("invalid_section_name", None)],
        ..readable("set_section_default", SQLITE, &[])
    },
    Case {
        args: &["-x", "novalue"],
        report: Report::Unreadable,
        expect: &[("invalid_override", None)],
        ..readable("set_without_equals", SQLITE, &[])
    },
    Case {
        args: &["-x", "=value"],
        report: Report::Unreadable,
        expect: &[("invalid_override", None)],
        ..readable("set_without_key", SQLITE, &[])
    },
    Case {
        args: &["-x", "diesel.pool_size=lots"],
        expect: &[("invalid_value", None)],
        ..readable("set_wrong_type", SQLITE, &[])
    },
    Case {
        args: &["--database-url", "oracle://db/app"],
        expect: &[("invalid_url", None)],
        ..readable("database_url_flag_unsupported", SQLITE, &[])
    },
];

fn project_for(case: &Case) -> Project {
    let p = Project::empty();
    if let Some(ini) = case.ini {
        p.file("schema.ini", ini);
    }
    if let Some(dotenv) = case.dotenv {
        p.file(".env", dotenv);
    }
    p
}

/// Run one case in both formats; return what went wrong, if anything.
fn check(case: &Case) -> Result<(), String> {
    let name = case.name;
    let p = project_for(case);
    let mut json_run = p.config_json(case.args);
    let mut text_run = p.config_text(case.args);
    for (k, v) in case.env {
        json_run = json_run.env(k, v);
        text_run = text_run.env(k, v);
    }

    let out = json_run.run();
    if out.code != Some(2) {
        return Err(format!(
            "{name}: JSON exit {:?}, not 2\n{}",
            out.code,
            out.all_output()
        ));
    }
    let report: Value = serde_json::from_str(&out.stdout)
        .map_err(|e| format!("{name}: stdout is not JSON ({e}): {}", out.all_output()))?;
    let (found, first) = match case.report {
        Report::Unreadable => {
            let error = &report["error"];
            if report.get("problems").is_some() || !error.is_object() {
                return Err(format!("{name}: expected {{file, error}}, got {report:#}"));
            }
            (
                vec![(
                    error["kind"].as_str().unwrap_or_default().to_owned(),
                    error["line"].as_u64(),
                )],
                error.clone(),
            )
        }
        Report::Problems => {
            if report.get("error").is_some() {
                return Err(format!("{name}: expected problems, got {report:#}"));
            }
            (problems(&report), report["problems"][0].clone())
        }
    };
    let expected: Vec<(String, Option<u64>)> = case
        .expect
        .iter()
        .map(|(k, l)| ((*k).to_owned(), *l))
        .collect();
    if found != expected {
        return Err(format!(
            "{name}: expected {expected:?}, found {found:?}\n{report:#}"
        ));
    }
    if let Some(suggestion) = case.suggestion {
        if first["suggestion"] != suggestion {
            return Err(format!(
                "{name}: suggestion {} instead of {suggestion:?}",
                first["suggestion"]
            ));
        }
    }
    if let Some(message) = case.message {
        let got = first["message"].as_str().unwrap_or_default();
        if !got.contains(message) {
            return Err(format!("{name}: message {got:?} lacks {message:?}"));
        }
    }

    let out = text_run.run();
    if out.code != Some(2) {
        return Err(format!(
            "{name}: text exit {:?}, not 2\n{}",
            out.code,
            out.all_output()
        ));
    }
    let (kind, line) = &case.expect[0];
    if !out.stderr.contains(&format!("error[{kind}]")) {
        return Err(format!(
            "{name}: stderr lacks error[{kind}]:\n{}",
            out.stderr
        ));
    }
    if let Some(line) = line {
        let file = if *kind == "dotenv" {
            ".env"
        } else {
            "schema.ini"
        };
        if !out.stderr.contains(&format!("{file}:{line}")) {
            return Err(format!(
                "{name}: stderr does not name {file}:{line}:\n{}",
                out.stderr
            ));
        }
    }
    if case.report == Report::Problems && !out.stdout.starts_with("file ") {
        return Err(format!(
            "{name}: the text report should still print:\n{}",
            out.stdout
        ));
    }
    Ok(())
}

#[test]
fn catalogue_has_enough_cases() {
    assert!(CASES.len() >= 30, "{}", CASES.len());
    let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len(), "case names must be unique");
}

#[test]
fn every_bad_input_exits_2_with_its_kind_and_line() {
    // The cases run on a few threads: each one starts the binary twice.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = CASES
            .chunks(CASES.len().div_ceil(4))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|c| check(c).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker thread"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_problem_of_a_file_in_one_run() {
    let p = Project::with_ini(
        "[schema]
diesel.url = sqlite://app.db
diesel.pool_sise = 5
diesel.echo = loud
logs = %(nope)s/logs
diesel.connect_args.statement_timeout = 5s
discount = 50%
",
    );
    let out = p.config_json(&[]).run();
    out.code(2);
    assert_eq!(
        problems(&out.json()),
        [
            ("unknown_option".to_owned(), Some(3)),
            ("invalid_value".to_owned(), Some(4)),
            ("interpolation_missing_option".to_owned(), Some(5)),
            ("wrong_backend".to_owned(), Some(6)),
            ("interpolation_syntax".to_owned(), Some(7)),
        ]
    );
    let out = p.config_text(&[]).run();
    out.code(2);
    assert_eq!(out.stderr.matches("error[").count(), 5, "{}", out.stderr);
    assert!(
        out.stderr.ends_with("5 problems in the configuration\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn every_syntax_error_of_a_file_in_one_run() {
    let p = Project::with_ini(
        "[schema]\nnot a pair\ndiesel.url = sqlite://app.db\n= v\n[loggers]\n[loggers]\n",
    );
    let out = p.config_text(&[]).run();
    out.code(2);
    for location in ["schema.ini:2:", "schema.ini:4:", "schema.ini:6:"] {
        assert!(out.stderr.contains(location), "{location}:\n{}", out.stderr);
    }
    assert_eq!(out.stderr.matches("error[").count(), 3, "{}", out.stderr);
    // JSON names the one error configparser would raise: the duplicate.
    let out = p.config_json(&[]).run();
    out.code(2);
    let report = out.json();
    assert_eq!(report["error"]["kind"], "duplicate_section");
    assert_eq!(report["error"]["line"], 6);
}

#[test]
fn usage_errors_exit_2() {
    let p = Project::with_ini(SQLITE);
    let out = p.cmd(["config", "--format", "yaml"]).run();
    out.code(2);
    assert!(
        out.stderr.contains("invalid value 'yaml'"),
        "{}",
        out.stderr
    );
    let out = p.cmd(["no-such-command"]).run();
    out.code(2);
    assert_eq!(out.stdout, "");
}
