//! MySQL and MariaDB: `information_schema`, one query per kind of object
//! for the whole database.

use diesel::connection::LoadConnection;
use diesel::mysql::Mysql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use schema_core::lint::{Estimate, RowEstimates};
use schema_core::schema::{
    CheckConstraint, Column, ForeignKey, Identity, Index, IndexPart, PrimaryKey, Schema, Table,
    UniqueConstraint, View,
};
use schema_core::url::Backend;

use super::{non_empty, IntrospectBackend, IntrospectOptions};
use crate::error::RunError;

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

#[derive(QueryableByName)]
struct TableRow {
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
    table: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    position: i64,
    #[diesel(sql_type = Text)]
    column_type: String,
    #[diesel(sql_type = Text)]
    nullable: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    max_length: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    default_value: Option<String>,
    #[diesel(sql_type = Text)]
    extra: String,
    #[diesel(sql_type = Nullable<Text>)]
    generated: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    column: String,
    #[diesel(sql_type = Nullable<Text>)]
    ref_schema: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ref_table: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ref_column: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    on_update: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    on_delete: Option<String>,
}

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    non_unique: i64,
    #[diesel(sql_type = Nullable<Text>)]
    column: Option<String>,
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    sub_part: Option<i64>,
}

#[derive(QueryableByName)]
struct CheckRow {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    clause: String,
}

impl IntrospectBackend for Mysql {
    fn read_row_estimates<C>(conn: &mut C) -> Result<RowEstimates, RunError>
    where
        C: Connection<Backend = Self> + LoadConnection,
    {
        conn.batch_execute("SET SESSION TRANSACTION READ ONLY")?;
        let current: NameRow = diesel::sql_query("SELECT DATABASE() AS name").get_result(conn)?;
        let mut estimates = RowEstimates::new(current.name.clone());
        // InnoDB's TABLE_ROWS is an estimate from sampled pages, kept by
        // its persistent statistics.
        let rows: Vec<EstimateRow> = diesel::sql_query(
            "SELECT CAST(TABLE_NAME AS CHAR) AS name, CAST(TABLE_ROWS AS SIGNED) AS estimate \
             FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
        )
        .load(conn)?;
        for r in rows {
            if crate::bookkeeping::TABLES.contains(&r.name.as_str()) {
                continue;
            }
            if let Some(n) = r.estimate.and_then(|n| u64::try_from(n).ok()) {
                estimates.insert(current.name.as_deref(), &r.name, Estimate::About(n));
            }
        }
        Ok(estimates)
    }

    fn read_schema<C>(conn: &mut C, options: &IntrospectOptions) -> Result<Schema, RunError>
    where
        C: Connection<Backend = Self> + LoadConnection,
    {
        let current: NameRow = diesel::sql_query("SELECT DATABASE() AS name").get_result(conn)?;
        let mut schema = Schema::new(Backend::Mysql, current.name.clone());
        let databases = if options.schemas.is_empty() {
            current.name.into_iter().collect()
        } else {
            options.schemas.clone()
        };
        let version: NameRow = diesel::sql_query("SELECT VERSION() AS name").get_result(conn)?;
        let mariadb = version.name.unwrap_or_default().contains("MariaDB");
        for database in databases {
            read_database(conn, &mut schema, &database, mariadb)?;
        }
        Ok(schema)
    }
}

fn read_database<C>(
    conn: &mut C,
    schema: &mut Schema,
    database: &str,
    mariadb: bool,
) -> Result<(), RunError>
where
    C: Connection<Backend = Mysql> + LoadConnection,
{
    let db = Some(database.to_owned());
    let tables: Vec<TableRow> = diesel::sql_query(
        "SELECT CAST(t.table_name AS CHAR) AS name, CAST(t.table_type AS CHAR) AS kind, \
                CAST(t.table_comment AS CHAR) AS comment, CAST(v.view_definition AS CHAR) AS definition \
         FROM information_schema.tables t \
         LEFT JOIN information_schema.views v ON v.table_schema = t.table_schema AND v.table_name = t.table_name \
         WHERE t.table_schema = ?",
    )
    .bind::<Text, _>(database)
    .load(conn)?;
    let mut own: Vec<Table> = Vec::new();
    for t in tables {
        if t.kind == "BASE TABLE" {
            let mut table = Table::new(db.clone(), t.name);
            table.comment = non_empty(t.comment);
            own.push(table);
        } else if t.kind == "VIEW" {
            schema.views.push(View {
                schema: db.clone(),
                name: t.name,
                definition: t.definition.unwrap_or_default(),
                materialized: false,
                comment: None,
            });
        }
    }

    let columns: Vec<ColumnRow> = diesel::sql_query(
        "SELECT CAST(table_name AS CHAR) AS `table`, CAST(column_name AS CHAR) AS name, \
                CAST(ordinal_position AS SIGNED) AS position, CAST(column_type AS CHAR) AS column_type, \
                CAST(is_nullable AS CHAR) AS nullable, \
                CAST(character_maximum_length AS SIGNED) AS max_length, \
                CAST(column_default AS CHAR) AS default_value, CAST(extra AS CHAR) AS extra, \
                CAST(generation_expression AS CHAR) AS generated, \
                CAST(column_comment AS CHAR) AS comment \
         FROM information_schema.columns WHERE table_schema = ?",
    )
    .bind::<Text, _>(database)
    .load(conn)?;
    for c in columns {
        let Some(table) = own.iter_mut().find(|t| t.name == c.table) else {
            continue;
        };
        let mut column = Column::new(
            c.name,
            u32::try_from(c.position).unwrap_or(0),
            &c.column_type,
        );
        column.unsigned = c.column_type.to_lowercase().contains("unsigned");
        column.nullable = c.nullable == "YES";
        column.max_length = c.max_length.and_then(|n| u64::try_from(n).ok());
        column.default = c.default_value;
        let extra = c.extra.to_ascii_lowercase();
        if extra.contains("auto_increment") {
            column.identity = Some(Identity::AutoIncrement);
        }
        if extra.contains("generated") {
            column.generated = non_empty(c.generated);
        }
        column.comment = non_empty(c.comment);
        table.columns.push(column);
    }

    let keys: Vec<KeyRow> = diesel::sql_query(
        "SELECT CAST(tc.table_name AS CHAR) AS `table`, CAST(tc.constraint_name AS CHAR) AS name, \
                CAST(tc.constraint_type AS CHAR) AS kind, CAST(k.column_name AS CHAR) AS `column`, \
                CAST(k.referenced_table_schema AS CHAR) AS ref_schema, \
                CAST(k.referenced_table_name AS CHAR) AS ref_table, \
                CAST(k.referenced_column_name AS CHAR) AS ref_column, \
                CAST(r.update_rule AS CHAR) AS on_update, CAST(r.delete_rule AS CHAR) AS on_delete \
         FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage k \
           ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name \
          AND k.table_name = tc.table_name \
          AND (tc.constraint_type = 'FOREIGN KEY') = (k.referenced_table_name IS NOT NULL) \
         LEFT JOIN information_schema.referential_constraints r \
           ON r.constraint_schema = tc.constraint_schema AND r.constraint_name = tc.constraint_name \
          AND r.table_name = tc.table_name \
         WHERE tc.table_schema = ? AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') \
         ORDER BY tc.table_name, tc.constraint_name, k.ordinal_position",
    )
    .bind::<Text, _>(database)
    .load(conn)?;
    for k in keys {
        let Some(table) = own.iter_mut().find(|t| t.name == k.table) else {
            continue;
        };
        match k.kind.as_str() {
            "PRIMARY KEY" => table
                .primary_key
                .get_or_insert_with(|| PrimaryKey {
                    name: Some(k.name.clone()),
                    columns: Vec::new(),
                })
                .columns
                .push(k.column),
            "UNIQUE" => match table
                .unique_constraints
                .iter_mut()
                .find(|u| u.name.as_deref() == Some(&k.name))
            {
                Some(u) => u.columns.push(k.column),
                None => table.unique_constraints.push(UniqueConstraint {
                    name: Some(k.name),
                    columns: vec![k.column],
                }),
            },
            _ => match table
                .foreign_keys
                .iter_mut()
                .find(|f| f.name.as_deref() == Some(&k.name))
            {
                Some(f) => {
                    f.columns.push(k.column);
                    f.referenced_columns.extend(k.ref_column);
                }
                None => table.foreign_keys.push(ForeignKey {
                    name: Some(k.name),
                    columns: vec![k.column],
                    referenced_schema: k.ref_schema,
                    referenced_table: k.ref_table.unwrap_or_default(),
                    referenced_columns: k.ref_column.into_iter().collect(),
                    on_update: k.on_update.unwrap_or_else(|| "NO ACTION".to_owned()),
                    on_delete: k.on_delete.unwrap_or_else(|| "NO ACTION".to_owned()),
                }),
            },
        }
    }

    let indexes: Vec<IndexRow> = diesel::sql_query(
        "SELECT CAST(table_name AS CHAR) AS `table`, CAST(index_name AS CHAR) AS name, \
                CAST(non_unique AS SIGNED) AS non_unique, CAST(column_name AS CHAR) AS `column`, \
                CAST(index_type AS CHAR) AS method, CAST(sub_part AS SIGNED) AS sub_part \
         FROM information_schema.statistics WHERE table_schema = ? \
         ORDER BY table_name, index_name, seq_in_index",
    )
    .bind::<Text, _>(database)
    .load(conn)?;
    for i in indexes {
        let Some(table) = own.iter_mut().find(|t| t.name == i.table) else {
            continue;
        };
        // The indexes behind the primary key and unique constraints are
        // those constraints.
        if i.name == "PRIMARY"
            || table
                .unique_constraints
                .iter()
                .any(|u| u.name.as_deref() == Some(&i.name))
        {
            continue;
        }
        let part = match (i.column, i.sub_part.and_then(|n| u32::try_from(n).ok())) {
            (Some(column), Some(length)) => IndexPart::Prefix { column, length },
            (Some(c), None) => IndexPart::Column(c),
            (None, _) => IndexPart::Expression(String::new()),
        };
        match table.indexes.iter_mut().find(|x| x.name == i.name) {
            Some(index) => index.parts.push(part),
            None => table.indexes.push(Index {
                name: i.name,
                parts: vec![part],
                unique: i.non_unique == 0,
                predicate: None,
                method: Some(i.method),
                definition: None,
            }),
        }
    }

    // MariaDB names check constraints per table and lists their table in
    // check_constraints; MySQL names them per database and does not.
    let checks_sql = if mariadb {
        "SELECT CAST(table_name AS CHAR) AS `table`, CAST(constraint_name AS CHAR) AS name, \
                CAST(check_clause AS CHAR) AS clause \
         FROM information_schema.check_constraints WHERE constraint_schema = ?"
    } else {
        "SELECT CAST(tc.table_name AS CHAR) AS `table`, CAST(tc.constraint_name AS CHAR) AS name, \
                CAST(cc.check_clause AS CHAR) AS clause \
         FROM information_schema.table_constraints tc \
         JOIN information_schema.check_constraints cc \
           ON cc.constraint_schema = tc.constraint_schema AND cc.constraint_name = tc.constraint_name \
         WHERE tc.table_schema = ? AND tc.constraint_type = 'CHECK'"
    };
    let checks: Vec<CheckRow> = diesel::sql_query(checks_sql)
        .bind::<Text, _>(database)
        .load(conn)?;
    for c in checks {
        if let Some(table) = own.iter_mut().find(|t| t.name == c.table) {
            table.checks.push(CheckConstraint {
                name: Some(c.name),
                expression: c.clause,
            });
        }
    }
    schema.tables.extend(own);
    Ok(())
}

#[derive(QueryableByName)]
struct EstimateRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    estimate: Option<i64>,
}
