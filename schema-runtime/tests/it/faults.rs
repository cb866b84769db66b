//! The runner an application embeds (`embed!()` builds this `Migrator`),
//! under the faults the command's tests inject (tests/cli/migrate/faults):
//! the server ends its session in the middle of a revision. The call
//! returns an error the application can report, never a panic; the
//! database holds whole revisions only; and the next start, on a new
//! connection, brings it to head with nothing run twice.

use crate::support::{diesel_versions, folder_name, linear, tgt, Folder, TestConn, TestDb};
use schema_runtime::Backend;

on_backends!([postgres, mysql](
    a_session_ended_mid_revision_is_an_error_not_a_panic
));

const PAUSE_TAG: &str = "in_embedded_pause";

/// The server's id of the session inside revision 2's pause, if one is.
fn paused_session<C: TestConn>(admin: &mut C) -> Option<String> {
    let sql = match C::BACKEND {
        Backend::Postgres => format!(
            "SELECT CAST(pid AS TEXT) AS s FROM pg_stat_activity \
             WHERE query LIKE '%{PAUSE_TAG}%' AND state = 'active' \
             AND pid <> pg_backend_pid() AND datname = current_database()"
        ),
        _ => format!(
            "SELECT CAST(ID AS CHAR) AS s FROM information_schema.PROCESSLIST \
             WHERE INFO LIKE '%{PAUSE_TAG}%' AND ID <> CONNECTION_ID() AND DB = DATABASE()"
        ),
    };
    admin.strings(&sql).into_iter().next()
}

fn a_session_ended_mid_revision_is_an_error_not_a_panic<C: TestConn>(db: &TestDb) {
    let folder = Folder::new();
    let versions = linear(&folder, 3);
    let pause = match C::BACKEND {
        Backend::Postgres => format!("SELECT pg_sleep(60), '{PAUSE_TAG}';"),
        _ => format!("DO SLEEP(60), '{PAUSE_TAG}';"),
    };
    folder.write_up(
        &folder_name(2),
        &format!(
            "{pause}\nCREATE TABLE t2 (id INTEGER PRIMARY KEY);\nINSERT INTO t2 (id) VALUES (2);\n"
        ),
    );
    let migrator = folder.migrator();

    let outcome = std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut admin: C = db.conn();
            let mut session = None;
            schema_test_support::wait_until(
                "the runner inside revision 2",
                schema_test_support::GENEROUS,
                || {
                    session = paused_session(&mut admin);
                    session.is_some()
                },
            );
            let id = session.unwrap_or_default();
            let kill = match C::BACKEND {
                Backend::Postgres => format!("SELECT pg_terminate_backend({id})"),
                _ => format!("KILL CONNECTION {id}"),
            };
            admin.batch_execute(&kill).unwrap();
        });
        let mut conn: C = db.conn();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            migrator.upgrade(&mut conn, &tgt("head"))
        }))
    });
    let error = match outcome {
        Err(_) => panic!("the runner panicked when its session ended"),
        Ok(Ok(steps)) => panic!("the run succeeded with its session ended: {steps:?}"),
        Ok(Err(error)) => error,
    };
    let said = error.to_string().to_lowercase();
    assert!(
        [
            "connection",
            "terminat",
            "server",
            "closed",
            "lost",
            "killed",
            "interrupted"
        ]
        .iter()
        .any(|w| said.contains(w)),
        "the error says the session ended: {error}"
    );

    // Whole revisions only: PostgreSQL rolled the run back, MariaDB kept
    // revision 1, which had committed on its own; revision 2 left nothing.
    let mut conn: C = db.conn();
    let applied = diesel_versions(&mut conn);
    let kept = match C::BACKEND {
        Backend::Postgres => 0,
        _ => 1,
    };
    assert_eq!(applied, &versions[..kept], "{error}");
    assert!(!conn.tables().contains(&"t2".to_owned()), "{error}");

    // The next start, the pause gone, brings the database to head.
    folder.write_up(
        &folder_name(2),
        "CREATE TABLE t2 (id INTEGER PRIMARY KEY);\nINSERT INTO t2 (id) VALUES (2);\n",
    );
    folder.migrator().upgrade(&mut conn, &tgt("head")).unwrap();
    assert_eq!(diesel_versions(&mut conn), versions);
    assert!(conn.tables().contains(&"t2".to_owned()));
}
