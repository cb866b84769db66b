//! The workflows of `cargo_schema::ops`, called as a library (no binary):
//! what `check`, `generate`, `generate --autogenerate` and the runs after
//! them rely on, on real databases.

use cargo_schema::cli::GlobalArgs;
use cargo_schema::ops;
use cargo_schema::project::ProjectContext;
use cargo_schema::Failure;
use schema_core::migrations::GenerateOptions;
use schema_test_support::{Backend, TestDb};

use crate::support::Project;

/// A project whose ini names `url` literally, with one revision creating
/// `t`; `None` when the backend's server is unreachable (the test skips).
fn project(backend: Backend) -> Option<(Project, TestDb)> {
    let project = Project::empty();
    let db = TestDb::create(backend, &project.path())?;
    project.file(
        "schema.ini",
        format!(
            "[schema]\nscript_location = %(here)s/migrations\ndiesel.url = {}\n",
            db.url()
        ),
    );
    project.file(
        "migrations/2024-01-01-000000_t/up.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
    );
    project.file("migrations/2024-01-01-000000_t/down.sql", "DROP TABLE t;\n");
    Some((project, db))
}

fn open(project: &Project) -> ProjectContext {
    let global = GlobalArgs {
        config: Some(project.path().join("schema.ini")),
        quiet: true,
        ..GlobalArgs::default()
    };
    ProjectContext::open(&global).expect("the project opens")
}

fn status_lists_the_revision_as_pending(backend: Backend) {
    let Some((project, _db)) = project(backend) else {
        return;
    };
    let status = ops::status::status(&open(&project)).expect("status");
    assert_eq!(status.pending, ["20240101000000"]);
    assert!(status.applied.is_empty() && status.heads.is_empty());
}

#[test]
fn ops_status_sqlite() {
    status_lists_the_revision_as_pending(Backend::Sqlite);
}

#[test]
fn ops_status_postgres() {
    status_lists_the_revision_as_pending(Backend::Postgres);
}

#[test]
fn ops_status_mysql() {
    status_lists_the_revision_as_pending(Backend::Mysql);
}

/// `generate --autogenerate` writes SQL against the schema at head: a
/// database with a revision not applied is refused, naming it.
fn autogenerate_refuses_a_database_not_at_head(backend: Backend) {
    let Some((project, _db)) = project(backend) else {
        return;
    };
    project.file(
        "src/schema.rs",
        "diesel::table! {\n    t (id) {\n        id -> Integer,\n    }\n}\n",
    );
    let ctx = open(&project);
    let file = project.path().join("src/schema.rs");
    match ops::autogenerate::compare(&ctx, Some(&file), &Default::default()) {
        Err(Failure::Usage(message)) => {
            assert!(
                message.starts_with("the database is not at head")
                    && message.contains("1 revision(s) not applied (20240101000000)"),
                "{message}"
            );
        }
        other => panic!("expected the refusal, got {other:?}"),
    }
}

#[test]
fn ops_autogenerate_refusal_sqlite() {
    autogenerate_refuses_a_database_not_at_head(Backend::Sqlite);
}

#[test]
fn ops_autogenerate_refusal_postgres() {
    autogenerate_refuses_a_database_not_at_head(Backend::Postgres);
}

#[test]
fn ops_autogenerate_refusal_mysql() {
    autogenerate_refuses_a_database_not_at_head(Backend::Mysql);
}

/// schema.ini's `[print_schema]` wins over diesel.toml's, which is read
/// when the ini has none.
#[test]
fn ops_print_schema_settings_source() {
    let Some((project, _db)) = self::project(Backend::Sqlite) else {
        return;
    };
    // diesel.toml is read from the package root, as diesel_cli reads it.
    project.package(".", "app");
    project.file(
        "diesel.toml",
        "[print_schema]\nfile = \"src/from_toml.rs\"\n",
    );
    let files = |ctx: &ProjectContext| -> Vec<String> {
        let configs = ops::print_schema::settings(ctx).expect("settings");
        ops::print_schema::with_files(&configs)
            .iter()
            .map(|(_, f)| f.display().to_string())
            .collect()
    };
    let toml = files(&open(&project));
    assert_eq!(toml.len(), 1);
    assert!(toml[0].ends_with("src/from_toml.rs"), "{toml:?}");
    let ini = std::fs::read_to_string(project.path().join("schema.ini")).expect("ini");
    project.file(
        "schema.ini",
        format!("{ini}\n[print_schema]\nfile = src/from_ini.rs\n"),
    );
    let from_ini = files(&open(&project));
    assert_eq!(from_ini.len(), 1);
    assert!(from_ini[0].ends_with("src/from_ini.rs"), "{from_ini:?}");
}

/// A new revision folder is written whole or not at all: a second write of
/// the same folder fails, names it, and leaves no staging folder behind.
#[test]
fn ops_revision_write_is_whole_or_nothing() {
    let Some((project, _db)) = self::project(Backend::Sqlite) else {
        return;
    };
    let ctx = open(&project);
    let graph = ctx.graph().expect("graph");
    let options = GenerateOptions {
        message: "add users".to_owned(),
        rev_id: Some("abc123".to_owned()),
        ..GenerateOptions::default()
    };
    let generated = graph
        .generate(&options, ops::revision::now(), ops::revision::entropy())
        .expect("generate");
    let migrations = project.path().join("migrations");
    let dir = ops::revision::write(&migrations, &generated).expect("written");
    assert_eq!(dir, migrations.join(&generated.folder_name));
    for file in &generated.files {
        let written = std::fs::read_to_string(dir.join(file.name)).expect("file written");
        assert_eq!(written, file.contents);
    }
    let again = ops::revision::write(&migrations, &generated);
    match again {
        Err(Failure::Io(e)) => assert!(
            e.to_string()
                .starts_with(&format!("cannot write {}", dir.display())),
            "{e}"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let left: Vec<String> = std::fs::read_dir(&migrations)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "staging left behind: {left:?}");
}
