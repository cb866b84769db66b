//! SQLite: the table rebuild under foreign keys (DROP TABLE deletes every
//! row first, which fires ON DELETE actions in the child tables), the
//! foreign_keys pragma ignored inside a transaction, ALTER TABLE forms
//! SQLite does not have (or not before the version `[lint]
//! sqlite_version` names), and columns it will not drop.

use sqlparser::ast::{
    AlterTableOperation, ColumnOption, Expr, GeneratedExpressionMode, ObjectType, Statement,
};

use super::{key, shown, Context, Hit};
use crate::lint::parse::Parsed;

pub(super) fn check(
    statement: &Statement,
    parsed: &Parsed,
    ctx: &mut Context<'_>,
    out: &mut Vec<Hit>,
) {
    if parsed.foreign_keys_pragma.is_some() {
        pragma(parsed, ctx, out);
        return;
    }
    match statement {
        Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        } if ctx.foreign_keys => {
            for name in names.iter().filter(|n| ctx.existing(n)) {
                cascades(name, ctx, out);
            }
        }
        Statement::AlterTable {
            name, operations, ..
        } => {
            for op in operations {
                version(name, op, ctx, out);
                if let AlterTableOperation::DropColumn { column_names, .. } = op {
                    for column in column_names {
                        out.extend(drop_column_fails(name, &column.value, ctx));
                    }
                }
                let form = match op {
                    AlterTableOperation::AlterColumn { .. } => Some("ALTER COLUMN"),
                    AlterTableOperation::AddConstraint { .. } => Some("ADD CONSTRAINT"),
                    AlterTableOperation::DropConstraint { .. } => Some("DROP CONSTRAINT"),
                    AlterTableOperation::ModifyColumn { .. }
                    | AlterTableOperation::ChangeColumn { .. } => Some("MODIFY/CHANGE COLUMN"),
                    AlterTableOperation::AddColumn { column_def, .. } => {
                        let has = |f: fn(&ColumnOption) -> bool| {
                            column_def.options.iter().any(|o| f(&o.option))
                        };
                        let references = has(|o| matches!(o, ColumnOption::ForeignKey { .. }));
                        let non_null_default = has(
                            |o| matches!(o, ColumnOption::Default(e) if !matches!(e, Expr::Value(v) if v.to_string().eq_ignore_ascii_case("NULL"))),
                        );
                        let stored = has(|o| {
                            matches!(
                                o,
                                ColumnOption::Generated {
                                    generation_expr_mode: Some(GeneratedExpressionMode::Stored),
                                    ..
                                }
                            )
                        });
                        if stored {
                            Some("ADD COLUMN ... GENERATED ... STORED (only VIRTUAL)")
                        } else if references && non_null_default && ctx.foreign_keys {
                            Some("ADD COLUMN ... REFERENCES with a non-NULL DEFAULT while foreign keys are on")
                        } else {
                            None
                        }
                        .or_else(|| column_def.options.iter().find_map(|o| match &o.option {
                            ColumnOption::Unique {
                                is_primary: true, ..
                            } => Some("ADD COLUMN ... PRIMARY KEY"),
                            ColumnOption::Unique {
                                is_primary: false, ..
                            } => Some("ADD COLUMN ... UNIQUE"),
                            ColumnOption::Default(e) if !constant(e) => {
                                Some("ADD COLUMN with a non-constant DEFAULT")
                            }
                            _ => None,
                        }))
                    }
                    _ => None,
                };
                if let Some(form) = form {
                    out.push(Hit {
                        code: "sqlite-alter-unsupported",
                        message: format!("SQLite has no {form} in ALTER TABLE: the statement on {} fails", shown(name)),
                        help: "rebuild the table: CREATE TABLE new_t (...); INSERT INTO new_t SELECT ...; DROP TABLE t; ALTER TABLE new_t RENAME TO t; in a revision with foreign keys off (sqlite.org/lang_altertable.html, the 12 steps)".into(),
                    });
                }
            }
        }
        _ => {}
    }
}

/// ALTER TABLE forms older SQLite versions do not have, when `[lint]
/// sqlite_version` says the revisions run on one.
fn version(
    table: &sqlparser::ast::ObjectName,
    op: &AlterTableOperation,
    ctx: &Context<'_>,
    out: &mut Vec<Hit>,
) {
    let Some(have) = ctx.sqlite_version else {
        return;
    };
    let (form, need) = match op {
        AlterTableOperation::RenameColumn { .. } => ("RENAME COLUMN", (3, 25)),
        AlterTableOperation::DropColumn { .. } => ("DROP COLUMN", (3, 35)),
        _ => return,
    };
    if have < need {
        out.push(Hit {
            code: "sqlite-alter-version",
            message: format!("ALTER TABLE ... {form} on {} needs SQLite {}.{}, and `[lint] sqlite_version` says the revisions run on {}.{}: there the statement is a syntax error", shown(table), need.0, need.1, have.0, have.1),
            help: "rebuild the table instead (CREATE TABLE new_t ...; INSERT INTO new_t SELECT ...; DROP TABLE t; ALTER TABLE new_t RENAME TO t), or raise the SQLite the app links".into(),
        });
    }
}

/// DROP COLUMN of a column SQLite refuses to drop on every version: part
/// of the primary key, UNIQUE, indexed, or a foreign key's column.
fn drop_column_fails(
    table: &sqlparser::ast::ObjectName,
    column: &str,
    ctx: &Context<'_>,
) -> Option<Hit> {
    let t = ctx.table(table)?;
    let named = |cs: &[String]| cs.iter().any(|c| c.eq_ignore_ascii_case(column));
    let why = if t.primary_key.as_ref().is_some_and(|p| named(&p.columns)) {
        "it is part of the PRIMARY KEY".to_owned()
    } else if t.unique_constraints.iter().any(|u| named(&u.columns)) {
        "it is UNIQUE".to_owned()
    } else if let Some(i) = t.indexes.iter().find(|i| {
        i.parts.iter().any(
            |p| matches!(p, crate::schema::IndexPart::Column(c) if c.eq_ignore_ascii_case(column)),
        )
    }) {
        format!("the index `{}` uses it", i.name)
    } else if t.foreign_keys.iter().any(|f| named(&f.columns)) {
        "a foreign key uses it".to_owned()
    } else {
        return None;
    };
    Some(Hit {
        code: "sqlite-alter-unsupported",
        message: format!("SQLite cannot drop `{column}` of {}: {why}; the statement fails", shown(table)),
        help: "drop the index first if that is all, otherwise rebuild the table without the column (sqlite.org/lang_altertable.html, the 12 steps) in a revision with foreign keys off".into(),
    })
}

/// `PRAGMA foreign_keys = ...`: ignored inside a transaction; outside one
/// it holds for the rest of the revision.
pub(super) fn pragma(parsed: &Parsed, ctx: &mut Context<'_>, out: &mut Vec<Hit>) {
    let Some(on) = parsed.foreign_keys_pragma else {
        return;
    };
    if ctx.in_transaction {
        out.push(Hit {
            code: "sqlite-pragma-in-transaction",
            message: format!("PRAGMA foreign_keys = {} does nothing inside a transaction, and the runner runs this revision inside one: foreign keys stay as they were", if on { "ON" } else { "OFF" }),
            help: "set `run_in_transaction = false` in the revision's metadata.toml (and wrap the rest in BEGIN ... COMMIT yourself), or set connect_args.foreign_keys for the run".into(),
        });
    } else {
        ctx.foreign_keys = on;
    }
}

/// DROP TABLE `name` while child tables reference it.
fn cascades(name: &sqlparser::ast::ObjectName, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    let Some(before) = ctx.before else { return };
    let parent = key(name);
    for child in &before.tables {
        for fk in child
            .foreign_keys
            .iter()
            .filter(|fk| fk.referenced_table.to_lowercase() == parent)
        {
            let action = fk.on_delete.to_ascii_uppercase();
            let what = match action.as_str() {
                "CASCADE" => format!(
                    "deletes every row of `{}` that references it (ON DELETE CASCADE)",
                    child.name
                ),
                "SET NULL" | "SET DEFAULT" => format!(
                    "sets `{}`.{} of every referencing row to {} (ON DELETE {action})",
                    child.name,
                    fk.columns.join(", "),
                    if action == "SET NULL" {
                        "NULL"
                    } else {
                        "its default"
                    }
                ),
                _ => format!(
                    "fails with FOREIGN KEY constraint failed if `{}` has a referencing row",
                    child.name
                ),
            };
            out.push(Hit {
                code: "sqlite-drop-table-cascades",
                message: format!("with foreign keys on, DROP TABLE {} first deletes every row, which {what}; a table rebuild that drops the old table loses the child rows", shown(name)),
                help: "run the rebuild with foreign keys off: `run_in_transaction = false` in metadata.toml, `PRAGMA foreign_keys = OFF` first, BEGIN ... COMMIT around the rebuild, `PRAGMA foreign_key_check`, then `PRAGMA foreign_keys = ON`".into(),
            });
        }
    }
}

/// A default SQLite accepts in ADD COLUMN: a literal, or a signed one.
fn constant(e: &Expr) -> bool {
    match e {
        Expr::Value(_) => true,
        Expr::UnaryOp { expr, .. } => constant(expr),
        Expr::Nested(e) => constant(e),
        _ => false,
    }
}
