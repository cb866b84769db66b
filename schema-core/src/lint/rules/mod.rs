//! The rule table and the helpers the rule families share. One file per
//! family: [`common`] (every backend), [`data`] (what depends on the
//! rows), [`runner`] (what the runner's transaction and timeouts make of
//! a revision), [`rolling`], [`postgres`], [`mysql`], [`galera`]
//! (MySQL/MariaDB on a Galera node), [`sqlite`].

mod common;
mod data;
mod galera;
mod mysql;
mod postgres;
mod rolling;
mod runner;
mod sqlite;

use sqlparser::ast::{ObjectName, Statement};

use super::parse::Parsed;
use super::{Context, Hit, Rule, Severity};
use crate::schema::Table;
use crate::url::Backend;

const ALL: &[Backend] = &[Backend::Postgres, Backend::Mysql, Backend::Sqlite];
const PG: &[Backend] = &[Backend::Postgres];
const MY: &[Backend] = &[Backend::Mysql];
const LITE: &[Backend] = &[Backend::Sqlite];
const PG_MY: &[Backend] = &[Backend::Postgres, Backend::Mysql];
const PG_LITE: &[Backend] = &[Backend::Postgres, Backend::Sqlite];
const MY_LITE: &[Backend] = &[Backend::Mysql, Backend::Sqlite];

const fn r(
    code: &'static str,
    severity: Severity,
    backends: &'static [Backend],
    summary: &'static str,
) -> Rule {
    Rule {
        code,
        severity,
        backends,
        summary,
    }
}

use Severity::{Error, Warning};

/// Every rule, by family.
pub static RULES: &[Rule] = &[
    // Every backend.
    r("ban-drop-table", Error, ALL, "DROP TABLE of a table that existed before the revision: its rows are lost and the running app breaks"),
    r("ban-drop-column", Error, ALL, "DROP COLUMN of an existing table: its data is lost and the previous release still selects it"),
    r("ban-drop-database", Error, ALL, "DROP DATABASE/SCHEMA in a migration"),
    r("renaming-table", Error, ALL, "RENAME of an existing table: the previous release still uses the old name during the deploy"),
    r("renaming-column", Error, ALL, "RENAME COLUMN of an existing table: the previous release still uses the old name during the deploy"),
    r("adding-not-nullable-field", Error, ALL, "ADD COLUMN ... NOT NULL without a default on an existing table"),
    r("unparsed-statement", Warning, ALL, "a statement sqlparser cannot read: no rule checked it"),
    r("allow-without-reason", Warning, ALL, "a `-- schema:allow CODE` comment that says no why"),
    r("unknown-rule", Warning, ALL, "a `-- schema:allow` comment naming no rule"),
    r("ban-drop-constraint", Warning, PG_MY, "DROP CONSTRAINT / FOREIGN KEY / PRIMARY KEY of an existing table: the guarantee stops at once"),
    r("unique-on-existing-rows", Warning, ALL, "a unique index or key over rows already there (CREATE UNIQUE INDEX, ADD UNIQUE / PRIMARY KEY, an index made unique, a SQLite rebuild with a new UNIQUE): fails on the first duplicate"),
    r("not-null-on-existing-rows", Warning, MY_LITE, "a nullable column made NOT NULL (MySQL MODIFY/CHANGE, a SQLite rebuild): fails on the first NULL (MySQL outside strict mode: implicit defaults)"),
    r("transaction-nesting", Error, PG_LITE, "BEGIN / COMMIT / ROLLBACK in a revision the runner wraps in a transaction"),
    r("require-lock-timeout", Warning, PG_MY, "a statement that waits for a blocking lock on an existing table with no lock timeout (runner setting or SET): every later query of the table queues behind it"),
    r("breaks-previous-release", Error, ALL, "with `--base`/`--previous-schema`: drops or renames a table or column the previous release's schema.rs declares, or adds a NOT NULL column without a default to one of its tables"),
    // `lint --round-trip` (the scratch database proves them, not a parser).
    r("round-trip", Error, ALL, "down.sql run after up.sql does not bring the schema back to what it was before (objects named), or fails"),
    r("irreversible-down", Error, ALL, "down.sql runs no SQL while up.sql does (unless it says `-- irreversible`)"),
    // PostgreSQL.
    r("require-concurrent-index-creation", Error, PG, "CREATE INDEX without CONCURRENTLY on an existing table: SHARE lock, writes wait for the build"),
    r("require-concurrent-index-deletion", Error, PG, "DROP INDEX without CONCURRENTLY: ACCESS EXCLUSIVE on the table"),
    r("require-concurrent-reindex", Error, PG, "REINDEX without CONCURRENTLY: SHARE on the table and ACCESS EXCLUSIVE on its indexes, reads and writes wait"),
    r("ban-concurrent-index-creation-in-transaction", Error, PG, "CREATE/DROP INDEX or REINDEX CONCURRENTLY in a revision the runner wraps in a transaction: it fails"),
    r("constraint-missing-not-valid", Error, PG, "ADD CONSTRAINT CHECK without NOT VALID on an existing table: full scan under ACCESS EXCLUSIVE"),
    r("adding-foreign-key-constraint", Error, PG, "a foreign key added to an existing table without NOT VALID: both tables locked while the child is scanned"),
    r("changing-column-type", Error, PG, "ALTER COLUMN ... TYPE on an existing table: ACCESS EXCLUSIVE, most changes rewrite the table"),
    r("adding-field-with-volatile-default", Error, PG, "ADD COLUMN with a volatile DEFAULT (random(), clock_timestamp(), ...): the table is rewritten under ACCESS EXCLUSIVE"),
    r("adding-serial-primary-key-field", Error, PG, "ADD COLUMN serial / ADD PRIMARY KEY on an existing table: rewrite or index build under ACCESS EXCLUSIVE"),
    r("disallowed-unique-constraint", Error, PG, "ADD CONSTRAINT UNIQUE without USING INDEX on an existing table: index build under ACCESS EXCLUSIVE"),
    r("setting-not-nullable-field", Error, PG, "ALTER COLUMN ... SET NOT NULL on an existing table: full scan under ACCESS EXCLUSIVE, fails on a NULL"),
    r("prefer-robust-stmts", Warning, PG, "in a revision run outside a transaction, a statement before the last that cannot run twice (no IF [NOT] EXISTS): a revision that failed partway cannot be run again"),
    r("require-statement-timeout", Warning, PG, "a statement that holds a blocking lock on an existing table with no statement timeout (runner setting or SET)"),
    r("ban-drop-not-null", Warning, PG, "ALTER COLUMN ... DROP NOT NULL: the previous release may rely on the column never being NULL"),
    // MySQL / MariaDB.
    r("mysql-copy-algorithm", Error, MY, "MODIFY/CHANGE COLUMN changing an existing column's type: ALGORITHM=COPY, writes blocked while the table is copied"),
    r("mysql-expression-default", Error, MY, "ADD COLUMN with a default expression computed per row (a column, UUID(), UUID_SHORT(), SYSDATE()): ALGORITHM=COPY"),
    r("mysql-explicit-lock", Error, MY, "ALTER / CREATE INDEX with LOCK=SHARED or LOCK=EXCLUSIVE on an existing table"),
    r("mysql-inline-references", Warning, MY, "a column-level REFERENCES: MySQL ignores it, MariaDB 10.5+ makes the key"),
    r("mysql-index-without-lock-none", Warning, MY, "an index added to an existing table without LOCK=NONE: the server may lock silently"),
    // A Galera node (MariaDB's "Galera Cluster Known Limitations").
    r("galera-table-without-primary-key", Error, MY, "on a Galera node: CREATE TABLE without a PRIMARY KEY, or DROP PRIMARY KEY: rows are replicated by key"),
    r("galera-non-innodb-table", Error, MY, "on a Galera node: CREATE TABLE with an ENGINE other than InnoDB: its rows are not replicated"),
    r("galera-lock-tables", Error, MY, "on a Galera node: LOCK TABLES, which Galera does not support"),
    r("galera-large-transaction", Warning, MY, "on a Galera node: UPDATE/DELETE of every row, INSERT ... SELECT: one write set, refused above wsrep_max_ws_size and stalling the cluster"),
    // SQLite.
    r("sqlite-drop-table-cascades", Error, LITE, "DROP TABLE (a table rebuild) of a parent table with foreign keys on: ON DELETE CASCADE / SET NULL change the child rows"),
    r("sqlite-pragma-in-transaction", Error, LITE, "PRAGMA foreign_keys in a revision the runner wraps in a transaction: the pragma is ignored"),
    r("sqlite-alter-unsupported", Error, LITE, "an ALTER TABLE form SQLite does not have (ALTER COLUMN, ADD CONSTRAINT, ADD COLUMN with UNIQUE/PRIMARY KEY, a non-constant default, GENERATED STORED, or REFERENCES with a non-NULL default under foreign keys), or DROP COLUMN of a key, UNIQUE, indexed or foreign key column"),
    r("sqlite-alter-version", Error, LITE, "with `[lint] sqlite_version`: RENAME COLUMN before 3.25, DROP COLUMN before 3.35"),
];

/// Run every family that applies to `ctx.backend` on `parsed`, then note
/// what it creates for the statements after it.
pub(crate) fn check(parsed: &Parsed, ctx: &mut Context<'_>, out: &mut Vec<Hit>) {
    if let Some(reindex) = &parsed.reindex {
        postgres::reindex(reindex, ctx, out);
        return;
    }
    let Some(statement) = &parsed.statement else {
        // Compound bodies and server-specific forms sqlparser does not
        // read; said once per statement so that nobody believes it passed.
        if parsed.foreign_keys_pragma.is_none() {
            out.push(Hit {
                code: "unparsed-statement",
                message: format!(
                    "sqlparser cannot read this statement ({}); no rule checked it",
                    parsed.error.as_deref().unwrap_or("unknown form")
                ),
                help:
                    "review it by hand, then `-- schema:allow unparsed-statement REASON` above it"
                        .into(),
            });
        } else {
            sqlite::pragma(parsed, ctx, out);
        }
        return;
    };
    common::check(statement, ctx, out);
    rolling::check(statement, ctx, out);
    data::check(statement, ctx, out);
    runner::check(statement, parsed, ctx, out);
    match ctx.backend {
        Backend::Postgres => postgres::check(statement, parsed, ctx, out),
        Backend::Mysql => {
            mysql::check(statement, ctx, out);
            if ctx.galera {
                galera::check(statement, out);
            }
        }
        Backend::Sqlite => sqlite::check(statement, parsed, ctx, out),
    }
    remember(statement, ctx);
}

/// Tables this statement creates (or renames into being) are new for the
/// rest of the revision.
fn remember(statement: &Statement, ctx: &mut Context<'_>) {
    match statement {
        Statement::CreateTable(t) => {
            ctx.created.insert(key(&t.name));
            let columns = t.columns.iter().map(|c| c.name.value.to_lowercase());
            ctx.created_columns.insert(key(&t.name), columns.collect());
        }
        Statement::AlterTable {
            name, operations, ..
        } => {
            for op in operations {
                if let sqlparser::ast::AlterTableOperation::RenameTable { table_name } = op {
                    let new = match table_name {
                        sqlparser::ast::RenameTableNameKind::As(n)
                        | sqlparser::ast::RenameTableNameKind::To(n) => n,
                    };
                    if ctx.created.contains(&key(name)) {
                        ctx.created.insert(key(new));
                    }
                }
            }
        }
        _ => {}
    }
}

/// The tables a revision rebuilds, by the new table that replaces each:
/// `new` -> `old` of `ALTER TABLE new RENAME TO old` where `new` is
/// created by the revision.
pub(crate) fn rebuilt<'a>(
    statements: impl Iterator<Item = &'a Statement>,
) -> std::collections::HashMap<String, String> {
    let mut created = std::collections::HashSet::new();
    let mut rebuilt = std::collections::HashMap::new();
    for statement in statements {
        match statement {
            Statement::CreateTable(t) => {
                created.insert(key(&t.name));
            }
            Statement::AlterTable {
                name, operations, ..
            } if created.contains(&key(name)) => {
                for op in operations {
                    if let sqlparser::ast::AlterTableOperation::RenameTable {
                        table_name:
                            sqlparser::ast::RenameTableNameKind::As(new)
                            | sqlparser::ast::RenameTableNameKind::To(new),
                    } = op
                    {
                        rebuilt.insert(key(name), key(new));
                    }
                }
            }
            _ => {}
        }
    }
    rebuilt
}

/// The table part of `name`, lower-cased (names are compared without case).
pub(crate) fn key(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.to_lowercase())
        .unwrap_or_default()
}

/// The schema part of `name`, lower-cased.
fn schema_of(name: &ObjectName) -> Option<String> {
    let n = name.0.len();
    if n < 2 {
        return None;
    }
    name.0[n - 2].as_ident().map(|i| i.value.to_lowercase())
}

impl Context<'_> {
    /// The table `name` as it was before the revision.
    pub(crate) fn table(&self, name: &ObjectName) -> Option<&Table> {
        let (schema, table) = (schema_of(name), key(name));
        self.before?.tables.iter().find(|t| {
            t.name.to_lowercase() == table
                && schema.as_deref().is_none_or(|s| {
                    t.schema.as_deref().map(str::to_lowercase).as_deref() == Some(s)
                })
        })
    }

    /// Whether `name` existed before the revision (and so may hold rows
    /// and be in use): not created by this revision, and in the schema
    /// before it when that is known.
    pub(crate) fn existing(&self, name: &ObjectName) -> bool {
        !self.created.contains(&key(name)) && (self.before.is_none() || self.table(name).is_some())
    }
}

/// `name` for messages.
pub(crate) fn shown(name: &ObjectName) -> String {
    format!("`{name}`")
}
