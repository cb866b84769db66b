//! `lint`: what each revision will lock, rewrite, lose or break, before it
//! runs. The rules are schema-core's [`schema_core::lint`]; this module
//! picks the revisions (pending on the database, a range, or those after
//! `--since`) and hands them to [`crate::ops::lint`], which builds the
//! schema before each one and reads the `[lint]` section and each
//! revision's `lint.allow`.

use clap::Args;
use schema_core::migrations::{Migration, Range};

use super::{OnDatabase, Reach, Report};
use crate::cli::Format;
use crate::ops::lint::lint_revisions;
use crate::ops::with_connection;
use crate::output::lint::LintView;
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `lint` options.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// The revisions to lint, `A:B` as `history -r` takes it (either side
    /// may be empty) [default: the revisions the database has not applied].
    #[arg(value_name = "REV-RANGE", allow_hyphen_values = true)]
    pub range: Option<Range>,
    /// Lint the revisions after REV, without asking the database which
    /// are applied.
    #[arg(long, value_name = "REV", conflicts_with = "range")]
    pub since: Option<String>,
    /// Do not build the schema before each revision in a scratch database:
    /// every table a statement names is then taken to exist already.
    #[arg(long)]
    pub no_replay: bool,
    /// Also prove, in the scratch database, that each revision's down.sql
    /// brings the schema back to what it was before its up.sql.
    #[arg(long, conflicts_with = "no_replay")]
    pub round_trip: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `lint`: exit 3 when a finding is an error.
pub struct Lint<'a>(pub &'a LintArgs);

impl OnDatabase for Lint<'_> {
    type View<'c>
        = LintView
    where
        Self: 'c;

    fn format(&self) -> Format {
        self.0.format
    }

    fn run<'c>(
        &'c self,
        project: &'c ProjectContext,
        _reach: Reach,
    ) -> Result<Report<LintView>, Failure> {
        lint(project, self.0)
    }
}

fn lint(project: &ProjectContext, args: &LintArgs) -> Result<Report<LintView>, Failure> {
    let engine = project.engine_settings()?;
    let migrator = project.migrator(false)?;
    let graph = migrator.graph();
    let revisions: Vec<&Migration> = if let Some(since) = &args.since {
        let from = graph.resolve_revision(since)?;
        graph.descendants(&from.revision)?
    } else if let Some(range) = args.range.as_ref().filter(|r| !r.needs_database()) {
        let mut list = graph.history(Some(range), None)?;
        list.reverse();
        list
    } else {
        let status = with_connection!(&engine, |conn| migrator.status(&mut conn))?;
        match &args.range {
            Some(range) => {
                let mut list = graph.history(Some(range), Some(&status.applied))?;
                list.reverse();
                list
            }
            None => status.pending.iter().filter_map(|r| graph.get(r)).collect(),
        }
    };
    let view = lint_revisions(
        project,
        &engine,
        &migrator,
        &revisions,
        !args.no_replay,
        args.round_trip,
    )?;
    let outcome = if view.errors > 0 {
        Outcome::CheckFound
    } else {
        Outcome::Ok
    };
    Ok(Report { view, outcome })
}
