//! Several databases from one ini file, in Alembic's multidb layout.
//!
//! The main section's `databases = a, b` names sections, each with its own
//! `<prefix>url` and, optionally, its own `script_location` and engine
//! options; what a section leaves out comes from the main section. For
//! fleets too large for sections, `databases_file` names a file of
//! `NAME URL` lines (`${NAME}` expanded, blank lines and `#` comments
//! allowed).
//!
//! Each database is then a [`Project`] of its own ([`Project::database`]):
//! the same configuration with the database's section as the main one (or
//! its listed URL set), so everything downstream (engine settings,
//! migration settings, the folder) reads it through the one pipeline.
//!
//! ```
//! # fn main() -> Result<(), schema_core::ConfigError> {
//! use schema_core::project::{EnvPolicy, Project, ProjectSpec};
//! let dir = tempfile::tempdir().unwrap();
//! let ini = dir.path().join("alembic.ini");
//! std::fs::write(&ini, "[alembic]\nscript_location = migrations\ndatabases = engine1, engine2\n\
//!     [engine1]\nsqlalchemy.url = sqlite:///one.db\n[engine2]\nsqlalchemy.url = sqlite:///two.db\n").unwrap();
//! let project = Project::open(ProjectSpec::new(&ini).env(EnvPolicy::Fixed(Default::default())))?;
//! let names: Vec<_> = project.databases()?.into_iter().map(|d| d.name).collect();
//! assert_eq!(names, ["engine1", "engine2"]);
//! let two = project.database(&project.databases()?[1]);
//! assert!(two.engine_settings()?.url.connect_url().ends_with("two.db"));
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{suggest, ConfigError, Diagnostic, Kind};
use crate::engine::{detect_prefix, DEFAULT_PREFIX, SQLALCHEMY_PREFIX};
use crate::env;
use crate::ini::SetBy;
use crate::project::Project;
use crate::url::{DatabaseUrl, UrlStyle};

/// The main-section key that names the database sections.
pub const DATABASES_KEY: &str = "databases";

/// The main-section key that names a file of `NAME URL` lines.
pub const DATABASES_FILE_KEY: &str = "databases_file";

/// One database of a project that lists several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    /// Its name: the section's, or the first word of its line.
    pub name: String,
    /// Where it is defined.
    pub origin: DatabaseOrigin,
}

/// Where a listed database is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseOrigin {
    /// The section of its name, named in `databases`.
    Section,
    /// A line of `databases_file`.
    Listed {
        /// The URL, `${NAME}` expanded (it holds the password: never print
        /// it unmasked).
        url: String,
        /// The file.
        file: PathBuf,
        /// The line.
        line: usize,
    },
}

impl Project {
    /// Whether the main section lists databases at all (cheap: no file is
    /// read).
    pub fn lists_databases(&self) -> bool {
        let config = self.config();
        let keys = config.document().keys(config.config_ini_section());
        keys.contains(&DATABASES_KEY) || keys.contains(&DATABASES_FILE_KEY)
    }

    /// The databases the main section lists (`databases`, then the lines
    /// of `databases_file`), in order; empty for a project of one
    /// database. Every problem at once, each naming its file and line.
    pub fn databases(&self) -> Result<Vec<Database>, ConfigError> {
        if !self.lists_databases() {
            return Ok(Vec::new());
        }
        let config = self.config();
        let main = config.config_ini_section();
        let doc = config.document();
        let mut problems = Vec::new();
        let mut found: Vec<Database> = Vec::new();
        // Name -> where it was defined, for the duplicate's message.
        let mut seen: HashMap<String, String> = HashMap::new();
        let ini_line = |key: &str| doc.entry(main, key).and_then(|e| e.origin.line());
        let at_key = |d: Diagnostic, key: &str| match ini_line(key) {
            Some(line) => d
                .in_file(config.config_file_name())
                .at_line(line)
                .with_snippet(doc.line_text(line).unwrap_or_default())
                .for_key(main, key),
            None => d.for_key(main, key),
        };

        match config.get_main_option(DATABASES_KEY) {
            Err(e) => problems.extend(e.diagnostics().iter().cloned()),
            Ok(None) => {}
            Ok(Some(names)) => {
                for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    if !doc.has_section(name) || name == main {
                        let mut d = at_key(
                            Diagnostic::new(
                                Kind::Databases,
                                format!(
                                    "`{DATABASES_KEY}` names [{name}], which is not a section of \
                                     this file; add a [{name}] section with its URL"
                                ),
                            ),
                            DATABASES_KEY,
                        );
                        if let Some(s) = suggest(name, doc.sections().filter(|s| *s != main)) {
                            d = d.suggest(s.to_owned());
                        }
                        problems.push(d);
                        continue;
                    }
                    let here = format!("[{name}]");
                    if let Some(first) = seen.insert(name.to_owned(), here) {
                        problems.push(at_key(
                            Diagnostic::new(
                                Kind::Databases,
                                format!("`{DATABASES_KEY}` names {name} twice (first in {first})"),
                            ),
                            DATABASES_KEY,
                        ));
                        continue;
                    }
                    found.push(Database {
                        name: name.to_owned(),
                        origin: DatabaseOrigin::Section,
                    });
                }
            }
        }

        if let Some(path) = self.databases_file(&mut problems, &at_key) {
            let style = match self.url_key().starts_with(SQLALCHEMY_PREFIX) {
                true => UrlStyle::SqlAlchemy,
                false => UrlStyle::Diesel,
            };
            match std::fs::read_to_string(&path) {
                Err(e) => problems.push(at_key(
                    Diagnostic::new(
                        Kind::Databases,
                        format!("cannot read the databases file {}: {e}", path.display()),
                    ),
                    DATABASES_FILE_KEY,
                )),
                Ok(text) => {
                    for (i, raw) in text.lines().enumerate() {
                        let line = i + 1;
                        match self.listed(&path, line, raw, style) {
                            Ok(None) => {}
                            Ok(Some(db)) => {
                                let here = format!("{}:{line}", env::display_name(&path));
                                match seen.get(&db.name) {
                                    Some(first) => problems.push(
                                        Diagnostic::new(
                                            Kind::Databases,
                                            format!(
                                                "{} is listed twice (first in {first})",
                                                db.name
                                            ),
                                        )
                                        .in_file(&path)
                                        .at_line(line)
                                        .with_snippet(raw),
                                    ),
                                    None => {
                                        seen.insert(db.name.clone(), here);
                                        found.push(db);
                                    }
                                }
                            }
                            Err(d) => problems.push(d),
                        }
                    }
                }
            }
        }
        match ConfigError::try_from(problems) {
            Ok(error) => Err(error),
            Err(()) => Ok(found),
        }
    }

    /// The path `databases_file` names (relative to the ini file's folder),
    /// if it names one.
    fn databases_file(
        &self,
        problems: &mut Vec<Diagnostic>,
        at_key: &dyn Fn(Diagnostic, &str) -> Diagnostic,
    ) -> Option<PathBuf> {
        let text = match self.config().get_main_option(DATABASES_FILE_KEY) {
            Ok(text) => text?,
            Err(e) => {
                problems.extend(e.diagnostics().iter().cloned());
                return None;
            }
        };
        let text = match env::expand(text.trim(), self.environment()) {
            Ok((text, _)) => text,
            Err((kind, message)) => {
                problems.push(at_key(
                    Diagnostic::new(kind, format!("`{DATABASES_FILE_KEY}`: {message}")),
                    DATABASES_FILE_KEY,
                ));
                return None;
            }
        };
        if text.is_empty() {
            return None;
        }
        let dir = self
            .config()
            .config_file_name()
            .parent()
            .unwrap_or(Path::new("."));
        Some(dir.join(text))
    }

    /// One line of the databases file: `None` for a blank or comment line.
    fn listed(
        &self,
        file: &Path,
        line: usize,
        raw: &str,
        style: UrlStyle,
    ) -> Result<Option<Database>, Diagnostic> {
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            return Ok(None);
        }
        let bad = |message: String| {
            Diagnostic::new(Kind::Databases, message)
                .in_file(file)
                .at_line(line)
                .with_snippet(raw)
        };
        let words: Vec<&str> = text.split_whitespace().collect();
        let [name, url] = words.as_slice() else {
            return Err(bad(format!(
                "expected `NAME URL` (two words), found {}",
                words.len()
            )));
        };
        let (url, _) = env::expand(url, self.environment()).map_err(|(_, m)| bad(m))?;
        if let Err(e) = DatabaseUrl::parse(&url, style) {
            return Err(bad(format!("the URL of {name}: {e}")));
        }
        Ok(Some(Database {
            name: (*name).to_owned(),
            origin: DatabaseOrigin::Listed {
                url,
                file: file.to_owned(),
                line,
            },
        }))
    }

    /// The main section's URL key.
    fn url_key(&self) -> String {
        let config = self.config();
        let prefix = self
            .prefix()
            .unwrap_or_else(|| detect_prefix(config, config.config_ini_section()));
        format!("{prefix}url")
    }

    /// The project of one listed database: its section becomes the main
    /// section, inheriting every key of the main section it does not set
    /// (the URL, `databases` and `databases_file` excepted: each database
    /// names its own); or, for a line of `databases_file`, the main section
    /// with that line's URL. `DATABASE_URL` does not apply: one variable
    /// cannot stand for each database.
    pub fn database(&self, db: &Database) -> Project {
        let mut project = self.clone();
        let main = self.config().config_ini_section().to_owned();
        match &db.origin {
            DatabaseOrigin::Section => {
                let own_prefix = self.prefix().map(str::to_owned);
                let skip = |key: &str| {
                    key == DATABASES_KEY
                        || key == DATABASES_FILE_KEY
                        || [
                            Some(DEFAULT_PREFIX),
                            Some(SQLALCHEMY_PREFIX),
                            own_prefix.as_deref(),
                        ]
                        .into_iter()
                        .flatten()
                        .any(|p| key.strip_prefix(p) == Some("url"))
                };
                project.config_mut().inherit_into(&db.name, &main, skip);
            }
            DatabaseOrigin::Listed { url, file, line } => {
                let key = self.url_key();
                project.config_mut().set_main_option_by(
                    &key,
                    url,
                    SetBy::DatabasesFile {
                        file: file.clone(),
                        line: *line,
                    },
                );
            }
        }
        project.set_database(&db.name);
        project
    }
}

impl Database {
    /// Where it is defined, for messages: `[name]` or `file:line`.
    pub fn origin_text(&self) -> String {
        match &self.origin {
            DatabaseOrigin::Section => format!("[{}]", self.name),
            DatabaseOrigin::Listed { file, line, .. } => {
                format!("{}:{line}", env::display_name(file))
            }
        }
    }
}

/// `--database NAME...` checked against the listed databases: the chosen
/// ones in listing order, or an error naming the unknown ones and every
/// known name.
pub fn select(databases: Vec<Database>, names: &[String]) -> Result<Vec<Database>, Diagnostic> {
    if names.is_empty() {
        return Ok(databases);
    }
    let unknown: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !databases.iter().any(|d| d.name == *n))
        .collect();
    if let Some(first) = unknown.first() {
        let known: Vec<&str> = databases.iter().map(|d| d.name.as_str()).collect();
        let mut d = Diagnostic::new(
            Kind::Databases,
            format!(
                "no database named {}; the configuration lists {}",
                unknown.join(", "),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        );
        if let Some(s) = suggest(first, known.iter().copied()) {
            d = d.suggest(s.to_owned());
        }
        return Err(d);
    }
    Ok(databases
        .into_iter()
        .filter(|d| names.contains(&d.name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{EnvPolicy, ProjectSpec};
    use crate::Environment;

    fn project(ini: &str, tenants: Option<&str>, env: Environment) -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("schema.ini"), ini).unwrap();
        if let Some(t) = tenants {
            std::fs::write(dir.path().join("tenants.txt"), t).unwrap();
        }
        let spec = ProjectSpec::new(dir.path().join("schema.ini")).env(EnvPolicy::Fixed(env));
        let project = Project::open(spec).unwrap();
        (dir, project)
    }

    #[test]
    fn sections_inherit_the_main_section_but_not_its_url() {
        let (_dir, p) = project(
            "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.pool_size = 3\n\
             sqlalchemy.url = postgresql://main/db\ndatabases = a, b\n\
             [a]\nsqlalchemy.url = postgresql://u:secret@h/a\nsqlalchemy.pool_size = 9\n\
             [b]\nscript_location = other\n",
            None,
            Environment::empty().with_var("DATABASE_URL", "postgres://env/db"),
        );
        let dbs = p.databases().unwrap();
        assert_eq!(dbs.len(), 2);
        let a = p.database(&dbs[0]);
        assert_eq!(a.database_name(), Some("a"));
        let settings = a.engine_settings().unwrap();
        assert_eq!(settings.url.to_string(), "postgresql://u:***@h/a");
        assert_eq!(settings.pool_size, 9);
        let here = p.config().config_file_name().parent().unwrap();
        assert_eq!(
            a.migration_settings().unwrap().script_location,
            here.join("migrations")
        );
        let b = p.database(&dbs[1]);
        assert_eq!(
            b.migration_settings().unwrap().script_location,
            here.join("other")
        );
        // Neither the main section's URL nor DATABASE_URL stand in for b's.
        let error = b.engine_settings().unwrap_err().to_string();
        assert!(error.contains("[b] has no `sqlalchemy.url`"), "{error}");
        assert!(a.databases().unwrap().is_empty());
    }

    #[test]
    fn a_databases_file_lists_names_and_urls() {
        let (dir, p) = project(
            "[schema]\ndatabases_file = %(here)s/tenants.txt\ndiesel.pool_size = 2\n",
            Some("# tenants\n\nt1 postgres://app:${PW}@h/t1\n  t2   sqlite://t2.db  \n"),
            Environment::empty().with_var("PW", "s3cret"),
        );
        let dbs = p.databases().unwrap();
        let names: Vec<_> = dbs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["t1", "t2"]);
        assert_eq!(dbs[0].origin_text(), "tenants.txt:3");
        let t1 = p.database(&dbs[0]).engine_settings().unwrap();
        assert_eq!(t1.url.to_string(), "postgres://app:***@h/t1");
        assert_eq!(t1.url.password(), Some("s3cret"));
        assert_eq!(t1.pool_size, 2);
        let resolved = p.database(&dbs[1]).resolve_engine(None);
        assert_eq!(
            resolved.effective["url"].source.to_string(),
            "tenants.txt:4"
        );
        drop(dir);
    }

    #[test]
    fn bad_lines_and_names_are_all_reported_with_their_place() {
        let (_dir, p) = project(
            "[schema]\ndatabases = a, nope\ndatabases_file = tenants.txt\n[a]\ndiesel.url = sqlite://a.db\n",
            Some("t1\nt2 postgres://u:hunter2@h/t2 extra\na sqlite://dup.db\nt3 ${UNSET}\nt4 ftp://x\n"),
            Environment::empty(),
        );
        let error = p.databases().unwrap_err();
        let text: Vec<String> = error
            .diagnostics()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(text.len(), 6, "{text:#?}");
        assert!(
            text[0].contains("schema.ini:2") && text[0].contains("[nope]"),
            "{}",
            text[0]
        );
        assert!(
            text[1].contains("tenants.txt:1:") && text[1].contains("NAME URL"),
            "{}",
            text[1]
        );
        assert!(
            text[2].contains("tenants.txt:2:") && text[2].contains("found 3"),
            "{}",
            text[2]
        );
        assert!(
            text[3].contains("tenants.txt:3:") && text[3].contains("first in [a]"),
            "{}",
            text[3]
        );
        assert!(
            text[4].contains("tenants.txt:4:") && text[4].contains("${UNSET}"),
            "{}",
            text[4]
        );
        assert!(
            text[5].contains("tenants.txt:5:") && text[5].contains("t4"),
            "{}",
            text[5]
        );
        let all = format!("{error:?}");
        assert!(!all.contains("hunter2"), "{all}");
    }

    #[test]
    fn select_keeps_listing_order_and_names_the_known_ones() {
        let db = |n: &str| Database {
            name: n.to_owned(),
            origin: DatabaseOrigin::Section,
        };
        let all = vec![db("alpha"), db("beta"), db("gamma")];
        let chosen = select(all.clone(), &["gamma".into(), "alpha".into()]).unwrap();
        assert_eq!(chosen, [db("alpha"), db("gamma")]);
        let error = select(all, &["betta".into()]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no database named betta; the configuration lists alpha, beta, gamma (did you mean `beta`?)"
        );
    }
}
