//! From the schema model to what `diesel print-schema` 2.3 prints: which
//! tables, their Rust names, diesel's SQL type for each column and the
//! foreign keys it turns into `joinable!`. The rules are diesel_cli's
//! (`infer_schema_internals`), applied to a model read once instead of to
//! queries issued table by table.

use std::cmp::Ordering;
use std::fmt;

use heck::ToUpperCamelCase;

use super::settings::{ColumnSorting, DocConfig, PrintSchemaSettings};
pub(crate) use super::types::ColumnType;
use super::types::{mysql_type, sqlite_type};
use super::PrintSchemaError;
use crate::schema::model::{Schema, Table};
use crate::url::Backend;

/// The schema diesel uses for unqualified PostgreSQL names, whatever
/// `search_path` says.
const PG_DEFAULT_SCHEMA: &str = "public";

/// A table's SQL and Rust names. Field order is the sort order diesel uses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TableName {
    pub sql_name: String,
    pub rust_name: String,
    pub schema: Option<String>,
    pub rust_schema: Option<String>,
}

impl TableName {
    fn new(name: &str, schema: Option<&str>) -> Self {
        TableName {
            sql_name: name.to_owned(),
            rust_name: rust_name_for_sql_name(name, None),
            schema: schema.map(str::to_owned),
            rust_schema: schema.map(|s| rust_name_for_sql_name(s, None)),
        }
    }

    /// `schema.name` as SQL sees it.
    pub fn full_sql_name(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.sql_name),
            None => self.sql_name.clone(),
        }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rust_schema {
            Some(s) => write!(f, "{s}.{}", self.rust_name),
            None => f.write_str(&self.rust_name),
        }
    }
}

/// One column of a `table!`.
#[derive(Debug, Clone)]
pub(crate) struct ColumnData {
    pub sql_name: String,
    pub rust_name: String,
    pub ty: ColumnType,
    pub comment: Option<String>,
}

/// One `table!`.
#[derive(Debug)]
pub(crate) struct TableData {
    pub name: TableName,
    pub primary_key: Vec<String>,
    pub columns: Vec<ColumnData>,
    pub comment: Option<String>,
}

/// A foreign key as diesel sees it. Field order is the sort order diesel
/// uses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ForeignKeyConstraint {
    pub child_table: TableName,
    pub parent_table: TableName,
    pub foreign_key_columns: Vec<String>,
    pub foreign_key_columns_rust: Vec<String>,
    pub primary_key_columns: Vec<String>,
}

impl ForeignKeyConstraint {
    fn ordered_tables(&self) -> (&TableName, &TableName) {
        if self.parent_table <= self.child_table {
            (&self.parent_table, &self.child_table)
        } else {
            (&self.child_table, &self.parent_table)
        }
    }
}

/// Whether diesel must rename `name` to use it as a Rust identifier.
fn is_reserved_name(name: &str) -> bool {
    syn::parse_str::<syn::Ident>(name).is_err()
        || ["table", "columns", "is_nullable"].contains(&name)
        // A trailing underscore is how a reserved name gets unreserved, so
        // such names stay as they are.
        || (name.starts_with("__") && !name.ends_with('_'))
}

/// diesel's Rust identifier for an SQL name: characters outside
/// `[A-Za-z0-9_]` become one `_` per run, a leading digit gets a `_` in
/// front, and reserved names (or a column named like its table) get a `_`
/// after.
pub(crate) fn rust_name_for_sql_name(sql_name: &str, table: Option<&TableName>) -> String {
    let mappable = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let name = if sql_name.starts_with(|c: char| c.is_ascii_digit()) {
        collapse(String::from("_"), sql_name, true)
    } else {
        match sql_name.find(|c: char| !mappable(c)) {
            Some(idx) => collapse(sql_name[..idx].to_owned(), &sql_name[idx..], false),
            None => sql_name.to_owned(),
        }
    };
    if is_reserved_name(&name) || table.is_some_and(|t| t.rust_name == name) {
        format!("{name}_")
    } else {
        name
    }
}

fn collapse(mut out: String, tail: &str, mut after_underscore: bool) -> String {
    for c in tail.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
            after_underscore = false;
        } else {
            if !after_underscore {
                out.push('_');
            }
            after_underscore = true;
        }
    }
    out
}

/// What diesel reads of a database before it renders anything.
pub(crate) struct Inferred {
    pub tables: Vec<TableData>,
    pub foreign_keys: Vec<ForeignKeyConstraint>,
}

/// The tables (filtered), their data and the foreign keys safe to turn into
/// `joinable!`, as `diesel print-schema` computes them.
pub(crate) fn infer(
    schema: &Schema,
    settings: &PrintSchemaSettings,
) -> Result<Inferred, PrintSchemaError> {
    let reader = Reader::new(schema, settings)?;
    let all_names = reader.table_names();
    let names: Vec<TableName> = all_names
        .iter()
        .filter(|t| !settings.filter.should_ignore(&t.sql_name))
        .cloned()
        .collect();
    let foreign_keys = reader.foreign_keys(&all_names)?;
    let safe = reader.safe_foreign_keys(&foreign_keys, &names)?;
    let tables = names
        .into_iter()
        .map(|name| reader.table_data(name, &foreign_keys))
        .collect::<Result<_, _>>()?;
    Ok(Inferred {
        tables,
        foreign_keys: safe,
    })
}

/// The model seen through one `[print_schema]` configuration.
struct Reader<'a> {
    schema: &'a Schema,
    settings: &'a PrintSchemaSettings,
    /// The schema diesel treats as "no schema".
    default_schema: Option<String>,
    /// The schema whose tables are printed.
    db_schema: Option<String>,
}

impl<'a> Reader<'a> {
    fn new(
        schema: &'a Schema,
        settings: &'a PrintSchemaSettings,
    ) -> Result<Self, PrintSchemaError> {
        let default_schema = match schema.backend {
            Backend::Sqlite => {
                if settings.schema.is_some() {
                    return Err(PrintSchemaError::SqliteSchema);
                }
                None
            }
            Backend::Postgres => Some(PG_DEFAULT_SCHEMA.to_owned()),
            Backend::Mysql => schema.default_schema.clone(),
        };
        let db_schema = settings.schema.clone().or_else(|| default_schema.clone());
        Ok(Reader {
            schema,
            settings,
            default_schema,
            db_schema,
        })
    }

    /// The model's table behind a diesel table name.
    fn table(&self, name: &TableName) -> Option<&'a Table> {
        let schema = name.schema.as_ref().or(self.default_schema.as_ref());
        self.schema.tables.iter().find(|t| {
            let same_name = match self.schema.backend {
                // SQLite resolves names without regard to ASCII case.
                Backend::Sqlite => t.name.eq_ignore_ascii_case(&name.sql_name),
                _ => t.name == name.sql_name,
            };
            same_name && t.schema.as_ref() == schema
        })
    }

    /// A table name with the schema dropped when it is the default one.
    fn name_in(&self, name: &str, schema: Option<&str>) -> TableName {
        let schema = schema.filter(|s| Some(*s) != self.default_schema.as_deref());
        TableName::new(name, schema)
    }

    /// Every table diesel considers, sorted, before the filter.
    fn table_names(&self) -> Vec<TableName> {
        let mut names: Vec<&str> = self
            .schema
            .tables
            .iter()
            .filter(|t| t.schema == self.db_schema)
            .map(|t| t.name.as_str())
            .filter(|n| !n.starts_with("__"))
            .filter(|n| {
                self.schema.backend != Backend::Sqlite
                    || !n.to_ascii_lowercase().starts_with("sqlite")
            })
            .collect();
        names.sort_unstable();
        let shown_schema = self
            .settings
            .schema
            .as_deref()
            .filter(|s| Some(*s) != self.default_schema.as_deref());
        names
            .into_iter()
            .map(|n| TableName::new(n, shown_schema))
            .collect()
    }

    /// A table's primary key as diesel reads it: key order on PostgreSQL
    /// and MySQL; on SQLite the table's column order, or the first rowid
    /// alias no column hides when there is no key.
    fn primary_keys(&self, name: &TableName) -> Vec<String> {
        let Some(table) = self.table(name) else {
            return match self.schema.backend {
                Backend::Sqlite => vec!["rowid".to_owned()],
                _ => Vec::new(),
            };
        };
        let key = table
            .primary_key
            .as_ref()
            .map(|pk| pk.columns.clone())
            .unwrap_or_default();
        if self.schema.backend != Backend::Sqlite {
            return key;
        }
        let in_order: Vec<String> = table
            .columns
            .iter()
            .filter(|c| key.contains(&c.name))
            .map(|c| c.name.clone())
            .collect();
        if !in_order.is_empty() {
            return in_order;
        }
        ["rowid", "oid", "_rowid_"]
            .into_iter()
            .find(|alias| !table.columns.iter().any(|c| c.name == *alias))
            .map(|alias| vec![alias.to_owned()])
            .unwrap_or_default()
    }

    /// Foreign keys of the printed schema, sorted, as diesel loads them.
    fn foreign_keys(
        &self,
        all_names: &[TableName],
    ) -> Result<Vec<ForeignKeyConstraint>, PrintSchemaError> {
        let mut out = Vec::new();
        match self.schema.backend {
            Backend::Sqlite => {
                // One constraint per referencing column, as
                // `PRAGMA foreign_key_list` lists them.
                for child in all_names {
                    let Some(table) = self.table(child) else {
                        continue;
                    };
                    for fk in &table.foreign_keys {
                        let parent = TableName::new(&fk.referenced_table, None);
                        for (i, column) in fk.columns.iter().enumerate() {
                            let primary_key = match fk.referenced_columns.get(i) {
                                Some(c) => vec![c.clone()],
                                None => self.primary_keys(&parent),
                            };
                            out.push(ForeignKeyConstraint {
                                child_table: child.clone(),
                                parent_table: parent.clone(),
                                foreign_key_columns: vec![column.clone()],
                                foreign_key_columns_rust: vec![rust_name_for_sql_name(
                                    column,
                                    Some(child),
                                )],
                                primary_key_columns: primary_key,
                            });
                        }
                    }
                }
            }
            Backend::Postgres | Backend::Mysql => {
                let pg = self.schema.backend == Backend::Postgres;
                for table in self
                    .schema
                    .tables
                    .iter()
                    .filter(|t| t.schema == self.db_schema)
                {
                    let child = self.name_in(&table.name, table.schema.as_deref());
                    for fk in &table.foreign_keys {
                        if pg && fk.referenced_schema != self.db_schema {
                            continue;
                        }
                        let parent =
                            self.name_in(&fk.referenced_table, fk.referenced_schema.as_deref());
                        out.push(ForeignKeyConstraint {
                            child_table: child.clone(),
                            parent_table: parent,
                            foreign_key_columns: fk.columns.clone(),
                            foreign_key_columns_rust: fk
                                .columns
                                .iter()
                                .map(|c| rust_name_for_sql_name(c, Some(&child)))
                                .collect(),
                            primary_key_columns: fk.referenced_columns.clone(),
                        });
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The foreign keys diesel can express as `joinable!`: one column, to
    /// the parent's one-column primary key, between two printed tables,
    /// not self-referencing, and the only key between the two tables.
    fn safe_foreign_keys(
        &self,
        foreign_keys: &[ForeignKeyConstraint],
        safe_tables: &[TableName],
    ) -> Result<Vec<ForeignKeyConstraint>, PrintSchemaError> {
        let duplicated = |fk: &ForeignKeyConstraint| {
            foreign_keys
                .iter()
                .filter(|other| other.ordered_tables() == fk.ordered_tables())
                .count()
                > 1
        };
        let mut out = Vec::new();
        for fk in foreign_keys {
            if fk.parent_table == fk.child_table
                || !safe_tables.contains(&fk.parent_table)
                || !safe_tables.contains(&fk.child_table)
                || fk.foreign_key_columns.len() != 1
            {
                continue;
            }
            let parent_key = self.primary_keys(&fk.parent_table);
            if parent_key.is_empty() {
                return Err(PrintSchemaError::NoPrimaryKey(
                    fk.parent_table.full_sql_name(),
                ));
            }
            if parent_key.len() != 1 || fk.primary_key_columns.first() != Some(&parent_key[0]) {
                continue;
            }
            if duplicated(fk) {
                continue;
            }
            out.push(fk.clone());
        }
        Ok(out)
    }

    /// One `table!`'s data.
    fn table_data(
        &self,
        name: TableName,
        foreign_keys: &[ForeignKeyConstraint],
    ) -> Result<TableData, PrintSchemaError> {
        let Some(table) = self.table(&name) else {
            return Err(PrintSchemaError::NoTable(name.full_sql_name()));
        };
        let comment = match self.settings.with_docs {
            DocConfig::NoDocComments => None,
            _ => table.comment.clone(),
        };
        let primary_key = self.primary_keys(&name);
        if primary_key.is_empty() {
            return Err(PrintSchemaError::NoPrimaryKey(name.full_sql_name()));
        }
        let mut columns: Vec<ColumnData> = Vec::new();
        let mut model_columns: Vec<&crate::schema::model::Column> = table.columns.iter().collect();
        let sqlite = self.schema.backend == Backend::Sqlite;
        let rowid_pk = sqlite
            && primary_key.len() == 1
            && !model_columns.iter().any(|c| c.name == primary_key[0]);
        match self.settings.column_sorting {
            ColumnSorting::OrdinalPosition => {}
            ColumnSorting::Name => match self.schema.backend {
                // information_schema sorts names in its case-insensitive
                // collation on MySQL/MariaDB.
                Backend::Mysql => model_columns.sort_by(|a, b| {
                    cmp_ignore_case(&a.name, &b.name).then_with(|| a.name.cmp(&b.name))
                }),
                _ => model_columns.sort_by(|a, b| a.name.cmp(&b.name)),
            },
        }
        for column in model_columns {
            let ty = self.column_type(table, &name, column, &primary_key, foreign_keys)?;
            columns.push(ColumnData {
                rust_name: rust_name_for_sql_name(&column.name, Some(&name)),
                sql_name: column.name.clone(),
                ty,
                comment: match self.settings.with_docs {
                    DocConfig::NoDocComments => None,
                    _ => column.comment.clone(),
                },
            });
        }
        if rowid_pk {
            // The rowid is no column of the table, yet diesel needs it as
            // the key: it comes first, before any sorting by name.
            let column = ColumnData {
                sql_name: primary_key[0].clone(),
                rust_name: rust_name_for_sql_name(&primary_key[0], Some(&name)),
                // Typed like a declared `Integer` rowid alias, so
                // sqlite_integer_primary_key_is_bigint applies to it too.
                ty: sqlite_type(
                    "Integer",
                    false,
                    self.settings.sqlite_integer_primary_key_is_bigint == Some(true),
                    || !table.without_rowid,
                )?,
                comment: None,
            };
            columns.insert(0, column);
            if self.settings.column_sorting == ColumnSorting::Name {
                columns.sort_by(|a, b| a.sql_name.cmp(&b.sql_name));
            }
        }
        let primary_key = primary_key
            .iter()
            .map(|k| rust_name_for_sql_name(k, Some(&name)))
            .collect();
        Ok(TableData {
            name,
            primary_key,
            columns,
            comment,
        })
    }

    fn column_type(
        &self,
        table: &Table,
        name: &TableName,
        column: &crate::schema::model::Column,
        primary_key: &[String],
        foreign_keys: &[ForeignKeyConstraint],
    ) -> Result<ColumnType, PrintSchemaError> {
        match self.schema.backend {
            Backend::Postgres => Ok(self.pg_type(column)),
            // information_schema reports a length for `text` and `enum`
            // too; diesel keeps only a declared one.
            Backend::Mysql => mysql_type(
                &column.data_type,
                column.nullable,
                column.max_length.filter(|_| column.data_type.contains('(')),
            ),
            Backend::Sqlite => {
                let bigint_keys = self.settings.sqlite_integer_primary_key_is_bigint == Some(true);
                let is_row_id = || {
                    if is_rowid_alias(table, primary_key, &column.name, &column.data_type) {
                        return true;
                    }
                    // A column whose one-column foreign key points at a
                    // rowid alias is a rowid too.
                    // diesel keys its map by the Rust name and looks it up
                    // by the SQL name; the last key of a column wins.
                    let Some(fk) = foreign_keys.iter().rev().find(|fk| {
                        fk.child_table == *name
                            && fk.foreign_key_columns.len() == 1
                            && fk.foreign_key_columns_rust[0] == column.name
                    }) else {
                        return false;
                    };
                    let parent_key = self.primary_keys(&fk.parent_table);
                    match (self.table(&fk.parent_table), parent_key.as_slice()) {
                        (Some(parent), [id]) => is_rowid_alias(parent, &parent_key, id, "integer"),
                        _ => false,
                    }
                };
                sqlite_type(&column.data_type, column.nullable, bigint_keys, is_row_id)
            }
        }
    }

    fn pg_type(&self, column: &crate::schema::model::Column) -> ColumnType {
        let domain = column.domain.as_ref().filter(|(_, domain)| {
            self.settings
                .pg_domains_as_custom_types
                .iter()
                .any(|r| r.is_match(domain))
        });
        let (type_name, type_schema) = match domain {
            Some((schema, name)) => (name.clone(), Some(schema.clone())),
            None => (
                if column.array {
                    format!("_{}", column.data_type)
                } else {
                    column.data_type.clone()
                },
                column.type_schema.clone(),
            ),
        };
        let (is_array, base) = match type_name.strip_prefix('_') {
            Some(base) => (true, base.to_owned()),
            None => (false, type_name.clone()),
        };
        if is_array && matches!(base.to_lowercase().as_str(), "varchar" | "citext") {
            eprintln!(
                "The column `{}` is of type `{base}[]`. This will cause problems when using Diesel. You should consider changing the column type to `text[]`.",
                column.name
            );
        }
        ColumnType {
            schema: type_schema.filter(|s| s != PG_DEFAULT_SCHEMA),
            rust_name: base.to_upper_camel_case(),
            sql_name: base,
            is_array,
            is_nullable: column.nullable,
            is_unsigned: false,
            max_length: column.max_length,
        }
    }
}

fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// SQLite: whether `column` is the table's rowid under another name.
fn is_rowid_alias(table: &Table, primary_key: &[String], column: &str, type_name: &str) -> bool {
    type_name.eq_ignore_ascii_case("integer")
        && matches!(primary_key, [pk] if pk == column)
        && !table.without_rowid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_names_follow_diesel() {
        assert_eq!(rust_name_for_sql_name("users", None), "users");
        assert_eq!(rust_name_for_sql_name("type", None), "type_");
        assert_eq!(rust_name_for_sql_name("table", None), "table_");
        assert_eq!(rust_name_for_sql_name("my table", None), "my_table");
        assert_eq!(rust_name_for_sql_name("a--b c", None), "a_b_c");
        assert_eq!(rust_name_for_sql_name("1st", None), "_1st");
        assert_eq!(rust_name_for_sql_name("__x", None), "__x_");
        let t = TableName::new("users", None);
        assert_eq!(rust_name_for_sql_name("users", Some(&t)), "users_");
    }
}
