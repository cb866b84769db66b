//! The scratch database of the drift check: created on the live server,
//! dropped by its guard on every way out, a panic included; the replay
//! builds what `upgrade` builds.

use std::panic::{catch_unwind, AssertUnwindSafe};

use diesel::connection::LoadConnection;
use schema_core::schema::drift::compare;
use schema_runtime::introspect::{introspect, IntrospectBackend, IntrospectOptions};
use schema_runtime::scratch::{built_schema, ScratchDatabase, ScratchError, SCRATCH_PREFIX};
use schema_runtime::{Config, EngineSettings};

use crate::support::{tgt, Folder, TestConn, TestDb};

fn settings(db: &TestDb) -> EngineSettings {
    let text = format!("[schema]\ndiesel.url = {}\n", db.url());
    let config = Config::from_str_at("/tmp/schema.ini", &text, None).unwrap();
    schema_runtime::engine_settings(&config).unwrap()
}

/// Whether the server of `db` has a database called `name`.
fn exists<C: TestConn>(db: &TestDb, name: &str) -> bool {
    let mut conn: C = db.conn();
    let sql = if C::BACKEND == schema_runtime::Backend::Postgres {
        format!("SELECT datname AS s FROM pg_database WHERE datname = '{name}'")
    } else {
        format!(
            "SELECT schema_name AS s FROM information_schema.schemata WHERE schema_name = '{name}'"
        )
    };
    !conn.strings(&sql).is_empty()
}

fn guard_drops_on_panic<C: TestConn>(db: &TestDb) {
    // SQLite replays in memory: there is nothing to drop.
    if C::BACKEND == schema_runtime::Backend::Sqlite {
        return;
    }
    let live = settings(db);
    let mut name = String::new();
    let caught = catch_unwind(AssertUnwindSafe(|| {
        let scratch = ScratchDatabase::<C>::create(&live).unwrap();
        name = scratch.name().to_owned();
        assert!(exists::<C>(db, &name), "created");
        panic!("a failure while the scratch database exists");
    }));
    assert!(caught.is_err());
    assert!(name.starts_with(SCRATCH_PREFIX), "{name}");
    assert!(!exists::<C>(db, &name), "{name} is left after a panic");
}

fn replay_builds_what_upgrade_builds<C>(db: &TestDb)
where
    C: TestConn + LoadConnection,
    C::Backend: IntrospectBackend,
{
    let folder = Folder::new();
    folder.add(
        "2024-01-01-000001_a",
        "CREATE TABLE a (id INTEGER PRIMARY KEY, n VARCHAR(10) NOT NULL);\nCREATE INDEX a_n ON a (n);\n",
        "DROP TABLE a;\n",
    );
    folder.add(
        "2024-01-01-000002_b",
        "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));\n",
        "DROP TABLE b;\n",
    );
    folder.add(
        "2024-01-01-000003_bad",
        "INSERT INTO nowhere VALUES (1);\n",
        "",
    );
    let migrator = folder.migrator();
    let mut conn: C = db.conn();
    let steps = migrator.upgrade(&mut conn, &tgt("20240101000002")).unwrap();
    let heads = vec![steps.last().unwrap().revision.clone()];
    let live = introspect(&mut conn, &IntrospectOptions::default()).unwrap();

    let mut created = None;
    let built = built_schema::<C>(&migrator, &settings(db), &heads, |n| {
        created = Some(n.to_owned())
    })
    .unwrap();
    assert_eq!(compare(&live, &built), []);

    // The broken revision: the replay fails, the scratch database goes.
    let mut failed = None;
    let all = vec![migrator.graph().heads()[0].revision.clone()];
    let error = built_schema::<C>(&migrator, &settings(db), &all, |n| {
        failed = Some(n.to_owned())
    })
    .unwrap_err();
    assert!(matches!(error, ScratchError::Replay(_)), "{error}");
    for name in created.iter().chain(&failed) {
        assert!(!exists::<C>(db, name), "{name} is left");
    }
    assert_eq!(
        (created.is_some(), failed.is_some()),
        (
            C::BACKEND != schema_runtime::Backend::Sqlite,
            C::BACKEND != schema_runtime::Backend::Sqlite
        )
    );
}

on_every_backend!(guard_drops_on_panic, replay_builds_what_upgrade_builds);
