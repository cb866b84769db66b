//! The project pipeline: from an ini file, a section, the run's overrides
//! and an environment policy to the configuration, the engine settings, the
//! migration settings, the revision graph and the findings.
//!
//! `cargo schema`, `embed!()` (at build time and, through the embedded
//! configuration, at run time) and the runtime's `engine_settings` all go
//! through [`Project`], so they read the same files by the same rules:
//!
//! 1. the ini file, with `section` as the main section;
//! 2. the run's [`Overrides`] (the command line), literal values;
//! 3. the environment of [`EnvPolicy`]: the process environment over `.env`
//!    next to the ini file over `.env` in the project root
//!    ([`env::dotenv_files`](crate::env::dotenv_files)), or none at all at
//!    build time.
//!
//! ```
//! # fn main() -> Result<(), schema_core::ConfigError> {
//! use schema_core::project::{EnvPolicy, Project, ProjectSpec};
//! let dir = tempfile::tempdir().unwrap();
//! let ini = dir.path().join("schema.ini");
//! std::fs::write(&ini, "[schema]\ndiesel.url = sqlite://${APP_DB}\n").unwrap();
//! std::fs::write(dir.path().join(".env"), "APP_DB=from-dotenv.db\n").unwrap();
//! let project = Project::open(ProjectSpec::new(&ini).env(EnvPolicy::Fixed(Default::default())))?;
//! assert_eq!(project.engine_settings()?.url.connect_url(), "from-dotenv.db");
//! # Ok(()) }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diag::{ConfigError, Diagnostic, Kind};
use crate::engine::{self, EngineSettings, Resolution, ResolveOptions};
use crate::env::{project_root_of, Environment};
use crate::ini::SetBy;
use crate::migrations::{
    CacheUse, FolderCache, MigrationError, MigrationSet, RevisionGraph, Warning,
};
use crate::settings::MigrationSettings;
use crate::url::Backends;

/// What a run sets on top of the file (the command line). Values are
/// literal: no `%` interpolation, as Alembic's `set_main_option` from code.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `KEY=VALUE` for the main section (`-x`).
    pub main: Vec<String>,
    /// `(SECTION, KEY=VALUE)` (`--set-section`).
    pub sections: Vec<(String, String)>,
    /// The database URL (`--database-url`), set as `<prefix>url`.
    pub database_url: Option<String>,
}

/// The environment a configuration is resolved against.
#[derive(Debug, Clone, Default)]
pub enum EnvPolicy {
    /// The process environment over the project's `.env` files: the
    /// command and the application at run time.
    #[default]
    Process,
    /// A given environment over the project's `.env` files (tests, tools
    /// that run on behalf of another process).
    Fixed(Environment),
    /// No environment at all: `embed!()` at build time, where the running
    /// application's environment is unknown (a `${NAME}` that is unset then
    /// defers its check to run time, and `DATABASE_URL` is not read).
    BuildTime,
}

/// How to open a project.
#[derive(Debug, Clone)]
pub struct ProjectSpec {
    config_path: PathBuf,
    root: Option<PathBuf>,
    section: Option<String>,
    prefix: Option<String>,
    overrides: Overrides,
    env: EnvPolicy,
    backends: Backends,
    features_of: &'static str,
}

impl ProjectSpec {
    /// The project of the ini file at `config_path`, with its root the
    /// nearest folder above that holds a `Cargo.toml`, the process
    /// environment, every backend and no overrides.
    pub fn new(config_path: impl Into<PathBuf>) -> Self {
        let config_path = config_path.into();
        ProjectSpec {
            root: project_root_of(&config_path),
            config_path,
            section: None,
            prefix: None,
            overrides: Overrides::default(),
            env: EnvPolicy::Process,
            backends: Backends::ALL,
            features_of: "schema-runtime",
        }
    }

    /// The project root (its `.env` is read after the ini file's).
    pub fn root(mut self, root: Option<PathBuf>) -> Self {
        self.root = root;
        self
    }

    /// The main section (`-n`, `section = "..."`); default `[schema]`, or
    /// `[alembic]` in a file that has only that.
    pub fn section(mut self, section: Option<String>) -> Self {
        self.section = section;
        self
    }

    /// The engine option prefix; default `diesel.`, or `sqlalchemy.` for a
    /// file that uses only that.
    pub fn prefix(mut self, prefix: Option<String>) -> Self {
        self.prefix = prefix;
        self
    }

    /// The run's overrides.
    pub fn overrides(mut self, overrides: Overrides) -> Self {
        self.overrides = overrides;
        self
    }

    /// The environment policy.
    pub fn env(mut self, env: EnvPolicy) -> Self {
        self.env = env;
        self
    }

    /// The backends compiled into the caller, and the crate whose feature
    /// adds a missing one (for the advice a URL of such a backend gets).
    pub fn backends(mut self, backends: Backends, features_of: &'static str) -> Self {
        self.backends = backends;
        self.features_of = features_of;
        self
    }

    /// The ini file.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }
}

/// A project's configuration, read once, with its overrides and
/// environment; it answers everything else.
#[derive(Debug, Clone)]
pub struct Project {
    config: Config,
    env: Environment,
    root: Option<PathBuf>,
    prefix: Option<String>,
    backends: Backends,
    features_of: &'static str,
    build_time: bool,
    database: Option<String>,
}

impl Project {
    /// Read the ini file of `spec` and apply its overrides and environment;
    /// every problem at once.
    pub fn open(spec: ProjectSpec) -> Result<Project, ConfigError> {
        let config = Config::from_file_with_section(&spec.config_path, spec.section.as_deref())?;
        Project::with_config(config, spec)
    }

    /// [`Project::open`] over a configuration already read (an embedded
    /// file, or one an application adjusted with `set_main_option`); its
    /// file name stands for `spec`'s.
    pub fn with_config(mut config: Config, spec: ProjectSpec) -> Result<Project, ConfigError> {
        apply_overrides(&mut config, &spec.overrides)?;
        let build_time = matches!(spec.env, EnvPolicy::BuildTime);
        let env = match spec.env {
            EnvPolicy::BuildTime => Environment::empty(),
            EnvPolicy::Process => Environment::from_process()
                .with_project_dotenv(config.config_file_name(), spec.root.as_deref())?,
            EnvPolicy::Fixed(env) => {
                env.with_project_dotenv(config.config_file_name(), spec.root.as_deref())?
            }
        };
        Ok(Project {
            config,
            env,
            root: spec.root,
            prefix: spec.prefix,
            backends: spec.backends,
            features_of: spec.features_of,
            build_time,
            database: None,
        })
    }

    /// The configuration with the overrides applied.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The environment the configuration resolves against.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The project root, where the project-wide `.env` (and `diesel.toml`)
    /// live.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Whether this is the build-time reading (no environment).
    pub fn build_time(&self) -> bool {
        self.build_time
    }

    /// The engine option prefix given to the project, if one was.
    pub fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    pub(crate) fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    pub(crate) fn set_database(&mut self, name: &str) {
        self.database = Some(name.to_owned());
    }

    /// The database of a project that lists several, for the project
    /// [`Project::database`] made; `None` for the project itself.
    pub fn database_name(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// Every engine option of `section` (default: the main section) with
    /// its value and source, and every problem.
    pub fn resolve_engine(&self, section: Option<&str>) -> Resolution {
        engine::resolve(
            &self.config,
            &self.env,
            &ResolveOptions {
                section,
                prefix: self.prefix.as_deref(),
                backends: self.backends,
                build_time: self.build_time,
                features_of: self.features_of,
                database_url_env: self.database.is_none(),
            },
        )
    }

    /// The typed engine settings of the main section; every problem at once.
    pub fn engine_settings(&self) -> Result<EngineSettings, ConfigError> {
        self.resolve_engine(None).settings()
    }

    /// `script_location`, the transaction settings, `lock_timeout` and
    /// `multiple_heads` of the main section.
    pub fn migration_settings(&self) -> Result<MigrationSettings, ConfigError> {
        MigrationSettings::from_config(&self.config)
    }

    /// Read the migrations folder (through `snapshot` when given) and build
    /// the revision graph. Nothing is printed: the caller shows
    /// [`Migrations::warnings`] once.
    pub fn migrations(
        &self,
        settings: &MigrationSettings,
        snapshot: Option<&FolderCache>,
    ) -> Migrations {
        let dir = &settings.script_location;
        let (read, cache) = match snapshot {
            Some(cache) => {
                let (read, how) = cache.load(dir);
                (read, Some(how))
            }
            None => (MigrationSet::load(dir), None),
        };
        match read {
            Err(errors) => Migrations {
                graph: Err(errors),
                warnings: Vec::new(),
                folders: Vec::new(),
                several_heads: None,
                cache,
            },
            Ok(contents) => {
                let folders = contents
                    .set
                    .migrations()
                    .iter()
                    .filter_map(|m| m.dir.clone())
                    .collect();
                let graph = RevisionGraph::new(contents.set);
                let several_heads = graph
                    .as_ref()
                    .ok()
                    .and_then(|g| SeveralHeads::of(g, settings));
                Migrations {
                    graph,
                    warnings: contents.warnings,
                    folders,
                    several_heads,
                    cache,
                }
            }
        }
    }
}

/// What reading a project's migrations folder found.
#[derive(Debug)]
pub struct Migrations {
    /// The revision graph, or every problem of the folder and the graph.
    pub graph: Result<RevisionGraph, Vec<MigrationError>>,
    /// Suspicious entries that did not stop the read (show them once).
    pub warnings: Vec<Warning>,
    /// The migration folders seen (rebuild triggers, even when the graph
    /// is invalid).
    pub folders: Vec<PathBuf>,
    /// Several heads where the project expects one.
    pub several_heads: Option<SeveralHeads>,
    /// How the snapshot was used, when one was given.
    pub cache: Option<CacheUse>,
}

/// The folder has several heads and the project did not say
/// `multiple_heads = true`: `check` fails and `embed!()` refuses to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeveralHeads {
    /// The heads, oldest first.
    pub heads: Vec<String>,
    /// The migrations folder.
    pub folder: PathBuf,
}

impl SeveralHeads {
    /// The finding for `graph`, if it has one.
    pub fn of(graph: &RevisionGraph, settings: &MigrationSettings) -> Option<SeveralHeads> {
        let heads = graph.heads();
        (heads.len() > 1 && !settings.multiple_heads).then(|| SeveralHeads {
            heads: heads.iter().map(|m| m.revision.clone()).collect(),
            folder: settings.script_location.clone(),
        })
    }
}

impl fmt::Display for SeveralHeads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the migrations folder has {} heads ({}) where one is expected; merge them with \
             `cargo schema merge -m MSG heads`, or set multiple_heads = true",
            self.heads.len(),
            self.heads.join(", ")
        )
    }
}

fn apply_overrides(config: &mut Config, overrides: &Overrides) -> Result<(), ConfigError> {
    let mut problems = Vec::new();
    for pair in &overrides.main {
        match split_pair(pair) {
            Ok((key, value)) => config.set_main_option_by(key, value, SetBy::CommandLine),
            Err(d) => problems.push(d),
        }
    }
    for (section, pair) in &overrides.sections {
        match split_pair(pair) {
            Ok((key, value)) => {
                if let Err(e) =
                    config.set_section_option_by(section, key, value, SetBy::CommandLine)
                {
                    problems.extend(e.diagnostics().iter().cloned());
                }
            }
            Err(d) => problems.push(d),
        }
    }
    if let Some(url) = &overrides.database_url {
        let prefix = engine::detect_prefix(config, config.config_ini_section());
        config.set_main_option_by(&format!("{prefix}url"), url, SetBy::DatabaseUrlFlag);
    }
    match ConfigError::try_from(problems) {
        Ok(error) => Err(error),
        Err(_) => Ok(()),
    }
}

fn split_pair(pair: &str) -> Result<(&str, &str), Diagnostic> {
    match pair.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim(), value)),
        _ => Err(Diagnostic::new(
            Kind::InvalidOverride,
            format!(
                "`{}` is not KEY=VALUE; write for example -x diesel.pool_size=10",
                crate::secret::mask_urls(pair)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project_dir(ini: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"p\"\n").unwrap();
        std::fs::create_dir(dir.path().join("db")).unwrap();
        std::fs::write(dir.path().join("db/schema.ini"), ini).unwrap();
        dir
    }

    #[test]
    fn dotenv_next_to_the_ini_wins_over_the_project_root() {
        let dir = project_dir("[schema]\ndiesel.url = sqlite://${A}\ndiesel.pool_size = ${B}\n");
        std::fs::write(dir.path().join("db/.env"), "A=next.db\n").unwrap();
        std::fs::write(dir.path().join(".env"), "A=root.db\nB=7\n").unwrap();
        let spec = ProjectSpec::new(dir.path().join("db/schema.ini"))
            .env(EnvPolicy::Fixed(Environment::empty()));
        let project = Project::open(spec).unwrap();
        let settings = project.engine_settings().unwrap();
        assert_eq!(settings.url.connect_url(), "next.db");
        assert_eq!(settings.pool_size, 7);
        assert_eq!(project.root(), Some(dir.path()));
    }

    #[test]
    fn the_process_environment_wins_over_every_dotenv() {
        let dir = project_dir("[schema]\ndiesel.url = sqlite://${A}\n");
        std::fs::write(dir.path().join("db/.env"), "A=next.db\n").unwrap();
        let spec = ProjectSpec::new(dir.path().join("db/schema.ini")).env(EnvPolicy::Fixed(
            Environment::empty().with_var("A", "process.db"),
        ));
        let settings = Project::open(spec).unwrap().engine_settings().unwrap();
        assert_eq!(settings.url.connect_url(), "process.db");
    }

    #[test]
    fn build_time_reads_no_environment_and_defers() {
        let dir = project_dir("[schema]\ndiesel.url = sqlite://${A}\n");
        std::fs::write(dir.path().join("db/.env"), "A=next.db\n").unwrap();
        let spec = ProjectSpec::new(dir.path().join("db/schema.ini")).env(EnvPolicy::BuildTime);
        let project = Project::open(spec).unwrap();
        assert!(project.environment().dotenv_files().next().is_none());
        assert!(project.resolve_engine(None).problems.is_empty());
    }

    #[test]
    fn overrides_are_literal_and_bad_pairs_are_all_reported() {
        let dir = project_dir("[schema]\ndiesel.url = sqlite://a.db\n");
        let ini = dir.path().join("db/schema.ini");
        let spec = ProjectSpec::new(&ini)
            .env(EnvPolicy::BuildTime)
            .overrides(Overrides {
                main: vec!["diesel.pool_size=%(nope)s".into()],
                sections: vec![],
                database_url: Some("sqlite://flag.db".into()),
            });
        let project = Project::open(spec).unwrap();
        assert_eq!(
            project
                .config()
                .get_main_option("diesel.pool_size")
                .unwrap()
                .as_deref(),
            Some("%(nope)s")
        );
        assert_eq!(
            project
                .engine_settings()
                .map(|s| s.url.connect_url().to_owned())
                .ok(),
            None
        );
        let spec = ProjectSpec::new(&ini)
            .env(EnvPolicy::BuildTime)
            .overrides(Overrides {
                main: vec!["novalue".into(), "=x".into()],
                ..Overrides::default()
            });
        let error = Project::open(spec).unwrap_err();
        assert_eq!(error.diagnostics().len(), 2, "{error}");
        assert!(
            error.to_string().contains("`novalue` is not KEY=VALUE"),
            "{error}"
        );
    }

    #[test]
    fn several_heads_are_a_finding_unless_intended() {
        let dir = project_dir("[schema]\nscript_location = migrations\n");
        // Graph keys without down_revision make a base: two bases, two heads.
        for (folder, meta) in [
            ("2024-01-01-000000_a", "revision = \"a\"\n"),
            ("2024-01-02-000000_b", "revision = \"b\"\n"),
        ] {
            let m = dir.path().join("db/migrations").join(folder);
            std::fs::create_dir_all(&m).unwrap();
            std::fs::write(m.join("up.sql"), "SELECT 1;\n").unwrap();
            std::fs::write(m.join("down.sql"), "SELECT 1;\n").unwrap();
            std::fs::write(m.join("metadata.toml"), meta).unwrap();
        }
        let ini = dir.path().join("db/schema.ini");
        let project = Project::open(ProjectSpec::new(&ini).env(EnvPolicy::BuildTime)).unwrap();
        let settings = project.migration_settings().unwrap();
        let found = project.migrations(&settings, None);
        assert_eq!(found.folders.len(), 2);
        let heads = found.several_heads.expect("two heads");
        assert_eq!(heads.heads, ["a", "b"]);
        assert!(heads
            .to_string()
            .starts_with("the migrations folder has 2 heads (a, b)"));
        std::fs::write(
            &ini,
            "[schema]\nscript_location = migrations\nmultiple_heads = true\n",
        )
        .unwrap();
        let project = Project::open(ProjectSpec::new(&ini).env(EnvPolicy::BuildTime)).unwrap();
        let settings = project.migration_settings().unwrap();
        assert!(project.migrations(&settings, None).several_heads.is_none());
    }
}
