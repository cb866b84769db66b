//! One module per command; `run` dispatches. Every command that touches
//! migrations starts from [`ProjectContext::open`], so the preamble (find
//! the ini, apply overrides, read the settings and the folder) exists once.

pub mod autogenerate;
pub mod check;
pub mod completions;
pub mod config;
pub mod drift;
pub mod generate;
pub mod init;
pub mod inspect;
pub mod inspect_schema;
pub mod migrate;
pub mod print_schema;

use crate::cli::{Command, SchemaCli};
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// Run the parsed command line.
pub fn run(cli: &SchemaCli) -> Result<Outcome, Failure> {
    let g = &cli.global;
    match &cli.command {
        Command::Init(args) => init::run(g, args),
        Command::Config(args) => config::run(g, args),
        Command::Completions(args) => completions::run(args),
        Command::Generate(args) => generate::generate(&ProjectContext::open(g)?, args),
        Command::Merge(args) => generate::merge(&ProjectContext::open(g)?, args),
        Command::Upgrade(args) => migrate::upgrade(&ProjectContext::open(g)?, args),
        Command::Downgrade(args) => migrate::downgrade(&ProjectContext::open(g)?, args),
        Command::Stamp(args) => migrate::stamp(&ProjectContext::open(g)?, args),
        Command::Current(args) => inspect::current(&ProjectContext::open(g)?, args),
        Command::History(args) => inspect::history(&ProjectContext::open(g)?, args),
        Command::Heads(args) => inspect::heads(&ProjectContext::open(g)?, args),
        Command::Branches(args) => inspect::branches(&ProjectContext::open(g)?, args),
        Command::Show(args) => inspect::show(&ProjectContext::open(g)?, args),
        Command::Check(args) => check::run(&ProjectContext::open(g)?, args),
        Command::PrintSchema(args) => print_schema::run(&ProjectContext::open(g)?, args),
        Command::Inspect(args) => inspect_schema::run(&ProjectContext::open(g)?, args),
    }
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
