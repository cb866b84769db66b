//! The DDL that recreates a [`Schema`] on its own backend: types, tables
//! with their columns, keys and checks, then foreign keys (after every
//! table, so cycles work; inline on SQLite, which cannot add them later),
//! indexes, comments and views.

use std::fmt::Write;

use super::model::{
    Column, CustomTypeKind, ForeignKey, Identity, Index, IndexPart, Schema, Table, View,
};
use crate::url::Backend;

/// `schema` as SQL statements, one per line group, each ending with `;`.
pub fn render(schema: &Schema) -> String {
    let d = Ddl {
        backend: schema.backend,
    };
    let mut out = String::new();
    if schema.backend == Backend::Postgres {
        let mut namespaces: Vec<&str> = schema
            .tables
            .iter()
            .filter_map(|t| t.schema.as_deref())
            .chain(schema.enums.iter().filter_map(|e| e.schema.as_deref()))
            .filter(|s| *s != "public")
            .collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        for n in namespaces {
            let _ = writeln!(out, "CREATE SCHEMA IF NOT EXISTS {};\n", d.ident(n));
        }
        for e in &schema.enums {
            let labels: Vec<String> = e.values.iter().map(|v| literal(v)).collect();
            let name = d.qualified(e.schema.as_deref(), &e.name);
            let _ = writeln!(out, "CREATE TYPE {name} AS ENUM ({});\n", labels.join(", "));
        }
        for t in &schema.custom_types {
            let name = d.qualified(t.schema.as_deref(), &t.name);
            let _ = match t.kind {
                CustomTypeKind::Domain => {
                    writeln!(out, "CREATE DOMAIN {name} AS {};\n", t.definition)
                }
                CustomTypeKind::Range => {
                    writeln!(
                        out,
                        "CREATE TYPE {name} AS RANGE (subtype = {});\n",
                        t.definition
                    )
                }
                CustomTypeKind::Composite => {
                    writeln!(out, "CREATE TYPE {name} AS ({});\n", t.definition)
                }
            };
        }
    }
    for table in &schema.tables {
        out.push_str(&d.create_table(table));
    }
    if schema.backend != Backend::Sqlite {
        for table in &schema.tables {
            for fk in &table.foreign_keys {
                let _ = writeln!(out, "{}\n", d.add_foreign_key(table, fk));
            }
        }
    }
    for table in &schema.tables {
        for index in &table.indexes {
            let _ = writeln!(out, "{}\n", d.create_index(table, index));
        }
        if schema.backend == Backend::Postgres {
            if let Some(c) = &table.comment {
                let _ = writeln!(
                    out,
                    "COMMENT ON TABLE {} IS {};\n",
                    d.table_name(table),
                    literal(c)
                );
            }
            for column in &table.columns {
                if let Some(c) = &column.comment {
                    let _ = writeln!(
                        out,
                        "COMMENT ON COLUMN {}.{} IS {};\n",
                        d.table_name(table),
                        d.ident(&column.name),
                        literal(c)
                    );
                }
            }
        }
    }
    for view in &schema.views {
        let _ = writeln!(out, "{}\n", d.create_view(view));
    }
    out
}

/// A string literal.
pub(crate) fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Statements of one backend's dialect, for the whole-schema rendering
/// above and for autogenerate's changes.
pub(crate) struct Ddl {
    pub backend: Backend,
}

impl Ddl {
    /// `name` quoted.
    pub fn ident(&self, name: &str) -> String {
        match self.backend {
            Backend::Mysql => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// `schema.name` where the backend qualifies names.
    pub fn qualified(&self, schema: Option<&str>, name: &str) -> String {
        match schema {
            // MySQL tables live in the current database: unqualified DDL
            // recreates them wherever it runs.
            Some(s) if self.backend == Backend::Postgres => {
                format!("{}.{}", self.ident(s), self.ident(name))
            }
            _ => self.ident(name),
        }
    }

    /// The table's name as DDL writes it.
    pub fn table_name(&self, table: &Table) -> String {
        self.qualified(table.schema.as_deref(), &table.name)
    }

    /// Quoted names, comma-separated.
    pub fn list(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|n| self.ident(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `ALTER TABLE ... ADD FOREIGN KEY ...;`.
    pub fn add_foreign_key(&self, table: &Table, fk: &ForeignKey) -> String {
        let name = fk
            .name
            .as_ref()
            .map(|n| format!("CONSTRAINT {} ", self.ident(n)))
            .unwrap_or_default();
        format!(
            "ALTER TABLE {} ADD {name}FOREIGN KEY ({}) REFERENCES {} ({}) ON UPDATE {} ON DELETE {};",
            self.table_name(table),
            self.list(&fk.columns),
            self.qualified(fk.referenced_schema.as_deref(), &fk.referenced_table),
            self.list(&fk.referenced_columns),
            fk.on_update,
            fk.on_delete
        )
    }

    /// `CREATE INDEX ...;`, the database's own statement where it keeps one.
    pub fn create_index(&self, table: &Table, index: &Index) -> String {
        if let Some(def) = &index.definition {
            return format!("{};", def.trim_end_matches(';'));
        }
        let parts: Vec<String> = index
            .parts
            .iter()
            .map(|p| match p {
                IndexPart::Column(c) => self.ident(c),
                IndexPart::Expression(e) => format!("({e})"),
                IndexPart::Prefix { column, length } => {
                    format!("{}({length})", self.ident(column))
                }
            })
            .collect();
        format!(
            "CREATE {}INDEX {} ON {} ({});",
            if index.unique { "UNIQUE " } else { "" },
            self.ident(&index.name),
            self.table_name(table),
            parts.join(", ")
        )
    }

    /// `CREATE VIEW ...;`.
    pub fn create_view(&self, view: &View) -> String {
        let definition = view.definition.trim().trim_end_matches(';');
        // MySQL qualifies every name in a view's definition with its
        // database: unqualified, the view reads the database the DDL runs
        // in, as the tables are made there.
        let unqualified;
        let definition = match (&view.schema, self.backend) {
            (Some(db), Backend::Mysql) => {
                unqualified = definition.replace(&format!("{}.", self.ident(db)), "");
                unqualified.as_str()
            }
            _ => definition,
        };
        match self.backend {
            // SQLite keeps the whole CREATE VIEW statement.
            Backend::Sqlite => format!("{definition};"),
            _ => format!(
                "CREATE {}VIEW {} AS {definition};",
                if view.materialized {
                    "MATERIALIZED "
                } else {
                    ""
                },
                self.qualified(view.schema.as_deref(), &view.name)
            ),
        }
    }

    /// A column as `CREATE TABLE` and MySQL's `MODIFY COLUMN` write it, and
    /// whether it carries the primary key inline (SQLite's rowid alias).
    pub fn column_definition(&self, c: &Column) -> (String, bool) {
        let mut inline_key = false;
        let mut line = format!("{} ", self.ident(&c.name));
        let serial = match (c.identity, c.data_type.as_str()) {
            (Some(Identity::Serial), "int2") => Some("smallserial"),
            (Some(Identity::Serial), "int8") => Some("bigserial"),
            (Some(Identity::Serial), _) => Some("serial"),
            _ => None,
        };
        line.push_str(serial.unwrap_or(&c.full_type));
        if let Some(expr) = &c.generated {
            let _ = write!(line, " GENERATED ALWAYS AS ({expr}) STORED");
        }
        match c.identity {
            Some(Identity::Always) => line.push_str(" GENERATED ALWAYS AS IDENTITY"),
            Some(Identity::ByDefault) => line.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
            Some(Identity::AutoIncrement) if self.backend == Backend::Mysql => {
                line.push_str(" AUTO_INCREMENT")
            }
            Some(Identity::RowId | Identity::AutoIncrement) if self.backend == Backend::Sqlite => {
                line.push_str(" PRIMARY KEY");
                if c.identity == Some(Identity::AutoIncrement) {
                    line.push_str(" AUTOINCREMENT");
                }
                inline_key = true;
            }
            _ => {}
        }
        if let Some(default) = c
            .default
            .as_ref()
            .filter(|_| serial.is_none() && c.generated.is_none())
        {
            let _ = write!(line, " DEFAULT {default}");
        }
        if !c.nullable {
            line.push_str(" NOT NULL");
        }
        if self.backend == Backend::Mysql {
            if let Some(comment) = &c.comment {
                let _ = write!(line, " COMMENT {}", literal(comment));
            }
        }
        (line, inline_key)
    }

    /// `CREATE TABLE ...;` with its columns, keys and checks (foreign keys
    /// too on SQLite, which cannot add them later).
    pub fn create_table(&self, table: &Table) -> String {
        let mut lines: Vec<String> = Vec::new();
        let mut inline_key = false;
        for c in &table.columns {
            let (line, inline) = self.column_definition(c);
            inline_key |= inline;
            lines.push(line);
        }
        if let Some(pk) = table.primary_key.as_ref().filter(|_| !inline_key) {
            let name = match (&pk.name, self.backend) {
                (Some(n), Backend::Postgres) => format!("CONSTRAINT {} ", self.ident(n)),
                _ => String::new(),
            };
            lines.push(format!("{name}PRIMARY KEY ({})", self.list(&pk.columns)));
        }
        // PostgreSQL leaves out a UNIQUE that repeats the primary key when
        // both are in one CREATE TABLE, and keeps it when added after.
        let repeats_key = |columns: &[String]| {
            self.backend == Backend::Postgres
                && table
                    .primary_key
                    .as_ref()
                    .is_some_and(|k| k.columns == columns)
        };
        let mut after = Vec::new();
        for u in &table.unique_constraints {
            let name = u
                .name
                .as_ref()
                .map(|n| format!("CONSTRAINT {} ", self.ident(n)))
                .unwrap_or_default();
            let constraint = format!("{name}UNIQUE ({})", self.list(&u.columns));
            if repeats_key(&u.columns) {
                after.push(format!(
                    "ALTER TABLE {} ADD {constraint};",
                    self.table_name(table)
                ));
            } else {
                lines.push(constraint);
            }
        }
        for c in &table.checks {
            let name = c
                .name
                .as_ref()
                .map(|n| format!("CONSTRAINT {} ", self.ident(n)))
                .unwrap_or_default();
            lines.push(format!("{name}CHECK ({})", c.expression));
        }
        if self.backend == Backend::Sqlite {
            for fk in &table.foreign_keys {
                let to = if fk.referenced_columns.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", self.list(&fk.referenced_columns))
                };
                lines.push(format!(
                    "FOREIGN KEY ({}) REFERENCES {}{to} ON UPDATE {} ON DELETE {}",
                    self.list(&fk.columns),
                    self.ident(&fk.referenced_table),
                    fk.on_update,
                    fk.on_delete
                ));
            }
        }
        let mut out = format!(
            "CREATE TABLE {} (\n    {}\n)",
            self.table_name(table),
            lines.join(",\n    ")
        );
        if table.without_rowid {
            out.push_str(" WITHOUT ROWID");
        }
        if self.backend == Backend::Mysql {
            if let Some(c) = &table.comment {
                let _ = write!(out, " COMMENT={}", literal(c));
            }
        }
        out.push_str(";\n\n");
        for statement in after {
            out.push_str(&statement);
            out.push_str("\n\n");
        }
        out
    }
}
