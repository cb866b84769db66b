//! Diagnostics that point at the user's file.
//!
//! Every problem the configuration core finds becomes a [`Diagnostic`]: a
//! stable snake_case [`Kind`] that tools can match on, a message that says
//! what to do next, and the file, line and key it is about. The CLI renders
//! them with the offending line underlined; the macro turns them into
//! `compile_error!`; `cargo schema config --format json` prints them as is.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::secret;

/// What went wrong, as a stable snake_case name (`kind` in JSON output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Kind {
    /// The ini file does not exist.
    NotFound,
    /// The ini file could not be read (permissions, a directory, ...).
    Io,
    /// The ini file is not valid UTF-8.
    Encoding,
    /// A key appears before any `[section]` header.
    MissingSectionHeader,
    /// A line that is neither a header, a `key = value` nor a comment.
    Parse,
    /// The same `[section]` header appears twice.
    DuplicateSection,
    /// The same key appears twice in one section.
    DuplicateOption,
    /// A `%` that is not `%%` or `%(name)s`.
    InterpolationSyntax,
    /// `%(name)s` names a key that neither the section nor `[DEFAULT]` has.
    InterpolationMissingOption,
    /// `%(name)s` references nest deeper than configparser allows (a cycle).
    InterpolationDepth,
    /// `%(name)s` references expand to more than a value may hold (a
    /// reference bomb: each level doubling the one below).
    InterpolationSize,
    /// The section asked for does not exist.
    MissingSection,
    /// A section name that cannot be used (`DEFAULT`, empty).
    InvalidSectionName,
    /// A `KEY=VALUE` given on the command line without `=`.
    InvalidOverride,
    /// A prefixed key that is not a known engine option.
    UnknownOption,
    /// An engine option whose value does not have the option's type.
    InvalidValue,
    /// A database URL that does not parse.
    InvalidUrl,
    /// A database URL whose backend is not compiled into this build.
    BackendNotEnabled,
    /// A `connect_args.*` option that belongs to another backend.
    WrongBackend,
    /// No database URL in the file, the environment or the command line.
    MissingUrl,
    /// `${NAME}` names an environment variable that is not set.
    EnvMissing,
    /// `${` without a closing `}` or with an invalid name.
    EnvSyntax,
    /// A `.env` file that cannot be read.
    Dotenv,
    /// The project (Cargo package) could not be located.
    Project,
    /// The list of databases (`databases`, `databases_file`, `--database`)
    /// is wrong.
    Databases,
}

impl Kind {
    /// The snake_case name, as printed in brackets and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NotFound => "not_found",
            Kind::Io => "io",
            Kind::Encoding => "encoding",
            Kind::MissingSectionHeader => "missing_section_header",
            Kind::Parse => "parse",
            Kind::DuplicateSection => "duplicate_section",
            Kind::DuplicateOption => "duplicate_option",
            Kind::InterpolationSyntax => "interpolation_syntax",
            Kind::InterpolationMissingOption => "interpolation_missing_option",
            Kind::InterpolationDepth => "interpolation_depth",
            Kind::InterpolationSize => "interpolation_size",
            Kind::MissingSection => "missing_section",
            Kind::InvalidSectionName => "invalid_section_name",
            Kind::InvalidOverride => "invalid_override",
            Kind::UnknownOption => "unknown_option",
            Kind::InvalidValue => "invalid_value",
            Kind::InvalidUrl => "invalid_url",
            Kind::BackendNotEnabled => "backend_not_enabled",
            Kind::WrongBackend => "wrong_backend",
            Kind::MissingUrl => "missing_url",
            Kind::EnvMissing => "env_missing",
            Kind::EnvSyntax => "env_syntax",
            Kind::Dotenv => "dotenv",
            Kind::Project => "project",
            Kind::Databases => "databases",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem, located in the user's file where it has a place.
///
/// Messages never hold a password: [`Diagnostic::new`] and
/// [`Diagnostic::with_snippet`] mask URL credentials on the way in, so a
/// diagnostic can be printed, logged or embedded in a `compile_error!`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// What went wrong.
    pub kind: Kind,
    /// A sentence that says what is wrong and, where it can, what to do.
    pub message: String,
    /// The file it is about.
    pub file: Option<PathBuf>,
    /// 1-based line in `file`.
    pub line: Option<usize>,
    /// 1-based column of the thing pointed at (the key, usually).
    pub column: Option<usize>,
    /// The section, for problems about a key.
    pub section: Option<String>,
    /// The key, as written in the file (lower-cased, prefix included).
    pub key: Option<String>,
    /// A replacement the user probably meant ("did you mean ...").
    pub suggestion: Option<String>,
    /// The text of `line`, with credentials masked.
    pub snippet: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with only a kind and a message; locate it with the
    /// builder methods.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Diagnostic {
            kind,
            message: secret::mask_urls(&message.into()).into_owned(),
            file: None,
            line: None,
            column: None,
            section: None,
            key: None,
            suggestion: None,
            snippet: None,
        }
    }

    /// Attach the file.
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Attach a 1-based line number.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Attach a 1-based column.
    pub fn at_column(mut self, column: usize) -> Self {
        self.column = Some(column);
        self
    }

    /// Attach the section and key.
    pub fn for_key(mut self, section: &str, key: &str) -> Self {
        self.section = Some(section.to_owned());
        self.key = Some(key.to_owned());
        self
    }

    /// Attach the section only.
    pub fn for_section(mut self, section: &str) -> Self {
        self.section = Some(section.to_owned());
        self
    }

    /// Attach a "did you mean" suggestion.
    pub fn suggest(mut self, suggestion: impl Into<String>) -> Self {
        self.suggestion = Some(suggestion.into());
        self
    }

    /// Attach the text of the offending line (credentials are masked).
    pub fn with_snippet(mut self, text: &str) -> Self {
        self.snippet = Some(secret::mask_urls(text).into_owned());
        self
    }

    /// `file:line:column` as a compiler prints it, the file shown as given.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_deref()?;
        Some(match (self.line, self.column) {
            (Some(line), Some(col)) => format!("{}:{line}:{col}", file.display()),
            (Some(line), None) => format!("{}:{line}", file.display()),
            _ => file.display().to_string(),
        })
    }

    /// The file name relative to `base` when it lies below it, for shorter
    /// messages (`schema.ini:7` rather than `/home/.../schema.ini:7`).
    pub fn relative_to(mut self, base: &Path) -> Self {
        if let Some(file) = &self.file {
            if let Ok(rel) = file.strip_prefix(base) {
                self.file = Some(rel.to_path_buf());
            }
        }
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = self.location() {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(suggestion) = &self.suggestion {
            write!(f, " (did you mean `{suggestion}`?)")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// One or more diagnostics: what a failed read of the configuration returns.
///
/// Reading reports every problem it can find in one go, so that a user fixes
/// them all at once rather than one per run (or one per build).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    /// Wrap diagnostics; an empty list is a caller bug and is not accepted.
    pub fn new(first: Diagnostic, rest: Vec<Diagnostic>) -> Self {
        let mut diagnostics = Vec::with_capacity(rest.len() + 1);
        diagnostics.push(first);
        diagnostics.extend(rest);
        ConfigError { diagnostics }
    }

    /// Every problem found, in file order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The first problem, the one JSON output reports as `error`.
    pub fn primary(&self) -> &Diagnostic {
        &self.diagnostics[0]
    }

    /// The kind of the first problem.
    pub fn kind(&self) -> Kind {
        self.primary().kind
    }
}

impl From<Diagnostic> for ConfigError {
    fn from(d: Diagnostic) -> Self {
        ConfigError::new(d, Vec::new())
    }
}

impl TryFrom<Vec<Diagnostic>> for ConfigError {
    type Error = ();

    fn try_from(mut diagnostics: Vec<Diagnostic>) -> Result<Self, ()> {
        if diagnostics.is_empty() {
            return Err(());
        }
        let first = diagnostics.remove(0);
        Ok(ConfigError::new(first, diagnostics))
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The closest candidate to `wrong`, for "did you mean" hints; `None` when
/// nothing is close enough to be a likely typo.
pub fn suggest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(wrong, c), c))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
