//! Row estimates of the live database's tables (`lint --against-database`),
//! and how findings show them: "rewrites `crates` (about 1.2M rows)".
//!
//! The estimates are the server's statistics, read by the caller with
//! catalog queries: PostgreSQL's `pg_class.reltuples` (or
//! `pg_stat_user_tables.n_live_tup` before the first ANALYZE), MariaDB's
//! `information_schema.TABLES.TABLE_ROWS`, SQLite's `sqlite_stat1` when
//! ANALYZE ran, else a count that stops at [`SQLITE_COUNT_LIMIT`]. They
//! only inform: no rule lowers a finding's severity for a small or empty
//! table, as neither squawk, strong_migrations nor Atlas's analyzers do.
//! Statistics lag (reltuples moves at VACUUM and ANALYZE, InnoDB samples
//! a few pages), and a table empty when the lint runs can be full by the
//! time the revision deploys.

use std::fmt;

use sqlparser::ast::ObjectName;

/// SQLite without `sqlite_stat1`: rows are counted, up to this many.
pub const SQLITE_COUNT_LIMIT: u64 = 10_000;

/// How many rows a table holds, as far as the server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimate {
    /// The statistics' estimate (or an exact count below the limit).
    About(u64),
    /// A count that stopped at its limit: at least this many.
    AtLeast(u64),
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Estimate::About(0) => write!(f, "no rows, by the database's estimate"),
            Estimate::About(n) => write!(f, "about {} rows", short(n)),
            Estimate::AtLeast(n) => write!(f, "more than {} rows", short(n)),
        }
    }
}

/// `1.2M`, `35k`, `950`.
fn short(n: u64) -> String {
    let scaled = |unit: u64, suffix: &str| {
        let x = n as f64 / unit as f64;
        if x < 9.95 {
            format!("{x:.1}{suffix}")
        } else {
            format!("{x:.0}{suffix}")
        }
    };
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => scaled(1_000, "k"),
        1_000_000..1_000_000_000 => scaled(1_000_000, "M"),
        _ => scaled(1_000_000_000, "B"),
    }
}

/// The live database's tables and their estimates.
#[derive(Debug, Clone, Default)]
pub struct RowEstimates {
    /// Where unqualified names resolve (PostgreSQL's first schema of the
    /// search path, MySQL's database; `None` on SQLite).
    default_schema: Option<String>,
    /// `(schema, table, estimate)`, names lower-cased.
    tables: Vec<(Option<String>, String, Estimate)>,
}

impl RowEstimates {
    /// No tables yet; unqualified names resolve in `default_schema`.
    pub fn new(default_schema: Option<String>) -> Self {
        RowEstimates {
            default_schema: default_schema.map(|s| s.to_lowercase()),
            tables: Vec::new(),
        }
    }

    /// Record `schema.table`'s estimate.
    pub fn insert(&mut self, schema: Option<&str>, table: &str, estimate: Estimate) {
        self.tables.push((
            schema.map(str::to_lowercase),
            table.to_lowercase(),
            estimate,
        ));
    }

    /// How many tables have an estimate.
    pub fn len(&self) -> usize {
        self.tables.len()
    }

    /// Whether no table has one.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The estimate of the table `schema.table` (`schema` `None`: as an
    /// unqualified name resolves).
    pub fn get(&self, schema: Option<&str>, table: &str) -> Option<Estimate> {
        let table = table.to_lowercase();
        let schema = schema
            .map(str::to_lowercase)
            .or_else(|| self.default_schema.clone());
        let mut named = self.tables.iter().filter(|(_, t, _)| *t == table);
        match schema {
            Some(schema) => named
                .find(|(s, _, _)| s.as_deref().is_none_or(|s| s == schema))
                .map(|(_, _, e)| *e),
            None => named.next().map(|(_, _, e)| *e),
        }
    }

    /// The estimate of the table `name` names.
    pub fn of(&self, name: &ObjectName) -> Option<Estimate> {
        let parts: Vec<&str> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(|i| i.value.as_str()))
            .collect();
        match parts.as_slice() {
            [.., schema, table] => self.get(Some(schema), table),
            [table] => self.get(None, table),
            [] => None,
        }
    }

    /// `message` with each table it names in backquotes followed, the
    /// first time, by its estimate: "rewrites `crates` (about 1.2M
    /// rows)". `existed` says whether a name is a table that was there
    /// before the revision (one it created has no live rows).
    pub(crate) fn annotate(&self, message: &str, existed: impl Fn(&ObjectName) -> bool) -> String {
        let mut out = String::with_capacity(message.len() + 32);
        let mut seen: Vec<String> = Vec::new();
        let mut rest = message;
        while let Some(open) = rest.find('`') {
            let Some(len) = rest[open + 1..].find('`') else {
                break;
            };
            let close = open + 1 + len;
            let quoted = &rest[open + 1..close];
            out.push_str(&rest[..=close]);
            rest = &rest[close + 1..];
            if seen.iter().any(|s| s == quoted) {
                continue;
            }
            let Some(name) = object_name(quoted) else {
                continue;
            };
            if let Some(estimate) = self.of(&name).filter(|_| existed(&name)) {
                seen.push(quoted.to_owned());
                out.push_str(&format!(" ({estimate})"));
            }
        }
        out.push_str(rest);
        out
    }
}

/// `quoted` (a name as a message prints it, `public.crates` or
/// `"Crates"`) read back as an object name.
fn object_name(quoted: &str) -> Option<ObjectName> {
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;
    // Only a bare (possibly qualified, possibly quoted) name: not a column
    // list, a type or a clause that messages also quote.
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect).try_with_sql(quoted).ok()?;
    let name = parser.parse_object_name(false).ok()?;
    (parser.peek_token().token == sqlparser::tokenizer::Token::EOF).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_read_as_people_write_them() {
        assert_eq!(Estimate::About(1_234_567).to_string(), "about 1.2M rows");
        assert_eq!(Estimate::About(35_400).to_string(), "about 35k rows");
        assert_eq!(Estimate::About(950).to_string(), "about 950 rows");
        assert_eq!(
            Estimate::About(0).to_string(),
            "no rows, by the database's estimate"
        );
        assert_eq!(Estimate::AtLeast(10_000).to_string(), "more than 10k rows");
    }

    #[test]
    fn each_table_is_annotated_once_when_it_existed() {
        let mut rows = RowEstimates::new(Some("public".into()));
        rows.insert(Some("public"), "crates", Estimate::About(1_200_000));
        rows.insert(Some("public"), "users", Estimate::About(10));
        rows.insert(Some("other"), "users", Estimate::About(99));
        let all = |_: &ObjectName| true;
        assert_eq!(
            rows.annotate("takes SHARE ROW EXCLUSIVE on `crates` and on `users` and scans `crates`", all),
            "takes SHARE ROW EXCLUSIVE on `crates` (about 1.2M rows) and on `users` (about 10 rows) and scans `crates`"
        );
        assert_eq!(
            rows.annotate("drops `other.users`; column `name TEXT`", all),
            "drops `other.users` (about 99 rows); column `name TEXT`"
        );
        assert_eq!(
            rows.annotate("indexes `crates`", |_| false),
            "indexes `crates`"
        );
    }
}
