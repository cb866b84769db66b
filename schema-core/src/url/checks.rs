//! Values that are not URLs though they look close: what a Python user
//! writes in an ini file expecting Python's meaning (quotes, f-strings),
//! and SQLAlchemy driver names that SQLAlchemy itself would not load.

use crate::diag::suggest;

/// SQLAlchemy's drivers for the dialects cargo-schema maps to diesel: the
/// modules of `sqlalchemy.dialects.<dialect>` that define a `dialect`, as
/// SQLAlchemy 2.1's plugin loader finds them (`mariadb+X` loads the mysql
/// driver `X`). `tests/sqlalchemy_parity.rs` compares this table with the
/// SQLAlchemy that PyPI's alembic installs.
pub const SQLALCHEMY_DRIVERS: &[(&str, &[&str])] = &[
    (
        "postgresql",
        &[
            "asyncpg",
            "pg8000",
            "psycopg",
            "psycopg2",
            "psycopg2cffi",
            "psycopg_async",
        ],
    ),
    (
        "mysql",
        &[
            "aiomysql",
            "asyncmy",
            "cymysql",
            "mariadbconnector",
            "mysqlconnector",
            "mysqldb",
            "pymysql",
            "pyodbc",
        ],
    ),
    ("sqlite", &["aiosqlite", "pysqlcipher", "pysqlite"]),
];

/// The drivers SQLAlchemy has for `dialect` (`postgres` and `pgsql`, which
/// only diesel's side knows, share PostgreSQL's; `mariadb` MySQL's).
pub fn drivers_of(dialect: &str) -> &'static [&'static str] {
    let family = match dialect {
        "postgres" | "postgresql" | "pgsql" => "postgresql",
        "mysql" | "mariadb" => "mysql",
        other => other,
    };
    SQLALCHEMY_DRIVERS
        .iter()
        .find(|(d, _)| *d == family)
        .map_or(&[], |(_, drivers)| drivers)
}

/// Why `driver` after `dialect+` is refused, and the driver probably meant.
pub fn unknown_driver(dialect: &str, driver: &str) -> Option<(String, Option<&'static str>)> {
    let known = drivers_of(dialect);
    if known.is_empty() || known.contains(&driver) {
        return None;
    }
    let message = format!(
        "`{dialect}+{driver}` names no SQLAlchemy driver: SQLAlchemy's drivers for {dialect} are {}",
        known.join(", ")
    );
    Some((message, suggest(driver, known.iter().copied())))
}

/// The URL Alembic's templates ship (`driver://user:pass@localhost/dbname`,
/// `.../dbname2` in multidb): a placeholder for env.py to replace, so the
/// URL is left to run time.
pub fn is_alembic_placeholder(text: &str) -> bool {
    text.trim()
        .split_once("://")
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("driver"))
}

/// Why a value is Python rather than a URL: it is quoted (ini values keep
/// their quotes) or it is a string expression (`f'...'`, `r"..."`).
pub fn python_text(text: &str) -> Option<String> {
    let quote_at = text
        .char_indices()
        .take(3)
        .find(|(_, c)| matches!(c, '"' | '\''))
        .map(|(i, _)| i)?;
    let (prefix, quoted) = text.split_at(quote_at);
    let is_string_prefix = prefix.len() <= 2
        && prefix
            .chars()
            .all(|c| matches!(c.to_ascii_lowercase(), 'f' | 'r' | 'b' | 'u'));
    if !is_string_prefix {
        return None;
    }
    let quote = quoted.chars().next()?;
    if !prefix.is_empty() {
        return Some(format!(
            "`{prefix}{quote}...` is a Python expression, and ini values are text that nothing evaluates; \
             write the URL itself, with ${{NAME}} for the parts that come from the environment"
        ));
    }
    if quoted == "\"\"" || quoted == "''" {
        return Some(format!(
            "`{quoted}` is two quote characters, not an empty value: ini values keep their quotes; \
             leave the value empty (or remove the line) to give the URL at run time"
        ));
    }
    Some(format!(
        "the value is in quotes ({quote}...{quote}): ini values keep their quotes, so the quote characters \
         would be part of the URL; remove them"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_strings_are_recognised() {
        for text in [
            "\"mysql+pymysql://u@h/d\"",
            "'sqlite:///x.db'",
            "\"\"",
            "''",
            "f'postgresql+psycopg2://{user}@h/d'",
            "F\"postgresql://{u}@h/d\"",
            "rb'x'",
        ] {
            assert!(python_text(text).is_some(), "{text}");
        }
        for text in [
            "postgres://u@h/d",
            "sqlite:///it's.db",
            "app.db",
            "fr",
            "db'",
        ] {
            assert_eq!(python_text(text), None, "{text}");
        }
        assert!(python_text("\"\"")
            .unwrap()
            .contains("two quote characters"));
        assert!(python_text("f'x'").unwrap().contains("Python expression"));
    }

    #[test]
    fn alembic_placeholders() {
        assert!(is_alembic_placeholder(
            "driver://user:pass@localhost/dbname"
        ));
        assert!(is_alembic_placeholder(
            " driver://user:pass@localhost/dbname2"
        ));
        assert!(!is_alembic_placeholder(
            "postgresql://user:pass@localhost/dbname"
        ));
        assert!(!is_alembic_placeholder("driver"));
    }

    #[test]
    fn drivers_suggest_the_closest_real_one() {
        assert_eq!(unknown_driver("postgresql", "asyncpg"), None);
        assert_eq!(unknown_driver("mariadb", "pymysql"), None);
        assert_eq!(unknown_driver("oracle", "cx"), None);
        let (message, hint) = unknown_driver("postgresql", "async").unwrap();
        assert!(message.contains("asyncpg, pg8000"), "{message}");
        assert_eq!(hint, Some("asyncpg"));
        assert_eq!(
            unknown_driver("mysql", "pymsql").unwrap().1,
            Some("pymysql")
        );
        assert_eq!(unknown_driver("sqlite", "xyz").unwrap().1, None);
    }
}
