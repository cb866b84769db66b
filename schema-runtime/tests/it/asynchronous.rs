//! The async engine and migrations run from async code.
#![cfg(feature = "async")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use schema_runtime::Config;

/// Settings for `url` (an SQLite path, or a server URL), pinned as an app
/// pins them.
fn settings(url: &str, lines: &str) -> schema_runtime::EngineSettings {
    let text = format!("[schema]\ndiesel.url = {url}\n{lines}");
    let mut config = Config::from_str_at("/tmp/schema.ini", &text, None).unwrap();
    config.set_main_option("diesel.url", url);
    schema_runtime::engine_settings(&config).unwrap()
}

schema_runtime::embed!(config = "../tests/ui/fixtures/valid/schema.ini");

/// On a single-threaded runtime, another task keeps running while the
/// upgrade does: it runs on a blocking thread, not the runtime's. The
/// other task holds SQLite's write lock and lets go of it only after a
/// hundred turns of the runtime, so the upgrade can only finish if the
/// runtime kept turning while it waited (run on the runtime's thread, it
/// would wait out its busy timeout with the lock still held, and fail).
#[test]
fn upgrade_async_does_not_block_the_runtime() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("async.db");
    let url = format!("sqlite://{}", path.display());
    let settings = settings(&url, "diesel.connect_args.busy_timeout = 60000\n");
    let mut holder = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    holder.batch_execute("BEGIN EXCLUSIVE").unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let turns = Arc::new(AtomicUsize::new(0));
    let steps = runtime.block_on(async {
        let counter = Arc::clone(&turns);
        let releaser = tokio::spawn(async move {
            while counter.fetch_add(1, Ordering::SeqCst) < 100 {
                tokio::task::yield_now().await;
            }
            holder.batch_execute("COMMIT").unwrap();
        });
        let steps = MIGRATIONS
            .upgrade_async::<diesel::SqliteConnection>(&settings, "head")
            .await
            .unwrap();
        releaser.await.unwrap();
        steps
    });
    assert_eq!(steps.len(), 2);
    assert_eq!(turns.load(Ordering::SeqCst), 101);
}

#[cfg(feature = "sqlite")]
#[test]
fn async_sqlite_engine_pools_and_nullpool() {
    use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
    use diesel_async::SimpleAsyncConnection;
    type Conn = SyncConnectionWrapper<diesel::SqliteConnection>;

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("pool.db").display());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let pooled = schema_runtime::async_engine_from_config::<Conn>(&settings(
            &url,
            "diesel.pool_size = 1\ndiesel.max_overflow = 0\ndiesel.pool_timeout = 0.3\n",
        ))
        .unwrap();
        let mut first = pooled.get().await.unwrap();
        first
            .batch_execute("CREATE TEMPORARY TABLE probe (x INTEGER)")
            .await
            .unwrap();
        // pool_size + max_overflow = 1: a second connection waits, then fails.
        assert!(pooled.get().await.is_err());
        drop(first);
        let mut again = pooled.get().await.unwrap();
        assert!(
            again.batch_execute("SELECT x FROM probe").await.is_ok(),
            "the pool reuses the connection"
        );
        drop(again);

        let null = schema_runtime::async_engine_from_config::<Conn>(&settings(
            &url,
            "diesel.poolclass = NullPool\n",
        ))
        .unwrap();
        null.get()
            .await
            .unwrap()
            .batch_execute("CREATE TEMPORARY TABLE probe (x INTEGER)")
            .await
            .unwrap();
        let mut fresh = null.get().await.unwrap();
        assert!(
            fresh.batch_execute("SELECT x FROM probe").await.is_err(),
            "NullPool connects anew"
        );
    });
}

#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
#[test]
fn async_postgres_engine_applies_session_settings() {
    use diesel_async::{AsyncPgConnection, RunQueryDsl};
    let Some(db) = <schema_runtime::PgConnection as crate::support::TestConn>::test_db() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let engine = schema_runtime::async_engine_from_config::<AsyncPgConnection>(&settings(
            db.url(),
            "diesel.pool_size = 2\ndiesel.pool_pre_ping = true\ndiesel.connect_args.statement_timeout = 1500\ndiesel.isolation_level = SERIALIZABLE\n",
        ))
        .unwrap();
        let mut conn = engine.get().await.unwrap();
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            s: String,
        }
        let row: Row = diesel::sql_query(
            "SELECT current_setting('statement_timeout') || ' ' || current_setting('transaction_isolation') AS s",
        )
        .get_result(&mut *conn)
        .await
        .unwrap();
        assert_eq!(row.s, "1500ms serializable");
    });
}
