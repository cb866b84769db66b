//! What `embed!()` bakes into an application: the migrations (SQL, graph,
//! build-time checksums) and the configuration file, with the run-time
//! half of both. The macro only emits `static`s of these types; all
//! behaviour lives here and in the shared runner, so an embedded upgrade is
//! the same code path as `cargo schema upgrade`.

use std::path::PathBuf;
use std::sync::OnceLock;

use indexmap::IndexMap;
use schema_core::migrations::record::{self, Record, RecordError, RECORD_LEN};
use schema_core::migrations::{MigrationFiles, RevisionGraph, Step};
use schema_core::{
    Config, ConfigError, EngineSettings, EnvPolicy, Environment, Project, ProjectSpec,
};

use crate::dialect::Dialect;
use crate::error::RunError;
use crate::runner::{Migrator, RunOptions, Status};
use crate::BACKENDS;

/// One migration folder's files, as `embed!()` includes them (the record
/// format lives in [`schema_core::migrations::record`], beside its encoder).
pub type EmbeddedFiles = Record<'static>;

/// The migrations of a project, embedded at build time.
///
/// ```ignore
/// schema_runtime::embed!();
/// let mut conn = diesel::SqliteConnection::establish(config.url())?;
/// MIGRATIONS.upgrade(&mut conn, "head")?;
/// ```
#[derive(Debug)]
pub struct EmbeddedMigrations {
    script_location: &'static str,
    /// See [`EmbeddedMigrations::new`]. Plain string literals rather than
    /// [`EmbeddedFiles`] literals because the user's crate type-checks them
    /// on every build: at 1000 migrations, struct literals with their
    /// `Option`s cost about 0.1 s, string literals about 0.03 s.
    records: &'static [&'static str],
    /// The main section's run settings, as the build read them.
    options: RunOptions,
    /// Where a `lock = table` lease gets the URL of its own connection.
    config: Option<&'static EmbeddedConfig>,
    // Leaked rather than owned: `embed!()` puts this type in a static, which
    // is never dropped, but rustc still emits the static's drop glue, and
    // owning the runner here would link all of it into a binary that only
    // reads `len()`. Keep this the only field with drop glue.
    built: OnceLock<&'static Built>,
}

/// What [`EmbeddedMigrations`] builds on first use.
#[derive(Debug)]
struct Built {
    files: Result<Vec<EmbeddedFiles>, RecordError>,
    migrator: OnceLock<Result<Migrator, String>>,
}

impl EmbeddedMigrations {
    /// Used by `embed!()`, for a static (what it builds on first use is
    /// never freed). `records` holds four strings per migration, in version
    /// order: the header `FOLDER/CHECKSUM/OPTIONAL`, where `OPTIONAL` names
    /// the optional files the folder has (`d` for `down.sql`, `m` for
    /// `metadata.toml`; neither a folder name nor a checksum can contain a
    /// `/`), then the texts of `up.sql`, `down.sql` and `metadata.toml`,
    /// `""` for a file the folder does not have. `options` are the main
    /// section's run settings as a constant; `config` the embedded
    /// configuration whose URL a `lock = table` lease connects to.
    #[doc(hidden)]
    pub const fn new(
        script_location: &'static str,
        records: &'static [&'static str],
        options: RunOptions,
        config: Option<&'static EmbeddedConfig>,
    ) -> Self {
        EmbeddedMigrations {
            script_location,
            records,
            options,
            config,
            built: OnceLock::new(),
        }
    }

    fn built(&self) -> &'static Built {
        self.built.get_or_init(|| {
            let files = record::decode(self.records);
            Box::leak(Box::new(Built {
                files,
                migrator: OnceLock::new(),
            }))
        })
    }

    /// The folder the migrations were read from at build time.
    pub fn script_location(&self) -> &'static str {
        self.script_location
    }

    /// The embedded files, in version order; an error if a record is
    /// malformed (a binary built by another version of the macro, or
    /// altered).
    pub fn files(&self) -> Result<&'static [EmbeddedFiles], RunError> {
        self.built()
            .files
            .as_deref()
            .map_err(|e| RunError::Embedded(e.to_string()))
    }

    /// How many revisions are embedded.
    // Inline, like `is_empty`: counting needs none of this crate's code, so
    // a binary that only counts links none of it.
    #[inline]
    pub fn len(&self) -> usize {
        self.records.len() / RECORD_LEN
    }

    /// Whether no revision is embedded.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The runner over the embedded graph (built once; the same checks ran
    /// at build time, so this fails only if the binary was tampered with).
    pub fn migrator(&self) -> Result<&'static Migrator, RunError> {
        let built = self.built().migrator.get_or_init(|| {
            let embedded = self.built().files.as_ref().map_err(ToString::to_string)?;
            let files = embedded
                .iter()
                .map(|f| MigrationFiles {
                    folder_name: f.folder_name.to_owned(),
                    up_sql: f.up_sql.to_owned(),
                    down_sql: f.down_sql.map(str::to_owned),
                    metadata_toml: f.metadata_toml.map(str::to_owned),
                    dir: None,
                })
                .collect();
            let graph = RevisionGraph::from_files(files).map_err(|errors| {
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            for f in embedded {
                let computed = graph
                    .resolve_revision(
                        &schema_core::migrations::diesel_version(f.folder_name).unwrap_or_default(),
                    )
                    .map(|m| m.checksum.as_str().to_owned())
                    .unwrap_or_default();
                if computed != f.checksum {
                    return Err(format!(
                        "embedded migration {} does not match its build-time checksum",
                        f.folder_name
                    ));
                }
            }
            // Only a lease needs the URL, and reading it means reading the
            // environment: skip that where no lease can be taken.
            let lock_db = if self.options.needs_lock_connection() {
                self.config
                    .and_then(|c| c.load().ok())
                    .map(|c| c.settings().clone())
            } else {
                None
            };
            Ok(Migrator::new(graph)
                .with_options(self.options)
                .with_lock_connection(lock_db))
        });
        built
            .as_ref()
            .map_err(|message| RunError::Embedded(message.clone()))
    }

    /// The embedded revision graph.
    pub fn graph(&self) -> Result<&RevisionGraph, RunError> {
        Ok(self.migrator()?.graph())
    }

    /// Apply what `target` needs (`"head"` for everything), with the lock,
    /// transaction and checksum rules of `cargo schema upgrade`.
    pub fn upgrade<C: Dialect>(&self, conn: &mut C, target: &str) -> Result<Vec<Step>, RunError> {
        self.migrator()?.upgrade(conn, &target.parse()?)
    }

    /// Revert down to `target`.
    pub fn downgrade<C: Dialect>(&self, conn: &mut C, target: &str) -> Result<Vec<Step>, RunError> {
        self.migrator()?.downgrade(conn, &target.parse()?)
    }

    /// The database's current heads (what `cargo schema current` shows).
    pub fn current<C: Dialect>(&self, conn: &mut C) -> Result<Vec<String>, RunError> {
        Ok(self.migrator()?.status(conn)?.heads)
    }

    /// Revisions `upgrade heads` would apply, in order.
    pub fn pending<C: Dialect>(&self, conn: &mut C) -> Result<Vec<String>, RunError> {
        Ok(self.migrator()?.status(conn)?.pending)
    }

    /// Everything `cargo schema check` looks at.
    pub fn status<C: Dialect>(&self, conn: &mut C) -> Result<Status, RunError> {
        self.migrator()?.status(conn)
    }
}

#[cfg(feature = "async")]
impl EmbeddedMigrations {
    /// [`EmbeddedMigrations::upgrade`] from async code: the run goes to a
    /// blocking thread with its own connection `C` (diesel's sync
    /// connection, which the runner's locks and transactions need), so the
    /// runtime's worker threads are never blocked.
    ///
    /// ```ignore
    /// MIGRATIONS.upgrade_async::<schema_runtime::PgConnection>(config.settings(), "head").await?;
    /// ```
    pub async fn upgrade_async<C>(
        &'static self,
        settings: &EngineSettings,
        target: &str,
    ) -> Result<Vec<Step>, RunError>
    where
        C: Dialect + Send,
    {
        let settings = settings.clone();
        let target = target.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut conn: C = crate::connect::establish(&settings)?;
            self.upgrade(&mut conn, &target)
        })
        .await
        .map_err(|e| RunError::Embedded(format!("the migration task did not finish: {e}")))?
    }
}

/// The configuration file, embedded at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedConfig {
    /// Where the file was at build time (gives `%(here)s`).
    pub path: &'static str,
    /// Its text.
    pub text: &'static str,
    /// The main section chosen with `section = "..."`.
    pub section: Option<&'static str>,
    /// The engine option prefix.
    pub prefix: &'static str,
    /// The package directory at build time (`CARGO_MANIFEST_DIR`): the
    /// project root whose `.env` is read after the ini file's.
    pub root: &'static str,
}

impl EmbeddedConfig {
    /// The file as a [`Config`], with no overrides.
    pub fn config(&self) -> Result<Config, ConfigError> {
        Config::from_str_at(self.path, self.text, self.section)
    }

    /// The configuration with the run-time overrides of `cargo schema`:
    /// `DATABASE_URL` over `.env` (next to the ini file, then in the
    /// package root, as they were at build time: the command's rule) over
    /// the file, `${NAME}` expanded; checked again with the same validation
    /// as the build.
    pub fn load(&self) -> Result<LoadedConfig, ConfigError> {
        self.load_with(|_| {})
    }

    /// [`EmbeddedConfig::load`], after `adjust` (Alembic env.py's
    /// `config.set_main_option(...)`; values set there are literal).
    pub fn load_with(&self, adjust: impl FnOnce(&mut Config)) -> Result<LoadedConfig, ConfigError> {
        self.resolve(EnvPolicy::Process, adjust)
    }

    /// [`EmbeddedConfig::load`] against `env` in place of the process
    /// environment (the `.env` files are still read below it): for tests,
    /// and for tools that resolve on behalf of another process.
    pub fn load_in(&self, env: Environment) -> Result<LoadedConfig, ConfigError> {
        self.resolve(EnvPolicy::Fixed(env), |_| {})
    }

    fn resolve(
        &self,
        env: EnvPolicy,
        adjust: impl FnOnce(&mut Config),
    ) -> Result<LoadedConfig, ConfigError> {
        let mut config = self.config()?;
        adjust(&mut config);
        let spec = ProjectSpec::new(self.path)
            .root(Some(PathBuf::from(self.root)))
            .section(self.section.map(str::to_owned))
            .prefix(Some(self.prefix.to_owned()))
            .env(env)
            .backends(BACKENDS, "schema-runtime");
        LoadedConfig::from_project(&Project::with_config(config, spec)?)
    }
}

/// A configuration resolved at run time.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    config: Config,
    settings: EngineSettings,
    main: IndexMap<String, String>,
}

impl LoadedConfig {
    /// The engine settings and main section of `project`, every problem at
    /// once.
    pub fn from_project(project: &Project) -> Result<Self, ConfigError> {
        let settings = project.engine_settings()?;
        let config = project.config().clone();
        let main = config.get_section_or(config.config_ini_section(), IndexMap::new())?;
        Ok(LoadedConfig {
            config,
            settings,
            main,
        })
    }

    /// The typed engine settings.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// The configuration, with whatever was set at run time.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A key of the main section, interpolated.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.main.get(&key.to_lowercase()).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records as `embed!()` writes them: with both optional files, with
    /// neither, and with only `metadata.toml`.
    static MIGRATIONS: EmbeddedMigrations = EmbeddedMigrations::new(
        "migrations",
        &[
            "2024-01-01-000000_a/sha256:aa/dm",
            "CREATE TABLE a (id INT);",
            "DROP TABLE a;",
            "message = \"a\"",
            "2024-01-02-000000_b/sha256:bb/",
            "CREATE TABLE b (id INT);",
            "",
            "",
            "2024-01-03-000000_c/sha256:cc/m",
            "",
            "",
            "",
        ],
        RunOptions::DEFAULT,
        None,
    );

    #[test]
    fn records_decode_into_the_folders_files() {
        assert_eq!(MIGRATIONS.len(), 3);
        assert!(!MIGRATIONS.is_empty());
        assert_eq!(
            MIGRATIONS.files().unwrap(),
            [
                EmbeddedFiles {
                    folder_name: "2024-01-01-000000_a",
                    up_sql: "CREATE TABLE a (id INT);",
                    down_sql: Some("DROP TABLE a;"),
                    metadata_toml: Some("message = \"a\""),
                    checksum: "sha256:aa",
                },
                EmbeddedFiles {
                    folder_name: "2024-01-02-000000_b",
                    up_sql: "CREATE TABLE b (id INT);",
                    down_sql: None,
                    metadata_toml: None,
                    checksum: "sha256:bb",
                },
                // An empty file is there, unlike a missing one.
                EmbeddedFiles {
                    folder_name: "2024-01-03-000000_c",
                    up_sql: "",
                    down_sql: None,
                    metadata_toml: Some(""),
                    checksum: "sha256:cc",
                },
            ]
        );
    }

    #[test]
    fn a_malformed_record_is_an_error_not_an_empty_checksum() {
        static BROKEN: EmbeddedMigrations = EmbeddedMigrations::new(
            "migrations",
            &["2024-01-01-000000_a", "CREATE TABLE a (id INT);", "", ""],
            RunOptions::DEFAULT,
            None,
        );
        let expected = "embedded migration record 1 is malformed (header `2024-01-01-000000_a` is not FOLDER/CHECKSUM/OPTIONAL)";
        let files = BROKEN.files().map(|_| ()).map_err(|e| e.to_string());
        assert!(
            files.as_ref().is_err_and(|m| m.contains(expected)),
            "{files:?}"
        );
        let migrator = BROKEN.migrator().map(|_| ()).map_err(|e| e.to_string());
        assert!(
            migrator.as_ref().is_err_and(|m| m.contains(expected)),
            "{migrator:?}"
        );
    }

    #[test]
    fn a_checksum_that_does_not_match_is_reported() {
        let message = MIGRATIONS.migrator().err().map(|e| e.to_string());
        assert!(
            message
                .as_deref()
                .is_some_and(|m| m.contains("does not match its build-time checksum")),
            "{message:?}"
        );
    }
}
