//! `inspect --format mermaid|dot`: the database's schema as an
//! entity-relationship diagram, one box a table with its columns (type,
//! primary key, foreign key, unique), one edge a foreign key with its
//! cardinality (a child row has one parent, or at most one when the key is
//! nullable; a parent has any number of children, or at most one when the
//! key's columns are unique in the child).

use std::io::{self, Write};

use schema_core::schema::{ForeignKey, IndexPart, Table};

use super::graph::{dot_string, mermaid_text};

/// How a foreign key's two ends are counted.
struct Cardinality {
    /// The child's key may be NULL: a child has zero or one parent.
    optional: bool,
    /// The child's key columns are unique: a parent has at most one child.
    one_to_one: bool,
}

/// Whether a column can hold NULL. A primary key's column cannot, whatever
/// the catalog says (SQLite reports an `INTEGER PRIMARY KEY`, the rowid,
/// as nullable).
fn nullable(table: &Table, column: &str) -> bool {
    let in_key = table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.iter().any(|c| c == column));
    !in_key
        && table
            .columns
            .iter()
            .find(|col| col.name == column)
            .is_some_and(|col| col.nullable)
}

fn cardinality(table: &Table, columns: &[String]) -> Cardinality {
    let optional = columns.iter().any(|c| nullable(table, c));
    let same =
        |key: &[String]| key.len() == columns.len() && columns.iter().all(|c| key.contains(c));
    let one_to_one = table
        .primary_key
        .as_ref()
        .is_some_and(|pk| same(&pk.columns))
        || table.unique_constraints.iter().any(|u| same(&u.columns))
        || table.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && same(
                    &i.parts
                        .iter()
                        .filter_map(|p| match p {
                            IndexPart::Column(c) => Some(c.clone()),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                )
        });
    Cardinality {
        optional,
        one_to_one,
    }
}

/// The keys a column takes part in, as the diagrams mark them.
fn keys(table: &Table, column: &str) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.iter().any(|c| c == column))
    {
        keys.push("PK");
    }
    if table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.iter().any(|c| c == column))
    {
        keys.push("FK");
    }
    if table
        .unique_constraints
        .iter()
        .any(|u| u.columns.len() == 1 && u.columns[0] == column)
    {
        keys.push("UK");
    }
    keys
}

/// A word Mermaid accepts where it wants a type or an attribute name.
fn mermaid_word(text: &str) -> String {
    let word: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '(' | ')' | '[' | ']') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if word.is_empty() {
        "_".to_owned()
    } else {
        word
    }
}

/// A foreign key between two drawn tables, by their positions.
struct Edge<'t> {
    child: usize,
    parent: usize,
    fk: &'t ForeignKey,
    cardinality: Cardinality,
}

/// Every foreign key whose parent is drawn too, child by child.
fn edges<'t>(tables: &[&'t Table]) -> Vec<Edge<'t>> {
    let mut edges = Vec::new();
    for (child, table) in tables.iter().enumerate() {
        for fk in &table.foreign_keys {
            if let Some(parent) = position_of(
                tables,
                &fk.referenced_table,
                fk.referenced_schema.as_deref(),
            ) {
                edges.push(Edge {
                    child,
                    parent,
                    fk,
                    cardinality: cardinality(table, &fk.columns),
                });
            }
        }
    }
    edges
}

/// Where the table a foreign key names is drawn, if it is.
fn position_of(tables: &[&Table], name: &str, schema: Option<&str>) -> Option<usize> {
    tables
        .iter()
        .position(|t| t.name == name && (schema.is_none() || t.schema.as_deref() == schema))
}

/// A Mermaid `erDiagram`. Tables are named by position (`t0`, `t1`, ...)
/// and shown by their name, so no name can break the syntax; types and
/// column names are reduced to the characters Mermaid takes, and the
/// column's real name and type go in the attribute's comment when that
/// changed them.
pub fn mermaid(
    out: &mut dyn Write,
    tables: &[&Table],
    default_schema: Option<&str>,
) -> io::Result<()> {
    writeln!(out, "erDiagram")?;
    for (i, table) in tables.iter().enumerate() {
        writeln!(
            out,
            "  t{i}[\"{}\"] {{",
            mermaid_text(&qualified(table, default_schema))
        )?;
        for column in &table.columns {
            let (ty, name) = (mermaid_word(&column.full_type), mermaid_word(&column.name));
            let mut line = format!("    {ty} {name}");
            let keys = keys(table, &column.name);
            if !keys.is_empty() {
                line.push(' ');
                line.push_str(&keys.join(", "));
            }
            let mut notes = Vec::new();
            if name != column.name || ty != column.full_type {
                notes.push(format!("{} {}", column.name, column.full_type));
            }
            if nullable(table, &column.name) {
                notes.push("nullable".to_owned());
            }
            if !notes.is_empty() {
                line.push_str(&format!(" \"{}\"", mermaid_text(&notes.join(", "))));
            }
            writeln!(out, "{line}")?;
        }
        writeln!(out, "  }}")?;
    }
    for Edge {
        child: i,
        parent,
        fk,
        cardinality: c,
    } in edges(tables)
    {
        let child_end = if c.one_to_one { "|o" } else { "}o" };
        let parent_end = if c.optional { "o|" } else { "||" };
        writeln!(
            out,
            "  t{i} {child_end}--{parent_end} t{parent} : \"{}\"",
            mermaid_text(&fk.columns.join(", "))
        )?;
    }
    Ok(())
}

/// A table's name, with its schema when that is not the default one.
fn qualified(table: &Table, default_schema: Option<&str>) -> String {
    match table.schema.as_deref() {
        Some(schema) if Some(schema) != default_schema => format!("{schema}.{}", table.name),
        _ => table.name.clone(),
    }
}

/// Text for a Graphviz HTML-like label.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Graphviz digraph: each table a record of its columns, each foreign key
/// an edge from the child's columns to the parent, crow's feet at the
/// child (many, or one when the key is unique) and a bar or a ring at the
/// parent (exactly one, or at most one when the key is nullable).
pub fn dot(out: &mut dyn Write, tables: &[&Table], default_schema: Option<&str>) -> io::Result<()> {
    writeln!(out, "digraph schema {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [shape=plaintext, fontname=\"monospace\"];")?;
    for (i, table) in tables.iter().enumerate() {
        let mut label = String::from(
            "<<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"4\">",
        );
        label.push_str(&format!(
            "<TR><TD BGCOLOR=\"#e8e8e8\"><B>{}</B></TD></TR>",
            html(&qualified(table, default_schema))
        ));
        for (c, column) in table.columns.iter().enumerate() {
            let keys = keys(table, &column.name);
            let mut text = format!("{} {}", column.name, column.full_type);
            if !nullable(table, &column.name) {
                text.push_str(" NOT NULL");
            }
            if !keys.is_empty() {
                text.push_str(&format!(" [{}]", keys.join(", ")));
            }
            label.push_str(&format!(
                "<TR><TD ALIGN=\"LEFT\" PORT=\"c{c}\">{}</TD></TR>",
                html(&text)
            ));
        }
        label.push_str("</TABLE>>");
        writeln!(out, "  t{i} [label={label}];")?;
    }
    for Edge {
        child: i,
        parent,
        fk,
        cardinality: c,
    } in edges(tables)
    {
        let table = tables[i];
        let port = fk
            .columns
            .first()
            .and_then(|first| table.columns.iter().position(|c| &c.name == first))
            .map(|c| format!(":c{c}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  t{i}{port} -> t{parent} [dir=both, arrowtail={}, arrowhead={}, label={}];",
            if c.one_to_one { "teeodot" } else { "crowodot" },
            if c.optional { "teeodot" } else { "teetee" },
            dot_string(&fk.columns.join(", "))
        )?;
    }
    writeln!(out, "}}")
}
