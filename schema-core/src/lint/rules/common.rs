//! Rules of every backend: data loss (Atlas DS101-103, squawk's ban-drop-*)
//! and changes the previous release cannot survive during a rolling
//! deploy (Atlas BC101-102), NOT NULL without a default (MF103, MySQL
//! MY101) and dropped constraints (CD101).

use sqlparser::ast::{
    AlterTableOperation, ColumnDef, ColumnOption, ObjectType, RenameTableNameKind, Statement,
};

use super::{shown, Context, Hit};
use crate::url::Backend;

pub(super) fn check(statement: &Statement, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    match statement {
        Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        } => {
            // A rebuild (a new table renamed to this name) keeps the rows.
            let lost = |n: &&sqlparser::ast::ObjectName| {
                ctx.existing(n) && !ctx.rebuilt.contains(&super::key(n))
            };
            for name in names.iter().filter(lost) {
                out.push(Hit {
                    code: "ban-drop-table",
                    message: format!("drops {} and every row in it; the release still running during the deploy fails on its next query of the table", shown(name)),
                    help: "stop using the table in one release, deploy, then drop it in a later revision (`-- schema:allow ban-drop-table REASON` once nothing uses it)".into(),
                });
            }
        }
        Statement::Drop {
            object_type: ObjectType::Database | ObjectType::Schema,
            names,
            ..
        } => {
            for name in names {
                out.push(Hit {
                    code: "ban-drop-database",
                    message: format!("drops {} and everything in it", shown(name)),
                    help: "drop databases and schemas by hand, never from a migration".into(),
                });
            }
        }
        Statement::AlterTable {
            name, operations, ..
        } if ctx.existing(name) => {
            for op in operations {
                alter(name, op, ctx, out);
            }
        }
        Statement::RenameTable(renames) => {
            for r in renames.iter().filter(|r| ctx.existing(&r.old_name)) {
                out.push(renamed_table(&r.old_name, &r.new_name));
            }
        }
        _ => {}
    }
}

fn alter(
    table: &sqlparser::ast::ObjectName,
    op: &AlterTableOperation,
    ctx: &Context<'_>,
    out: &mut Vec<Hit>,
) {
    match op {
        AlterTableOperation::DropColumn { column_names, .. } => {
            for column in column_names {
                out.push(Hit {
                    code: "ban-drop-column",
                    message: format!("drops column `{column}` of {} and its data; the release still running during the deploy fails on every query that names it", shown(table)),
                    help: "stop reading and writing the column in one release (diesel: remove it from schema.rs), deploy, then drop it in a later revision".into(),
                });
            }
        }
        AlterTableOperation::RenameColumn { old_column_name, new_column_name } => out.push(Hit {
            code: "renaming-column",
            message: format!("renames column `{old_column_name}` of {} to `{new_column_name}`; the release still running during the deploy fails on every query that names the old one", shown(table)),
            help: "add the new column, write both, backfill, move reads, then drop the old one in a later release".into(),
        }),
        AlterTableOperation::RenameTable { table_name } => {
            let new = match table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => n,
            };
            out.push(renamed_table(table, new));
        }
        AlterTableOperation::AddColumn { column_def, .. } => not_null(table, column_def, ctx, out),
        // SQLite has no DROP CONSTRAINT (`sqlite-alter-unsupported`).
        AlterTableOperation::DropConstraint { name, .. }
        | AlterTableOperation::DropForeignKey { name, .. }
            if ctx.backend != Backend::Sqlite =>
        {
            out.push(dropped_constraint(table, &format!("constraint `{name}`")));
        }
        AlterTableOperation::DropPrimaryKey { .. } if ctx.backend != Backend::Sqlite => {
            out.push(dropped_constraint(table, "the primary key"));
        }
        _ => {}
    }
}

/// Atlas CD101, squawk's ban-drop-constraint.
fn dropped_constraint(table: &sqlparser::ast::ObjectName, what: &str) -> Hit {
    Hit {
        code: "ban-drop-constraint",
        message: format!("drops {what} of {}: the guarantee it gave (a foreign key, uniqueness, a check) stops at once, rows that break it can be written from then on, and adding it back later has to check every row", shown(table)),
        help: "make sure no code relies on the guarantee; to replace a constraint, add the new one first (on PostgreSQL NOT VALID, then VALIDATE) and drop the old one after".into(),
    }
}

fn renamed_table(old: &sqlparser::ast::ObjectName, new: &sqlparser::ast::ObjectName) -> Hit {
    Hit {
        code: "renaming-table",
        message: format!("renames {} to {}; the release still running during the deploy fails on every query of the old name", shown(old), shown(new)),
        help: "create the new table (or a view under the old name), move the app over in a release, then drop the old name".into(),
    }
}

/// `ADD COLUMN c T NOT NULL` with no default, on a table with rows.
fn not_null(
    table: &sqlparser::ast::ObjectName,
    column: &ColumnDef,
    ctx: &Context<'_>,
    out: &mut Vec<Hit>,
) {
    if !not_null_without_default(column, ctx.backend) {
        return;
    }
    let what = match ctx.backend {
        Backend::Postgres => "fails with `column contains null values` as soon as the table has a row",
        Backend::Mysql => "fills existing rows with the type's implicit default (0, '', the zero date) without a word, and the previous release's INSERTs, which omit the column, fail in strict mode",
        Backend::Sqlite => "fails: SQLite cannot add a NOT NULL column with default value NULL",
    };
    out.push(Hit {
        code: "adding-not-nullable-field",
        message: format!("adds `{}` NOT NULL without a default to {}: {what}", column.name, shown(table)),
        help: "add the column nullable (or with a DEFAULT), backfill it in batches, then add NOT NULL in a later revision".into(),
    });
}

/// Whether `column` is NOT NULL (or the primary key) with no default, no
/// generated value, no serial type and no AUTO_INCREMENT: a row written
/// without it has no value for it.
pub(super) fn not_null_without_default(column: &ColumnDef, backend: Backend) -> bool {
    let has = |f: fn(&ColumnOption) -> bool| column.options.iter().any(|o| f(&o.option));
    let not_null = has(|o| matches!(o, ColumnOption::NotNull))
        || has(|o| {
            matches!(
                o,
                ColumnOption::Unique {
                    is_primary: true,
                    ..
                }
            )
        });
    let defaulted = has(|o| matches!(o, ColumnOption::Default(_) | ColumnOption::Generated { .. }));
    let serial = backend == Backend::Postgres && super::postgres::is_serial(&column.data_type);
    let auto = has(
        |o| matches!(o, ColumnOption::DialectSpecific(t) if t.iter().any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT"))),
    );
    not_null && !defaulted && !serial && !auto
}
