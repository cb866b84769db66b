//! The environment a configuration is resolved against: the process
//! environment over `.env` files, and `${NAME}` expansion.
//!
//! Reading the environment goes through [`Environment`] only, so the CLI,
//! the runtime and the build-time macro see the same variables the same way,
//! and tests can hand in a fixed environment.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::diag::{Diagnostic, Kind};

/// The variable that overrides `<prefix>url`, as in diesel_cli and sqlx-cli.
pub const DATABASE_URL: &str = "DATABASE_URL";

/// Where a variable's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSource {
    /// The process environment.
    Process,
    /// A `.env` file.
    DotEnv(PathBuf),
}

impl fmt::Display for EnvSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvSource::Process => f.write_str("env"),
            EnvSource::DotEnv(path) => write!(f, "{}", display_name(path)),
        }
    }
}

pub(crate) fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Process variables, then `.env` files in the order they were loaded.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    process: HashMap<String, String>,
    dotenv: Vec<(PathBuf, IndexMap<String, String>)>,
}

impl Environment {
    /// No variables at all (for tests and for reproducible builds).
    pub fn empty() -> Self {
        Self::default()
    }

    /// A snapshot of this process's environment (variables that are not
    /// UTF-8 are left out: they cannot appear in an ini value).
    pub fn from_process() -> Self {
        Environment {
            process: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            dotenv: Vec::new(),
        }
    }

    /// Add or replace a process variable.
    pub fn with_var(mut self, name: &str, value: &str) -> Self {
        self.process.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Load a `.env` file if it exists; `Ok(false)` when it does not. Files
    /// loaded earlier win over files loaded later.
    pub fn load_dotenv(&mut self, path: &Path) -> Result<bool, Diagnostic> {
        if !path.is_file() || self.dotenv.iter().any(|(p, _)| p == path) {
            return Ok(false);
        }
        let error = |e: dotenvy::Error| {
            let mut d = match &e {
                dotenvy::Error::LineParse(bad, _) => {
                    // dotenvy quotes the offending line, which may hold a
                    // secret: report its number instead.
                    let line = std::fs::read_to_string(path).ok().and_then(|text| {
                        text.lines()
                            .position(|l| l.trim_end() == bad.trim_end())
                            .map(|i| i + 1)
                    });
                    let mut d = Diagnostic::new(
                        Kind::Dotenv,
                        format!(
                            "cannot parse {}{}: write NAME=VALUE",
                            path.display(),
                            line.map(|l| format!(" line {l}")).unwrap_or_default()
                        ),
                    );
                    if let Some(line) = line {
                        d = d.at_line(line);
                    }
                    d
                }
                _ => Diagnostic::new(Kind::Dotenv, format!("cannot read {}: {e}", path.display())),
            };
            d = d.in_file(path);
            d
        };
        let mut vars = IndexMap::new();
        for item in dotenvy::from_path_iter(path).map_err(error)? {
            let (k, v) = item.map_err(error)?;
            vars.insert(k, v);
        }
        self.dotenv.push((path.to_owned(), vars));
        Ok(true)
    }

    /// The `.env` files that were found, in priority order.
    pub fn dotenv_files(&self) -> impl Iterator<Item = &Path> {
        self.dotenv.iter().map(|(p, _)| p.as_path())
    }

    /// A variable from the process, else from the first `.env` that has it.
    pub fn get(&self, name: &str) -> Option<(&str, EnvSource)> {
        if let Some(v) = self.process.get(name) {
            return Some((v, EnvSource::Process));
        }
        self.dotenv.iter().find_map(|(path, vars)| {
            vars.get(name)
                .map(|v| (v.as_str(), EnvSource::DotEnv(path.clone())))
        })
    }
}

/// The `.env` files of a project, in priority order: the one next to the
/// ini file, then the one in the project root. This is the one rule the
/// command, `embed!()` (at run time) and the runtime share; the process
/// environment is above both.
///
/// ```
/// use std::path::{Path, PathBuf};
/// let files = schema_core::env::dotenv_files(Path::new("/app/db/schema.ini"), Some(Path::new("/app")));
/// assert_eq!(files, [PathBuf::from("/app/db/.env"), PathBuf::from("/app/.env")]);
/// ```
pub fn dotenv_files(ini: &Path, root: Option<&Path>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ini.parent().into_iter().chain(root) {
        let file = dir.join(".env");
        if !files.contains(&file) {
            files.push(file);
        }
    }
    files
}

/// The project root of an ini file when no tool knows the package (the
/// command finds it with `cargo metadata`, `embed!()` has
/// `CARGO_MANIFEST_DIR`): the nearest folder at or above the ini file's
/// that holds a `Cargo.toml`, else the working directory.
pub fn project_root_of(ini: &Path) -> Option<PathBuf> {
    ini.parent()
        .and_then(|dir| dir.ancestors().find(|d| d.join("Cargo.toml").is_file()))
        .map(Path::to_path_buf)
        .or_else(|| std::env::current_dir().ok())
}

impl Environment {
    /// `self` (the process environment, or a fixed one) with the project's
    /// `.env` files of [`dotenv_files`] below it.
    pub fn with_project_dotenv(
        mut self,
        ini: &Path,
        root: Option<&Path>,
    ) -> Result<Environment, Diagnostic> {
        for file in dotenv_files(ini, root) {
            self.load_dotenv(&file)?;
        }
        Ok(self)
    }
}

/// One `${NAME}` that an expansion used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The variable name.
    pub name: String,
    /// Where its value came from; `None` when the `:-default` was used.
    pub source: Option<EnvSource>,
}

/// Expand `${NAME}` and `${NAME:-default}` from `env`; `$${` is a literal
/// `${`. Returns the value and the variables used.
///
/// ```
/// use schema_core::env::{expand, Environment};
/// let env = Environment::empty().with_var("DB_HOST", "db.internal");
/// let (value, _) = expand("postgres://app@${DB_HOST}/${DB_NAME:-app}", &env).unwrap();
/// assert_eq!(value, "postgres://app@db.internal/app");
/// ```
pub fn expand(value: &str, env: &Environment) -> Result<(String, Vec<Expanded>), (Kind, String)> {
    let mut out = String::with_capacity(value.len());
    let mut used = Vec::new();
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if let Some(after) = rest.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
            continue;
        }
        let Some(body_start) = rest.strip_prefix("${") else {
            out.push('$');
            rest = &rest[1..];
            continue;
        };
        let Some(close) = body_start.find('}') else {
            return Err((
                Kind::EnvSyntax,
                "`${` without a closing `}`; write ${NAME} or ${NAME:-default}, or $${ for a literal `${`".to_owned(),
            ));
        };
        let body = &body_start[..close];
        rest = &body_start[close + 1..];
        let (name, default) = match body.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (body, None),
        };
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err((
                Kind::EnvSyntax,
                format!(
                    "`${{{name}}}` is not a variable reference: names are letters, digits and `_`"
                ),
            ));
        }
        match (env.get(name), default) {
            (Some((v, source)), default) if !(v.is_empty() && default.is_some()) => {
                out.push_str(v);
                used.push(Expanded { name: name.to_owned(), source: Some(source) });
            }
            (_, Some(default)) => {
                out.push_str(default);
                used.push(Expanded { name: name.to_owned(), source: None });
            }
            (_, None) => {
                return Err((
                    Kind::EnvMissing,
                    format!(
                        "${{{name}}} is not set in the environment or a .env file; export it, add it to .env, or write ${{{name}:-default}}"
                    ),
                ))
            }
        }
    }
    out.push_str(rest);
    Ok((out, used))
}

/// Whether a value refers to the environment at all.
pub fn has_reference(value: &str) -> bool {
    value.replace("$${", "").contains("${")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_wins_over_dotenv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "A=from-file\nB=only-file\n").unwrap();
        let mut env = Environment::empty().with_var("A", "from-process");
        assert!(env.load_dotenv(&path).unwrap());
        assert_eq!(env.get("A"), Some(("from-process", EnvSource::Process)));
        assert_eq!(env.get("B"), Some(("only-file", EnvSource::DotEnv(path))));
    }

    #[test]
    fn default_applies_when_unset_or_empty() {
        let env = Environment::empty().with_var("EMPTY", "");
        assert_eq!(expand("${EMPTY:-d}", &env).unwrap().0, "d");
        assert_eq!(expand("${UNSET:-d}", &env).unwrap().0, "d");
        assert_eq!(expand("${EMPTY}", &env).unwrap().0, "");
    }

    #[test]
    fn escapes_and_lone_dollars() {
        let env = Environment::empty();
        assert_eq!(
            expand("pa$$word $${X} $", &env).unwrap().0,
            "pa$$word ${X} $"
        );
    }

    #[test]
    fn errors() {
        let env = Environment::empty();
        assert_eq!(expand("${MISSING}", &env).unwrap_err().0, Kind::EnvMissing);
        assert_eq!(expand("${OPEN", &env).unwrap_err().0, Kind::EnvSyntax);
        assert_eq!(expand("${1BAD}", &env).unwrap_err().0, Kind::EnvSyntax);
    }

    #[test]
    fn dotenv_parse_error_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "A=1\nB=2\nnot a line\n").unwrap();
        let err = Environment::empty().load_dotenv(&path).unwrap_err();
        assert_eq!(err.kind, Kind::Dotenv);
        assert_eq!(err.line, Some(3));
    }
}
