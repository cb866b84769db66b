//! Typed engine settings, and how they reach a connection: the URL's
//! parameters and the statements run on every new connection.

use std::time::Duration;

use indexmap::IndexMap;

use crate::options::Value;
use crate::url::{Backend, DatabaseUrl};

/// How `echo` logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// Nothing.
    Off,
    /// Each statement at INFO.
    Statements,
    /// Each statement at DEBUG, with more detail.
    Debug,
}

/// Which pool `engine_from_config` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolClass {
    /// A pool of `pool_size` connections (plus `max_overflow`).
    QueuePool,
    /// A new connection for each use.
    NullPool,
}

/// Typed engine settings, ready for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSettings {
    /// The database.
    pub url: DatabaseUrl,
    /// Statement logging.
    pub echo: Echo,
    /// Connections kept open.
    pub pool_size: u32,
    /// Extra connections under load; `None` = unlimited.
    pub max_overflow: Option<u32>,
    /// How long to wait for a free connection.
    pub pool_timeout: Duration,
    /// Replace connections older than this.
    pub pool_recycle: Option<Duration>,
    /// Ping connections before use.
    pub pool_pre_ping: bool,
    /// The pool kind.
    pub poolclass: PoolClass,
    /// Isolation level, as SQLAlchemy spells it.
    pub isolation_level: Option<&'static str>,
    /// Backend settings, `connect_args.` stripped.
    pub connect_args: IndexMap<String, Value>,
}

impl EngineSettings {
    /// The URL diesel connects with, carrying the `connect_args` that
    /// belong in it (libpq's `sslmode`, `connect_timeout`, `options`,
    /// `application_name`; MySQL's `ssl_mode`). Holds the password: never
    /// print it.
    pub fn connection_url(&self) -> String {
        let base = self.url.connect_url();
        let params: &[&str] = match self.url.backend() {
            Backend::Postgres => &["sslmode", "connect_timeout", "options", "application_name"],
            Backend::Mysql => &["ssl_mode"],
            Backend::Sqlite => &[],
        };
        let mut pairs = Vec::new();
        for name in params {
            if let Some(value) = self.connect_args.get(*name) {
                let value = value.to_string();
                let encoded = percent_encoding::utf8_percent_encode(
                    &value,
                    percent_encoding::NON_ALPHANUMERIC,
                );
                pairs.push(format!("{name}={encoded}"));
            }
        }
        if pairs.is_empty() {
            return base.to_owned();
        }
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}{}", pairs.join("&"))
    }

    /// Statements to run on every new connection, for the `connect_args`
    /// and `isolation_level` that are session settings.
    pub fn session_statements(&self) -> Vec<String> {
        // The values were checked when parsed (`ValueType::SchemaList`,
        // `ValueType::Word`); quoting them again here keeps a value built
        // by hand from reaching SQL as anything but a name or a string.
        let quote = |v: &Value| crate::sql::string_literal(&v.to_string(), Backend::Mysql);
        let millis = |v: &Value| match v {
            Value::Millis(ms) => *ms,
            Value::Seconds(Some(d)) => d.as_millis() as u64,
            _ => 0,
        };
        let mut out = Vec::new();
        for (name, value) in &self.connect_args {
            let statement = match (self.url.backend(), name.as_str()) {
                (Backend::Sqlite, "busy_timeout" | "timeout") => {
                    format!("PRAGMA busy_timeout = {}", millis(value))
                }
                (Backend::Sqlite, "foreign_keys") => format!(
                    "PRAGMA foreign_keys = {}",
                    if matches!(value, Value::Bool(true)) {
                        "ON"
                    } else {
                        "OFF"
                    }
                ),
                // Only the spec's own words reach a PRAGMA.
                (Backend::Sqlite, "journal_mode") => match value {
                    Value::Choice(word) => format!("PRAGMA journal_mode = {word}"),
                    _ => continue,
                },
                (Backend::Sqlite, "synchronous") => match value {
                    Value::Choice(word) => format!("PRAGMA synchronous = {word}"),
                    _ => continue,
                },
                (
                    Backend::Postgres,
                    "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout",
                ) => {
                    format!("SET {name} = {}", millis(value))
                }
                (Backend::Postgres, "search_path") => {
                    let names = crate::options::schema_list(&value.to_string())
                        .unwrap_or_else(|_| vec![value.to_string()]);
                    let quoted: Vec<String> = names
                        .iter()
                        .map(|n| format!("\"{}\"", n.replace('\0', "").replace('"', "\"\"")))
                        .collect();
                    format!("SET search_path = {}", quoted.join(", "))
                }
                // SET NAMES takes a name or a plain string, never an
                // expression: what is not a word is not sent.
                (Backend::Mysql, "charset") => {
                    let name = value.to_string();
                    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        continue;
                    }
                    format!("SET NAMES '{name}'")
                }
                (Backend::Mysql, "time_zone") => format!("SET time_zone = {}", quote(value)),
                (Backend::Mysql, "sql_mode") => format!("SET SESSION sql_mode = {}", quote(value)),
                (Backend::Mysql, "lock_wait_timeout") => match value {
                    Value::Int(n) => format!("SET SESSION lock_wait_timeout = {n}"),
                    _ => continue,
                },
                _ => continue,
            };
            out.push(statement);
        }
        match (self.url.backend(), self.isolation_level) {
            (_, None | Some("AUTOCOMMIT")) => {}
            (Backend::Sqlite, Some(level)) => out.push(format!(
                "PRAGMA read_uncommitted = {}",
                u8::from(level == "READ UNCOMMITTED")
            )),
            (Backend::Postgres, Some(level)) => out.push(format!(
                "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL {level}"
            )),
            (Backend::Mysql, Some(level)) => {
                out.push(format!("SET SESSION TRANSACTION ISOLATION LEVEL {level}"))
            }
        }
        out
    }
}
