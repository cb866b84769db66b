//! `lint`: what each revision will lock, rewrite, lose or break, before it
//! runs. The rules are schema-core's [`schema_core::lint`]; this module
//! picks the revisions (pending on the database, a range, those after
//! `--since`, or those changed since a git ref with `--base`) and hands
//! them to [`crate::ops::lint`], which builds the schema before each one
//! and reads the `[lint]` section, each revision's `lint.allow` and the
//! previous release's schema.rs.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use schema_core::migrations::{Migration, Range};

use super::{OnDatabase, Reach, Report};
use crate::cli::Format;
use crate::ops::git::Base;
use crate::ops::lint::{changed_since, lint_revisions, previous_at, previous_from, LintOptions};
use crate::ops::with_connection;
use crate::output::lint::{self as view, LintView};
use crate::output::verdict;
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
    /// Lint the revisions whose files differ from git's REF (changed since
    /// or new), without asking the database; the previous release's
    /// schema.rs is read at REF (the `file` of `[print_schema]`).
    #[arg(long, value_name = "REF", conflicts_with_all = ["range", "since"])]
    pub base: Option<String>,
    /// The previous release's schema.rs: a revision may not drop or rename
    /// what it declares, nor add a NOT NULL column without a default to
    /// its tables (over the one `--base` reads).
    #[arg(long, value_name = "FILE")]
    pub previous_schema: Option<PathBuf>,
    /// Do not build the schema before each revision in a scratch database:
    /// every table a statement names is then taken to exist already.
    #[arg(long)]
    pub no_replay: bool,
    /// Also prove, in the scratch database, that each revision's down.sql
    /// brings the schema back to what it was before its up.sql.
    #[arg(long, conflicts_with = "no_replay")]
    pub round_trip: bool,
    /// Give each finding the row estimate of the tables it names, read
    /// from the configured database's statistics with catalog queries on
    /// a read-only session ("rewrites `crates` (about 1.2M rows)").
    /// Severities stay as they are: statistics lag, and a table can fill
    /// before the deploy.
    #[arg(long)]
    pub against_database: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: LintFormat,
}

/// `lint`'s output formats: `text` and `json` as every command has, and
/// two for code review tools.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON object on stdout, for tools.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab, IDEs).
    Sarif,
    /// GitHub Actions workflow commands: one annotation per finding.
    Github,
}

/// `lint`: exit 3 when a finding is an error.
pub struct Lint<'a>(pub &'a LintArgs);

impl OnDatabase for Lint<'_> {
    type View<'c>
        = LintView
    where
        Self: 'c;

    fn format(&self) -> Format {
        match self.0.format {
            LintFormat::Json => Format::Json,
            _ => Format::Text,
        }
    }

    /// SARIF and GitHub annotations are printed here; text and JSON by the
    /// common printer.
    fn instead(
        &self,
        base: &ProjectContext,
        _dbs: Option<&[schema_core::databases::Database]>,
    ) -> Option<Result<Outcome, Failure>> {
        let format = self.0.format;
        if matches!(format, LintFormat::Text | LintFormat::Json) {
            return None;
        }
        Some(lint(base, self.0).and_then(|report| {
            let printed = match format {
                LintFormat::Sarif => view::print_sarif(&report.view, &base.located.root),
                _ => view::print_github(&report.view),
            };
            verdict(printed, report.outcome)
        }))
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
    let mut notes = Vec::new();
    let base = match &args.base {
        Some(reference) => Some(Base::resolve(&project.located.root, reference)?),
        None => None,
    };
    let previous = match (&args.previous_schema, &base) {
        (Some(file), _) => vec![previous_from(file)?],
        (None, Some(base)) => previous_at(project, base, &mut notes)?,
        (None, None) => Vec::new(),
    };
    let revisions: Vec<&Migration> = if let Some(base) = &base {
        changed_since(&migrator, base)?
    } else if let Some(since) = &args.since {
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
    let mut view = lint_revisions(
        project,
        &engine,
        &migrator,
        &revisions,
        &LintOptions {
            replay: !args.no_replay,
            round_trip: args.round_trip,
            previous: &previous,
            against_database: args.against_database,
        },
    )?;
    view.notes.splice(0..0, notes);
    let outcome = if view.errors > 0 {
        Outcome::CheckFound
    } else {
        Outcome::Ok
    };
    Ok(Report { view, outcome })
}
