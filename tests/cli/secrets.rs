//! A password reaches the configuration through many channels; it must
//! never show in stdout or stderr, in text or JSON, unless `--reveal` asks.

use serde_json::Value;

use crate::support::{Project, PASSWORD};

/// One way a password gets in.
#[derive(Debug, Clone, Copy)]
struct Channel {
    name: &'static str,
    ini: &'static str,
    dotenv: Option<&'static str>,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    /// The exit code (2 when the input is also broken).
    code: i32,
    /// `effective.url.value` without `--reveal`.
    masked_url: Option<&'static str>,
    /// `effective.url.value` with `--reveal`.
    revealed_url: Option<&'static str>,
    /// Strings besides [`PASSWORD`]'s pieces that must not show.
    also_forbidden: &'static [&'static str],
}

const BASE: Channel = Channel {
    name: "",
    ini: "[schema]\ndiesel.url = sqlite://app.db\n",
    dotenv: None,
    args: &[],
    env: &[],
    code: 0,
    masked_url: None,
    revealed_url: None,
    also_forbidden: &[],
};

const MASKED: Option<&str> = Some("postgres://app:***@db/prod");
const REVEALED: Option<&str> = Some("postgres://app:Sup3rS3cret@db/prod");

const CHANNELS: &[Channel] = &[
    Channel {
        name: "ini_url",
        ini: "[schema]\ndiesel.url = postgres://app:Sup3rS3cret@db/prod\n",
        masked_url: MASKED,
        revealed_url: REVEALED,
        ..BASE
    },
    Channel {
        name: "ini_multi_host_libpq",
        ini: "[schema]\ndiesel.url = postgresql://app:Sup3rS3cret@db1:5432,db2:5433/prod?target_session_attrs=read-write\n",
        masked_url: Some(
            "postgresql://app:***@db1:5432,db2:5433/prod?target_session_attrs=read-write",
        ),
        revealed_url: Some(
            "postgresql://app:Sup3rS3cret@db1:5432,db2:5433/prod?target_session_attrs=read-write",
        ),
        ..BASE
    },
    Channel {
        name: "ini_multi_host_sqlalchemy",
        ini: "[schema]\ndiesel.url = postgresql://app:Sup3rS3cret@/prod?host=db1:5432&host=db2:5433\n",
        masked_url: Some("postgresql://app:***@/prod?host=db1:5432&host=db2:5433"),
        revealed_url: Some("postgresql://app:Sup3rS3cret@/prod?host=db1:5432&host=db2:5433"),
        ..BASE
    },
    Channel {
        name: "interpolated_from_another_key",
        ini: "[schema]\npw = Sup3rS3cret\ndiesel.url = postgres://app:%(pw)s@db/prod\n",
        masked_url: MASKED,
        revealed_url: REVEALED,
        ..BASE
    },
    Channel {
        name: "interpolated_from_default",
        ini: "[DEFAULT]\npw = Sup3rS3cret\n[schema]\ndiesel.url = postgres://app:%(pw)s@db/prod\n",
        masked_url: MASKED,
        revealed_url: REVEALED,
        ..BASE
    },
    Channel {
        name: "set_flag",
        args: &["-x", "diesel.url=postgres://app:Sup3rS3cret@db/prod"],
        masked_url: MASKED,
        revealed_url: REVEALED,
        ..BASE
    },
    Channel {
        name: "set_section_flag",
        args: &[
            "--set-section",
            "schema",
            "diesel.url=postgres://app:Sup3rS3cret@db/prod",
        ],
        masked_url: MASKED,
        revealed_url: REVEALED,
        ..BASE
    },
    Channel {
        name: "database_url_flag",
        args: &["--database-url", "postgres://app:Sup3rS3cret@db/prod"],
        masked_url: MASKED,
        revealed_url: REVEALED,
        ..BASE
    },
    Channel {
        name: "process_database_url",
        env: &[("DATABASE_URL", "postgres://app:Sup3rS3cret@db/prod")],
        masked_url: MASKED,
        revealed_url: REVEALED,
        ..BASE
    },
    Channel {
        name: "dotenv_database_url",
        dotenv: Some("DATABASE_URL=postgres://app:Sup3rS3cret@db/prod\n"),
        masked_url: MASKED,
        revealed_url: REVEALED,
        ..BASE
    },
    Channel {
        name: "expanded_from_env",
        ini: "[schema]\ndiesel.url = postgres://app:${DB_PASSWORD}@db/prod\n",
        env: &[("DB_PASSWORD", "Sup3rS3cret")],
        masked_url: MASKED,
        revealed_url: REVEALED,
        ..BASE
    },
    Channel {
        name: "expanded_from_dotenv",
        ini: "[schema]\ndiesel.url = postgres://app:${DB_PASSWORD}@db/prod\n",
        dotenv: Some("DB_PASSWORD=Sup3rS3cret\n"),
        masked_url: MASKED,
        revealed_url: REVEALED,
        ..BASE
    },
    Channel {
        // Not an engine option: an unknown_option problem, whose message
        // and snippet must still hide the value.
        name: "secret_looking_connect_arg",
        ini: "[schema]\ndiesel.url = sqlite://app.db\ndiesel.connect_args.password = Sup3rS3cret\n",
        code: 2,
        masked_url: Some("sqlite://app.db"),
        ..BASE
    },
    Channel {
        name: "secret_looking_plain_key",
        ini: "[schema]\ndiesel.url = sqlite://app.db\ndb_password = Sup3rS3cret\n",
        masked_url: Some("sqlite://app.db"),
        ..BASE
    },
    Channel {
        name: "secret_looking_key_set_on_the_command_line",
        args: &["-x", "api_token=Sup3rS3cret"],
        masked_url: Some("sqlite://app.db"),
        ..BASE
    },
    Channel {
        name: "percent_encoded_in_ini",
        ini: "[schema]\ndiesel.url = postgres://app:Sup3r%%40S3cret@db/prod\n",
        masked_url: MASKED,
        revealed_url: Some("postgres://app:Sup3r%40S3cret@db/prod"),
        ..BASE
    },
    Channel {
        name: "percent_encoded_on_the_command_line",
        args: &["-x", "diesel.url=postgres://app:p%40ss@db/prod"],
        masked_url: MASKED,
        revealed_url: Some("postgres://app:p%40ss@db/prod"),
        also_forbidden: &["p%40ss", "p@ss"],
        ..BASE
    },
    Channel {
        name: "percent_encoded_in_dotenv",
        dotenv: Some("DATABASE_URL=postgres://app:p%40ss@db/prod\n"),
        masked_url: MASKED,
        revealed_url: Some("postgres://app:p%40ss@db/prod"),
        also_forbidden: &["p%40ss", "p@ss"],
        ..BASE
    },
    Channel {
        name: "raw_at_sign_on_the_command_line",
        args: &["--database-url", "postgres://app:Sup3r@S3cret@db/prod"],
        masked_url: MASKED,
        revealed_url: Some("postgres://app:Sup3r@S3cret@db/prod"),
        ..BASE
    },
    Channel {
        name: "bad_port_in_ini",
        ini: "[schema]\ndiesel.url = postgres://app:Sup3rS3cret@db:99999/prod\n",
        code: 2,
        ..BASE
    },
    Channel {
        name: "bad_port_in_database_url",
        env: &[("DATABASE_URL", "postgres://app:Sup3rS3cret@db:99999/prod")],
        code: 2,
        ..BASE
    },
    Channel {
        name: "bad_port_expanded_from_env",
        ini: "[schema]\ndiesel.url = postgres://app:${DB_PASSWORD}@db:99999/prod\n",
        env: &[("DB_PASSWORD", "Sup3rS3cret")],
        code: 2,
        ..BASE
    },
    Channel {
        name: "unsupported_scheme",
        ini: "[schema]\ndiesel.url = oracle://app:Sup3rS3cret@db/prod\n",
        code: 2,
        ..BASE
    },
    Channel {
        name: "sqlalchemy_sqlite_with_credentials",
        ini: "[alembic]\nsqlalchemy.url = sqlite://app:Sup3rS3cret@host/app.db\n",
        code: 2,
        ..BASE
    },
    Channel {
        name: "interpolation_error_in_url",
        ini: "[schema]\ndbname = prod\ndiesel.url = postgres://app:Sup3rS3cret@db/%(dbnme)s\n",
        code: 2,
        ..BASE
    },
    Channel {
        name: "lone_percent_in_url",
        ini: "[schema]\ndiesel.url = postgres://app:Sup3rS3cret@db/prod?sslmode=100%\n",
        code: 2,
        ..BASE
    },
    Channel {
        name: "secret_named_key_with_lone_percent",
        ini:
            "[schema]\npassword = Sup3rS3cret%\ndiesel.url = postgres://app:%(password)s@db/prod\n",
        code: 2,
        ..BASE
    },
    Channel {
        name: "default_password_shown_under_another_section",
        ini: "[DEFAULT]\npw = Sup3rS3cret\n[schema]\ndiesel.url = postgres://app:%(pw)s@db/prod\n[loggers]\nkeys = root\n",
        args: &["--section", "loggers"],
        ..BASE
    },
    Channel {
        name: "referenced_password_of_a_url_that_does_not_interpolate",
        ini: "[schema]\npw = Sup3rS3cret\ndiesel.url = postgres://app:%(pw)s@db/%(dbnme)s\n",
        code: 2,
        ..BASE
    },
    Channel {
        name: "referenced_password_with_a_lone_percent",
        ini: "[schema]\npw = Sup3rS3cret%\ndiesel.url = postgres://app:%(pw)s@db/prod\n",
        code: 2,
        ..BASE
    },
    Channel {
        name: "malformed_url_with_one_slash",
        ini: "[schema]\ndiesel.url = postgres:/app:Sup3rS3cret@db/prod\n",
        code: 2,
        ..BASE
    },
    Channel {
        name: "malformed_dotenv_line",
        dotenv: Some("DB_PASSWORD Sup3rS3cret\n"),
        code: 2,
        ..BASE
    },
    Channel {
        name: "override_without_equals",
        args: &["-x", "postgres://app:Sup3rS3cret@db/prod"],
        code: 2,
        ..BASE
    },
];

/// The pieces of the password any leak would show.
const PIECES: &[&str] = &["Sup3r", "S3cret"];

fn project_for(channel: &Channel) -> Project {
    let p = Project::with_ini(channel.ini);
    if let Some(dotenv) = channel.dotenv {
        p.file(".env", dotenv);
    }
    p
}

fn check(channel: &Channel) -> Result<(), String> {
    let name = channel.name;
    let p = project_for(channel);
    for format in ["text", "json"] {
        let mut args = vec!["config", "--format", format, "-c", "schema.ini"];
        args.extend_from_slice(channel.args);
        let mut run = p.cmd(args);
        for (k, v) in channel.env {
            run = run.env(k, v);
        }
        let out = run.run();
        if out.code != Some(channel.code) {
            return Err(format!(
                "{name} ({format}): exit {:?}, expected {}\n{}",
                out.code,
                channel.code,
                out.all_output()
            ));
        }
        let all = out.all_output();
        for piece in PIECES.iter().chain(channel.also_forbidden) {
            if all.contains(piece) {
                return Err(format!("{name} ({format}): `{piece}` leaked:\n{all}"));
            }
        }
        if format == "json" {
            let report: Value = serde_json::from_str(&out.stdout)
                .map_err(|e| format!("{name}: stdout is not JSON ({e}):\n{all}"))?;
            if let Some(masked) = channel.masked_url {
                let got = &report["effective"]["url"]["value"];
                if got != masked {
                    return Err(format!("{name}: effective url {got}, expected {masked}"));
                }
            }
        }
    }
    if let Some(revealed) = channel.revealed_url {
        let mut args = vec!["config", "--format", "json", "--reveal", "-c", "schema.ini"];
        args.extend_from_slice(channel.args);
        let mut run = p.cmd(args);
        for (k, v) in channel.env {
            run = run.env(k, v);
        }
        let out = run.run();
        let report: Value = serde_json::from_str(&out.stdout)
            .map_err(|e| format!("{name}: --reveal stdout is not JSON ({e})"))?;
        let got = &report["effective"]["url"]["value"];
        if got != revealed {
            return Err(format!(
                "{name}: --reveal effective url {got}, expected {revealed}"
            ));
        }
    }
    Ok(())
}

#[test]
fn no_channel_leaks_the_password() {
    assert_eq!(PIECES.concat(), PASSWORD);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = CHANNELS
            .chunks(CHANNELS.len().div_ceil(4))
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
        "{} of {} channels failed:\n\n{}",
        failures.len(),
        CHANNELS.len(),
        failures.join("\n\n")
    );
}

#[test]
fn masked_values_read_as_stars() {
    let p = Project::with_ini(
        "[schema]\npw = Sup3rS3cret\ndiesel.url = postgres://app:%(pw)s@db/prod\ndb_password = Sup3rS3cret\n",
    );
    let out = p.config_json(&[]).run();
    out.code(0);
    let report = out.json();
    assert_eq!(report["values"]["pw"]["value"], "***");
    assert_eq!(report["values"]["db_password"]["value"], "***");
    assert_eq!(report["raw"]["db_password"], "***");
    assert_eq!(report["raw"]["diesel.url"], "postgres://app:***@db/prod");
    assert_eq!(
        report["options"]["diesel.url"],
        "postgres://app:***@db/prod"
    );
    assert_eq!(report["engine"]["url"], "postgres://app:***@db/prod");
}

#[test]
fn a_secret_option_problem_keeps_its_value_hidden() {
    let p = Project::with_ini(
        "[schema]\ndiesel.url = sqlite://app.db\ndiesel.connect_args.password = Sup3rS3cret\n",
    );
    let out = p.config_json(&[]).run();
    out.code(2);
    let report = out.json();
    assert_eq!(report["problems"][0]["kind"], "unknown_option");
    assert_eq!(report["problems"][0]["key"], "diesel.connect_args.password");
    assert_eq!(
        report["values"]["diesel.connect_args.password"]["value"],
        "***"
    );
    let out = p.config_text(&[]).run();
    out.code(2);
    assert!(
        out.stderr
            .contains("3 | diesel.connect_args.password = ***\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn reveal_shows_the_password_in_every_field() {
    let p = Project::with_ini("[schema]\ndiesel.url = postgres://app:Sup3rS3cret@db/prod\n");
    let out = p.config_json(&["--reveal"]).run();
    out.code(0);
    let report = out.json();
    for field in [
        &report["values"]["diesel.url"]["value"],
        &report["raw"]["diesel.url"],
        &report["options"]["diesel.url"],
        &report["engine"]["url"],
        &report["effective"]["url"]["value"],
    ] {
        assert_eq!(field, "postgres://app:Sup3rS3cret@db/prod");
    }
    let out = p.config_text(&["--reveal"]).run();
    out.code(0);
    assert_eq!(out.stdout.matches(PASSWORD).count(), 2, "{}", out.stdout);
}

#[test]
fn an_expanded_password_keeps_its_variable_name_in_the_source() {
    let p = Project::with_ini("[schema]\ndiesel.url = postgres://app:${DB_PASSWORD}@db/prod\n");
    let out = p
        .cmd(["config", "--format", "json", "-c", "schema.ini"])
        .env("DB_PASSWORD", PASSWORD)
        .run();
    out.code(0);
    let report = out.json();
    assert_eq!(
        report["effective"]["url"]["value"],
        "postgres://app:***@db/prod"
    );
    assert_eq!(
        report["effective"]["url"]["source"],
        "schema.ini:2 with ${DB_PASSWORD} from env"
    );
    assert!(!out.all_output().contains(PASSWORD), "{}", out.all_output());
}
