//! `upgrade`, `downgrade` and `stamp`.

use std::time::Instant;

use schema_core::migrations::{AppliedSet, Direction, MigrationError, RevisionGraph, Step, Target};
use schema_runtime::script::offline_script;
use schema_runtime::{Dialect, Migrator, Observer};

use super::{print_schema, with_connection};
use crate::cli::{DowngradeArgs, Format, MigrateArgs, MigrateTarget, RunFlags, StampArgs};
use crate::output::run::{self, Mode, RunPrinter};
use crate::output::steps::StepsView;
use crate::output::{out, Printer};
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `upgrade [TARGET] [--sql]`.
pub fn upgrade(project: &ProjectContext, args: &MigrateArgs) -> Result<Outcome, Failure> {
    migrate(project, Direction::Up, &args.target, &args.run)
}

/// `downgrade TARGET [--sql]`.
pub fn downgrade(project: &ProjectContext, args: &DowngradeArgs) -> Result<Outcome, Failure> {
    migrate(project, Direction::Down, &args.target, &args.run)
}

fn migrate(
    project: &ProjectContext,
    direction: Direction,
    target: &MigrateTarget,
    flags: &RunFlags,
) -> Result<Outcome, Failure> {
    let format = flags.format;
    let engine = project.engine_settings()?;
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
            return print_script(&engine, &migrator, &steps);
        }
        (MigrateTarget::Range(r), true) => {
            let to = r.upper().ok_or_else(|| MigrationError::InvalidTarget {
                target: r.to_string(),
                reason: "FROM:TO needs TO".into(),
            })?;
            let steps = offline_plan(migrator.graph(), direction, r.lower(), to)?;
            return print_script(&engine, &migrator, &steps);
        }
    };
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
    printer.finish(&steps, &target.to_string());
    if !flags.no_print_schema {
        follow_schema(project, &engine)?;
    }
    Printer::new(format, &project.global).print(&StepsView::new(&steps))?;
    Ok(Outcome::Ok)
}

fn print_script(
    engine: &schema_core::EngineSettings,
    migrator: &Migrator,
    steps: &[Step],
) -> Result<Outcome, Failure> {
    let script = offline_script(
        migrator.graph(),
        steps,
        engine.url.backend(),
        migrator.options(),
        &engine.session_statements(),
    );
    out!("{script}")?;
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

/// `stamp REV... [--purge]`.
pub fn stamp(project: &ProjectContext, args: &StampArgs) -> Result<Outcome, Failure> {
    let started = Instant::now();
    let engine = project.engine_settings()?;
    let migrator = project.migrator(false)?;
    let mode = Mode::detect(project.global.quiet);
    let (before, plans) = with_connection!(&engine, |conn| {
        // Only the summary at a terminal needs the state before.
        let before = match mode {
            Mode::Terminal { .. } => Some(migrator.status(&mut conn)?.applied),
            _ => None,
        };
        (before, migrator.stamp(&mut conn, &args.revs, args.purge)?)
    });
    if !args.no_print_schema {
        follow_schema(project, &engine)?;
    }
    run::stamped(mode, migrator.graph(), &plans, before.as_ref(), started);
    Ok(Outcome::Ok)
}

/// Rewrite each print_schema `file` from the database as it now is, as
/// `diesel migration run` does; nothing when no configuration names one.
fn follow_schema(
    project: &ProjectContext,
    engine: &schema_core::EngineSettings,
) -> Result<(), Failure> {
    let configs = print_schema::settings(project)?;
    if print_schema::with_files(&configs).is_empty() {
        return Ok(());
    }
    let written = with_connection!(engine, |conn| print_schema::rewrite(&mut conn, &configs))
        .map_err(|e| match e {
            // The run itself succeeded and is recorded: say so, and which
            // file could not follow it.
            Failure::Io(e) => Failure::Io(std::io::Error::new(
                e.kind(),
                format!(
                    "the run succeeded and is recorded in the database, but print_schema's file was not updated: {e}; \
                     fix the cause and run `cargo schema print-schema`"
                ),
            )),
            other => other,
        })?;
    if project.global.verbose > 0 {
        for file in written {
            eprintln!("Wrote {}", file.display());
        }
    }
    Ok(())
}
