//! One module per command; `run` dispatches. Every command that touches
//! migrations starts from [`Project::open`], so the preamble (find the ini,
//! apply overrides, read the settings and the folder) exists once.

pub mod check;
pub mod completions;
pub mod config;
pub mod generate;
pub mod init;
pub mod inspect;
pub mod inspect_schema;
pub mod migrate;
pub mod print_schema;

use schema_core::engine::{self, ResolveOptions};
use std::path::PathBuf;

use schema_core::migrations::{CacheUse, FolderCache, MigrationSet, RevisionGraph};
use schema_core::secret::Redactor;
use schema_core::settings::MigrationSettings;
use schema_core::EngineSettings;
use schema_runtime::{Migrator, RunOptions, BACKENDS};

use crate::cli::{Command, GlobalArgs, SchemaCli};
use crate::project::{self, Loaded};
use crate::{Failure, Outcome};

/// Run the parsed command line.
pub fn run(cli: &SchemaCli) -> Result<Outcome, Failure> {
    let g = &cli.global;
    match &cli.command {
        Command::Init(args) => init::run(g, args),
        Command::Config(args) => config::run(g, args),
        Command::Completions(args) => completions::run(args),
        Command::Generate(args) => generate::generate(&Project::open(g)?, args),
        Command::Merge(args) => generate::merge(&Project::open(g)?, args),
        Command::Upgrade(args) => migrate::upgrade(&Project::open(g)?, args),
        Command::Downgrade(args) => migrate::downgrade(&Project::open(g)?, args),
        Command::Stamp(args) => migrate::stamp(&Project::open(g)?, args),
        Command::Current(args) => inspect::current(&Project::open(g)?, args),
        Command::History(args) => inspect::history(&Project::open(g)?, args),
        Command::Heads(args) => inspect::heads(&Project::open(g)?, args),
        Command::Branches(args) => inspect::branches(&Project::open(g)?, args),
        Command::Show(args) => inspect::show(&Project::open(g)?, args),
        Command::Check(args) => check::run(&Project::open(g)?, args),
        Command::PrintSchema(args) => print_schema::run(&Project::open(g)?, args),
        Command::Inspect(args) => inspect_schema::run(&Project::open(g)?, args),
    }
}

/// A project's configuration, ready for the migration commands.
pub struct Project {
    /// Global options.
    pub global: GlobalArgs,
    /// The configuration with overrides and its environment.
    pub loaded: Loaded,
    /// script_location and the transaction settings.
    pub settings: MigrationSettings,
}

impl Project {
    /// Find and read the configuration.
    pub fn open(global: &GlobalArgs) -> Result<Project, Failure> {
        let loaded = project::load(global, project::locate(global)?)?;
        let settings = MigrationSettings::from_config(&loaded.config)?;
        Ok(Project {
            global: global.clone(),
            loaded,
            settings,
        })
    }

    /// The typed engine settings (the URL above all); every problem at once.
    pub fn engine(&self) -> Result<EngineSettings, Failure> {
        let opts = ResolveOptions {
            backends: BACKENDS,
            features_of: "cargo-schema",
            ..ResolveOptions::default()
        };
        Ok(engine::resolve(&self.loaded.config, &self.loaded.env, &opts).settings()?)
    }

    /// The migrations folder as a revision graph. Warnings go to stderr;
    /// errors (all of them) make the command fail.
    pub fn graph(&self) -> Result<RevisionGraph, Failure> {
        let dir = &self.settings.script_location;
        let loaded = match cache_dir().filter(|_| !self.global.no_cache) {
            Some(cache_dir) => {
                let cache = FolderCache::for_dir(&cache_dir, dir);
                let (loaded, how) = cache.load(dir);
                if self.global.verbose > 1 {
                    let what = match how {
                        CacheUse::Hit => "unchanged, read from the snapshot",
                        CacheUse::Miss { written: true } => "read in full, snapshot saved",
                        CacheUse::Miss { written: false } => "read in full, no snapshot saved",
                    };
                    eprintln!("note: migrations {what} ({})", cache.file().display());
                }
                loaded
            }
            None => MigrationSet::load(dir),
        }
        .map_err(Failure::Migrations)?;
        if !self.global.quiet {
            for warning in &loaded.warnings {
                eprintln!("warning: {warning}");
            }
        }
        RevisionGraph::new(loaded.set).map_err(Failure::Migrations)
    }

    /// A migrator over the folder with the project's run options.
    pub fn migrator(&self, allow_edited: bool) -> Result<Migrator, Failure> {
        Ok(Migrator::new(self.graph()?).with_options(RunOptions {
            transaction_per_migration: self.settings.transaction_per_migration,
            lock_timeout: self.settings.lock_timeout,
            allow_edited,
        }))
    }

    /// Masks every password this project's configuration knows of.
    pub fn redactor(&self, engine: Option<&EngineSettings>) -> Redactor {
        let mut r = Redactor::default();
        if let Some(password) = engine.and_then(|e| e.url.password()) {
            r.add(password);
        }
        r
    }
}

/// Where snapshots of migrations folders are kept: `CARGO_SCHEMA_CACHE_DIR`,
/// else the user's cache directory (XDG), else none.
fn cache_dir() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("CARGO_SCHEMA_CACHE_DIR") {
        return Some(dir.into());
    }
    let base = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("cargo-schema"))
}

/// Connect to the settings' database with the right diesel connection type
/// and evaluate `$body` with it bound to `$conn` (monomorphised per backend).
macro_rules! with_connection {
    ($settings:expr, |$conn:ident| $body:expr) => {{
        let settings: &schema_core::EngineSettings = $settings;
        match settings.url.backend() {
            #[cfg(feature = "sqlite")]
            schema_core::url::Backend::Sqlite => {
                let mut $conn: diesel::SqliteConnection =
                    schema_runtime::connect::establish(settings)?;
                $body
            }
            #[cfg(feature = "postgres")]
            schema_core::url::Backend::Postgres => {
                let mut $conn: schema_runtime::PgConnection =
                    schema_runtime::connect::establish(settings)?;
                $body
            }
            #[cfg(feature = "mysql")]
            schema_core::url::Backend::Mysql => {
                let mut $conn: schema_runtime::MysqlConnection =
                    schema_runtime::connect::establish(settings)?;
                $body
            }
            // Resolving the settings already refused a backend this binary
            // was built without, with the feature to enable; this arm only
            // keeps the match total in such a build.
            #[allow(unreachable_patterns)]
            other => {
                return Err($crate::Failure::from(schema_core::Diagnostic::new(
                    schema_core::Kind::BackendNotEnabled,
                    format!("this build of cargo-schema has no {other} support"),
                )))
            }
        }
    }};
}
pub(crate) use with_connection;
