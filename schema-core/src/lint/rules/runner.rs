//! What the way the runner runs a revision makes of its statements, which
//! a linter reading files alone has to guess (squawk's
//! `--assume-in-transaction`): transaction control inside the runner's
//! transaction (`transaction-nesting`), statements a revision run outside
//! one cannot run again after failing partway (`prefer-robust-stmts`), and
//! blocking locks with no lock or statement timeout in force, from the
//! runner's settings or a `SET` earlier in the file
//! (`require-lock-timeout`, `require-statement-timeout`).

use sqlparser::ast::{
    AlterTableOperation, Expr, ObjectName, ObjectType, Set, Statement, TableConstraint,
};

use super::{shown, Context, Hit};
use crate::lint::parse::Parsed;
use crate::url::Backend;

pub(super) fn check(
    statement: &Statement,
    parsed: &Parsed,
    ctx: &mut Context<'_>,
    out: &mut Vec<Hit>,
) {
    nesting(statement, ctx, out);
    match statement {
        Statement::StartTransaction { .. } => ctx.own_transaction = true,
        Statement::Commit { .. }
        | Statement::Rollback {
            savepoint: None, ..
        } => {
            ctx.own_transaction = false;
        }
        _ => {}
    }
    if let Statement::Set(set) = statement {
        timeouts_set(set, ctx);
        return;
    }
    let transaction = ctx.in_transaction || ctx.own_transaction;
    if ctx.backend == Backend::Postgres && !transaction && !ctx.last_statement {
        robust(statement, out);
    }
    if let Some(table) = blocking_lock(statement, parsed, ctx) {
        timeouts(&table, ctx, out);
    }
}

/// BEGIN, COMMIT or ROLLBACK inside the runner's transaction.
fn nesting(statement: &Statement, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    if !ctx.in_transaction || ctx.backend == Backend::Mysql {
        return;
    }
    // What the runner does with each was watched by hand (PostgreSQL 15,
    // SQLite); tests/cli/migrate/lint.rs keeps PostgreSQL's COMMIT and
    // SQLite's BEGIN. On PostgreSQL the runner runs each revision under a
    // savepoint of its transaction, so ending that transaction fails the
    // upgrade.
    let what = match (statement, ctx.backend) {
        (Statement::StartTransaction { .. }, Backend::Sqlite) => {
            "BEGIN fails with `cannot start a transaction within a transaction`: the upgrade stops here"
        }
        (Statement::StartTransaction { .. }, _) => {
            "BEGIN by itself only draws the warning `there is already a transaction in progress`, but the COMMIT meant to close it ends the runner's transaction"
        }
        (Statement::Commit { .. }, Backend::Sqlite) => {
            "COMMIT ends the runner's transaction: what came before it stays applied and the rest runs outside any transaction; if a later statement fails the revision is left half applied and unrecorded, and even when all run the upgrade reports `cannot commit - no transaction is active`"
        }
        (Statement::Commit { .. }, _) => {
            "COMMIT ends the runner's transaction: what came before it stays applied, and the upgrade then fails (`ROLLBACK TO SAVEPOINT can only be used in transaction blocks`) with the revision unrecorded, so running it again meets those statements a second time"
        }
        (Statement::Rollback { savepoint: None, .. }, Backend::Sqlite) => {
            "ROLLBACK undoes what the upgrade did so far and ends the runner's transaction: the statements after it run and are recorded on their own, and the upgrade reports `cannot commit - no transaction is active`"
        }
        (Statement::Rollback { savepoint: None, .. }, _) => {
            "ROLLBACK ends the runner's transaction and undoes everything the upgrade did so far, earlier revisions of the same run included, and the upgrade fails"
        }
        _ => return,
    };
    out.push(Hit {
        code: "transaction-nesting",
        message: format!("the runner runs this revision inside a transaction; {what}"),
        help: "leave the transaction to the runner and take BEGIN/COMMIT out; or set `run_in_transaction = false` in the revision's metadata.toml if it must control its own transactions".into(),
    });
}

/// `SET lock_timeout = ...` / `SET statement_timeout = ...` (PostgreSQL),
/// `SET lock_wait_timeout = ...` (MySQL/MariaDB): a timeout for the
/// statements after it. Zero turns it off.
fn timeouts_set(set: &Set, ctx: &mut Context<'_>) {
    let assignments: Vec<(&ObjectName, &Expr)> = match set {
        Set::SingleAssignment {
            variable, values, ..
        } => values.first().map(|v| (variable, v)).into_iter().collect(),
        Set::MultipleAssignments { assignments } => {
            assignments.iter().map(|a| (&a.name, &a.value)).collect()
        }
        _ => Vec::new(),
    };
    for (variable, value) in assignments {
        let name = super::key(variable);
        let on = !matches!(
            value.to_string().trim_matches(['\'', '"']).trim(),
            "0" | "DEFAULT" | "default"
        );
        match (ctx.backend, name.as_str()) {
            (Backend::Postgres, "lock_timeout") | (Backend::Mysql, "lock_wait_timeout") => {
                ctx.lock_timeout = on;
            }
            (Backend::Postgres, "statement_timeout") => ctx.statement_timeout = on,
            _ => {}
        }
    }
}

/// The table whose lock the statement waits for and then holds, blocking
/// others: DDL on a table that existed before the revision, except what
/// takes no lock that blocks reads or writes (`CONCURRENTLY`).
fn blocking_lock(statement: &Statement, parsed: &Parsed, ctx: &Context<'_>) -> Option<String> {
    if ctx.backend == Backend::Sqlite {
        return None;
    }
    let existing = |n: &ObjectName| ctx.existing(n).then(|| shown(n));
    match statement {
        Statement::AlterTable { name, .. } => existing(name),
        Statement::CreateIndex(index) if !index.concurrently => existing(&index.table_name),
        Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        } => names.iter().find_map(existing),
        Statement::Drop {
            object_type: ObjectType::Index,
            names,
            table,
            ..
        } if !parsed.drop_concurrently => match table {
            Some(t) => existing(t),
            None => names.first().map(|n| format!("the table of {}", shown(n))),
        },
        Statement::Truncate { table_names, .. } => {
            table_names.first().and_then(|t| existing(&t.name))
        }
        Statement::RenameTable(renames) => renames.first().and_then(|r| existing(&r.old_name)),
        _ => None,
    }
}

fn timeouts(table: &str, ctx: &mut Context<'_>, out: &mut Vec<Hit>) {
    if !ctx.lock_timeout && !ctx.timeouts_said.0 {
        ctx.timeouts_said.0 = true;
        let (what, set) = match ctx.backend {
            Backend::Mysql => ("waits for the metadata lock on {table} for as long as `lock_wait_timeout` allows (a year by default) while a running transaction uses the table, and every query of the table that comes after it waits behind it", "SET SESSION lock_wait_timeout = 5"),
            _ => ("waits for its lock on {table} with no lock timeout while a running query or open transaction uses the table, and every query of the table that comes after it, reads included, queues behind it", "SET lock_timeout = '2s'"),
        };
        out.push(Hit {
            code: "require-lock-timeout",
            message: what.replace("{table}", table),
            help: format!("set `statement_lock_timeout = 2` in schema.ini's main section or the revision's metadata.toml (the runner applies it around the revision's statements and `lock_timeout_retries` retries it), or `{set}` at the top of up.sql"),
        });
    }
    if ctx.backend == Backend::Postgres && !ctx.statement_timeout && !ctx.timeouts_said.1 {
        ctx.timeouts_said.1 = true;
        out.push(Hit {
            code: "require-statement-timeout",
            message: format!("holds its lock on {table} for as long as the statement runs, with no statement timeout: a scan or rewrite that takes longer than planned keeps the table's readers or writers waiting until it ends"),
            help: "set `statement_timeout = 60` in schema.ini's main section or the revision's metadata.toml, or `SET statement_timeout = '60s'` at the top of up.sql".into(),
        });
    }
}

/// PostgreSQL, a revision run outside a transaction: the statements
/// before its last that cannot run a second time once they ran, so that a
/// revision which failed partway cannot simply be run again. (The last
/// statement, or one alone, either ran and the revision is recorded, or
/// failed and left nothing: each statement is atomic.)
fn robust(statement: &Statement, out: &mut Vec<Hit>) {
    let mut hit = |what: String, how: &str| {
        out.push(Hit {
            code: "prefer-robust-stmts",
            message: format!("the runner runs this revision outside a transaction, so if a later statement fails this one stays done, and running the revision again fails here: {what}"),
            help: format!("{how}; or let the runner run the revision in a transaction (`run_in_transaction = true`) unless it needs CONCURRENTLY"),
        });
    };
    match statement {
        Statement::CreateTable(t) if !t.if_not_exists => {
            hit(
                format!("CREATE TABLE {} without IF NOT EXISTS", t.name),
                "CREATE TABLE IF NOT EXISTS",
            );
        }
        // IF NOT EXISTS would keep the INVALID index a failed CONCURRENTLY
        // build leaves; its help says to drop that index instead.
        Statement::CreateIndex(i) if !i.if_not_exists && !i.concurrently => {
            let name = i.name.as_ref().map(|n| format!(" {n}")).unwrap_or_default();
            hit(
                format!("CREATE INDEX{name} without IF NOT EXISTS"),
                "CREATE INDEX IF NOT EXISTS",
            );
        }
        Statement::Drop {
            object_type,
            if_exists: false,
            names,
            ..
        } => {
            let first = names.first().map(ToString::to_string).unwrap_or_default();
            hit(
                format!("DROP {object_type} {first} without IF EXISTS"),
                "DROP ... IF EXISTS",
            );
        }
        Statement::AlterTable { operations, .. } => {
            for op in operations {
                match op {
                    AlterTableOperation::AddColumn {
                        if_not_exists: false,
                        column_def,
                        ..
                    } => hit(
                        format!("ADD COLUMN {} without IF NOT EXISTS", column_def.name),
                        "ADD COLUMN IF NOT EXISTS",
                    ),
                    AlterTableOperation::DropColumn {
                        if_exists: false,
                        column_names,
                        ..
                    } => hit(
                        format!(
                            "DROP COLUMN {} without IF EXISTS",
                            column_names
                                .first()
                                .map(ToString::to_string)
                                .unwrap_or_default()
                        ),
                        "DROP COLUMN IF EXISTS",
                    ),
                    AlterTableOperation::DropConstraint {
                        if_exists: false,
                        name,
                        ..
                    } => hit(
                        format!("DROP CONSTRAINT {name} without IF EXISTS"),
                        "DROP CONSTRAINT IF EXISTS",
                    ),
                    AlterTableOperation::AddConstraint { constraint, .. } => {
                        let name = match constraint {
                            TableConstraint::Check { name, .. }
                            | TableConstraint::ForeignKey { name, .. }
                            | TableConstraint::Unique { name, .. }
                            | TableConstraint::PrimaryKey { name, .. } => name.as_ref(),
                            _ => None,
                        };
                        let name = name.map(|n| format!(" {n}")).unwrap_or_default();
                        hit(
                            format!(
                                "ADD CONSTRAINT{name} (PostgreSQL has no IF NOT EXISTS for it)"
                            ),
                            "`ALTER TABLE ... DROP CONSTRAINT IF EXISTS` just before it",
                        );
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}
