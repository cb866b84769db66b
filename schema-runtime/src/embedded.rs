//! What `embed!()` bakes into an application: the migrations (SQL, graph,
//! build-time checksums) and the configuration file, with the run-time
//! half of both. The macro only emits `static`s of these types; all
//! behaviour lives here and in the shared runner, so an embedded upgrade is
//! the same code path as `cargo schema upgrade`.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use indexmap::IndexMap;
use schema_core::engine::{self, ResolveOptions};
use schema_core::migrations::{MigrationFiles, RevisionGraph, Step};
use schema_core::{Config, ConfigError, EngineSettings, Environment};

use crate::dialect::Dialect;
use crate::error::RunError;
use crate::runner::{Migrator, RunOptions, Status};
use crate::BACKENDS;

/// One migration folder's files, as `embed!()` includes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedFiles {
    /// The folder's name.
    pub folder_name: &'static str,
    /// `up.sql`.
    pub up_sql: &'static str,
    /// `down.sql`, when the folder has one.
    pub down_sql: Option<&'static str>,
    /// `metadata.toml`, when the folder has one.
    pub metadata_toml: Option<&'static str>,
    /// The checksum of `up.sql` computed at build time.
    pub checksum: &'static str,
}

/// Strings per migration in the records of [`EmbeddedMigrations::new`].
const RECORD_LEN: usize = 4;

impl EmbeddedFiles {
    /// One migration's record (see [`EmbeddedMigrations::new`]). Records
    /// come from `embed!()` only; a malformed header leaves the checksum
    /// empty, which [`EmbeddedMigrations::migrator`] then reports.
    fn from_record(record: &[&'static str]) -> Self {
        let field = |i: usize| record.get(i).copied().unwrap_or_default();
        let mut parts = field(0).splitn(3, '/');
        let folder_name = parts.next().unwrap_or_default();
        let checksum = parts.next().unwrap_or_default();
        let optional = parts.next().unwrap_or_default();
        EmbeddedFiles {
            folder_name,
            up_sql: field(1),
            down_sql: optional.contains('d').then(|| field(2)),
            metadata_toml: optional.contains('m').then(|| field(3)),
            checksum,
        }
    }
}

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
    transaction_per_migration: bool,
    lock_timeout_ms: u64,
    // Leaked rather than owned: `embed!()` puts this type in a static, which
    // is never dropped, but rustc still emits the static's drop glue, and
    // owning the runner here would link all of it into a binary that only
    // reads `len()`. Keep this the only field with drop glue.
    built: OnceLock<&'static Built>,
}

/// What [`EmbeddedMigrations`] builds on first use.
#[derive(Debug)]
struct Built {
    files: Vec<EmbeddedFiles>,
    migrator: OnceLock<Result<Migrator, String>>,
}

impl EmbeddedMigrations {
    /// Used by `embed!()`, for a static (what it builds on first use is
    /// never freed). `records` holds four strings per migration, in version
    /// order: the header `FOLDER/CHECKSUM/OPTIONAL`, where `OPTIONAL` names
    /// the optional files the folder has (`d` for `down.sql`, `m` for
    /// `metadata.toml`; neither a folder name nor a checksum can contain a
    /// `/`), then the texts of `up.sql`, `down.sql` and `metadata.toml`,
    /// `""` for a file the folder does not have.
    #[doc(hidden)]
    pub const fn new(
        script_location: &'static str,
        records: &'static [&'static str],
        transaction_per_migration: bool,
        lock_timeout_ms: u64,
    ) -> Self {
        EmbeddedMigrations {
            script_location,
            records,
            transaction_per_migration,
            lock_timeout_ms,
            built: OnceLock::new(),
        }
    }

    fn built(&self) -> &'static Built {
        self.built.get_or_init(|| {
            let files = self
                .records
                .chunks_exact(RECORD_LEN)
                .map(EmbeddedFiles::from_record)
                .collect();
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

    /// The embedded files, in version order.
    pub fn files(&self) -> &'static [EmbeddedFiles] {
        &self.built().files
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
            let files = self
                .files()
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
            for f in self.files() {
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
            Ok(Migrator::new(graph).with_options(RunOptions {
                transaction_per_migration: self.transaction_per_migration,
                lock_timeout: Duration::from_millis(self.lock_timeout_ms),
                allow_edited: false,
            }))
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
        self.migrator()?.upgrade(conn, target)
    }

    /// Revert down to `target`.
    pub fn downgrade<C: Dialect>(&self, conn: &mut C, target: &str) -> Result<Vec<Step>, RunError> {
        self.migrator()?.downgrade(conn, target)
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
}

impl EmbeddedConfig {
    /// The file as a [`Config`], with no overrides.
    pub fn config(&self) -> Result<Config, ConfigError> {
        Config::from_str_at(self.path, self.text, self.section)
    }

    /// The configuration with the run-time overrides of `cargo schema`:
    /// `DATABASE_URL` over `.env` (next to the ini file at build time, then
    /// in the working directory) over the file, `${NAME}` expanded; checked
    /// again with the same validation as the build.
    pub fn load(&self) -> Result<LoadedConfig, ConfigError> {
        self.load_with(|_| {})
    }

    /// [`EmbeddedConfig::load`], after `adjust` (Alembic env.py's
    /// `config.set_main_option(...)`; values set there are literal).
    pub fn load_with(&self, adjust: impl FnOnce(&mut Config)) -> Result<LoadedConfig, ConfigError> {
        let mut config = self.config()?;
        adjust(&mut config);
        let mut env = Environment::from_process();
        if let Some(dir) = Path::new(self.path).parent() {
            env.load_dotenv(&dir.join(".env"))?;
        }
        env.load_dotenv(Path::new(".env"))?;
        LoadedConfig::resolve(config, &env, self.prefix)
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
    /// Resolve `config` against `env`.
    pub fn resolve(config: Config, env: &Environment, prefix: &str) -> Result<Self, ConfigError> {
        let opts = ResolveOptions {
            prefix: Some(prefix),
            backends: BACKENDS,
            ..ResolveOptions::default()
        };
        let settings = engine::resolve(&config, env, &opts).settings()?;
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
        false,
        1000,
    );

    #[test]
    fn records_decode_into_the_folders_files() {
        assert_eq!(MIGRATIONS.len(), 3);
        assert!(!MIGRATIONS.is_empty());
        assert_eq!(
            MIGRATIONS.files(),
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
