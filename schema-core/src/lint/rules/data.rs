//! Changes whose success depends on the rows already there (Atlas's
//! data-dependent MF101, MF102, MF104 and SQLite LT101): a unique index or
//! key over existing rows fails on the first duplicate, and a nullable
//! column made NOT NULL fails on the first NULL (MySQL outside strict
//! mode fills the NULLs with the type's implicit default instead).
//! PostgreSQL's SET NOT NULL is `setting-not-nullable-field`, which says
//! the same with its lock.

use sqlparser::ast::{
    AlterTableOperation, ColumnDef, ColumnOption, CreateIndex, CreateTable, Ident, IndexColumn,
    ObjectName, Statement, TableConstraint,
};

use super::{key, shown, Context, Hit};
use crate::schema::Table;
use crate::url::Backend;

pub(super) fn check(statement: &Statement, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    match statement {
        Statement::CreateIndex(index) if index.unique && ctx.existing(&index.table_name) => {
            unique_index(index, ctx, out);
        }
        Statement::AlterTable {
            name, operations, ..
        } if ctx.existing(name) => {
            for op in operations {
                alter(name, op, ctx, out);
            }
        }
        Statement::CreateTable(t) => rebuild(t, ctx, out),
        _ => {}
    }
}

/// The columns of an index or key, lower-cased and unquoted.
fn names(columns: &[IndexColumn]) -> Vec<String> {
    columns
        .iter()
        .map(|c| {
            let text = c.column.expr.to_string();
            text.trim_matches(['"', '`']).to_lowercase()
        })
        .collect()
}

/// The index, key or unique constraint of `table` (before the revision)
/// over exactly `columns`, and whether it is unique.
fn covering(table: &Table, columns: &[String]) -> Option<(String, bool)> {
    let same = |cs: &[String]| {
        cs.len() == columns.len() && cs.iter().zip(columns).all(|(a, b)| a.to_lowercase() == *b)
    };
    if table.primary_key.as_ref().is_some_and(|p| same(&p.columns)) {
        return Some(("the primary key".into(), true));
    }
    if let Some(u) = table.unique_constraints.iter().find(|u| same(&u.columns)) {
        return Some((
            u.name
                .clone()
                .unwrap_or_else(|| "a unique constraint".into()),
            true,
        ));
    }
    table.indexes.iter().find_map(|i| {
        let cs: Option<Vec<String>> = i
            .parts
            .iter()
            .map(|p| match p {
                crate::schema::IndexPart::Column(c) => Some(c.clone()),
                _ => None,
            })
            .collect();
        cs.filter(|cs| same(cs))
            .map(|_| (format!("`{}`", i.name), i.unique))
    })
}

fn unique_hit(
    table: &ObjectName,
    columns: &[String],
    what: &str,
    ctx: &Context<'_>,
) -> Option<Hit> {
    let before = ctx.table(table);
    let was = before.and_then(|t| covering(t, columns));
    if matches!(was, Some((_, true))) {
        // Already unique: no row can fail it.
        return None;
    }
    let made = match was {
        // Atlas MF102: an index that let duplicates in becomes unique.
        Some((index, _)) => {
            format!(" (index {index} over the same columns let duplicates in until now)")
        }
        None => String::new(),
    };
    let error = match ctx.backend {
        Backend::Postgres => "could not create unique index ... is duplicated",
        Backend::Mysql => "Duplicate entry ... (1062)",
        Backend::Sqlite => "UNIQUE constraint failed",
    };
    let list = columns.join(", ");
    Some(Hit {
        code: "unique-on-existing-rows",
        message: format!("{what} over ({list}) of {}, which already has rows{made}: the statement fails with `{error}` if two of them share a value, which lint cannot know from the schema", shown(table)),
        help: format!("find duplicates first (`SELECT {list}, count(*) FROM {table} GROUP BY {list} HAVING count(*) > 1`), resolve them in an earlier revision, and keep the app from writing new ones before this runs"),
    })
}

fn unique_index(index: &CreateIndex, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    let columns = names(&index.columns);
    out.extend(unique_hit(
        &index.table_name,
        &columns,
        "builds a unique index",
        ctx,
    ));
}

fn alter(table: &ObjectName, op: &AlterTableOperation, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    match op {
        AlterTableOperation::AddConstraint { constraint, .. } => match constraint {
            TableConstraint::Unique { columns, .. } => {
                let columns = names(columns);
                out.extend(unique_hit(table, &columns, "adds a unique key", ctx));
            }
            TableConstraint::PrimaryKey { columns, .. } => {
                let columns = names(columns);
                out.extend(unique_hit(table, &columns, "adds a primary key", ctx));
            }
            _ => {}
        },
        AlterTableOperation::ModifyColumn {
            col_name, options, ..
        } if ctx.backend == Backend::Mysql => mysql_not_null(table, col_name, options, ctx, out),
        AlterTableOperation::ChangeColumn {
            old_name, options, ..
        } if ctx.backend == Backend::Mysql => mysql_not_null(table, old_name, options, ctx, out),
        _ => {}
    }
}

/// MySQL MODIFY/CHANGE COLUMN making a nullable column NOT NULL (Atlas
/// MF104).
fn mysql_not_null(
    table: &ObjectName,
    column: &Ident,
    options: &[ColumnOption],
    ctx: &Context<'_>,
    out: &mut Vec<Hit>,
) {
    let not_null = options.iter().any(|o| {
        matches!(
            o,
            ColumnOption::NotNull
                | ColumnOption::Unique {
                    is_primary: true,
                    ..
                }
        )
    });
    let was_nullable = ctx
        .table(table)
        .and_then(|t| {
            t.column(&column.value).or_else(|| {
                t.columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(&column.value))
            })
        })
        .is_some_and(|c| c.nullable);
    if not_null && was_nullable {
        out.push(Hit {
            code: "not-null-on-existing-rows",
            message: format!("makes `{column}` of {} NOT NULL, and it was nullable: in strict mode the statement fails with `Data truncated for column` (1265) if one row holds NULL; outside strict mode every NULL silently becomes the type's implicit default (0, '', the zero date)", shown(table)),
            help: "backfill the NULLs in an earlier revision (`UPDATE ... SET col = ... WHERE col IS NULL`, in batches) and keep the app from writing new ones before this runs".into(),
        });
    }
}

/// SQLite's rebuild: the new table that replaces an existing one makes a
/// nullable column NOT NULL (Atlas LT101) or adds a unique key over
/// columns that had none; `INSERT INTO new SELECT ... FROM old` then fails
/// on the first NULL or duplicate.
fn rebuild(new: &CreateTable, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    let Some(old_name) = ctx.rebuild_of.get(&key(&new.name)) else {
        return;
    };
    let Some(old) = ctx
        .before
        .and_then(|b| b.tables.iter().find(|t| t.name.to_lowercase() == *old_name))
    else {
        return;
    };
    let old_object = ObjectName::from(vec![Ident::new(old.name.clone())]);
    for column in &new.columns {
        let Some(was) = old
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&column.name.value))
        else {
            continue;
        };
        if was.nullable && has(column, |o| matches!(o, ColumnOption::NotNull)) {
            out.push(Hit {
                code: "not-null-on-existing-rows",
                message: format!("rebuilds `{}` with `{}` NOT NULL, and it was nullable: copying the rows into {} fails with `NOT NULL constraint failed` if one of them holds NULL (a conflict clause or default does not help an explicit NULL)", old.name, column.name, shown(&new.name)),
                help: format!("backfill the NULLs in an earlier revision, or copy them as a value: `INSERT INTO {} SELECT ..., coalesce({}, ...) ... FROM {}`", new.name, column.name, old.name),
            });
        }
        if has(column, |o| {
            matches!(
                o,
                ColumnOption::Unique {
                    is_primary: false,
                    ..
                }
            )
        }) {
            out.extend(unique_hit(
                &old_object,
                &[column.name.value.to_lowercase()],
                "rebuilds the table with a unique column",
                ctx,
            ));
        }
    }
    for constraint in &new.constraints {
        if let TableConstraint::Unique { columns, .. } = constraint {
            let columns = names(columns);
            out.extend(unique_hit(
                &old_object,
                &columns,
                "rebuilds the table with a unique key",
                ctx,
            ));
        }
    }
}

fn has(column: &ColumnDef, f: fn(&ColumnOption) -> bool) -> bool {
    column.options.iter().any(|o| f(&o.option))
}
