//! `lint` for code review and rolling deploys: `--format sarif` (checked
//! against the official SARIF 2.1.0 schema) and `--format github`
//! (workflow commands, escaped), `--base REF` in a real git repository
//! (the revisions changed since REF, and the previous release's schema.rs
//! read at REF), and `--previous-schema FILE`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::{Backend, Ctx};

const R1: &str = "a1a1a1a1a1a1";
const R2: &str = "b2b2b2b2b2b2";
const R2_DIR: &str = "migrations/2024-07-01-000002_change";

/// The schema.rs the release before R2 runs with: R1's tables.
const SCHEMA_RS: &str = "// @generated automatically by Diesel CLI.

diesel::table! {
    users (id) {
        id -> Integer,
        email -> Nullable<Text>,
        name -> Nullable<Text>,
    }
}
";

/// R1 creates users; R2 drops its column `email`, renames `name` and adds
/// a NOT NULL column without a default.
fn project(backend: Backend) -> Option<Ctx> {
    let ctx = Ctx::new(backend, "")?;
    ctx.revision(
        "2024-07-01-000001_users",
        &format!("revision = \"{R1}\"\n"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100), name VARCHAR(50));\n",
        "DROP TABLE users;\n",
    );
    ctx.revision(
        "2024-07-01-000002_change",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        "ALTER TABLE users DROP COLUMN email;\n\
         ALTER TABLE users RENAME COLUMN name TO full_name;\n\
         ALTER TABLE users ADD COLUMN age INTEGER NOT NULL DEFAULT 0;\n\
         ALTER TABLE users ADD COLUMN code INTEGER NOT NULL;\n",
        "SELECT 1;\n",
    );
    Some(ctx)
}

/// `(code, line, message)` of each `breaks-previous-release` finding.
fn breaks(report: &Value) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {report:#}"))
        .iter()
        .filter(|f| f["code"] == "breaks-previous-release")
        .map(|f| {
            (
                f["revision"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// What R2 breaks, the previous schema.rs named `label`.
fn r2_breaks(label: &str) -> Vec<(String, u64, String)> {
    let during =
        "that release keeps running during a rolling deploy and fails on every query that names it";
    vec![
        (
            R2.to_owned(),
            1,
            format!("drops column `email` of `users`, which the previous release's schema.rs declares ({label}:6): {during}"),
        ),
        (
            R2.to_owned(),
            2,
            format!("renames column `name` of `users`, which the previous release's schema.rs declares ({label}:7): {during}"),
        ),
        (
            R2.to_owned(),
            4,
            format!("adds `code` NOT NULL without a default to `users`, which the previous release's schema.rs declares ({label}:4): that release's INSERTs omit the column and fail during a rolling deploy"),
        ),
    ]
}

/// `--previous-schema FILE` on the pending revision, on every backend
/// (the schema before R2 replayed in a scratch database).
fn previous_schema(backend: Backend) {
    let Some(ctx) = project(backend) else { return };
    ctx.project.file("old/schema.rs", SCHEMA_RS);
    ctx.run(&["upgrade", R1]).code(0);
    let out = ctx.run(&[
        "lint",
        "--previous-schema",
        "old/schema.rs",
        "--format",
        "json",
    ]);
    out.code(3);
    assert_eq!(breaks(&out.json()), r2_breaks("old/schema.rs"));

    // Without it, the rule has nothing to check against.
    let out = ctx.run(&["lint", "--format", "json"]);
    assert_eq!(breaks(&out.json()), []);

    let out = ctx.run(&["lint", "--previous-schema", "old/missing.rs"]);
    out.code(2);
    assert!(
        out.stderr
            .contains("--previous-schema: cannot read old/missing.rs"),
        "{}",
        out.stderr
    );
    ctx.project.file(
        "old/schema.rs",
        "diesel::table! {\n    users (id) {\n        id => Integer,\n    }\n}\n",
    );
    let out = ctx.run(&["lint", "--previous-schema", "old/schema.rs"]);
    out.code(2);
    assert!(
        out.stderr.contains("--previous-schema: old/schema.rs:3:"),
        "{}",
        out.stderr
    );
}

on_backends!(previous_schema);

/// `git` in `dir`, with a fixed identity and no user or system config.
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--base REF` in a real repository: the release at tag v1 has R1 and its
/// schema.rs; R2 is new since, and R1 changed afterwards is linted too.
/// The previous schema.rs is read at v1 from the [print_schema] file,
/// whatever the work tree's copy says now.
fn base_ref(backend: Backend) {
    let Some(ctx) = project(backend) else { return };
    let root = ctx.root();
    ctx.ini("\n[print_schema]\nfile = src/schema.rs\n");
    ctx.project.file("src/schema.rs", SCHEMA_RS);
    let r2_up = std::fs::read_to_string(root.join(R2_DIR).join("up.sql")).unwrap_or_default();
    std::fs::remove_dir_all(root.join(R2_DIR)).expect("remove R2");
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-qm", "release 1"]);
    git(&root, &["tag", "v1"]);
    ctx.revision(
        "2024-07-01-000002_change",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        &r2_up,
        "SELECT 1;\n",
    );
    // The work tree's schema.rs already follows R2: not what v1 runs.
    ctx.project.file(
        "src/schema.rs",
        "diesel::table! {\n    users (id) {\n        id -> Integer,\n    }\n}\n",
    );

    // R2 untracked, then committed: linted either way; R1 is not.
    for commit in [false, true] {
        if commit {
            git(&root, &["add", "-A"]);
            git(&root, &["commit", "-qm", "R2"]);
        }
        let out = ctx.run(&["lint", "--base", "v1", "--format", "json"]);
        out.code(3);
        let report = out.json();
        assert_eq!(report["revisions"], serde_json::json!([R2]), "{report:#}");
        assert_eq!(breaks(&report), r2_breaks("v1:src/schema.rs"));
    }

    // A file of R1 edited since v1 makes R1 changed too.
    ctx.project.file(
        "migrations/2024-07-01-000001_users/down.sql",
        "DROP TABLE IF EXISTS users;\n",
    );
    let out = ctx.run(&["lint", "--base", "v1", "--format", "json"]);
    assert_eq!(out.json()["revisions"], serde_json::json!([R1, R2]));
    // Nothing differs from HEAD but that edit.
    let out = ctx.run(&["lint", "--base", "HEAD", "--format", "json"]);
    out.code(0);
    assert_eq!(out.json()["revisions"], serde_json::json!([R1]));

    // A schema.rs v1 did not have is said, not guessed.
    ctx.ini("\n[print_schema]\nfile = src/other.rs\n");
    let out = ctx.run(&["lint", "--base", "v1", "--format", "json"]);
    let report = out.json();
    assert_eq!(breaks(&report), []);
    assert_eq!(
        report["notes"][0],
        "v1:src/other.rs does not exist: no previous release's schema.rs to check against"
    );

    let out = ctx.run(&["lint", "--base", "v9"]);
    out.code(2);
    assert!(
        out.stderr
            .contains("`--base v9`: git knows no commit by that name in "),
        "{}",
        out.stderr
    );
    let out = ctx.run(&["lint", "--base", "--upload-pack=x"]);
    out.code(2);
}

on_backends!(base_ref);

/// The messages of `check`'s `breaks-previous-release` findings, in order.
fn check_breaks(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {report:#}"))
        .iter()
        .filter_map(|f| f["message"].as_str())
        .filter(|m| m.contains("error[breaks-previous-release]"))
        .map(str::to_owned)
        .collect()
}

/// `check` takes the previous release as `lint` does: from `--base REF`
/// (its schema.rs read at REF; the revisions checked are still those the
/// database has not applied) or `--previous-schema FILE`.
fn check_previous_release(backend: Backend) {
    let Some(ctx) = project(backend) else { return };
    let root = ctx.root();
    ctx.ini("\n[print_schema]\nfile = src/schema.rs\n");
    ctx.project.file("src/schema.rs", SCHEMA_RS);
    ctx.project.file("old/schema.rs", SCHEMA_RS);
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-qm", "release 1"]);
    git(&root, &["tag", "v1"]);
    // The work tree's schema.rs already follows R2: not what v1 runs.
    ctx.project.file(
        "src/schema.rs",
        "diesel::table! {\n    users (id) {\n        id -> Integer,\n    }\n}\n",
    );
    ctx.run(&["upgrade", R1]).code(0);
    // What `lint` says of R2 is what `check` says, as a finding each.
    let expected: Vec<String> = r2_breaks("v1:src/schema.rs")
        .into_iter()
        .map(|(_, line, message)| {
            format!("{R2_DIR}/up.sql:{line}: error[breaks-previous-release]: {message}")
        })
        .collect();
    let out = ctx.run(&["check", "--no-drift", "--base", "v1", "--format", "json"]);
    out.code(3);
    let got = check_breaks(&out.json());
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (got, expected) in got.iter().zip(&expected) {
        assert!(got.starts_with(expected), "{got}\nwanted {expected}");
    }
    let out = ctx.run(&[
        "check",
        "--previous-schema",
        "old/schema.rs",
        "--format",
        "json",
    ]);
    out.code(3);
    assert_eq!(check_breaks(&out.json()).len(), 3);
    // Without either, the rule has nothing to check against.
    let out = ctx.run(&["check", "--format", "json"]);
    assert_eq!(check_breaks(&out.json()), Vec::<String>::new());
    let out = ctx.run(&["check", "--previous-schema", "old/missing.rs"]);
    out.code(2);
    assert!(
        out.stderr
            .contains("--previous-schema: cannot read old/missing.rs"),
        "{}",
        out.stderr
    );
    let out = ctx.run(&["check", "--base", "v9"]);
    out.code(2);
    assert!(out.stderr.contains("`--base v9`: "), "{}", out.stderr);
}

on_backends!(check_previous_release);

/// Outside a git repository `--base` says so.
#[test]
fn base_outside_a_repository() {
    let Some(ctx) = project(Backend::Sqlite) else {
        return;
    };
    let out = ctx.run(&["lint", "--base", "main"]);
    out.code(2);
    assert!(
        out.stderr.contains("`--base main`: ") && out.stderr.contains("is not in a git repository"),
        "{}",
        out.stderr
    );
}

/// SARIF: valid against the official 2.1.0 schema, one run by
/// `cargo-schema` whose rules are the lint codes, a result per finding at
/// its file (relative to the project root) and line; exit 3 as `text`.
#[test]
fn sarif() {
    let Some(ctx) = project(Backend::Sqlite) else {
        return;
    };
    ctx.run(&["upgrade", R1]).code(0);
    let out = ctx.run(&["lint", "--format", "sarif"]);
    out.code(3);
    let log = out.json();
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(run["tool"]["driver"]["name"], "cargo-schema");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert!(ids.contains(&"ban-drop-column") && ids.contains(&"breaks-previous-release"));
    assert!(rules
        .iter()
        .all(|r| r["help"]["text"].as_str().is_some_and(|t| !t.is_empty())));
    let results: Vec<(String, String, String, u64)> = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap_or_default().to_owned(),
                r["level"].as_str().unwrap_or_default().to_owned(),
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                location["region"]["startLine"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let up = format!("{R2_DIR}/up.sql");
    let at = |code: &str, line| (code.to_owned(), "error".to_owned(), up.clone(), line);
    assert_eq!(
        results,
        [
            at("ban-drop-column", 1),
            at("renaming-column", 2),
            at("adding-not-nullable-field", 4),
        ]
    );
    for r in run["results"].as_array().into_iter().flatten() {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            "%SRCROOT%"
        );
    }
    validate(&ctx, &out.stdout);
}

/// `stdout` against tests/tools/sarif/sarif-schema-2.1.0.json, with the
/// Python of `SCHEMA_TEST_JSONSCHEMA_PYTHON` (PyPI's jsonschema).
fn validate(ctx: &Ctx, stdout: &str) {
    let Some(python) = std::env::var_os("SCHEMA_TEST_JSONSCHEMA_PYTHON") else {
        return schema_test_support::unavailable::<()>(
            "SCHEMA_TEST_JSONSCHEMA_PYTHON is not set (a Python with PyPI's jsonschema; .ci/run makes one in target/jsonschema-venv)",
        )
        .unwrap_or(());
    };
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tools/sarif");
    let log = ctx.root().join("lint.sarif");
    std::fs::write(&log, stdout).expect("write the log");
    let out = Command::new(python)
        .arg(tools.join("validate.py"))
        .arg(tools.join("sarif-schema-2.1.0.json"))
        .arg(&log)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "not valid SARIF 2.1.0:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// GitHub workflow commands: one line per finding at file and line,
/// titled by the code, with `%`, line ends, and `:`/`,` in properties
/// escaped (the column name is the user's text).
#[test]
fn github() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    ctx.revision(
        "2024-07-01-000001_users",
        &format!("revision = \"{R1}\"\n"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, \"odd%,:\nname\" TEXT);\n",
        "DROP TABLE users;\n",
    );
    ctx.revision(
        "2024-07-01-000002_change",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        "-- schema:allow ban-drop-column\nALTER TABLE users DROP COLUMN \"odd%,:\nname\";\n",
        "SELECT 1;\n",
    );
    ctx.run(&["upgrade", R1]).code(0);
    let out = ctx.run(&["lint", "--format", "github"]);
    out.code(0);
    assert_eq!(
        out.stdout,
        format!(
            "::warning file={R2_DIR}/up.sql,line=1,title=allow-without-reason::revision {R2}: `schema:allow ban-drop-column` gives no reason; the next reader cannot tell why the finding is safe to ignore%0Ahelp: say why after the code: `-- schema:allow ban-drop-column the table is empty in every environment`\n\
             0 error(s), 1 warning(s) in 1 revision(s)\n"
        )
    );

    ctx.revision(
        "2024-07-01-000002_change",
        &format!("revision = \"{R2}\"\ndown_revision = \"{R1}\"\n"),
        "ALTER TABLE users DROP COLUMN \"odd%,:\nname\";\n",
        "SELECT 1;\n",
    );
    let out = ctx.run(&["lint", "--format", "github"]);
    out.code(3);
    assert_eq!(
        out.stdout,
        format!(
            "::error file={R2_DIR}/up.sql,line=1,title=ban-drop-column::revision {R2}: drops column `\"odd%25,:%0Aname\"` of `users` and its data; the release still running during the deploy fails on every query that names it%0Ahelp: stop reading and writing the column in one release (diesel: remove it from schema.rs), deploy, then drop it in a later revision\n\
             1 error(s), 0 warning(s) in 1 revision(s)\n"
        )
    );
}

/// The review formats are lint's own: other commands refuse them.
#[test]
fn other_commands_keep_text_and_json() {
    let Some(ctx) = project(Backend::Sqlite) else {
        return;
    };
    for args in [
        &["upgrade", "--format", "sarif"][..],
        &["check", "--format", "github"],
    ] {
        let out = ctx.run(args);
        out.code(2);
        assert!(out.stderr.contains("invalid value"), "{}", out.stderr);
    }
}
