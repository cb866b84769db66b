//! `metadata.toml`: diesel's per-migration settings file, extended with
//! Alembic's revision graph keys.
//!
//! ```toml
//! revision = "ae1027a6acf1"
//! down_revision = "1975ea83b712"          # or ["a", "b"] for a merge point; absent for a base
//! branch_labels = ["shoppingcart"]
//! depends_on = ["55af2cb1c267"]           # revision ids or branch labels
//! message = "add account table"
//! run_in_transaction = true               # diesel's key, default true
//! lint.allow = ["ban-drop-column"]        # `cargo schema lint` codes this revision may break
//! statement_timeout = 600                 # seconds; this revision's own, over schema.ini's
//! statement_lock_timeout = 2.5            # seconds; likewise
//! ```
//!
//! Unknown keys are errors (with the line, and a suggestion for a typo)
//! because a misspelt `down_revison` would otherwise silently turn a revision
//! into a new base.

use std::path::Path;
use std::time::Duration;

use toml::de::{DeTable, DeValue};

use super::error::MigrationError;

/// The keys that place a revision in the graph. A `metadata.toml` without any
/// of them keeps diesel's meaning: the folder follows the previous one.
const GRAPH_KEYS: [&str; 4] = ["revision", "down_revision", "branch_labels", "depends_on"];
const ALL_KEYS: [&str; 9] = [
    "revision",
    "down_revision",
    "branch_labels",
    "depends_on",
    "message",
    "run_in_transaction",
    "lint",
    "statement_timeout",
    "statement_lock_timeout",
];

/// The parsed content of one `metadata.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Metadata {
    pub revision: Option<String>,
    /// `None` when the key is absent, `Some(vec![])` for an explicit base.
    pub down_revisions: Option<Vec<String>>,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub message: Option<String>,
    pub run_in_transaction: Option<bool>,
    /// `lint.allow`: lint codes this revision may break.
    pub lint_allow: Vec<String>,
    /// `statement_timeout`: this revision's, over the main section's.
    pub statement_timeout: Option<Duration>,
    /// `statement_lock_timeout`: this revision's, over the main section's.
    pub statement_lock_timeout: Option<Duration>,
    /// Whether any of [`GRAPH_KEYS`] is present.
    pub has_graph_keys: bool,
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Parses `text`, read from `path`; reports every problem of the file.
pub(crate) fn parse(text: &str, path: &Path) -> Result<Metadata, Vec<MigrationError>> {
    let (table, parse_errors) = DeTable::parse_recoverable(text);
    if !parse_errors.is_empty() {
        return Err(parse_errors
            .iter()
            .map(|e| {
                let (line, column) = line_col(text, e.span().map_or(0, |s| s.start));
                MigrationError::MetadataParse {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: e.message().trim().to_string(),
                }
            })
            .collect());
    }
    let mut meta = Metadata::default();
    let mut errors = Vec::new();
    for (key, value) in table.get_ref().iter() {
        let name: &str = key.get_ref();
        // Lines are only needed for errors; counting them for every key
        // was a sizeable part of loading a large folder.
        let type_error = |expected: &'static str| MigrationError::MetadataType {
            path: path.to_path_buf(),
            line: line_col(text, value.span().start).0,
            key: name.to_string(),
            expected,
            found: value.get_ref().type_str().to_string(),
        };
        if GRAPH_KEYS.contains(&name) {
            meta.has_graph_keys = true;
        }
        match name {
            "revision" => match value.get_ref().as_str() {
                Some(s) => meta.revision = Some(s.to_string()),
                None => errors.push(type_error("a string")),
            },
            "down_revision" => match string_list(value.get_ref()) {
                Some(list) => meta.down_revisions = Some(list),
                None => errors.push(type_error("a string or an array of strings")),
            },
            "branch_labels" => match string_list(value.get_ref()) {
                Some(list) => meta.branch_labels = list,
                None => errors.push(type_error("an array of strings")),
            },
            "depends_on" => match string_list(value.get_ref()) {
                Some(list) => meta.depends_on = list,
                None => errors.push(type_error("an array of strings")),
            },
            "message" => match value.get_ref().as_str() {
                Some(s) => meta.message = Some(s.to_string()),
                None => errors.push(type_error("a string")),
            },
            "run_in_transaction" => match value.get_ref().as_bool() {
                Some(b) => meta.run_in_transaction = Some(b),
                None => errors.push(type_error("true or false")),
            },
            "lint" => match lint_allow(value.get_ref()) {
                Some(list) => meta.lint_allow = list,
                None => errors.push(type_error("a table with only `allow`, an array of strings")),
            },
            "statement_timeout" | "statement_lock_timeout" => match seconds(value.get_ref()) {
                Ok(d) if name == "statement_timeout" => meta.statement_timeout = Some(d),
                Ok(d) => meta.statement_lock_timeout = Some(d),
                Err(found) => errors.push(MigrationError::MetadataType {
                    path: path.to_path_buf(),
                    line: line_col(text, value.span().start).0,
                    key: name.to_string(),
                    expected: "a number of seconds above 0",
                    found,
                }),
            },
            other => errors.push(MigrationError::UnknownMetadataKey {
                path: path.to_path_buf(),
                line: line_col(text, key.span().start).0,
                key: other.to_string(),
                suggestion: suggest(other),
            }),
        }
    }
    if errors.is_empty() {
        Ok(meta)
    } else {
        errors.sort_by_key(|e| e.line());
        Err(errors)
    }
}

/// A timeout in seconds (an integer or a float above 0, at most a year);
/// otherwise what was found, for the error.
fn seconds(value: &DeValue<'_>) -> Result<Duration, String> {
    let number = match value {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|i| i as f64),
        DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
        other => return Err(other.type_str().to_string()),
    };
    match number {
        Some(n) if n > 0.0 && n <= 31_536_000.0 => Ok(Duration::from_secs_f64(n)),
        Some(n) => Err(format!("{n}")),
        None => Err(value.type_str().to_string()),
    }
}

/// `lint = { allow = [...] }` (or `lint.allow = [...]`): the codes.
fn lint_allow(value: &DeValue<'_>) -> Option<Vec<String>> {
    let table = value.as_table()?;
    let mut allow = Vec::new();
    for (key, value) in table.iter() {
        if key.get_ref().as_ref() != "allow" {
            return None;
        }
        allow = value
            .get_ref()
            .as_array()?
            .iter()
            .map(|item| item.get_ref().as_str().map(str::to_string))
            .collect::<Option<_>>()?;
    }
    Some(allow)
}

/// The `lint.allow` codes of the metadata.toml `text` (read from `path`),
/// for `cargo schema lint`; empty when the file has none.
pub fn lint_allow_of(text: &str, path: &Path) -> Result<Vec<String>, Vec<MigrationError>> {
    parse(text, path).map(|m| m.lint_allow)
}

/// A string, or an array of strings (Alembic accepts both for every list key).
fn string_list(value: &DeValue<'_>) -> Option<Vec<String>> {
    if let Some(s) = value.as_str() {
        return Some(vec![s.to_string()]);
    }
    value
        .as_array()?
        .iter()
        .map(|item| item.get_ref().as_str().map(str::to_string))
        .collect()
}

fn suggest(key: &str) -> Option<String> {
    ALL_KEYS
        .iter()
        .map(|k| (strsim::jaro_winkler(key, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn path() -> &'static Path {
        Path::new("m/metadata.toml")
    }

    #[test]
    fn all_keys() {
        let m = parse(
            "revision = \"abc123\"\ndown_revision = [\"a1\", \"b1\"]\nbranch_labels = [\"x\"]\n\
             depends_on = \"dep\"\nmessage = \"hi\"\nrun_in_transaction = false\n",
            path(),
        )
        .unwrap();
        assert_eq!(m.revision.as_deref(), Some("abc123"));
        assert_eq!(m.down_revisions, Some(vec!["a1".into(), "b1".into()]));
        assert_eq!(m.branch_labels, vec!["x".to_string()]);
        assert_eq!(m.depends_on, vec!["dep".to_string()]);
        assert_eq!(m.message.as_deref(), Some("hi"));
        assert_eq!(m.run_in_transaction, Some(false));
        assert!(m.has_graph_keys);
    }

    #[test]
    fn diesel_only_metadata_has_no_graph_keys() {
        let m = parse("run_in_transaction = false\n", path()).unwrap();
        assert!(!m.has_graph_keys);
        assert_eq!(m.down_revisions, None);
    }

    #[test]
    fn unknown_keys_all_reported_with_lines_and_suggestion() {
        let errs = parse(
            "revision = \"a\"\ndown_revison = \"b\"\n\nfoo = 1\n",
            path(),
        )
        .unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].kind(), "unknown_metadata_key");
        assert_eq!(errs[0].line(), Some(2));
        assert!(
            errs[0].to_string().contains("did you mean `down_revision`"),
            "{}",
            errs[0]
        );
        assert!(errs[0].to_string().starts_with("m/metadata.toml:2:"));
        assert_eq!(errs[1].line(), Some(4));
    }

    #[test]
    fn wrong_types() {
        let errs = parse("run_in_transaction = \"no\"\ndown_revision = [1]\n", path()).unwrap_err();
        let kinds: Vec<_> = errs.iter().map(|e| (e.kind(), e.line())).collect();
        assert_eq!(
            kinds,
            vec![("metadata_type", Some(1)), ("metadata_type", Some(2))]
        );
    }

    #[test]
    fn a_revision_sets_its_own_timeouts() {
        let m = parse(
            "statement_timeout = 600\nstatement_lock_timeout = 2.5\n",
            path(),
        )
        .unwrap();
        assert_eq!(m.statement_timeout, Some(Duration::from_secs(600)));
        assert_eq!(m.statement_lock_timeout, Some(Duration::from_millis(2500)));
        let errs = parse(
            "statement_timeout = \"10s\"\nstatement_lock_timeout = 0\n",
            path(),
        )
        .unwrap_err();
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "m/metadata.toml:1: `statement_timeout` must be a number of seconds above 0, found string; change its value",
                "m/metadata.toml:2: `statement_lock_timeout` must be a number of seconds above 0, found 0; change its value",
            ]
        );
    }

    #[test]
    fn lint_allow_is_read_and_checked() {
        let m = parse("lint.allow = [\"ban-drop-column\"]\n", path()).unwrap();
        assert_eq!(m.lint_allow, ["ban-drop-column"]);
        let errs = parse("lint.alow = [\"x\"]\n", path()).unwrap_err();
        assert_eq!(errs[0].kind(), "metadata_type");
    }

    #[test]
    fn syntax_error_has_line() {
        let errs = parse("revision = \"a\"\ndown_revision = \n", path()).unwrap_err();
        assert_eq!(errs[0].kind(), "metadata_parse");
        assert_eq!(errs[0].line(), Some(2));
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 0), (1, 1));
    }
}
