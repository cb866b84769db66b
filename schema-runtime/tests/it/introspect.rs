//! Introspection on real databases: each kind of object made with plain
//! SQL, then read back through `introspect` and checked in the model;
//! bookkeeping tables never appear; the DDL rendered from a model
//! recreates a database that reads back as the same model.

use diesel::connection::LoadConnection;
use schema_core::schema::{Identity, IndexPart, Schema, Table};
use schema_core::url::Backend;
use schema_runtime::introspect::{
    introspect, introspect_again, IntrospectBackend, IntrospectOptions, Kept,
};

use crate::support::{TestConn, TestDb};

/// What a scenario needs of a connection type.
pub trait Reads: TestConn + LoadConnection
where
    Self::Backend: IntrospectBackend,
{
}

impl<C> Reads for C
where
    C: TestConn + LoadConnection,
    C::Backend: IntrospectBackend,
{
}

fn read<C>(conn: &mut C) -> Schema
where
    C: TestConn + LoadConnection,
    C::Backend: IntrospectBackend,
{
    introspect(conn, &IntrospectOptions::default()).unwrap()
}

fn table<'s>(schema: &'s Schema, name: &str) -> &'s Table {
    schema
        .tables
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no table {name} in {:#?}", schema.tables))
}

/// Two tables, one referencing the other by a two-column key, with a
/// unique constraint, an index, a check, defaults and an auto-numbered key.
fn setup<C: TestConn>(conn: &mut C) {
    let sql = match C::BACKEND {
        Backend::Sqlite => {
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, region TEXT NOT NULL, \
                 code VARCHAR(12) NOT NULL DEFAULT 'x', balance NUMERIC CHECK (balance >= 0), \
                 UNIQUE (region, code));
             CREATE TABLE transfers (id INTEGER PRIMARY KEY, region TEXT NOT NULL, code VARCHAR(12) NOT NULL, \
                 amount INTEGER NOT NULL, note TEXT, \
                 FOREIGN KEY (region, code) REFERENCES accounts (region, code) ON DELETE CASCADE);
             CREATE INDEX transfers_amount ON transfers (amount DESC, note) WHERE amount > 100;
             CREATE VIEW big_transfers AS SELECT * FROM transfers WHERE amount > 1000;"
        }
        Backend::Postgres => {
            "CREATE TABLE accounts (id SERIAL PRIMARY KEY, region TEXT NOT NULL, \
                 code VARCHAR(12) NOT NULL DEFAULT 'x', balance NUMERIC CHECK (balance >= 0), \
                 CONSTRAINT accounts_region_code UNIQUE (region, code));
             CREATE TABLE transfers (id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY, region TEXT NOT NULL, \
                 code VARCHAR(12) NOT NULL, amount INTEGER NOT NULL, note TEXT, \
                 CONSTRAINT transfers_account FOREIGN KEY (region, code) REFERENCES accounts (region, code) ON DELETE CASCADE);
             CREATE INDEX transfers_amount ON transfers USING btree (amount DESC, lower(note)) WHERE amount > 100;
             CREATE VIEW big_transfers AS SELECT * FROM transfers WHERE amount > 1000;
             COMMENT ON TABLE accounts IS 'Money holders';
             COMMENT ON COLUMN accounts.code IS 'Branch code';"
        }
        Backend::Mysql => {
            "CREATE TABLE accounts (id INTEGER AUTO_INCREMENT PRIMARY KEY, region VARCHAR(20) NOT NULL, \
                 code VARCHAR(12) NOT NULL DEFAULT 'x' COMMENT 'Branch code', balance DECIMAL(10,2) CHECK (balance >= 0), \
                 CONSTRAINT accounts_region_code UNIQUE (region, code)) COMMENT 'Money holders';
             CREATE TABLE transfers (id INTEGER PRIMARY KEY, region VARCHAR(20) NOT NULL, code VARCHAR(12) NOT NULL, \
                 amount INTEGER NOT NULL, note TEXT, \
                 CONSTRAINT transfers_account FOREIGN KEY (region, code) REFERENCES accounts (region, code) ON DELETE CASCADE);
             CREATE INDEX transfers_amount ON transfers (amount, note(10));
             CREATE VIEW big_transfers AS SELECT * FROM transfers WHERE amount > 1000;"
        }
    };
    conn.batch_execute(sql).unwrap();
    conn.batch_execute(schema_runtime::bookkeeping::ddl())
        .unwrap();
}

pub fn tables_and_columns<C: Reads>(db: &TestDb)
where
    C::Backend: IntrospectBackend,
{
    let mut conn: C = db.conn();
    setup(&mut conn);
    let schema = read(&mut conn);
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["accounts", "transfers"], "bookkeeping left out");
    let accounts = table(&schema, "accounts");
    let columns: Vec<&str> = accounts.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(columns, ["id", "region", "code", "balance"]);
    let code = accounts.column("code").unwrap();
    assert!(!code.nullable);
    assert!(accounts.column("balance").unwrap().nullable);
    assert!(code.default.as_deref().unwrap().contains('x'), "{code:?}");
    let (data_type, sql_type) = match C::BACKEND {
        Backend::Sqlite => ("VARCHAR(12)", "Text"),
        Backend::Postgres => ("varchar", "Varchar"),
        Backend::Mysql => ("varchar(12)", "Varchar"),
    };
    assert_eq!(code.data_type, data_type);
    assert_eq!(code.sql_type.as_deref(), Some(sql_type));
    if C::BACKEND != Backend::Sqlite {
        assert_eq!(code.max_length, Some(12));
    }
    let expected = match C::BACKEND {
        Backend::Sqlite => Identity::AutoIncrement,
        Backend::Postgres => Identity::Serial,
        Backend::Mysql => Identity::AutoIncrement,
    };
    assert_eq!(accounts.column("id").unwrap().identity, Some(expected));
    if C::BACKEND == Backend::Postgres {
        let transfers = table(&schema, "transfers");
        assert_eq!(
            transfers.column("id").unwrap().identity,
            Some(Identity::Always)
        );
        assert_eq!(schema.default_schema.as_deref(), Some("public"));
        assert_eq!(accounts.schema.as_deref(), Some("public"));
    }
}

pub fn keys_and_constraints<C: Reads>(db: &TestDb)
where
    C::Backend: IntrospectBackend,
{
    let mut conn: C = db.conn();
    setup(&mut conn);
    let schema = read(&mut conn);
    let accounts = table(&schema, "accounts");
    assert_eq!(accounts.primary_key.as_ref().unwrap().columns, ["id"]);
    assert_eq!(accounts.unique_constraints.len(), 1);
    assert_eq!(accounts.unique_constraints[0].columns, ["region", "code"]);
    assert_eq!(accounts.checks.len(), 1, "{:?}", accounts.checks);
    assert!(
        accounts.checks[0].expression.contains("balance"),
        "{:?}",
        accounts.checks
    );
    let transfers = table(&schema, "transfers");
    assert_eq!(transfers.foreign_keys.len(), 1);
    let fk = &transfers.foreign_keys[0];
    assert_eq!(fk.columns, ["region", "code"]);
    assert_eq!(fk.referenced_table, "accounts");
    assert_eq!(fk.referenced_columns, ["region", "code"]);
    assert_eq!(fk.on_delete, "CASCADE");
}

pub fn indexes<C: Reads>(db: &TestDb)
where
    C::Backend: IntrospectBackend,
{
    let mut conn: C = db.conn();
    setup(&mut conn);
    let schema = read(&mut conn);
    let transfers = table(&schema, "transfers");
    let index = transfers
        .indexes
        .iter()
        .find(|i| i.name == "transfers_amount")
        .unwrap_or_else(|| panic!("{:?}", transfers.indexes));
    assert!(!index.unique);
    assert_eq!(index.parts[0], IndexPart::Column("amount".to_owned()));
    assert_eq!(index.parts.len(), 2);
    match C::BACKEND {
        Backend::Postgres => {
            assert_eq!(index.method.as_deref(), Some("btree"));
            assert_eq!(
                index.parts[1],
                IndexPart::Expression("lower(note)".to_owned())
            );
            assert_eq!(index.predicate.as_deref(), Some("amount > 100"));
        }
        Backend::Sqlite => assert_eq!(index.predicate.as_deref(), Some("amount > 100")),
        Backend::Mysql => assert_eq!(index.method.as_deref(), Some("BTREE")),
    }
    // Indexes behind constraints are the constraints, not indexes.
    let accounts = table(&schema, "accounts");
    assert!(accounts.indexes.is_empty(), "{:?}", accounts.indexes);
}

pub fn views_and_comments<C: Reads>(db: &TestDb)
where
    C::Backend: IntrospectBackend,
{
    let mut conn: C = db.conn();
    setup(&mut conn);
    let schema = read(&mut conn);
    assert_eq!(schema.views.len(), 1);
    assert_eq!(schema.views[0].name, "big_transfers");
    assert!(
        schema.views[0].definition.contains("1000"),
        "{:?}",
        schema.views[0]
    );
    if C::BACKEND != Backend::Sqlite {
        let accounts = table(&schema, "accounts");
        assert_eq!(accounts.comment.as_deref(), Some("Money holders"));
        assert_eq!(
            accounts.column("code").unwrap().comment.as_deref(),
            Some("Branch code")
        );
    }
}

/// The DDL of a model recreates a database that reads back the same.
pub fn ddl_round_trip<C: Reads>(db: &TestDb)
where
    C::Backend: IntrospectBackend,
{
    let mut conn: C = db.conn();
    setup(&mut conn);
    let schema = read(&mut conn);
    let ddl = schema_core::schema::ddl::render(&schema);
    let copy = C::test_db().unwrap();
    let mut copy_conn: C = copy.conn();
    copy_conn
        .batch_execute(&ddl)
        .unwrap_or_else(|e| panic!("{e}\n{ddl}"));
    let mut again = read(&mut copy_conn);
    // The copy lives in a database of another name.
    if C::BACKEND == Backend::Mysql {
        let name = schema.default_schema.clone();
        again.default_schema = name.clone();
        for t in &mut again.tables {
            t.schema = name.clone();
        }
        for v in &mut again.views {
            v.schema = name.clone();
        }
        for fk in again.tables.iter_mut().flat_map(|t| &mut t.foreign_keys) {
            fk.referenced_schema = name.clone();
        }
    }
    assert_eq!(again.tables, schema.tables, "{ddl}");
    assert_eq!(again.views.len(), schema.views.len(), "{ddl}");
}

/// Read again after each change (what a replay does revision by
/// revision), a database reads the same as read afresh: no table kept from
/// an earlier read survives its ALTER, index, rename or drop.
pub fn read_again_after_each_change<C: Reads>(db: &TestDb)
where
    C::Backend: IntrospectBackend,
{
    let mut conn: C = db.conn();
    let mut kept = Kept::default();
    let steps = [
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(20))",
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
        "CREATE INDEX child_pair ON child (id, parent_id)",
        "ALTER TABLE child ADD COLUMN note VARCHAR(30)",
        "CREATE UNIQUE INDEX parent_name ON parent (name)",
        "DROP INDEX child_pair",
        "ALTER TABLE parent RENAME TO elder",
        "CREATE VIEW named AS SELECT name FROM elder",
        "DROP VIEW named",
        "DROP TABLE child",
    ];
    for (i, step) in steps.iter().enumerate() {
        // MariaDB's DROP INDEX names its table.
        let step = match (C::BACKEND, *step) {
            (Backend::Mysql, "DROP INDEX child_pair") => "DROP INDEX child_pair ON child",
            _ => step,
        };
        conn.batch_execute(step)
            .unwrap_or_else(|e| panic!("{step}: {e}"));
        let again = introspect_again(&mut conn, &IntrospectOptions::default(), &mut kept)
            .unwrap_or_else(|e| panic!("{step}: {e}"));
        let fresh = read(&mut conn);
        assert_eq!(again.tables, fresh.tables, "after step {i}: {step}");
        assert_eq!(
            again.views.len(),
            fresh.views.len(),
            "after step {i}: {step}"
        );
    }
}

on_every_backend!(
    tables_and_columns,
    keys_and_constraints,
    indexes,
    views_and_comments,
    ddl_round_trip,
    read_again_after_each_change
);

mod pg {
    use super::*;

    /// PostgreSQL: every user schema is read, enums and other types too, and
    /// the default schema follows `search_path`.
    pub fn pg_schemas_and_types<C: Reads>(db: &TestDb)
    where
        C::Backend: IntrospectBackend,
    {
        let mut conn: C = db.conn();
        conn.batch_execute(
            "CREATE SCHEMA billing;
             CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
             CREATE TYPE billing.state AS ENUM ('open', 'paid');
             CREATE DOMAIN positive AS INTEGER CHECK (VALUE > 0);
             CREATE TYPE pair AS (a INTEGER, b TEXT);
             CREATE TYPE floatrange AS RANGE (subtype = float8);
             CREATE TABLE people (id SERIAL PRIMARY KEY, mood mood, moods mood[] NOT NULL, n positive);
             CREATE TABLE billing.invoices (id SERIAL PRIMARY KEY, person_id INTEGER REFERENCES public.people (id), state billing.state);
             SET search_path TO billing, public;",
        )
        .unwrap();
        let schema = read(&mut conn);
        assert_eq!(schema.default_schema.as_deref(), Some("billing"));
        let names: Vec<(Option<&str>, &str)> = schema
            .tables
            .iter()
            .map(|t| (t.schema.as_deref(), t.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [(Some("billing"), "invoices"), (Some("public"), "people")]
        );
        let enums: Vec<(&str, &[String])> = schema
            .enums
            .iter()
            .map(|e| (e.name.as_str(), e.values.as_slice()))
            .collect();
        assert_eq!(enums.len(), 2);
        assert_eq!(enums[1].0, "mood");
        assert_eq!(enums[1].1, ["sad", "ok", "happy"]);
        let people = table(&schema, "people");
        let moods = people.column("moods").unwrap();
        assert!(moods.array);
        assert_eq!(moods.data_type, "mood");
        assert_eq!(moods.full_type, "mood[]");
        assert_eq!(
            people.column("n").unwrap().domain,
            Some(("public".to_owned(), "positive".to_owned()))
        );
        let kinds: Vec<(&str, String)> = schema
            .custom_types
            .iter()
            .map(|t| (t.name.as_str(), format!("{:?}", t.kind)))
            .collect();
        assert_eq!(
            kinds,
            [
                ("floatrange", "Range".to_owned()),
                ("pair", "Composite".to_owned()),
                ("positive", "Domain".to_owned())
            ]
        );
        let fk = &table(&schema, "invoices").foreign_keys[0];
        assert_eq!(fk.referenced_schema.as_deref(), Some("public"));
        // One schema on request.
        let only = introspect(
            &mut conn,
            &IntrospectOptions {
                schemas: vec!["billing".to_owned()],
            },
        )
        .unwrap();
        assert_eq!(only.tables.len(), 1);
    }

    on_backends!([postgres](pg_schemas_and_types));
}
