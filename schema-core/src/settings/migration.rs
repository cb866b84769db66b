//! The main section's migration settings (the keys Alembic's env.py passes
//! to `context.configure`), read once for the CLI, the runtime and the macro.

use std::path::{Path, PathBuf};
use std::time::Duration;

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
        "multiple_heads",
        "the project keeps several heads on purpose; `check` accepts them [default: false]",
    ),
];

/// How migrations run for this project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationSettings {
    /// The migrations folder.
    pub script_location: PathBuf,
    /// One transaction per revision.
    pub transaction_per_migration: bool,
    /// How long to wait for another runner.
    pub lock_timeout: Duration,
    /// Several heads are intended.
    pub multiple_heads: bool,
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
        let script_location = read(config, "script_location", &mut problems)
            .map_or_else(|| dir.join("migrations"), |(v, _)| dir.join(v.trim()));
        let transaction_per_migration = flag(config, "transaction_per_migration", &mut problems);
        let multiple_heads = flag(config, "multiple_heads", &mut problems);
        let lock_timeout = match read(config, "lock_timeout", &mut problems) {
            None => Duration::from_secs(60),
            Some((v, line)) => {
                match parse_value(ValueType::Seconds { never: false }, &v, UrlStyle::Diesel) {
                    Ok(Value::Seconds(Some(d))) => d,
                    _ => {
                        problems.push(invalid(
                            config,
                            "lock_timeout",
                            line,
                            &format!("expected seconds, got `{}`", v.trim()),
                        ));
                        Duration::from_secs(60)
                    }
                }
            }
        };
        match ConfigError::try_from(problems) {
            Ok(error) => Err(error),
            Err(()) => Ok(MigrationSettings {
                script_location,
                transaction_per_migration,
                lock_timeout,
                multiple_heads,
            }),
        }
    }
}

/// A main-section value and its line; errors go to `problems`.
fn read(
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

fn flag(config: &Config, key: &str, problems: &mut Vec<Diagnostic>) -> bool {
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

fn invalid(config: &Config, key: &str, line: Option<usize>, message: &str) -> Diagnostic {
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

    #[test]
    fn defaults_and_relative_paths() {
        let config = Config::from_str_at("/p/schema.ini", "[schema]\n", None).unwrap();
        let s = MigrationSettings::from_config(&config).unwrap();
        assert_eq!(s.script_location, PathBuf::from("/p/migrations"));
        assert!(!s.transaction_per_migration);
        let config = Config::from_str_at("/p/schema.ini", "[schema]\nscript_location = db/m\ntransaction_per_migration = yes\nlock_timeout = 2.5\n", None).unwrap();
        let s = MigrationSettings::from_config(&config).unwrap();
        assert_eq!(s.script_location, PathBuf::from("/p/db/m"));
        assert!(s.transaction_per_migration);
        assert_eq!(s.lock_timeout, Duration::from_millis(2500));
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
