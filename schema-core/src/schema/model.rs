//! The schema model: what a database holds, as introspection reads it.
//!
//! Every list is kept in one stable order (tables and views by schema and
//! name, columns by position, constraints and indexes by name), so two
//! readings of the same database compare equal and serialize identically.

use serde::{Deserialize, Serialize};

use crate::url::Backend;

/// A database's schema: its tables, views and types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The backend it was read from.
    pub backend: Backend,
    /// Where unqualified names resolve: PostgreSQL's first existing schema
    /// of `search_path`, MySQL's current database; `None` on SQLite.
    pub default_schema: Option<String>,
    /// Tables, by schema and name (bookkeeping tables left out).
    pub tables: Vec<Table>,
    /// Views, by schema and name.
    pub views: Vec<View>,
    /// PostgreSQL enums, by schema and name.
    pub enums: Vec<EnumType>,
    /// PostgreSQL composite types, domains and ranges, by schema and name.
    pub custom_types: Vec<CustomType>,
}

impl Schema {
    /// An empty schema of `backend`.
    pub fn new(backend: Backend, default_schema: Option<String>) -> Self {
        Schema {
            backend,
            default_schema,
            tables: Vec::new(),
            views: Vec::new(),
            enums: Vec::new(),
            custom_types: Vec::new(),
        }
    }

    /// The table `name` of `schema` (`None`: the default schema).
    pub fn table(&self, schema: Option<&str>, name: &str) -> Option<&Table> {
        let schema = schema.or(self.default_schema.as_deref());
        self.tables
            .iter()
            .find(|t| t.name == name && t.schema.as_deref() == schema)
    }

    /// Put every list in its canonical order.
    pub fn sort(&mut self) {
        self.tables
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        for t in &mut self.tables {
            t.sort();
        }
        self.views
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.enums
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.custom_types
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    }
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Its schema (PostgreSQL) or database (MySQL); `None` on SQLite.
    pub schema: Option<String>,
    /// Its name.
    pub name: String,
    /// Columns in their order in the table.
    pub columns: Vec<Column>,
    /// The primary key, if any.
    pub primary_key: Option<PrimaryKey>,
    /// Foreign keys, by name then columns.
    pub foreign_keys: Vec<ForeignKey>,
    /// Unique constraints, by name.
    pub unique_constraints: Vec<UniqueConstraint>,
    /// Indexes that back no constraint, by name.
    pub indexes: Vec<Index>,
    /// Check constraints, by name.
    pub checks: Vec<CheckConstraint>,
    /// The table's comment.
    pub comment: Option<String>,
    /// SQLite `WITHOUT ROWID`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub without_rowid: bool,
}

impl Table {
    /// A table with no columns or constraints yet.
    pub fn new(schema: Option<String>, name: impl Into<String>) -> Self {
        Table {
            schema,
            name: name.into(),
            columns: Vec::new(),
            primary_key: None,
            foreign_keys: Vec::new(),
            unique_constraints: Vec::new(),
            indexes: Vec::new(),
            checks: Vec::new(),
            comment: None,
            without_rowid: false,
        }
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// `schema.name`, or `name` without a schema.
    pub fn qualified_name(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }

    fn sort(&mut self) {
        self.columns.sort_by_key(|c| c.position);
        self.foreign_keys
            .sort_by(|a, b| (&a.name, &a.columns).cmp(&(&b.name, &b.columns)));
        self.unique_constraints
            .sort_by(|a, b| (&a.name, &a.columns).cmp(&(&b.name, &b.columns)));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.checks
            .sort_by(|a, b| (&a.name, &a.expression).cmp(&(&b.name, &b.expression)));
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// 1-based position in the table.
    pub position: u32,
    /// The type as the database reports it: PostgreSQL's `udt_name`
    /// (`int4`, `_text` for `text[]`), MySQL's `column_type`
    /// (`int(11) unsigned`), SQLite's declared type.
    pub data_type: String,
    /// The type as DDL writes it, with length, precision and array
    /// brackets (`character varying(20)`, `numeric(10,2)`, `integer[]`).
    pub full_type: String,
    /// The schema of the type (PostgreSQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_schema: Option<String>,
    /// The domain the column is declared with (PostgreSQL), as
    /// `(schema, name)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<(String, String)>,
    /// diesel's SQL type for the column as `diesel print-schema` infers it
    /// with default settings (`Int4`, `Text`, ...), without `Nullable` or
    /// `Array`; `None` when diesel has no mapping.
    pub sql_type: Option<String>,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// The default expression, as the database prints it.
    pub default: Option<String>,
    /// Where values come from when none is given, beyond a default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// A generated column's expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// The declared length of a character or binary type.
    pub max_length: Option<u64>,
    /// A PostgreSQL array.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub array: bool,
    /// A MySQL `UNSIGNED` number.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unsigned: bool,
    /// The column's comment.
    pub comment: Option<String>,
}

impl Column {
    /// A nullable column of `data_type` at `position`, nothing else known.
    pub fn new(name: impl Into<String>, position: u32, data_type: impl Into<String>) -> Self {
        let data_type = data_type.into();
        Column {
            name: name.into(),
            position,
            full_type: data_type.clone(),
            data_type,
            type_schema: None,
            domain: None,
            sql_type: None,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            max_length: None,
            array: false,
            unsigned: false,
            comment: None,
        }
    }
}

/// How a column numbers its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// PostgreSQL `GENERATED ALWAYS AS IDENTITY`.
    Always,
    /// PostgreSQL `GENERATED BY DEFAULT AS IDENTITY`.
    ByDefault,
    /// PostgreSQL `serial`/`bigserial`: a default of `nextval` of a sequence
    /// the column owns.
    Serial,
    /// MySQL `AUTO_INCREMENT`, SQLite `AUTOINCREMENT`.
    AutoIncrement,
    /// SQLite `INTEGER PRIMARY KEY`: an alias of the rowid.
    RowId,
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// The constraint's name, where the database has one.
    pub name: Option<String>,
    /// Columns in key order.
    pub columns: Vec<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The constraint's name, where the database has one.
    pub name: Option<String>,
    /// The referencing columns, in key order.
    pub columns: Vec<String>,
    /// The referenced table's schema.
    pub referenced_schema: Option<String>,
    /// The referenced table, as the database reports it.
    pub referenced_table: String,
    /// The referenced columns, in key order; empty on SQLite when the
    /// clause names none (the parent's primary key).
    pub referenced_columns: Vec<String>,
    /// `ON UPDATE` action (`NO ACTION`, `CASCADE`, ...).
    pub on_update: String,
    /// `ON DELETE` action.
    pub on_delete: String,
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniqueConstraint {
    /// Its name, where the database has one.
    pub name: Option<String>,
    /// Its columns, in order.
    pub columns: Vec<String>,
}

/// An index that backs no constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Its name.
    pub name: String,
    /// What it indexes, in order.
    pub parts: Vec<IndexPart>,
    /// A unique index.
    pub unique: bool,
    /// A partial index's predicate (`WHERE ...`).
    pub predicate: Option<String>,
    /// The access method (`btree`, `gin`, `BTREE`, `HASH`, ...).
    pub method: Option<String>,
    /// The statement that creates it, where the database keeps one.
    pub definition: Option<String>,
}

/// One key of an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexPart {
    /// A column.
    Column(String),
    /// An expression.
    Expression(String),
    /// The first characters of a column (MySQL's `name(10)`).
    Prefix {
        /// The column.
        column: String,
        /// How many characters.
        length: u32,
    },
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckConstraint {
    /// Its name, where the database has one.
    pub name: Option<String>,
    /// The condition, as the database prints it.
    pub expression: String,
}

/// A view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Its schema or database; `None` on SQLite.
    pub schema: Option<String>,
    /// Its name.
    pub name: String,
    /// The query, as the database prints it.
    pub definition: String,
    /// A PostgreSQL materialized view.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub materialized: bool,
    /// The view's comment.
    pub comment: Option<String>,
}

/// A PostgreSQL enum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    /// Its schema.
    pub schema: Option<String>,
    /// Its name.
    pub name: String,
    /// Its labels, in sort order.
    pub values: Vec<String>,
    /// The type's comment.
    pub comment: Option<String>,
}

/// A PostgreSQL type other than an enum: composite, domain or range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomType {
    /// Its schema.
    pub schema: Option<String>,
    /// Its name.
    pub name: String,
    /// Which kind of type.
    pub kind: CustomTypeKind,
    /// What it is made of: a domain's base type and constraints, a range's
    /// subtype, a composite's `name type` fields.
    pub definition: String,
}

/// Kinds of [`CustomType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomTypeKind {
    /// `CREATE TYPE ... AS (...)`.
    Composite,
    /// `CREATE DOMAIN`.
    Domain,
    /// `CREATE TYPE ... AS RANGE`.
    Range,
}
