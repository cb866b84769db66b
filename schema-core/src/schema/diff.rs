//! The changes that turn the live schema (read by introspection) into the
//! desired one (read from schema.rs): what `generate --autogenerate`
//! renders as up.sql and down.sql.
//!
//! The desired schema only says what `table!` and `joinable!` can say, so
//! only that is compared: indexes, defaults, checks, unique constraints,
//! composite foreign keys and enum variants of kept tables are never
//! touched. Renames are never guessed: a drop and an add of the same type
//! in one table only yield a hint naming the `--rename-*` flag.

use super::autogen::{canonical, is_record_column, DieselType};
use super::{Column, ForeignKey, Schema, Table};
use crate::url::Backend;

/// One change; [`diff`] lists them in the order up.sql applies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A table of the desired schema that the database lacks.
    CreateTable(Table),
    /// A table the desired schema no longer has; its live definition is
    /// kept to recreate it on downgrade.
    DropTable(Table),
    /// `--rename-table OLD=NEW`.
    RenameTable {
        /// The live table.
        from: Table,
        /// Its new name.
        to: String,
    },
    /// `--rename-column TABLE.OLD=NEW`.
    RenameColumn {
        /// The table (after any table rename).
        table: Table,
        /// The live column's name.
        from: String,
        /// Its new name.
        to: String,
    },
    /// A column the database lacks.
    AddColumn {
        /// The live table.
        table: Table,
        /// The desired column.
        column: Column,
    },
    /// A column the desired schema no longer has.
    DropColumn {
        /// The live table.
        table: Table,
        /// The live column.
        column: Column,
    },
    /// A column whose diesel type differs.
    AlterType {
        /// The live table.
        table: Table,
        /// The live column.
        from: Box<Column>,
        /// The desired column.
        to: Box<Column>,
    },
    /// A column whose nullability differs (and type does not).
    AlterNullability {
        /// The live table.
        table: Table,
        /// The live column.
        column: Column,
        /// The desired nullability.
        nullable: bool,
    },
    /// A different primary key.
    ChangePrimaryKey {
        /// The live table.
        table: Table,
        /// The desired key columns.
        to: Vec<String>,
    },
    /// A single-column foreign key of a `joinable!` the database lacks.
    AddForeignKey {
        /// The live table.
        table: Table,
        /// The desired key.
        foreign_key: ForeignKey,
    },
    /// A single-column foreign key no `joinable!` declares any more.
    DropForeignKey {
        /// The live table.
        table: Table,
        /// The live key.
        foreign_key: ForeignKey,
    },
}

/// Renames the user asked for, by SQL name.
#[derive(Debug, Clone, Default)]
pub struct Renames {
    /// `(old, new)` table names.
    pub tables: Vec<(String, String)>,
    /// `(table, old, new)`: the table by its new name.
    pub columns: Vec<(String, String, String)>,
}

/// The changes and the hints that go with them.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// In up.sql order.
    pub changes: Vec<Change>,
    /// Suggestions, such as a drop and an add that may be a rename.
    pub hints: Vec<String>,
}

/// Why two schemas cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A rename names a table or column the database lacks.
    #[error("{0}")]
    BadRename(String),
}

/// What turns `live` into `desired`, given the user's `renames`.
pub fn diff(live: &Schema, desired: &Schema, renames: &Renames) -> Result<Diff, DiffError> {
    let default_schema = live.default_schema.as_deref();
    let key = |t: &Table| {
        (
            t.schema.clone().or(default_schema.map(str::to_owned)),
            t.name.clone(),
        )
    };
    let mut out = Diff::default();
    let mut created = Vec::new();
    let mut dropped = Vec::new();
    let mut kept = Vec::new();

    // Each live table, under the name it has after any rename.
    let mut live_tables: Vec<Table> = Vec::new();
    for (old, new) in &renames.tables {
        if live.tables.iter().all(|t| t.name != *old) {
            return Err(DiffError::BadRename(format!(
                "--rename-table {old}={new}: the database has no table `{old}`"
            )));
        }
    }
    for t in &live.tables {
        match renames.tables.iter().find(|(old, _)| *old == t.name) {
            Some((_, new)) => {
                out.changes.push(Change::RenameTable {
                    from: t.clone(),
                    to: new.clone(),
                });
                let mut renamed = t.clone();
                renamed.name = new.clone();
                live_tables.push(renamed);
            }
            None => live_tables.push(t.clone()),
        }
    }

    for t in &desired.tables {
        match live_tables.iter().find(|l| key(l) == key(t)) {
            Some(l) => kept.push((l.clone(), t)),
            None => created.push(t.clone()),
        }
    }
    for l in &live_tables {
        if desired.tables.iter().all(|t| key(t) != key(l)) {
            dropped.push(l.clone());
        }
    }

    for (table, column_renames) in renames.columns.iter().map(|(t, o, n)| (t, (o, n))) {
        let Some((live_table, _)) = kept.iter().find(|(l, _)| l.name == *table) else {
            return Err(DiffError::BadRename(format!(
                "--rename-column {table}.{}={}: no table `{table}` is in both the database and schema.rs",
                column_renames.0, column_renames.1
            )));
        };
        if live_table.column(column_renames.0).is_none() {
            return Err(DiffError::BadRename(format!(
                "--rename-column {table}.{}={}: table `{table}` has no column `{}`",
                column_renames.0, column_renames.1, column_renames.0
            )));
        }
    }

    for c in &created {
        let same_columns = |l: &&Table| {
            l.columns.len() == c.columns.len()
                && c.columns.iter().all(|d| {
                    l.column(&d.name)
                        .is_some_and(|lc| same_type(live.backend, lc, d))
                })
        };
        if let Some(l) = dropped.iter().find(same_columns) {
            out.hints.push(format!(
                "table `{}` dropped and `{}` added with the same columns; if it is a rename, pass --rename-table {}={}",
                l.name, c.name, l.name, c.name
            ));
        }
    }
    for t in order_by_foreign_keys(created) {
        out.changes.push(Change::CreateTable(t));
    }
    for (live_table, desired_table) in &kept {
        diff_table(live, live_table, desired_table, renames, &mut out);
    }
    let mut drops = order_by_foreign_keys(dropped);
    drops.reverse();
    for t in drops {
        out.changes.push(Change::DropTable(t));
    }
    // One phase at a time across all tables, so each step can run: keys
    // and tables that go are dropped before a key they point at changes,
    // new tables follow the primary keys they refer to, and old columns go
    // once no key holds them. The sort is stable: tables keep their
    // foreign-key order within a phase.
    out.changes.sort_by_key(phase);
    Ok(out)
}

fn phase(change: &Change) -> u8 {
    match change {
        Change::RenameTable { .. } => 0,
        Change::RenameColumn { .. } => 1,
        Change::DropForeignKey { .. } => 2,
        Change::DropTable(_) => 3,
        Change::AddColumn { .. } => 4,
        Change::AlterType { .. } | Change::AlterNullability { .. } => 5,
        Change::ChangePrimaryKey { .. } => 6,
        Change::CreateTable(_) => 7,
        Change::AddForeignKey { .. } => 8,
        Change::DropColumn { .. } => 9,
    }
}

fn diff_table(schema: &Schema, live: &Table, desired: &Table, renames: &Renames, out: &mut Diff) {
    let backend = schema.backend;
    let mut live = live.clone();
    for (_, old, new) in renames.columns.iter().filter(|(t, _, _)| *t == live.name) {
        out.changes.push(Change::RenameColumn {
            table: live.clone(),
            from: old.clone(),
            to: new.clone(),
        });
        for c in &mut live.columns {
            if c.name == *old {
                c.name = new.clone();
            }
        }
    }

    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut altered = Vec::new();
    for d in &desired.columns {
        match live.column(&d.name) {
            None => added.push(d.clone()),
            Some(l) => {
                if !same_type(backend, l, d) {
                    altered.push(Change::AlterType {
                        table: live.clone(),
                        from: Box::new(l.clone()),
                        to: Box::new(d.clone()),
                    });
                } else if l.nullable != d.nullable {
                    altered.push(Change::AlterNullability {
                        table: live.clone(),
                        column: l.clone(),
                        nullable: d.nullable,
                    });
                }
            }
        }
    }
    for l in &live.columns {
        if desired.column(&l.name).is_none() {
            removed.push(l.clone());
        }
    }
    for a in &added {
        if let Some(r) = removed.iter().find(|r| same_type(backend, r, a)) {
            out.hints.push(format!(
                "`{}`: column `{}` dropped and `{}` added with the same type; if it is a rename, pass --rename-column {}.{}={}",
                live.name, r.name, a.name, live.name, r.name, a.name
            ));
        }
    }

    // A key schema.rs does not show is the database's own and is kept;
    // only one print-schema would write as `joinable!` can be dropped.
    let single = |f: &&ForeignKey| joinable(schema, &live, f);
    let same_fk = |a: &ForeignKey, b: &ForeignKey| {
        a.columns == b.columns && a.referenced_table == b.referenced_table
    };
    for f in live.foreign_keys.iter().filter(single) {
        if !desired.foreign_keys.iter().any(|d| same_fk(d, f)) {
            out.changes.push(Change::DropForeignKey {
                table: live.clone(),
                foreign_key: f.clone(),
            });
        }
    }
    for a in added {
        out.changes.push(Change::AddColumn {
            table: live.clone(),
            column: a,
        });
    }
    out.changes.extend(altered);
    let live_key = live.primary_key.as_ref().map(|k| &k.columns);
    let desired_key = desired.primary_key.as_ref().map(|k| &k.columns);
    if live_key != desired_key {
        if let Some(to) = desired_key {
            out.changes.push(Change::ChangePrimaryKey {
                table: live.clone(),
                to: to.clone(),
            });
        }
    }
    for d in &desired.foreign_keys {
        if !live.foreign_keys.iter().any(|l| same_fk(l, d)) {
            out.changes.push(Change::AddForeignKey {
                table: live.clone(),
                foreign_key: d.clone(),
            });
        }
    }
    for r in removed {
        out.changes.push(Change::DropColumn {
            table: live.clone(),
            column: r,
        });
    }
}

/// Whether a live column and a desired one have the same type: compared
/// as the backend's DDL type where diesel's names are aliases of one type
/// (`Integer` and `Int4` on PostgreSQL), by diesel's name otherwise;
/// custom types by their last path segment.
/// Whether print-schema writes `fk` of `table` as `joinable!` (diesel's
/// rule): one column, to the parent's one-column primary key, to another
/// table that schema.rs covers, and the only key between the two tables.
fn joinable(schema: &Schema, table: &Table, fk: &ForeignKey) -> bool {
    if fk.columns.len() != 1 || fk.referenced_table == table.name {
        return false;
    }
    let Some(parent) = schema.tables.iter().find(|t| {
        t.name == fk.referenced_table
            && (fk.referenced_schema.is_none() || t.schema == fk.referenced_schema)
    }) else {
        return false;
    };
    let to_key = match (&parent.primary_key, fk.referenced_columns.as_slice()) {
        (Some(k), []) => k.columns.len() == 1,
        (Some(k), [c]) => k.columns.len() == 1 && &k.columns[0] == c,
        _ => false,
    };
    let between = table
        .foreign_keys
        .iter()
        .filter(|f| f.referenced_table == parent.name)
        .count()
        + parent
            .foreign_keys
            .iter()
            .filter(|f| f.referenced_table == table.name)
            .count();
    to_key && between == 1
}

fn same_type(backend: Backend, live: &Column, desired: &Column) -> bool {
    let desired_type = DieselType::parse(desired.sql_type.as_deref().unwrap_or(&desired.data_type));
    if is_record_column(live, &desired_type, &desired.name) {
        return true;
    }
    let Some(live_type) = DieselType::of_live(live) else {
        return false;
    };
    canonical(backend, &live_type) == canonical(backend, &desired_type)
        && (desired.max_length.is_none() || desired.max_length == live.max_length)
}

/// Tables ordered so that each comes after the tables it references;
/// a cycle is left in name order.
fn order_by_foreign_keys(mut tables: Vec<Table>) -> Vec<Table> {
    let mut ordered: Vec<Table> = Vec::new();
    while !tables.is_empty() {
        let ready = tables.iter().position(|t| {
            t.foreign_keys.iter().all(|f| {
                f.referenced_table == t.name
                    || !tables
                        .iter()
                        .any(|o| o.name == f.referenced_table && o.name != t.name)
            })
        });
        ordered.push(tables.remove(ready.unwrap_or(0)));
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::PrimaryKey;
    use crate::url::Backend;

    fn column(name: &str, sql_type: &str, nullable: bool) -> Column {
        let mut c = Column::new(name, 0, sql_type);
        c.sql_type = Some(sql_type.into());
        c.nullable = nullable;
        c
    }

    fn table(name: &str, columns: Vec<Column>) -> Table {
        let mut t = Table::new(None, name);
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec![columns[0].name.clone()],
        });
        t.columns = columns;
        t
    }

    fn fk(column: &str, parent: &str) -> ForeignKey {
        ForeignKey {
            name: None,
            columns: vec![column.into()],
            referenced_schema: None,
            referenced_table: parent.into(),
            referenced_columns: vec!["id".into()],
            on_update: "NO ACTION".into(),
            on_delete: "NO ACTION".into(),
        }
    }

    fn schema(tables: Vec<Table>) -> Schema {
        let mut s = Schema::new(Backend::Sqlite, None);
        s.tables = tables;
        s
    }

    fn kinds(d: &Diff) -> Vec<String> {
        d.changes
            .iter()
            .map(|c| match c {
                Change::CreateTable(t) => format!("create {}", t.name),
                Change::DropTable(t) => format!("drop {}", t.name),
                Change::RenameTable { from, to } => format!("rename {} {to}", from.name),
                Change::RenameColumn { table, from, to } => {
                    format!("rename {}.{from} {to}", table.name)
                }
                Change::AddColumn { table, column } => {
                    format!("add {}.{}", table.name, column.name)
                }
                Change::DropColumn { table, column } => {
                    format!("drop {}.{}", table.name, column.name)
                }
                Change::AlterType { table, from, to } => format!(
                    "type {}.{} {:?}->{:?}",
                    table.name, from.name, from.sql_type, to.sql_type
                ),
                Change::AlterNullability {
                    table,
                    column,
                    nullable,
                } => format!("null {}.{} {nullable}", table.name, column.name),
                Change::ChangePrimaryKey { table, to } => format!("pk {} {to:?}", table.name),
                Change::AddForeignKey { table, foreign_key } => {
                    format!("add fk {}.{:?}", table.name, foreign_key.columns)
                }
                Change::DropForeignKey { table, foreign_key } => {
                    format!("drop fk {}.{:?}", table.name, foreign_key.columns)
                }
            })
            .collect()
    }

    #[test]
    fn equal_schemas_have_no_changes() {
        let s = schema(vec![table("a", vec![column("id", "Integer", false)])]);
        assert!(diff(&s, &s, &Renames::default())
            .unwrap()
            .changes
            .is_empty());
    }

    #[test]
    fn creates_parents_first_and_drops_children_first() {
        let mut child = table(
            "child",
            vec![
                column("id", "Integer", false),
                column("p", "Integer", false),
            ],
        );
        child.foreign_keys.push(fk("p", "parent"));
        let parent = table("parent", vec![column("id", "Integer", false)]);
        let both = schema(vec![child, parent]);
        let none = schema(vec![]);
        let up = diff(&none, &both, &Renames::default()).unwrap();
        assert_eq!(kinds(&up), ["create parent", "create child"]);
        let down = diff(&both, &none, &Renames::default()).unwrap();
        assert_eq!(kinds(&down), ["drop child", "drop parent"]);
    }

    #[test]
    fn column_changes_and_rename_hint() {
        let live = schema(vec![table(
            "t",
            vec![
                column("id", "Integer", false),
                column("n", "Integer", false),
                column("s", "Text", false),
                column("old", "Text", true),
            ],
        )]);
        let desired = schema(vec![table(
            "t",
            vec![
                column("id", "Integer", false),
                column("n", "BigInt", false),
                column("s", "Text", true),
                column("new", "Text", true),
            ],
        )]);
        let d = diff(&live, &desired, &Renames::default()).unwrap();
        assert_eq!(
            kinds(&d),
            // New columns first (a key may use them), old ones last.
            [
                "add t.new",
                "type t.n Some(\"Integer\")->Some(\"BigInt\")",
                "null t.s true",
                "drop t.old"
            ]
        );
        assert_eq!(d.hints.len(), 1);
        assert!(
            d.hints[0].contains("--rename-column t.old=new"),
            "{}",
            d.hints[0]
        );

        let renames = Renames {
            tables: vec![],
            columns: vec![("t".into(), "old".into(), "new".into())],
        };
        let d = diff(&live, &desired, &renames).unwrap();
        assert_eq!(
            kinds(&d),
            [
                "rename t.old new",
                "type t.n Some(\"Integer\")->Some(\"BigInt\")",
                "null t.s true"
            ]
        );
        assert!(d.hints.is_empty());
    }

    #[test]
    fn renamed_table_is_not_dropped_and_bad_rename_is_an_error() {
        let live = schema(vec![table("old", vec![column("id", "Integer", false)])]);
        let desired = schema(vec![table("new", vec![column("id", "Integer", false)])]);
        let renames = Renames {
            tables: vec![("old".into(), "new".into())],
            columns: vec![],
        };
        assert_eq!(
            kinds(&diff(&live, &desired, &renames).unwrap()),
            ["rename old new"]
        );
        let bad = Renames {
            tables: vec![("nope".into(), "new".into())],
            columns: vec![],
        };
        let e = diff(&live, &desired, &bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--rename-table nope=new: the database has no table `nope`"
        );
    }

    #[test]
    fn a_table_dropped_and_one_alike_added_is_a_rename_hint() {
        let live = schema(vec![table("old", vec![column("id", "Integer", false)])]);
        let desired = schema(vec![table("new", vec![column("id", "Integer", false)])]);
        let d = diff(&live, &desired, &Renames::default()).unwrap();
        assert_eq!(kinds(&d), ["drop old", "create new"]);
        assert_eq!(
            d.hints,
            ["table `old` dropped and `new` added with the same columns; if it is a rename, pass --rename-table old=new"]
        );
    }

    #[test]
    fn a_key_to_a_table_goes_before_that_table_s_primary_key_changes() {
        let parent = table(
            "a",
            vec![
                column("id", "Integer", false),
                column("p", "Integer", false),
            ],
        );
        let mut child = table(
            "b",
            vec![
                column("id", "Integer", false),
                column("a_id", "Integer", false),
            ],
        );
        child.foreign_keys.push(fk("a_id", "a"));
        let live = schema(vec![parent.clone(), child.clone()]);
        let mut new_parent = parent;
        new_parent.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into(), "p".into()],
        });
        child.foreign_keys.clear();
        let desired = schema(vec![new_parent.clone(), child]);
        assert_eq!(
            kinds(&diff(&live, &desired, &Renames::default()).unwrap()),
            ["drop fk b.[\"a_id\"]", "pk a [\"id\", \"p\"]"]
        );
        // The same when the child table goes altogether.
        let desired = schema(vec![new_parent]);
        assert_eq!(
            kinds(&diff(&live, &desired, &Renames::default()).unwrap()),
            ["drop b", "pk a [\"id\", \"p\"]"]
        );
    }

    #[test]
    fn foreign_keys_and_primary_keys() {
        let mut live_t = table(
            "c",
            vec![
                column("id", "Integer", false),
                column("p", "Integer", false),
            ],
        );
        live_t.foreign_keys.push(fk("p", "parent"));
        let mut composite = fk("p", "other");
        composite.columns.push("id".into());
        live_t.foreign_keys.push(composite);
        let parent = table("parent", vec![column("id", "Integer", false)]);
        let other = table("other", vec![column("id", "Integer", false)]);
        let live = schema(vec![live_t.clone(), parent.clone(), other.clone()]);
        let mut desired_t = live_t;
        desired_t.foreign_keys.clear();
        desired_t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into(), "p".into()],
        });
        let desired = schema(vec![desired_t, parent, other]);
        assert_eq!(
            kinds(&diff(&live, &desired, &Renames::default()).unwrap()),
            // A key that goes is dropped before anything changes.
            ["drop fk c.[\"p\"]", "pk c [\"id\", \"p\"]"]
        );
    }

    #[test]
    fn custom_types_compare_by_last_segment_and_aliases_are_one_type() {
        let live = |ty: &str| {
            let mut c = column("c", ty, false);
            c.data_type = ty.to_lowercase();
            c
        };
        let mut mood = live("Mood");
        mood.array = true;
        let desired = column("c", "Array<Nullable<super::sql_types::Mood>>", false);
        assert!(same_type(Backend::Postgres, &mood, &desired));
        assert!(same_type(
            Backend::Postgres,
            &live("Int4"),
            &column("c", "Integer", false)
        ));
        assert!(!same_type(
            Backend::Postgres,
            &live("Int4"),
            &column("c", "BigInt", false)
        ));
        assert!(same_type(
            Backend::Mysql,
            &live("Bigint"),
            &column("c", "BigInt", false)
        ));
    }
}
