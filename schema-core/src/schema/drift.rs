//! Drift: how a live schema differs from another full reading of the same
//! kind of database (the scratch database the applied revisions were
//! replayed into), object by object, and how schema.rs differs from the
//! live schema, as named differences.
//!
//! Both readings are first made relative to their own default schema, so
//! what only names the database (MySQL's database, PostgreSQL's `public`)
//! never differs. Constraints are matched by what they constrain, not by
//! name: names the database makes up (MySQL's `posts_ibfk_2` after a key
//! was re-added, MariaDB's `CONSTRAINT_1`) say nothing about the schema.
//! Indexes are matched by name, which the user chose.

use serde::Serialize;

use super::diff::Change;
use super::{
    CheckConstraint, Column, CustomType, EnumType, ForeignKey, Identity, Index, IndexPart, Schema,
    Table, UniqueConstraint, View,
};

/// Which side has the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// Expected (built by the revisions, declared in schema.rs), absent
    /// from the database.
    Missing,
    /// In the database, not expected.
    Extra,
    /// On both sides, with one aspect differing.
    Changed,
}

/// One object that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// Which side has it.
    pub kind: DifferenceKind,
    /// The object, as a person names it: `table users`, `column users.age`,
    /// `index posts_title_idx on posts`, `foreign key on posts (user_id)
    /// references users (id)`.
    pub object: String,
    /// What differs of a changed object: `type`, `nullability`, `default`,
    /// `columns`, `definition`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect: Option<String>,
    /// The expected value (for `missing`, the object's definition).
    pub expected: Option<String>,
    /// The database's value (for `extra`, the object's definition).
    pub actual: Option<String>,
}

impl Difference {
    fn missing(object: String, definition: String) -> Self {
        Difference {
            kind: DifferenceKind::Missing,
            object,
            aspect: None,
            expected: Some(definition),
            actual: None,
        }
    }

    fn extra(object: String, definition: String) -> Self {
        Difference {
            kind: DifferenceKind::Extra,
            object,
            aspect: None,
            expected: None,
            actual: Some(definition),
        }
    }

    fn changed(object: String, aspect: &str, expected: String, actual: String) -> Self {
        Difference {
            kind: DifferenceKind::Changed,
            object,
            aspect: Some(aspect.to_owned()),
            expected: Some(expected),
            actual: Some(actual),
        }
    }
}

/// Every object in which `actual` (the live database) differs from
/// `expected` (what the revisions build), both full introspections of the
/// same backend. Empty when they hold the same schema.
pub fn compare(actual: &Schema, expected: &Schema) -> Vec<Difference> {
    let actual = relative(actual);
    let expected = relative(expected);
    let mut out = Vec::new();
    let key = |schema: &Option<String>, name: &str| (schema.clone(), name.to_owned());

    let mut tables: Vec<(Option<String>, String)> = actual
        .tables
        .iter()
        .chain(&expected.tables)
        .map(|t| key(&t.schema, &t.name))
        .collect();
    tables.sort();
    tables.dedup();
    for (schema, name) in &tables {
        let find = |s: &Schema| {
            s.tables
                .iter()
                .find(|t| t.schema == *schema && t.name == *name)
                .cloned()
        };
        match (find(&actual), find(&expected)) {
            (Some(a), Some(e)) => compare_tables(&a, &e, &mut out),
            (Some(a), None) => out.push(Difference::extra(
                format!("table {}", a.qualified_name()),
                table_summary(&a),
            )),
            (None, Some(e)) => out.push(Difference::missing(
                format!("table {}", e.qualified_name()),
                table_summary(&e),
            )),
            (None, None) => {}
        }
    }
    match_by(
        &actual.views,
        &expected.views,
        |v| (v.schema.clone(), v.name.clone()),
        |v| format!("view {}", qualified(&v.schema, &v.name)),
        |v| v.definition.clone(),
        compare_views,
        &mut out,
    );
    match_by(
        &actual.enums,
        &expected.enums,
        |e| (e.schema.clone(), e.name.clone()),
        |e| format!("enum {}", qualified(&e.schema, &e.name)),
        |e| e.values.join(", "),
        compare_enums,
        &mut out,
    );
    match_by(
        &actual.custom_types,
        &expected.custom_types,
        |t| (t.schema.clone(), t.name.clone()),
        |t| format!("type {}", qualified(&t.schema, &t.name)),
        |t| t.definition.clone(),
        compare_custom_types,
        &mut out,
    );
    out
}

/// The differences from the live schema to schema.rs that `diff` found:
/// each change is one difference, named as [`compare`] names objects.
/// `live_default` is the live database's default schema, left out of
/// names.
pub fn from_changes(changes: &[Change], live_default: Option<&str>) -> Vec<Difference> {
    let table_name = |t: &Table| match &t.schema {
        Some(s) if Some(s.as_str()) != live_default => format!("{s}.{}", t.name),
        _ => t.name.clone(),
    };
    // As schema.rs writes it.
    let diesel_type = |c: &Column| {
        let mut t = c.sql_type.clone().unwrap_or_else(|| c.full_type.clone());
        if c.array {
            t = format!("Array<{t}>");
        }
        if c.nullable {
            t = format!("Nullable<{t}>");
        }
        t
    };
    let null = |nullable: bool| if nullable { "null" } else { "not null" }.to_owned();
    changes
        .iter()
        .map(|change| match change {
            Change::CreateTable(t) => {
                Difference::missing(format!("table {}", table_name(t)), table_summary(t))
            }
            Change::DropTable(t) => {
                Difference::extra(format!("table {}", table_name(t)), table_summary(t))
            }
            Change::RenameTable { from, to } => Difference::changed(
                format!("table {}", table_name(from)),
                "name",
                to.clone(),
                from.name.clone(),
            ),
            Change::RenameColumn { table, from, to } => Difference::changed(
                format!("column {}.{from}", table_name(table)),
                "name",
                to.clone(),
                from.clone(),
            ),
            Change::AddColumn { table, column } => Difference::missing(
                format!("column {}.{}", table_name(table), column.name),
                diesel_type(column),
            ),
            Change::DropColumn { table, column } => Difference::extra(
                format!("column {}.{}", table_name(table), column.name),
                diesel_type(column),
            ),
            Change::AlterType { table, from, to } => Difference::changed(
                format!("column {}.{}", table_name(table), from.name),
                "type",
                diesel_type(to),
                diesel_type(from),
            ),
            Change::AlterNullability {
                table,
                column,
                nullable,
            } => Difference::changed(
                format!("column {}.{}", table_name(table), column.name),
                "nullability",
                null(*nullable),
                null(column.nullable),
            ),
            Change::ChangePrimaryKey { table, to } => Difference::changed(
                format!("primary key of {}", table_name(table)),
                "columns",
                list(to),
                table
                    .primary_key
                    .as_ref()
                    .map_or_else(|| "none".to_owned(), |k| list(&k.columns)),
            ),
            Change::AddForeignKey { table, foreign_key } => Difference::missing(
                foreign_key_object(&table_name(table), foreign_key),
                foreign_key_actions(foreign_key),
            ),
            Change::DropForeignKey { table, foreign_key } => Difference::extra(
                foreign_key_object(&table_name(table), foreign_key),
                foreign_key_actions(foreign_key),
            ),
        })
        .collect()
}

/// `schema` with every name relative to its own default schema (`None`
/// where it was the default), the database's own name taken out of view
/// definitions, and what only counts (names of serial sequences)
/// neutralised.
fn relative(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    let default = s.default_schema.take();
    let strip = |name: &mut Option<String>| {
        if name.is_some() && *name == default {
            *name = None;
        }
    };
    for t in &mut s.tables {
        strip(&mut t.schema);
        for c in &mut t.columns {
            strip(&mut c.type_schema);
            if let Some((domain_schema, _)) = &c.domain {
                if Some(domain_schema) == default.as_ref() {
                    c.domain = c.domain.take().map(|(_, n)| (String::new(), n));
                }
            }
        }
        for fk in &mut t.foreign_keys {
            strip(&mut fk.referenced_schema);
        }
    }
    // MySQL writes every name of a view's query qualified with the
    // database: `db`.`users`.`id`.
    let db_prefix = default.as_ref().map(|d| format!("`{d}`."));
    for v in &mut s.views {
        strip(&mut v.schema);
        if let Some(prefix) = &db_prefix {
            v.definition = v.definition.replace(prefix.as_str(), "");
        }
    }
    for e in &mut s.enums {
        strip(&mut e.schema);
    }
    for t in &mut s.custom_types {
        strip(&mut t.schema);
    }
    s
}

fn qualified(schema: &Option<String>, name: &str) -> String {
    match schema {
        Some(s) => format!("{s}.{name}"),
        None => name.to_owned(),
    }
}

fn list(columns: &[String]) -> String {
    format!("({})", columns.join(", "))
}

fn table_summary(t: &Table) -> String {
    let columns: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.full_type))
        .collect();
    format!("({})", columns.join(", "))
}

/// Pushes a `changed` difference when `actual != expected`.
fn aspect<T: PartialEq>(
    out: &mut Vec<Difference>,
    object: &str,
    name: &str,
    actual: T,
    expected: T,
    show: impl Fn(&T) -> String,
) {
    if actual != expected {
        out.push(Difference::changed(
            object.to_owned(),
            name,
            show(&expected),
            show(&actual),
        ));
    }
}

fn optional(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "none".to_owned())
}

fn compare_tables(a: &Table, e: &Table, out: &mut Vec<Difference>) {
    let table = a.qualified_name();
    let object = format!("table {table}");
    aspect(out, &object, "comment", &a.comment, &e.comment, |v| {
        optional(v)
    });
    aspect(
        out,
        &object,
        "without rowid",
        a.without_rowid,
        e.without_rowid,
        bool::to_string,
    );

    for ac in &a.columns {
        let object = format!("column {table}.{}", ac.name);
        match e.column(&ac.name) {
            Some(ec) => compare_columns(&object, ac, ec, out),
            None => out.push(Difference::extra(object, column_summary(ac))),
        }
    }
    for ec in &e.columns {
        if a.column(&ec.name).is_none() {
            out.push(Difference::missing(
                format!("column {table}.{}", ec.name),
                column_summary(ec),
            ));
        }
    }

    let pk_object = format!("primary key of {table}");
    match (&a.primary_key, &e.primary_key) {
        (Some(ak), Some(ek)) => aspect(out, &pk_object, "columns", &ak.columns, &ek.columns, |c| {
            list(c)
        }),
        (Some(ak), None) => out.push(Difference::extra(pk_object, list(&ak.columns))),
        (None, Some(ek)) => out.push(Difference::missing(pk_object, list(&ek.columns))),
        (None, None) => {}
    }

    let fk_key = |k: &ForeignKey| {
        (
            k.columns.clone(),
            k.referenced_schema.clone(),
            k.referenced_table.clone(),
            k.referenced_columns.clone(),
        )
    };
    match_by(
        &a.foreign_keys,
        &e.foreign_keys,
        fk_key,
        |k| foreign_key_object(&table, k),
        foreign_key_actions,
        |object, ak, ek, out| {
            aspect(
                out,
                object,
                "on update",
                &ak.on_update,
                &ek.on_update,
                |v| (*v).clone(),
            );
            aspect(
                out,
                object,
                "on delete",
                &ak.on_delete,
                &ek.on_delete,
                |v| (*v).clone(),
            );
        },
        out,
    );
    match_by(
        &a.unique_constraints,
        &e.unique_constraints,
        |u: &UniqueConstraint| u.columns.clone(),
        |u| format!("unique constraint on {table} {}", list(&u.columns)),
        |u| list(&u.columns),
        |_, _, _, _| {},
        out,
    );
    match_by(
        &a.indexes,
        &e.indexes,
        |i: &Index| i.name.clone(),
        |i| format!("index {} on {table}", i.name),
        index_summary,
        |object, ai, ei, out| {
            aspect(
                out,
                object,
                "definition",
                index_summary(ai),
                index_summary(ei),
                String::clone,
            );
        },
        out,
    );
    match_by(
        &a.checks,
        &e.checks,
        |c: &CheckConstraint| c.expression.clone(),
        |c| format!("check on {table} ({})", c.expression),
        |c| c.expression.clone(),
        |_, _, _, _| {},
        out,
    );
}

/// Pairs `actual` and `expected` items by `key`: extra ones, then the
/// pairs compared by `both`, then missing ones.
fn match_by<T, K: PartialEq>(
    actual: &[T],
    expected: &[T],
    key: impl Fn(&T) -> K,
    object: impl Fn(&T) -> String,
    definition: impl Fn(&T) -> String,
    both: impl Fn(&str, &T, &T, &mut Vec<Difference>),
    out: &mut Vec<Difference>,
) {
    for a in actual {
        match expected.iter().find(|e| key(e) == key(a)) {
            Some(e) => both(&object(a), a, e, out),
            None => out.push(Difference::extra(object(a), definition(a))),
        }
    }
    for e in expected {
        if actual.iter().all(|a| key(a) != key(e)) {
            out.push(Difference::missing(object(e), definition(e)));
        }
    }
}

fn column_summary(c: &Column) -> String {
    let mut s = c.full_type.clone();
    if !c.nullable {
        s.push_str(" not null");
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" default {d}"));
    }
    s
}

fn column_type(c: &Column) -> String {
    let mut s = c.full_type.clone();
    if c.unsigned && !s.contains("unsigned") {
        s.push_str(" unsigned");
    }
    s
}

fn compare_columns(object: &str, a: &Column, e: &Column, out: &mut Vec<Difference>) {
    let type_of = |c: &Column| {
        (
            column_type(c),
            c.type_schema.clone(),
            c.data_type.clone(),
            c.max_length,
            c.array,
            c.domain.clone(),
        )
    };
    if type_of(a) != type_of(e) {
        // The plainest spelling that shows the difference.
        let qualified = |c: &Column| match &c.type_schema {
            Some(schema) => format!("{schema}.{}", column_type(c)),
            None => column_type(c),
        };
        let domain = |c: &Column| c.domain.as_ref().map(|d| d.1.clone());
        let spellings: [&dyn Fn(&Column) -> String; 3] =
            [&column_type, &qualified, &|c: &Column| {
                domain(c).unwrap_or_else(|| c.data_type.clone())
            }];
        let (at, et) = spellings
            .iter()
            .map(|f| (f(a), f(e)))
            .find(|(at, et)| at != et)
            .unwrap_or_else(|| (format!("{:?}", type_of(a)), format!("{:?}", type_of(e))));
        out.push(Difference::changed(object.to_owned(), "type", et, at));
    }
    let null = |n: &bool| if *n { "null" } else { "not null" }.to_owned();
    aspect(out, object, "nullability", a.nullable, e.nullable, null);
    // A serial's default names its sequence, whose name the database
    // makes unique with a counter: the sequence is the column's own either
    // way.
    let serial = a.identity == Some(Identity::Serial) && e.identity == Some(Identity::Serial);
    if !serial {
        aspect(out, object, "default", &a.default, &e.default, |v| {
            optional(v)
        });
    }
    aspect(out, object, "identity", a.identity, e.identity, |v| {
        v.map_or_else(|| "none".to_owned(), |i| format!("{i:?}"))
    });
    aspect(out, object, "generated", &a.generated, &e.generated, |v| {
        optional(v)
    });
    aspect(out, object, "comment", &a.comment, &e.comment, |v| {
        optional(v)
    });
}

fn foreign_key_object(table: &str, k: &ForeignKey) -> String {
    format!(
        "foreign key on {table} {} references {} {}",
        list(&k.columns),
        qualified(&k.referenced_schema, &k.referenced_table),
        list(&k.referenced_columns)
    )
}

fn foreign_key_actions(k: &ForeignKey) -> String {
    format!("on update {}, on delete {}", k.on_update, k.on_delete)
}

fn index_summary(i: &Index) -> String {
    let parts: Vec<String> = i
        .parts
        .iter()
        .map(|p| match p {
            IndexPart::Column(c) => c.clone(),
            IndexPart::Expression(e) => format!("({e})"),
            IndexPart::Prefix { column, length } => format!("{column}({length})"),
        })
        .collect();
    let mut s = format!("{}{}", if i.unique { "unique " } else { "" }, list(&parts));
    if let Some(m) = &i.method {
        s.push_str(&format!(" using {m}"));
    }
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" where {p}"));
    }
    s
}

fn compare_views(object: &str, a: &View, e: &View, out: &mut Vec<Difference>) {
    aspect(
        out,
        object,
        "definition",
        a.definition.trim(),
        e.definition.trim(),
        |v| (*v).to_owned(),
    );
    aspect(
        out,
        object,
        "materialized",
        a.materialized,
        e.materialized,
        bool::to_string,
    );
    aspect(out, object, "comment", &a.comment, &e.comment, |v| {
        optional(v)
    });
}

fn compare_enums(object: &str, a: &EnumType, e: &EnumType, out: &mut Vec<Difference>) {
    aspect(out, object, "values", &a.values, &e.values, |v| list(v));
    aspect(out, object, "comment", &a.comment, &e.comment, |v| {
        optional(v)
    });
}

fn compare_custom_types(object: &str, a: &CustomType, e: &CustomType, out: &mut Vec<Difference>) {
    aspect(out, object, "kind", a.kind, e.kind, |k| {
        format!("{k:?}").to_lowercase()
    });
    aspect(
        out,
        object,
        "definition",
        &a.definition,
        &e.definition,
        |v| (*v).clone(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{PrimaryKey, UniqueConstraint};
    use crate::url::Backend;

    fn users(db: &str) -> Schema {
        let mut s = Schema::new(Backend::Mysql, Some(db.to_owned()));
        let mut t = Table::new(Some(db.to_owned()), "users");
        let mut id = Column::new("id", 1, "int(11)");
        id.nullable = false;
        t.columns.push(id);
        t.columns.push(Column::new("age", 2, "int(11)"));
        t.primary_key = Some(PrimaryKey {
            name: Some("PRIMARY".into()),
            columns: vec!["id".into()],
        });
        t.unique_constraints.push(UniqueConstraint {
            name: Some("u1".into()),
            columns: vec!["age".into()],
        });
        s.tables.push(t);
        s.views.push(View {
            schema: Some(db.to_owned()),
            name: "adults".into(),
            definition: format!("select `{db}`.`users`.`id` AS `id` from `{db}`.`users`"),
            materialized: false,
            comment: None,
        });
        s
    }

    #[test]
    fn the_database_name_and_constraint_names_are_not_drift() {
        let live = users("app");
        let mut built = users("cargo_schema_drift_1");
        built.tables[0].unique_constraints[0].name = Some("u2".into());
        assert_eq!(compare(&live, &built), []);
    }

    #[test]
    fn each_object_is_named() {
        let live = users("app");
        let mut built = users("scratch");
        built.tables[0].columns[1].full_type = "bigint(20)".into();
        built.tables[0].columns[1].data_type = "bigint(20)".into();
        built.tables[0].indexes.push(Index {
            name: "users_age_idx".into(),
            parts: vec![IndexPart::Column("age".into())],
            unique: false,
            predicate: None,
            method: Some("BTREE".into()),
            definition: None,
        });
        built.tables[0].unique_constraints.clear();
        let found = compare(&live, &built);
        let objects: Vec<(DifferenceKind, &str, Option<&str>, Option<&str>)> = found
            .iter()
            .map(|d| {
                (
                    d.kind,
                    d.object.as_str(),
                    d.expected.as_deref(),
                    d.actual.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            objects,
            [
                (
                    DifferenceKind::Changed,
                    "column users.age",
                    Some("bigint(20)"),
                    Some("int(11)")
                ),
                (
                    DifferenceKind::Extra,
                    "unique constraint on users (age)",
                    None,
                    Some("(age)")
                ),
                (
                    DifferenceKind::Missing,
                    "index users_age_idx on users",
                    Some("(age) using BTREE"),
                    None
                ),
            ]
        );
    }
}
