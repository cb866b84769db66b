//! What `embed!()` produced equals what the runtime reads from the same
//! folder and ini: one discovery path for build time and run time.

use schema_runtime::migrations::{MigrationSet, RevisionGraph};

schema_runtime::embed!(config = "../tests/ui/fixtures/valid/schema.ini");

fn without_dirs(graph: &RevisionGraph) -> Vec<schema_runtime::migrations::Migration> {
    graph
        .migrations()
        .iter()
        .cloned()
        .map(|mut m| {
            m.dir = None;
            m
        })
        .collect()
}

#[test]
fn embedded_migrations_equal_the_folder_read_at_run_time() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/ui/fixtures/valid/migrations");
    let from_disk = RevisionGraph::new(MigrationSet::load(&folder).unwrap().set).unwrap();
    let embedded = MIGRATIONS.graph().unwrap();
    assert_eq!(without_dirs(embedded), without_dirs(&from_disk));
    for (file, m) in MIGRATIONS
        .files()
        .unwrap()
        .iter()
        .zip(from_disk.migrations())
    {
        assert_eq!(file.checksum, m.checksum.as_str());
    }
}

#[test]
fn embedded_config_equals_the_file_read_at_run_time() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/ui/fixtures/valid/schema.ini");
    let from_disk = schema_runtime::Config::from_file(&path).unwrap();
    let embedded = CONFIG.config().unwrap();
    assert_eq!(
        embedded.get_section("schema").unwrap(),
        from_disk.get_section("schema").unwrap()
    );
    let typed =
        SchemaConfig::load_with(|c| c.set_main_option("diesel.url", "sqlite://:memory:")).unwrap();
    assert_eq!(typed.pool_size(), 3);
    assert_eq!(typed.pool_timeout(), std::time::Duration::from_millis(2500));
    assert_eq!(typed.app_name(), "demo");
    assert_eq!(typed.url(), "sqlite://:memory:");
}

#[test]
fn embedded_migrations_run_with_the_shared_runner() {
    use diesel::Connection;
    let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
    let steps = MIGRATIONS.upgrade(&mut conn, "head").unwrap();
    assert_eq!(steps.len(), 2);
    assert!(MIGRATIONS.pending(&mut conn).unwrap().is_empty());
    assert_eq!(MIGRATIONS.current(&mut conn).unwrap(), ["20240102000000"]);
    assert_eq!(MIGRATIONS.downgrade(&mut conn, "base").unwrap().len(), 2);
}
