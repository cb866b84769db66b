//! alembic.ini files as real projects have them, read by `config`: every
//! template Alembic has shipped since 1.0 and Flask-Migrate since 2.0
//! (`alembic_corpus/generated`, written by `alembic_corpus/regenerate.py`
//! from the releases on PyPI), and hand-written files in the other layouts
//! projects use (`alembic_corpus/handwritten`: URLs interpolated from other
//! keys, `[DEFAULT]` or `%(here)s`, left empty, quoted, Python).
//!
//! Each file's exit code and messages are one snapshot; and with
//! SCHEMA_TEST_ALEMBIC_PYTHON naming a Python with PyPI's alembic, each
//! file's reading is compared with Alembic's own.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{Outcome, Project};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cli/alembic_corpus")
}

/// Every file of the corpus, as `generated/NAME.ini` or
/// `handwritten/NAME.ini`, sorted.
fn corpus() -> Vec<String> {
    let mut files = Vec::new();
    for dir in ["generated", "handwritten"] {
        for entry in std::fs::read_dir(corpus_dir().join(dir)).expect("corpus folder") {
            let name = entry.expect("corpus entry").file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".ini") {
                files.push(format!("{dir}/{name}"));
            }
        }
    }
    files.sort();
    files
}

/// A project holding the corpus file as `alembic.ini`.
fn project_for(file: &str) -> Project {
    let p = Project::empty();
    p.file(
        "alembic.ini",
        std::fs::read(corpus_dir().join(file)).expect("read a corpus file"),
    );
    p
}

fn config(p: &Project, extra: &[&str]) -> Outcome {
    let mut args = vec!["-c", "alembic.ini", "config"];
    args.extend_from_slice(extra);
    p.cmd(args).run()
}

#[test]
fn the_corpus_has_every_layout() {
    let files = corpus();
    assert!(files.len() >= 30, "{}", files.len());
    for layout in [
        "generated/alembic-generic-1.0.0.ini",
        "generated/alembic-async-",
        "generated/alembic-multidb-1.0.0.ini",
        "generated/alembic-pyproject-",
        "generated/flask-migrate-flask-",
        "handwritten/url-from-other-keys.ini",
        "handwritten/sqlite-next-to-ini.ini",
    ] {
        assert!(
            files.iter().any(|f| f.starts_with(layout)),
            "no {layout}* in the corpus"
        );
    }
}

/// What `config` says of one file, in text and JSON, as the snapshot
/// shows it.
fn summary(file: &str) -> String {
    let p = project_for(file);
    let json = config(&p, &["--format", "json"]);
    let text = config(&p, &[]);
    assert_eq!(json.code, text.code, "{file}: text and JSON disagree");
    let report = json.json();
    let problems = report["problems"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        json.code == Some(0),
        problems.is_empty(),
        "{file}: exit {:?} with {} problems",
        json.code,
        problems.len()
    );
    let mut out = format!("== {file}\nexit {}\n", json.code.unwrap_or(-1));
    let url = &report["effective"]["url"];
    match (&url["value"], &url["deferred"]) {
        (_, Value::Object(deferred)) => {
            out += &format!(
                "url left to run time ({}, {})\n",
                deferred["kind"], url["source"]
            );
        }
        (Value::String(value), _) => out += &format!("url {value} ({})\n", url["source"]),
        _ => out += "no url\n",
    }
    for line in text.stdout.lines().filter(|l| l.starts_with("note: ")) {
        out += line;
        out.push('\n');
    }
    out += &text.stderr;
    p.redact(&out)
}

#[test]
fn every_file_reads_with_its_exit_code_and_messages() {
    let files = corpus();
    let summaries: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(files.len().div_ceil(4))
            .map(|chunk| scope.spawn(move || chunk.iter().map(|f| summary(f)).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker thread"))
            .collect()
    });
    insta::assert_snapshot!("alembic_corpus", summaries.join("\n"));
}

/// Alembic's reading of each file: `Config(file)`, then
/// `get_section(config_ini_section, {})` and the URL, and whether
/// SQLAlchemy's `make_url(url).get_dialect()` takes the URL.
const ALEMBIC: &str = r#"
import json, sys
from alembic.config import Config
from sqlalchemy.engine import make_url

def run(path):
    config = Config(path)
    out = {}
    try:
        out["options"] = config.get_section(config.config_ini_section, {})
    except Exception as e:
        out["options"] = type(e).__name__
    try:
        url = config.get_main_option("sqlalchemy.url")
    except Exception as e:
        url = None
        out["url_error"] = type(e).__name__
    out["url"] = url
    if url:
        try:
            make_url(url).get_dialect()
            out["sqlalchemy"] = "ok"
        except Exception as e:
            out["sqlalchemy"] = type(e).__name__
    return out

paths = json.loads(sys.stdin.read())
json.dump([run(p) for p in paths], sys.stdout)
"#;

fn alembic_python() -> Option<PathBuf> {
    match std::env::var_os("SCHEMA_TEST_ALEMBIC_PYTHON") {
        Some(python) if !python.is_empty() => Some(PathBuf::from(python)),
        _ => schema_test_support::unavailable(
            "SCHEMA_TEST_ALEMBIC_PYTHON is not set (a Python with PyPI's alembic; .ci/run makes one in target/alembic-venv)",
        ),
    }
}

/// Alembic's reading of `paths`, one JSON object each.
fn alembic_reads(python: &Path, paths: &[PathBuf]) -> Vec<Value> {
    let mut child = Command::new(python)
        .args(["-c", ALEMBIC])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {}: {e}", python.display()));
    let input = serde_json::to_vec(paths).expect("paths as JSON");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write paths");
    let output = child.wait_with_output().expect("alembic's python ends");
    assert!(
        output.status.success(),
        "alembic's python failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("alembic's python prints JSON")
}

/// Files whose URL SQLAlchemy takes and cargo-schema refuses, and why.
const EXPLAINED: &[(&str, &str)] = &[(
    "handwritten/unknown-dialect.ini",
    "oracle: no diesel backend drives it",
)];

/// Where our verdict on the URL and Alembic's (through SQLAlchemy) agree,
/// or `Err` with the difference.
fn same_verdict(ours: &Value, theirs: &Value) -> Result<(), String> {
    let url = &ours["effective"]["url"];
    let invalid = ours["problems"]
        .as_array()
        .is_some_and(|p| p.iter().any(|p| p["kind"] == "invalid_url"));
    let their_url = theirs["url"].as_str().unwrap_or_default();
    let sqlalchemy = theirs["sqlalchemy"].as_str();
    let agree = match url["deferred"]["kind"].as_str() {
        // Nothing to connect with in either.
        Some("absent" | "empty") => their_url.is_empty(),
        // SQLAlchemy has no `driver` dialect: Alembic fails only when env.py
        // forgets to replace it, cargo-schema asks for the URL then.
        Some("placeholder") => sqlalchemy == Some("NoSuchModuleError"),
        // `${NAME}` is cargo-schema's; Alembic sees the text as written.
        Some("env_unset") => their_url.contains("${"),
        _ if invalid => sqlalchemy.is_some_and(|v| v != "ok"),
        _ => url["value"].is_string() && sqlalchemy == Some("ok"),
    };
    if agree {
        Ok(())
    } else {
        Err(format!(
            "url: ours {url} (invalid_url: {invalid}), alembic {their_url:?} -> sqlalchemy {sqlalchemy:?}"
        ))
    }
}

#[test]
fn alembic_reads_the_corpus_as_we_do() {
    let Some(python) = alembic_python() else {
        return;
    };
    let files = corpus();
    let projects: Vec<Project> = files.iter().map(|f| project_for(f)).collect();
    let paths: Vec<PathBuf> = projects
        .iter()
        .map(|p| p.path().join("alembic.ini"))
        .collect();
    let theirs = alembic_reads(&python, &paths);
    let mut differences = Vec::new();
    for ((file, p), theirs) in files.iter().zip(&projects).zip(&theirs) {
        let ours = config(p, &["--format", "json", "--reveal"]).json();
        // Alembic's get_section raises where our `options` is null.
        let same_options = match (&ours["options"], &theirs["options"]) {
            (Value::Object(ours), Value::Object(theirs)) => ours == theirs,
            (Value::Null, Value::String(_)) => true,
            _ => false,
        };
        if !same_options {
            differences.push(format!(
                "{file}: get_section: ours {} {}, alembic {}",
                ours["options"], ours["options_error"], theirs["options"]
            ));
        }
        let explained = EXPLAINED.iter().any(|(f, _)| f == file);
        match (same_verdict(&ours, theirs), explained) {
            (Err(e), false) => differences.push(format!("{file}: {e}")),
            (Ok(()), true) => differences.push(format!("{file}: explained, but agrees")),
            _ => {}
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} files read differently:\n{}",
        differences.len(),
        files.len(),
        differences.join("\n")
    );
}
