//! A Galera cluster's own limits (MariaDB's "Galera Cluster Known
//! Limitations"), checked only when the target is a Galera node: `lint`
//! asks the database it is configured for (`wsrep_on`), or `[lint] galera =
//! true` says so. Galera replicates InnoDB rows by primary key at commit,
//! so a table without one, a table of another engine, `LOCK TABLES` and a
//! transaction larger than `wsrep_max_ws_size` each break or stall it.

use sqlparser::ast::{
    AlterTableOperation, ColumnOption, CreateTableOptions, SetExpr, SqlOption, Statement,
    TableConstraint,
};

use super::{shown, Hit};

pub(super) fn check(statement: &Statement, out: &mut Vec<Hit>) {
    match statement {
        Statement::CreateTable(table) => {
            if let Some(engine) = engine(&table.table_options) {
                if !engine.eq_ignore_ascii_case("innodb") {
                    out.push(Hit {
                        code: "galera-non-innodb-table",
                        message: format!(
                            "creates {} with ENGINE={engine}: Galera replicates InnoDB only, so its rows stay on the node that wrote them and the nodes drift apart",
                            shown(&table.name)
                        ),
                        help: "use ENGINE=InnoDB (or leave ENGINE out: InnoDB is the default)".into(),
                    });
                }
            }
            let primary = table.constraints.iter().any(|c| {
                matches!(c, TableConstraint::PrimaryKey { .. })
            }) || table.columns.iter().any(|c| {
                c.options.iter().any(|o| {
                    matches!(o.option, ColumnOption::Unique { is_primary: true, .. })
                })
            });
            if !primary {
                out.push(no_primary_key(&table.name.to_string()));
            }
        }
        Statement::AlterTable {
            name, operations, ..
        } => {
            let dropped = operations
                .iter()
                .any(|op| matches!(op, AlterTableOperation::DropPrimaryKey { .. }));
            let added = operations.iter().any(|op| {
                matches!(
                    op,
                    AlterTableOperation::AddConstraint {
                        constraint: TableConstraint::PrimaryKey { .. },
                        ..
                    }
                )
            });
            if dropped && !added {
                out.push(no_primary_key(&name.to_string()));
            }
        }
        Statement::LockTables { .. } => out.push(Hit {
            code: "galera-lock-tables",
            message: "LOCK TABLES is not supported by Galera: the lock holds on one node only, and other nodes' writes go on".into(),
            help: "drop it: the runner's lock already keeps other runners out, and a single DDL statement runs in total order across the cluster".into(),
        }),
        Statement::Update {
            table, selection, ..
        } if selection.is_none() => {
            let name = table.relation.to_string();
            out.push(large_write(&format!("updates every row of `{name}`")));
        }
        Statement::Delete(delete) if delete.selection.is_none() => {
            out.push(large_write("deletes every row of a table"));
        }
        Statement::Insert(insert)
            if insert
                .source
                .as_ref()
                .is_some_and(|q| !matches!(*q.body, SetExpr::Values(_))) =>
        {
            out.push(large_write(&format!(
                "copies the rows a query returns into `{}`",
                insert.table
            )));
        }
        _ => {}
    }
}

/// The `ENGINE=` of a CREATE TABLE, when it names one.
fn engine(options: &CreateTableOptions) -> Option<String> {
    let CreateTableOptions::Plain(options) = options else {
        return None;
    };
    options.iter().find_map(|o| match o {
        SqlOption::NamedParenthesizedList(list)
            if list.key.value.eq_ignore_ascii_case("engine") =>
        {
            list.name.as_ref().map(|n| n.value.clone())
        }
        _ => None,
    })
}

fn no_primary_key(table: &str) -> Hit {
    Hit {
        code: "galera-table-without-primary-key",
        message: format!(
            "leaves `{table}` without a primary key: Galera certifies and applies rows by key, so each replicated row change scans the table on every other node, and rows can end up in a different order or duplicated"
        ),
        help: "give the table a PRIMARY KEY (an AUTO_INCREMENT id if nothing else)".into(),
    }
}

fn large_write(what: &str) -> Hit {
    Hit {
        code: "galera-large-transaction",
        message: format!(
            "{what} in one transaction: Galera replicates it as one write set, refused above wsrep_max_ws_size (2 GB) or wsrep_max_ws_rows, and the whole cluster waits while the other nodes apply it"
        ),
        help: "move the data in batches of a few thousand rows (a revision with `run_in_transaction = false`, or a job outside the migration)".into(),
    }
}
