//! `engine_from_config`: every pool option takes effect, on every backend.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::r2d2::R2D2Connection;
use schema_runtime::{engine_from_config, Config, EngineSettings, RunError};

use crate::support::{TestConn, TestDb};

/// Settings from an ini whose URL is the test database's, with `lines`.
fn settings(db: &TestDb, lines: &str) -> EngineSettings {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("[schema]\ndiesel.url = {}\n{lines}", db.url());
    let mut config = Config::from_str_at(dir.path().join("schema.ini"), &text, None).unwrap();
    // As an app would: pin the URL so a DATABASE_URL around cannot move it.
    config.set_main_option("diesel.url", db.url());
    schema_runtime::engine_settings(&config).unwrap()
}

fn pool_limits_follow_the_options<C: TestConn + R2D2Connection>(db: &TestDb) {
    let settings = settings(
        db,
        "diesel.pool_size = 2\ndiesel.max_overflow = 1\ndiesel.pool_timeout = 0.3\ndiesel.pool_recycle = 60\n",
    );
    let engine = engine_from_config::<C>(&settings).unwrap();
    let pool = engine.pool().expect("QueuePool");
    assert_eq!(pool.max_size(), 3, "pool_size + max_overflow");
    assert_eq!(pool.min_idle(), Some(2), "pool_size stays open");
    assert_eq!(pool.connection_timeout(), Duration::from_millis(300));
    assert_eq!(pool.max_lifetime(), Some(Duration::from_secs(60)));
    let held: Vec<_> = (0..3).map(|_| engine.get().unwrap()).collect();
    // The fourth waits pool_timeout, then fails.
    assert!(matches!(engine.get(), Err(RunError::Connect { .. })));
    drop(held);
    assert!(engine.get().is_ok());
}

/// Temporary tables live as long as their connection, on every backend:
/// a pooled connection comes back with it, a NullPool one does not.
fn nullpool_connects_each_time<C: TestConn + R2D2Connection>(db: &TestDb) {
    let create = "CREATE TEMPORARY TABLE probe (x INTEGER)";
    let pooled = engine_from_config::<C>(&settings(
        db,
        "diesel.pool_size = 1\ndiesel.max_overflow = 0\n",
    ))
    .unwrap();
    pooled.get().unwrap().batch_execute(create).unwrap();
    assert!(
        pooled
            .get()
            .unwrap()
            .batch_execute("SELECT x FROM probe")
            .is_ok(),
        "the pool reuses the connection"
    );

    let null = engine_from_config::<C>(&settings(db, "diesel.poolclass = NullPool\n")).unwrap();
    assert!(null.pool().is_none());
    null.get().unwrap().batch_execute(create).unwrap();
    assert!(
        null.get()
            .unwrap()
            .batch_execute("SELECT x FROM probe")
            .is_err(),
        "NullPool connects anew"
    );
}

fn echo_logs_each_statement<C: TestConn + R2D2Connection>(db: &TestDb) {
    for (echo, logged) in [("true", true), ("false", false)] {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&logs);
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || Capture(Arc::clone(&sink)))
            .with_ansi(false)
            .finish();
        let engine =
            engine_from_config::<C>(&settings(db, &format!("diesel.echo = {echo}\n"))).unwrap();
        tracing::subscriber::with_default(subscriber, || {
            engine.get().unwrap().batch_execute("SELECT 4242").unwrap();
        });
        let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text.contains("SELECT 4242"),
            logged,
            "echo = {echo}: {text}"
        );
        if logged {
            assert!(text.contains("schema_runtime::sql"), "{text}");
        }
    }
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The server's id of a session, to kill it from another connection.
fn session_id<C: TestConn>(conn: &mut C) -> i64 {
    match C::BACKEND {
        schema_runtime::Backend::Postgres => {
            conn.number("SELECT CAST(pg_backend_pid() AS BIGINT) AS n")
        }
        _ => conn.number("SELECT CAST(CONNECTION_ID() AS SIGNED) AS n"),
    }
}

fn kill<C: TestConn>(admin: &mut C, id: i64) {
    let sql = match C::BACKEND {
        schema_runtime::Backend::Postgres => format!("SELECT pg_terminate_backend({id})"),
        _ => format!("KILL {id}"),
    };
    admin.batch_execute(&sql).unwrap();
}

/// A pooled connection killed by the server is replaced when
/// pool_pre_ping is on, and handed out broken when it is off.
fn pre_ping_replaces_a_dead_connection<C: TestConn + R2D2Connection>(db: &TestDb) {
    for (pre_ping, survives) in [("true", true), ("false", false)] {
        let lines = format!(
            "diesel.pool_size = 1\ndiesel.max_overflow = 0\ndiesel.pool_pre_ping = {pre_ping}\n"
        );
        let engine = engine_from_config::<C>(&settings(db, &lines)).unwrap();
        let id = session_id(&mut *engine.get().unwrap());
        let mut admin: C = db.conn();
        kill(&mut admin, id);
        // The server ends the session on its own time: wait until it is
        // gone from the server's list of sessions.
        let alive = match C::BACKEND {
            schema_runtime::Backend::Postgres => {
                format!("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE pid = {id}")
            }
            _ => {
                format!("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = {id}")
            }
        };
        schema_test_support::wait_until(
            "the killed session to leave the server",
            schema_test_support::GENEROUS,
            || admin.number(&alive) == 0,
        );
        let works = engine
            .get()
            .map(|mut c| c.batch_execute("SELECT 1").is_ok())
            .unwrap_or(false);
        assert_eq!(works, survives, "pool_pre_ping = {pre_ping}");
    }
}

/// connect_args and isolation_level reach every pooled connection.
fn session_settings_reach_pooled_connections<C: TestConn + R2D2Connection>(db: &TestDb) {
    let (lines, query, expected): (&str, &str, &str) = match C::BACKEND {
        schema_runtime::Backend::Postgres => (
            "diesel.isolation_level = SERIALIZABLE\ndiesel.connect_args.statement_timeout = 1500\n",
            "SELECT current_setting('transaction_isolation') || ' ' || current_setting('statement_timeout') AS s",
            "serializable 1500ms",
        ),
        schema_runtime::Backend::Mysql => (
            "diesel.isolation_level = SERIALIZABLE\ndiesel.connect_args.time_zone = +02:00\n",
            "SELECT CONCAT(@@session.tx_isolation, ' ', @@session.time_zone) AS s",
            "SERIALIZABLE +02:00",
        ),
        schema_runtime::Backend::Sqlite => (
            "diesel.connect_args.foreign_keys = true\ndiesel.connect_args.busy_timeout = 1234\n",
            "SELECT CAST((SELECT foreign_keys FROM pragma_foreign_keys) AS TEXT) || ' ' || CAST((SELECT timeout FROM pragma_busy_timeout) AS TEXT) AS s",
            "1 1234",
        ),
    };
    let engine =
        engine_from_config::<C>(&settings(db, &format!("diesel.pool_size = 2\n{lines}"))).unwrap();
    let held: Vec<_> = (0..2).map(|_| engine.get().unwrap()).collect();
    for mut conn in held {
        assert_eq!(conn.strings(query), [expected]);
    }
}

/// The `connect_args.*` options no other test reads back, each read back
/// on the session the engine configured (`PRAGMA`, `current_setting`,
/// `@@session`), not through the code under test.
fn every_other_session_option_is_read_back<C: TestConn + R2D2Connection>(db: &TestDb) {
    let (lines, query, expected): (&str, &str, &str) = match C::BACKEND {
        schema_runtime::Backend::Postgres => (
            "diesel.connect_args.lock_timeout = 2500\n\
             diesel.connect_args.idle_in_transaction_session_timeout = 60000\n\
             diesel.connect_args.application_name = schema-test-app\n\
             diesel.connect_args.search_path = other_schema, public\n\
             diesel.connect_args.options = -c work_mem=8MB\n",
            "SELECT current_setting('lock_timeout') || ' ' \
             || current_setting('idle_in_transaction_session_timeout') || ' ' \
             || current_setting('application_name') || ' ' \
             || current_setting('search_path') || ' ' || current_setting('work_mem') AS s",
            "2500ms 1min schema-test-app other_schema, public 8MB",
        ),
        schema_runtime::Backend::Mysql => (
            "diesel.connect_args.charset = latin1\n\
             diesel.connect_args.sql_mode = STRICT_ALL_TABLES\n\
             diesel.connect_args.lock_wait_timeout = 42\n",
            "SELECT CONCAT(@@session.character_set_client, ' ', \
             @@session.character_set_results, ' ', @@session.sql_mode, ' ', \
             @@session.lock_wait_timeout) AS s",
            "latin1 latin1 STRICT_ALL_TABLES 42",
        ),
        schema_runtime::Backend::Sqlite => (
            "diesel.connect_args.timeout = 2\n\
             diesel.connect_args.journal_mode = WAL\n\
             diesel.connect_args.synchronous = FULL\n",
            "SELECT CAST((SELECT timeout FROM pragma_busy_timeout) AS TEXT) || ' ' \
             || (SELECT journal_mode FROM pragma_journal_mode) || ' ' \
             || CAST((SELECT synchronous FROM pragma_synchronous) AS TEXT) AS s",
            "2000 wal 2",
        ),
    };
    let engine =
        engine_from_config::<C>(&settings(db, &format!("diesel.pool_size = 2\n{lines}"))).unwrap();
    let held: Vec<_> = (0..2).map(|_| engine.get().unwrap()).collect();
    for mut conn in held {
        assert_eq!(conn.strings(query), [expected]);
    }
}

/// Servers only: SQLite has no server to kill a session.
mod server {
    use super::pre_ping_replaces_a_dead_connection;

    on_backends!([postgres, mysql](pre_ping_replaces_a_dead_connection));
}
on_every_backend!(
    pool_limits_follow_the_options,
    nullpool_connects_each_time,
    echo_logs_each_statement,
    session_settings_reach_pooled_connections,
    every_other_session_option_is_read_back
);
