//! The text of schema.rs, line by line as diesel_cli 2.3 writes it before
//! rustfmt: `sql_types`, `table!`, `joinable!` and
//! `allow_tables_to_appear_in_same_query!`.

use std::collections::{BTreeSet, HashSet};

use heck::ToUpperCamelCase;

use super::infer::{
    rust_name_for_sql_name, ColumnType, ForeignKeyConstraint, TableData, TableName,
};
use super::settings::{AllowTablesConfig, DocConfig, PrintSchemaSettings};
use crate::url::Backend;

const HEADER: &str = "// @generated automatically by Diesel CLI.";

/// Lines with an indentation level; blank lines carry no indentation.
#[derive(Default)]
struct Out {
    text: String,
    level: usize,
}

impl Out {
    fn line(&mut self, s: &str) {
        if !s.is_empty() {
            let indent = "    ".repeat(self.level);
            self.text.push_str(&indent);
            // diesel's writer indents after every line break, those inside
            // a string literal (a name with a line break) too.
            self.text.push_str(&s.replace('\n', &format!("\n{indent}")));
        }
        self.text.push('\n');
    }

    fn blank(&mut self) {
        self.text.push('\n');
    }

    fn docs(&mut self, doc: &str) {
        for l in doc.lines() {
            let l = l.trim();
            if l.is_empty() {
                self.line("///");
            } else {
                self.line(&format!("/// {l}"));
            }
        }
    }
}

/// A string literal for an attribute: raw when it holds a quote.
fn rust_string(s: &str) -> String {
    if s.contains('"') {
        let hashes = "#".repeat(s.matches('#').count() + 1);
        format!("r{hashes}\"{s}\"{hashes}")
    } else {
        format!("\"{s}\"")
    }
}

/// SQL types diesel defines itself, per backend: no definition is
/// generated for these.
fn diesel_types(backend: Backend) -> HashSet<&'static str> {
    let common = [
        "Bool",
        "Integer",
        "SmallInt",
        "BigInt",
        "Binary",
        "Text",
        "Double",
        "Float",
        "Numeric",
        "Timestamp",
        "Date",
        "Time",
        "Float4",
        "Smallint",
        "Int2",
        "Int4",
        "Int8",
        "Bigint",
        "Float8",
        "Decimal",
        "VarChar",
        "Varchar",
        "Char",
        "Tinytext",
        "Mediumtext",
        "Longtext",
        "Tinyblob",
        "Blob",
        "Mediumblob",
        "Longblob",
        "Varbinary",
        "Bit",
    ];
    let pg = [
        "Cidr",
        "Citext",
        "Inet",
        "Jsonb",
        "MacAddr",
        "MacAddr8",
        "Money",
        "Oid",
        "Range",
        "Timestamptz",
        "Uuid",
        "Json",
        "PgLsn",
        "Record",
        "Interval",
        "Int4range",
        "Int8range",
        "Daterange",
        "Numrange",
        "Tsrange",
        "Tstzrange",
        "Int4multirange",
        "Int8multirange",
        "Datemultirange",
        "Nummultirange",
        "Tsmultirange",
        "Tstzmultirange",
        "SmallSerial",
        "BigSerial",
        "Serial",
        "Bytea",
        "Bpchar",
        "Macaddr",
        "Macaddr8",
    ];
    let mysql = ["TinyInt", "Tinyint", "Datetime", "Json"];
    let mut set: HashSet<&str> = common.into_iter().collect();
    match backend {
        Backend::Postgres => set.extend(pg),
        Backend::Mysql => set.extend(mysql),
        Backend::Sqlite => {}
    }
    set
}

/// Per table, per column: the generated SQL type that replaces the
/// column's own, if any.
pub(crate) fn custom_type_overrides(
    backend: Backend,
    tables: &[TableData],
    settings: &PrintSchemaSettings,
) -> Option<Vec<Vec<Option<ColumnType>>>> {
    if !settings
        .generate_missing_sql_type_definitions
        .unwrap_or(true)
    {
        return None;
    }
    let known = diesel_types(backend);
    Some(
        tables
            .iter()
            .map(|t| {
                t.columns
                    .iter()
                    .map(|c| {
                        let ty = &c.ty;
                        if known.contains(ty.rust_name.as_str())
                            || settings
                                .except_custom_type_definitions
                                .iter()
                                .any(|r| r.is_match(&ty.rust_name))
                        {
                            return None;
                        }
                        let mut ty = ty.clone();
                        if backend == Backend::Mysql {
                            // MySQL types (enum, set) belong to their column.
                            ty.rust_name =
                                format!("{} {} {}", t.name.rust_name, c.rust_name, ty.rust_name)
                                    .to_upper_camel_case();
                        }
                        Some(ty)
                    })
                    .collect()
            })
            .collect(),
    )
}

/// Everything one configuration prints, before rustfmt.
pub(crate) struct Definitions<'a> {
    pub backend: Backend,
    pub tables: &'a [TableData],
    pub foreign_keys: &'a [ForeignKeyConstraint],
    pub settings: &'a PrintSchemaSettings,
    pub overrides: Option<Vec<Vec<Option<ColumnType>>>>,
}

impl Definitions<'_> {
    /// The whole file.
    pub fn render(&self) -> Result<String, super::PrintSchemaError> {
        let mut out = Out::default();
        out.line(HEADER);
        out.blank();
        match &self.settings.schema {
            Some(schema) => {
                out.line(&format!(
                    "pub mod {} {{",
                    rust_name_for_sql_name(schema, None)
                ));
                out.level += 1;
                self.custom_types(&mut out)?;
                self.tables(&mut out);
                out.level -= 1;
                out.line("}");
            }
            None => {
                self.custom_types(&mut out)?;
                self.tables(&mut out);
            }
        }
        Ok(out.text)
    }

    fn custom_types(&self, out: &mut Out) -> Result<(), super::PrintSchemaError> {
        let Some(overrides) = &self.overrides else {
            return Ok(());
        };
        let with_docs =
            self.settings.with_docs == DocConfig::DatabaseCommentsFallbackToAutoGeneratedDocComment;
        let derives = format!(
            "#[derive({})]",
            self.settings.custom_type_derives().join(", ")
        );
        // (type, table, column) of each generated type, sorted by name.
        let mut types: Vec<(&ColumnType, &TableName, &str)> = overrides
            .iter()
            .zip(self.tables)
            .flat_map(|(per_column, t)| {
                per_column
                    .iter()
                    .zip(&t.columns)
                    .filter_map(move |(ty, c)| {
                        ty.as_ref().map(|ty| (ty, &t.name, c.rust_name.as_str()))
                    })
            })
            .collect();
        if types.is_empty() {
            return Ok(());
        }
        match self.backend {
            Backend::Sqlite => {
                let names: Vec<&str> = types.iter().map(|(t, _, _)| t.sql_name.as_str()).collect();
                return Err(super::PrintSchemaError::UnsupportedType(names.join(", ")));
            }
            Backend::Postgres => {
                types.sort_by(|a, b| a.0.rust_name.cmp(&b.0.rust_name));
                // The same PostgreSQL type serves every column of it.
                types.dedup_by(|a, b| a.0.rust_name == b.0.rust_name);
            }
            Backend::Mysql => types.sort_by(|a, b| a.0.rust_name.cmp(&b.0.rust_name)),
        }
        if with_docs {
            out.line("/// A module containing custom SQL type definitions");
            out.line("///");
            out.line("/// (Automatically generated by Diesel.)");
        }
        out.line("pub mod sql_types {");
        out.level += 1;
        for (i, (ty, table, column)) in types.iter().enumerate() {
            if i != 0 {
                out.blank();
            }
            match self.backend {
                Backend::Postgres => {
                    if with_docs {
                        let name = match &ty.schema {
                            Some(s) => format!(
                                "{}.{}",
                                s.replace('\n', "\\n"),
                                ty.sql_name.replace('\n', "\\n")
                            ),
                            None => ty.sql_name.replace('\n', "\\n"),
                        };
                        out.line(&format!("/// The `{name}` SQL type"));
                        out.line("///");
                        out.line("/// (Automatically generated by Diesel.)");
                    }
                    out.line(&derives);
                    match &ty.schema {
                        Some(s) => out.line(&format!(
                            "#[diesel(postgres_type(name = {}, schema = {}))]",
                            rust_string(&ty.sql_name),
                            rust_string(s)
                        )),
                        None => out.line(&format!(
                            "#[diesel(postgres_type(name = {}))]",
                            rust_string(&ty.sql_name)
                        )),
                    }
                }
                _ => {
                    if with_docs {
                        let tbl = &table.rust_name;
                        out.line(&format!("/// The `{}` SQL type for the", ty.sql_name));
                        out.line(&format!(
                            "/// [`{tbl}::{column}`](super::{tbl}::{column})) column"
                        ));
                        out.line("///");
                        out.line("/// (Automatically generated by Diesel.)");
                    }
                    out.line(&derives);
                    let mut chars = ty.sql_name.chars();
                    let name: String = match chars.next() {
                        Some(first) => first.to_uppercase().chain(chars).collect(),
                        None => String::new(),
                    };
                    out.line(&format!("#[diesel(mysql_type(name = \"{name}\"))]"));
                }
            }
            out.line(&format!("pub struct {};", ty.rust_name));
        }
        out.level -= 1;
        out.line("}");
        out.blank();
        Ok(())
    }

    fn tables(&self, out: &mut Out) {
        for (i, table) in self.tables.iter().enumerate() {
            if i != 0 {
                out.blank();
            }
            let overrides = self.overrides.as_ref().map(|o| o[i].as_slice());
            self.table(out, table, overrides);
        }
        if !self.foreign_keys.is_empty() {
            out.blank();
        }
        for fk in self.foreign_keys {
            out.line(&format!(
                "diesel::joinable!({} -> {} ({}));",
                fk.child_table.rust_name, fk.parent_table.rust_name, fk.foreign_key_columns_rust[0]
            ));
        }
        let groups: Vec<Vec<&TableName>> =
            match self.settings.allow_tables_to_appear_in_same_query_config {
                AllowTablesConfig::FkRelatedTables => fk_groups(self.tables, self.foreign_keys),
                AllowTablesConfig::AllTables => vec![self.tables.iter().map(|t| &t.name).collect()],
                AllowTablesConfig::None => Vec::new(),
            };
        for (i, group) in groups.into_iter().filter(|g| g.len() >= 2).enumerate() {
            if i == 0 {
                out.blank();
            }
            out.line("diesel::allow_tables_to_appear_in_same_query!(");
            out.level += 1;
            let names: String = group.iter().map(|t| format!("{},", t.rust_name)).collect();
            out.line(&names);
            out.level -= 1;
            out.line(");");
        }
    }

    fn table(&self, out: &mut Out, table: &TableData, overrides: Option<&[Option<ColumnType>]>) {
        out.line("diesel::table! {");
        out.level += 1;
        let mut imported = false;
        for import in self.settings.import_types.iter().flatten() {
            out.line(&format!("use {import};"));
            imported = true;
        }
        let mut seen = HashSet::new();
        for ty in overrides.into_iter().flatten().flatten() {
            if seen.insert(ty.rust_name.as_str()) {
                if !imported {
                    out.line("use diesel::sql_types::*;");
                }
                out.line(&format!("use super::sql_types::{};", ty.rust_name));
                imported = true;
            }
        }
        if imported {
            out.blank();
        }
        let full = table.name.full_sql_name();
        self.docs(out, table.comment.as_deref(), || {
            format!("Representation of the `{full}` table.\n\n(Automatically generated by Diesel.)")
        });
        if table.name.rust_name != table.name.sql_name {
            out.line(&format!("#[sql_name = {}]", rust_string(&full)));
        }
        out.line(&format!(
            "{} ({}) {{",
            table.name,
            table.primary_key.join(", ")
        ));
        out.level += 1;
        for (i, column) in table.columns.iter().enumerate() {
            let ty = overrides.and_then(|o| o[i].as_ref()).unwrap_or(&column.ty);
            self.docs(out, column.comment.as_deref(), || {
                format!(
                    "The `{}` column of the `{full}` table.\n\nIts SQL type is `{ty}`.\n\n(Automatically generated by Diesel.)",
                    column.sql_name
                )
            });
            if column.rust_name != column.sql_name {
                out.line(&format!("#[sql_name = {}]", rust_string(&column.sql_name)));
            }
            if let Some(n) = column.ty.max_length {
                out.line(&format!("#[max_length = {n}]"));
            }
            out.line(&format!("{} -> {ty},", column.rust_name));
        }
        out.level -= 1;
        out.line("}");
        out.level -= 1;
        out.line("}");
    }

    fn docs(&self, out: &mut Out, comment: Option<&str>, generated: impl FnOnce() -> String) {
        match (self.settings.with_docs, comment) {
            (DocConfig::NoDocComments, _) => {}
            (_, Some(comment)) => out.docs(comment),
            (DocConfig::OnlyDatabaseComments, None) => {}
            (DocConfig::DatabaseCommentsFallbackToAutoGeneratedDocComment, None) => {
                out.docs(&generated())
            }
        }
    }
}

/// The tables in groups connected by foreign keys (either direction),
/// each sorted, the groups sorted.
fn fk_groups<'a>(
    tables: &'a [TableData],
    foreign_keys: &'a [ForeignKeyConstraint],
) -> Vec<Vec<&'a TableName>> {
    let mut visited: BTreeSet<&TableName> = BTreeSet::new();
    let mut groups = Vec::new();
    for table in tables {
        if !visited.insert(&table.name) {
            continue;
        }
        let mut group = Vec::new();
        let mut pending = vec![&table.name];
        while let Some(name) = pending.pop() {
            group.push(name);
            for fk in foreign_keys {
                let other = if fk.parent_table == *name {
                    &fk.child_table
                } else if fk.child_table == *name {
                    &fk.parent_table
                } else {
                    continue;
                };
                if visited.insert(other) {
                    pending.push(other);
                }
            }
        }
        group.sort();
        groups.push(group);
    }
    groups.sort();
    groups
}
