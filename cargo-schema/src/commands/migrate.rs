//! `upgrade`, `downgrade` and `stamp`.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};
use schema_core::migrations::{AppliedSet, Direction, MigrationError, RevisionGraph, Step, Target};
use schema_runtime::script::offline_script;
use schema_runtime::{Dialect, Migrator, Observer};

use super::{with_connection, Project};
use crate::cli::{DowngradeArgs, Format, MigrateArgs, MigrateTarget, RunFlags, StampArgs};
use crate::{Failure, Outcome};

/// `upgrade [TARGET] [--sql]`.
pub fn upgrade(project: &Project, args: &MigrateArgs) -> Result<Outcome, Failure> {
    migrate(project, Direction::Up, &args.target, &args.run)
}

/// `downgrade TARGET [--sql]`.
pub fn downgrade(project: &Project, args: &DowngradeArgs) -> Result<Outcome, Failure> {
    migrate(project, Direction::Down, &args.target, &args.run)
}

fn migrate(
    project: &Project,
    direction: Direction,
    target: &MigrateTarget,
    flags: &RunFlags,
) -> Result<Outcome, Failure> {
    let format = flags.format;
    let engine = project.engine()?;
    let migrator = project.migrator(flags.allow_edited)?;
    let target = match (target, flags.sql) {
        (MigrateTarget::To(t), false) => t,
        (MigrateTarget::Range(r), false) => {
            return Err(MigrationError::InvalidTarget {
                target: r.to_string(),
                reason: "a FROM:TO range is for --sql (offline) runs only; \
                         online runs start from the database's state"
                    .into(),
            }
            .into())
        }
        (MigrateTarget::To(t), true) => {
            let steps = offline_plan(migrator.graph(), direction, None, t)?;
            return print_script(project, &engine, &migrator, &steps);
        }
        (MigrateTarget::Range(r), true) => {
            let to = r.upper().ok_or_else(|| MigrationError::InvalidTarget {
                target: r.to_string(),
                reason: "FROM:TO needs TO".into(),
            })?;
            let steps = offline_plan(migrator.graph(), direction, r.lower(), to)?;
            return print_script(project, &engine, &migrator, &steps);
        }
    };
    let mut progress = Progress::new(
        project.global.quiet || format == Format::Json,
        direction,
        migrator.graph(),
    );
    let steps = with_connection!(&engine, |conn| run(
        &migrator,
        &mut conn,
        direction,
        target,
        &mut progress
    ))?;
    progress.finish();
    if format == Format::Json {
        let steps: Vec<_> = steps.iter().map(step_json).collect();
        println!("{}", serde_json::json!({ "steps": steps }));
    } else if steps.is_empty() && !project.global.quiet {
        eprintln!("Nothing to do: the database is already at {target}.");
    }
    Ok(Outcome::Ok)
}

fn print_script(
    project: &Project,
    engine: &schema_core::EngineSettings,
    migrator: &Migrator,
    steps: &[Step],
) -> Result<Outcome, Failure> {
    let script = offline_script(
        migrator.graph(),
        steps,
        engine.url.backend(),
        project.settings.transaction_per_migration,
        &engine.session_statements(),
    );
    print!("{script}");
    Ok(Outcome::Ok)
}

fn run<C: Dialect>(
    migrator: &Migrator,
    conn: &mut C,
    direction: Direction,
    target: &Target,
    observer: &mut dyn Observer,
) -> Result<Vec<Step>, Failure> {
    Ok(migrator.run(conn, direction, target, observer)?)
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

fn step_json(step: &Step) -> serde_json::Value {
    serde_json::json!({
        "revision": step.revision,
        "version": step.version,
        "folder": step.folder_name,
        "direction": match step.direction { Direction::Up => "up", Direction::Down => "down" },
    })
}

/// Progress on stderr: a bar on a terminal for longer runs, a line per
/// revision otherwise (Alembic's `Running upgrade A -> B`).
struct Progress<'g> {
    graph: &'g RevisionGraph,
    quiet: bool,
    direction: Direction,
    bar: Option<ProgressBar>,
}

impl<'g> Progress<'g> {
    /// Runs shorter than this print lines only.
    const BAR_FROM: usize = 5;

    fn new(quiet: bool, direction: Direction, graph: &'g RevisionGraph) -> Self {
        Progress {
            graph,
            quiet,
            direction,
            bar: None,
        }
    }

    /// `Running upgrade A -> B, message`, as Alembic logs it.
    fn describe(&self, step: &Step) -> String {
        let Ok(m) = self.graph.resolve_revision(&step.revision) else {
            return format!("Running {} {}", self.verb(), step.revision);
        };
        let parents = parents(m);
        let message = m.message.as_deref().unwrap_or(&m.folder_name);
        match self.direction {
            Direction::Up => format!("Running upgrade {parents} -> {}, {message}", m.revision),
            Direction::Down => format!("Running downgrade {} -> {parents}, {message}", m.revision),
        }
    }

    fn verb(&self) -> &'static str {
        match self.direction {
            Direction::Up => "upgrade",
            Direction::Down => "downgrade",
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn line(&self, text: String) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => {
                let _ = writeln!(std::io::stderr(), "{text}");
            }
        }
    }
}

impl Observer for Progress<'_> {
    fn planned(&mut self, steps: &[Step]) {
        if !self.quiet && steps.len() >= Self::BAR_FROM && std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(steps.len() as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
                bar.set_style(style);
            }
            self.bar = Some(bar);
        }
    }

    fn started(&mut self, step: &Step) {
        if let Some(bar) = &self.bar {
            bar.set_message(step.folder_name.clone());
        }
    }

    fn finished(&mut self, step: &Step) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.inc(1),
            None => self.line(self.describe(step)),
        }
    }
}

/// `stamp REV... [--purge]`.
pub fn stamp(project: &Project, args: &StampArgs) -> Result<Outcome, Failure> {
    let engine = project.engine()?;
    let migrator = project.migrator(false)?;
    let plans = with_connection!(&engine, |conn| migrator
        .stamp(&mut conn, &args.revs, args.purge))?;
    if !project.global.quiet {
        for plan in &plans {
            for step in &plan.delete {
                eprintln!("Forgot {} ({})", step.revision, step.folder_name);
            }
            for step in &plan.insert {
                eprintln!("Stamped {} ({})", step.revision, step.folder_name);
            }
        }
    }
    Ok(Outcome::Ok)
}

/// A revision's parents as Alembic prints them (`<base>` for none).
pub(crate) fn parents(m: &schema_core::migrations::Migration) -> String {
    if m.down_revisions.is_empty() {
        "<base>".to_owned()
    } else {
        m.down_revisions.join(", ")
    }
}
