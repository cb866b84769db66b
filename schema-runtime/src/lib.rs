//! What applications depend on: Alembic's `Config` API and the engine
//! settings, resolved at run time by the same rules as `cargo schema`
//! (command line aside): `set_main_option` over `DATABASE_URL` over `.env`
//! over the ini file, `${NAME}` expanded from the environment.
//!
//! ```
//! # fn main() -> Result<(), schema_runtime::ConfigError> {
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("schema.ini");
//! # std::fs::write(&path, "[schema]\ndiesel.url = sqlite://${APP_DB:-app.db}\ndiesel.pool_size = 3\n").unwrap();
//! let settings = schema_runtime::engine_settings(&schema_runtime::Config::from_file(&path)?)?;
//! assert_eq!(settings.pool_size, 3);
//! # Ok(()) }
//! ```
//!
//! The user guide (`docs/` in the repository) has the whole story: the
//! configuration, `embed!()` and engines, drivers and TLS.

// On docs.rs (`--cfg docsrs`, a nightly rustdoc) every item behind a
// feature is labelled with it.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "async")]
pub mod asynchronous;
pub mod backend;
pub mod bookkeeping;
pub mod connect;
pub mod dialect;
#[cfg(feature = "pure")]
pub mod driver;
pub mod embedded;
pub mod engine;
pub mod error;
pub mod introspect;
pub mod lock;
pub mod replay;
pub mod revision;
pub mod runner;
pub mod scratch;
pub mod script;

#[cfg(feature = "async")]
pub use asynchronous::{async_engine_from_config, AsyncEngine, AsyncEngineConnection, AsyncOpen};
pub use dialect::Dialect;
pub use engine::{engine_from_config, Engine, EngineConnection};
pub use schema_macros::embed;

/// The `connect_args.*` options of a configuration, `connect_args.` stripped.
pub type ConnectArgs = indexmap::IndexMap<String, schema_core::options::Value>;
pub use error::RunError;
pub use runner::{Bookkeeping, Migrator, Observer, RunOptions, Silent, Status};
pub use schema_core::engine::{Echo, EngineSettings, PoolClass};
pub use schema_core::migrations::{self, Direction, RevisionGraph, Step};
pub use schema_core::settings::LockMode;
pub use schema_core::url::{Backend, DatabaseUrl};
pub use schema_core::{Config, ConfigError, Diagnostic, Environment, Kind, Options};

use schema_core::url::Backends;
use schema_core::{Project, ProjectSpec};

/// The backends this build was compiled with (cargo features `sqlite`,
/// `postgres` or `postgres-libpq`, `mysql` or `mysql-libmysqlclient`).
pub const BACKENDS: Backends = Backends {
    sqlite: cfg!(feature = "sqlite"),
    postgres: cfg!(any(feature = "postgres", feature = "postgres-libpq")),
    mysql: cfg!(any(feature = "mysql", feature = "mysql-libmysqlclient")),
};

/// The MySQL/MariaDB connection this build migrates with
/// (`mysql-libmysqlclient`).
#[cfg(all(feature = "mysql-libmysqlclient", not(feature = "mysql")))]
pub use diesel::MysqlConnection;
/// The PostgreSQL connection this build migrates with (`postgres-libpq`).
#[cfg(all(feature = "postgres-libpq", not(feature = "postgres")))]
pub use diesel::PgConnection;
/// The MySQL/MariaDB connection this build migrates with: the pure-Rust
/// [`driver::MysqlConnection`] with the `mysql` feature, else diesel's
/// libmysqlclient `MysqlConnection` (`mysql-libmysqlclient`).
#[cfg(feature = "mysql")]
pub use driver::MysqlConnection;
/// The PostgreSQL connection this build migrates with: the pure-Rust
/// [`driver::PgConnection`] with the `postgres` feature, else diesel's
/// libpq `PgConnection` (`postgres-libpq`).
#[cfg(feature = "postgres")]
pub use driver::PgConnection;

/// The environment an application resolves `config` against: the process
/// environment over `.env` next to the ini file over `.env` in the project
/// root (the nearest folder above the ini file with a `Cargo.toml`); the
/// same rule as `cargo schema` ([`schema_core::project`]).
pub fn environment_for(config: &Config) -> Result<Environment, ConfigError> {
    Ok(project(config.clone())?.environment().clone())
}

/// The typed engine settings of the main section (prefix `diesel.`, or
/// `sqlalchemy.` for an alembic.ini), with every run-time override applied;
/// every problem at once when there are any.
pub fn engine_settings(config: &Config) -> Result<EngineSettings, ConfigError> {
    project(config.clone())?.engine_settings()
}

/// `config` as a project of this build, resolved at run time.
fn project(config: Config) -> Result<Project, ConfigError> {
    let spec = ProjectSpec::new(config.config_file_name()).backends(BACKENDS, "schema-runtime");
    Project::with_config(config, spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_for_a_backend_not_compiled_in_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schema.ini");
        std::fs::write(&path, "[schema]\ndiesel.url = mysql://root@h/db\n").unwrap();
        let result = engine_settings(&Config::from_file(&path).unwrap());
        // Both branches run in CI: the workspace build has MySQL, and
        // `cargo test -p schema-runtime` alone (.ci/run) has SQLite only.
        if BACKENDS.mysql {
            let settings = result.unwrap();
            assert_eq!(settings.url.backend(), schema_core::url::Backend::Mysql);
        } else {
            assert_eq!(result.unwrap_err().kind(), Kind::BackendNotEnabled);
        }
    }

    #[test]
    fn dotenv_next_to_the_ini_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schema.ini");
        std::fs::write(
            &path,
            "[schema]\ndiesel.url = sqlite://${RUNTIME_TEST_DB}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join(".env"), "RUNTIME_TEST_DB=from-dotenv.db\n").unwrap();
        let settings = engine_settings(&Config::from_file(&path).unwrap()).unwrap();
        assert_eq!(settings.url.connect_url(), "from-dotenv.db");
    }
}
