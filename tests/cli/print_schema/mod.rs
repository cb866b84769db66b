//! `print-schema` against the real diesel_cli 2.3.14, byte for byte: each
//! folder of `cases/<backend>/` holds a `schema.sql`, optionally a
//! `diesel.toml` and a `schema.patch`, and the `expected.rs` that
//! `diesel print-schema` printed for them (`regenerate.sh` rewrites those
//! with the real tool; CI does not need it). Every case gets a fresh
//! database built with the backend's own client, and a project whose only
//! print_schema settings are the case's diesel.toml, read unchanged.

mod follows;
mod inspect;

use std::path::{Path, PathBuf};

use crate::migrate::{Backend, TestDb};
use crate::support::Project;

fn cases(backend: Backend) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/cli/print_schema/cases")
        .join(backend.to_string());
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.join("expected.rs").is_file())
        .collect();
    cases.sort();
    cases
}

/// Our output for one case, or `None` when the server is unreachable.
fn ours(backend: Backend, case: &Path) -> Option<(String, String)> {
    let project = Project::empty();
    let db = TestDb::create(backend, &project.path())?;
    let loaded = db.run_script(&case.join("schema.sql"));
    assert!(
        loaded.status.success(),
        "{}: schema.sql failed: {}",
        case.display(),
        String::from_utf8_lossy(&loaded.stderr)
    );
    for file in ["diesel.toml", "schema.patch"] {
        if let Ok(text) = std::fs::read(case.join(file)) {
            project.file(file, text);
        }
    }
    project.file("schema.ini", "[schema]\ndiesel.url = ${DATABASE_URL}\n");
    let out = project
        .cmd(["-c", "schema.ini", "print-schema"])
        .env("DATABASE_URL", db.url())
        .run();
    Some((out.stdout, format!("exit {:?}: {}", out.code, out.stderr)))
}

/// Every case of `backend`; all mismatches are reported together.
fn differential(backend: Backend) {
    let cases = cases(backend);
    assert!(
        cases.len() >= 12,
        "too few {backend} cases: {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let expected = std::fs::read_to_string(case.join("expected.rs")).expect("expected.rs");
        let Some((actual, status)) = ours(backend, case) else {
            return;
        };
        if actual != expected {
            let name = case.file_name().unwrap_or_default().to_string_lossy();
            let diff = diffy::create_patch(&expected, &actual);
            failures.push(format!("--- {backend}/{name} ({status})\n{diff}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from diesel print-schema:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn sqlite_matches_diesel() {
    differential(Backend::Sqlite);
}

#[test]
fn postgres_matches_diesel() {
    differential(Backend::Postgres);
}

#[test]
fn mysql_matches_diesel() {
    differential(Backend::Mysql);
}
