//! The ini file with Alembic's meaning: Python's `configparser.ConfigParser`
//! as Alembic configures it, plus `%(here)s`.
//!
//! [`IniDocument`] holds raw values and where each came from; reading a
//! value through [`IniDocument::get`] applies configparser's
//! `BasicInterpolation` (`%(key)s`, `%%`). Values set at run time
//! ([`ValueKind::Literal`]) are never interpolated, so a password holding a
//! `%` needs no escaping.

mod interpolate;
mod parse;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::diag::{ConfigError, Diagnostic, Kind};

pub use interpolate::{MAX_INTERPOLATED_LEN, MAX_INTERPOLATION_DEPTH};

/// `path` made absolute and normalised lexically (`.` and `..` removed,
/// symlinks left alone), as Python's `os.path.abspath` does for Alembic's
/// `%(here)s`.
///
/// ```
/// use std::path::Path;
/// assert_eq!(schema_core::ini::absolute_path(Path::new("/a/b/../c/./schema.ini")), Path::new("/a/c/schema.ini"));
/// ```
pub fn absolute_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// configparser's name for the section every other section inherits from.
pub const DEFAULT_SECTION: &str = "DEFAULT";

/// Whether a value is read through `%` interpolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// From the file: `%(key)s` and `%%` are interpolated when read.
    Raw,
    /// Set at run time or built in: used exactly as given.
    Literal,
}

/// Who set a value at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetBy {
    /// `-x/--set KEY=VALUE` or `--set-section SECTION KEY=VALUE`.
    CommandLine,
    /// `--database-url`.
    DatabaseUrlFlag,
    /// `Config::set_main_option` / `set_section_option` from code.
    Api,
    /// A `NAME URL` line of the project's `databases_file`.
    DatabasesFile {
        /// The file.
        file: PathBuf,
        /// The line.
        line: usize,
    },
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A line (or lines, for a continued value) of the ini file.
    File {
        /// First line, the one with the key.
        line: usize,
        /// Last continuation line.
        end_line: usize,
    },
    /// `here`, the ini file's directory.
    BuiltIn,
    /// Set at run time.
    Set(SetBy),
}

impl Origin {
    /// The file line, for values read from the file.
    pub fn line(&self) -> Option<usize> {
        match self {
            Origin::File { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// One key's raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The value as written (continuation lines joined with `\n`).
    pub value: String,
    /// Whether reading it interpolates.
    pub kind: ValueKind,
    /// Where it came from.
    pub origin: Origin,
}

impl Entry {
    fn raw(value: String, origin: Origin) -> Self {
        Entry {
            value,
            kind: ValueKind::Raw,
            origin,
        }
    }

    /// A value used exactly as given.
    pub fn literal(value: impl Into<String>, origin: Origin) -> Self {
        Entry {
            value: value.into(),
            kind: ValueKind::Literal,
            origin,
        }
    }
}

/// The keys of one section, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionData {
    /// Line of the `[name]` header; `None` for sections made at run time.
    pub header_line: Option<usize>,
    /// Lower-cased key to raw entry.
    pub entries: IndexMap<String, Entry>,
}

/// A parsed ini file: `[DEFAULT]`, the named sections, and the file's text
/// (kept for diagnostics that quote a line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniDocument {
    path: PathBuf,
    text: String,
    defaults: SectionData,
    sections: IndexMap<String, SectionData>,
}

impl IniDocument {
    fn empty(path: &Path) -> Self {
        let here = path
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let mut defaults = SectionData::default();
        defaults
            .entries
            .insert("here".to_owned(), Entry::literal(here, Origin::BuiltIn));
        IniDocument {
            path: path.to_owned(),
            text: String::new(),
            defaults,
            sections: IndexMap::new(),
        }
    }

    /// Read and parse a file. `path` is made absolute first, because
    /// `%(here)s` is the absolute directory of the file.
    ///
    /// Unlike Alembic, a missing file is an error rather than an empty
    /// configuration, and a UTF-8 byte order mark is skipped.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let path = absolute_path(path);
        let bytes = std::fs::read(&path).map_err(|e| {
            let (kind, message) = if e.kind() == std::io::ErrorKind::NotFound {
                (
                    Kind::NotFound,
                    format!(
                        "config file {} does not exist; create it with `cargo schema init` or pass -c FILE",
                        path.display()
                    ),
                )
            } else {
                (Kind::Io, format!("cannot read config file {}: {e}", path.display()))
            };
            Diagnostic::new(kind, message).in_file(&path)
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            Diagnostic::new(
                Kind::Encoding,
                format!("config file is not valid UTF-8 (line {line}); save it as UTF-8"),
            )
            .in_file(&path)
            .at_line(line)
        })?;
        Self::parse(&path, &text)
    }

    /// Parse text as if read from `path` (which gives `%(here)s`).
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        // The first error is the one configparser would raise (see
        // parse.rs), so it leads; the rest follow.
        let mut doc = parse::parse(path, text)
            .map_err(|d| ConfigError::try_from(d).expect("parse errors are never empty"))?;
        doc.text = text.to_owned();
        Ok(doc)
    }

    /// The file this was read from (absolute).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The text of 1-based `line`, for diagnostics.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let text = self.text.strip_prefix('\u{feff}').unwrap_or(&self.text);
        parse::lines(text).nth(line.checked_sub(1)?)
    }

    /// Named sections in file order (configparser's `sections()`: never
    /// `DEFAULT`).
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.sections.keys().map(String::as_str)
    }

    /// Whether a named section exists (`DEFAULT` never does, as in
    /// configparser).
    pub fn has_section(&self, name: &str) -> bool {
        self.sections.contains_key(name)
    }

    /// The section's own entries, or `[DEFAULT]`'s for `None`.
    pub fn section_data(&self, name: Option<&str>) -> Option<&SectionData> {
        match name {
            None => Some(&self.defaults),
            Some(n) => self.sections.get(n),
        }
    }

    /// The raw entry for `key` in `section`, falling back to `[DEFAULT]`.
    pub fn entry(&self, section: &str, key: &str) -> Option<&Entry> {
        self.sections
            .get(section)
            .and_then(|s| s.entries.get(key))
            .or_else(|| self.defaults.entries.get(key))
    }

    /// Keys visible in `section`: its own, then inherited `[DEFAULT]` keys
    /// that it does not override.
    pub fn keys(&self, section: &str) -> Vec<&str> {
        let own = self.sections.get(section).map(|s| &s.entries);
        let mut keys: Vec<&str> = own
            .into_iter()
            .flat_map(|e| e.keys().map(String::as_str))
            .collect();
        keys.extend(
            self.defaults
                .entries
                .keys()
                .map(String::as_str)
                .filter(|k| own.is_none_or(|e| !e.contains_key(*k))),
        );
        keys
    }

    /// Keys in configparser's `items(section)` order: `[DEFAULT]` keys
    /// first (with `here` leading), then the section's own new keys.
    pub fn items_order(&self, section: &str) -> Vec<&str> {
        let mut keys: Vec<&str> = self.defaults.entries.keys().map(String::as_str).collect();
        if let Some(own) = self.sections.get(section) {
            keys.extend(
                own.entries
                    .keys()
                    .map(String::as_str)
                    .filter(|k| !self.defaults.entries.contains_key(*k)),
            );
        }
        keys
    }

    /// The interpolated value of `key` in `section` (configparser's `get`),
    /// `Ok(None)` when the key is absent.
    pub fn get(&self, section: &str, key: &str) -> Result<Option<String>, Diagnostic> {
        let key = key.to_lowercase();
        match self.entry(section, &key) {
            None => Ok(None),
            Some(entry) => interpolate::interpolate(self, section, &key, entry).map(Some),
        }
    }

    /// Give section `into` the entries of section `from` that it lacks
    /// (Alembic's multidb layout: a database's section inherits the main
    /// section's settings), except the keys `skip` refuses. A value set at
    /// run time wins over `into`'s own. Inherited file values are read
    /// through `from`'s interpolation, as configparser would read them
    /// there, and keep their file line for diagnostics.
    pub(crate) fn inherit(&mut self, into: &str, from: &str, skip: impl Fn(&str) -> bool) {
        let Some(source) = self.sections.get(from) else {
            return;
        };
        let mut inherited = Vec::new();
        for (key, entry) in &source.entries {
            if skip(key) {
                continue;
            }
            let own = self.sections.get(into).and_then(|s| s.entries.get(key));
            let runtime = matches!(entry.origin, Origin::Set(_));
            if own.is_some() && !runtime {
                continue;
            }
            let entry = match (entry.kind, self.get(from, key)) {
                // Re-escaped, so that reading it again in `into` gives the
                // same text while `${NAME}` still expands.
                (ValueKind::Raw, Ok(Some(value))) => {
                    Entry::raw(value.replace('%', "%%"), entry.origin.clone())
                }
                _ => entry.clone(),
            };
            inherited.push((key.clone(), entry));
        }
        let data = self.section_data_mut(Some(into));
        for (key, entry) in inherited {
            data.entries.insert(key, entry);
        }
    }

    /// Set a value at run time, literally (no `%` interpolation), creating
    /// the section when it does not exist. `section = None` sets a
    /// `[DEFAULT]` key.
    pub fn set(&mut self, section: Option<&str>, key: &str, value: &str, by: SetBy) {
        // configparser's `set` stores a value for the empty section name in
        // DEFAULT (`if not section or section == default_section`), so
        // Alembic's `set_section_option("", ...)` creates an empty section
        // and gives every section the value; the same here.
        let section = match section {
            Some("") => {
                self.section_data_mut(Some(""));
                None
            }
            other => other,
        };
        let data = self.section_data_mut(section);
        data.entries
            .insert(key.to_lowercase(), Entry::literal(value, Origin::Set(by)));
    }
}
