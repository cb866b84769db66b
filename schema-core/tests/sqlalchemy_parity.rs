//! Differential test: which `sqlalchemy.url` values are URLs, against
//! SQLAlchemy itself (`make_url(text).get_dialect()`), and the driver table
//! against SQLAlchemy's dialect packages.
//!
//! SQLAlchemy comes from PyPI with alembic, in the Python that
//! SCHEMA_TEST_ALEMBIC_PYTHON names (`.ci/run` makes it in
//! `target/alembic-venv`); without it the test prints why it skipped.

use std::io::Write;
use std::process::{Command, Stdio};

use schema_core::url::checks::SQLALCHEMY_DRIVERS;
use schema_core::url::{DatabaseUrl, UrlStyle};
use serde_json::Value;

const PYTHON: &str = r#"
import importlib, json, pkgutil, sys
from sqlalchemy.engine import make_url

def takes(text):
    try:
        make_url(text).get_dialect()
        return True
    except Exception:
        return False

def drivers(dialect):
    package = importlib.import_module("sqlalchemy.dialects." + dialect)
    names = set(m.name for m in pkgutil.iter_modules(package.__path__))
    names |= set(dir(package))
    return sorted(n for n in names
                  if n != "base" and not n.startswith("_")
                  and hasattr(getattr(package, n, None), "dialect"))

urls = json.loads(sys.stdin.read())
json.dump({
    "takes": [takes(u) for u in urls],
    "drivers": {d: drivers(d) for d in ["postgresql", "mysql", "sqlite"]},
}, sys.stdout)
"#;

/// Where cargo-schema accepts what SQLAlchemy refuses, and why.
const EXPLAINED: &[(&str, &str)] = &[
    (
        "postgres://app@db/app",
        "diesel's and libpq's name for PostgreSQL; DATABASE_URL is often written so",
    ),
    ("pgsql://app@db/app", "diesel's other name for PostgreSQL"),
];

/// Where SQLAlchemy accepts what cargo-schema refuses, and why.
const REFUSED_HERE: &[(&str, &str)] = &[
    ("oracle://app@db/app", "no diesel backend for it"),
    ("mssql+pyodbc://app@db/app", "no diesel backend for it"),
    (
        "sqlite://host/app.db",
        "SQLAlchemy refuses the host only when it connects",
    ),
];

fn urls() -> Vec<String> {
    let mut urls: Vec<String> = [
        "postgresql://app@db/app",
        "postgres://app@db/app",
        "pgsql://app@db/app",
        "mysql://root@db/app",
        "mariadb://root@db/app",
        "sqlite:///app.db",
        "sqlite:////abs/app.db",
        "sqlite://",
        "sqlite://host/app.db",
        "oracle://app@db/app",
        "mssql+pyodbc://app@db/app",
        "app.db",
        "/abs/app.db",
        ":memory:",
        "foo",
        "not a url",
        "localhost:5432",
        "\"postgresql://app@db/app\"",
        "'sqlite:///app.db'",
        "\"\"",
        "f'postgresql+psycopg2://{user}@db/app'",
        "driver://user:pass@localhost/dbname",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut drivers: Vec<&str> = SQLALCHEMY_DRIVERS
        .iter()
        .flat_map(|(_, d)| d.iter().copied())
        .collect();
    drivers.extend([
        "async",
        "psycopg3",
        "pymsql",
        "mysqlclient",
        "sqlite3",
        "asyncpg2",
    ]);
    for dialect in ["postgresql", "mysql", "mariadb", "sqlite"] {
        for driver in &drivers {
            urls.push(if dialect == "sqlite" {
                format!("sqlite+{driver}:///app.db")
            } else {
                format!("{dialect}+{driver}://app@db/app")
            });
        }
    }
    urls
}

#[test]
fn sqlalchemy_takes_the_urls_we_take() {
    let python = match std::env::var_os("SCHEMA_TEST_ALEMBIC_PYTHON") {
        Some(p) if !p.is_empty() => p,
        _ => {
            assert!(
                std::env::var_os("SCHEMA_TEST_REQUIRE_DATABASES").is_none(),
                "SCHEMA_TEST_REQUIRE_DATABASES is set, so this is a failure, not a skip: SCHEMA_TEST_ALEMBIC_PYTHON is not set"
            );
            eprintln!(
                "skipped: SCHEMA_TEST_ALEMBIC_PYTHON is not set (a Python with PyPI's alembic; .ci/run makes one in target/alembic-venv)"
            );
            return;
        }
    };
    let urls = urls();
    let mut child = Command::new(&python)
        .args(["-c", PYTHON])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run SCHEMA_TEST_ALEMBIC_PYTHON");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(&urls).expect("JSON"))
        .expect("write the URLs");
    let output = child.wait_with_output().expect("python ends");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: Value = serde_json::from_slice(&output.stdout).expect("JSON from python");

    for (dialect, drivers) in SQLALCHEMY_DRIVERS {
        assert_eq!(
            theirs["drivers"][dialect],
            serde_json::json!(drivers),
            "SQLAlchemy's drivers for {dialect}"
        );
    }

    let mut differences = Vec::new();
    for (url, takes) in urls.iter().zip(theirs["takes"].as_array().expect("takes")) {
        let ours = DatabaseUrl::parse(url, UrlStyle::SqlAlchemy).is_ok();
        let theirs = takes.as_bool().expect("a boolean");
        let explained = if ours {
            EXPLAINED.iter().any(|(u, _)| u == url)
        } else {
            REFUSED_HERE.iter().any(|(u, _)| u == url)
        };
        if ours != theirs && !explained {
            differences.push(format!("{url}: ours {ours}, SQLAlchemy {theirs}"));
        }
        if ours == theirs && explained {
            differences.push(format!(
                "{url}: listed as a difference, but both say {ours}"
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} URLs differ:\n{}",
        differences.len(),
        urls.len(),
        differences.join("\n")
    );
}
