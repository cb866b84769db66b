//! Every parser that reads text from outside (the ini file, URLs,
//! metadata.toml, the SQL splitter, targets, `databases_file`) never
//! panics, and never echoes a password back in what it returns or prints.
//!
//! Property tests with a fixed seed and a small number of cases, so that
//! CI runs the same inputs every time in a few seconds; set
//! `SCHEMA_PROPTEST_CASES=100000` for a longer run (the cargo-fuzz
//! targets in `fuzz/` cover the same parsers for open-ended runs).

use std::str::FromStr;

use proptest::prelude::*;
use proptest::test_runner::{Config as RunConfig, RngAlgorithm, TestRng, TestRunner};
use schema_core::migrations::{MigrationFiles, MigrationSet, Range, Target};
use schema_core::url::{Backend, DatabaseUrl, UrlStyle};
use schema_core::{sql, Config, EnvPolicy, Environment, Project, ProjectSpec};

/// The password planted in inputs; it must never come back.
const SECRET: &str = "Zq7Sekr3t";

/// Cases per property: small in CI, more by `SCHEMA_PROPTEST_CASES`.
fn cases() -> u32 {
    std::env::var("SCHEMA_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// A runner with a fixed seed: the same inputs on every run.
fn runner() -> TestRunner {
    runner_of(cases())
}

fn runner_of(cases: u32) -> TestRunner {
    let config = RunConfig {
        cases,
        failure_persistence: None,
        ..RunConfig::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// Text made of what the parsers treat specially, plus anything else.
fn text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        "[",
        "]",
        "=",
        ":",
        ";",
        "#",
        "%",
        "(",
        ")",
        "s",
        "$",
        "{",
        "}",
        "\n",
        "\r",
        "\t",
        " ",
        "'",
        "\"",
        "`",
        "\\",
        "/",
        "@",
        "?",
        "&",
        "-",
        "--",
        "/*",
        "*/",
        "$$",
        "DELIMITER",
        "BEGIN",
        "END",
        "CASE",
        "://",
        "postgres",
        "mysql",
        "sqlite",
        "diesel.url",
        "revision",
        "down_revision",
        "head",
        "base",
        "+1",
        "-1",
        "@head",
        ":",
        "\u{feff}",
        "\u{1b}",
        "é",
        "\u{202e}",
        "0",
        "9",
        "a",
        "Z",
    ]);
    let piece = prop_oneof![
        3 => special.prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// A password with the characters that broke masking: quotes, `<`, `>`,
/// a backtick, a space.
fn password() -> impl Strategy<Value = String> {
    let odd = prop::sample::select(vec![
        "'", "\"", "<", ">", "`", " ", "%25", "!", "~", "*", "=",
    ]);
    prop::collection::vec(odd, 0..4).prop_map(|v| format!("{SECRET}{}", v.concat()))
}

fn no_secret(what: &str, out: &str) -> Result<(), TestCaseError> {
    prop_assert!(!out.contains(SECRET), "{what} echoed the password: {out}");
    Ok(())
}

#[test]
fn the_ini_reader_never_panics_nor_echoes_a_password() {
    runner()
        .run(&(text(), password(), text()), |(before, pw, after)| {
            let ini = format!("{before}\n[schema]\ndiesel.url = postgres://app:{pw}@db/x\n{after}");
            match Config::from_str_at("/fuzz/schema.ini", &ini, None) {
                Err(e) => no_secret("ini error", &e.to_string())?,
                Ok(config) => {
                    let project = Project::with_config(
                        config,
                        ProjectSpec::new("/fuzz/schema.ini").env(EnvPolicy::BuildTime),
                    );
                    if let Ok(project) = project {
                        let resolved = project.resolve_engine(None);
                        for d in &resolved.problems {
                            no_secret("engine diagnostic", &d.to_string())?;
                        }
                        for effective in resolved.effective.values() {
                            no_secret("effective value", &format!("{effective:?}"))?;
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn urls_never_panic_and_mask_every_password() {
    runner()
        .run(&(text(), password(), text()), |(head, pw, tail)| {
            for url in [
                format!("postgres://app:{pw}@db/x{tail}"),
                format!("mysql://app@db/x?password={pw}"),
                format!("postgres://db/x?sslmode=require&sslpassword={pw}"),
                format!("{head}://app:{pw}@{tail}"),
            ] {
                for style in [UrlStyle::Diesel, UrlStyle::SqlAlchemy] {
                    match DatabaseUrl::parse(&url, style) {
                        Ok(parsed) => {
                            no_secret("masked", &parsed.masked())?;
                            no_secret("Display", &parsed.to_string())?;
                            no_secret("Debug", &format!("{parsed:?}"))?;
                        }
                        Err(e) => no_secret("URL error", &e.to_string())?,
                    }
                }
                no_secret(
                    "mask_urls",
                    &schema_core::secret::mask_urls(&format!("see {url}: refused")),
                )?;
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn metadata_and_folder_names_never_panic() {
    runner()
        .run(&(text(), text(), text()), |(name, metadata, up)| {
            let files = vec![MigrationFiles {
                folder_name: format!("2024-01-01-000001_{name}"),
                up_sql: up,
                down_sql: None,
                metadata_toml: Some(metadata),
                dir: None,
            }];
            match MigrationSet::from_files(files) {
                Ok(set) => {
                    for m in set.migrations() {
                        prop_assert!(schema_core::text::unsafe_char(&m.folder_name).is_none());
                        prop_assert!(schema_core::text::unsafe_char(&m.revision).is_none());
                    }
                }
                Err(errors) => {
                    for e in errors {
                        let shown = e.to_string();
                        prop_assert!(!shown.contains('\u{1b}'), "{shown:?}");
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_sql_splitter_never_panics_and_keeps_every_statement() {
    runner()
        .run(&text(), |script| {
            for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
                for statement in sql::split(&script, backend) {
                    prop_assert!(statement.line >= 1);
                    prop_assert!(!statement.text.trim().is_empty());
                }
                let comment = sql::comment_text(&script);
                prop_assert!(!comment.contains(['\n', '\r']), "{comment:?}");
                let literal = sql::string_literal(&script, backend);
                prop_assert!(literal.ends_with('\''));
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn targets_never_panic() {
    runner()
        .run(&text(), |t| {
            let _ = Target::from_str(&t).map_err(|e| e.to_string());
            let _ = Range::from_str(&t).map_err(|e| e.to_string());
            Ok(())
        })
        .unwrap();
}

#[test]
fn databases_files_never_panic_nor_echo_a_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ini = dir.path().join("schema.ini");
    std::fs::write(
        &ini,
        "[schema]\ndiesel.url = sqlite://app.db\ndatabases_file = dbs.txt\n",
    )
    .expect("write");
    // Each case writes the file: fewer of them.
    runner_of(cases() / 4 + 1)
        .run(&(text(), password()), |(lines, pw)| {
            let file = format!("{lines}\nprod postgres://app:{pw}@db/x\n{lines}");
            std::fs::write(dir.path().join("dbs.txt"), file).expect("write");
            let spec = ProjectSpec::new(&ini).env(EnvPolicy::Fixed(Environment::default()));
            if let Ok(project) = Project::open(spec) {
                match project.databases() {
                    Err(e) => no_secret("databases_file error", &e.to_string())?,
                    Ok(dbs) => {
                        for db in dbs {
                            no_secret("origin", &db.origin_text())?;
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}
