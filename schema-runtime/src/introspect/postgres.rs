//! PostgreSQL: columns from `information_schema.columns` (the view diesel
//! reads, so types and lengths agree with it), everything else from
//! `pg_catalog`, for every user schema at once.

use diesel::connection::LoadConnection;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Integer, Nullable, Text};
use schema_core::lint::{Estimate, RowEstimates};
use schema_core::schema::{
    CheckConstraint, Column, CustomType, CustomTypeKind, EnumType, ForeignKey, Identity, Index,
    IndexPart, PrimaryKey, Schema, Table, UniqueConstraint, View,
};
use schema_core::url::Backend;

use super::{non_empty, IntrospectBackend, IntrospectOptions};
use crate::error::RunError;

/// The schemas read: the asked ones, or every schema but the system's.
const SCHEMA_FILTER: &str = "(CASE WHEN cardinality($1::text[]) = 0 \
     THEN n.nspname NOT IN ('pg_catalog', 'information_schema') \
          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
     ELSE n.nspname = ANY($1::text[]) END)";

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

#[derive(QueryableByName)]
struct RelationRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    definition: Option<String>,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    position: i32,
    #[diesel(sql_type = Text)]
    udt_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    udt_schema: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    domain_schema: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    domain_name: Option<String>,
    #[diesel(sql_type = Text)]
    full_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
    #[diesel(sql_type = Nullable<Integer>)]
    max_length: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    default_value: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    identity: Option<String>,
    #[diesel(sql_type = Bool)]
    serial: bool,
    #[diesel(sql_type = Nullable<Text>)]
    generated: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

#[derive(QueryableByName)]
struct ConstraintRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Array<Text>)]
    columns: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ref_schema: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ref_table: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    ref_columns: Vec<String>,
    #[diesel(sql_type = Text)]
    on_update: String,
    #[diesel(sql_type = Text)]
    on_delete: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    unique: bool,
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = Nullable<Text>)]
    predicate: Option<String>,
    #[diesel(sql_type = Text)]
    definition: String,
    #[diesel(sql_type = Array<Text>)]
    parts: Vec<String>,
}

#[derive(QueryableByName)]
struct TypeRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Array<Text>)]
    labels: Vec<String>,
    #[diesel(sql_type = Text)]
    definition: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

impl IntrospectBackend for Pg {
    fn read_row_estimates<C>(conn: &mut C) -> Result<RowEstimates, RunError>
    where
        C: Connection<Backend = Self> + LoadConnection,
    {
        conn.batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")?;
        let current: NameRow =
            diesel::sql_query("SELECT CAST(current_schema() AS TEXT) AS name").get_result(conn)?;
        let mut estimates = RowEstimates::new(current.name);
        // reltuples is -1 until the first VACUUM or ANALYZE (PostgreSQL
        // 14 and later; 0 before): the statistics' live count then.
        let rows: Vec<EstimateRow> = diesel::sql_query(format!(
            "SELECT CAST(n.nspname AS TEXT) AS schema, CAST(c.relname AS TEXT) AS name, \
                    CASE WHEN c.reltuples > 0 OR s.n_live_tup IS NULL \
                         THEN CAST(c.reltuples AS BIGINT) ELSE s.n_live_tup END AS estimate \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid \
             WHERE c.relkind IN ('r', 'p') AND {SCHEMA_FILTER}"
        ))
        .bind::<Array<Text>, _>(Vec::<String>::new())
        .load(conn)?;
        for r in rows {
            if crate::bookkeeping::TABLES.contains(&r.name.as_str()) {
                continue;
            }
            if let Some(n) = r.estimate.and_then(|n| u64::try_from(n).ok()) {
                estimates.insert(Some(&r.schema), &r.name, Estimate::About(n));
            }
        }
        Ok(estimates)
    }

    fn read_schema<C>(conn: &mut C, options: &IntrospectOptions) -> Result<Schema, RunError>
    where
        C: Connection<Backend = Self> + LoadConnection,
    {
        let current: NameRow =
            diesel::sql_query("SELECT CAST(current_schema() AS TEXT) AS name").get_result(conn)?;
        let mut schema = Schema::new(Backend::Postgres, current.name);
        let schemas = &options.schemas;

        let relations: Vec<RelationRow> = diesel::sql_query(format!(
            "SELECT CAST(n.nspname AS TEXT) AS schema, CAST(c.relname AS TEXT) AS name, \
                    CAST(c.relkind AS TEXT) AS kind, obj_description(c.oid, 'pg_class') AS comment, \
                    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS definition \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'v', 'm') AND {SCHEMA_FILTER}"
        ))
        .bind::<Array<Text>, _>(schemas)
        .load(conn)?;
        for r in relations {
            match r.kind.as_str() {
                "v" | "m" => schema.views.push(View {
                    schema: Some(r.schema),
                    name: r.name,
                    definition: r.definition.unwrap_or_default(),
                    materialized: r.kind == "m",
                    comment: r.comment,
                }),
                _ => {
                    let mut table = Table::new(Some(r.schema), r.name);
                    table.comment = r.comment;
                    schema.tables.push(table);
                }
            }
        }

        let columns: Vec<ColumnRow> = diesel::sql_query(format!(
            "SELECT CAST(col.table_schema AS TEXT) AS schema, CAST(col.table_name AS TEXT) AS table, \
                    CAST(col.column_name AS TEXT) AS name, CAST(col.ordinal_position AS INTEGER) AS position, \
                    CAST(col.udt_name AS TEXT) AS udt_name, CAST(col.udt_schema AS TEXT) AS udt_schema, \
                    CAST(col.domain_schema AS TEXT) AS domain_schema, CAST(col.domain_name AS TEXT) AS domain_name, \
                    format_type(a.atttypid, a.atttypmod) AS full_type, \
                    col.is_nullable = 'YES' AS nullable, \
                    CAST(col.character_maximum_length AS INTEGER) AS max_length, \
                    CAST(col.column_default AS TEXT) AS default_value, \
                    CASE WHEN col.is_identity = 'YES' THEN CAST(col.identity_generation AS TEXT) END AS identity, \
                    COALESCE(col.column_default LIKE 'nextval(%' AND \
                        pg_get_serial_sequence(format('%I.%I', col.table_schema, col.table_name), col.column_name) IS NOT NULL, false) AS serial, \
                    CASE WHEN col.is_generated = 'ALWAYS' THEN CAST(col.generation_expression AS TEXT) END AS generated, \
                    col_description(a.attrelid, a.attnum) AS comment \
             FROM information_schema.columns col \
             JOIN pg_namespace n ON n.nspname = col.table_schema \
             JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = col.table_name \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = col.column_name \
             WHERE c.relkind IN ('r', 'p') AND {SCHEMA_FILTER}"
        ))
        .bind::<Array<Text>, _>(schemas)
        .load(conn)?;
        for c in columns {
            let Some(table) = table_mut(&mut schema, &c.schema, &c.table) else {
                continue;
            };
            let (array, data_type) = match c.udt_name.strip_prefix('_') {
                Some(base) => (true, base.to_owned()),
                None => (false, c.udt_name.clone()),
            };
            let mut column = Column::new(c.name, u32::try_from(c.position).unwrap_or(0), data_type);
            column.array = array;
            column.full_type = c.full_type;
            column.type_schema = c.udt_schema;
            column.domain = c.domain_schema.zip(c.domain_name);
            column.nullable = c.nullable;
            column.max_length = c.max_length.and_then(|n| u64::try_from(n).ok());
            column.default = c.default_value;
            column.identity = match c.identity.as_deref() {
                Some("ALWAYS") => Some(Identity::Always),
                Some(_) => Some(Identity::ByDefault),
                None if c.serial => Some(Identity::Serial),
                None => None,
            };
            column.generated = c.generated;
            column.comment = c.comment;
            table.columns.push(column);
        }

        let constraints: Vec<ConstraintRow> = diesel::sql_query(format!(
            "SELECT CAST(n.nspname AS TEXT) AS schema, CAST(t.relname AS TEXT) AS table, \
                    CAST(con.conname AS TEXT) AS name, CAST(con.contype AS TEXT) AS kind, \
                    ARRAY(SELECT CAST(a.attname AS TEXT) FROM unnest(con.conkey) WITH ORDINALITY k(num, i) \
                          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.i) AS columns, \
                    CAST(fn.nspname AS TEXT) AS ref_schema, CAST(f.relname AS TEXT) AS ref_table, \
                    ARRAY(SELECT CAST(a.attname AS TEXT) FROM unnest(con.confkey) WITH ORDINALITY k(num, i) \
                          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.i) AS ref_columns, \
                    CAST(con.confupdtype AS TEXT) AS on_update, CAST(con.confdeltype AS TEXT) AS on_delete, \
                    pg_get_constraintdef(con.oid, true) AS definition \
             FROM pg_constraint con \
             JOIN pg_class t ON t.oid = con.conrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             LEFT JOIN pg_class f ON f.oid = con.confrelid \
             LEFT JOIN pg_namespace fn ON fn.oid = f.relnamespace \
             WHERE con.contype IN ('p', 'u', 'f', 'c') AND {SCHEMA_FILTER}"
        ))
        .bind::<Array<Text>, _>(schemas)
        .load(conn)?;
        for c in constraints {
            let Some(table) = table_mut(&mut schema, &c.schema, &c.table) else {
                continue;
            };
            match c.kind.as_str() {
                "p" => {
                    table.primary_key = Some(PrimaryKey {
                        name: Some(c.name),
                        columns: c.columns,
                    })
                }
                "u" => table.unique_constraints.push(UniqueConstraint {
                    name: Some(c.name),
                    columns: c.columns,
                }),
                "f" => table.foreign_keys.push(ForeignKey {
                    name: Some(c.name),
                    columns: c.columns,
                    referenced_schema: c.ref_schema,
                    referenced_table: c.ref_table.unwrap_or_default(),
                    referenced_columns: c.ref_columns,
                    on_update: action(&c.on_update),
                    on_delete: action(&c.on_delete),
                }),
                _ => table.checks.push(CheckConstraint {
                    name: Some(c.name),
                    expression: check_expression(&c.definition),
                }),
            }
        }

        let indexes: Vec<IndexRow> = diesel::sql_query(format!(
            "SELECT CAST(n.nspname AS TEXT) AS schema, CAST(t.relname AS TEXT) AS table, \
                    CAST(ic.relname AS TEXT) AS name, i.indisunique AS unique, CAST(am.amname AS TEXT) AS method, \
                    pg_get_expr(i.indpred, i.indrelid, true) AS predicate, \
                    pg_get_indexdef(i.indexrelid) AS definition, \
                    ARRAY(SELECT CASE WHEN i.indkey[s.k - 1] = 0 \
                                 THEN 'e:' || pg_get_indexdef(i.indexrelid, s.k, true) \
                                 ELSE 'c:' || (SELECT CAST(a.attname AS TEXT) FROM pg_attribute a \
                                               WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[s.k - 1]) END \
                          FROM generate_series(1, i.indnkeyatts) s(k) ORDER BY s.k) AS parts \
             FROM pg_index i \
             JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_class t ON t.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_am am ON am.oid = ic.relam \
             WHERE t.relkind IN ('r', 'p') AND {SCHEMA_FILTER} \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid \
                               AND con.contype IN ('p', 'u', 'x'))"
        ))
        .bind::<Array<Text>, _>(schemas)
        .load(conn)?;
        for i in indexes {
            let Some(table) = table_mut(&mut schema, &i.schema, &i.table) else {
                continue;
            };
            table.indexes.push(Index {
                name: i.name,
                parts: i
                    .parts
                    .into_iter()
                    .map(|p| match p.split_at(2) {
                        ("c:", c) => IndexPart::Column(c.to_owned()),
                        (_, e) => IndexPart::Expression(e.to_owned()),
                    })
                    .collect(),
                unique: i.unique,
                predicate: i.predicate,
                method: Some(i.method),
                definition: Some(i.definition),
            });
        }

        let types: Vec<TypeRow> = diesel::sql_query(format!(
            "SELECT CAST(n.nspname AS TEXT) AS schema, CAST(t.typname AS TEXT) AS name, \
                    CAST(t.typtype AS TEXT) AS kind, \
                    ARRAY(SELECT CAST(e.enumlabel AS TEXT) FROM pg_enum e WHERE e.enumtypid = t.oid \
                          ORDER BY e.enumsortorder) AS labels, \
                    CASE t.typtype \
                      WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod) || COALESCE(' ' || \
                           (SELECT string_agg(pg_get_constraintdef(c.oid, true), ' ' ORDER BY c.conname) \
                            FROM pg_constraint c WHERE c.contypid = t.oid), '') \
                      WHEN 'r' THEN (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) \
                      WHEN 'c' THEN (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) \
                                     FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) \
                      ELSE '' END AS definition, \
                    obj_description(t.oid, 'pg_type') AS comment \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE (t.typtype IN ('e', 'd', 'r') \
                    OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')) \
               AND {SCHEMA_FILTER}"
        ))
        .bind::<Array<Text>, _>(schemas)
        .load(conn)?;
        for t in types {
            if t.kind == "e" {
                schema.enums.push(EnumType {
                    schema: Some(t.schema),
                    name: t.name,
                    values: t.labels,
                    comment: t.comment,
                });
            } else {
                schema.custom_types.push(CustomType {
                    schema: Some(t.schema),
                    name: t.name,
                    kind: match t.kind.as_str() {
                        "d" => CustomTypeKind::Domain,
                        "r" => CustomTypeKind::Range,
                        _ => CustomTypeKind::Composite,
                    },
                    definition: t.definition,
                });
            }
        }
        for table in &mut schema.tables {
            table.comment = non_empty(table.comment.take());
        }
        Ok(schema)
    }
}

fn table_mut<'s>(schema: &'s mut Schema, namespace: &str, name: &str) -> Option<&'s mut Table> {
    schema
        .tables
        .iter_mut()
        .find(|t| t.name == name && t.schema.as_deref() == Some(namespace))
}

/// `pg_constraint`'s one-letter referential action, spelled out.
fn action(code: &str) -> String {
    match code {
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
    .to_owned()
}

/// `CHECK ((a > 0))` → `a > 0`.
fn check_expression(definition: &str) -> String {
    let inner = definition
        .strip_prefix("CHECK ")
        .unwrap_or(definition)
        .trim();
    let mut e = inner;
    while e.starts_with('(') && e.ends_with(')') && balanced(&e[1..e.len() - 1]) {
        e = &e[1..e.len() - 1];
    }
    e.to_owned()
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

#[derive(QueryableByName)]
struct EstimateRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::BigInt>)]
    estimate: Option<i64>,
}
