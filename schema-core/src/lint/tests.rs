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
        sqlite_foreign_keys: true,
        metadata_allow: &[],
        previous: &[],
        rows: None,
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
            codes("ALTER TABLE users DROP COLUMN name", backend),
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
        ["adding-serial-primary-key-field"]
    );
    assert_eq!(
        pg("ALTER TABLE users ADD CONSTRAINT u UNIQUE (name)"),
        ["disallowed-unique-constraint"]
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
}

#[test]
fn mysql_rules() {
    let my = |sql: &str| codes(sql, Backend::Mysql);
    assert_eq!(
        my("ALTER TABLE users MODIFY COLUMN score BIGINT"),
        ["mysql-copy-algorithm"]
    );
    assert_eq!(
        my("ALTER TABLE users MODIFY COLUMN score INT NOT NULL DEFAULT 0"),
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
        sqlite_foreign_keys: false,
        metadata_allow: &[],
        previous: std::slice::from_ref(&previous),
        rows: None,
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
