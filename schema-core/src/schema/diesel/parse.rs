//! diesel's `schema.rs` read back into the schema model: the desired schema
//! that `generate --autogenerate` compares the live database with.
//!
//! Only what `table!` and `joinable!` say is filled in: names, diesel SQL
//! types, nullability, `#[max_length]`, primary and foreign keys. Whatever
//! they cannot express (defaults, indexes, checks) stays empty here and is
//! taken from the live database by the diff.

use std::path::Path;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, Item, Lit, Macro, Meta, Token, Type};

use crate::schema::{Column, ForeignKey, PrimaryKey, Schema, Table};
use crate::url::Backend;

/// Why schema.rs cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ParseSchemaError {
    /// The file read.
    pub path: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The tables and foreign keys declared in the schema.rs text `source`
/// (read from `path`, named in errors), as a schema of `backend`.
/// `joinable!(child -> parent (fk))` becomes a foreign key from `child.fk`
/// to the parent's primary key.
pub fn parse_schema_rs(
    source: &str,
    path: &Path,
    backend: Backend,
) -> Result<Schema, ParseSchemaError> {
    let error = |span: Span, message: String| ParseSchemaError::at(path, span, message);
    let file = syn::parse_file(source).map_err(|e| error(e.span(), e.to_string()))?;
    let mut tables = Vec::new();
    let mut joins = Vec::new();
    collect(&file.items, &mut tables, &mut joins).map_err(|e| error(e.span(), e.to_string()))?;

    let mut schema = Schema::new(backend, None);
    for join in &joins {
        let no_table = |name: &str| {
            error(
                join.span,
                format!("joinable!: no table `{name}` declared in this file"),
            )
        };
        let parent = tables
            .iter()
            .find(|t| t.rust_name == join.parent)
            .ok_or_else(|| no_table(&join.parent))?;
        let key_width = parent
            .table
            .primary_key
            .as_ref()
            .map_or(0, |k| k.columns.len());
        if key_width != 1 {
            return Err(error(
                join.span,
                format!(
                    "joinable!: `{}` has a primary key of {key_width} columns; joinable! refers to a one-column primary key",
                    join.parent
                ),
            ));
        }
        let foreign_key = ForeignKey {
            name: None,
            columns: Vec::new(),
            referenced_schema: parent.table.schema.clone(),
            referenced_table: parent.table.name.clone(),
            referenced_columns: parent
                .table
                .primary_key
                .as_ref()
                .map(|k| k.columns.clone())
                .unwrap_or_default(),
            on_update: "NO ACTION".into(),
            on_delete: "NO ACTION".into(),
        };
        let child = tables
            .iter_mut()
            .find(|t| t.rust_name == join.child)
            .ok_or_else(|| no_table(&join.child))?;
        let column = child
            .column_names
            .iter()
            .find(|(rust, _)| *rust == join.column)
            .map(|(_, sql)| sql.clone())
            .ok_or_else(|| {
                error(
                    join.span,
                    format!(
                        "joinable!: table `{}` has no column `{}`",
                        join.child, join.column
                    ),
                )
            })?;
        child.table.foreign_keys.push(ForeignKey {
            columns: vec![column],
            ..foreign_key
        });
    }
    schema.tables = tables.into_iter().map(|t| t.table).collect();
    schema.sort();
    Ok(schema)
}

/// Where a schema.rs declares one table and its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredTable {
    /// The table's schema (`table! { billing.invoices ... }`).
    pub schema: Option<String>,
    /// Its SQL name (`#[sql_name]` when given).
    pub name: String,
    /// 1-based line of its name in the file.
    pub line: usize,
    /// Each column's SQL name and 1-based line.
    pub columns: Vec<(String, usize)>,
}

impl ParseSchemaError {
    /// The error at `span` of the file `path` (columns counted from 1).
    fn at(path: &Path, span: Span, message: String) -> Self {
        let start = span.start();
        ParseSchemaError {
            path: path.display().to_string(),
            line: start.line,
            column: start.column + 1,
            message,
        }
    }
}

/// The tables the schema.rs text `source` declares, with the line of each
/// table and column: what `lint --previous-schema` points at when a
/// revision removes something the previous release still uses.
pub fn declared_tables(source: &str, path: &Path) -> Result<Vec<DeclaredTable>, ParseSchemaError> {
    let error = |span: Span, message: String| ParseSchemaError::at(path, span, message);
    let file = syn::parse_file(source).map_err(|e| error(e.span(), e.to_string()))?;
    let mut defs = Vec::new();
    collect_defs(&file.items, &mut defs).map_err(|e| error(e.span(), e.to_string()))?;
    Ok(defs
        .into_iter()
        .map(|def| DeclaredTable {
            schema: def.schema.clone(),
            name: def.sql_name.clone().unwrap_or_else(|| unraw(&def.name)),
            line: def.name.span().start().line,
            columns: def
                .columns
                .iter()
                .map(|c| {
                    let name = c.sql_name.clone().unwrap_or_else(|| unraw(&c.name));
                    (name, c.name.span().start().line)
                })
                .collect(),
        })
        .collect())
}

fn collect_defs(items: &[Item], defs: &mut Vec<TableDef>) -> syn::Result<()> {
    for item in items {
        match item {
            Item::Macro(m)
                if m.mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "table") =>
            {
                defs.push(m.mac.parse_body()?);
            }
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_defs(items, defs)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A table with the Rust names `joinable!` refers to it and its columns
/// by, which differ from the SQL names under `#[sql_name]`.
struct ParsedTable {
    rust_name: String,
    /// `(rust name, SQL name)` of each column.
    column_names: Vec<(String, String)>,
    table: Table,
}

struct Join {
    child: String,
    parent: String,
    column: String,
    span: Span,
}

fn collect(
    items: &[Item],
    tables: &mut Vec<ParsedTable>,
    joins: &mut Vec<Join>,
) -> syn::Result<()> {
    for item in items {
        match item {
            Item::Macro(m) => visit_macro(&m.mac, tables, joins)?,
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect(items, tables, joins)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn visit_macro(
    mac: &Macro,
    tables: &mut Vec<ParsedTable>,
    joins: &mut Vec<Join>,
) -> syn::Result<()> {
    let Some(last) = mac.path.segments.last() else {
        return Ok(());
    };
    match last.ident.to_string().as_str() {
        "table" => {
            let def: TableDef = mac.parse_body()?;
            tables.push(def.into_table()?);
        }
        "joinable" => {
            let def: JoinableDef = mac.parse_body()?;
            joins.push(Join {
                child: def.child.to_string(),
                parent: def.parent.to_string(),
                column: unraw(&def.column),
                span: mac.span(),
            });
        }
        _ => {}
    }
    Ok(())
}

/// The body of `table!`: `use` lines, then one table.
struct TableDef {
    sql_name: Option<String>,
    schema: Option<String>,
    name: Ident,
    primary_key: Vec<Ident>,
    columns: Vec<ColumnDef>,
}

struct ColumnDef {
    name: Ident,
    sql_name: Option<String>,
    max_length: Option<u64>,
    ty: Type,
}

impl Parse for TableDef {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        while input.peek(Token![use]) {
            input.parse::<syn::ItemUse>()?;
        }
        let attrs = input.call(Attribute::parse_outer)?;
        let sql_name = string_attr(&attrs, "sql_name")?;
        let first: Ident = input.call(Ident::parse_any)?;
        let (schema, name) = if input.peek(Token![.]) {
            input.parse::<Token![.]>()?;
            (Some(unraw(&first)), input.call(Ident::parse_any)?)
        } else {
            (None, first)
        };
        let primary_key = if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?
                .into_iter()
                .collect()
        } else {
            // diesel's default when no key is written.
            vec![Ident::new("id", name.span())]
        };
        let content;
        syn::braced!(content in input);
        let mut columns = Vec::new();
        while !content.is_empty() {
            let attrs = content.call(Attribute::parse_outer)?;
            let name: Ident = content.call(Ident::parse_any)?;
            content.parse::<Token![->]>()?;
            let ty: Type = content.parse()?;
            columns.push(ColumnDef {
                name,
                sql_name: string_attr(&attrs, "sql_name")?,
                max_length: int_attr(&attrs, "max_length")?,
                ty,
            });
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        Ok(TableDef {
            sql_name,
            schema,
            name,
            primary_key,
            columns,
        })
    }
}

impl TableDef {
    fn into_table(self) -> syn::Result<ParsedTable> {
        let rust_name = unraw(&self.name);
        let sql_name = self.sql_name.unwrap_or_else(|| rust_name.clone());
        let mut table = Table::new(self.schema, sql_name);
        let mut column_names = Vec::new();
        for (i, c) in self.columns.iter().enumerate() {
            let rust = unraw(&c.name);
            let name = c.sql_name.clone().unwrap_or_else(|| rust.clone());
            let (sql_type, nullable) = sql_type_of(&c.ty);
            let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let mut column = Column::new(name.clone(), position, sql_type.clone());
            column.sql_type = Some(sql_type);
            column.nullable = nullable;
            column.max_length = c.max_length;
            table.columns.push(column);
            column_names.push((rust, name));
        }
        let key = self
            .primary_key
            .iter()
            .map(|k| {
                let rust = unraw(k);
                column_names
                    .iter()
                    .find(|(r, _)| *r == rust)
                    .map(|(_, sql)| sql.clone())
                    .ok_or_else(|| {
                        syn::Error::new(
                            k.span(),
                            format!("primary key column `{rust}` is not a column of `{rust_name}`"),
                        )
                    })
            })
            .collect::<syn::Result<_>>()?;
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: key,
        });
        Ok(ParsedTable {
            rust_name,
            column_names,
            table,
        })
    }
}

/// The SQL type of a column without `Nullable`, as written (`Int4`,
/// `Array<Text>`, `crate::schema::sql_types::Mood`), and whether it is
/// nullable.
fn sql_type_of(ty: &Type) -> (String, bool) {
    if let Type::Path(p) = ty {
        if let Some(last) = p.path.segments.last() {
            if last.ident == "Nullable" {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return (type_text(inner), true);
                    }
                }
            }
        }
    }
    (type_text(ty), false)
}

fn type_text(ty: &Type) -> String {
    quote::quote!(#ty).to_string().replace(' ', "")
}

fn unraw(ident: &Ident) -> String {
    ident.unraw().to_string()
}

fn attr_value<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Expr> {
    attrs.iter().find_map(|a| match &a.meta {
        Meta::NameValue(nv) if nv.path.is_ident(name) => Some(&nv.value),
        _ => None,
    })
}

fn string_attr(attrs: &[Attribute], name: &str) -> syn::Result<Option<String>> {
    match attr_value(attrs, name) {
        None => Ok(None),
        Some(Expr::Lit(l)) => match &l.lit {
            Lit::Str(s) => Ok(Some(s.value())),
            other => Err(syn::Error::new(
                other.span(),
                format!("#[{name}] takes a string"),
            )),
        },
        Some(other) => Err(syn::Error::new(
            other.span(),
            format!("#[{name}] takes a string"),
        )),
    }
}

fn int_attr(attrs: &[Attribute], name: &str) -> syn::Result<Option<u64>> {
    match attr_value(attrs, name) {
        None => Ok(None),
        Some(Expr::Lit(l)) => match &l.lit {
            Lit::Int(i) => Ok(Some(i.base10_parse()?)),
            other => Err(syn::Error::new(
                other.span(),
                format!("#[{name}] takes an integer"),
            )),
        },
        Some(other) => Err(syn::Error::new(
            other.span(),
            format!("#[{name}] takes an integer"),
        )),
    }
}

/// The body of `joinable!`: `child -> parent (column)`.
struct JoinableDef {
    child: Ident,
    parent: Ident,
    column: Ident,
}

impl Parse for JoinableDef {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let child = input.call(Ident::parse_any)?;
        input.parse::<Token![->]>()?;
        let parent = input.call(Ident::parse_any)?;
        let content;
        syn::parenthesized!(content in input);
        let column = content.call(Ident::parse_any)?;
        Ok(JoinableDef {
            child,
            parent,
            column,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"
// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "mood"))]
    pub struct Mood;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Mood;

    #[sql_name = "Users"]
    users (id) {
        id -> Int4,
        #[max_length = 20]
        name -> Varchar,
        #[sql_name = "type"]
        r#type -> Nullable<Text>,
        mood -> Nullable<Mood>,
        tags -> Array<Nullable<Text>>,
    }
}

pub mod audit {
    diesel::table! {
        audit.entries (user_id, at) {
            user_id -> Int4,
            at -> Timestamp,
        }
    }
}

table! {
    posts {
        id -> Int8,
        author -> Int4,
    }
}

diesel::joinable!(posts -> users (author));
"#;

    #[test]
    fn reads_tables_columns_and_keys() {
        let schema =
            parse_schema_rs(SOURCE, Path::new("src/schema.rs"), Backend::Postgres).unwrap();
        let names: Vec<_> = schema.tables.iter().map(Table::qualified_name).collect();
        assert_eq!(names, ["Users", "posts", "audit.entries"]);

        let users = &schema.tables[0];
        let cols: Vec<_> = users
            .columns
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.sql_type.as_deref().unwrap(),
                    c.nullable,
                    c.max_length,
                )
            })
            .collect();
        assert_eq!(
            cols,
            [
                ("id", "Int4", false, None),
                ("name", "Varchar", false, Some(20)),
                ("type", "Text", true, None),
                ("mood", "Mood", true, None),
                ("tags", "Array<Nullable<Text>>", false, None),
            ]
        );
        assert_eq!(users.primary_key.as_ref().unwrap().columns, ["id"]);

        let entries = &schema.tables[2];
        assert_eq!(entries.schema.as_deref(), Some("audit"));
        assert_eq!(
            entries.primary_key.as_ref().unwrap().columns,
            ["user_id", "at"]
        );

        let posts = &schema.tables[1];
        assert_eq!(posts.primary_key.as_ref().unwrap().columns, ["id"]);
        assert_eq!(posts.foreign_keys.len(), 1);
        let fk = &posts.foreign_keys[0];
        assert_eq!(fk.columns, ["author"]);
        assert_eq!(fk.referenced_table, "Users");
        assert_eq!(fk.referenced_columns, ["id"]);
    }

    #[test]
    fn declared_tables_carry_lines() {
        let tables = declared_tables(SOURCE, Path::new("src/schema.rs")).unwrap();
        let lines: Vec<_> = tables
            .iter()
            .map(|t| (t.schema.as_deref(), t.name.as_str(), t.line))
            .collect();
        assert_eq!(
            lines,
            [
                (None, "Users", 15),
                (Some("audit"), "entries", 28),
                (None, "posts", 36)
            ]
        );
        assert_eq!(
            tables[0].columns,
            [
                ("id".to_owned(), 16),
                ("name".to_owned(), 18),
                ("type".to_owned(), 20),
                ("mood".to_owned(), 21),
                ("tags".to_owned(), 22)
            ]
        );
    }

    #[test]
    fn names_file_and_line_of_a_bad_table() {
        let source = "diesel::table! {\n    users (id) {\n        id => Int4,\n    }\n}\n";
        let e = parse_schema_rs(source, Path::new("src/schema.rs"), Backend::Sqlite).unwrap_err();
        assert!(e.to_string().starts_with("src/schema.rs:"), "{e}");
    }

    #[test]
    fn joinable_to_an_unknown_table_is_an_error() {
        let source = "diesel::table! { posts (id) { id -> Int4, a -> Int4, } }\ndiesel::joinable!(posts -> users (a));\n";
        let e = parse_schema_rs(source, Path::new("schema.rs"), Backend::Sqlite).unwrap_err();
        assert!(e.to_string().contains("no table `users`"), "{e}");
    }

    /// What print-schema renders for a model reads back into the same
    /// tables, columns, types and keys.
    #[test]
    fn round_trips_what_print_schema_renders() {
        use crate::schema::diesel::{default_sql_type, print_schema, PrintSchemaSettings};

        let mut live = Schema::new(Backend::Sqlite, None);
        let mut users = Table::new(None, "users");
        let mut id = Column::new("id", 1, "INTEGER");
        id.nullable = false;
        let mut name = Column::new("name", 2, "TEXT");
        name.nullable = false;
        let bio = Column::new("type", 3, "TEXT");
        users.columns = vec![id, name, bio];
        users.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        let mut memberships = Table::new(None, "memberships");
        for (i, n) in ["user_id", "group_id"].into_iter().enumerate() {
            let mut c = Column::new(n, i as u32 + 1, "BIGINT");
            c.nullable = false;
            memberships.columns.push(c);
        }
        memberships
            .columns
            .push(Column::new("since", 3, "TIMESTAMP"));
        memberships.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["user_id".into(), "group_id".into()],
        });
        memberships.foreign_keys.push(ForeignKey {
            name: None,
            columns: vec!["user_id".into()],
            referenced_schema: None,
            referenced_table: "users".into(),
            referenced_columns: vec!["id".into()],
            on_update: "NO ACTION".into(),
            on_delete: "NO ACTION".into(),
        });
        live.tables = vec![users, memberships];
        for t in &mut live.tables {
            for c in &mut t.columns {
                c.sql_type = default_sql_type(Backend::Sqlite, c);
            }
        }
        live.sort();

        let text = print_schema(&live, &PrintSchemaSettings::default()).unwrap();
        let parsed = parse_schema_rs(&text, Path::new("schema.rs"), Backend::Sqlite).unwrap();

        let shape = |s: &Schema| {
            s.tables
                .iter()
                .map(|t| {
                    let cols: Vec<_> = t
                        .columns
                        .iter()
                        .map(|c| (c.name.clone(), c.sql_type.clone(), c.nullable))
                        .collect();
                    let fks: Vec<_> = t
                        .foreign_keys
                        .iter()
                        .map(|f| {
                            (
                                f.columns.clone(),
                                f.referenced_table.clone(),
                                f.referenced_columns.clone(),
                            )
                        })
                        .collect();
                    (
                        t.qualified_name(),
                        cols,
                        t.primary_key.as_ref().map(|k| k.columns.clone()),
                        fks,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(&parsed), shape(&live), "schema.rs was:\n{text}");
    }

    #[test]
    fn joinable_needs_a_one_column_key() {
        let source = "diesel::table! {\n    a (x, y) {\n        x -> Integer,\n        y -> Integer,\n    }\n}\ndiesel::table! {\n    b (id) {\n        id -> Integer,\n        a_x -> Integer,\n    }\n}\ndiesel::joinable!(b -> a (a_x));\n";
        let e = parse_schema_rs(source, Path::new("schema.rs"), Backend::Sqlite).unwrap_err();
        assert_eq!(
            e.to_string(),
            "schema.rs:13:1: joinable!: `a` has a primary key of 2 columns; joinable! refers to a one-column primary key"
        );
    }

    #[test]
    fn primary_key_must_name_a_column() {
        let source = "diesel::table! {\n    posts (uid) {\n        id -> Int4,\n    }\n}\n";
        let e = parse_schema_rs(source, Path::new("schema.rs"), Backend::Sqlite).unwrap_err();
        assert_eq!(
            e.to_string(),
            "schema.rs:2:12: primary key column `uid` is not a column of `posts`"
        );
    }
}
