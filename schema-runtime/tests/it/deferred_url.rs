//! An app built from an alembic.ini that leaves its URL to run time
//! (Alembic's placeholder): the build accepts it, loading without a URL
//! says where one comes from, and with DATABASE_URL the embedded
//! migrations run on that database.

use diesel::{Connection, RunQueryDsl};
use schema_runtime::{Environment, Kind};

schema_runtime::embed!(config = "../tests/ui/fixtures/alembic_placeholder/alembic.ini");

#[test]
fn a_url_left_to_run_time_is_asked_for_then() {
    let error = CONFIG.load_in(Environment::empty()).unwrap_err();
    assert_eq!(error.kind(), Kind::MissingUrl);
    assert_eq!(
        error.to_string(),
        "no database URL: `sqlalchemy.url` is Alembic's placeholder `driver://user:***@localhost/dbname`; \
         set DATABASE_URL (environment or .env), pass --database-url, or set `sqlalchemy.url` in code (set_main_option)"
    );

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    // Four slashes: an absolute path in SQLAlchemy's reading too.
    let env = Environment::empty().with_var("DATABASE_URL", &format!("sqlite:///{}", db.display()));
    let loaded = CONFIG.load_in(env).unwrap();
    let mut conn =
        diesel::SqliteConnection::establish(loaded.settings().url.connect_url()).unwrap();
    assert_eq!(MIGRATIONS.upgrade(&mut conn, "head").unwrap().len(), 1);
    drop(conn);

    let mut conn = diesel::SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    diesel::sql_query("INSERT INTO items (id) VALUES (1)")
        .execute(&mut conn)
        .unwrap();
}
