//! `upgrade`, `downgrade`, `stamp`, `current` and `check` on every database
//! an ini file lists (Alembic's multidb layout, or a `databases_file`), or
//! on those `--database` names, `--jobs` at a time.
//!
//! Each database gets a [`ProjectContext`] of its own from the same
//! configuration, and runs the same per-database code as a single-database
//! project. One failing does not stop the others; each result is one line
//! as it lands (stdout, or stderr for a failure) or one object of the JSON
//! document, and the exit code is the worst of them.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::{mpsc, Mutex};

use schema_core::databases::Database;
use schema_core::migrations::{AppliedSet, Direction, Target, BASE};
use schema_core::secret::mask_urls;
use schema_runtime::Observer;
use serde::Serialize;
use serde_json::Value;

use super::{check, inspect, with_connection};
use crate::cli::{
    CheckArgs, CurrentArgs, DowngradeArgs, Format, GlobalArgs, MigrateArgs, MigrateTarget,
    RunFlags, StampArgs,
};
use crate::output::run::{count, heads};
use crate::output::steps::StepsView;
use crate::output::{self, outln, TextOptions, View};
use crate::project::ProjectContext;
use crate::{render, Failure, Outcome};

/// How many databases run at once unless `--jobs` says otherwise: enough
/// to hide each server's round trips, few enough not to crowd one server.
pub const DEFAULT_JOBS: usize = 4;

/// What one database's run produced.
struct Report {
    outcome: Outcome,
    /// One line for people.
    line: String,
    /// The command's JSON document for this database.
    doc: Value,
}

/// One database's entry in the JSON document.
#[derive(Serialize)]
struct Entry {
    #[serde(skip)]
    outcome: Outcome,
    database: String,
    /// The URL, password masked; `null` when the configuration is wrong.
    url: Option<String>,
    exit_code: u8,
    /// Why it failed (one line, password masked); `null` when it did not.
    error: Option<String>,
    #[serde(flatten)]
    doc: Value,
}

/// `upgrade` on each database.
pub fn upgrade(
    base: &ProjectContext,
    dbs: Vec<Database>,
    args: &MigrateArgs,
) -> Result<Outcome, Failure> {
    if let ([one], true) = (dbs.as_slice(), args.run.sql) {
        return super::migrate::upgrade(&base.for_database(one)?, args);
    }
    migrate(base, dbs, Direction::Up, &args.target, &args.run)
}

/// `downgrade` on each database.
pub fn downgrade(
    base: &ProjectContext,
    dbs: Vec<Database>,
    args: &DowngradeArgs,
) -> Result<Outcome, Failure> {
    if let ([one], true) = (dbs.as_slice(), args.run.sql) {
        return super::migrate::downgrade(&base.for_database(one)?, args);
    }
    migrate(base, dbs, Direction::Down, &args.target, &args.run)
}

fn migrate(
    base: &ProjectContext,
    dbs: Vec<Database>,
    direction: Direction,
    target: &MigrateTarget,
    flags: &RunFlags,
) -> Result<Outcome, Failure> {
    let target = match (target, flags.sql) {
        (MigrateTarget::To(target), false) => target,
        _ => return Err(Failure::Usage(
            "--sql and FROM:TO print one database's script; name the database with --database NAME"
                .into(),
        )),
    };
    each(base, dbs, flags.format, |ctx| {
        run_one(ctx, direction, target, flags.allow_edited)
    })
}

/// Remembers where the run started, for the line that says where it went.
#[derive(Default)]
struct Start(Option<AppliedSet>);

impl Observer for Start {
    fn starting(&mut self, applied: &AppliedSet) {
        self.0 = Some(applied.clone());
    }
}

fn run_one(
    ctx: &ProjectContext,
    direction: Direction,
    target: &Target,
    allow_edited: bool,
) -> Result<Report, Failure> {
    let engine = ctx.engine_settings()?;
    let migrator = ctx.migrator(allow_edited)?;
    let mut start = Start::default();
    let steps = with_connection!(&engine, |conn| migrator
        .run(&mut conn, direction, target, &mut start))?;
    let graph = migrator.graph();
    let before = start.0.unwrap_or_default();
    let mut after = before.clone();
    for step in &steps {
        match step.direction {
            Direction::Up => after.insert(step.revision.clone()),
            Direction::Down => after.remove(&step.revision),
        };
    }
    let line = if steps.is_empty() {
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
    };
    Ok(Report {
        outcome: Outcome::Ok,
        line,
        doc: serde_json::to_value(StepsView::new(&steps)).unwrap_or_default(),
    })
}

/// `stamp` on each database.
pub fn stamp(
    base: &ProjectContext,
    dbs: Vec<Database>,
    args: &StampArgs,
) -> Result<Outcome, Failure> {
    each(base, dbs, Format::Text, |ctx| {
        let engine = ctx.engine_settings()?;
        let migrator = ctx.migrator(false)?;
        let plans = with_connection!(&engine, |conn| migrator
            .stamp(&mut conn, &args.revs, args.purge))?;
        let after = plans
            .last()
            .map(|p| p.applied_after.clone())
            .unwrap_or_default();
        Ok(Report {
            outcome: Outcome::Ok,
            line: format!("stamped at {}", heads(migrator.graph(), &after)),
            doc: Value::Null,
        })
    })
}

/// `current` on each database.
pub fn current(
    base: &ProjectContext,
    dbs: Vec<Database>,
    args: &CurrentArgs,
) -> Result<Outcome, Failure> {
    each(base, dbs, args.format, |ctx| {
        let status = inspect::status(ctx)?;
        let graph = ctx.graph()?;
        let revisions = inspect::Revisions::new(graph, &status.heads);
        let view = inspect::current_view(graph, &status, &revisions);
        Ok(Report {
            outcome: Outcome::Ok,
            line: one_line(&view, &ctx.global, BASE),
            doc: serde_json::to_value(&view).unwrap_or_default(),
        })
    })
}

/// `check` on each database.
pub fn check(
    base: &ProjectContext,
    dbs: Vec<Database>,
    args: &CheckArgs,
) -> Result<Outcome, Failure> {
    each(base, dbs, args.format, |ctx| {
        let view = check::view(ctx, args)?;
        Ok(Report {
            outcome: if view.ok {
                Outcome::Ok
            } else {
                Outcome::CheckFound
            },
            line: one_line(&view, &ctx.global, "ok"),
            doc: serde_json::to_value(&view).unwrap_or_default(),
        })
    })
}

/// A view's text on one line (`; ` between its lines), or `empty`.
fn one_line(view: &impl View, global: &GlobalArgs, empty: &str) -> String {
    let mut buffer = Vec::new();
    let opts = TextOptions {
        verbose: global.verbose,
        quiet: false,
    };
    let _ = view.text(&mut buffer, opts);
    let text = String::from_utf8_lossy(&buffer);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        empty.to_owned()
    } else {
        lines.join("; ")
    }
}

/// How bad an outcome is, for the exit code of the whole fleet: a
/// configuration error over a failed run over a `check` finding.
fn severity(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Ok => 0,
        Outcome::CheckFound => 1,
        Outcome::Failed => 2,
        Outcome::Usage => 3,
    }
}

/// A failure as one line, every password masked.
fn failure_line(failure: &Failure, ctx: Option<&ProjectContext>) -> (Outcome, String) {
    let (outcome, text) = match failure {
        Failure::Config(error) => (
            Outcome::Usage,
            error
                .diagnostics()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Failure::Migrations(errors) => (
            Outcome::Usage,
            errors
                .iter()
                .map(render::migration_error)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Failure::Usage(message) => (Outcome::Usage, message.clone()),
        Failure::Run(e) => (Outcome::Failed, e.to_string()),
        Failure::Io(e) => (Outcome::Failed, e.to_string()),
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = mask_urls(&text).into_owned();
    let redactor = ctx.map(|c| c.redactor(c.engine_settings().ok().as_ref()));
    let text = match redactor {
        Some(r) => r.redact(&text),
        None => text,
    };
    (outcome, text)
}

/// Run `op` on each database, `--jobs` at a time; print each result as it
/// lands (text) or all of them at the end (JSON), and return the worst
/// outcome.
fn each<F>(
    base: &ProjectContext,
    dbs: Vec<Database>,
    format: Format,
    op: F,
) -> Result<Outcome, Failure>
where
    F: Fn(&ProjectContext) -> Result<Report, Failure> + Sync,
{
    // Contexts are made here, one thread, so that each migrations folder
    // is read (and its warnings shown) once, and a broken folder stops the
    // command before any database is touched.
    let mut readers: Vec<ProjectContext> = Vec::new();
    let mut queue = VecDeque::new();
    for (index, db) in dbs.iter().enumerate() {
        let ctx = base.for_database(db);
        if let Ok(ctx) = &ctx {
            if !readers.iter().any(|r| r.settings == ctx.settings) {
                let reader = base.for_database(db)?;
                reader.graph()?;
                readers.push(reader);
            }
            for reader in &readers {
                if reader.share_runner(ctx)? {
                    break;
                }
            }
        }
        queue.push_back((index, ctx));
    }
    drop(readers);
    let jobs = base
        .global
        .jobs
        .map_or(DEFAULT_JOBS, std::num::NonZeroUsize::get)
        .min(dbs.len().max(1));
    let queue = Mutex::new(queue);
    let (tx, rx) = mpsc::channel::<(usize, Option<String>, Result<Report, (Outcome, String)>)>();
    let mut results: Vec<Option<Entry>> = dbs.iter().map(|_| None).collect();
    let mut printed: io::Result<()> = Ok(());
    let mut worst = Outcome::Ok;
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let queue = &queue;
            let op = &op;
            scope.spawn(move || loop {
                let next = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None);
                let Some((index, ctx)) = next else { break };
                let (url, result) = match ctx {
                    Err(failure) => (None, Err(failure_line(&failure, None))),
                    Ok(ctx) => {
                        let url = ctx.engine_settings().ok().map(|e| e.url.to_string());
                        (url, op(&ctx).map_err(|f| failure_line(&f, Some(&ctx))))
                    }
                };
                if tx.send((index, url, result)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (index, url, result) in rx {
            let name = &dbs[index].name;
            let entry = match result {
                Ok(report) => {
                    if format == Format::Text && printed.is_ok() {
                        printed = outln!("{name}: {}", report.line);
                    }
                    Entry {
                        outcome: report.outcome,
                        database: name.clone(),
                        url,
                        exit_code: report.outcome.code(),
                        error: None,
                        doc: report.doc,
                    }
                }
                Err((outcome, line)) => {
                    eprintln!(
                        "{name}: error: {}",
                        schema_core::text::escape_terminal(&line)
                    );
                    Entry {
                        outcome,
                        database: name.clone(),
                        url,
                        exit_code: outcome.code(),
                        error: Some(line),
                        doc: Value::Null,
                    }
                }
            };
            if severity(entry.outcome) > severity(worst) {
                worst = entry.outcome;
            }
            results[index] = Some(entry);
        }
    });
    let entries: Vec<Entry> = results.into_iter().flatten().collect();
    if format == Format::Json {
        printed = output::json(&serde_json::json!({ "databases": entries }));
    } else if !base.global.quiet {
        summary(&entries);
    }
    output::verdict(printed, worst)
}

/// `200 databases: 199 ok, 1 failed (tenant_042)` on stderr.
fn summary(entries: &[Entry]) {
    const NAMED: usize = 10;
    let bad: Vec<&str> = entries
        .iter()
        .filter(|e| e.outcome != Outcome::Ok)
        .map(|e| e.database.as_str())
        .collect();
    let mut line = format!(
        "{} database{}: {} ok",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        entries.len() - bad.len()
    );
    if !bad.is_empty() {
        let more = bad.len().saturating_sub(NAMED);
        let mut names = bad
            .iter()
            .take(NAMED)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            names.push_str(&format!(", {more} more"));
        }
        line.push_str(&format!(", {} failed ({names})", bad.len()));
    }
    let _ = writeln!(io::stderr(), "{line}");
}
