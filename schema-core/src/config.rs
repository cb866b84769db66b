//! Alembic's `Config`, for Rust.
//!
//! Code written against Alembic's `Config` reads the same here:
//!
//! ```
//! # fn main() -> Result<(), schema_core::ConfigError> {
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("schema.ini");
//! # std::fs::write(&path, "[schema]\nscript_location = %(here)s/migrations\ndiesel.url = sqlite://app.db\n").unwrap();
//! use schema_core::Config;
//!
//! let mut config = Config::from_file(&path)?;
//! assert_eq!(config.config_ini_section(), "schema");
//! let migrations = config.get_main_option("script_location")?.unwrap();
//! assert!(migrations.ends_with("/migrations"));
//!
//! // Values set at run time are literal: no `%%` escaping needed.
//! config.set_main_option("diesel.url", "postgres://app:p%ss@db/prod");
//! let section = config.get_section_or(config.config_ini_section(), Default::default())?;
//! assert_eq!(section["diesel.url"], "postgres://app:p%ss@db/prod");
//! # Ok(()) }
//! ```

use std::path::Path;

use indexmap::IndexMap;

use crate::diag::{ConfigError, Diagnostic, Kind};
use crate::ini::{IniDocument, SetBy, DEFAULT_SECTION};

/// A section's interpolated key/values (Alembic's `get_section` dict).
pub type Options = IndexMap<String, String>;

/// The main section's name unless `-n/--name` or a missing `[schema]`
/// says otherwise.
pub const DEFAULT_MAIN_SECTION: &str = "schema";

/// The section an unmodified `alembic.ini` keeps its settings in.
pub const ALEMBIC_SECTION: &str = "alembic";

/// The configuration file plus values set at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    doc: IniDocument,
    main_section: String,
}

impl Config {
    /// Read `path` with the default main section: `[schema]`, or `[alembic]`
    /// when the file has no `[schema]` but has `[alembic]`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        Self::from_file_with_section(path, None)
    }

    /// Read `path`, with the main section chosen by name (`-n/--name`).
    pub fn from_file_with_section(
        path: impl AsRef<Path>,
        section: Option<&str>,
    ) -> Result<Self, ConfigError> {
        Self::from_document(IniDocument::read(path.as_ref())?, section)
    }

    /// Parse ini text as if read from `path` (which gives `%(here)s`).
    pub fn from_str_at(
        path: impl AsRef<Path>,
        text: &str,
        section: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let path = crate::ini::absolute_path(path.as_ref());
        Self::from_document(IniDocument::parse(&path, text)?, section)
    }

    fn from_document(doc: IniDocument, section: Option<&str>) -> Result<Self, ConfigError> {
        let main_section = match section {
            // Any name, as Alembic's `-n`: one the file lacks (`DEFAULT`
            // included, which configparser never counts as a section) is a
            // missing main section, reported where it is read.
            Some(name) => name.to_owned(),
            None if !doc.has_section(DEFAULT_MAIN_SECTION) && doc.has_section(ALEMBIC_SECTION) => {
                ALEMBIC_SECTION.to_owned()
            }
            None => DEFAULT_MAIN_SECTION.to_owned(),
        };
        Ok(Config { doc, main_section })
    }

    /// The parsed file, with raw values and their origins.
    pub fn document(&self) -> &IniDocument {
        &self.doc
    }

    /// The ini file's absolute path (Alembic's `config_file_name`).
    pub fn config_file_name(&self) -> &Path {
        self.doc.path()
    }

    /// The main section (Alembic's `config_ini_section`).
    pub fn config_ini_section(&self) -> &str {
        &self.main_section
    }

    /// Named sections in file order, plus any made at run time.
    pub fn sections(&self) -> Vec<&str> {
        self.doc.sections().collect()
    }

    /// Whether the main section exists in the file or was set at run time.
    pub fn has_main_section(&self) -> bool {
        self.doc.has_section(&self.main_section)
    }

    /// Every key of a section, interpolated, `[DEFAULT]` keys included and
    /// `here` first, as Alembic's `config.get_section(name)`; `Ok(None)`
    /// when the section does not exist.
    pub fn get_section(&self, name: &str) -> Result<Option<Options>, ConfigError> {
        if !self.doc.has_section(name) {
            return Ok(None);
        }
        let mut options = Options::new();
        let mut errors = Vec::new();
        for key in self.doc.items_order(name) {
            match self.doc.get(name, key) {
                Ok(Some(value)) => {
                    options.insert(key.to_owned(), value);
                }
                Ok(None) => {}
                Err(d) => errors.push(d),
            }
        }
        match ConfigError::try_from(errors) {
            Ok(error) => Err(error),
            Err(()) => Ok(Some(options)),
        }
    }

    /// Alembic's `config.get_section(name, default)`: a missing section
    /// gives `default` rather than an error.
    pub fn get_section_or(&self, name: &str, default: Options) -> Result<Options, ConfigError> {
        Ok(self.get_section(name)?.unwrap_or(default))
    }

    /// A key of the main section, interpolated; `Ok(None)` when absent.
    /// An error when the main section itself is missing, as in Alembic.
    pub fn get_main_option(&self, name: &str) -> Result<Option<String>, ConfigError> {
        self.get_section_option(&self.main_section, name)
    }

    /// A key of any section, interpolated; `Ok(None)` when absent, an
    /// error when the section is missing.
    pub fn get_section_option(
        &self,
        section: &str,
        name: &str,
    ) -> Result<Option<String>, ConfigError> {
        if !self.doc.has_section(section) {
            return Err(self.missing_section(section).into());
        }
        Ok(self.doc.get(section, name)?)
    }

    /// Set a key of the main section, literally: `%` needs no escaping
    /// (unlike Alembic, where `%` must be written `%%`). Creates the main
    /// section when the file has none, as Alembic does.
    pub fn set_main_option(&mut self, name: &str, value: &str) {
        let section = self.main_section.clone();
        self.doc.set(Some(&section), name, value, SetBy::Api);
    }

    /// Set a key of any section, literally; creates the section. Any name
    /// is accepted, the empty one included, except `DEFAULT`, which
    /// Alembic's `add_section` refuses (`ValueError`).
    pub fn set_section_option(
        &mut self,
        section: &str,
        name: &str,
        value: &str,
    ) -> Result<(), ConfigError> {
        self.set_section_option_by(section, name, value, SetBy::Api)
    }

    /// [`Config::set_section_option`], recording who set the value (the
    /// CLI records `--set`, so `config` shows it as the source).
    pub fn set_section_option_by(
        &mut self,
        section: &str,
        name: &str,
        value: &str,
        by: SetBy,
    ) -> Result<(), ConfigError> {
        check_section_name(&self.doc, section)?;
        self.doc.set(Some(section), name, value, by);
        Ok(())
    }

    /// [`Config::set_main_option`], recording who set the value.
    pub fn set_main_option_by(&mut self, name: &str, value: &str, by: SetBy) {
        let section = self.main_section.clone();
        self.doc.set(Some(&section), name, value, by);
    }

    /// Make `section` the main section, inheriting the keys of the old main
    /// section (`from`) that it lacks and `skip` does not refuse.
    pub(crate) fn inherit_into(&mut self, section: &str, from: &str, skip: impl Fn(&str) -> bool) {
        self.doc.inherit(section, from, skip);
        self.main_section = section.to_owned();
    }

    pub(crate) fn missing_section(&self, section: &str) -> Diagnostic {
        let mut d = Diagnostic::new(
            Kind::MissingSection,
            format!(
                "{} has no [{section}] section; add one, or choose another with -n/--name",
                self.doc.path().display()
            ),
        )
        .in_file(self.doc.path())
        .for_section(section);
        if let Some(s) = crate::diag::suggest(section, self.doc.sections()) {
            d = d.suggest(s.to_owned());
        }
        d
    }
}

fn check_section_name(doc: &IniDocument, name: &str) -> Result<(), Diagnostic> {
    if name == DEFAULT_SECTION {
        return Err(Diagnostic::new(
            Kind::InvalidSectionName,
            format!(
                "`{name}` cannot be used as a section name: [DEFAULT] only holds keys \
                 that every section inherits; set them in the file"
            ),
        )
        .in_file(doc.path()));
    }
    Ok(())
}
