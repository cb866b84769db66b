//! `cargo schema lint`'s claims, asked of the servers themselves. For each
//! PostgreSQL rule that names a lock, the statement runs in a transaction
//! on a populated table, a second connection reads the lock from
//! `pg_locks`, and a third one's INSERT and SELECT are watched for a wait
//! (polled through `pg_locks`, never slept on); a claimed rewrite is a new
//! `relfilenode`. On MariaDB the server says whether the statement can run
//! `ALGORITHM=INPLACE, LOCK=NONE`. On SQLite the cascade is shown with
//! rows. A claim the server contradicts fails here.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use schema_core::lint::{lint_revision, Finding, LintConfig, RevisionInput};
use schema_core::schema::Schema;
use schema_runtime::introspect::{introspect, IntrospectBackend, IntrospectOptions};
use schema_runtime::Dialect;

use crate::support::TestConn;

/// The findings of `sql` as one revision, with the schema `before`.
fn lint(
    sql: &str,
    backend: schema_core::url::Backend,
    before: &Schema,
    in_transaction: bool,
    foreign_keys: bool,
) -> Vec<Finding> {
    let input = RevisionInput {
        revision: "r1",
        file: "up.sql".into(),
        sql,
        backend,
        before: Some(before),
        in_transaction,
        lock_timeout: true,
        statement_timeout: true,
        sqlite_foreign_keys: foreign_keys,
        metadata_allow: &[],
        previous: &[],
        rows: None,
        galera: false,
    };
    lint_revision(&input, &LintConfig::default())
}

/// The codes of `sql` as one revision run in a transaction, with no lock
/// or statement timeout set by the runner.
fn untimed_codes(
    sql: &str,
    backend: schema_core::url::Backend,
    before: &Schema,
) -> Vec<&'static str> {
    let input = RevisionInput {
        revision: "r1",
        file: "up.sql".into(),
        sql,
        backend,
        before: Some(before),
        in_transaction: true,
        lock_timeout: false,
        statement_timeout: false,
        sqlite_foreign_keys: false,
        metadata_allow: &[],
        previous: &[],
        galera: false,
        rows: None,
    };
    lint_revision(&input, &LintConfig::default())
        .into_iter()
        .map(|f| f.code)
        .collect()
}

fn codes(found: Vec<Finding>) -> Vec<&'static str> {
    found.into_iter().map(|f| f.code).collect()
}

fn schema_of<C>(conn: &mut C) -> Schema
where
    C: Dialect + diesel::connection::LoadConnection,
    C::Backend: IntrospectBackend,
{
    introspect(conn, &IntrospectOptions::default()).unwrap()
}

/// How long a watched statement may take to finish or to start waiting.
const BOUND: Duration = Duration::from_secs(30);

#[cfg(any(feature = "postgres", feature = "postgres-libpq"))]
mod postgres {
    use super::*;
    use diesel::connection::TransactionManager;
    use schema_runtime::PgConnection;

    /// One rule's claim: `statement` reported as `code`, holding `lock`
    /// (pg_locks' mode) on `items` (and on `parents` when `parent_lock`),
    /// blocking writes and reads as said, rewriting the table or not.
    struct Claim {
        statement: &'static str,
        code: &'static str,
        lock: &'static str,
        parent_lock: Option<&'static str>,
        writes_wait: bool,
        reads_wait: bool,
        rewrite: bool,
    }

    const CLAIMS: &[Claim] = &[
        Claim { statement: "CREATE INDEX items_email ON items (email)", code: "require-concurrent-index-creation", lock: "ShareLock", parent_lock: None, writes_wait: true, reads_wait: false, rewrite: false },
        Claim { statement: "DROP INDEX items_name", code: "require-concurrent-index-deletion", lock: "AccessExclusiveLock", parent_lock: None, writes_wait: true, reads_wait: true, rewrite: false },
        Claim { statement: "ALTER TABLE items ADD CONSTRAINT items_parent FOREIGN KEY (parent_id) REFERENCES parents (id)", code: "adding-foreign-key-constraint", lock: "ShareRowExclusiveLock", parent_lock: Some("ShareRowExclusiveLock"), writes_wait: true, reads_wait: false, rewrite: false },
        Claim { statement: "ALTER TABLE items ADD CONSTRAINT items_n CHECK (n >= 0)", code: "constraint-missing-not-valid", lock: "AccessExclusiveLock", parent_lock: None, writes_wait: true, reads_wait: true, rewrite: false },
        Claim { statement: "ALTER TABLE items ALTER COLUMN n TYPE BIGINT", code: "changing-column-type", lock: "AccessExclusiveLock", parent_lock: None, writes_wait: true, reads_wait: true, rewrite: true },
        Claim { statement: "ALTER TABLE items ADD COLUMN token DOUBLE PRECISION DEFAULT random()", code: "adding-field-with-volatile-default", lock: "AccessExclusiveLock", parent_lock: None, writes_wait: true, reads_wait: true, rewrite: true },
        Claim { statement: "ALTER TABLE items ADD COLUMN seq BIGSERIAL", code: "adding-serial-primary-key-field", lock: "AccessExclusiveLock", parent_lock: None, writes_wait: true, reads_wait: true, rewrite: true },
        Claim { statement: "ALTER TABLE items ADD CONSTRAINT items_email_key UNIQUE (email)", code: "disallowed-unique-constraint", lock: "AccessExclusiveLock", parent_lock: None, writes_wait: true, reads_wait: true, rewrite: false },
        Claim { statement: "REINDEX TABLE items", code: "require-concurrent-reindex", lock: "ShareLock", parent_lock: None, writes_wait: true, reads_wait: true, rewrite: false },
        Claim { statement: "ALTER TABLE items ALTER COLUMN name SET NOT NULL", code: "setting-not-nullable-field", lock: "AccessExclusiveLock", parent_lock: None, writes_wait: true, reads_wait: true, rewrite: false },
    ];

    const SETUP: &str = "DROP TABLE IF EXISTS items; DROP TABLE IF EXISTS parents;
        CREATE TABLE parents (id INTEGER PRIMARY KEY);
        INSERT INTO parents SELECT g FROM generate_series(1, 100) g;
        CREATE TABLE items (id SERIAL PRIMARY KEY, name VARCHAR(50), email TEXT, n INTEGER, parent_id INTEGER);
        INSERT INTO items (name, email, n, parent_id) SELECT 'n' || g, 'e' || g || '@x', g, 1 + g % 100 FROM generate_series(1, 2000) g;
        CREATE INDEX items_name ON items (name);";

    /// The words a message uses for a pg_locks mode.
    fn words(mode: &str) -> &'static str {
        match mode {
            "ShareLock" => "SHARE lock",
            "ShareRowExclusiveLock" => "SHARE ROW EXCLUSIVE",
            "AccessExclusiveLock" => "ACCESS EXCLUSIVE",
            other => panic!("no words for {other}"),
        }
    }

    fn number(conn: &mut PgConnection, sql: &str) -> i64 {
        conn.number(sql)
    }

    /// The modes `pid` holds on `table`.
    fn modes(watcher: &mut PgConnection, pid: i64, table: &str) -> Vec<String> {
        watcher.strings(&format!(
            "SELECT l.mode AS s FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             WHERE c.relname = '{table}' AND l.pid = {pid} AND l.granted ORDER BY 1"
        ))
    }

    /// Whether `sql` on a connection of its own waits for a lock while the
    /// holder keeps its transaction open: it either finishes, or shows up
    /// in pg_locks as not granted. The holder is rolled back by the caller,
    /// which then joins the returned thread.
    fn waits(
        url: &str,
        watcher: &mut PgConnection,
        sql: &'static str,
    ) -> (bool, std::thread::JoinHandle<()>) {
        let (pid_tx, pid_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        let url = url.to_owned();
        let thread = std::thread::spawn(move || {
            let mut conn = PgConnection::establish(&url).unwrap();
            pid_tx
                .send(conn.number("SELECT pg_backend_pid()::bigint AS n"))
                .unwrap();
            conn.batch_execute(sql).unwrap();
            // The watcher stops listening once it saw the wait.
            let _ = done_tx.send(());
        });
        let pid = pid_rx.recv().unwrap();
        let start = Instant::now();
        loop {
            if done_rx.try_recv().is_ok() {
                return (false, thread);
            }
            let waiting = number(
                watcher,
                &format!("SELECT count(*) AS n FROM pg_locks WHERE pid = {pid} AND NOT granted"),
            );
            if waiting > 0 {
                return (true, thread);
            }
            assert!(
                start.elapsed() < BOUND,
                "`{sql}` neither finished nor waited"
            );
            // Between two looks at pg_locks; no state is waited for here.
            std::thread::yield_now();
        }
    }

    #[test]
    fn every_lock_claim_holds_on_the_server() {
        let Some(db) = PgConnection::test_db() else {
            return;
        };
        let mut holder: PgConnection = db.conn();
        let mut watcher: PgConnection = db.conn();
        for claim in CLAIMS {
            holder.batch_execute(SETUP).unwrap();
            let before = schema_of(&mut holder);
            let findings = lint(
                claim.statement,
                schema_core::url::Backend::Postgres,
                &before,
                true,
                false,
            );
            let finding = findings
                .iter()
                .find(|f| f.code == claim.code)
                .unwrap_or_else(|| {
                    panic!("`{}`: no {} in {findings:?}", claim.statement, claim.code)
                });
            assert!(
                finding.message.contains(words(claim.lock)),
                "{}: {}",
                claim.code,
                finding.message
            );
            let says_reads_wait = finding.message.contains("reads and writes");
            assert_eq!(
                says_reads_wait, claim.reads_wait,
                "{}: {}",
                claim.code, finding.message
            );

            let pid = holder.number("SELECT pg_backend_pid()::bigint AS n");
            let node = holder.number("SELECT pg_relation_filenode('items')::bigint AS n");
            // Through diesel's transaction manager, not a bare BEGIN: the
            // driver runs a query outside a transaction diesel knows of in
            // one of its own (for transaction-mode poolers), which would
            // commit a bare BEGIN's work at the next query.
            <PgConnection as Connection>::TransactionManager::begin_transaction(&mut holder)
                .unwrap();
            holder.batch_execute(claim.statement).unwrap();
            let held = modes(&mut watcher, pid, "items");
            assert!(
                held.iter().any(|m| m == claim.lock),
                "{}: items held {held:?}, the rule says {}",
                claim.code,
                claim.lock
            );
            if let Some(parent) = claim.parent_lock {
                let held = modes(&mut watcher, pid, "parents");
                assert!(
                    held.iter().any(|m| m == parent),
                    "{}: parents held {held:?}",
                    claim.code
                );
            }
            let rewritten =
                holder.number("SELECT pg_relation_filenode('items')::bigint AS n") != node;
            assert_eq!(rewritten, claim.rewrite, "{}: rewrite", claim.code);

            let (insert_waits, insert) = waits(
                db.diesel_url(),
                &mut watcher,
                "INSERT INTO items (name, n) VALUES ('late', 1)",
            );
            let (select_waits, select) =
                waits(db.diesel_url(), &mut watcher, "SELECT count(*) FROM items");
            <PgConnection as Connection>::TransactionManager::rollback_transaction(&mut holder)
                .unwrap();
            insert.join().unwrap();
            select.join().unwrap();
            assert_eq!(
                insert_waits, claim.writes_wait,
                "{}: a concurrent INSERT",
                claim.code
            );
            assert_eq!(
                select_waits, claim.reads_wait,
                "{}: a concurrent SELECT",
                claim.code
            );
        }
    }

    /// What the rules leave alone does not take those locks: a constant
    /// default is PostgreSQL 11+'s fast default (no rewrite), an index on a
    /// table created in the same revision, NOT VALID constraints.
    #[test]
    fn what_passes_is_cheap_on_the_server() {
        let Some(db) = PgConnection::test_db() else {
            return;
        };
        let mut conn: PgConnection = db.conn();
        conn.batch_execute(SETUP).unwrap();
        let before = schema_of(&mut conn);
        let sql = "ALTER TABLE items ADD COLUMN flag BOOLEAN DEFAULT false;\n\
                   ALTER TABLE items ADD CONSTRAINT items_parent FOREIGN KEY (parent_id) REFERENCES parents (id) NOT VALID;\n\
                   ALTER TABLE items ADD CONSTRAINT items_n CHECK (n >= 0) NOT VALID;\n\
                   CREATE TABLE fresh (id INTEGER);\nCREATE INDEX fresh_id ON fresh (id);\n";
        let findings = lint(
            sql,
            schema_core::url::Backend::Postgres,
            &before,
            true,
            false,
        );
        assert_eq!(findings, []);
        let node = conn.number("SELECT pg_relation_filenode('items')::bigint AS n");
        conn.batch_execute("ALTER TABLE items ADD COLUMN flag BOOLEAN DEFAULT false")
            .unwrap();
        assert_eq!(
            conn.number("SELECT pg_relation_filenode('items')::bigint AS n"),
            node,
            "a constant default rewrote the table"
        );
    }

    /// CREATE INDEX CONCURRENTLY inside a transaction: the rule says the
    /// upgrade fails, and the server refuses it.
    #[test]
    fn concurrent_index_in_a_transaction_fails() {
        let Some(db) = PgConnection::test_db() else {
            return;
        };
        let mut conn: PgConnection = db.conn();
        conn.batch_execute(SETUP).unwrap();
        let before = schema_of(&mut conn);
        let sql = "CREATE INDEX CONCURRENTLY items_email ON items (email)";
        let codes: Vec<_> = lint(
            sql,
            schema_core::url::Backend::Postgres,
            &before,
            true,
            false,
        )
        .into_iter()
        .map(|f| f.code)
        .collect();
        assert_eq!(codes, ["ban-concurrent-index-creation-in-transaction"]);
        assert_eq!(
            lint(
                sql,
                schema_core::url::Backend::Postgres,
                &before,
                false,
                false
            ),
            []
        );
        conn.batch_execute("BEGIN").unwrap();
        let error = conn.batch_execute(sql).unwrap_err().to_string();
        conn.batch_execute("ROLLBACK").unwrap();
        assert!(
            error.contains("cannot run inside a transaction block"),
            "{error}"
        );
        conn.batch_execute(sql).unwrap();
    }

    /// `require-lock-timeout`: an ALTER waits behind a transaction that
    /// read the table, and a plain SELECT that comes after it queues
    /// behind the ALTER; with `lock_timeout` set the ALTER gives up instead.
    #[test]
    fn without_a_lock_timeout_every_later_query_queues() {
        let Some(db) = PgConnection::test_db() else {
            return;
        };
        let mut reader: PgConnection = db.conn();
        let mut watcher: PgConnection = db.conn();
        reader.batch_execute(SETUP).unwrap();
        let before = schema_of(&mut reader);
        let alter = "ALTER TABLE items ADD COLUMN flag BOOLEAN";
        let found = untimed_codes(alter, schema_core::url::Backend::Postgres, &before);
        assert_eq!(found, ["require-lock-timeout", "require-statement-timeout"]);
        let set = format!("SET lock_timeout = '2s';\nSET statement_timeout = '60s';\n{alter};\n");
        assert_eq!(
            untimed_codes(&set, schema_core::url::Backend::Postgres, &before),
            Vec::<&str>::new()
        );

        reader
            .batch_execute("BEGIN; SELECT count(*) FROM items")
            .unwrap();
        let (alter_waits, altering) = waits(
            db.diesel_url(),
            &mut watcher,
            "ALTER TABLE items ADD COLUMN flag BOOLEAN",
        );
        let (select_waits, selecting) =
            waits(db.diesel_url(), &mut watcher, "SELECT count(*) FROM items");
        let mut timed: PgConnection = db.conn();
        let refused = timed
            .batch_execute("SET lock_timeout = '100ms'; ALTER TABLE items ADD COLUMN other BOOLEAN")
            .map_err(|e| e.to_string());
        reader.batch_execute("ROLLBACK").unwrap();
        altering.join().unwrap();
        selecting.join().unwrap();
        assert!(alter_waits, "the ALTER did not wait for the reader's lock");
        assert!(
            select_waits,
            "a SELECT after the waiting ALTER did not queue behind it"
        );
        let refused = refused.expect_err("the ALTER with a lock timeout waited on");
        assert!(refused.contains("lock timeout"), "{refused}");
    }

    /// `unique-on-existing-rows` (Atlas MF101/MF102): the unique index
    /// over a column with a duplicate fails.
    #[test]
    fn a_unique_index_fails_on_a_duplicate() {
        let Some(db) = PgConnection::test_db() else {
            return;
        };
        let mut conn: PgConnection = db.conn();
        conn.batch_execute(SETUP).unwrap();
        let before = schema_of(&mut conn);
        let sql = "CREATE UNIQUE INDEX CONCURRENTLY items_name_u ON items (name)";
        let found = lint(
            sql,
            schema_core::url::Backend::Postgres,
            &before,
            false,
            false,
        );
        let finding = found
            .iter()
            .find(|f| f.code == "unique-on-existing-rows")
            .unwrap_or_else(|| panic!("{found:?}"));
        assert!(
            finding.message.contains("`items_name`"),
            "{}",
            finding.message
        );
        conn.batch_execute("INSERT INTO items (name) VALUES ('n1')")
            .unwrap();
        let error = conn.batch_execute(sql).unwrap_err().to_string();
        assert!(error.contains("could not create unique index"), "{error}");
    }
}

#[cfg(any(feature = "mysql", feature = "mysql-libmysqlclient"))]
mod mysql {
    use super::*;
    use schema_runtime::MysqlConnection;

    const SETUP: &str = "DROP TABLE IF EXISTS items;
        CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50), n INT, body TEXT) ENGINE=InnoDB;
        INSERT INTO items (name, n, body) VALUES ('a', 1, 'x'), ('b', 2, 'y'), ('c', 3, 'z');";

    /// Whether the server runs `sql` with `suffix` appended, answering for
    /// itself; the table is set up again first.
    fn accepts(conn: &mut MysqlConnection, sql: &str, suffix: &str) -> Result<(), String> {
        conn.batch_execute(SETUP).unwrap();
        conn.batch_execute(&format!("{sql}, {suffix}"))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_server_answers_each_claim() {
        let Some(db) = MysqlConnection::test_db() else {
            return;
        };
        let mut conn: MysqlConnection = db.conn();
        conn.batch_execute(SETUP).unwrap();
        let before = schema_of(&mut conn);
        let codes = |sql: &str| -> Vec<&'static str> {
            lint(sql, schema_core::url::Backend::Mysql, &before, true, false)
                .into_iter()
                .map(|f| f.code)
                .collect()
        };

        // A type change: the rule says COPY; the server refuses both
        // INSTANT and INPLACE with LOCK=NONE.
        let modify = "ALTER TABLE items MODIFY COLUMN n BIGINT";
        assert_eq!(codes(modify), ["mysql-copy-algorithm"]);
        assert!(accepts(&mut conn, modify, "ALGORITHM=INPLACE, LOCK=NONE").is_err());
        assert!(accepts(&mut conn, modify, "ALGORITHM=INSTANT").is_err());
        // What the rule lets pass, the server does in place: a longer
        // varchar, the same type.
        let longer = "ALTER TABLE items MODIFY COLUMN name VARCHAR(60)";
        assert_eq!(codes(longer), Vec::<&str>::new());
        accepts(&mut conn, longer, "ALGORITHM=INPLACE, LOCK=NONE").unwrap();

        // An index without LOCK=NONE: a warning that the server may lock;
        // the safe way the help gives is accepted for a plain index, and
        // refused where the server would have locked (FULLTEXT).
        let index = "ALTER TABLE items ADD INDEX items_name (name)";
        assert_eq!(codes(index), ["mysql-index-without-lock-none"]);
        assert_eq!(
            codes(&format!("{index}, ALGORITHM=INPLACE, LOCK=NONE")),
            Vec::<&str>::new()
        );
        accepts(&mut conn, index, "ALGORITHM=INPLACE, LOCK=NONE").unwrap();
        let fulltext = "ALTER TABLE items ADD FULLTEXT INDEX items_body (body)";
        assert!(accepts(&mut conn, fulltext, "ALGORITHM=INPLACE, LOCK=NONE").is_err());
    }

    /// `require-lock-timeout` on MariaDB: an ALTER waits for the metadata
    /// lock of a transaction that read the table, a SELECT after it queues
    /// behind it (both seen in this database's PROCESSLIST rows), and with
    /// `lock_wait_timeout` set the ALTER gives up (1205) instead.
    #[test]
    fn without_a_lock_wait_timeout_every_later_query_queues() {
        let Some(db) = MysqlConnection::test_db() else {
            return;
        };
        let mut reader: MysqlConnection = db.conn();
        let mut watcher: MysqlConnection = db.conn();
        reader.batch_execute(SETUP).unwrap();
        let before = schema_of(&mut reader);
        let alter = "ALTER TABLE items ADD COLUMN flag INT";
        assert_eq!(
            untimed_codes(alter, schema_core::url::Backend::Mysql, &before),
            ["require-lock-timeout"]
        );
        reader
            .batch_execute("START TRANSACTION; SELECT count(*) FROM items")
            .unwrap();
        let waiting = |watcher: &mut MysqlConnection, info: &str| -> bool {
            let start = Instant::now();
            loop {
                let n = watcher.number(&format!(
                    "SELECT count(*) AS n FROM information_schema.PROCESSLIST \
                     WHERE DB = '{}' AND STATE LIKE 'Waiting for table metadata lock' AND INFO = '{info}'",
                    db.name()
                ));
                if n > 0 {
                    return true;
                }
                if start.elapsed() > BOUND {
                    return false;
                }
                // Between two looks at PROCESSLIST; no state is waited for here.
                std::thread::yield_now();
            }
        };
        let url = db.diesel_url().to_owned();
        let spawn = |sql: &'static str| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut conn = MysqlConnection::establish(&url).unwrap();
                conn.batch_execute(sql).unwrap();
            })
        };
        let altering = spawn("ALTER TABLE items ADD COLUMN flag INT");
        let alter_waits = waiting(&mut watcher, "ALTER TABLE items ADD COLUMN flag INT");
        let selecting = spawn("SELECT count(*) FROM items");
        let select_waits = waiting(&mut watcher, "SELECT count(*) FROM items");
        let mut timed: MysqlConnection = db.conn();
        let refused = timed
            .batch_execute(
                "SET SESSION lock_wait_timeout = 1; ALTER TABLE items ADD COLUMN other INT",
            )
            .map_err(|e| e.to_string());
        reader.batch_execute("COMMIT").unwrap();
        altering.join().unwrap();
        selecting.join().unwrap();
        assert!(
            alter_waits,
            "the ALTER did not wait for the reader's metadata lock"
        );
        assert!(
            select_waits,
            "a SELECT after the waiting ALTER did not queue behind it"
        );
        let refused = refused.expect_err("the ALTER with lock_wait_timeout waited on");
        assert!(refused.contains("Lock wait timeout exceeded"), "{refused}");
    }

    /// The newer MySQL rules, asked of the server: expression defaults
    /// copy, an explicit lock was not needed, NOT NULL and UNIQUE fail on
    /// the rows there, and MariaDB makes an inline REFERENCES a key.
    #[test]
    fn copies_locks_and_rows() {
        let Some(db) = MysqlConnection::test_db() else {
            return;
        };
        let mut conn: MysqlConnection = db.conn();
        conn.batch_execute(SETUP).unwrap();
        let before = schema_of(&mut conn);
        let codes = |sql: &str| -> Vec<&'static str> {
            codes(lint(
                sql,
                schema_core::url::Backend::Mysql,
                &before,
                false,
                false,
            ))
        };

        // A default computed per row: neither INSTANT nor INPLACE.
        let uuid = "ALTER TABLE items ADD COLUMN token CHAR(36) DEFAULT (UUID())";
        assert_eq!(codes(uuid), ["mysql-expression-default"]);
        assert!(accepts(&mut conn, uuid, "ALGORITHM=INSTANT").is_err());
        assert!(accepts(&mut conn, uuid, "ALGORITHM=INPLACE, LOCK=NONE").is_err());
        let constant = "ALTER TABLE items ADD COLUMN two INT DEFAULT (1 + 1)";
        assert_eq!(codes(constant), Vec::<&str>::new());
        accepts(&mut conn, constant, "ALGORITHM=INSTANT").unwrap();

        // LOCK=SHARED asked for where the server runs it with LOCK=NONE.
        let index = "ALTER TABLE items ADD INDEX items_n (n)";
        assert!(codes(&format!("{index}, LOCK=SHARED")).contains(&"mysql-explicit-lock"));
        accepts(&mut conn, index, "ALGORITHM=INPLACE, LOCK=NONE").unwrap();

        // NOT NULL over a NULL, UNIQUE over a duplicate: refused.
        let not_null = "ALTER TABLE items MODIFY COLUMN n INT NOT NULL";
        assert_eq!(codes(not_null), ["not-null-on-existing-rows"]);
        conn.batch_execute(SETUP).unwrap();
        conn.batch_execute("INSERT INTO items (name, n) VALUES ('a', NULL)")
            .unwrap();
        let error = conn.batch_execute(not_null).unwrap_err().to_string();
        assert!(error.contains("Data truncated"), "{error}");
        let unique = "ALTER TABLE items ADD UNIQUE INDEX items_name_u (name)";
        assert!(codes(unique).contains(&"unique-on-existing-rows"));
        let error = conn.batch_execute(unique).unwrap_err().to_string();
        assert!(error.contains("Duplicate entry"), "{error}");

        // An inline REFERENCES: MariaDB 10.5+ makes the key (MySQL would not).
        let inline = "CREATE TABLE notes (id INT PRIMARY KEY, item_id INT REFERENCES items (id)) ENGINE=InnoDB";
        assert_eq!(codes(inline), ["mysql-inline-references"]);
        conn.batch_execute(inline).unwrap();
        let version = conn.strings("SELECT version() AS s").concat();
        let keys = conn.number("SELECT count(*) AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'notes'");
        if version.contains("MariaDB") {
            assert_eq!(keys, 1, "{version}: no key from the inline REFERENCES");
        } else {
            assert_eq!(
                keys, 0,
                "{version}: MySQL made a key of the inline REFERENCES"
            );
        }
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use diesel::SqliteConnection;

    /// The rebuild of a parent table, as SQLite's own guide writes it.
    const REBUILD: &str = "PRAGMA foreign_keys = OFF;\n\
        CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\
        INSERT INTO users_new SELECT id, name FROM users;\n\
        DROP TABLE users;\n\
        ALTER TABLE users_new RENAME TO users;\n";

    fn setup(conn: &mut SqliteConnection) {
        conn.batch_execute(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
             CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE);
             INSERT INTO users VALUES (1, 'a'), (2, 'b');
             INSERT INTO posts VALUES (1, 1), (2, 1), (3, 2);",
        )
        .unwrap();
    }

    /// The rule says the rebuild loses the child rows and the pragma does
    /// nothing inside the runner's transaction: the rows show it.
    #[test]
    fn a_rebuild_in_a_transaction_cascades_into_the_child_rows() {
        let Some(db) = SqliteConnection::test_db() else {
            return;
        };
        let mut conn: SqliteConnection = db.conn();
        setup(&mut conn);
        let before = schema_of(&mut conn);
        let codes: Vec<_> = lint(
            REBUILD,
            schema_core::url::Backend::Sqlite,
            &before,
            true,
            true,
        )
        .into_iter()
        .map(|f| f.code)
        .collect();
        // `name` becomes NOT NULL in the rebuild: no row is NULL here.
        assert_eq!(
            codes,
            [
                "sqlite-pragma-in-transaction",
                "not-null-on-existing-rows",
                "sqlite-drop-table-cascades"
            ]
        );
        assert_eq!(conn.number("SELECT count(*) AS n FROM posts"), 3);
        conn.batch_execute(&format!("BEGIN;\n{REBUILD}COMMIT;"))
            .unwrap();
        assert_eq!(
            conn.number("SELECT count(*) AS n FROM posts"),
            0,
            "the cascade the rule names"
        );
        assert_eq!(conn.number("SELECT count(*) AS n FROM users"), 2);

        // Outside a transaction the pragma holds: no cascade, no loss.
        let other = SqliteConnection::test_db().unwrap();
        let mut conn: SqliteConnection = other.conn();
        setup(&mut conn);
        let before = schema_of(&mut conn);
        assert_eq!(
            super::codes(lint(
                REBUILD,
                schema_core::url::Backend::Sqlite,
                &before,
                false,
                true
            )),
            ["not-null-on-existing-rows"]
        );
        conn.batch_execute(REBUILD).unwrap();
        assert_eq!(conn.number("SELECT count(*) AS n FROM posts"), 3);
    }

    /// `transaction-nesting` on SQLite: BEGIN inside the runner's
    /// transaction fails; `not-null-on-existing-rows` and
    /// `sqlite-alter-unsupported` (a column with an index): the rows and
    /// the server refuse.
    #[test]
    fn nesting_not_null_and_indexed_columns_fail() {
        let Some(db) = SqliteConnection::test_db() else {
            return;
        };
        let mut conn: SqliteConnection = db.conn();
        setup(&mut conn);
        conn.batch_execute(
            "CREATE INDEX users_name ON users (name); INSERT INTO users VALUES (3, NULL);",
        )
        .unwrap();
        let before = schema_of(&mut conn);
        let lite = schema_core::url::Backend::Sqlite;

        assert_eq!(
            codes(lint("BEGIN;\nCOMMIT;\n", lite, &before, true, false)),
            ["transaction-nesting", "transaction-nesting"]
        );
        conn.batch_execute("BEGIN").unwrap();
        let error = conn.batch_execute("BEGIN").unwrap_err().to_string();
        conn.batch_execute("ROLLBACK").unwrap();
        assert!(error.contains("within a transaction"), "{error}");

        // REBUILD makes the nullable `name` NOT NULL; one row is NULL.
        assert_eq!(
            codes(lint(REBUILD, lite, &before, false, false)),
            ["not-null-on-existing-rows"]
        );
        let error = conn.batch_execute(REBUILD).unwrap_err().to_string();
        assert!(error.contains("NOT NULL constraint failed"), "{error}");

        // ADD COLUMN forms SQLite refuses on a table with rows (the failed
        // rebuild left foreign keys off).
        conn.batch_execute("PRAGMA foreign_keys = ON").unwrap();
        for (sql, error) in [
            (
                "ALTER TABLE users ADD COLUMN twice INT GENERATED ALWAYS AS (id * 2) STORED",
                "cannot add a STORED column",
            ),
            (
                "ALTER TABLE posts ADD COLUMN owner INT REFERENCES users (id) DEFAULT 1",
                "Cannot add a REFERENCES column with non-NULL default value",
            ),
        ] {
            assert!(
                codes(lint(sql, lite, &before, true, true)).contains(&"sqlite-alter-unsupported"),
                "{sql}"
            );
            let refused = conn.batch_execute(sql).unwrap_err().to_string();
            assert!(refused.contains(error), "{sql}: {refused}");
        }

        let drop = "ALTER TABLE users DROP COLUMN name";
        assert!(codes(lint(drop, lite, &before, true, false)).contains(&"sqlite-alter-unsupported"));
        let error = conn.batch_execute(drop).unwrap_err().to_string();
        assert!(error.contains("users_name"), "{error}");
    }
}
