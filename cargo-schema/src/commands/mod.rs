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
pub mod lint;
pub mod man;
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
        Command::Man(args) => man::run(g, args),
        Command::Generate(args) => generate::generate(&ProjectContext::open_one(g)?, args),
        Command::Merge(args) => generate::merge(&ProjectContext::open_one(g)?, args),
        Command::Upgrade(args) => each_or_one(
            g,
            Sql::Needed,
            |ctx, dbs| fleet::upgrade(ctx, dbs, args),
            |ctx| migrate::upgrade(ctx, args),
        ),
        Command::Downgrade(args) => each_or_one(
            g,
            Sql::Needed,
            |ctx, dbs| fleet::downgrade(ctx, dbs, args),
            |ctx| migrate::downgrade(ctx, args),
        ),
        Command::Stamp(args) => each_or_one(
            g,
            Sql::Needed,
            |ctx, dbs| fleet::stamp(ctx, dbs, args),
            |ctx| migrate::stamp(ctx, args),
        ),
        Command::Current(args) => each_or_one(
            g,
            Sql::NotNeeded,
            |ctx, dbs| fleet::current(ctx, dbs, args),
            |ctx| inspect::current(ctx, args),
        ),
        Command::Check(args) => each_or_one(
            g,
            Sql::Needed,
            |ctx, dbs| fleet::check(ctx, dbs, args),
            |ctx| check::run(ctx, args),
        ),
        // Drawn with -i, the graph marks every database of a fleet.
        Command::History(args) if args.indicate_current && inspect::history_draws(args) => {
            inspect::history(&ProjectContext::open(g)?.without_sql(), args)
        }
        Command::History(args) => {
            inspect::history(&ProjectContext::open_one(g)?.without_sql(), args)
        }
        Command::Heads(args) => inspect::heads(&ProjectContext::open_one(g)?.without_sql(), args),
        Command::Branches(args) => {
            inspect::branches(&ProjectContext::open_one(g)?.without_sql(), args)
        }
        Command::Show(args) => inspect::show(&ProjectContext::open_one(g)?, args),
        Command::Lint(args) => lint::run(&ProjectContext::open_one(g)?, args),
        Command::PrintSchema(args) => print_schema::run(&ProjectContext::open_one(g)?, args),
        Command::Inspect(args) => inspect_schema::run(&ProjectContext::open_one(g)?, args),
    }
}

/// Whether a command runs or prints SQL, or only needs the graph (which
/// the folder snapshot then gives without reading the SQL half).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sql {
    Needed,
    NotNeeded,
}

/// A command that runs on each listed database of a multidb ini file
/// (`fleet`), or on the project's one database as before (`one`).
fn each_or_one(
    global: &crate::cli::GlobalArgs,
    sql: Sql,
    fleet: impl FnOnce(
        &ProjectContext,
        Vec<schema_core::databases::Database>,
    ) -> Result<Outcome, Failure>,
    one: impl FnOnce(&ProjectContext) -> Result<Outcome, Failure>,
) -> Result<Outcome, Failure> {
    let mut context = ProjectContext::open(global)?;
    if sql == Sql::NotNeeded {
        context = context.without_sql();
    }
    match context.databases()? {
        Some(databases) => fleet(&context, databases),
        None => one(&context),
    }
}

/// Ends the connection of a single-database command that only read.
///
/// SQLite's is left for the process's exit to close: closing frees the
/// parsed schema of every table and index, about a millisecond at 1000
/// tables on the path of a no-op `current`, and a finished read has nothing
/// to flush; the exit releases the file. A server's connection is closed,
/// so that the server sees the client say goodbye (MariaDB logs an aborted
/// connection otherwise). Not for a loop over databases, which would keep
/// each one's schema.
pub(crate) fn end_of_read<C: 'static>(conn: C) {
    #[cfg(feature = "sqlite")]
    if std::any::TypeId::of::<C>() == std::any::TypeId::of::<diesel::SqliteConnection>() {
        std::mem::forget(conn);
        return;
    }
    drop(conn);
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
