//! `upgrade`, `downgrade` and `stamp`, on one database or each of a fleet.

// These doc comments are also `--help`'s text, where `[schema]` and
// `[print_schema]` name ini sections, not Rust items.
#![allow(rustdoc::broken_intra_doc_links)]

use std::io::{self, Write};
use std::str::FromStr;
use std::time::Instant;

use clap::Args;
use schema_core::databases::Database;
use schema_core::migrations::Range;
use schema_core::migrations::{
    AppliedSet, Direction, MigrationError, RevisionGraph, StampPlan, Step, Target,
};
use schema_runtime::script::offline_script;
use schema_runtime::Observer;
use serde::{Serialize, Serializer};

use super::{OnDatabase, Reach, Report};
use crate::candidates::revisions;
use crate::cli::{Format, GlobalArgs};
use crate::ops::print_schema;
use crate::ops::with_connection;
use crate::output::run::{self, count, heads, Mode, RunPrinter};
use crate::output::steps::StepsView;
use crate::output::{out, TextOptions, View};
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `upgrade [TARGET] [--sql]`.
pub struct Upgrade<'a>(pub &'a MigrateArgs);

/// `downgrade TARGET [--sql]`.
pub struct Downgrade<'a>(pub &'a DowngradeArgs);

impl OnDatabase for Upgrade<'_> {
    type View<'c>
        = Ran
    where
        Self: 'c;

    fn format(&self) -> Format {
        self.0.run.format
    }

    fn instead(
        &self,
        base: &ProjectContext,
        dbs: Option<&[Database]>,
    ) -> Option<Result<Outcome, Failure>> {
        offline_or_refused(base, dbs, Direction::Up, &self.0.target, &self.0.run)
    }

    fn run<'c>(&'c self, ctx: &'c ProjectContext, reach: Reach) -> Result<Report<Ran>, Failure> {
        migrate(ctx, reach, Direction::Up, &self.0.target, &self.0.run)
    }

    fn line(&self, view: &Ran, _global: &GlobalArgs) -> String {
        view.line.clone()
    }
}

impl OnDatabase for Downgrade<'_> {
    type View<'c>
        = Ran
    where
        Self: 'c;

    fn format(&self) -> Format {
        self.0.run.format
    }

    fn instead(
        &self,
        base: &ProjectContext,
        dbs: Option<&[Database]>,
    ) -> Option<Result<Outcome, Failure>> {
        offline_or_refused(base, dbs, Direction::Down, &self.0.target, &self.0.run)
    }

    fn run<'c>(&'c self, ctx: &'c ProjectContext, reach: Reach) -> Result<Report<Ran>, Failure> {
        migrate(ctx, reach, Direction::Down, &self.0.target, &self.0.run)
    }

    fn line(&self, view: &Ran, _global: &GlobalArgs) -> String {
        view.line.clone()
    }
}

/// What an online `upgrade` or `downgrade` ran: JSON `{"steps": [...]}`,
/// no text on stdout (the progress went to stderr as it ran); a fleet
/// prints [`Ran::line`].
#[derive(Debug)]
pub struct Ran {
    /// The steps, in the order they ran.
    pub steps: Vec<Step>,
    /// `upgraded 2 revisions: a -> b`, or `already at b`.
    pub line: String,
}

impl Serialize for Ran {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StepsView::new(&self.steps).serialize(s)
    }
}

impl View for Ran {
    fn text(&self, out: &mut dyn Write, opts: TextOptions) -> io::Result<()> {
        StepsView::new(&self.steps).text(out, opts)
    }
}

/// `--sql` (or `FROM:TO`, which only `--sql` takes) prints one database's
/// script: on the project's database, or on the one database a fleet
/// names; refused on several.
fn offline_or_refused(
    base: &ProjectContext,
    dbs: Option<&[Database]>,
    direction: Direction,
    target: &MigrateTarget,
    flags: &RunFlags,
) -> Option<Result<Outcome, Failure>> {
    let online = matches!(target, MigrateTarget::To(_)) && !flags.sql;
    match dbs {
        None if online => None,
        None => Some(offline(base, direction, target, flags)),
        Some([one]) if flags.sql => Some(
            base.for_database(one)
                .and_then(|ctx| offline(&ctx, direction, target, flags)),
        ),
        Some(_) if online => None,
        Some(_) => Some(Err(Failure::Usage(
            "--sql and FROM:TO print one database's script; name the database with --database NAME"
                .into(),
        ))),
    }
}

/// The offline script (`--sql`), or the refusal of `FROM:TO` without it.
fn offline(
    project: &ProjectContext,
    direction: Direction,
    target: &MigrateTarget,
    flags: &RunFlags,
) -> Result<Outcome, Failure> {
    let engine = project.engine_settings()?;
    let migrator = project.migrator(flags.allow_edited)?;
    let steps = match (target, flags.sql) {
        (MigrateTarget::Range(r), false) => {
            return Err(MigrationError::InvalidTarget {
                target: r.to_string(),
                reason: "a FROM:TO range is for --sql (offline) runs only; \
                         online runs start from the database's state"
                    .into(),
            }
            .into())
        }
        (MigrateTarget::Range(r), true) => {
            let to = r.upper().ok_or_else(|| MigrationError::InvalidTarget {
                target: r.to_string(),
                reason: "FROM:TO needs TO".into(),
            })?;
            offline_plan(migrator.graph(), direction, r.lower(), to)?
        }
        (MigrateTarget::To(t), _) => offline_plan(migrator.graph(), direction, None, t)?,
    };
    let script = offline_script(
        migrator.graph(),
        &steps,
        engine.url.backend(),
        migrator.options(),
        &engine.session_statements(),
    );
    out!("{script}")?;
    Ok(Outcome::Ok)
}

/// Remembers where the run started, for the line that says where it went.
#[derive(Default)]
struct Start(Option<AppliedSet>);

impl Observer for Start {
    fn starting(&mut self, applied: &AppliedSet) {
        self.0 = Some(applied.clone());
    }
}

/// An online run to `target`: alone, with progress at the terminal and
/// the print_schema file following; on a fleet, quietly.
fn migrate(
    project: &ProjectContext,
    reach: Reach,
    direction: Direction,
    target: &MigrateTarget,
    flags: &RunFlags,
) -> Result<Report<Ran>, Failure> {
    let engine = project.engine_settings()?;
    let migrator = project.migrator(flags.allow_edited)?;
    let MigrateTarget::To(target) = target else {
        return Err(Failure::Usage("a FROM:TO range is for --sql".into()));
    };
    let graph = migrator.graph();
    let mut start = Start::default();
    let steps = match reach {
        Reach::One => {
            let mut printer = RunPrinter::new(
                Mode::detect(project.global.quiet || flags.format == Format::Json),
                direction,
                graph,
            );
            let steps = with_connection!(&engine, |conn| migrator.run(
                &mut conn,
                direction,
                target,
                &mut Both(&mut printer, &mut start)
            ))?;
            printer.finish(&steps, &target.to_string());
            if !flags.no_print_schema {
                let written = print_schema::follow(project, &engine)?;
                wrote(project, &written);
            }
            steps
        }
        Reach::Fleet => with_connection!(&engine, |conn| migrator
            .run(&mut conn, direction, target, &mut start))?,
    };
    let line = ran_line(graph, direction, &steps, start.0.unwrap_or_default());
    Ok(Report::ok(Ran { steps, line }))
}

/// Two observers of one run.
struct Both<'a>(&'a mut dyn Observer, &'a mut dyn Observer);

impl Observer for Both<'_> {
    fn starting(&mut self, applied: &AppliedSet) {
        self.0.starting(applied);
        self.1.starting(applied);
    }

    fn planned(&mut self, steps: &[Step]) {
        self.0.planned(steps);
        self.1.planned(steps);
    }

    fn started(&mut self, step: &Step) {
        self.0.started(step);
        self.1.started(step);
    }

    fn finished(&mut self, step: &Step) {
        self.0.finished(step);
        self.1.finished(step);
    }

    fn retrying(&mut self, step: &Step, attempt: u32, of: u32) {
        self.0.retrying(step, attempt, of);
        self.1.retrying(step, attempt, of);
    }
}

/// Where a run went: `upgraded 2 revisions: a -> b`, or `already at a`.
fn ran_line(
    graph: &RevisionGraph,
    direction: Direction,
    steps: &[Step],
    before: AppliedSet,
) -> String {
    let mut after = before.clone();
    for step in steps {
        match step.direction {
            Direction::Up => after.insert(step.revision.clone()),
            Direction::Down => after.remove(&step.revision),
        };
    }
    if steps.is_empty() {
        format!("already at {}", heads(graph, &before))
    } else {
        let verb = match direction {
            Direction::Up => "upgraded",
            Direction::Down => "downgraded",
        };
        format!(
            "{verb} {}: {} -> {}",
            count(steps.len()),
            heads(graph, &before),
            heads(graph, &after)
        )
    }
}

/// The steps of an offline run: `FROM:TO` starts with the database at
/// FROM; a plain target starts at base (upgrade) or at the heads
/// (downgrade).
fn offline_plan(
    graph: &RevisionGraph,
    direction: Direction,
    from: Option<&Target>,
    to: &Target,
) -> Result<Vec<Step>, Failure> {
    let applied = match (from, direction) {
        (Some(from), _) => graph.applied_at(from)?,
        (None, Direction::Up) => AppliedSet::new(),
        (None, Direction::Down) => graph.applied_at(&Target::heads())?,
    };
    Ok(match direction {
        Direction::Up => graph.plan_upgrade(&applied, to)?,
        Direction::Down => graph.plan_downgrade(&applied, to)?,
    })
}

/// `stamp REV... [--purge]`.
pub struct Stamp<'a>(pub &'a StampArgs);

/// What `stamp` recorded: no document of its own (the summary went to
/// stderr); a fleet prints `stamped at REV`.
#[derive(Debug)]
pub struct Stamped {
    /// `stamped at REV`.
    pub line: String,
}

impl Serialize for Stamped {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl View for Stamped {
    fn text(&self, _out: &mut dyn Write, _opts: TextOptions) -> io::Result<()> {
        Ok(())
    }
}

impl OnDatabase for Stamp<'_> {
    type View<'c>
        = Stamped
    where
        Self: 'c;

    fn format(&self) -> Format {
        Format::Text
    }

    fn run<'c>(
        &'c self,
        project: &'c ProjectContext,
        reach: Reach,
    ) -> Result<Report<Stamped>, Failure> {
        let args = self.0;
        let started = Instant::now();
        let engine = project.engine_settings()?;
        let migrator = project.migrator(false)?;
        let mode = match reach {
            Reach::One => Mode::detect(project.global.quiet),
            Reach::Fleet => Mode::Quiet,
        };
        let (before, plans) = with_connection!(&engine, |conn| {
            // Only the summary at a terminal needs the state before.
            let before = match mode {
                Mode::Terminal { .. } => Some(migrator.status(&mut conn)?.applied),
                _ => None,
            };
            (before, migrator.stamp(&mut conn, &args.revs, args.purge)?)
        });
        if reach == Reach::One {
            if !args.no_print_schema {
                let written = print_schema::follow(project, &engine)?;
                wrote(project, &written);
            }
            run::stamped(mode, migrator.graph(), &plans, before.as_ref(), started);
        }
        Ok(Report::ok(Stamped {
            line: stamped_line(migrator.graph(), &plans),
        }))
    }

    fn line(&self, view: &Stamped, _global: &GlobalArgs) -> String {
        view.line.clone()
    }
}

/// `stamped at REV`.
fn stamped_line(graph: &RevisionGraph, plans: &[StampPlan]) -> String {
    let after = plans
        .last()
        .map(|p| p.applied_after.clone())
        .unwrap_or_default();
    format!("stamped at {}", heads(graph, &after))
}

/// `-v`: the schema.rs files a run rewrote, on stderr.
fn wrote(project: &ProjectContext, written: &[std::path::PathBuf]) {
    if project.global.verbose > 0 {
        for file in written {
            eprintln!("Wrote {}", file.display());
        }
    }
}

/// `upgrade` options.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// head, heads, base, a revision (or unique prefix), label@head, +N,
    /// REV+N; FROM:TO with --sql.
    #[arg(default_value = "head", allow_hyphen_values = true, add = revisions())]
    pub target: MigrateTarget,
    /// Options `upgrade` and `downgrade` share.
    #[command(flatten)]
    pub run: RunFlags,
}

/// `downgrade` options.
#[derive(Debug, Args)]
pub struct DowngradeArgs {
    /// base, -N, a revision, label@base, REV-N; FROM:TO with --sql.
    #[arg(allow_hyphen_values = true, add = revisions())]
    pub target: MigrateTarget,
    /// Options `upgrade` and `downgrade` share.
    #[command(flatten)]
    pub run: RunFlags,
}

/// What `upgrade` and `downgrade` take: a target, or with `--sql` the
/// range `FROM:TO` (Alembic's offline `start:end`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrateTarget {
    /// `TARGET`.
    To(Target),
    /// `FROM:TO`.
    Range(Range),
}

impl FromStr for MigrateTarget {
    type Err = MigrationError;

    fn from_str(text: &str) -> Result<Self, MigrationError> {
        if text.contains(':') {
            text.parse().map(Self::Range)
        } else {
            text.parse().map(Self::To)
        }
    }
}

/// How `upgrade` and `downgrade` run.
#[derive(Debug, Args)]
pub struct RunFlags {
    /// Print the SQL instead of running it (no connection; the URL only
    /// picks the dialect). FROM:TO starts from FROM.
    #[arg(long)]
    pub sql: bool,
    /// Accept applied revisions whose up.sql changed, recording the new
    /// checksums.
    #[arg(long = "allow-edited")]
    pub allow_edited: bool,
    /// Leave the print_schema `file` (schema.rs) as it is.
    #[arg(long = "no-print-schema")]
    pub no_print_schema: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `stamp` options.
#[derive(Debug, Args)]
pub struct StampArgs {
    /// Revisions to stamp.
    #[arg(required = true, allow_hyphen_values = true, add = revisions())]
    pub revs: Vec<Target>,
    /// Forget every recorded revision first.
    #[arg(long)]
    pub purge: bool,
    /// Leave the print_schema `file` (schema.rs) as it is.
    #[arg(long = "no-print-schema")]
    pub no_print_schema: bool,
}
