//! `upgrade`, `downgrade` and `stamp`.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};
use schema_core::migrations::{AppliedSet, Direction, RevisionGraph, Step};
use schema_runtime::script::offline_script;
use schema_runtime::{Dialect, Migrator, Observer};

use super::{print_schema, with_connection, Project};
use crate::cli::{DowngradeArgs, Format, MigrateArgs, RunFlags, StampArgs};
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
    target: &str,
    flags: &RunFlags,
) -> Result<Outcome, Failure> {
    let format = flags.format;
    let engine = project.engine()?;
    let migrator = project.migrator(flags.allow_edited)?;
    if flags.sql {
        let steps = offline_plan(migrator.graph(), direction, target)?;
        let script = offline_script(
            migrator.graph(),
            &steps,
            engine.url.backend(),
            project.settings.transaction_per_migration,
        );
        print!("{script}");
        return Ok(Outcome::Ok);
    }
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
    if !flags.no_print_schema {
        follow_schema(project, &engine)?;
    }
    if format == Format::Json {
        let steps: Vec<_> = steps.iter().map(step_json).collect();
        println!("{}", serde_json::json!({ "steps": steps }));
    } else if steps.is_empty() && !project.global.quiet {
        eprintln!("Nothing to do: the database is already at {target}.");
    }
    Ok(Outcome::Ok)
}

fn run<C: Dialect>(
    migrator: &Migrator,
    conn: &mut C,
    direction: Direction,
    target: &str,
    observer: &mut dyn Observer,
) -> Result<Vec<Step>, Failure> {
    Ok(migrator.run(conn, direction, target, observer)?)
}

/// The steps of an offline run: `FROM:TO` starts at FROM (as applied),
/// a plain target starts at base (upgrade) or at the heads (downgrade).
fn offline_plan(
    graph: &RevisionGraph,
    direction: Direction,
    target: &str,
) -> Result<Vec<Step>, Failure> {
    let (from, to) = match target.split_once(':') {
        Some((from, to)) => (Some(from), to),
        None => (None, target),
    };
    let applied = match (from, direction) {
        (Some(from), _) => applied_at(graph, from)?,
        (None, Direction::Up) => AppliedSet::new(),
        (None, Direction::Down) => applied_at(graph, "heads")?,
    };
    Ok(match direction {
        Direction::Up => graph.plan_upgrade(&applied, to)?,
        Direction::Down => graph.plan_downgrade(&applied, to)?,
    })
}

/// The applied set of a database that is exactly at `target`.
fn applied_at(graph: &RevisionGraph, target: &str) -> Result<AppliedSet, Failure> {
    if target.is_empty() || target == "base" {
        return Ok(AppliedSet::new());
    }
    Ok(graph
        .plan_upgrade(&AppliedSet::new(), target)?
        .into_iter()
        .map(|s| s.revision)
        .collect())
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
    let targets: Vec<&str> = args.revs.iter().map(String::as_str).collect();
    let plans = with_connection!(&engine, |conn| migrator
        .stamp(&mut conn, &targets, args.purge))?;
    if !args.no_print_schema {
        follow_schema(project, &engine)?;
    }
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

/// Rewrite each print_schema `file` from the database as it now is, as
/// `diesel migration run` does; nothing when no configuration names one.
fn follow_schema(project: &Project, engine: &schema_core::EngineSettings) -> Result<(), Failure> {
    let configs = print_schema::settings(project)?;
    if print_schema::with_files(&configs).is_empty() {
        return Ok(());
    }
    let written = with_connection!(engine, |conn| print_schema::rewrite(&mut conn, &configs))?;
    if project.global.verbose > 0 {
        for file in written {
            eprintln!("Wrote {}", file.display());
        }
    }
    Ok(())
}

/// A revision's parents as Alembic prints them (`<base>` for none).
pub(crate) fn parents(m: &schema_core::migrations::Migration) -> String {
    if m.down_revisions.is_empty() {
        "<base>".to_owned()
    } else {
        m.down_revisions.join(", ")
    }
}
