//! One statement, parsed with sqlparser in its backend's dialect.

use std::sync::OnceLock;

use regex::Regex;
use sqlparser::ast::Statement;
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use crate::url::Backend;

/// A statement as the rules see it.
pub(crate) struct Parsed {
    /// The syntax tree; `None` when sqlparser cannot read the statement.
    pub statement: Option<Statement>,
    /// Why it could not be read.
    pub error: Option<String>,
    /// `DROP INDEX CONCURRENTLY`, which sqlparser 0.59 does not read: the
    /// keyword is taken out before parsing and remembered here.
    pub drop_concurrently: bool,
    /// SQLite `PRAGMA foreign_keys = ...`: the value set.
    pub foreign_keys_pragma: Option<bool>,
    /// PostgreSQL `REINDEX`, which sqlparser 0.59 does not read.
    pub reindex: Option<Reindex>,
}

/// `REINDEX [(options)] INDEX|TABLE|SCHEMA|DATABASE|SYSTEM [CONCURRENTLY] name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reindex {
    /// `INDEX`, `TABLE`, ... upper-cased.
    pub kind: String,
    pub concurrently: bool,
    /// The name as written.
    pub name: String,
}

fn reindex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?is)^\s*REINDEX\s*(?:\([^)]*\)\s*)?(INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)\s+(CONCURRENTLY\s+)?([^\s;]+)\s*$")
            .expect("a valid regex")
    })
}

fn drop_concurrently() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?is)^\s*DROP\s+INDEX\s+CONCURRENTLY\s").expect("a valid regex"))
}

fn foreign_keys_pragma() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?is)^\s*PRAGMA\s+(?:main\.)?foreign_keys\s*=\s*['"]?(\w+)['"]?\s*$"#)
            .expect("a valid regex")
    })
}

/// Parse `text` (one statement, no terminator) for `backend`.
pub(crate) fn parse(text: &str, backend: Backend) -> Parsed {
    let dialect: &dyn Dialect = match backend {
        Backend::Postgres => &PostgreSqlDialect {},
        Backend::Mysql => &MySqlDialect {},
        Backend::Sqlite => &SQLiteDialect {},
    };
    let foreign_keys_pragma = foreign_keys_pragma().captures(text).and_then(|c| {
        match c[1].to_ascii_lowercase().as_str() {
            "on" | "1" | "true" | "yes" => Some(true),
            "off" | "0" | "false" | "no" => Some(false),
            _ => None,
        }
    });
    let drop_concurrently = backend == Backend::Postgres && drop_concurrently().is_match(text);
    let reindex = (backend == Backend::Postgres)
        .then(|| reindex().captures(text))
        .flatten()
        .map(|c| Reindex {
            kind: c[1].to_ascii_uppercase(),
            concurrently: c.get(2).is_some(),
            name: c[3].to_owned(),
        });
    if reindex.is_some() {
        return Parsed {
            statement: None,
            error: None,
            drop_concurrently,
            foreign_keys_pragma,
            reindex,
        };
    }
    let text = if drop_concurrently {
        drop_concurrently_re_text(text)
    } else {
        text.to_owned()
    };
    match Parser::parse_sql(dialect, &text) {
        Ok(mut statements) if statements.len() == 1 => Parsed {
            statement: statements.pop(),
            error: None,
            drop_concurrently,
            foreign_keys_pragma,
            reindex: None,
        },
        Ok(statements) => Parsed {
            statement: None,
            error: Some(format!("read as {} statements", statements.len())),
            drop_concurrently,
            foreign_keys_pragma,
            reindex: None,
        },
        Err(e) => Parsed {
            statement: None,
            error: Some(e.to_string()),
            drop_concurrently,
            foreign_keys_pragma,
            reindex: None,
        },
    }
}

/// `DROP INDEX CONCURRENTLY x` as `DROP INDEX x`.
fn drop_concurrently_re_text(text: &str) -> String {
    let m = drop_concurrently().find(text).map_or(0, |m| m.end());
    format!("DROP INDEX {}", &text[m..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_index_concurrently_is_read() {
        let p = parse("DROP INDEX CONCURRENTLY IF EXISTS ix", Backend::Postgres);
        assert!(p.drop_concurrently);
        assert!(p.statement.is_some(), "{:?}", p.error);
        let p = parse("PRAGMA foreign_keys = OFF", Backend::Sqlite);
        assert_eq!(p.foreign_keys_pragma, Some(false));
        let p = parse(
            "REINDEX (VERBOSE) TABLE CONCURRENTLY public.items",
            Backend::Postgres,
        );
        assert_eq!(
            p.reindex,
            Some(Reindex {
                kind: "TABLE".into(),
                concurrently: true,
                name: "public.items".into()
            })
        );
    }
}
