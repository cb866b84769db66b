//! MySQL/MariaDB: ALTERs InnoDB can only run by copying the table
//! (type changes, expression defaults), index builds that may lock
//! silently, locks asked for (strong_migrations' MySQL checks), and
//! inline REFERENCES (Atlas MY102; MY101 is `adding-not-nullable-field`). Each claim is asked of the server itself by the
//! tests: `ALGORITHM=INPLACE, LOCK=NONE` accepted or refused.

use sqlparser::ast::{
    AlterTableAlgorithm, AlterTableLock, AlterTableOperation, ColumnDef, ColumnOption, DataType,
    Expr, Ident, ObjectName, Statement, TableConstraint,
};

use super::{shown, Context, Hit};

pub(super) fn check(statement: &Statement, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    inline_references(statement, out);
    match statement {
        Statement::CreateIndex(index)
            if ctx.existing(&index.table_name) && !lock_none(&index.alter_options) =>
        {
            out.push(index_lock(&index.table_name));
            out.extend(explicit_lock(&index.table_name, &index.alter_options));
        }
        Statement::AlterTable {
            name, operations, ..
        } if ctx.existing(name) => {
            let online = lock_none(operations);
            out.extend(explicit_lock(name, operations));
            for op in operations {
                match op {
                    AlterTableOperation::AddColumn { column_def, .. } => {
                        expression_default(name, column_def, out);
                    }
                    AlterTableOperation::ModifyColumn {
                        col_name,
                        data_type,
                        ..
                    } => {
                        type_change(name, col_name, data_type, ctx, out);
                    }
                    AlterTableOperation::ChangeColumn {
                        old_name,
                        new_name,
                        data_type,
                        ..
                    } => {
                        type_change(name, old_name, data_type, ctx, out);
                        if old_name.value != new_name.value {
                            out.push(Hit {
                                code: "renaming-column",
                                message: format!("renames column `{old_name}` of {} to `{new_name}`; the release still running during the deploy fails on every query that names the old one", shown(name)),
                                help: "add the new column, write both, backfill, move reads, then drop the old one in a later release".into(),
                            });
                        }
                    }
                    AlterTableOperation::Algorithm {
                        algorithm: AlterTableAlgorithm::Copy,
                        ..
                    } => {
                        out.push(Hit {
                            code: "mysql-copy-algorithm",
                            message: format!("asks for ALGORITHM=COPY: {} is copied row by row while writes wait", shown(name)),
                            help: "use ALGORITHM=INPLACE, LOCK=NONE (or INSTANT) where the server accepts it; otherwise an online schema change tool (gh-ost, pt-online-schema-change)".into(),
                        });
                    }
                    AlterTableOperation::AddConstraint {
                        constraint: TableConstraint::Index { .. } | TableConstraint::Unique { .. },
                        ..
                    } if !online => out.push(index_lock(name)),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// `LOCK=SHARED` / `LOCK=EXCLUSIVE` (strong_migrations): a lock asked
/// for, for the whole statement.
fn explicit_lock(table: &ObjectName, ops: &[AlterTableOperation]) -> Option<Hit> {
    let lock = ops.iter().find_map(|o| match o {
        AlterTableOperation::Lock { lock, .. } => Some(lock),
        _ => None,
    })?;
    let what = match lock {
        AlterTableLock::Shared => {
            "LOCK=SHARED: writes to {t} wait until the statement ends (reads go on)"
        }
        AlterTableLock::Exclusive => {
            "LOCK=EXCLUSIVE: reads and writes of {t} wait until the statement ends"
        }
        AlterTableLock::None | AlterTableLock::Default => return None,
    };
    Some(Hit {
        code: "mysql-explicit-lock",
        message: format!("asks for {}", what.replace("{t}", &shown(table))),
        help: "ask for LOCK=NONE (with ALGORITHM=INPLACE or INSTANT): the server runs it with writes going on, or refuses it, and you learn that before production does".into(),
    })
}

/// A column-level `REFERENCES` (Atlas MY102): MySQL parses it and makes no
/// foreign key; MariaDB 10.5+ makes one.
fn inline_references(statement: &Statement, out: &mut Vec<Hit>) {
    let (table, columns): (&ObjectName, Vec<&ColumnDef>) = match statement {
        Statement::CreateTable(t) => (&t.name, t.columns.iter().collect()),
        Statement::AlterTable {
            name, operations, ..
        } => (
            name,
            operations
                .iter()
                .filter_map(|o| match o {
                    AlterTableOperation::AddColumn { column_def, .. } => Some(column_def),
                    _ => None,
                })
                .collect(),
        ),
        _ => return,
    };
    for column in columns {
        for option in &column.options {
            if let ColumnOption::ForeignKey { foreign_table, .. } = &option.option {
                out.push(Hit {
                    code: "mysql-inline-references",
                    message: format!("`{}` of {} REFERENCES {foreign_table} inline: MySQL parses that and makes no foreign key (nothing is enforced), while MariaDB 10.5+ makes one; the same file gives two schemas", column.name, shown(table)),
                    help: format!("declare the key as a table constraint: `FOREIGN KEY ({}) REFERENCES {foreign_table} (...)`", column.name),
                });
            }
        }
    }
}

/// ADD COLUMN with a default expression InnoDB cannot add instantly or in
/// place (strong_migrations' expression defaults): one that names a
/// column or calls UUID(), UUID_SHORT() or SYSDATE() copies the table.
/// What passes (a constant expression, CURRENT_TIMESTAMP, even RAND()) the
/// server adds with ALGORITHM=INSTANT (lint_claims asks it).
fn expression_default(table: &ObjectName, column: &ColumnDef, out: &mut Vec<Hit>) {
    let copies = column.options.iter().find_map(|o| match &o.option {
        ColumnOption::Default(e) if copying_default(e) => Some(e),
        _ => None,
    });
    if let Some(expr) = copies {
        out.push(Hit {
            code: "mysql-expression-default",
            message: format!("adds `{}` to {} with the default `{expr}`, which needs a value computed per row: InnoDB can do that neither instantly nor in place (ALGORITHM=COPY), so the table is copied row by row and writes wait until it ends", column.name, shown(table)),
            help: "add the column with a constant default (or none), backfill the values in batches, then set the expression default in a later revision (`ALTER COLUMN ... SET DEFAULT` changes only the dictionary)".into(),
        });
    }
}

fn copying_default(e: &Expr) -> bool {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => true,
        Expr::Nested(e) | Expr::UnaryOp { expr: e, .. } | Expr::Cast { expr: e, .. } => {
            copying_default(e)
        }
        Expr::BinaryOp { left, right, .. } => copying_default(left) || copying_default(right),
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_lowercase();
            matches!(name.as_str(), "uuid" | "uuid_short" | "sysdate")
                || f.args.to_string().to_ascii_lowercase().contains("uuid(")
        }
        _ => false,
    }
}

fn lock_none(ops: &[AlterTableOperation]) -> bool {
    ops.iter().any(|o| {
        matches!(
            o,
            AlterTableOperation::Lock {
                lock: AlterTableLock::None,
                ..
            }
        )
    })
}

fn index_lock(table: &ObjectName) -> Hit {
    Hit {
        code: "mysql-index-without-lock-none",
        message: format!("adds an index to {} without LOCK=NONE: InnoDB builds most indexes in place with writes going on, but where it cannot (FULLTEXT, SPATIAL, some generated columns) it quietly takes a lock that blocks writes for the whole build", shown(table)),
        help: "append `ALGORITHM=INPLACE, LOCK=NONE`: the server then refuses the statement instead of locking, and you learn it before production does".into(),
    }
}

/// MODIFY/CHANGE COLUMN to a type other than the column's.
fn type_change(
    table: &ObjectName,
    column: &Ident,
    new: &DataType,
    ctx: &Context<'_>,
    out: &mut Vec<Hit>,
) {
    let old = ctx
        .table(table)
        .and_then(|t| {
            t.columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(&column.value))
        })
        .map(|c| c.full_type.clone());
    let new_text = normalise(&new.to_string());
    if let Some(old) = &old {
        let old = normalise(old);
        if old == new_text || longer_varchar(&old, &new_text) {
            return;
        }
    }
    let from = old.map(|o| format!(" from {o}")).unwrap_or_default();
    out.push(Hit {
        code: "mysql-copy-algorithm",
        message: format!("changes the type of `{column}` of {}{from} to {new}: InnoDB cannot do that in place (ALGORITHM=COPY), so the table is copied row by row and writes wait until it ends", shown(table)),
        help: "add a column of the new type, write both, backfill in batches, switch reads, drop the old column later; or use an online schema change tool (gh-ost, pt-online-schema-change)".into(),
    });
}

/// A type as compared: lower case, no spaces, integer display widths gone.
fn normalise(t: &str) -> String {
    let t = t
        .to_ascii_lowercase()
        .replace(' ', "")
        .replace("integer", "int");
    for int in ["tinyint", "smallint", "mediumint", "bigint", "int"] {
        if let Some(rest) = t.strip_prefix(int) {
            if let Some(close) = rest
                .strip_prefix('(')
                .and_then(|r| r.find(')').map(|i| &r[i + 1..]))
            {
                return format!("{int}{close}");
            }
            return t;
        }
    }
    t
}

/// varchar(n) to varchar(m > n): in place while the length prefix keeps
/// its size, which depends on the character set; not claimed either way.
fn longer_varchar(old: &str, new: &str) -> bool {
    let len =
        |t: &str| -> Option<u64> { t.strip_prefix("varchar(")?.strip_suffix(')')?.parse().ok() };
    matches!((len(old), len(new)), (Some(a), Some(b)) if b >= a)
}
