//! PostgreSQL: the locks and rewrites of DDL on a table in use (squawk's
//! rules of the same names). Every lock named here is read back from
//! `pg_locks` by the tests (tests/cli/lint_server.rs).

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, DataType, ObjectName, ObjectType,
    Statement, TableConstraint,
};

use super::{key, shown, Context, Hit};
use crate::lint::parse::Parsed;

const CONCURRENT_HELP: &str = "`run_in_transaction = false` in the revision's metadata.toml, the statement alone in its revision; if it fails it leaves an INVALID index: drop it and run the revision again";

pub(super) fn check(statement: &Statement, parsed: &Parsed, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    match statement {
        Statement::CreateIndex(index) => {
            if index.concurrently {
                if ctx.in_transaction {
                    out.push(in_transaction("CREATE INDEX CONCURRENTLY"));
                }
            } else if ctx.existing(&index.table_name) {
                out.push(Hit {
                    code: "require-concurrent-index-creation",
                    message: format!("takes a SHARE lock on {} while the index is built: INSERT, UPDATE and DELETE wait until it ends (reads go on)", shown(&index.table_name)),
                    help: format!("CREATE INDEX CONCURRENTLY, with {CONCURRENT_HELP}"),
                });
            }
        }
        Statement::Drop {
            object_type: ObjectType::Index,
            names,
            ..
        } => {
            if parsed.drop_concurrently {
                if ctx.in_transaction {
                    out.push(in_transaction("DROP INDEX CONCURRENTLY"));
                }
                return;
            }
            for name in names.iter().filter(|n| index_existed(n, ctx)) {
                let on = index_table(name, ctx)
                    .map_or_else(|| "its table".to_owned(), |t| format!("`{t}`"));
                out.push(Hit {
                    code: "require-concurrent-index-deletion",
                    message: format!("takes ACCESS EXCLUSIVE on {on} to drop {}: reads and writes of the table wait until it ends, and it waits itself behind every running query of the table", shown(name)),
                    help: format!("DROP INDEX CONCURRENTLY, with {CONCURRENT_HELP}"),
                });
            }
        }
        Statement::AlterTable {
            name, operations, ..
        } if ctx.existing(name) => {
            for op in operations {
                alter(name, op, out);
            }
        }
        _ => {}
    }
}

/// `REINDEX`, read by a regex (sqlparser 0.59 has no REINDEX).
pub(super) fn reindex(r: &crate::lint::parse::Reindex, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    if r.concurrently {
        if ctx.in_transaction {
            out.push(in_transaction("REINDEX CONCURRENTLY"));
        }
        return;
    }
    let name = ObjectName::from(vec![sqlparser::ast::Ident::new(
        r.name
            .rsplit('.')
            .next()
            .unwrap_or(&r.name)
            .trim_matches('"'),
    )]);
    let on = match r.kind.as_str() {
        "TABLE" if ctx.existing(&name) => format!("`{}`", r.name),
        "TABLE" => return,
        "INDEX" if !index_existed(&name, ctx) => return,
        "INDEX" => index_table(&name, ctx)
            .map_or_else(|| "the index's table".to_owned(), |t| format!("`{t}`")),
        _ => format!("every table of {} `{}`", r.kind.to_lowercase(), r.name),
    };
    out.push(Hit {
        code: "require-concurrent-reindex",
        message: format!("takes a SHARE lock on {on} and ACCESS EXCLUSIVE on each index it rebuilds: reads and writes of the table wait until it ends (a query cannot even be planned while an index of its table is locked)"),
        help: format!("REINDEX ... CONCURRENTLY (PostgreSQL 12+), with {CONCURRENT_HELP}"),
    });
}

fn in_transaction(what: &str) -> Hit {
    Hit {
        code: "ban-concurrent-index-creation-in-transaction",
        message: format!("{what} cannot run inside a transaction block, and the runner runs this revision inside one: the upgrade fails"),
        help: "set `run_in_transaction = false` in the revision's metadata.toml and keep the statement alone in its revision; outside a transaction a failed build leaves an INVALID index, to drop before running it again".into(),
    }
}

/// Whether the index `name` existed before the revision (unknown: yes).
fn index_existed(name: &ObjectName, ctx: &Context<'_>) -> bool {
    match ctx.before {
        None => true,
        Some(_) => index_table(name, ctx).is_some(),
    }
}

/// The table that had the index `name` before the revision.
fn index_table(name: &ObjectName, ctx: &Context<'_>) -> Option<String> {
    let wanted = key(name);
    ctx.before?
        .tables
        .iter()
        .find(|t| {
            t.indexes.iter().any(|i| i.name.to_lowercase() == wanted)
                || t.unique_constraints
                    .iter()
                    .any(|u| u.name.as_deref().map(str::to_lowercase).as_deref() == Some(&wanted))
        })
        .map(|t| t.name.clone())
}

fn alter(table: &ObjectName, op: &AlterTableOperation, out: &mut Vec<Hit>) {
    let t = shown(table);
    match op {
        AlterTableOperation::AddConstraint { constraint, not_valid } => match constraint {
            TableConstraint::ForeignKey { foreign_table, .. } if !not_valid => out.push(Hit {
                code: "adding-foreign-key-constraint",
                message: format!("takes SHARE ROW EXCLUSIVE on {t} and on {} and scans {t} to validate the key: writes to both tables wait until it ends", shown(foreign_table)),
                help: "ADD CONSTRAINT ... NOT VALID (a brief lock, no scan), then `ALTER TABLE ... VALIDATE CONSTRAINT` in a later revision, which scans under SHARE UPDATE EXCLUSIVE and lets writes go on".into(),
            }),
            TableConstraint::Check { .. } if !not_valid => out.push(Hit {
                code: "constraint-missing-not-valid",
                message: format!("takes ACCESS EXCLUSIVE on {t} and scans every row to validate the check: reads and writes wait until it ends"),
                help: "ADD CONSTRAINT ... NOT VALID, then `ALTER TABLE ... VALIDATE CONSTRAINT` in a later revision (SHARE UPDATE EXCLUSIVE: writes go on)".into(),
            }),
            TableConstraint::Unique { .. } => out.push(unique(&t)),
            TableConstraint::PrimaryKey { .. } => out.push(primary_key(&t, "builds the primary key's index")),
            _ => {}
        },
        AlterTableOperation::AddColumn { column_def, .. } => {
            let name = &column_def.name;
            if is_serial(&column_def.data_type) {
                out.push(primary_key(&t, &format!("rewrites the table to number every row of the new column `{name}`")));
            }
            for option in &column_def.options {
                match &option.option {
                    ColumnOption::Unique { is_primary: true, .. } => {
                        out.push(primary_key(&t, &format!("builds the primary key's index on `{name}`")));
                    }
                    ColumnOption::Unique { is_primary: false, .. } => out.push(unique(&t)),
                    ColumnOption::Default(expr) if is_volatile(&expr.to_string()) => out.push(Hit {
                        code: "adding-field-with-volatile-default",
                        message: format!("adds `{name}` with the volatile default `{expr}`: each row needs its own value, so {t} is rewritten under ACCESS EXCLUSIVE: reads and writes wait until it ends"),
                        help: "add the column without a default (or with a constant or STABLE one such as now()), then `ALTER COLUMN ... SET DEFAULT` for new rows, and backfill existing rows in batches".into(),
                    }),
                    _ => {}
                }
            }
        }
        AlterTableOperation::AlterColumn { column_name, op } => match op {
            AlterColumnOperation::SetDataType { data_type, .. } => out.push(Hit {
                code: "changing-column-type",
                message: format!("takes ACCESS EXCLUSIVE on {t} to make `{column_name}` {data_type}; unless the change is binary-coercible (varchar(n) to text or to a longer varchar) the table and its indexes are rewritten: reads and writes wait until it ends"),
                help: "add a column of the new type, write both from the app, backfill in batches, move reads over, then drop the old column in a later release".into(),
            }),
            AlterColumnOperation::SetNotNull => out.push(Hit {
                code: "setting-not-nullable-field",
                message: format!("takes ACCESS EXCLUSIVE on {t} and scans every row for a NULL `{column_name}`: reads and writes wait until it ends, and it fails if one row is NULL"),
                help: format!("ADD CONSTRAINT {column_name}_not_null CHECK ({column_name} IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT in a later revision; then SET NOT NULL, which PostgreSQL 12+ proves from the valid check without a scan; then drop the check"),
            }),
            AlterColumnOperation::DropNotNull => out.push(Hit {
                code: "ban-drop-not-null",
                message: format!("lets `{column_name}` of {t} be NULL; the release still running during the deploy may read it as never NULL and fail on the first NULL"),
                help: "deploy code that handles NULL first, then drop the constraint".into(),
            }),
            _ => {}
        },
        _ => {}
    }
}

fn unique(t: &str) -> Hit {
    Hit {
        code: "disallowed-unique-constraint",
        message: format!("builds the unique index under ACCESS EXCLUSIVE on {t}: reads and writes wait until it ends"),
        help: "CREATE UNIQUE INDEX CONCURRENTLY (in a revision with run_in_transaction = false), then `ADD CONSTRAINT ... UNIQUE USING INDEX`".into(),
    }
}

fn primary_key(t: &str, what: &str) -> Hit {
    Hit {
        code: "adding-serial-primary-key-field",
        message: format!("takes ACCESS EXCLUSIVE on {t} and {what}: reads and writes wait until it ends"),
        help: "add a nullable column, backfill it in batches, CREATE UNIQUE INDEX CONCURRENTLY, then `ADD CONSTRAINT ... PRIMARY KEY USING INDEX`".into(),
    }
}

/// `serial`, `bigserial`, `smallserial` and their aliases.
pub(super) fn is_serial(data_type: &DataType) -> bool {
    matches!(
        data_type.to_string().to_ascii_lowercase().as_str(),
        "serial" | "serial2" | "serial4" | "serial8" | "smallserial" | "bigserial"
    )
}

/// Whether a default expression calls a volatile function (a new value
/// per row, so PostgreSQL 11+'s fast default cannot apply).
fn is_volatile(expr: &str) -> bool {
    const VOLATILE: [&str; 8] = [
        "random(",
        "clock_timestamp(",
        "timeofday(",
        "gen_random_uuid(",
        "uuid_generate_v1",
        "uuid_generate_v4",
        "nextval(",
        "txid_current(",
    ];
    let expr = expr.to_ascii_lowercase().replace(' ', "");
    VOLATILE.iter().any(|f| expr.contains(f))
}
