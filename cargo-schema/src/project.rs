//! Finding the project and its ini file, and opening it through schema-core's
//! [`Project`] pipeline with every command-line override applied. Every
//! command that touches the configuration starts here.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use cargo_metadata::MetadataCommand;
use schema_core::databases::{self, Database};
use schema_core::migrations::{CacheUse, FolderCache, RevisionGraph};
use schema_core::secret::Redactor;
use schema_core::settings::MigrationSettings;
use schema_core::{ConfigError, Diagnostic, EngineSettings, Kind, Overrides, Project, ProjectSpec};
use schema_runtime::{Migrator, RunOptions, BACKENDS};

use crate::cli::GlobalArgs;
use crate::Failure;

/// The name of the ini file a package keeps at its root.
pub const CONFIG_FILE: &str = "schema.ini";

/// Where the configuration lives.
#[derive(Debug, Clone)]
pub struct Located {
    /// The ini file (absolute).
    pub config_path: PathBuf,
    /// The package (or workspace) root, for `.env`.
    pub root: PathBuf,
}

/// Find the ini file: `-c FILE` as given; otherwise `schema.ini` in the
/// package of the current directory (or of `--manifest-path`), found with
/// `cargo metadata`. At a virtual workspace's root, the one member that has
/// a schema.ini is used.
pub fn locate(args: &GlobalArgs) -> Result<Located, Diagnostic> {
    let cwd = std::env::current_dir().map_err(|e| {
        Diagnostic::new(
            Kind::Project,
            format!("cannot read the current directory: {e}"),
        )
    })?;
    if let Some(config) = &args.config {
        // An explicit file needs no cargo: this keeps `-c` usable outside a
        // Cargo project and start-up cheap.
        let config_path = absolute(&cwd, config);
        let root = match &args.manifest_path {
            Some(manifest) => absolute(&cwd, manifest)
                .parent()
                .map_or(cwd.clone(), Path::to_path_buf),
            None => schema_core::env::project_root_of(&config_path).unwrap_or(cwd),
        };
        return Ok(Located { config_path, root });
    }

    let mut command = MetadataCommand::new();
    command.no_deps();
    if let Some(manifest) = &args.manifest_path {
        command.manifest_path(manifest);
    }
    let metadata = match command.exec() {
        Ok(metadata) => Ok(metadata),
        // Outside any Cargo project, a schema.ini in the current directory
        // is the project, as alembic.ini is for `alembic` (and as `init`
        // writes it there).
        Err(_) if args.manifest_path.is_none() && cwd.join(CONFIG_FILE).is_file() => {
            return Ok(Located {
                config_path: cwd.join(CONFIG_FILE),
                root: cwd,
            });
        }
        Err(e) => Err(e),
    }
    .map_err(|e| {
        Diagnostic::new(
            Kind::Project,
            format!(
                "cannot find the Cargo project ({}); run inside a Cargo project, pass --manifest-path, or name the ini file with -c",
                first_line(&e.to_string())
            ),
        )
    })?;

    let manifest_dir = |p: &cargo_metadata::Package| {
        p.manifest_path
            .parent()
            .map(|d| d.as_std_path().to_path_buf())
    };
    let package_dir = match &args.manifest_path {
        Some(manifest) => {
            let wanted = absolute(&cwd, manifest);
            let wanted = wanted.canonicalize().unwrap_or(wanted);
            metadata
                .packages
                .iter()
                .find(|p| {
                    p.manifest_path
                        .as_std_path()
                        .canonicalize()
                        .is_ok_and(|m| m == wanted)
                })
                .and_then(manifest_dir)
        }
        None => metadata
            .workspace_packages()
            .into_iter()
            .filter_map(manifest_dir)
            .filter(|dir| cwd.starts_with(dir))
            .max_by_key(|dir| dir.components().count()),
    };
    if let Some(dir) = package_dir {
        return Ok(Located {
            config_path: dir.join(CONFIG_FILE),
            root: dir,
        });
    }

    // A virtual workspace's root: its own schema.ini, else the one member
    // that has one.
    let root = metadata.workspace_root.as_std_path().to_path_buf();
    if root.join(CONFIG_FILE).is_file() {
        return Ok(Located {
            config_path: root.join(CONFIG_FILE),
            root,
        });
    }
    let candidates: Vec<PathBuf> = metadata
        .workspace_packages()
        .into_iter()
        .filter_map(manifest_dir)
        .filter(|dir| dir.join(CONFIG_FILE).is_file())
        .collect();
    match candidates.as_slice() {
        [only] => Ok(Located {
            config_path: only.join(CONFIG_FILE),
            root: only.clone(),
        }),
        [] => Ok(Located {
            config_path: root.join(CONFIG_FILE),
            root,
        }),
        several => Err(Diagnostic::new(
            Kind::Project,
            format!(
                "several workspace members have a {CONFIG_FILE} ({}); choose one with --manifest-path or -c",
                several
                    .iter()
                    .map(|d| d.strip_prefix(&root).unwrap_or(d).display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        cwd.join(path)
    }
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
}

/// The project of `args`: its ini file with `-x`, `--set-section` and
/// `--database-url` applied, and the environment (process over `.env` next
/// to the ini over `.env` in the project root), through schema-core's one
/// pipeline.
pub fn open(args: &GlobalArgs, located: &Located) -> Result<Project, ConfigError> {
    let overrides = Overrides {
        main: args.set.clone(),
        sections: args
            .set_section
            .chunks(2)
            .filter_map(|chunk| match chunk {
                [section, pair] => Some((section.clone(), pair.clone())),
                _ => None,
            })
            .collect(),
        database_url: args.database_url.clone(),
    };
    Project::open(
        ProjectSpec::new(&located.config_path)
            .root(Some(located.root.clone()))
            .section(args.name.clone())
            .overrides(overrides)
            .backends(BACKENDS, "cargo-schema"),
    )
}

/// A command's view of the project: where it was found, the configuration
/// pipeline's answer, the migration settings, and the revision graph read
/// at most once (so each warning is shown once).
pub struct ProjectContext {
    /// Global options.
    pub global: GlobalArgs,
    /// Where the ini file and the project root are.
    pub located: Located,
    /// The configuration with overrides and its environment.
    pub project: Project,
    /// script_location and the transaction settings.
    pub settings: MigrationSettings,
    /// The folder's runner with the project's options, built on first use
    /// so the folder is read (and its warnings shown) once per command;
    /// shared by the databases of a fleet that use the same folder.
    migrator: OnceLock<Arc<Migrator>>,
    /// Whether the command runs or prints SQL; see
    /// [`ProjectContext::without_sql`].
    sql: bool,
}

impl ProjectContext {
    /// Find and read the configuration.
    pub fn open(global: &GlobalArgs) -> Result<ProjectContext, Failure> {
        let located = locate(global)?;
        let project = open(global, &located)?;
        let settings = project.migration_settings()?;
        Ok(ProjectContext {
            global: global.clone(),
            located,
            project,
            settings,
            migrator: OnceLock::new(),
            sql: true,
        })
    }

    /// [`ProjectContext::open`] for a command that works on one database:
    /// on an ini file that lists several, the one `--database` names.
    pub fn open_one(global: &GlobalArgs) -> Result<ProjectContext, Failure> {
        let context = ProjectContext::open(global)?;
        if global.database.is_empty() {
            return Ok(context);
        }
        match context.databases()?.as_deref() {
            Some([one]) => context.for_database(one),
            Some(_) => Err(Failure::Usage(
                "this command works on one database; name one with --database NAME".into(),
            )),
            None => Ok(context),
        }
    }

    /// The databases the ini file lists, narrowed to those `--database`
    /// names; `None` for a project of one database, or when
    /// `--database-url` names the one database to use.
    pub fn databases(&self) -> Result<Option<Vec<Database>>, Failure> {
        let file = self.located.config_path.display();
        if !self.project.lists_databases() {
            if self.global.database.is_empty() {
                return Ok(None);
            }
            return Err(Failure::Usage(format!(
                "--database: {file} lists no databases; list them in [{}] with `{}` or `{}`",
                self.project.config().config_ini_section(),
                databases::DATABASES_KEY,
                databases::DATABASES_FILE_KEY
            )));
        }
        if self.global.database_url.is_some() {
            if self.global.database.is_empty() {
                return Ok(None);
            }
            return Err(Failure::Usage(
                "--database-url and --database both choose the database; give one of them".into(),
            ));
        }
        let all = self.project.databases()?;
        Ok(Some(databases::select(all, &self.global.database)?))
    }

    /// The context of one listed database: the same configuration through
    /// the same pipeline, with that database's section or URL.
    pub fn for_database(&self, db: &Database) -> Result<ProjectContext, Failure> {
        let project = self.project.database(db);
        let settings = project.migration_settings()?;
        Ok(ProjectContext {
            global: self.global.clone(),
            located: self.located.clone(),
            project,
            settings,
            migrator: OnceLock::new(),
            sql: self.sql,
        })
    }

    /// For a command that neither runs nor prints SQL (`current`, `heads`,
    /// `history`, `branches`): the graph may come from the folder
    /// snapshot's graph half alone, with every migration's SQL empty
    /// ([`RevisionGraph::has_sql`] false); checksums are still right.
    pub fn without_sql(mut self) -> Self {
        self.sql = false;
        self
    }

    /// Give `other` this context's runner when both read the same folder,
    /// so a fleet reads (and warns about) each folder once.
    pub fn share_runner(&self, other: &ProjectContext) -> Result<bool, Failure> {
        // A runner without SQL must not reach a context that runs SQL.
        if self.settings != other.settings || (other.sql && !self.sql) {
            return Ok(false);
        }
        self.runner()?;
        if let Some(runner) = self.migrator.get() {
            let _ = other.migrator.set(Arc::clone(runner));
        }
        Ok(true)
    }

    /// The typed engine settings (the URL above all); every problem at once.
    pub fn engine_settings(&self) -> Result<EngineSettings, Failure> {
        match self.project.engine_settings() {
            Err(e)
                if e.kind() == Kind::MissingUrl
                    && self.project.lists_databases()
                    && self.project.database_name().is_none() =>
            {
                Err(Failure::Usage(format!(
                    "{} lists several databases and this command works on one; \
                     name it with --database NAME",
                    self.located.config_path.display()
                )))
            }
            other => Ok(other?),
        }
    }

    /// The migrations folder as a revision graph, read once per command
    /// (through the folder snapshot unless `--no-cache`). Warnings go to
    /// stderr the first time; errors (all of them) make the command fail.
    pub fn graph(&self) -> Result<&RevisionGraph, Failure> {
        Ok(self.runner()?.graph())
    }

    /// A migrator over the folder with the project's run options; borrowed
    /// unless `allow_edited` asks for other options than the project's.
    pub fn migrator(&self, allow_edited: bool) -> Result<Cow<'_, Migrator>, Failure> {
        let runner = self.runner()?;
        Ok(if allow_edited {
            let options = RunOptions {
                allow_edited,
                ..*runner.options()
            };
            Cow::Owned(Migrator::clone(runner).with_options(options))
        } else {
            Cow::Borrowed(runner)
        })
    }

    fn runner(&self) -> Result<&Migrator, Failure> {
        if let Some(migrator) = self.migrator.get() {
            return Ok(migrator);
        }
        let dir = &self.settings.script_location;
        let cache = cache_dir()
            .filter(|_| !self.global.no_cache)
            .map(|cache_dir| FolderCache::for_dir(&cache_dir, dir))
            .map(|cache| if self.sql { cache } else { cache.without_sql() });
        let found = self.project.migrations(&self.settings, cache.as_ref());
        if let (Some(cache), Some(how), true) = (&cache, found.cache, self.global.verbose > 1) {
            let what = match how {
                CacheUse::Hit => "unchanged, read from the snapshot",
                CacheUse::Miss { written: true } => "read in full, snapshot saved",
                CacheUse::Miss { written: false } => "read in full, no snapshot saved",
            };
            eprintln!("note: migrations {what} ({})", cache.file().display());
        }
        if !self.global.quiet {
            for warning in &found.warnings {
                eprintln!("warning: {warning}");
            }
        }
        let graph = found.graph.map_err(Failure::Migrations)?;
        let settings = &self.settings;
        // A lease renews on a connection of its own, to the URL the command
        // connects to; commands that need no URL do without one.
        let lock_db = if settings.run.needs_lock_connection() {
            self.engine_settings().ok()
        } else {
            None
        };
        let migrator = Migrator::new(graph)
            .with_options(settings.run)
            .with_lock_connection(lock_db);
        Ok(self.migrator.get_or_init(|| Arc::new(migrator)))
    }

    /// The cache directory (folder snapshots, replayed schemas); `None`
    /// with `--no-cache` or when no cache directory is known.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        cache_dir().filter(|_| !self.global.no_cache)
    }

    /// Masks every password this project's configuration knows of.
    pub fn redactor(&self, engine: Option<&EngineSettings>) -> Redactor {
        engine.map_or_else(Redactor::default, |e| Redactor::for_url(&e.url))
    }
}

impl Drop for ProjectContext {
    /// The graph is left to the end of the process instead of freed: it is
    /// tens of thousands of small allocations for a large folder (about a
    /// millisecond of `free` at 1000 revisions, 14 % of a no-op `heads`),
    /// and a context lives until the command ends. It holds memory only, no
    /// connection or file.
    fn drop(&mut self) {
        if let Some(migrator) = self.migrator.take() {
            std::mem::forget(migrator);
        }
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
