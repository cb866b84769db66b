//! SQLite: `sqlite_master` and the `table_xinfo`, `table_list`,
//! `foreign_key_list`, `index_list` and `index_xinfo` pragmas. Check
//! constraints and partial-index predicates exist only in the stored
//! `CREATE` statements, so they are read from there.

use std::collections::HashMap;

use diesel::connection::LoadConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text};
use diesel::sqlite::Sqlite;
use schema_core::lint::{Estimate, RowEstimates, SQLITE_COUNT_LIMIT};
use schema_core::schema::{
    CheckConstraint, Column, ForeignKey, Identity, Index, IndexPart, PrimaryKey, Schema, Table,
    UniqueConstraint, View,
};
use schema_core::url::Backend;

use super::{IntrospectBackend, IntrospectOptions, Kept};
use crate::error::RunError;

#[derive(QueryableByName)]
struct MasterRow {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    tbl_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    sql: Option<String>,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Integer)]
    cid: i32,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text, column_name = "type")]
    ty: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Nullable<Text>)]
    dflt_value: Option<String>,
    #[diesel(sql_type = Integer)]
    pk: i32,
    #[diesel(sql_type = Integer)]
    hidden: i32,
}

#[derive(QueryableByName)]
struct TableListRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    wr: i32,
}

#[derive(QueryableByName)]
struct ForeignKeyRow {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    from: String,
    #[diesel(sql_type = Nullable<Text>)]
    to: Option<String>,
    #[diesel(sql_type = Text)]
    on_update: String,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

#[derive(QueryableByName)]
struct IndexListRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    unique: i32,
    #[diesel(sql_type = Text)]
    origin: String,
}

#[derive(QueryableByName)]
struct IndexColumnRow {
    #[diesel(sql_type = Integer)]
    cid: i32,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Integer)]
    key: i32,
}

/// A name as a quoted SQL string literal (pragma arguments).
fn literal(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

impl IntrospectBackend for Sqlite {
    fn read_row_estimates<C>(conn: &mut C) -> Result<RowEstimates, RunError>
    where
        C: Connection<Backend = Self> + LoadConnection,
    {
        conn.batch_execute("PRAGMA query_only = ON")?;
        let mut estimates = RowEstimates::new(None);
        let tables: Vec<NameOnlyRow> = diesel::sql_query(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        )
        .load(conn)?;
        // ANALYZE's statistics when it ran: the first number of a
        // table's `stat` is its row count.
        let analyzed: Vec<StatRow> = if diesel::sql_query(
            "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'",
        )
        .get_result::<CountRow>(conn)?
        .n
            > 0
        {
            diesel::sql_query("SELECT tbl, stat FROM sqlite_stat1").load(conn)?
        } else {
            Vec::new()
        };
        for t in tables {
            if crate::bookkeeping::TABLES.contains(&t.name.as_str()) {
                continue;
            }
            let stat = analyzed
                .iter()
                .find(|s| s.tbl == t.name)
                .and_then(|s| s.stat.split(' ').next()?.parse::<u64>().ok());
            let estimate = match stat {
                Some(n) => Estimate::About(n),
                None => {
                    // No statistics: count, but never past the limit, so
                    // that a large file is not read through.
                    let limit = SQLITE_COUNT_LIMIT;
                    let counted: CountRow = diesel::sql_query(format!(
                        "SELECT count(*) AS n FROM (SELECT 1 FROM \"{}\" LIMIT {})",
                        t.name.replace('"', "\"\""),
                        limit + 1
                    ))
                    .get_result(conn)?;
                    let n = u64::try_from(counted.n).unwrap_or(0);
                    if n > limit {
                        Estimate::AtLeast(limit)
                    } else {
                        Estimate::About(n)
                    }
                }
            };
            estimates.insert(None, &t.name, estimate);
        }
        Ok(estimates)
    }

    fn read_schema<C>(conn: &mut C, _options: &IntrospectOptions) -> Result<Schema, RunError>
    where
        C: Connection<Backend = Self> + LoadConnection,
    {
        read(conn, &mut Kept::default())
    }

    fn reread_schema<C>(
        conn: &mut C,
        _options: &IntrospectOptions,
        kept: &mut Kept,
    ) -> Result<Schema, RunError>
    where
        C: Connection<Backend = Self> + LoadConnection,
    {
        read(conn, kept)
    }
}

/// The schema, each table taken from `kept` when its fingerprint is the
/// same; `kept` then holds what this read found.
fn read<C>(conn: &mut C, kept: &mut Kept) -> Result<Schema, RunError>
where
    C: Connection<Backend = Sqlite> + LoadConnection,
{
    let mut schema = Schema::new(Backend::Sqlite, None);
    let master: Vec<MasterRow> = diesel::sql_query(
        "SELECT type AS kind, name, tbl_name, sql FROM sqlite_master \
         WHERE type IN ('table', 'view', 'index') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .load(conn)?;
    for row in master.iter().filter(|r| r.kind == "view") {
        schema.views.push(View {
            schema: None,
            name: row.name.clone(),
            definition: row.sql.clone().unwrap_or_default(),
            materialized: false,
            comment: None,
        });
    }
    let mut fingerprints: HashMap<&str, String> = HashMap::new();
    for row in &master {
        if row.kind == "table" || row.kind == "index" {
            // SQLite rewrites the stored CREATE on ALTER TABLE; what a
            // table reads as depends on that and on its indexes' alone
            // (whose tbl_name is the table's own spelling, whatever case
            // CREATE INDEX used). A reordered catalog only misses the
            // kept copy, never returns a stale one.
            let print = fingerprints.entry(&row.tbl_name).or_default();
            print.push_str(&row.kind);
            print.push('\0');
            print.push_str(&row.name);
            print.push('\0');
            print.push_str(row.sql.as_deref().unwrap_or(""));
            print.push('\0');
        }
    }
    let mut now = HashMap::new();
    for row in master.iter().filter(|r| r.kind == "table") {
        let print = fingerprints.remove(row.name.as_str()).unwrap_or_default();
        let table = match kept.tables.remove(&row.name) {
            Some((before, table)) if before == print => table,
            _ => {
                let sql = row.sql.clone().unwrap_or_default();
                let mut table = read_table(conn, &row.name, &sql, &master)?;
                table.checks = checks(&sql);
                table
            }
        };
        schema.tables.push(table.clone());
        now.insert(row.name.clone(), (print, table));
    }
    kept.tables = now;
    Ok(schema)
}

fn read_table<C>(
    conn: &mut C,
    name: &str,
    sql: &str,
    master: &[MasterRow],
) -> Result<Table, RunError>
where
    C: Connection<Backend = Sqlite> + LoadConnection,
{
    let mut table = Table::new(None, name);
    let columns: Vec<ColumnRow> =
        diesel::sql_query(format!("PRAGMA table_xinfo({})", literal(name))).load(conn)?;
    let list: Vec<TableListRow> =
        diesel::sql_query(format!("PRAGMA table_list({})", literal(name))).load(conn)?;
    table.without_rowid = list.iter().any(|r| r.name == name && r.wr != 0);
    let mut key: Vec<(i32, String)> = columns
        .iter()
        .filter(|c| c.pk > 0)
        .map(|c| (c.pk, c.name.clone()))
        .collect();
    key.sort();
    let key: Vec<String> = key.into_iter().map(|(_, n)| n).collect();
    let autoincrement = sql.to_ascii_uppercase().contains("AUTOINCREMENT");
    for (i, c) in columns.iter().enumerate() {
        let mut column = Column::new(&c.name, u32::try_from(i + 1).unwrap_or(u32::MAX), &c.ty);
        let _ = c.cid;
        let rowid = key.len() == 1
            && key[0] == c.name
            && c.ty.eq_ignore_ascii_case("integer")
            && !table.without_rowid;
        // As the table declares it (diesel prints a rowid alias without
        // NOT NULL as Nullable).
        column.nullable = c.notnull == 0;
        column.default = c.dflt_value.clone();
        if rowid {
            column.identity = Some(if autoincrement {
                Identity::AutoIncrement
            } else {
                Identity::RowId
            });
        }
        // diesel lists hidden (generated, virtual-table) columns too.
        let _ = c.hidden;
        table.columns.push(column);
    }
    if !key.is_empty() {
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: key,
        });
    }

    let fks: Vec<ForeignKeyRow> =
        diesel::sql_query(format!("PRAGMA foreign_key_list({})", literal(name))).load(conn)?;
    let mut ids: Vec<i32> = fks.iter().map(|f| f.id).collect();
    ids.dedup();
    for id in ids {
        let rows: Vec<&ForeignKeyRow> = fks.iter().filter(|f| f.id == id).collect();
        let first = rows[0];
        table.foreign_keys.push(ForeignKey {
            name: None,
            columns: rows.iter().map(|r| r.from.clone()).collect(),
            referenced_schema: None,
            referenced_table: first.table.clone(),
            referenced_columns: rows.iter().filter_map(|r| r.to.clone()).collect(),
            on_update: first.on_update.clone(),
            on_delete: first.on_delete.clone(),
        });
    }

    let indexes: Vec<IndexListRow> =
        diesel::sql_query(format!("PRAGMA index_list({})", literal(name))).load(conn)?;
    for index in indexes {
        let parts: Vec<IndexColumnRow> =
            diesel::sql_query(format!("PRAGMA index_xinfo({})", literal(&index.name)))
                .load(conn)?;
        let parts: Vec<IndexPart> = parts
            .into_iter()
            .filter(|p| p.key != 0)
            .map(|p| match (p.cid, p.name) {
                (-2, _) | (_, None) => IndexPart::Expression(String::new()),
                (_, Some(n)) => IndexPart::Column(n),
            })
            .collect();
        match index.origin.as_str() {
            "pk" => {}
            "u" => table.unique_constraints.push(UniqueConstraint {
                name: None,
                columns: parts
                    .into_iter()
                    .filter_map(|p| match p {
                        IndexPart::Column(c) => Some(c),
                        _ => None,
                    })
                    .collect(),
            }),
            _ => {
                let definition = master
                    .iter()
                    .find(|m| m.kind == "index" && m.name == index.name)
                    .and_then(|m| m.sql.clone());
                table.indexes.push(Index {
                    predicate: definition.as_deref().and_then(predicate),
                    name: index.name,
                    parts,
                    unique: index.unique != 0,
                    method: None,
                    definition,
                });
            }
        }
    }
    Ok(table)
}

/// The `WHERE` clause of a partial index's `CREATE INDEX`.
fn predicate(sql: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    let close = upper.rfind(')')?;
    let at = upper[close..].find(" WHERE ")? + close;
    Some(sql[at + " WHERE ".len()..].trim().to_owned())
}

/// The parenthesised text that follows `at` in `sql`, quotes respected.
fn parenthesised(sql: &str, at: usize) -> Option<(usize, String)> {
    let rest = &sql[at..];
    let open = rest.find(|c: char| !c.is_whitespace())?;
    if !rest[open..].starts_with('(') {
        return None;
    }
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, c) in rest[open..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    let inner = &rest[open + 1..open + i];
                    return Some((at + open + i + 1, inner.trim().to_owned()));
                }
            }
            _ => {}
        }
    }
    None
}

/// Positions of a keyword (whole word, any case) outside quotes.
fn keyword_positions(sql: &str, word: &str) -> Vec<usize> {
    let upper = sql.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut out = Vec::new();
    let mut quote: Option<u8> = None;
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    for i in 0..bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if matches!(b, b'\'' | b'"' | b'`' | b'[') => {
                quote = Some(if b == b'[' { b']' } else { b })
            }
            None => {
                if upper[i..].starts_with(word)
                    && (i == 0 || !is_word(bytes[i - 1]))
                    && bytes.get(i + word.len()).is_none_or(|b| !is_word(*b))
                {
                    out.push(i);
                }
            }
        }
    }
    out
}

/// `CHECK (...)` clauses of a `CREATE TABLE`, with their `CONSTRAINT` name.
fn checks(sql: &str) -> Vec<CheckConstraint> {
    let constraints = keyword_positions(sql, "CONSTRAINT");
    keyword_positions(sql, "CHECK")
        .into_iter()
        .filter_map(|at| {
            let (_, expression) = parenthesised(sql, at + "CHECK".len())?;
            let name = constraints.iter().rev().find(|&&c| c < at).and_then(|&c| {
                let between = sql[c + "CONSTRAINT".len()..at].trim();
                let name = between.trim_matches(|q| matches!(q, '"' | '`' | '[' | ']'));
                (!between.is_empty() && !name.contains(char::is_whitespace))
                    .then(|| name.to_owned())
            });
            Some(CheckConstraint { name, expression })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_come_from_the_create_statement() {
        let sql = "CREATE TABLE t (a INT CHECK (a > 0), b TEXT, CONSTRAINT b_len CHECK (length(b) < 10 AND b <> ')'))";
        let found = checks(sql);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].expression, "a > 0");
        assert_eq!(found[0].name, None);
        assert_eq!(found[1].name.as_deref(), Some("b_len"));
        assert_eq!(found[1].expression, "length(b) < 10 AND b <> ')'");
    }

    #[test]
    fn predicates_come_from_the_create_statement() {
        assert_eq!(
            predicate("CREATE INDEX i ON t (a) WHERE a > 0").as_deref(),
            Some("a > 0")
        );
        assert_eq!(predicate("CREATE INDEX i ON t (a)"), None);
    }
}

#[derive(QueryableByName)]
struct NameOnlyRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct StatRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    stat: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
