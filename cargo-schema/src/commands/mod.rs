//! One module per command; `run` dispatches. Every command that touches
//! migrations starts from [`ProjectContext::open`], so the preamble (find
//! the ini, apply overrides, read the settings and the folder) exists once.

pub mod autogenerate;
pub mod check;
pub mod completions;
pub mod config;
pub mod drift;
pub mod fleet;
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
        Command::Generate(args) => generate::generate(&ProjectContext::open_one(g)?, args),
        Command::Merge(args) => generate::merge(&ProjectContext::open_one(g)?, args),
        Command::Upgrade(args) => each_or_one(
            g,
            |ctx, dbs| fleet::upgrade(ctx, dbs, args),
            |ctx| migrate::upgrade(ctx, args),
        ),
        Command::Downgrade(args) => each_or_one(
            g,
            |ctx, dbs| fleet::downgrade(ctx, dbs, args),
            |ctx| migrate::downgrade(ctx, args),
        ),
        Command::Stamp(args) => each_or_one(
            g,
            |ctx, dbs| fleet::stamp(ctx, dbs, args),
            |ctx| migrate::stamp(ctx, args),
        ),
        Command::Current(args) => each_or_one(
            g,
            |ctx, dbs| fleet::current(ctx, dbs, args),
            |ctx| inspect::current(ctx, args),
        ),
        Command::Check(args) => each_or_one(
            g,
            |ctx, dbs| fleet::check(ctx, dbs, args),
            |ctx| check::run(ctx, args),
        ),
        Command::History(args) => inspect::history(&ProjectContext::open_one(g)?, args),
        Command::Heads(args) => inspect::heads(&ProjectContext::open_one(g)?, args),
        Command::Branches(args) => inspect::branches(&ProjectContext::open_one(g)?, args),
        Command::Show(args) => inspect::show(&ProjectContext::open_one(g)?, args),
        Command::PrintSchema(args) => print_schema::run(&ProjectContext::open_one(g)?, args),
        Command::Inspect(args) => inspect_schema::run(&ProjectContext::open_one(g)?, args),
    }
}

/// A command that runs on each listed database of a multidb ini file
/// (`fleet`), or on the project's one database as before (`one`).
fn each_or_one(
    global: &crate::cli::GlobalArgs,
    fleet: impl FnOnce(
        &ProjectContext,
        Vec<schema_core::databases::Database>,
    ) -> Result<Outcome, Failure>,
    one: impl FnOnce(&ProjectContext) -> Result<Outcome, Failure>,
) -> Result<Outcome, Failure> {
    let context = ProjectContext::open(global)?;
    match context.databases()? {
        Some(databases) => fleet(&context, databases),
        None => one(&context),
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
