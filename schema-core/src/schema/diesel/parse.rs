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
    let error = |span: Span, message: String| {
        let start = span.start();
        ParseSchemaError {
            path: path.display().to_string(),
            line: start.line,
            column: start.column + 1,
            message,
        }
    };
    let file = syn::parse_file(source).map_err(|e| error(e.span(), e.to_string()))?;
    let mut tables = Vec::new();
    let mut joins = Vec::new();
    collect(&file.items, &mut tables, &mut joins).map_err(|e| error(e.span(), e.to_string()))?;

    let mut schema = Schema::new(backend, None);
    for parsed in tables {
        schema.tables.push(parsed.table);
    }
    for join in joins {
        let parent_pk = find(&schema, &join.parent)
            .and_then(|t| t.primary_key.as_ref())
            .map(|pk| pk.columns.clone())
            .ok_or_else(|| {
                error(
                    join.span,
                    format!(
                        "joinable!: no table `{}` declared in this file",
                        join.parent
                    ),
                )
            })?;
        let (referenced_schema, referenced_table) = {
            let parent = find(&schema, &join.parent).expect("found above");
            (parent.schema.clone(), parent.name.clone())
        };
        let child = find_mut(&mut schema, &join.child).ok_or_else(|| {
            error(
                join.span,
                format!("joinable!: no table `{}` declared in this file", join.child),
            )
        })?;
        let column = child
            .columns
            .iter()
            .find(|c| c.name == join.column || rust_name_matches(c, &join.column))
            .map(|c| c.name.clone())
            .ok_or_else(|| {
                error(
                    join.span,
                    format!(
                        "joinable!: table `{}` has no column `{}`",
                        join.child, join.column
                    ),
                )
            })?;
        child.foreign_keys.push(ForeignKey {
            name: None,
            columns: vec![column],
            referenced_schema,
            referenced_table,
            referenced_columns: parent_pk,
            on_update: "NO ACTION".into(),
            on_delete: "NO ACTION".into(),
        });
    }
    for t in &mut schema.tables {
        t.comment = None;
        for c in &mut t.columns {
            c.comment = None;
        }
    }
    schema.sort();
    Ok(schema)
}

/// A table as Rust code names it (`table!` name, possibly renamed by
/// `#[sql_name]`) besides its model.
struct ParsedTable {
    table: Table,
}

struct Join {
    child: String,
    parent: String,
    column: String,
    span: Span,
}

/// Tables are found by their Rust name, which is the SQL name unless
/// `#[sql_name]` renamed it.
fn find<'a>(schema: &'a Schema, rust_name: &str) -> Option<&'a Table> {
    schema
        .tables
        .iter()
        .find(|t| table_rust_name(t) == rust_name)
}

fn find_mut<'a>(schema: &'a mut Schema, rust_name: &str) -> Option<&'a mut Table> {
    schema
        .tables
        .iter_mut()
        .find(|t| table_rust_name(t) == rust_name)
}

// The Rust name of a table or column renamed by `#[sql_name]` is kept in
// its comment field while parsing: schema.rs cannot carry SQL comments (it
// writes them as doc comments, which are not read back), so the field is
// free, and it is cleared before the schema is returned.
fn table_rust_name(t: &Table) -> &str {
    t.comment.as_deref().unwrap_or(&t.name)
}

fn rust_name_matches(c: &Column, rust_name: &str) -> bool {
    c.comment.as_deref() == Some(rust_name)
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
            tables.push(def.into_table());
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
    fn into_table(self) -> ParsedTable {
        let rust_name = unraw(&self.name);
        let sql_name = self.sql_name.clone().unwrap_or_else(|| rust_name.clone());
        let mut table = Table::new(self.schema.clone(), sql_name.clone());
        if sql_name != rust_name {
            table.comment = Some(rust_name);
        }
        for (i, c) in self.columns.iter().enumerate() {
            let rust = unraw(&c.name);
            let name = c.sql_name.clone().unwrap_or_else(|| rust.clone());
            let (sql_type, nullable) = sql_type_of(&c.ty);
            let mut column = Column::new(name.clone(), i as u32 + 1, sql_type.clone());
            column.sql_type = Some(sql_type);
            column.nullable = nullable;
            column.max_length = c.max_length;
            if name != rust {
                column.comment = Some(rust);
            }
            table.columns.push(column);
        }
        let key: Vec<String> = self
            .primary_key
            .iter()
            .map(|k| {
                let rust = unraw(k);
                table
                    .columns
                    .iter()
                    .find(|c| c.comment.as_deref() == Some(rust.as_str()))
                    .map(|c| c.name.clone())
                    .unwrap_or(rust)
            })
            .collect();
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: key,
        });
        ParsedTable { table }
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
}
