//! The engine options: the one table that says which `<prefix>*` keys exist,
//! what type each has, its default and what it means.
//!
//! The CLI's `config` command, the runtime's `engine_from_config` and the
//! `embed!()` macro all read this table, so an option is documented,
//! validated and typed in one place.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::url::{Backend, DatabaseUrl, UrlStyle};

/// The type of an option's value, and how text is read as it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// A database URL.
    Url,
    /// SQLAlchemy's `asbool`: true/yes/on/y/t/1, false/no/off/n/f/0.
    Bool,
    /// A boolean, or `debug` (statements and result rows).
    Echo,
    /// A whole number `>= 0`.
    Count,
    /// A whole number, `-1` meaning "no limit".
    Limit,
    /// Seconds, whole or fractional; `-1` means "never" where allowed.
    Seconds {
        /// Whether `-1` is accepted.
        never: bool,
    },
    /// Milliseconds as a whole number, or with a unit: `500ms`, `5s`, `1min`.
    Millis,
    /// One of a fixed set of words, compared case-insensitively.
    Choice(&'static [&'static str]),
    /// Free text.
    Text,
    /// PostgreSQL's `search_path`: comma-separated schema names, each
    /// plain (folded to lower case, as the server folds it) or
    /// `"double-quoted"`; sent quoted as identifiers, one by one.
    SchemaList,
    /// A word of a session setting written into a statement (a character
    /// set, a time zone, an `sql_mode` list): ASCII letters, digits and
    /// `_ + - : / . ,` only, so that no quoting rule of any `sql_mode` can
    /// read it otherwise.
    Word,
}

impl ValueType {
    /// How the type reads in messages and in the option table.
    pub fn describe(self) -> String {
        match self {
            ValueType::Url => "database URL".to_owned(),
            ValueType::Bool => "boolean (true/false, yes/no, on/off, 1/0)".to_owned(),
            ValueType::Echo => "boolean or `debug`".to_owned(),
            ValueType::Count => "whole number >= 0".to_owned(),
            ValueType::Limit => "whole number, -1 for no limit".to_owned(),
            ValueType::Seconds { never: true } => "seconds, -1 for never".to_owned(),
            ValueType::Seconds { never: false } => "seconds".to_owned(),
            ValueType::Millis => "milliseconds (or 5s, 1min)".to_owned(),
            ValueType::Choice(words) => format!("one of {}", words.join(", ")),
            ValueType::Text => "text".to_owned(),
            ValueType::SchemaList => {
                "comma-separated schema names (plain or \"double-quoted\")".to_owned()
            }
            ValueType::Word => "a word of ASCII letters, digits and _ + - : / . ,".to_owned(),
        }
    }
}

/// One known option.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The name after the prefix (`pool_size`, `connect_args.busy_timeout`).
    pub name: &'static str,
    /// Its type.
    pub ty: ValueType,
    /// The default, as text of the option's type; `None` = unset.
    pub default: Option<&'static str>,
    /// The backend a `connect_args.*` option belongs to.
    pub backend: Option<Backend>,
    /// What it does.
    pub doc: &'static str,
    /// How `embed!()`'s typed `SchemaConfig` returns it (general options
    /// only; `connect_args.*` are read through `connect_args()`).
    pub accessor: Option<Accessor>,
}

/// The typed accessor `embed!()` generates for an option: its Rust type
/// and the expression that reads it from the resolved settings, `s`
/// (`&schema_runtime::EngineSettings`). Paths are absolute, since the code
/// lands in the user's crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accessor {
    /// The return type, as Rust source.
    pub rust_type: &'static str,
    /// The value, as a Rust expression over `s`.
    pub value: &'static str,
}

const fn opt(
    name: &'static str,
    ty: ValueType,
    default: Option<&'static str>,
    doc: &'static str,
    (rust_type, value): (&'static str, &'static str),
) -> OptionSpec {
    OptionSpec {
        name,
        ty,
        default,
        backend: None,
        doc,
        accessor: Some(Accessor { rust_type, value }),
    }
}

const fn arg(backend: Backend, name: &'static str, ty: ValueType, doc: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        ty,
        default: None,
        backend: Some(backend),
        doc,
        accessor: None,
    }
}

/// Isolation levels as SQLAlchemy names them.
pub const ISOLATION_LEVELS: &[&str] = &[
    "READ UNCOMMITTED",
    "READ COMMITTED",
    "REPEATABLE READ",
    "SERIALIZABLE",
    "AUTOCOMMIT",
];

/// Every option `engine_from_config` understands, after the prefix.
pub const ENGINE_OPTIONS: &[OptionSpec] = &[
    opt("url", ValueType::Url, None, "Database URL, diesel form (sqlite://PATH, postgres://, mysql://) or SQLAlchemy form (postgresql+asyncpg://, sqlite:///rel.db, mysql+pymysql://). DATABASE_URL overrides it.", ("&str", "s.url.as_str()")),
    opt("echo", ValueType::Echo, Some("false"), "Log every SQL statement through `tracing` (target `schema_runtime::sql`); `debug` logs at DEBUG level.", ("bool", "!::core::matches!(s.echo, ::schema_runtime::Echo::Off)")),
    opt("pool_size", ValueType::Count, Some("5"), "Connections the pool keeps open.", ("u32", "s.pool_size")),
    opt("max_overflow", ValueType::Limit, Some("10"), "Connections allowed beyond pool_size under load; -1 for no limit.", ("i32", "s.max_overflow.map_or(-1, |n| i32::try_from(n).unwrap_or(i32::MAX))")),
    opt("pool_timeout", ValueType::Seconds { never: false }, Some("30"), "Seconds to wait for a free connection before giving up.", ("::core::time::Duration", "s.pool_timeout")),
    opt("pool_recycle", ValueType::Seconds { never: true }, Some("-1"), "Close and replace connections older than this many seconds; -1 never.", ("::core::option::Option<::core::time::Duration>", "s.pool_recycle")),
    opt("pool_pre_ping", ValueType::Bool, Some("false"), "Test each connection with a ping when it is taken from the pool.", ("bool", "s.pool_pre_ping")),
    opt("poolclass", ValueType::Choice(&["QueuePool", "NullPool"]), Some("QueuePool"), "QueuePool: a pool of connections. NullPool: a new connection for each use, closed after (Alembic's async template).", ("::schema_runtime::PoolClass", "s.poolclass")),
    opt("isolation_level", ValueType::Choice(ISOLATION_LEVELS), None, "Transaction isolation for each connection; SQLite accepts only SERIALIZABLE and READ UNCOMMITTED.", ("::core::option::Option<&'static str>", "s.isolation_level")),
    arg(Backend::Sqlite, "connect_args.busy_timeout", ValueType::Millis, "How long SQLite waits on a locked database (PRAGMA busy_timeout)."),
    arg(Backend::Sqlite, "connect_args.timeout", ValueType::Seconds { never: false }, "Python sqlite3's name for busy_timeout, in seconds."),
    arg(Backend::Sqlite, "connect_args.foreign_keys", ValueType::Bool, "Enforce foreign keys (PRAGMA foreign_keys)."),
    arg(Backend::Sqlite, "connect_args.journal_mode", ValueType::Choice(&["DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL", "OFF"]), "PRAGMA journal_mode."),
    arg(Backend::Sqlite, "connect_args.synchronous", ValueType::Choice(&["OFF", "NORMAL", "FULL", "EXTRA"]), "PRAGMA synchronous."),
    arg(Backend::Postgres, "connect_args.statement_timeout", ValueType::Millis, "Abort any statement that runs longer (SET statement_timeout)."),
    arg(Backend::Postgres, "connect_args.lock_timeout", ValueType::Millis, "Abort a statement that waits longer for a lock (SET lock_timeout)."),
    arg(Backend::Postgres, "connect_args.idle_in_transaction_session_timeout", ValueType::Millis, "End sessions idle inside a transaction for longer."),
    arg(Backend::Postgres, "connect_args.application_name", ValueType::Text, "Name shown in pg_stat_activity."),
    arg(Backend::Postgres, "connect_args.sslmode", ValueType::Choice(&["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]), "libpq sslmode."),
    arg(Backend::Postgres, "connect_args.connect_timeout", ValueType::Count, "Seconds libpq waits to connect."),
    arg(Backend::Postgres, "connect_args.search_path", ValueType::SchemaList, "Schemas searched for unqualified names (SET search_path)."),
    arg(Backend::Postgres, "connect_args.options", ValueType::Text, "libpq options string, e.g. -c work_mem=64MB."),
    arg(Backend::Mysql, "connect_args.ssl_mode", ValueType::Choice(&["DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"]), "Client TLS mode."),
    arg(Backend::Mysql, "connect_args.charset", ValueType::Word, "Connection character set (SET NAMES)."),
    arg(Backend::Mysql, "connect_args.time_zone", ValueType::Word, "Session time zone (SET time_zone)."),
    arg(Backend::Mysql, "connect_args.sql_mode", ValueType::Word, "Session sql_mode."),
    arg(Backend::Mysql, "connect_args.lock_wait_timeout", ValueType::Count, "Seconds to wait for a metadata lock (SET lock_wait_timeout)."),
];

/// The spec of `name` (after the prefix).
pub fn spec(name: &str) -> Option<&'static OptionSpec> {
    ENGINE_OPTIONS.iter().find(|s| s.name == name)
}

/// A typed option value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A database URL (serialised masked).
    Url(DatabaseUrl),
    /// A boolean.
    Bool(bool),
    /// `echo = debug`.
    Debug,
    /// A whole number.
    Int(i64),
    /// Seconds (`None` for -1, "never").
    Seconds(Option<Duration>),
    /// Milliseconds.
    Millis(u64),
    /// One of the spec's words, in the spec's spelling.
    Choice(&'static str),
    /// Free text.
    Text(String),
}

impl Value {
    /// The value for display and JSON output, URLs masked; seconds as
    /// numbers, `-1` for "never".
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Value::Url(u) => Json::from(u.masked()),
            Value::Bool(b) => Json::from(*b),
            Value::Debug => Json::from("debug"),
            Value::Int(i) => Json::from(*i),
            Value::Seconds(None) => Json::from(-1),
            Value::Seconds(Some(d)) if d.subsec_nanos() == 0 => Json::from(d.as_secs()),
            Value::Seconds(Some(d)) => Json::from(d.as_secs_f64()),
            Value::Millis(ms) => Json::from(*ms),
            Value::Choice(c) => Json::from(*c),
            Value::Text(t) => Json::from(t.as_str()),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_json() {
            serde_json::Value::String(s) => f.write_str(&s),
            other => write!(f, "{other}"),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// SQLAlchemy's `asbool`.
pub fn asbool(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "on" | "y" | "t" | "1" => Some(true),
        "false" | "no" | "off" | "n" | "f" | "0" => Some(false),
        _ => None,
    }
}

/// Why a value does not have its option's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// What was expected and what was found.
    pub message: String,
    /// The accepted word closest to what was written, for choices.
    pub suggestion: Option<String>,
}

impl From<String> for ValueError {
    fn from(message: String) -> Self {
        ValueError {
            message,
            suggestion: None,
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

/// Read `text` as a value of `ty`; the error says what was expected.
pub fn parse_value(ty: ValueType, text: &str, style: UrlStyle) -> Result<Value, ValueError> {
    let t = text.trim();
    let expected = || ValueError::from(format!("expected {}, got `{t}`", ty.describe()));
    match ty {
        ValueType::Url => DatabaseUrl::parse(t, style)
            .map(Value::Url)
            .map_err(|e| ValueError::from(e.to_string())),
        ValueType::Bool => asbool(t).map(Value::Bool).ok_or_else(expected),
        ValueType::Echo if t.eq_ignore_ascii_case("debug") => Ok(Value::Debug),
        ValueType::Echo => asbool(t).map(Value::Bool).ok_or_else(expected),
        ValueType::Count => t
            .parse::<u32>()
            .map(|n| Value::Int(n.into()))
            .map_err(|_| expected()),
        ValueType::Limit => match t.parse::<i32>() {
            Ok(n) if n >= -1 => Ok(Value::Int(n.into())),
            _ => Err(expected()),
        },
        ValueType::Seconds { never } => {
            if never && t == "-1" {
                return Ok(Value::Seconds(None));
            }
            t.parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
                .map(|s| Value::Seconds(Some(Duration::from_secs_f64(s))))
                .ok_or_else(expected)
        }
        ValueType::Millis => parse_millis(t).map(Value::Millis).ok_or_else(expected),
        ValueType::Choice(words) => {
            let wanted = t.replace('_', " ");
            let wanted = wanted.strip_prefix("sqlalchemy.pool.").unwrap_or(&wanted);
            words
                .iter()
                .find(|w| {
                    w.eq_ignore_ascii_case(wanted)
                        || w.replace('_', " ").eq_ignore_ascii_case(wanted)
                })
                .map(|w| Value::Choice(w))
                .ok_or_else(|| ValueError {
                    suggestion: crate::diag::suggest(t, words.iter().copied()).map(str::to_owned),
                    ..expected()
                })
        }
        ValueType::Text => Ok(Value::Text(t.to_owned())),
        ValueType::SchemaList => schema_list(t)
            .map(|_| Value::Text(t.to_owned()))
            .map_err(|why| ValueError::from(format!("expected {}: {why}", ty.describe()))),
        ValueType::Word => {
            let word = |c: char| c.is_ascii_alphanumeric() || "_+-:/.,".contains(c);
            match t.chars().find(|&c| !word(c)) {
                None if !t.is_empty() => Ok(Value::Text(t.to_owned())),
                None => Err(expected()),
                Some(c) => Err(ValueError::from(format!(
                    "expected {}, got `{}` (`{}` is not allowed)",
                    ty.describe(),
                    crate::text::escape_controls(t),
                    crate::text::escape_controls(&c.to_string()),
                ))),
            }
        }
    }
}

/// The schema names of a `search_path` value, as the server reads them:
/// `"Quoted"` names exact (`""` for a quote), plain ones folded to lower
/// case.
///
/// ```
/// use schema_core::options::schema_list;
/// assert_eq!(schema_list(r#""$user", Public"#).unwrap(), ["$user", "public"]);
/// assert_eq!(schema_list(r#""a,""b""#).unwrap(), [r#"a,"b"#]);
/// assert!(schema_list("public; DROP TABLE t").is_err());
/// ```
pub fn schema_list(text: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = text.trim();
    loop {
        let (name, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let mut name = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    None => return Err(format!("`{rest}` has no closing `\"`")),
                    Some((i, '"')) if quoted[i + 1..].starts_with('"') => {
                        name.push('"');
                        chars.next();
                    }
                    Some((i, '"')) => break i + 1,
                    Some((_, c)) => name.push(c),
                }
            };
            (name, quoted[end..].trim_start())
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            let plain = rest[..end].trim_end();
            let ok = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
            if let Some(c) = plain.chars().find(|&c| !ok(c)) {
                return Err(format!(
                    "`{}` is not a plain name (`{}`); double-quote a name that holds it",
                    crate::text::escape_controls(plain),
                    crate::text::escape_controls(&c.to_string())
                ));
            }
            (plain.to_lowercase(), &rest[end..])
        };
        if name.is_empty() || name.contains('\0') {
            return Err("a schema name is empty or holds a NUL".to_owned());
        }
        names.push(name);
        match after.strip_prefix(',') {
            Some(next) => rest = next.trim_start(),
            None if after.is_empty() => return Ok(names),
            None => {
                return Err(format!(
                    "`{}` follows a quoted name; separate names with commas",
                    crate::text::escape_controls(after)
                ))
            }
        }
    }
}

/// `250`, `250ms`, `5s`, `1.5s`, `2min`, `1h` as milliseconds.
fn parse_millis(t: &str) -> Option<u64> {
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "s" => 1_000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    let ms = number * factor;
    ((0.0..1e15).contains(&ms) && ms.fract() == 0.0).then_some(ms as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asbool_accepts_what_sqlalchemy_accepts() {
        for t in ["true", "YES", " on ", "y", "T", "1"] {
            assert_eq!(asbool(t), Some(true), "{t}");
        }
        for t in ["false", "No", "off", "n", "f", "0"] {
            assert_eq!(asbool(t), Some(false), "{t}");
        }
        for t in ["2", "truthy", "", "enabled"] {
            assert_eq!(asbool(t), None, "{t}");
        }
    }

    #[test]
    fn millis_units() {
        assert_eq!(parse_millis("250"), Some(250));
        assert_eq!(parse_millis("5s"), Some(5000));
        assert_eq!(parse_millis("1.5s"), Some(1500));
        assert_eq!(parse_millis("2min"), Some(120_000));
        assert_eq!(parse_millis("5 parsecs"), None);
        assert_eq!(parse_millis("-5"), None);
    }

    #[test]
    fn choices_are_case_and_underscore_insensitive() {
        let ty = spec("isolation_level").unwrap().ty;
        assert_eq!(
            parse_value(ty, "read_committed", UrlStyle::Diesel),
            Ok(Value::Choice("READ COMMITTED"))
        );
        let pool = spec("poolclass").unwrap().ty;
        assert_eq!(
            parse_value(pool, "sqlalchemy.pool.NullPool", UrlStyle::Diesel),
            Ok(Value::Choice("NullPool"))
        );
        let err = parse_value(pool, "NulPool", UrlStyle::Diesel).unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("NullPool"));
    }

    #[test]
    fn every_default_parses_as_its_type() {
        for s in ENGINE_OPTIONS {
            if let Some(d) = s.default {
                parse_value(s.ty, d, UrlStyle::Diesel)
                    .unwrap_or_else(|e| panic!("{}: {e}", s.name));
            }
        }
    }
}
