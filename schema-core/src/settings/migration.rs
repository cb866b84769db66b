//! The main section's migration settings (the keys Alembic's env.py passes
//! to `context.configure`), read once for the CLI, the runtime and the macro.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::run::RunOptions;
use crate::config::Config;
use crate::diag::{ConfigError, Diagnostic, Kind};
use crate::options::{asbool, parse_value, Value, ValueType};
use crate::url::UrlStyle;

/// Keys of the main section that configure migrations.
pub const MIGRATION_KEYS: &[(&str, &str)] = &[
    (
        "script_location",
        "the migrations folder; relative paths are relative to the ini file [default: migrations]",
    ),
    (
        "transaction_per_migration",
        "one transaction per revision instead of one per run [default: false]",
    ),
    (
        "lock_timeout",
        "seconds to wait for another runner's lock [default: 60]",
    ),
    (
        "lock",
        "how runners take turns: advisory (PostgreSQL advisory lock, MySQL GET_LOCK, SQLite's write lock), table (a lease row in __schema_lock, for CockroachDB, YugabyteDB and Galera), or none (a single runner only) [default: advisory; table on CockroachDB, YugabyteDB and Galera]",
    ),
    (
        "lock_lease",
        "seconds a `lock = table` lease lasts unless renewed; a killed runner's lock is taken over after it [default: 30]",
    ),
    (
        "transactional_ddl",
        "whether the database's DDL takes part in transactions; false runs each revision on its own and records one that failed partway [default: true on PostgreSQL and SQLite; false on MySQL/MariaDB, CockroachDB, YugabyteDB and TiDB]",
    ),
    (
        "statement_timeout",
        "seconds one statement of a revision may run before the server cancels it (PostgreSQL's statement_timeout, MariaDB's max_statement_time), set around each revision's own statements; a revision's metadata.toml may set its own; refused on MySQL, ignored on SQLite [default: none]",
    ),
    (
        "statement_lock_timeout",
        "seconds one statement of a revision may wait for a lock another session holds (PostgreSQL's lock_timeout, MySQL/MariaDB's lock_wait_timeout and innodb_lock_wait_timeout, SQLite's busy timeout), set around each revision's own statements; a revision's metadata.toml may set its own. Not `lock_timeout`, which is how long a runner waits for another runner [default: none]",
    ),
    (
        "lock_timeout_retries",
        "times a revision that failed on a lock timeout is run again, only where its failure left nothing behind (its own transaction: transaction_per_migration, or the first revision of a run) [default: 0]",
    ),
    (
        "multiple_heads",
        "the project keeps several heads on purpose; `check` accepts them [default: false]",
    ),
];

/// How migrations run for this project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationSettings {
    /// The migrations folder.
    pub script_location: PathBuf,
    /// Several heads are intended.
    pub multiple_heads: bool,
    /// The run settings, as every runner takes them.
    pub run: RunOptions,
}

impl MigrationSettings {
    /// Read the settings from the main section; every problem at once.
    ///
    /// Unlike Alembic, a relative `script_location` is taken relative to
    /// the ini file rather than the working directory, so `cargo schema`
    /// behaves the same from any directory of the project.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let dir = config
            .config_file_name()
            .parent()
            .unwrap_or(Path::new("."))
            .to_owned();
        let mut problems = Vec::new();
        // Without the key, a sqlx project's `migrations-dir` (sqlx.toml
        // beside the ini file, the crate root) before diesel's default; a
        // broken sqlx.toml is reported when its folder is read.
        let script_location = read(config, "script_location", &mut problems).map_or_else(
            || {
                crate::migrations::sqlx::SqlxConfig::read(
                    &dir.join(crate::migrations::sqlx::CONFIG_FILE),
                )
                .ok()
                .and_then(|c| c.migrations_dir)
                .unwrap_or_else(|| dir.join("migrations"))
            },
            |(v, _)| dir.join(v.trim()),
        );
        let mut run_problems = Vec::new();
        let run = RunOptions::read(config, &mut run_problems);
        // `multiple_heads` is reported where it always was: right after
        // `transaction_per_migration`, before the other run keys.
        let first = run_problems
            .iter()
            .position(|d| d.key.as_deref() != Some("transaction_per_migration"))
            .unwrap_or(run_problems.len());
        problems.extend(run_problems.drain(..first));
        let multiple_heads = flag(config, "multiple_heads", &mut problems);
        problems.append(&mut run_problems);
        match ConfigError::try_from(problems) {
            Ok(error) => Err(error),
            Err(()) => Ok(MigrationSettings {
                script_location,
                multiple_heads,
                run,
            }),
        }
    }
}

/// A main-section value and its line; errors go to `problems`.
pub(super) fn read(
    config: &Config,
    key: &str,
    problems: &mut Vec<Diagnostic>,
) -> Option<(String, Option<usize>)> {
    let line = config
        .document()
        .entry(config.config_ini_section(), key)
        .and_then(|e| e.origin.line());
    match config.get_main_option(key) {
        Ok(value) => value.map(|v| (v, line)),
        Err(e) => {
            problems.extend(e.diagnostics().iter().cloned());
            None
        }
    }
}

/// A main-section value in seconds, `default` when unset or invalid.
pub(super) fn seconds(
    config: &Config,
    key: &str,
    default: Duration,
    problems: &mut Vec<Diagnostic>,
) -> Duration {
    match read(config, key, problems) {
        None => default,
        Some((v, line)) => {
            match parse_value(ValueType::Seconds { never: false }, &v, UrlStyle::Diesel) {
                Ok(Value::Seconds(Some(d))) => d,
                _ => {
                    problems.push(invalid(
                        config,
                        key,
                        line,
                        &format!("expected seconds, got `{}`", v.trim()),
                    ));
                    default
                }
            }
        }
    }
}

pub(super) fn flag(config: &Config, key: &str, problems: &mut Vec<Diagnostic>) -> bool {
    match read(config, key, problems) {
        None => false,
        Some((v, line)) => asbool(&v).unwrap_or_else(|| {
            problems.push(invalid(
                config,
                key,
                line,
                &format!("expected true or false, got `{}`", v.trim()),
            ));
            false
        }),
    }
}

pub(super) fn invalid(
    config: &Config,
    key: &str,
    line: Option<usize>,
    message: &str,
) -> Diagnostic {
    let mut d = Diagnostic::new(Kind::InvalidValue, format!("`{key}`: {message}"))
        .in_file(config.config_file_name())
        .for_key(config.config_ini_section(), key);
    if let Some(line) = line {
        d = d.at_line(line).at_column(1);
        if let Some(text) = config.document().line_text(line) {
            d = d.with_snippet(text);
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{LockMode, DEFAULT_LOCK_LEASE};

    #[test]
    fn defaults_and_relative_paths() {
        let config = Config::from_str_at("/p/schema.ini", "[schema]\n", None).unwrap();
        let s = MigrationSettings::from_config(&config).unwrap();
        assert_eq!(s.script_location, PathBuf::from("/p/migrations"));
        assert!(!s.run.transaction_per_migration);
        let config = Config::from_str_at("/p/schema.ini", "[schema]\nscript_location = db/m\ntransaction_per_migration = yes\nlock_timeout = 2.5\n", None).unwrap();
        let s = MigrationSettings::from_config(&config).unwrap();
        assert_eq!(s.script_location, PathBuf::from("/p/db/m"));
        assert!(s.run.transaction_per_migration);
        assert_eq!(s.run.lock_timeout, Duration::from_millis(2500));
    }

    #[test]
    fn lock_and_ddl_keys() {
        let config = Config::from_str_at("/p/schema.ini", "[schema]\n", None).unwrap();
        let s = MigrationSettings::from_config(&config).unwrap();
        assert_eq!(
            (s.run.lock, s.run.lock_lease, s.run.transactional_ddl),
            (None, DEFAULT_LOCK_LEASE, None)
        );
        let config = Config::from_str_at(
            "/p/schema.ini",
            "[schema]\nlock = Table\nlock_lease = 2\ntransactional_ddl = off\n",
            None,
        )
        .unwrap();
        let s = MigrationSettings::from_config(&config).unwrap();
        assert_eq!(s.run.lock, Some(LockMode::Table));
        assert_eq!(s.run.lock_lease, Duration::from_secs(2));
        assert_eq!(s.run.transactional_ddl, Some(false));
        for word in LockMode::WORDS {
            assert_eq!(LockMode::from_word(word).map(LockMode::word), Some(*word));
        }
    }

    #[test]
    fn bad_lock_values_name_the_line_and_suggest() {
        let config = Config::from_str_at(
            "/p/schema.ini",
            "[schema]\nlock = tabel\nlock_lease = 0\ntransactional_ddl = sometimes\n",
            None,
        )
        .unwrap();
        let e = MigrationSettings::from_config(&config).unwrap_err();
        let found: Vec<_> = e
            .diagnostics()
            .iter()
            .map(|d| (d.line, d.message.clone(), d.suggestion.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    Some(2),
                    "`lock`: expected one of advisory, table, none, got `tabel`".to_owned(),
                    Some("table".to_owned())
                ),
                (
                    Some(3),
                    "`lock_lease`: a lease must last longer than 0 seconds".to_owned(),
                    None
                ),
                (
                    Some(4),
                    "`transactional_ddl`: expected true or false, got `sometimes`".to_owned(),
                    None
                ),
            ]
        );
    }

    #[test]
    fn bad_values_name_the_line() {
        let config = Config::from_str_at(
            "/p/schema.ini",
            "[schema]\ntransaction_per_migration = maybe\nlock_timeout = soon\n",
            None,
        )
        .unwrap();
        let e = MigrationSettings::from_config(&config).unwrap_err();
        let lines: Vec<_> = e.diagnostics().iter().map(|d| (d.kind, d.line)).collect();
        assert_eq!(
            lines,
            [(Kind::InvalidValue, Some(2)), (Kind::InvalidValue, Some(3))]
        );
    }
}
