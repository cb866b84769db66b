use diesel::connection::SimpleConnection;
use diesel::Connection;
use diesel::SqliteConnection;
use schema_runtime::migrations::{MigrationSet, RevisionGraph};
use schema_runtime::Migrator;

use crate::support::tgt;

fn write(dir: &std::path::Path, folder: &str, up: &str, down: &str, meta: Option<&str>) {
    let d = dir.join(folder);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("up.sql"), up).unwrap();
    std::fs::write(d.join("down.sql"), down).unwrap();
    if let Some(m) = meta {
        std::fs::write(d.join("metadata.toml"), m).unwrap();
    }
}

#[test]
fn sqlite_upgrade_then_downgrade_to_base() {
    let tmp = tempfile::tempdir().unwrap();
    let migrations = tmp.path().join("migrations");
    write(
        &migrations,
        "2024-01-01-000000_users",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);",
        "DROP TABLE users;",
        None,
    );
    write(&migrations, "2024-01-02-000000_posts", "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER);\nCREATE INDEX posts_user ON posts (user_id);", "DROP TABLE posts;", None);
    let set = MigrationSet::load(&migrations).unwrap().set;
    let migrator = Migrator::new(RevisionGraph::new(set).unwrap());
    let mut conn =
        SqliteConnection::establish(tmp.path().join("db.sqlite").to_str().unwrap()).unwrap();
    let steps = migrator.upgrade(&mut conn, &tgt("head")).unwrap();
    assert_eq!(steps.len(), 2);
    conn.batch_execute("INSERT INTO posts (user_id) VALUES (1)")
        .unwrap();
    let status = migrator.status(&mut conn).unwrap();
    assert!(status.pending.is_empty());
    assert_eq!(status.heads, ["20240102000000"]);
    assert!(migrator
        .upgrade(&mut conn, &tgt("head"))
        .unwrap()
        .is_empty());
    let down = migrator.downgrade(&mut conn, &tgt("base")).unwrap();
    assert_eq!(down.len(), 2);
    assert!(conn.batch_execute("SELECT * FROM users").is_err());
}
