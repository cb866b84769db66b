//! Rolling deploys: the release running before the deploy keeps serving
//! while the revisions run, and it uses what its schema.rs declares. A
//! revision that drops or renames one of those tables or columns, or adds
//! a NOT NULL column without a default to one of its tables (its INSERTs
//! omit the column), breaks it until the new release is up. Checked only
//! when that schema.rs is known (`lint --base REF` or
//! `--previous-schema FILE`).

use sqlparser::ast::{AlterTableOperation, ObjectName, ObjectType, RenameTableNameKind, Statement};

use super::{key, schema_of, Context, Hit};
use crate::lint::PreviousRelease;
use crate::schema::diesel::parse::DeclaredTable;

const CODE: &str = "breaks-previous-release";

pub(super) fn check(statement: &Statement, ctx: &Context<'_>, out: &mut Vec<Hit>) {
    if ctx.previous.is_empty() {
        return;
    }
    let rules = Rolling { ctx };
    match statement {
        Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        } => {
            // A rebuild (a new table renamed to this name) keeps the table.
            let dropped = names.iter().filter(|n| !ctx.rebuilt.contains(&key(n)));
            for t in dropped.filter_map(|n| rules.declared(n)) {
                out.push(rules.table(t, "drops", String::new()));
            }
        }
        Statement::RenameTable(renames) => {
            for r in renames {
                if let Some(t) = rules.declared(&r.old_name) {
                    out.push(rules.table(t, "renames", format!(" (to `{}`)", r.new_name)));
                }
            }
        }
        Statement::AlterTable {
            name, operations, ..
        } => match rules.declared(name) {
            Some(t) => {
                for op in operations {
                    rules.alter(t, op, out);
                }
            }
            None => rules.rebuild(name, operations, out),
        },
        _ => {}
    }
}

struct Rolling<'a, 'c> {
    ctx: &'a Context<'c>,
}

/// A table of the previous release, with the schema.rs declaring it.
type Declared<'c> = (&'c PreviousRelease, &'c DeclaredTable);

impl<'c> Rolling<'_, 'c> {
    /// The previous release's table `name`, unless this revision created
    /// it (then it is not the table that release reads).
    fn declared(&self, name: &ObjectName) -> Option<Declared<'c>> {
        if self.ctx.created.contains(&key(name)) {
            return None;
        }
        self.declared_by_name(name)
    }

    fn declared_by_name(&self, name: &ObjectName) -> Option<Declared<'c>> {
        let (schema, table) = (schema_of(name), key(name));
        self.ctx.previous.iter().find_map(|p| {
            let t = p.tables.iter().find(|t| {
                t.name.to_lowercase() == table
                    && match (&schema, &t.schema) {
                        (Some(s), Some(d)) => d.to_lowercase() == *s,
                        _ => true,
                    }
            })?;
            Some((p, t))
        })
    }

    fn table(&self, (p, t): Declared<'_>, verb: &str, extra: String) -> Hit {
        Hit {
            code: CODE,
            message: format!(
                "{verb} table `{}`{extra}, which the previous release's schema.rs declares ({}): that release keeps running during a rolling deploy and fails on every query of it",
                t.name,
                at(p, t.line)
            ),
            help: "take the table out of schema.rs and the code in one release, deploy it, then drop or rename the table in a later revision".into(),
        }
    }

    /// The finding for `column` of `t`, when the previous release declares
    /// that column.
    fn column(&self, (p, t): Declared<'_>, column: &str, verb: &str) -> Option<Hit> {
        let (name, line) = t
            .columns
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(column))?;
        Some(Hit {
            code: CODE,
            message: format!(
                "{verb} column `{name}` of `{}`, which the previous release's schema.rs declares ({}): that release keeps running during a rolling deploy and fails on every query that names it",
                t.name,
                at(p, *line)
            ),
            help: "take the column out of schema.rs and the code in one release, deploy it, then drop or rename the column in a later revision".into(),
        })
    }

    fn alter(&self, declared: Declared<'_>, op: &AlterTableOperation, out: &mut Vec<Hit>) {
        let (p, t) = declared;
        match op {
            AlterTableOperation::DropColumn { column_names, .. } => {
                out.extend(
                    column_names
                        .iter()
                        .filter_map(|c| self.column(declared, &c.value, "drops")),
                );
            }
            AlterTableOperation::RenameColumn {
                old_column_name, ..
            } => out.extend(self.column(declared, &old_column_name.value, "renames")),
            AlterTableOperation::ChangeColumn {
                old_name, new_name, ..
            } if !old_name.value.eq_ignore_ascii_case(&new_name.value) => {
                out.extend(self.column(declared, &old_name.value, "renames"));
            }
            AlterTableOperation::RenameTable { table_name } => {
                let (RenameTableNameKind::As(new) | RenameTableNameKind::To(new)) = table_name;
                out.push(self.table(declared, "renames", format!(" (to `{new}`)")));
            }
            AlterTableOperation::AddColumn { column_def, .. }
                if super::common::not_null_without_default(column_def, self.ctx.backend) =>
            {
                out.push(Hit {
                    code: CODE,
                    message: format!(
                        "adds `{}` NOT NULL without a default to `{}`, which the previous release's schema.rs declares ({}): that release's INSERTs omit the column and fail during a rolling deploy",
                        column_def.name,
                        t.name,
                        at(p, t.line)
                    ),
                    help: "add the column with a DEFAULT (or nullable); drop the default or make it NOT NULL in a revision after the release that writes it is deployed".into(),
                });
            }
            _ => {}
        }
    }

    /// SQLite's rebuild (`CREATE TABLE new ...; DROP TABLE old; ALTER
    /// TABLE new RENAME TO old`): the columns of `old` that `new` lacks
    /// are dropped.
    fn rebuild(&self, name: &ObjectName, operations: &[AlterTableOperation], out: &mut Vec<Hit>) {
        let Some(columns) = self.ctx.created_columns.get(&key(name)) else {
            return;
        };
        for op in operations {
            let AlterTableOperation::RenameTable {
                table_name: RenameTableNameKind::As(old) | RenameTableNameKind::To(old),
            } = op
            else {
                continue;
            };
            let Some(declared) = self.declared_by_name(old) else {
                continue;
            };
            for (column, _) in &declared.1.columns {
                if !columns.contains(&column.to_lowercase()) {
                    out.extend(self.column(
                        declared,
                        column,
                        "drops (by a table rebuild without it)",
                    ));
                }
            }
        }
    }
}

/// `file:line` of a line of `previous`'s schema.rs.
fn at(previous: &PreviousRelease, line: usize) -> String {
    format!("{}:{line}", previous.label)
}
