//! Connections opened from the configuration: `connect_args` and
//! `isolation_level` reach the session, and no password reaches an error.

use schema_runtime::{connect, Config, EngineSettings};

#[allow(unused_imports)]
use crate::support::{TestConn, TestDb};

/// Engine settings from an ini file in a tempdir with `diesel.url = url`
/// and `lines` below it. The URL is also set as an app would
/// (`set_main_option`), so a `DATABASE_URL` in the environment cannot
/// redirect the test.
fn settings_for(url: &str, lines: &str) -> EngineSettings {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("[schema]\ndiesel.url = {url}\n{lines}");
    let mut config = Config::from_str_at(dir.path().join("schema.ini"), &text, None).unwrap();
    config.set_main_option("diesel.url", url);
    schema_runtime::engine_settings(&config).unwrap()
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use diesel::connection::SimpleConnection;
    use diesel::SqliteConnection;

    use super::*;

    fn check(db: &TestDb) {
        let foreign_keys = |conn: &mut SqliteConnection| {
            conn.number("SELECT foreign_keys AS n FROM pragma_foreign_keys")
        };
        let orphan = |conn: &mut SqliteConnection| {
            conn.batch_execute("INSERT INTO child (id, parent_id) VALUES (1, 42)")
        };
        let mut plain: SqliteConnection = db.conn();
        plain
            .batch_execute(
                "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n\
                 CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));",
            )
            .unwrap();
        // the bundled SQLite enforces foreign keys unless told otherwise
        assert_eq!(foreign_keys(&mut plain), 1);

        let settings = settings_for(
            db.url(),
            "diesel.connect_args.foreign_keys = false\n\
             diesel.connect_args.busy_timeout = 2500\n\
             diesel.isolation_level = READ UNCOMMITTED\n",
        );
        let mut conn: SqliteConnection = connect::establish(&settings).unwrap();
        assert_eq!(foreign_keys(&mut conn), 0);
        assert_eq!(
            conn.number("SELECT timeout AS n FROM pragma_busy_timeout"),
            2500
        );
        assert_eq!(
            conn.number("SELECT read_uncommitted AS n FROM pragma_read_uncommitted"),
            1
        );
        orphan(&mut conn).unwrap();
        conn.batch_execute("DELETE FROM child").unwrap();

        let seconds = settings_for(
            db.url(),
            "diesel.connect_args.timeout = 7\ndiesel.connect_args.foreign_keys = true\n",
        );
        let mut conn: SqliteConnection = connect::establish(&seconds).unwrap();
        assert_eq!(
            conn.number("SELECT timeout AS n FROM pragma_busy_timeout"),
            7000
        );
        assert_eq!(foreign_keys(&mut conn), 1);
        assert!(orphan(&mut conn).is_err());
    }

    #[test]
    fn connect_args_take_effect() {
        crate::support::run::<SqliteConnection>(check);
    }
}

#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
mod postgres {
    use schema_runtime::PgConnection;

    use super::*;

    fn check(db: &TestDb) {
        let settings = settings_for(
            db.url(),
            "diesel.connect_args.statement_timeout = 1500\n\
             diesel.connect_args.lock_timeout = 2s\n\
             diesel.connect_args.application_name = cargo-schema-it\n\
             diesel.isolation_level = SERIALIZABLE\n",
        );
        let mut conn: PgConnection = connect::establish(&settings).unwrap();
        let setting = |conn: &mut PgConnection, name: &str| {
            conn.strings(&format!("SELECT current_setting('{name}') AS s"))
                .remove(0)
        };
        assert_eq!(setting(&mut conn, "statement_timeout"), "1500ms");
        assert_eq!(setting(&mut conn, "lock_timeout"), "2s");
        assert_eq!(setting(&mut conn, "application_name"), "cargo-schema-it");
        assert_eq!(
            setting(&mut conn, "default_transaction_isolation"),
            "serializable"
        );
        // the plain connection differs, so the arguments did it
        let mut plain: PgConnection = db.conn();
        assert_eq!(setting(&mut plain, "statement_timeout"), "0");
        assert_ne!(setting(&mut plain, "application_name"), "cargo-schema-it");
    }

    #[test]
    fn connect_args_take_effect() {
        crate::support::run::<PgConnection>(check);
    }

    #[test]
    fn a_password_never_appears_in_a_connection_error() {
        let settings = settings_for("postgres://postgres:Sup3rS3cretPw@127.0.0.1:1/x", "");
        let Err(error) = connect::establish::<PgConnection>(&settings) else {
            panic!("connected to port 1");
        };
        assert!(
            matches!(error, schema_runtime::RunError::Connect { .. }),
            "{error:?}"
        );
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains("Sup3rS3cretPw"), "{shown}");
            assert!(shown.contains("127.0.0.1"), "{shown}");
        }
    }
}

#[cfg(any(feature = "mysql", feature = "mysql-libmysqlclient"))]
mod mysql {
    use schema_runtime::MysqlConnection;

    use super::*;

    fn check(db: &TestDb) {
        let settings = settings_for(
            db.url(),
            "diesel.connect_args.time_zone = +02:00\n\
             diesel.connect_args.sql_mode = ANSI_QUOTES,STRICT_ALL_TABLES\n\
             diesel.connect_args.lock_wait_timeout = 17\n\
             diesel.isolation_level = READ COMMITTED\n",
        );
        let mut conn: MysqlConnection = connect::establish(&settings).unwrap();
        let one = |conn: &mut MysqlConnection, sql: &str| conn.strings(sql).remove(0);
        assert_eq!(one(&mut conn, "SELECT @@session.time_zone AS s"), "+02:00");
        assert_eq!(
            one(&mut conn, "SELECT @@session.sql_mode AS s"),
            "ANSI_QUOTES,STRICT_ALL_TABLES"
        );
        assert_eq!(
            conn.number("SELECT CAST(@@session.lock_wait_timeout AS SIGNED) AS n"),
            17
        );
        assert_eq!(
            one(&mut conn, "SELECT @@session.tx_isolation AS s"),
            "READ-COMMITTED"
        );
        let mut plain: MysqlConnection = db.conn();
        assert_eq!(one(&mut plain, "SELECT @@session.time_zone AS s"), "+00:00");
        assert_ne!(
            one(&mut plain, "SELECT @@session.tx_isolation AS s"),
            "READ-COMMITTED"
        );
    }

    #[test]
    fn connect_args_take_effect() {
        crate::support::run::<MysqlConnection>(check);
    }

    #[test]
    fn a_password_never_appears_in_a_connection_error() {
        let settings = settings_for("mysql://root:Sup3rS3cretPw@127.0.0.1:1/x", "");
        let Err(error) = connect::establish::<MysqlConnection>(&settings) else {
            panic!("connected to port 1");
        };
        assert!(
            matches!(error, schema_runtime::RunError::Connect { .. }),
            "{error:?}"
        );
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains("Sup3rS3cretPw"), "{shown}");
            assert!(shown.contains("127.0.0.1"), "{shown}");
        }
    }
}
