//! Silencing, as in the anchors: `-- schema:allow CODE reason` on the
//! statement's line or the one above (squawk's `-- squawk-ignore`), a
//! revision's `lint.allow = ["CODE"]` in metadata.toml, and the ini
//! file's `[lint]` section (a rule `off` or to `warning`/`error`,
//! `start_after = REV` to leave old revisions alone). An allow without a
//! reason is itself a warning: the next reader needs to know why.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use indexmap::IndexMap;
use regex::Regex;

use super::{rule, Finding, Hit, Severity, RULES};
use crate::diag::{suggest, Diagnostic, Kind};

/// One `-- schema:allow` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comment {
    pub code: String,
    pub reason: bool,
    pub line: usize,
    pub text: String,
}

/// The `-- schema:allow` comments of one file.
pub(crate) struct Comments(Vec<Comment>);

fn allow_comment() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"--\s*schema:allow\s+([A-Za-z0-9_-]+)[ \t]*([^\r\n]*)").expect("a valid regex")
    })
}

impl Comments {
    /// Every allow comment of `sql`, with its line.
    pub fn read(sql: &str) -> Self {
        let mut out = Vec::new();
        for (i, line) in sql.lines().enumerate() {
            if let Some(c) = allow_comment().captures(line) {
                out.push(Comment {
                    code: c[1].to_owned(),
                    reason: !c[2].trim().is_empty(),
                    line: i + 1,
                    text: line.trim().to_owned(),
                });
            }
        }
        Comments(out)
    }

    /// Whether a comment allows `code` for a statement on lines
    /// `first..=last` (or on the line above it).
    pub fn allows(&self, code: &str, first: usize, last: usize) -> bool {
        self.0
            .iter()
            .any(|c| c.code == code && c.line + 1 >= first && c.line <= last)
    }

    /// The comments that give no reason.
    pub fn without_reason(&self) -> impl Iterator<Item = &Comment> {
        self.0.iter().filter(|c| !c.reason)
    }

    /// The comments naming no rule.
    pub fn unknown_codes(&self) -> impl Iterator<Item = &Comment> {
        self.0.iter().filter(|c| rule(&c.code).is_none())
    }
}

pub(crate) fn no_reason(code: &str) -> Hit {
    Hit {
        code: "allow-without-reason",
        message: format!("`schema:allow {code}` gives no reason; the next reader cannot tell why the finding is safe to ignore"),
        help: format!("say why after the code: `-- schema:allow {code} the table is empty in every environment`"),
    }
}

pub(crate) fn unknown_code(code: &str) -> Hit {
    let hint = suggest(code, RULES.iter().map(|r| r.code))
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    Hit {
        code: "unknown-rule",
        message: format!("`schema:allow {code}` names no rule{hint}, so it silences nothing"),
        help: "the codes are listed by the README's Lint section and in every finding".into(),
    }
}

/// A rule's level set by `[lint]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Not checked.
    Off,
    /// Reported, does not fail.
    Warning,
    /// Fails `lint` and `check`.
    Error,
}

/// The `[lint]` section of the ini file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintConfig {
    levels: HashMap<String, Level>,
    /// `start_after = REV`: REV and its ancestors are not linted.
    pub start_after: Option<String>,
    /// `sqlite_version = 3.31`: the oldest SQLite the revisions run on
    /// (major, minor); `None`: the SQLite cargo-schema links, which has
    /// every ALTER TABLE form `sqlite-alter-version` knows.
    pub sqlite_version: Option<(u32, u32)>,
    /// `galera = true|false`: whether the target is a Galera node, for
    /// when `lint` cannot ask the database (unset: it asks).
    pub galera: Option<bool>,
}

impl LintConfig {
    /// Read `[lint]`'s `options`; `line_of` gives a key's line in `file`
    /// for errors. Keys: `start_after`, `allow` (codes, comma separated:
    /// off), and any rule's code set to `off`, `warning` or `error`.
    pub fn from_section(
        options: &IndexMap<String, String>,
        file: &Path,
        line_of: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<Self, Vec<Diagnostic>> {
        let mut config = LintConfig::default();
        let mut errors = Vec::new();
        let locate = |d: Diagnostic, key: &str| {
            let d = d.in_file(file).for_key("lint", key);
            match line_of(key) {
                Some(line) => d.at_line(line),
                None => d,
            }
        };
        for (key, value) in options {
            let value = value.trim();
            match key.as_str() {
                "start_after" if !value.is_empty() => config.start_after = Some(value.to_owned()),
                "sqlite_version" => match sqlite_version(value) {
                    Some(v) => config.sqlite_version = Some(v),
                    None => errors.push(locate(
                        Diagnostic::new(
                            Kind::InvalidValue,
                            format!("[lint] sqlite_version = {value}: expected a version such as 3.31 or 3.31.1"),
                        ),
                        key,
                    )),
                },
                "galera" => match crate::options::asbool(value) {
                    Some(on) => config.galera = Some(on),
                    None => errors.push(locate(
                        Diagnostic::new(
                            Kind::InvalidValue,
                            format!("[lint] galera = {value}: expected true or false"),
                        ),
                        key,
                    )),
                },
                "allow" => {
                    for code in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                        match rule(code) {
                            Some(r) => {
                                config.levels.insert(r.code.to_owned(), Level::Off);
                            }
                            None => errors.push(locate(unknown(code), key)),
                        }
                    }
                }
                code => {
                    if rule(code).is_none() {
                        errors.push(locate(unknown(code), key));
                        continue;
                    }
                    let level = match value.to_ascii_lowercase().as_str() {
                        "off" | "allow" => Level::Off,
                        "warning" | "warn" => Level::Warning,
                        "error" => Level::Error,
                        _ => {
                            errors.push(locate(
                                Diagnostic::new(
                                    Kind::InvalidValue,
                                    format!(
                                        "[lint] {code} = {value}: expected off, warning or error"
                                    ),
                                ),
                                key,
                            ));
                            continue;
                        }
                    };
                    config.levels.insert(code.to_owned(), level);
                }
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }

    /// `findings` with the levels applied: those turned off dropped.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter_map(|mut f| {
                match self.levels.get(f.code) {
                    Some(Level::Off) => return None,
                    Some(Level::Warning) => f.severity = Severity::Warning,
                    Some(Level::Error) => f.severity = Severity::Error,
                    None => {}
                }
                Some(f)
            })
            .collect()
    }
}

/// `3.31` or `3.31.1` as (3, 31).
fn sqlite_version(value: &str) -> Option<(u32, u32)> {
    let mut parts = value.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    match parts.next() {
        None => Some((major, minor)),
        Some(patch) if patch.parse::<u32>().is_ok() && parts.next().is_none() => {
            Some((major, minor))
        }
        Some(_) => None,
    }
}

fn unknown(code: &str) -> Diagnostic {
    let d = Diagnostic::new(
        Kind::UnknownOption,
        format!("[lint] `{code}` is neither start_after, allow, sqlite_version nor a rule's code"),
    );
    match suggest(
        code,
        RULES
            .iter()
            .map(|r| r.code)
            .chain(["start_after", "allow", "sqlite_version"]),
    ) {
        Some(s) => d.suggest(s),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_allow_their_statement_and_the_next_line() {
        let c = Comments::read("-- schema:allow ban-drop-table gone for good\nDROP TABLE t;\n\n-- schema:allow ban-drop-column\n");
        assert!(c.allows("ban-drop-table", 2, 2));
        assert!(!c.allows("ban-drop-table", 3, 3));
        assert_eq!(c.without_reason().count(), 1);
    }

    #[test]
    fn the_section_names_rules_and_levels() {
        let mut options = IndexMap::new();
        options.insert("ban-drop-table".to_owned(), "warning".to_owned());
        options.insert("start_after".to_owned(), "abc".to_owned());
        let c = LintConfig::from_section(&options, Path::new("schema.ini"), &|_| Some(3)).unwrap();
        assert_eq!(c.start_after.as_deref(), Some("abc"));
        options.insert("sqlite_version".to_owned(), "3.31.1".to_owned());
        let c = LintConfig::from_section(&options, Path::new("schema.ini"), &|_| Some(3)).unwrap();
        assert_eq!(c.sqlite_version, Some((3, 31)));
        options.insert("sqlite_version".to_owned(), "new".to_owned());
        assert!(LintConfig::from_section(&options, Path::new("schema.ini"), &|_| Some(3)).is_err());
        options.shift_remove("sqlite_version");
        options.insert("ban-drop-tabel".to_owned(), "off".to_owned());
        let e =
            LintConfig::from_section(&options, Path::new("schema.ini"), &|_| Some(3)).unwrap_err();
        assert_eq!(e[0].suggestion.as_deref(), Some("ban-drop-table"));
        assert_eq!(e[0].line, Some(3));
    }
}
