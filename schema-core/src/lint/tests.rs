//! Each rule on the statements it catches and on those it lets pass.

use super::*;
use crate::schema::{Column, ForeignKey, Index, IndexPart, Table};

fn schema(backend: Backend) -> Schema {
    let default = match backend {
        Backend::Postgres => Some("public".to_owned()),
        Backend::Mysql => Some("app".to_owned()),
        Backend::Sqlite => None,
    };
    let mut s = Schema::new(backend, default.clone());
    let mut users = Table::new(default.clone(), "users");
    users.columns = vec![
        Column::new("id", 1, "int"),
        Column::new("name", 2, "varchar(50)"),
        Column::new("score", 3, "int(11)"),
    ];
    users.indexes.push(Index {
        name: "users_name".into(),
        parts: vec![IndexPart::Column("name".into())],
        unique: false,
        predicate: None,
        method: None,
        definition: None,
    });
    let mut posts = Table::new(default, "posts");
    posts.columns = vec![
        Column::new("id", 1, "int"),
        Column::new("user_id", 2, "int"),
    ];
    posts.foreign_keys.push(ForeignKey {
        name: None,
        columns: vec!["user_id".into()],
        referenced_schema: None,
        referenced_table: "users".into(),
        referenced_columns: vec!["id".into()],
        on_update: "NO ACTION".into(),
        on_delete: "CASCADE".into(),
    });
    s.tables = vec![posts, users];
    s
}

fn codes_with(
    sql: &str,
    backend: Backend,
    in_transaction: bool,
    config: &LintConfig,
) -> Vec<&'static str> {
    let before = schema(backend);
    let input = RevisionInput {
        revision: "r",
        file: "up.sql".into(),
        sql,
        backend,
        before: Some(&before),
        in_transaction,
        lock_timeout: true,
        statement_timeout: true,
        sqlite_foreign_keys: true,
        metadata_allow: &[],
        previous: &[],
        rows: None,
        galera: false,
    };
    lint_revision(&input, config)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

fn codes(sql: &str, backend: Backend) -> Vec<&'static str> {
    codes_with(sql, backend, true, &LintConfig::default())
}

#[test]
fn every_rule_is_unique_and_named_in_kebab_case() {
    let mut seen = std::collections::HashSet::new();
    for r in RULES {
        assert!(seen.insert(r.code), "{} twice", r.code);
        assert!(
            r.code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            r.code
        );
    }
}

#[test]
fn common_rules_on_every_backend() {
    for backend in [Backend::Postgres, Backend::Mysql, Backend::Sqlite] {
        assert_eq!(
            codes("DROP TABLE posts", backend),
            ["ban-drop-table"],
            "{backend}"
        );
        assert_eq!(
            codes("ALTER TABLE users DROP COLUMN score", backend),
            ["ban-drop-column"],
            "{backend}"
        );
        assert_eq!(
            codes("ALTER TABLE users RENAME COLUMN name TO title", backend),
            ["renaming-column"],
            "{backend}"
        );
        assert_eq!(
            codes("ALTER TABLE users RENAME TO people", backend),
            ["renaming-table"],
            "{backend}"
        );
        assert_eq!(
            codes("ALTER TABLE users ADD COLUMN age INTEGER NOT NULL", backend),
            ["adding-not-nullable-field"],
            "{backend}"
        );
        assert_eq!(
            codes(
                "ALTER TABLE users ADD COLUMN age INTEGER NOT NULL DEFAULT 0",
                backend
            ),
            Vec::<&str>::new(),
            "{backend}"
        );
        // A table the revision creates may be changed at will.
        assert_eq!(
            codes("CREATE TABLE t (id INTEGER, x INTEGER);\nALTER TABLE t DROP COLUMN x;\nDROP TABLE t;\n", backend),
            Vec::<&str>::new(),
            "{backend}"
        );
    }
}

#[test]
fn postgres_rules() {
    let pg = |sql: &str| codes(sql, Backend::Postgres);
    assert_eq!(
        pg("CREATE INDEX i ON users (name)"),
        ["require-concurrent-index-creation"]
    );
    assert_eq!(
        pg("CREATE INDEX CONCURRENTLY i ON users (name)"),
        ["ban-concurrent-index-creation-in-transaction"]
    );
    assert_eq!(
        codes_with(
            "CREATE INDEX CONCURRENTLY i ON users (name)",
            Backend::Postgres,
            false,
            &LintConfig::default()
        ),
        Vec::<&str>::new()
    );
    assert_eq!(
        pg("DROP INDEX users_name"),
        ["require-concurrent-index-deletion"]
    );
    assert_eq!(
        pg("DROP INDEX CONCURRENTLY users_name"),
        ["ban-concurrent-index-creation-in-transaction"]
    );
    assert_eq!(
        pg("CREATE INDEX fresh ON users (id);\nDROP INDEX fresh"),
        ["require-concurrent-index-creation"]
    );
    assert_eq!(
        pg("ALTER TABLE posts ADD CONSTRAINT f FOREIGN KEY (user_id) REFERENCES users (id)"),
        ["adding-foreign-key-constraint"]
    );
    assert_eq!(pg("ALTER TABLE posts ADD CONSTRAINT f FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID"), Vec::<&str>::new());
    assert_eq!(
        pg("ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0)"),
        ["constraint-missing-not-valid"]
    );
    assert_eq!(
        pg("ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0) NOT VALID"),
        Vec::<&str>::new()
    );
    assert_eq!(
        pg("ALTER TABLE users ALTER COLUMN id TYPE BIGINT"),
        ["changing-column-type"]
    );
    assert_eq!(
        pg("ALTER TABLE users ADD COLUMN t UUID DEFAULT gen_random_uuid()"),
        ["adding-field-with-volatile-default"]
    );
    assert_eq!(
        pg("ALTER TABLE users ADD COLUMN t TIMESTAMPTZ DEFAULT now()"),
        Vec::<&str>::new()
    );
    assert_eq!(
        pg("ALTER TABLE users ADD COLUMN n BIGSERIAL"),
        ["adding-serial-primary-key-field"]
    );
    assert_eq!(
        pg("ALTER TABLE users ADD PRIMARY KEY (id)"),
        ["unique-on-existing-rows", "adding-serial-primary-key-field"]
    );
    assert_eq!(
        pg("ALTER TABLE users ADD CONSTRAINT u UNIQUE (name)"),
        ["unique-on-existing-rows", "disallowed-unique-constraint"]
    );
    assert_eq!(
        pg("ALTER TABLE users ALTER COLUMN name SET NOT NULL"),
        ["setting-not-nullable-field"]
    );
    assert_eq!(
        pg("ALTER TABLE users ALTER COLUMN name DROP NOT NULL"),
        ["ban-drop-not-null"]
    );
    assert_eq!(pg("DROP SCHEMA app CASCADE"), ["ban-drop-database"]);
    assert_eq!(pg("REINDEX TABLE users"), ["require-concurrent-reindex"]);
    assert_eq!(
        pg("REINDEX INDEX users_name"),
        ["require-concurrent-reindex"]
    );
    assert_eq!(
        pg("REINDEX TABLE CONCURRENTLY users"),
        ["ban-concurrent-index-creation-in-transaction"]
    );
    assert_eq!(
        codes_with(
            "REINDEX TABLE CONCURRENTLY users",
            Backend::Postgres,
            false,
            &LintConfig::default()
        ),
        Vec::<&str>::new()
    );
    assert_eq!(
        pg("CREATE TABLE t (id INT);\nREINDEX TABLE t;\n"),
        Vec::<&str>::new()
    );
}

#[test]
fn mysql_rules() {
    let my = |sql: &str| codes(sql, Backend::Mysql);
    assert_eq!(
        my("ALTER TABLE users MODIFY COLUMN score BIGINT"),
        ["mysql-copy-algorithm"]
    );
    assert_eq!(
        my("ALTER TABLE users MODIFY COLUMN score INT DEFAULT 0"),
        Vec::<&str>::new()
    );
    assert_eq!(
        my("ALTER TABLE users MODIFY COLUMN name VARCHAR(80)"),
        Vec::<&str>::new()
    );
    assert_eq!(
        my("ALTER TABLE users CHANGE COLUMN name title VARCHAR(50)"),
        ["renaming-column"]
    );
    assert_eq!(
        my("ALTER TABLE users ADD COLUMN x INT, ALGORITHM=COPY"),
        ["mysql-copy-algorithm"]
    );
    assert_eq!(
        my("ALTER TABLE users ADD INDEX i (name)"),
        ["mysql-index-without-lock-none"]
    );
    assert_eq!(
        my("ALTER TABLE users ADD INDEX i (name), ALGORITHM=INPLACE, LOCK=NONE"),
        Vec::<&str>::new()
    );
    assert_eq!(
        my("CREATE INDEX i ON users (name)"),
        ["mysql-index-without-lock-none"]
    );
}

#[test]
fn sqlite_rules() {
    let lite = |sql: &str| codes(sql, Backend::Sqlite);
    let rebuild = "CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT);\n\
                   INSERT INTO users_new SELECT id, name FROM users;\n\
                   DROP TABLE users;\n\
                   ALTER TABLE users_new RENAME TO users;\n";
    assert_eq!(lite(rebuild), ["sqlite-drop-table-cascades"]);
    assert_eq!(
        lite(&format!("PRAGMA foreign_keys = OFF;\n{rebuild}")),
        ["sqlite-pragma-in-transaction", "sqlite-drop-table-cascades"]
    );
    assert_eq!(
        codes_with(
            &format!("PRAGMA foreign_keys = OFF;\n{rebuild}"),
            Backend::Sqlite,
            false,
            &LintConfig::default()
        ),
        Vec::<&str>::new()
    );
    assert_eq!(
        lite("ALTER TABLE users ADD COLUMN c TEXT UNIQUE"),
        ["sqlite-alter-unsupported"]
    );
    assert_eq!(
        lite("ALTER TABLE users ADD COLUMN c TEXT DEFAULT CURRENT_TIMESTAMP"),
        ["sqlite-alter-unsupported"]
    );
    assert_eq!(
        lite("ALTER TABLE users ADD COLUMN c TEXT DEFAULT 'x'"),
        Vec::<&str>::new()
    );
    // The ADD COLUMN forms SQLite refuses on a table with rows.
    assert_eq!(
        lite("ALTER TABLE users ADD COLUMN d INT GENERATED ALWAYS AS (score * 2) STORED"),
        ["sqlite-alter-unsupported"]
    );
    assert_eq!(
        lite("ALTER TABLE users ADD COLUMN d INT GENERATED ALWAYS AS (score * 2) VIRTUAL"),
        Vec::<&str>::new()
    );
    assert_eq!(
        lite("ALTER TABLE posts ADD COLUMN u INT REFERENCES users (id) DEFAULT 1"),
        ["sqlite-alter-unsupported"]
    );
    assert_eq!(
        lite("ALTER TABLE posts ADD COLUMN u INT REFERENCES users (id)"),
        Vec::<&str>::new()
    );
}

/// The findings of `sql` in a revision with the runner's timeouts as
/// given.
fn codes_timed(
    sql: &str,
    backend: Backend,
    in_transaction: bool,
    lock_timeout: bool,
    statement_timeout: bool,
) -> Vec<&'static str> {
    let before = schema(backend);
    let input = RevisionInput {
        revision: "r",
        file: "up.sql".into(),
        sql,
        backend,
        before: Some(&before),
        in_transaction,
        lock_timeout,
        statement_timeout,
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

#[test]
fn timeouts_are_asked_for_blocking_locks_only() {
    let pg =
        |sql: &str, lock, statement| codes_timed(sql, Backend::Postgres, true, lock, statement);
    let alter = "ALTER TABLE users ALTER COLUMN name DROP DEFAULT";
    assert_eq!(
        pg(alter, false, false),
        ["require-lock-timeout", "require-statement-timeout"]
    );
    assert_eq!(pg(alter, true, false), ["require-statement-timeout"]);
    assert_eq!(pg(alter, false, true), ["require-lock-timeout"]);
    assert_eq!(pg(alter, true, true), Vec::<&str>::new());
    // Said once a revision, at the first statement that locks.
    assert_eq!(
        pg(&format!("{alter};\n{alter};\n"), false, false),
        ["require-lock-timeout", "require-statement-timeout"]
    );
    // A SET earlier in the file counts; one of 0 turns it off again.
    assert_eq!(
        pg(
            &format!("SET lock_timeout = '2s';\nSET statement_timeout TO '60s';\n{alter};\n"),
            false,
            false
        ),
        Vec::<&str>::new()
    );
    assert_eq!(
        pg(&format!("SET lock_timeout = 0;\n{alter};\n"), false, true),
        ["require-lock-timeout"]
    );
    // No lock that blocks: a new table, CONCURRENTLY.
    assert_eq!(
        pg(
            "CREATE TABLE t (id INT);\nALTER TABLE t ADD COLUMN x INT;\n",
            false,
            false
        ),
        Vec::<&str>::new()
    );
    assert_eq!(
        codes_timed(
            "CREATE INDEX CONCURRENTLY i ON users (name)",
            Backend::Postgres,
            false,
            false,
            false
        ),
        Vec::<&str>::new()
    );
    // MySQL: the metadata lock's wait; its statement timeout does not
    // cover DDL, so only the lock timeout is asked for.
    let my = |sql: &str, lock| codes_timed(sql, Backend::Mysql, false, lock, false);
    assert_eq!(
        my("ALTER TABLE users ADD COLUMN x INT", false),
        ["require-lock-timeout"]
    );
    assert_eq!(
        my(
            "SET SESSION lock_wait_timeout = 5;\nALTER TABLE users ADD COLUMN x INT;\n",
            false
        ),
        Vec::<&str>::new()
    );
    assert_eq!(
        my("ALTER TABLE users ADD COLUMN x INT", true),
        Vec::<&str>::new()
    );
    // SQLite: nothing waits on a server.
    assert_eq!(
        codes_timed(
            "ALTER TABLE users ADD COLUMN x INT",
            Backend::Sqlite,
            true,
            false,
            false
        ),
        Vec::<&str>::new()
    );
}

#[test]
fn transaction_control_inside_the_runners_transaction() {
    for backend in [Backend::Postgres, Backend::Sqlite] {
        let sql = "BEGIN;\nCREATE TABLE t (id INT);\nCOMMIT;\n";
        assert_eq!(
            codes(sql, backend),
            ["transaction-nesting", "transaction-nesting"],
            "{backend}"
        );
        assert_eq!(
            codes_with(sql, backend, false, &LintConfig::default()),
            Vec::<&str>::new(),
            "{backend}"
        );
        assert_eq!(
            codes("ROLLBACK", backend),
            ["transaction-nesting"],
            "{backend}"
        );
    }
    // MySQL's runner runs DDL outside a transaction: nothing nests.
    assert_eq!(
        codes("START TRANSACTION;\nCOMMIT;\n", Backend::Mysql),
        Vec::<&str>::new()
    );
}

#[test]
fn statements_before_the_last_of_a_revision_outside_a_transaction_can_run_twice() {
    let outside = |sql: &str| codes_timed(sql, Backend::Postgres, false, true, true);
    assert_eq!(
        outside("CREATE TABLE t (id INT);\nCREATE INDEX t_id ON t (id);\nALTER TABLE t ADD COLUMN x INT;\nALTER TABLE t ADD CONSTRAINT c CHECK (x > 0);\nALTER TABLE t DROP COLUMN x;\nDROP TABLE t;\nSELECT 1;\n"),
        ["prefer-robust-stmts"; 6]
    );
    assert_eq!(
        outside("CREATE TABLE IF NOT EXISTS t (id INT);\nCREATE INDEX IF NOT EXISTS t_id ON t (id);\nALTER TABLE t ADD COLUMN IF NOT EXISTS x INT;\nALTER TABLE t DROP COLUMN IF EXISTS x;\nDROP TABLE IF EXISTS t;\nSELECT 1;\n"),
        Vec::<&str>::new()
    );
    // Its own BEGIN ... COMMIT is a transaction too.
    assert_eq!(
        outside("BEGIN;\nCREATE TABLE t (id INT);\nCREATE TABLE u (id INT);\nCOMMIT;\n"),
        Vec::<&str>::new()
    );
    // The last statement (or one alone) either ran or left nothing.
    assert_eq!(outside("CREATE TABLE t (id INT)"), Vec::<&str>::new());
    // Inside the runner's transaction a failure undoes everything.
    assert_eq!(
        codes(
            "CREATE TABLE t (id INT);\nCREATE TABLE u (id INT);\n",
            Backend::Postgres
        ),
        Vec::<&str>::new()
    );
}

#[test]
fn data_dependent_changes() {
    for backend in [Backend::Postgres, Backend::Mysql, Backend::Sqlite] {
        let unique = codes("CREATE UNIQUE INDEX u ON users (score)", backend);
        assert!(
            unique.contains(&"unique-on-existing-rows"),
            "{backend}: {unique:?}"
        );
        // A new table has no rows.
        assert_eq!(
            codes(
                "CREATE TABLE t (id INT);\nCREATE UNIQUE INDEX u ON t (id);\n",
                backend
            )
            .iter()
            .filter(|c| **c == "unique-on-existing-rows")
            .count(),
            0,
            "{backend}"
        );
    }
    // Atlas MF102: the index over the same columns let duplicates in.
    let before = schema(Backend::Mysql);
    let input = RevisionInput {
        revision: "r",
        file: "up.sql".into(),
        sql: "CREATE UNIQUE INDEX users_name_u ON users (name)",
        backend: Backend::Mysql,
        before: Some(&before),
        in_transaction: false,
        lock_timeout: true,
        statement_timeout: true,
        sqlite_foreign_keys: false,
        metadata_allow: &[],
        previous: &[],
        galera: false,
        rows: None,
    };
    let found = lint_revision(&input, &LintConfig::default());
    assert!(
        found[0]
            .message
            .contains("index `users_name` over the same columns"),
        "{found:?}"
    );
    // MySQL MF104: a nullable column made NOT NULL.
    assert_eq!(
        codes(
            "ALTER TABLE users MODIFY COLUMN name VARCHAR(50) NOT NULL",
            Backend::Mysql
        ),
        ["not-null-on-existing-rows"]
    );
    // SQLite LT101 and a new UNIQUE in a rebuild.
    let rebuild = "PRAGMA foreign_keys = OFF;\n\
                   CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, score INT);\n\
                   INSERT INTO users_new SELECT id, name, score FROM users;\n\
                   DROP TABLE users;\n\
                   ALTER TABLE users_new RENAME TO users;\n";
    assert_eq!(
        codes_with(rebuild, Backend::Sqlite, false, &LintConfig::default()),
        ["not-null-on-existing-rows", "unique-on-existing-rows"]
    );
}

#[test]
fn constraint_drops() {
    assert_eq!(
        codes(
            "ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey",
            Backend::Postgres
        ),
        ["ban-drop-constraint"]
    );
    assert_eq!(
        codes(
            "ALTER TABLE posts DROP FOREIGN KEY posts_user",
            Backend::Mysql
        ),
        ["ban-drop-constraint"]
    );
    assert_eq!(
        codes("ALTER TABLE posts DROP PRIMARY KEY", Backend::Mysql),
        ["ban-drop-constraint"]
    );
}

#[test]
fn mysql_copies_locks_and_inline_keys() {
    let my = |sql: &str| codes(sql, Backend::Mysql);
    assert_eq!(
        my("ALTER TABLE users ADD COLUMN u CHAR(36) DEFAULT (UUID())"),
        ["mysql-expression-default"]
    );
    assert_eq!(
        my("ALTER TABLE users ADD COLUMN u INT DEFAULT (score + 1)"),
        ["mysql-expression-default"]
    );
    assert_eq!(
        my("ALTER TABLE users ADD COLUMN u INT DEFAULT (1 + 1)"),
        Vec::<&str>::new()
    );
    assert_eq!(
        my("ALTER TABLE users ADD COLUMN u DATETIME DEFAULT CURRENT_TIMESTAMP"),
        Vec::<&str>::new()
    );
    assert_eq!(
        my("ALTER TABLE users ADD COLUMN x INT, LOCK=SHARED"),
        ["mysql-explicit-lock"]
    );
    assert_eq!(
        my("ALTER TABLE users ADD COLUMN x INT, LOCK=EXCLUSIVE"),
        ["mysql-explicit-lock"]
    );
    assert_eq!(
        my("CREATE TABLE t (id INT, user_id INT REFERENCES users (id))"),
        ["mysql-inline-references"]
    );
    assert_eq!(
        my("CREATE TABLE t (id INT, user_id INT, FOREIGN KEY (user_id) REFERENCES users (id))"),
        Vec::<&str>::new()
    );
}

#[test]
fn sqlite_alter_limits() {
    // Columns SQLite will not drop, on any version.
    assert_eq!(
        codes("ALTER TABLE users DROP COLUMN name", Backend::Sqlite),
        ["ban-drop-column", "sqlite-alter-unsupported"]
    );
    assert_eq!(
        codes("ALTER TABLE posts DROP COLUMN user_id", Backend::Sqlite),
        ["ban-drop-column", "sqlite-alter-unsupported"]
    );
    assert_eq!(
        codes("ALTER TABLE users DROP COLUMN score", Backend::Sqlite),
        ["ban-drop-column"]
    );
    // By version, when [lint] names the oldest SQLite the app runs on.
    let old = |version: &str, sql: &str| {
        let mut options = indexmap::IndexMap::new();
        options.insert("sqlite_version".to_owned(), version.to_owned());
        let config =
            LintConfig::from_section(&options, std::path::Path::new("schema.ini"), &|_| None)
                .unwrap();
        codes_with(sql, Backend::Sqlite, true, &config)
    };
    assert_eq!(
        old("3.31.1", "ALTER TABLE users DROP COLUMN score"),
        ["ban-drop-column", "sqlite-alter-version"]
    );
    assert_eq!(
        old("3.35", "ALTER TABLE users DROP COLUMN score"),
        ["ban-drop-column"]
    );
    assert_eq!(
        old("3.22.0", "ALTER TABLE users RENAME COLUMN score TO points"),
        ["renaming-column", "sqlite-alter-version"]
    );
    assert_eq!(
        old("3.25.0", "ALTER TABLE users RENAME COLUMN score TO points"),
        ["renaming-column"]
    );
}

#[test]
fn allows_and_levels() {
    let sql = "-- schema:allow ban-drop-table archived in 2.0\nDROP TABLE posts;\n";
    assert_eq!(codes(sql, Backend::Postgres), Vec::<&str>::new());
    let sql = "DROP TABLE posts; -- schema:allow ban-drop-table\n";
    assert_eq!(codes(sql, Backend::Postgres), ["allow-without-reason"]);
    let sql = "-- schema:allow ban-drop-tables typo\nDROP TABLE posts;\n";
    assert_eq!(
        codes(sql, Backend::Postgres),
        ["unknown-rule", "ban-drop-table"]
    );
    let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1 ROWS 1 LEAKPROOF WINDOW";
    let unparsed = codes(sql, Backend::Postgres);
    assert!(
        unparsed.is_empty() || unparsed == ["unparsed-statement"],
        "{unparsed:?}"
    );
}

/// `(code, message)` of each finding of `sql` with the previous release's
/// schema.rs `previous`.
fn against_previous(sql: &str, backend: Backend, previous: &str) -> Vec<(&'static str, String)> {
    let tables = crate::schema::diesel::parse::declared_tables(
        previous,
        std::path::Path::new("src/schema.rs"),
    )
    .unwrap();
    let previous = super::PreviousRelease {
        label: "main:src/schema.rs".into(),
        tables,
    };
    let input = RevisionInput {
        revision: "r",
        file: "up.sql".into(),
        sql,
        backend,
        before: None,
        in_transaction: true,
        lock_timeout: true,
        statement_timeout: true,
        sqlite_foreign_keys: false,
        metadata_allow: &[],
        previous: std::slice::from_ref(&previous),
        rows: None,
        galera: false,
    };
    lint_revision(&input, &LintConfig::default())
        .into_iter()
        .filter(|f| f.code == "breaks-previous-release")
        .map(|f| (f.code, f.message))
        .collect()
}

const PREVIOUS: &str = "diesel::table! {\n    users (id) {\n        id -> Integer,\n        email -> Text,\n    }\n}\n\ndiesel::table! {\n    posts (id) {\n        id -> Integer,\n    }\n}\n";

#[test]
fn what_the_previous_release_declares_stays() {
    let messages = |sql: &str, backend| {
        against_previous(sql, backend, PREVIOUS)
            .into_iter()
            .map(|(_, m)| {
                let what = m.split(", which").next().unwrap_or_default();
                let at = m
                    .split("declares (")
                    .nth(1)
                    .and_then(|r| r.split(')').next());
                format!("{what} @ {}", at.unwrap_or_default())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        messages(
            "ALTER TABLE users DROP COLUMN email;\nALTER TABLE users RENAME COLUMN id TO uid;\nDROP TABLE posts;\nALTER TABLE users ADD COLUMN age INTEGER NOT NULL;\nALTER TABLE users ADD COLUMN nick TEXT NOT NULL DEFAULT '';\nALTER TABLE users DROP COLUMN unknown;\n",
            Backend::Postgres
        ),
        [
            "drops column `email` of `users` @ main:src/schema.rs:4",
            "renames column `id` of `users` @ main:src/schema.rs:3",
            "drops table `posts` @ main:src/schema.rs:9",
            "adds `age` NOT NULL without a default to `users` @ main:src/schema.rs:2",
        ]
    );
    assert_eq!(
        messages("ALTER TABLE posts RENAME TO articles;\nALTER TABLE users CHANGE COLUMN email mail TEXT;\nRENAME TABLE users TO people;\n", Backend::Mysql),
        [
            "renames table `posts` (to `articles`) @ main:src/schema.rs:9",
            "renames column `email` of `users` @ main:src/schema.rs:4",
            "renames table `users` (to `people`) @ main:src/schema.rs:2",
        ]
    );
    // A rebuild keeps the table; the column it leaves out is dropped.
    assert_eq!(
        messages("CREATE TABLE users_new (id INTEGER PRIMARY KEY);\nINSERT INTO users_new SELECT id FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;\n", Backend::Sqlite),
        ["drops (by a table rebuild without it) column `email` of `users` @ main:src/schema.rs:4"]
    );
    // Tables the revision creates are its own.
    assert_eq!(
        messages(
            "CREATE TABLE tags (id INTEGER);\nDROP TABLE tags;\nCREATE TABLE posts (id INTEGER);\n",
            Backend::Sqlite
        ),
        Vec::<String>::new()
    );
}

/// A Galera node's own limits, found only when the target is one.
#[test]
fn galera_limits() {
    let before = schema(Backend::Mysql);
    let galera = |sql: &str, on: bool| -> Vec<&'static str> {
        let input = RevisionInput {
            revision: "r",
            file: "up.sql".into(),
            sql,
            backend: Backend::Mysql,
            before: Some(&before),
            in_transaction: false,
            lock_timeout: true,
            statement_timeout: true,
            sqlite_foreign_keys: false,
            metadata_allow: &[],
            previous: &[],
            galera: on,
            rows: None,
        };
        lint_revision(&input, &LintConfig::default())
            .into_iter()
            .map(|f| f.code)
            .filter(|c| c.starts_with("galera-"))
            .collect()
    };
    let cases: &[(&str, &[&str])] = &[
        (
            "CREATE TABLE t (id INT NOT NULL)",
            &["galera-table-without-primary-key"],
        ),
        ("CREATE TABLE t (id INT PRIMARY KEY)", &[]),
        ("CREATE TABLE t (id INT, PRIMARY KEY (id))", &[]),
        ("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB", &[]),
        (
            "CREATE TABLE t (id INT PRIMARY KEY) ENGINE=MyISAM",
            &["galera-non-innodb-table"],
        ),
        (
            "CREATE TABLE t (id INT PRIMARY KEY) ENGINE = Aria",
            &["galera-non-innodb-table"],
        ),
        (
            "ALTER TABLE users DROP PRIMARY KEY",
            &["galera-table-without-primary-key"],
        ),
        (
            "ALTER TABLE users DROP PRIMARY KEY, ADD PRIMARY KEY (id)",
            &[],
        ),
        ("LOCK TABLES users WRITE", &["galera-lock-tables"]),
        (
            "UPDATE users SET id = id + 1",
            &["galera-large-transaction"],
        ),
        ("UPDATE users SET id = 1 WHERE id = 2", &[]),
        ("DELETE FROM users", &["galera-large-transaction"]),
        (
            "INSERT INTO users (id) SELECT id FROM posts",
            &["galera-large-transaction"],
        ),
        ("INSERT INTO users (id) VALUES (1)", &[]),
    ];
    for (sql, expected) in cases {
        assert_eq!(galera(sql, true), *expected, "{sql}");
        assert!(galera(sql, false).is_empty(), "not a Galera node: {sql}");
    }
}
