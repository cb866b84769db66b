//! MySQL/MariaDB: ALTERs InnoDB can only run by copying the table, and
//! index builds that may lock silently (strong_migrations' MySQL checks,
//! Atlas MY101-102). Each claim is asked of the server itself by the
//! tests: `ALGORITHM=INPLACE, LOCK=NONE` accepted or refused.

use sqlparser::ast::{
    AlterTableAlgorithm, AlterTableLock, AlterTableOperation, DataType, Ident, ObjectName,
    Statement, TableConstraint,
};

use super::{shown, Context, Hit};

pub(super) fn check(statement: &Statement, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    match statement {
        Statement::CreateIndex(index)
            if ctx.existing(&index.table_name) && !lock_none(&index.alter_options) =>
        {
            out.push(index_lock(&index.table_name));
        }
        Statement::AlterTable {
            name, operations, ..
        } if ctx.existing(name) => {
            let online = lock_none(operations);
            for op in operations {
                match op {
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
