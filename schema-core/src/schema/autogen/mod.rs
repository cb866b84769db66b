//! `generate --autogenerate`: the changes of a [`Diff`] as the up.sql and
//! down.sql of a new revision, in the backend's dialect.
//!
//! Columns are altered in place so their rows survive: PostgreSQL's
//! `ALTER COLUMN ... TYPE ... USING`, MySQL's `MODIFY COLUMN` (which restates
//! the whole column, so its default, `AUTO_INCREMENT` and comment are kept),
//! and on SQLite, which can alter neither a column nor a key, the table
//! rebuild its documentation prescribes (a new table, the rows copied,
//! the old one dropped, the new one renamed, indexes and views made again).
//! Every statement that can lose data carries a `-- destructive:` comment.

mod types;

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::Write;

use super::ddl::Ddl;
use super::diff::{Change, Diff};
use super::{Column, ForeignKey, Identity, IndexPart, PrimaryKey, Schema, Table};
use crate::url::Backend;
pub(crate) use types::{canonical, is_record_column, DieselType};

/// A revision's SQL and the summary shown on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// up.sql's body.
    pub up: String,
    /// down.sql's body.
    pub down: String,
    /// One line per change, as Alembic's "Detected ..." lines.
    pub summary: Vec<String>,
    /// Columns whose type diesel does not define, written as diesel
    /// writes it (upper-cased).
    pub warnings: Vec<String>,
    /// How many changes up.sql marks destructive: what upgrading may lose.
    pub destructive: usize,
    /// How many down.sql marks destructive (reverting an added column
    /// drops it): what a later downgrade may lose.
    pub destructive_down: usize,
    /// The SQL opens and commits its own transaction, so the revision must
    /// run outside the runner's (`run_in_transaction = false`): SQLite's
    /// table rebuild turns foreign keys off, which only works outside one.
    pub own_transaction: bool,
}

/// Why a change cannot be written as SQL.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// schema.rs names a type this backend has no DDL type for.
    #[error("`{table}.{column}`: no {backend} type for diesel's `{ty}`; write the column's SQL by hand or use a type the backend has")]
    UnmappedType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The diesel type as written.
        ty: String,
        /// The backend.
        backend: Backend,
    },
    /// The change has no form the backend accepts.
    #[error("`{table}.{column}`: {reason}")]
    NoSafeForm {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Why, and what to do instead.
        reason: String,
    },
}

/// One statement with the comment that precedes it.
#[derive(Debug, Clone)]
struct Step {
    comment: String,
    sql: String,
    destructive: bool,
}

impl Step {
    fn new(comment: impl Into<String>, sql: impl Into<String>) -> Self {
        Step {
            comment: comment.into(),
            sql: sql.into(),
            destructive: false,
        }
    }

    fn destructive(comment: impl Into<String>, sql: impl Into<String>) -> Self {
        Step {
            destructive: true,
            ..Step::new(comment, sql)
        }
    }
}

/// up.sql and down.sql for `diff`, computed against the `live` schema it
/// was made from.
pub fn render(live: &Schema, diff: &Diff) -> Result<Revision, RenderError> {
    let r = Renderer {
        d: Ddl {
            backend: live.backend,
        },
        live,
        warnings: Default::default(),
        records: Default::default(),
        names: RefCell::new(constraint_names(live)),
    };
    let mut summary = Vec::new();
    let mut parts: Vec<(Vec<Step>, Vec<Step>)> = Vec::new();
    let plan = r.plan(&diff.changes)?;
    for item in &plan {
        match item {
            Planned::Change(c) => {
                summary.push(r.describe(c));
                parts.push(r.change(c)?);
            }
            Planned::Rebuild { from, to, changes } => {
                summary.extend(changes.iter().map(|c| r.describe(c)));
                parts.push((r.rebuild(from, to), r.rebuild(to, from)));
            }
            Planned::Retype { changes, keys } => {
                summary.extend(changes.iter().map(|c| r.describe(c)));
                parts.push(r.retype(changes, keys)?);
            }
        }
    }
    let mut up: Vec<Step> = parts.iter().flat_map(|(u, _)| u.clone()).collect();
    let mut down: Vec<Step> = parts.iter().rev().flat_map(|(_, d)| d.clone()).collect();
    // Composite types of `Record<...>` columns: made before, dropped after.
    let records = r.records.take();
    let comment = "composite type of a Record column, as diesel names it";
    up.splice(
        0..0,
        records.iter().map(|t| Step::new(comment, t.create.clone())),
    );
    down.extend(
        records
            .iter()
            .rev()
            .map(|t| Step::new(comment, format!("DROP TYPE IF EXISTS {};", t.name))),
    );
    let marked = |steps: &[Step]| {
        let mut marked: Vec<&str> = steps
            .iter()
            .filter(|s| s.destructive)
            .map(|s| s.comment.as_str())
            .collect();
        marked.dedup();
        marked.len()
    };
    let destructive = marked(&up);
    let destructive_down = marked(&down);
    let own_transaction = plan.iter().any(|p| matches!(p, Planned::Rebuild { .. }));
    if own_transaction {
        up = in_own_transaction(up);
        down = in_own_transaction(down);
    }
    Ok(Revision {
        up: write_steps(&up),
        down: write_steps(&down),
        summary,
        warnings: r.warnings.take(),
        destructive,
        destructive_down,
        own_transaction,
    })
}

/// SQLite's rebuild procedure around `steps`: foreign keys off (so that
/// dropping the old table neither fails nor cascades; a pragma a
/// transaction ignores), the steps in one transaction, which is refused
/// if a foreign key is left broken, then foreign keys on again.
fn in_own_transaction(steps: Vec<Step>) -> Vec<Step> {
    let comment = "SQLite: foreign keys stay off while tables are rebuilt, and every key is checked before the commit";
    let mut out = vec![
        Step::new(comment, "PRAGMA foreign_keys = OFF;"),
        Step::new(comment, "BEGIN;"),
    ];
    out.extend(steps);
    let check = "foreign keys checked: the commit is refused while a row points at no row";
    out.push(Step::new(
        check,
        "CREATE TEMP TABLE \"_cargo_schema_fk_check\" (foreign_key_violations INTEGER CHECK (foreign_key_violations = 0));",
    ));
    out.push(Step::new(
        check,
        "INSERT INTO \"_cargo_schema_fk_check\" SELECT count(*) FROM pragma_foreign_key_check;",
    ));
    out.push(Step::new(check, "DROP TABLE \"_cargo_schema_fk_check\";"));
    out.push(Step::new(check, "COMMIT;"));
    out.push(Step::new(check, "PRAGMA foreign_keys = ON;"));
    out
}

fn write_steps(steps: &[Step]) -> String {
    let mut out = String::new();
    let mut last_comment = "";
    for s in steps {
        if s.comment != last_comment && !s.comment.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            for line in s.comment.lines() {
                let _ = writeln!(out, "-- {line}");
            }
            last_comment = &s.comment;
        }
        let _ = writeln!(out, "{}", s.sql);
    }
    out
}

/// What is rendered: a change by itself, or (SQLite) every change to one
/// table that needs the table rebuilt, done by one rebuild.
enum Planned<'c> {
    Change(&'c Change),
    Rebuild {
        from: Box<Table>,
        to: Box<Table>,
        changes: Vec<&'c Change>,
    },
    /// (MySQL) column changes with the foreign keys on their columns, at
    /// either end, dropped before and made again after: MySQL refuses to
    /// change a column a key uses (error 1832).
    Retype {
        changes: Vec<&'c Change>,
        keys: Vec<(Table, ForeignKey)>,
    },
}

struct Renderer<'a> {
    d: Ddl,
    live: &'a Schema,
    /// Types diesel does not define, written upper-cased (one per column).
    warnings: RefCell<Vec<String>>,
    /// PostgreSQL composite types of `Record<...>` columns, made first.
    records: RefCell<Vec<types::RecordType>>,
    /// The names of constraints and indexes, the database's and those
    /// this revision creates (lowercase: MySQL compares them so).
    names: RefCell<HashSet<String>>,
}

impl Renderer<'_> {
    fn backend(&self) -> Backend {
        self.d.backend
    }

    /// A name for a new foreign key that no constraint or index of the
    /// database or of this revision has: PostgreSQL's own
    /// `table_column_fkey`, numbered as PostgreSQL numbers it when taken
    /// (an existing key on the same columns to another table has it), so
    /// that down.sql drops only the key up.sql made.
    fn fresh_name(&self, table: &str, columns: &[String]) -> String {
        let base = fk_name(table, columns);
        let mut names = self.names.borrow_mut();
        let mut n = 0usize;
        loop {
            let suffix = if n == 0 { String::new() } else { n.to_string() };
            // PostgreSQL cuts names at 63 bytes and MySQL refuses more
            // than 64: cut before the suffix, so it stays.
            let mut head = base.clone();
            while head.len() + suffix.len() > 63 {
                head.pop();
            }
            let name = format!("{head}{suffix}");
            if names.insert(name.to_lowercase()) {
                return name;
            }
            n += 1;
        }
    }

    /// A table's name for people: without the default schema.
    fn shown(&self, t: &Table) -> String {
        match &t.schema {
            Some(s) if Some(s) != self.live.default_schema.as_ref() => format!("{s}.{}", t.name),
            _ => t.name.clone(),
        }
    }

    fn plan<'c>(&self, changes: &'c [Change]) -> Result<Vec<Planned<'c>>, RenderError> {
        if self.backend() == Backend::Mysql {
            return self.plan_mysql(changes);
        }
        if self.backend() != Backend::Sqlite {
            return Ok(changes.iter().map(Planned::Change).collect());
        }
        // Tables that a change needs rebuilt, by name after any rename.
        let rebuilt: Vec<String> = changes
            .iter()
            .filter_map(|c| match c {
                Change::AlterType { table, .. }
                | Change::AlterNullability { table, .. }
                | Change::ChangePrimaryKey { table, .. }
                | Change::AddForeignKey { table, .. }
                | Change::DropForeignKey { table, .. }
                | Change::DropColumn { table, .. } => Some(table.name.clone()),
                _ => None,
            })
            .collect();
        let mut out: Vec<Planned<'c>> = Vec::new();
        for c in changes {
            let table = match c {
                Change::AlterType { table, .. }
                | Change::AlterNullability { table, .. }
                | Change::ChangePrimaryKey { table, .. }
                | Change::AddForeignKey { table, .. }
                | Change::DropForeignKey { table, .. }
                | Change::DropColumn { table, .. }
                | Change::AddColumn { table, .. } => Some(table),
                _ => None,
            };
            match table.filter(|t| rebuilt.contains(&t.name)) {
                None => out.push(Planned::Change(c)),
                Some(t) => {
                    let existing = out.iter_mut().find_map(|p| match p {
                        Planned::Rebuild { from, to, changes } if from.name == t.name => {
                            Some((to, changes))
                        }
                        _ => None,
                    });
                    match existing {
                        Some((to, changes)) => {
                            self.apply(to, c)?;
                            changes.push(c);
                        }
                        None => {
                            let mut to = Box::new(t.clone());
                            self.apply(&mut to, c)?;
                            out.push(Planned::Rebuild {
                                from: Box::new(t.clone()),
                                to,
                                changes: vec![c],
                            });
                        }
                    }
                }
            }
        }
        for p in &mut out {
            if let Planned::Rebuild { to, .. } = p {
                settle_rowid(to);
            }
        }
        Ok(out)
    }

    /// MySQL: the column changes (contiguous: [`diff`](super::diff) orders
    /// changes by kind) in one [`Planned::Retype`] when a foreign key uses
    /// one of their columns; a type that cannot be in a key refused there.
    fn plan_mysql<'c>(&self, changes: &'c [Change]) -> Result<Vec<Planned<'c>>, RenderError> {
        let mut keys: Vec<(Table, ForeignKey)> = Vec::new();
        for c in changes {
            let (table, column, new) = match c {
                Change::AlterType { table, from, to } => {
                    (table, &**from, Some(self.column(table, to)?))
                }
                Change::AlterNullability { table, column, .. } => (table, column, None),
                _ => continue,
            };
            let used = self.keys_on(table, &column.name, changes);
            if let Some(new) = &new {
                self.refuse_unkeyable(table, &column.name, &new.full_type, !used.is_empty())?;
            }
            for (t, fk) in used {
                if !keys
                    .iter()
                    .any(|(kt, k)| kt.name == t.name && kt.schema == t.schema && k == &fk)
                {
                    keys.push((t, fk));
                }
            }
        }
        if keys.is_empty() {
            return Ok(changes.iter().map(Planned::Change).collect());
        }
        let is_alter = |c: &Change| {
            matches!(
                c,
                Change::AlterType { .. } | Change::AlterNullability { .. }
            )
        };
        let mut out = Vec::new();
        let mut retype = Some(Planned::Retype {
            changes: changes.iter().filter(|c| is_alter(c)).collect(),
            keys,
        });
        for c in changes {
            if !is_alter(c) {
                out.push(Planned::Change(c));
            } else if let Some(block) = retype.take() {
                out.push(block);
            }
        }
        Ok(out)
    }

    /// The live foreign keys that use `table.column`, from it or to it,
    /// less those the revision drops anyway.
    fn keys_on(&self, table: &Table, column: &str, changes: &[Change]) -> Vec<(Table, ForeignKey)> {
        let dropped = |t: &Table, fk: &ForeignKey| {
            changes.iter().any(|c| match c {
                Change::DropTable(d) => d.name == t.name && d.schema == t.schema,
                Change::DropForeignKey { table, foreign_key } => {
                    table.name == t.name
                        && foreign_key.columns == fk.columns
                        && foreign_key.referenced_table == fk.referenced_table
                }
                _ => false,
            })
        };
        let mut out = Vec::new();
        for t in &self.live.tables {
            for fk in &t.foreign_keys {
                let from = t.name == table.name
                    && t.schema == table.schema
                    && fk.columns.iter().any(|c| c == column);
                let to = fk.referenced_table == table.name
                    && fk.referenced_columns.iter().any(|c| c == column);
                if (from || to) && !dropped(t, fk) {
                    out.push((t.clone(), fk.clone()));
                }
            }
        }
        out
    }

    /// MySQL keys a TEXT or BLOB column only by a prefix, and a foreign
    /// key not at all: refuse to make a keyed column one.
    fn refuse_unkeyable(
        &self,
        table: &Table,
        column: &str,
        new_type: &str,
        in_foreign_key: bool,
    ) -> Result<(), RenderError> {
        let ty = new_type.to_ascii_lowercase();
        let base = ty.split(['(', ' ']).next().unwrap_or_default();
        if !matches!(
            base,
            "tinytext"
                | "text"
                | "mediumtext"
                | "longtext"
                | "tinyblob"
                | "blob"
                | "mediumblob"
                | "longblob"
                | "json"
        ) {
            return Ok(());
        }
        let keyed_by = if in_foreign_key {
            Some("a foreign key".to_owned())
        } else if table
            .primary_key
            .as_ref()
            .is_some_and(|k| k.columns.iter().any(|c| c == column))
        {
            Some("the primary key".to_owned())
        } else if let Some(u) = table
            .unique_constraints
            .iter()
            .find(|u| u.columns.iter().any(|c| c == column))
        {
            Some(format!(
                "the unique key {}",
                u.name.as_deref().unwrap_or_default()
            ))
        } else {
            table
                .indexes
                .iter()
                .find(|i| {
                    i.parts
                        .iter()
                        .any(|p| matches!(p, IndexPart::Column(c) if c == column))
                })
                .map(|i| format!("the index {}", i.name))
        };
        match keyed_by {
            None => Ok(()),
            Some(key) => Err(RenderError::NoSafeForm {
                table: self.shown(table),
                column: column.to_owned(),
                reason: format!(
                    "{} cannot become {new_type}: it is in {key}, and {} keys a {base} column only by a prefix length (error 1170) and never by a foreign key; \
                     keep a VARCHAR type (e.g. `#[max_length = N]` on `Varchar`), or write the revision by hand (drop the key or index it by a prefix first)",
                    column,
                    self.backend()
                ),
            }),
        }
    }

    /// The up and down steps of a [`Planned::Retype`]: on each end the
    /// keys dropped, the columns changed, the keys made again, in the same
    /// order.
    fn retype(
        &self,
        changes: &[&Change],
        keys: &[(Table, ForeignKey)],
    ) -> Result<(Vec<Step>, Vec<Step>), RenderError> {
        let comment = format!(
            "foreign key(s) {} dropped while their columns change ({} refuses to change a column a key uses), then made again",
            keys.iter()
                .map(|(_, k)| k.name.as_deref().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", "),
            self.backend()
        );
        let drops: Vec<Step> = keys
            .iter()
            .map(|(t, k)| Step::new(comment.clone(), self.drop_foreign_key(t, k)))
            .collect();
        let adds: Vec<Step> = keys
            .iter()
            .map(|(t, k)| Step::new(comment.clone(), self.d.add_foreign_key(t, k)))
            .collect();
        let mut up = drops.clone();
        let mut down = drops;
        let mut downs = Vec::new();
        for c in changes {
            let (u, d) = self.change(c)?;
            up.extend(u);
            downs.push(d);
        }
        down.extend(downs.into_iter().rev().flatten());
        up.extend(adds.iter().cloned());
        down.extend(adds);
        Ok((up, down))
    }

    /// `table` with `change` made to it (for the SQLite rebuild).
    fn apply(&self, table: &mut Table, change: &Change) -> Result<(), RenderError> {
        match change {
            Change::AddColumn { column, .. } => {
                let mut c = self.column(table, column)?;
                c.position = u32::try_from(table.columns.len() + 1).unwrap_or(u32::MAX);
                table.columns.push(c);
            }
            Change::DropColumn { column, .. } => drop_column(table, &column.name),
            Change::AlterType { to, .. } => {
                let new = self.column(table, to)?;
                if let Some(c) = table.columns.iter_mut().find(|c| c.name == to.name) {
                    c.data_type = new.data_type;
                    c.full_type = new.full_type;
                    c.sql_type = new.sql_type;
                    c.max_length = new.max_length;
                    c.nullable = to.nullable;
                }
            }
            Change::AlterNullability {
                column, nullable, ..
            } => {
                if let Some(c) = table.columns.iter_mut().find(|c| c.name == column.name) {
                    c.nullable = *nullable;
                }
            }
            Change::ChangePrimaryKey { to, .. } => {
                table.primary_key = Some(PrimaryKey {
                    name: None,
                    columns: to.clone(),
                });
                for c in &mut table.columns {
                    if to.contains(&c.name) {
                        c.nullable = false;
                    }
                }
            }
            Change::AddForeignKey { foreign_key, .. } => {
                table.foreign_keys.push(foreign_key.clone());
            }
            Change::DropForeignKey { foreign_key, .. } => {
                table.foreign_keys.retain(|f| {
                    !(f.columns == foreign_key.columns
                        && f.referenced_table == foreign_key.referenced_table)
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// A desired column with its DDL type filled in.
    fn column(&self, table: &Table, desired: &Column) -> Result<Column, RenderError> {
        let written = desired.sql_type.as_deref().unwrap_or(&desired.data_type);
        let ty = DieselType::parse(written);
        let mut records = Vec::new();
        let record = if self.backend() == Backend::Postgres {
            types::record_type(&desired.name, &ty, &self.live.enums, &mut records)
        } else {
            None
        };
        if record.is_some() {
            let mut all = self.records.borrow_mut();
            for t in records {
                if !all.contains(&t) {
                    all.push(t);
                }
            }
        }
        let ddl = record
            .or_else(|| types::ddl_type(self.backend(), &ty, desired.max_length, &self.live.enums))
            .ok_or_else(|| RenderError::UnmappedType {
                table: self.shown(table),
                column: desired.name.clone(),
                ty: written.to_owned(),
                backend: self.backend(),
            })?;
        if !types::diesel_defines(self.backend(), &ty.base)
            && !ty.base.contains('<')
            && !self
                .live
                .enums
                .iter()
                .any(|e| heck::ToUpperCamelCase::to_upper_camel_case(e.name.as_str()) == ty.base)
        {
            let warning = format!(
                "`{}.{}`: diesel has no SQL type `{}` on {}; written as `{ddl}`, as diesel writes it",
                self.shown(table),
                desired.name,
                ty.base,
                self.backend()
            );
            let mut warnings = self.warnings.borrow_mut();
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        let mut c = desired.clone();
        c.data_type = ddl.clone();
        c.full_type = ddl;
        Ok(c)
    }

    /// A table of schema.rs as it is created: DDL types, and a single
    /// integer key numbered by the database, as SQLAlchemy creates one.
    fn created_table(&self, desired: &Table) -> Result<Table, RenderError> {
        let mut t = desired.clone();
        t.schema = desired.schema.clone();
        let mut columns = Vec::new();
        for c in &desired.columns {
            columns.push(self.column(desired, c)?);
        }
        t.columns = columns;
        let key: Vec<String> = t
            .primary_key
            .as_ref()
            .map(|k| k.columns.clone())
            .unwrap_or_default();
        if let [only] = key.as_slice() {
            let backend = self.backend();
            if let Some(c) = t.columns.iter_mut().find(|c| &c.name == only) {
                let ty = c.full_type.to_ascii_lowercase();
                let udt = match ty.as_str() {
                    "smallint" => Some("int2"),
                    "integer" | "int" => Some("int4"),
                    "bigint" => Some("int8"),
                    _ => None,
                };
                match (backend, udt) {
                    (Backend::Postgres, Some(udt)) => {
                        c.data_type = udt.to_owned();
                        c.identity = Some(Identity::Serial);
                    }
                    (Backend::Mysql, Some(_)) => c.identity = Some(Identity::AutoIncrement),
                    (Backend::Sqlite, Some("int4")) => c.identity = Some(Identity::RowId),
                    // `sqlite_integer_primary_key_is_bigint`: the rowid, as diesel makes it.
                    (Backend::Sqlite, Some("int8")) if c.identity == Some(Identity::RowId) => {
                        c.data_type = "INTEGER".to_owned();
                        c.full_type = "INTEGER".to_owned();
                    }
                    _ => {}
                }
            }
        }
        for fk in &mut t.foreign_keys {
            if fk.name.is_none() && self.backend() != Backend::Sqlite {
                fk.name = Some(self.fresh_name(&desired.name, &fk.columns));
            }
        }
        Ok(t)
    }

    fn describe(&self, change: &Change) -> String {
        let col = |t: &Table, c: &str| format!("`{}.{c}`", self.shown(t));
        match change {
            Change::CreateTable(t) => format!("Detected added table `{}`", self.shown(t)),
            Change::DropTable(t) => format!("Detected removed table `{}`", self.shown(t)),
            Change::RenameTable { from, to } => {
                format!("Detected renamed table `{}` to `{to}`", self.shown(from))
            }
            Change::RenameColumn { table, from, to } => {
                format!("Detected renamed column {} to `{to}`", col(table, from))
            }
            Change::AddColumn { table, column } => {
                format!("Detected added column {}", col(table, &column.name))
            }
            Change::DropColumn { table, column } => {
                format!("Detected removed column {}", col(table, &column.name))
            }
            Change::AlterType { table, from, to } => format!(
                "Detected type change from {} to {} on {}",
                from.full_type,
                self.column(table, to)
                    .map(|c| c.full_type)
                    .unwrap_or_else(|_| to.data_type.clone()),
                col(table, &from.name)
            ),
            Change::AlterNullability {
                table,
                column,
                nullable,
            } => format!(
                "Detected {} on column {}",
                if *nullable { "NULL" } else { "NOT NULL" },
                col(table, &column.name)
            ),
            Change::ChangePrimaryKey { table, to } => format!(
                "Detected primary key change on `{}`: ({}) to ({})",
                self.shown(table),
                table
                    .primary_key
                    .as_ref()
                    .map(|k| k.columns.join(", "))
                    .unwrap_or_default(),
                to.join(", ")
            ),
            Change::AddForeignKey { table, foreign_key } => format!(
                "Detected added foreign key ({}) on `{}` to `{}`",
                foreign_key.columns.join(", "),
                self.shown(table),
                foreign_key.referenced_table
            ),
            Change::DropForeignKey { table, foreign_key } => format!(
                "Detected removed foreign key ({}) on `{}` to `{}`",
                foreign_key.columns.join(", "),
                self.shown(table),
                foreign_key.referenced_table
            ),
        }
    }

    /// The up and down steps of one change (not a SQLite rebuild).
    fn change(&self, change: &Change) -> Result<(Vec<Step>, Vec<Step>), RenderError> {
        let d = &self.d;
        let b = self.backend();
        Ok(match change {
            Change::CreateTable(desired) => {
                let t = self.created_table(desired)?;
                let name = self.shown(&t);
                let mut up = vec![Step::new(
                    format!("create table {name}"),
                    d.create_table(&t).trim_end().to_owned(),
                )];
                if b != Backend::Sqlite {
                    for fk in &t.foreign_keys {
                        up.push(Step::new(
                            format!("create table {name}"),
                            d.add_foreign_key(&t, fk),
                        ));
                    }
                }
                let down = vec![Step::destructive(
                    format!("destructive: drops table {name} and its rows"),
                    format!("DROP TABLE {};", d.table_name(&t)),
                )];
                (up, down)
            }
            Change::DropTable(t) => {
                let name = self.shown(t);
                let up = vec![Step::destructive(
                    format!("destructive: drops table {name} and its rows"),
                    format!("DROP TABLE {};", d.table_name(t)),
                )];
                let mut down = vec![Step::new(
                    format!("recreate table {name} (its rows are not restored)"),
                    d.create_table(t).trim_end().to_owned(),
                )];
                let comment = format!("recreate table {name} (its rows are not restored)");
                // Indexes before keys: MySQL would make an index of its own
                // for a key, under the name the table's index has.
                for i in &t.indexes {
                    down.push(Step::new(comment.clone(), d.create_index(t, i)));
                }
                if b != Backend::Sqlite {
                    for fk in &t.foreign_keys {
                        down.push(Step::new(comment.clone(), d.add_foreign_key(t, fk)));
                    }
                }
                (up, down)
            }
            Change::RenameTable { from, to } => {
                let mut renamed = from.clone();
                renamed.name = to.clone();
                let rename = |a: &Table, b: &Table| {
                    Step::new(
                        format!("rename table {} to {}", self.shown(a), self.shown(b)),
                        format!(
                            "ALTER TABLE {} RENAME TO {};",
                            d.table_name(a),
                            d.ident(&b.name)
                        ),
                    )
                };
                (vec![rename(from, &renamed)], vec![rename(&renamed, from)])
            }
            Change::RenameColumn { table, from, to } => {
                let rename = |a: &str, z: &str| {
                    Step::new(
                        format!("rename column {}.{a} to {z}", self.shown(table)),
                        format!(
                            "ALTER TABLE {} RENAME COLUMN {} TO {};",
                            d.table_name(table),
                            d.ident(a),
                            d.ident(z)
                        ),
                    )
                };
                (vec![rename(from, to)], vec![rename(to, from)])
            }
            Change::AddColumn { table, column } => {
                let c = self.column(table, column)?;
                let up = self.add_column(
                    table,
                    &c,
                    &format!("add column {}.{}", self.shown(table), c.name),
                );
                let down = vec![Step::destructive(
                    format!(
                        "destructive: drops column {}.{} and its data",
                        self.shown(table),
                        c.name
                    ),
                    format!(
                        "ALTER TABLE {} DROP COLUMN {};",
                        d.table_name(table),
                        d.ident(&c.name)
                    ),
                )];
                (up, down)
            }
            Change::DropColumn { table, column } => {
                let up = vec![Step::destructive(
                    format!(
                        "destructive: drops column {}.{} and its data",
                        self.shown(table),
                        column.name
                    ),
                    format!(
                        "ALTER TABLE {} DROP COLUMN {};",
                        d.table_name(table),
                        d.ident(&column.name)
                    ),
                )];
                let comment = format!(
                    "recreate column {}.{} (its data is not restored)",
                    self.shown(table),
                    column.name
                );
                let mut down = self.add_column(table, column, &comment);
                // What dropping the column dropped with it.
                for i in table.indexes.iter().filter(|i| index_uses(i, &column.name)) {
                    down.push(Step::new(comment.clone(), d.create_index(table, i)));
                }
                for u in table
                    .unique_constraints
                    .iter()
                    .filter(|u| u.columns.contains(&column.name))
                {
                    let name = u
                        .name
                        .as_ref()
                        .map(|n| format!("CONSTRAINT {} ", d.ident(n)))
                        .unwrap_or_default();
                    down.push(Step::new(
                        comment.clone(),
                        format!(
                            "ALTER TABLE {} ADD {name}UNIQUE ({});",
                            d.table_name(table),
                            d.list(&u.columns)
                        ),
                    ));
                }
                for f in table
                    .foreign_keys
                    .iter()
                    .filter(|f| f.columns.contains(&column.name))
                {
                    down.push(Step::new(comment.clone(), d.add_foreign_key(table, f)));
                }
                (up, down)
            }
            Change::AlterType { table, from, to } => {
                let new = self.column(table, to)?;
                let mut target = (**from).clone();
                target.data_type = new.data_type.clone();
                target.full_type = new.full_type.clone();
                target.nullable = to.nullable;
                let narrowing = types::is_narrowing(
                    b,
                    from,
                    &DieselType::parse(to.sql_type.as_deref().unwrap_or(&to.data_type)),
                    to.max_length,
                );
                let up = self.alter_column(table, from, &target, narrowing);
                // Back is narrowing exactly when forward was widening.
                let down = self.alter_column(table, &target, from, !narrowing);
                (vec![up], vec![down])
            }
            Change::AlterNullability {
                table,
                column,
                nullable,
            } => {
                let mut target = column.clone();
                target.nullable = *nullable;
                (
                    vec![self.alter_column(table, column, &target, false)],
                    vec![self.alter_column(table, &target, column, false)],
                )
            }
            Change::ChangePrimaryKey { table, to } => {
                let comment = format!("primary key of {}", self.shown(table));
                let new = PrimaryKey {
                    name: None,
                    columns: to.clone(),
                };
                (
                    vec![Step::new(
                        comment.clone(),
                        self.replace_key(table, table.primary_key.as_ref(), &new),
                    )],
                    match &table.primary_key {
                        Some(old) => {
                            vec![Step::new(comment, self.replace_key(table, Some(&new), old))]
                        }
                        None => vec![Step::new(comment, self.drop_key(table, &new))],
                    },
                )
            }
            Change::AddForeignKey { table, foreign_key } => {
                let mut fk = foreign_key.clone();
                fk.name = Some(self.fresh_name(&table.name, &fk.columns));
                let comment = format!(
                    "foreign key ({}) of {} to {}",
                    fk.columns.join(", "),
                    self.shown(table),
                    fk.referenced_table
                );
                let up = vec![Step::new(comment.clone(), d.add_foreign_key(table, &fk))];
                let mut down = vec![Step::new(
                    comment.clone(),
                    self.drop_foreign_key(table, &fk),
                )];
                // MySQL made an index for the key if none began with its columns.
                if b == Backend::Mysql && !has_leading_index(table, &fk.columns) {
                    down.push(Step::new(
                        comment,
                        format!(
                            "DROP INDEX {} ON {};",
                            d.ident(fk.name.as_deref().unwrap_or_default()),
                            d.table_name(table)
                        ),
                    ));
                }
                (up, down)
            }
            Change::DropForeignKey { table, foreign_key } => {
                let comment = format!(
                    "foreign key ({}) of {} to {}",
                    foreign_key.columns.join(", "),
                    self.shown(table),
                    foreign_key.referenced_table
                );
                (
                    vec![Step::new(
                        comment.clone(),
                        self.drop_foreign_key(table, foreign_key),
                    )],
                    vec![Step::new(comment, d.add_foreign_key(table, foreign_key))],
                )
            }
        })
    }

    /// One statement, so that MySQL never sees an `AUTO_INCREMENT` column
    /// without a key between the drop and the add.
    fn replace_key(&self, table: &Table, old: Option<&PrimaryKey>, new: &PrimaryKey) -> String {
        let d = &self.d;
        let add = {
            let name = match (&new.name, self.backend()) {
                (Some(n), Backend::Postgres) => format!("CONSTRAINT {} ", d.ident(n)),
                _ => String::new(),
            };
            format!("ADD {name}PRIMARY KEY ({})", d.list(&new.columns))
        };
        match old {
            None => format!("ALTER TABLE {} {add};", d.table_name(table)),
            Some(old) => format!(
                "ALTER TABLE {} {}, {add};",
                d.table_name(table),
                self.drop_key_clause(table, old)
            ),
        }
    }

    fn drop_key(&self, table: &Table, key: &PrimaryKey) -> String {
        format!(
            "ALTER TABLE {} {};",
            self.d.table_name(table),
            self.drop_key_clause(table, key)
        )
    }

    fn drop_key_clause(&self, table: &Table, key: &PrimaryKey) -> String {
        match self.backend() {
            // PostgreSQL names a key `table_pkey` unless told otherwise.
            Backend::Postgres => format!(
                "DROP CONSTRAINT {}",
                self.d.ident(
                    key.name
                        .clone()
                        .unwrap_or_else(|| format!("{}_pkey", table.name))
                        .as_str()
                )
            ),
            _ => "DROP PRIMARY KEY".to_owned(),
        }
    }

    fn drop_foreign_key(&self, table: &Table, fk: &ForeignKey) -> String {
        let name = self.d.ident(fk.name.as_deref().unwrap_or_default());
        match self.backend() {
            Backend::Mysql => format!(
                "ALTER TABLE {} DROP FOREIGN KEY {name};",
                self.d.table_name(table)
            ),
            _ => format!(
                "ALTER TABLE {} DROP CONSTRAINT {name};",
                self.d.table_name(table)
            ),
        }
    }

    /// `ADD COLUMN`; a NOT NULL column without a default gets one for the
    /// rows already there (PostgreSQL and SQLite refuse it otherwise),
    /// which is dropped again where the backend can.
    fn add_column(&self, table: &Table, column: &Column, comment: &str) -> Vec<Step> {
        let d = &self.d;
        let mut c = column.clone();
        c.position = 0;
        let needs_value =
            !c.nullable && c.default.is_none() && c.identity.is_none() && c.generated.is_none();
        let mut comment = comment.to_owned();
        let record = self
            .records
            .borrow()
            .iter()
            .find(|t| t.name == c.full_type)
            .cloned();
        let zero = match &record {
            // A composite value whose fields are all NULL: `(,)` for two.
            Some(t) => format!("'({})'", ",".repeat(t.fields.saturating_sub(1))),
            None => types::zero_value(self.backend(), &c.full_type).to_owned(),
        };
        if needs_value {
            c.default = Some(zero.clone());
            let _ = write!(
                comment,
                "\nreview: rows already in {} get {zero} in {}; change the value here if it is not right",
                self.shown(table),
                c.name
            );
        }
        let (definition, _) = d.column_definition(&c);
        let mut steps = vec![Step::new(
            comment.clone(),
            format!(
                "ALTER TABLE {} ADD COLUMN {definition};",
                d.table_name(table)
            ),
        )];
        if needs_value && self.backend() != Backend::Sqlite {
            steps.push(Step::new(
                comment,
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT;",
                    d.table_name(table),
                    d.ident(&c.name)
                ),
            ));
        }
        steps
    }

    /// One column from `from` to `to` (type and nullability), in place.
    fn alter_column(&self, table: &Table, from: &Column, to: &Column, narrowing: bool) -> Step {
        let d = &self.d;
        let name = format!("{}.{}", self.shown(table), from.name);
        let comment = if narrowing {
            format!(
                "destructive: {name} from {} to {} can fail or lose data on rows that do not fit",
                from.full_type, to.full_type
            )
        } else if from.full_type != to.full_type {
            format!("{name} from {} to {}", from.full_type, to.full_type)
        } else if to.nullable {
            format!("{name} allows NULL")
        } else {
            format!("{name} NOT NULL (fails while a row has NULL in it)")
        };
        let sql = match self.backend() {
            Backend::Postgres => {
                let mut actions = Vec::new();
                let col = d.ident(&from.name);
                if from.full_type != to.full_type {
                    actions.push(format!(
                        "ALTER COLUMN {col} TYPE {} USING {col}::{}",
                        to.full_type, to.full_type
                    ));
                }
                if from.nullable != to.nullable {
                    actions.push(format!(
                        "ALTER COLUMN {col} {} NOT NULL",
                        if to.nullable { "DROP" } else { "SET" }
                    ));
                }
                format!(
                    "ALTER TABLE {} {};",
                    d.table_name(table),
                    actions.join(", ")
                )
            }
            _ => {
                let mut c = to.clone();
                // MODIFY restates the column: keep what it had beside the type.
                // MariaDB reports a nullable column's default as `NULL`,
                // which a NOT NULL column cannot have.
                c.default = from
                    .default
                    .clone()
                    .filter(|d| to.nullable || !d.eq_ignore_ascii_case("null"));
                c.identity = from.identity;
                c.comment = from.comment.clone();
                let (definition, _) = d.column_definition(&c);
                format!(
                    "ALTER TABLE {} MODIFY COLUMN {definition};",
                    d.table_name(table)
                )
            }
        };
        if narrowing {
            Step::destructive(comment, sql)
        } else {
            Step::new(comment, sql)
        }
    }

    /// SQLite's twelve-step procedure, from `from` to `to`: rows are copied
    /// column by column, and the indexes and views of the table are made
    /// again. Migrations run with foreign keys off (SQLite's default for a
    /// new connection), as the procedure requires: dropping the old table
    /// must not cascade.
    fn rebuild(&self, from: &Table, to: &Table) -> Vec<Step> {
        let d = &self.d;
        let name = self.shown(from);
        let dropped: Vec<&str> = from
            .columns
            .iter()
            .filter(|c| to.column(&c.name).is_none())
            .map(|c| c.name.as_str())
            .collect();
        let narrowing = from.columns.iter().any(|f| {
            to.column(&f.name).is_some_and(|t| {
                t.full_type != f.full_type
                    && types::is_narrowing(
                        Backend::Sqlite,
                        f,
                        &DieselType::parse(t.sql_type.as_deref().unwrap_or(&t.data_type)),
                        t.max_length,
                    )
            })
        });
        let mut comment = format!(
            "rebuild table {name}: SQLite alters no column or key in place, so the rows are copied into a new table that replaces it"
        );
        if !dropped.is_empty() || narrowing {
            comment = format!(
                "destructive: {}\n{comment}",
                if dropped.is_empty() {
                    format!("a type of {name} narrows; rows that do not fit change or fail")
                } else {
                    format!(
                        "drops column(s) {} of {name} and their data",
                        dropped.join(", ")
                    )
                }
            );
        }
        let filled: Vec<&str> = to
            .columns
            .iter()
            .filter(|c| {
                from.column(&c.name).is_none()
                    && !c.nullable
                    && c.default.is_none()
                    && c.identity.is_none()
            })
            .map(|c| c.name.as_str())
            .collect();
        if !filled.is_empty() {
            let _ = write!(
                comment,
                "\nreview: rows already in {name} get a zero value ('' or 0) in {}; change it here if it is not right",
                filled.join(", ")
            );
        }
        let step = |sql: String| Step {
            comment: comment.clone(),
            sql,
            destructive: !dropped.is_empty() || narrowing,
        };
        let temp = format!("_cargo_schema_new_{}", from.name);
        let mut new = to.clone();
        new.name = temp.clone();
        let views: Vec<_> = self
            .live
            .views
            .iter()
            .filter(|v| mentions(&v.definition, &from.name))
            .collect();
        let mut steps = Vec::new();
        for v in &views {
            steps.push(step(format!("DROP VIEW {};", d.ident(&v.name))));
        }
        steps.push(step(d.create_table(&new).trim_end().to_owned()));
        let mut into = Vec::new();
        let mut select = Vec::new();
        for c in &to.columns {
            if from.column(&c.name).is_some() {
                into.push(d.ident(&c.name));
                select.push(d.ident(&c.name));
            } else if !c.nullable && c.default.is_none() && c.identity.is_none() {
                into.push(d.ident(&c.name));
                select.push(types::zero_value(Backend::Sqlite, &c.full_type).to_owned());
            }
        }
        steps.push(step(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {};",
            d.ident(&temp),
            into.join(", "),
            select.join(", "),
            d.table_name(from)
        )));
        steps.push(step(format!("DROP TABLE {};", d.table_name(from))));
        steps.push(step(format!(
            "ALTER TABLE {} RENAME TO {};",
            d.ident(&temp),
            d.ident(&from.name)
        )));
        for i in &to.indexes {
            steps.push(step(d.create_index(to, i)));
        }
        for v in views {
            steps.push(step(d.create_view(v)));
        }
        steps
    }
}

/// The names of the constraints and indexes of `schema`, lowercase.
fn constraint_names(schema: &Schema) -> HashSet<String> {
    let mut names = HashSet::new();
    for t in &schema.tables {
        let mut add = |n: Option<&String>| {
            if let Some(n) = n {
                names.insert(n.to_lowercase());
            }
        };
        add(t.primary_key.as_ref().and_then(|k| k.name.as_ref()));
        t.foreign_keys.iter().for_each(|f| add(f.name.as_ref()));
        t.unique_constraints
            .iter()
            .for_each(|u| add(u.name.as_ref()));
        t.checks.iter().for_each(|c| add(c.name.as_ref()));
        t.indexes.iter().for_each(|i| add(Some(&i.name)));
    }
    names
}

/// PostgreSQL's own name for a key, `table_column_fkey`, on every
/// backend, so down.sql can drop the key by name.
fn fk_name(table: &str, columns: &[String]) -> String {
    format!("{table}_{}_fkey", columns.join("_"))
}

fn index_uses(index: &super::Index, column: &str) -> bool {
    index.parts.iter().any(|p| match p {
        IndexPart::Column(c) | IndexPart::Prefix { column: c, .. } => c == column,
        IndexPart::Expression(e) => mentions(e, column),
    })
}

/// Whether an index or key already begins with `columns` (MySQL then
/// makes no index of its own for a foreign key on them).
fn has_leading_index(table: &Table, columns: &[String]) -> bool {
    let starts = |cols: &[String]| cols.len() >= columns.len() && cols[..columns.len()] == *columns;
    table
        .primary_key
        .as_ref()
        .is_some_and(|k| starts(&k.columns))
        || table.unique_constraints.iter().any(|u| starts(&u.columns))
        || table.indexes.iter().any(|i| {
            let cols: Vec<String> = i
                .parts
                .iter()
                .map_while(|p| match p {
                    IndexPart::Column(c) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            starts(&cols)
        })
}

/// Whether `sql` mentions `name` as a word (case-insensitive).
fn mentions(sql: &str, name: &str) -> bool {
    let sql = sql.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(&name).any(|(i, _)| {
        let before = sql[..i].chars().next_back();
        let after = sql[i + name.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// A column dropped from a table, with every index, key and check on it.
fn drop_column(table: &mut Table, name: &str) {
    table.columns.retain(|c| c.name != name);
    table.indexes.retain(|i| !index_uses(i, name));
    table
        .unique_constraints
        .retain(|u| !u.columns.iter().any(|c| c == name));
    table
        .foreign_keys
        .retain(|f| !f.columns.iter().any(|c| c == name));
    table.checks.retain(|c| !mentions(&c.expression, name));
    if table
        .primary_key
        .as_ref()
        .is_some_and(|k| k.columns.iter().any(|c| c == name))
    {
        table.primary_key = None;
    }
}

/// SQLite's rowid alias follows the key: a single `INTEGER` key column is
/// one, anything else is not.
fn settle_rowid(table: &mut Table) {
    let key: Vec<String> = table
        .primary_key
        .as_ref()
        .map(|k| k.columns.clone())
        .unwrap_or_default();
    for c in &mut table.columns {
        let is_alias = key.len() == 1
            && key[0] == c.name
            && c.full_type.eq_ignore_ascii_case("integer")
            && !table.without_rowid;
        match (is_alias, c.identity) {
            (true, None) => c.identity = Some(Identity::RowId),
            (false, Some(Identity::RowId | Identity::AutoIncrement)) => c.identity = None,
            _ => {}
        }
    }
}
