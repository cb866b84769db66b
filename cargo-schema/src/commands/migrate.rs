//! `upgrade`, `downgrade` and `stamp`.

use std::time::Instant;

use schema_core::migrations::{AppliedSet, Direction, RevisionGraph, Step};
use schema_runtime::script::offline_script;
use schema_runtime::{Dialect, Migrator, Observer};

use super::{with_connection, Project};
use crate::cli::{DowngradeArgs, Format, MigrateArgs, RunFlags, StampArgs};
use crate::output::run::{self, Mode, RunPrinter};
use crate::output::{out, outln};
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
        out!("{script}")?;
        return Ok(Outcome::Ok);
    }
    let mut printer = RunPrinter::new(
        Mode::detect(project.global.quiet || format == Format::Json),
        direction,
        migrator.graph(),
    );
    let steps = with_connection!(&engine, |conn| run(
        &migrator,
        &mut conn,
        direction,
        target,
        &mut printer
    ))?;
    printer.finish(&steps, target);
    if format == Format::Json {
        let steps: Vec<_> = steps.iter().map(step_json).collect();
        outln!("{}", serde_json::json!({ "steps": steps }))?;
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

/// `stamp REV... [--purge]`.
pub fn stamp(project: &Project, args: &StampArgs) -> Result<Outcome, Failure> {
    let started = Instant::now();
    let engine = project.engine()?;
    let migrator = project.migrator(false)?;
    let targets: Vec<&str> = args.revs.iter().map(String::as_str).collect();
    let mode = Mode::detect(project.global.quiet);
    let (before, plans) = with_connection!(&engine, |conn| {
        // Only the summary at a terminal needs the state before.
        let before = match mode {
            Mode::Terminal { .. } => Some(migrator.status(&mut conn)?.applied),
            _ => None,
        };
        (before, migrator.stamp(&mut conn, &targets, args.purge)?)
    });
    run::stamped(mode, migrator.graph(), &plans, before.as_ref(), started);
    Ok(Outcome::Ok)
}
