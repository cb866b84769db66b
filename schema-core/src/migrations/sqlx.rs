//! sqlx's layout, read as it is: `<VERSION>_<DESCRIPTION>.sql` (a simple
//! migration, no way down) and `<VERSION>_<DESCRIPTION>.up.sql` /
//! `.down.sql` (a reversible one), side by side in the migrations folder,
//! plus the `[migrate]` table of `sqlx.toml`.
//!
//! The names are judged as sqlx-core's `resolve_blocking` judges them: the
//! text before the first `_` is an `i64` version, the rest ends in `.sql`,
//! the description is the rest without its suffix, `_` read as a space.
//! Each migration becomes a revision whose id is the version as sqlx
//! prints it and whose message is the description, in a linear chain in
//! version order (sqlx sorts by the number: `10_x` after `9_y`). The diesel
//! version recorded in cargo-schema's own tables is the number padded to
//! [`VERSION_WIDTH`] digits, so that diesel's string order is that order.
//!
//! The checksum sqlx records in `_sqlx_migrations` is the SHA-384 of the
//! up file's text, minus the characters `ignored-chars` names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha384};

/// Digits of the padded version: every positive `i64` fits.
pub const VERSION_WIDTH: usize = 19;

/// sqlx's bookkeeping table unless `sqlx.toml` names another.
pub const DEFAULT_TABLE: &str = "_sqlx_migrations";

/// The directive that, on a migration's first line, runs it outside a
/// transaction (sqlx checks that the file starts with it).
pub const NO_TRANSACTION: &str = "-- no-transaction";

/// What a migration means to sqlx, kept beside the revision so the runner
/// can keep `_sqlx_migrations` in step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SqlxMigration {
    /// The version sqlx records (`_sqlx_migrations.version`).
    pub version: i64,
    /// The description sqlx records.
    pub description: String,
    /// The checksum sqlx records, lowercase hex of the SHA-384.
    pub checksum: String,
    /// A simple migration (one `.sql` file, no down).
    pub simple: bool,
    /// The bookkeeping table (`_sqlx_migrations` or `sqlx.toml`'s
    /// `table-name`), as written there: it may be schema-qualified.
    pub table: String,
}

/// Which of sqlx's three file kinds a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// `<V>_<D>.sql`
    Simple,
    /// `<V>_<D>.up.sql`
    Up,
    /// `<V>_<D>.down.sql`
    Down,
}

impl FileKind {
    fn suffix(self) -> &'static str {
        match self {
            FileKind::Simple => ".sql",
            FileKind::Up => ".up.sql",
            FileKind::Down => ".down.sql",
        }
    }
}

/// A file name sqlx reads as a migration: its version, its stem (the name
/// without the kind's suffix, shared by an up and a down file) and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileName {
    pub version: i64,
    pub stem: String,
    pub kind: FileKind,
}

/// Reads `name` as sqlx would: `None` for a name sqlx ignores (no `_`, or
/// not ending in `.sql`) or whose prefix is not made of digits (left to the
/// stray-file warning), `Err` for digits that are not an `i64` sqlx can
/// read, or the version 0, which sqlx's own `migrate add` never makes.
pub(crate) fn file_name(name: &str) -> Option<Result<FileName, String>> {
    let (prefix, rest) = name.split_once('_')?;
    if !rest.ends_with(".sql") || prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let version = match prefix.parse::<i64>() {
        Ok(v) if v > 0 => v,
        Ok(_) => return Some(Err("sqlx versions start at 1".into())),
        Err(_) => {
            return Some(Err(format!(
                "the version `{prefix}` is larger than sqlx's versions (a 64-bit integer)"
            )))
        }
    };
    let kind = if rest.ends_with(FileKind::Up.suffix()) {
        FileKind::Up
    } else if rest.ends_with(FileKind::Down.suffix()) {
        FileKind::Down
    } else {
        FileKind::Simple
    };
    let stem = name[..name.len() - kind.suffix().len()].to_owned();
    Some(Ok(FileName {
        version,
        stem,
        kind,
    }))
}

/// Whether a migration's name (its up file's name) is sqlx's layout
/// rather than a diesel folder.
pub fn is_sqlx_name(name: &str) -> bool {
    name.ends_with(".sql")
}

/// The down file's name of a reversible migration whose up file is `up`.
pub(crate) fn down_name(up: &str) -> String {
    format!(
        "{}{}",
        up.strip_suffix(FileKind::Up.suffix()).unwrap_or(up),
        FileKind::Down.suffix()
    )
}

/// The version as cargo-schema's own tables record it ([`VERSION_WIDTH`]
/// digits, zero-padded).
pub fn padded_version(version: i64) -> String {
    format!("{version:0VERSION_WIDTH$}")
}

/// What sqlx makes of a migration named `name` (its up file) with the text
/// `up_sql`, `None` when the name is not sqlx's.
pub(crate) fn describe(
    name: &str,
    up_sql: &str,
    config: &SqlxConfig,
) -> Option<Result<SqlxMigration, String>> {
    let parsed = match file_name(name)? {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    if parsed.kind == FileKind::Down {
        return Some(Err(format!(
            "a down migration without its up file; add {}",
            name.replace(".down.sql", ".up.sql")
        )));
    }
    let description = parsed
        .stem
        .split_once('_')
        .map_or("", |(_, d)| d)
        .replace('_', " ");
    Some(Ok(SqlxMigration {
        version: parsed.version,
        description,
        checksum: checksum_hex(up_sql, &config.ignored_chars),
        simple: parsed.kind == FileKind::Simple,
        table: config.table.clone(),
    }))
}

/// sqlx's checksum of `sql`: SHA-384 of the text without the ignored
/// characters, as lowercase hex.
pub fn checksum_hex(sql: &str, ignored: &BTreeSet<char>) -> String {
    let mut digest = Sha384::new();
    if ignored.is_empty() {
        digest.update(sql.as_bytes());
    } else {
        for fragment in sql.split(|c| ignored.contains(&c)) {
            digest.update(fragment.as_bytes());
        }
    }
    digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether sqlx runs this migration outside a transaction.
pub(crate) fn no_transaction(up_sql: &str) -> bool {
    up_sql.starts_with(NO_TRANSACTION)
}

/// The `[migrate]` settings of a `sqlx.toml` that concern an existing
/// folder and database (`create-schemas` and `[migrate.defaults]`, which
/// concern `sqlx migrate add` and setup, are read and checked but change
/// nothing here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlxConfig {
    /// `table-name`, default `_sqlx_migrations`.
    pub table: String,
    /// `migrations-dir`, relative to the file's folder.
    pub migrations_dir: Option<PathBuf>,
    /// `ignored-chars`.
    pub ignored_chars: BTreeSet<char>,
}

impl Default for SqlxConfig {
    fn default() -> Self {
        SqlxConfig {
            table: DEFAULT_TABLE.to_owned(),
            migrations_dir: None,
            ignored_chars: BTreeSet::new(),
        }
    }
}

/// `sqlx.toml`'s shape, as sqlx 0.9 reads it (kebab-case keys, unknown
/// `[migrate]` keys refused as sqlx refuses them).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SqlxToml {
    migrate: MigrateTable,
}

#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
struct MigrateTable {
    #[allow(dead_code)]
    create_schemas: Vec<String>,
    table_name: Option<String>,
    migrations_dir: Option<String>,
    ignored_chars: BTreeSet<char>,
    #[allow(dead_code)]
    defaults: toml::Table,
}

/// Whether `name` is `table` or `schema.table` made of letters, digits and
/// `_` (it reaches SQL as it is written, as sqlx writes it).
fn plain_table_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 2
        && parts.iter().all(|p| {
            p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// The file sqlx reads beside `Cargo.toml`.
pub const CONFIG_FILE: &str = "sqlx.toml";

impl SqlxConfig {
    /// Reads `path` (a `sqlx.toml`); a missing file gives the defaults.
    pub fn read(path: &Path) -> Result<SqlxConfig, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(SqlxConfig::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let parsed: SqlxToml = toml::from_str(&text)
            .map_err(|e| format!("{}: {}", path.display(), e.to_string().trim()))?;
        let m = parsed.migrate;
        if let Some(table) = &m.table_name {
            if !plain_table_name(table) {
                return Err(format!(
                    "{}: [migrate] table-name = {table:?}: cargo-schema reads a plain or \
                     schema-qualified name (letters, digits and `_`, e.g. `meta._sqlx_migrations`), \
                     written without quotes",
                    path.display()
                ));
            }
        }
        Ok(SqlxConfig {
            table: m.table_name.unwrap_or_else(|| DEFAULT_TABLE.to_owned()),
            migrations_dir: m.migrations_dir.map(|d| {
                path.parent()
                    .unwrap_or(Path::new("."))
                    .join(d.trim_start_matches("./"))
            }),
            ignored_chars: m.ignored_chars,
        })
    }

    /// The `sqlx.toml` that governs the migrations folder `dir`: the one in
    /// the nearest of its ancestors that has a `sqlx.toml` or a
    /// `Cargo.toml` (the crate root, where sqlx looks), if any.
    pub fn for_folder(dir: &Path) -> Result<SqlxConfig, String> {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        for ancestor in dir.ancestors().skip(1) {
            let candidate = ancestor.join(CONFIG_FILE);
            if candidate.is_file() {
                return SqlxConfig::read(&candidate);
            }
            if ancestor.join("Cargo.toml").is_file() {
                break;
            }
        }
        Ok(SqlxConfig::default())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_as_sqlx_reads_them() {
        let simple = file_name("20240101000000_create_users.sql")
            .unwrap()
            .unwrap();
        assert_eq!(
            (simple.version, simple.stem.as_str(), simple.kind),
            (
                20240101000000,
                "20240101000000_create_users",
                FileKind::Simple
            )
        );
        let up = file_name("2_add_posts.up.sql").unwrap().unwrap();
        assert_eq!((up.stem.as_str(), up.kind), ("2_add_posts", FileKind::Up));
        assert_eq!(
            file_name("2_add_posts.down.sql").unwrap().unwrap().kind,
            FileKind::Down
        );
        assert_eq!(file_name("README.sql"), None);
        assert_eq!(file_name("create_users.sql"), None);
        assert_eq!(file_name("1_notes.txt"), None);
        assert!(file_name("0_x.sql").unwrap().is_err());
        assert!(file_name("99999999999999999999_x.sql").unwrap().is_err());
    }

    #[test]
    fn description_checksum_and_padding() {
        let m = describe(
            "3_add_the_index.up.sql",
            "CREATE INDEX i ON t (a);\n",
            &SqlxConfig::default(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(m.description, "add the index");
        assert!(!m.simple);
        // printf 'CREATE INDEX i ON t (a);\n' | sha384sum
        assert_eq!(m.checksum.len(), 96);
        assert_eq!(
            checksum_hex("abc", &BTreeSet::new()),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
        let ignored: BTreeSet<char> = ['\r'].into();
        assert_eq!(
            checksum_hex("a\r\nb", &ignored),
            checksum_hex("a\nb", &BTreeSet::new())
        );
        assert_eq!(padded_version(42), "0000000000000000042");
        assert_eq!(down_name("3_x.up.sql"), "3_x.down.sql");
    }

    #[test]
    fn sqlx_toml_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(
            &path,
            "[migrate]\ntable-name = \"meta._sqlx_migrations\"\nmigrations-dir = \"db/migrations\"\n\
             ignored-chars = [\"\\r\"]\n[migrate.defaults]\nmigration-type = \"reversible\"\n",
        )
        .unwrap();
        let c = SqlxConfig::read(&path).unwrap();
        assert_eq!(c.table, "meta._sqlx_migrations");
        assert_eq!(c.migrations_dir, Some(dir.path().join("db/migrations")));
        assert_eq!(c.ignored_chars, ['\r'].into());
        std::fs::write(&path, "[migrate]\ntable-name = \"x; DROP TABLE y\"\n").unwrap();
        assert!(SqlxConfig::read(&path).unwrap_err().contains("table-name"));
        std::fs::write(&path, "[migrate]\ntable_name = \"x\"\n").unwrap();
        let e = SqlxConfig::read(&path).unwrap_err();
        assert!(e.contains("table_name"), "{e}");
        assert_eq!(
            SqlxConfig::read(&dir.path().join("none.toml")).unwrap(),
            SqlxConfig::default()
        );
    }
}
