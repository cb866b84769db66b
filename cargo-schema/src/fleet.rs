//! Running one command on every database an ini file lists (Alembic's
//! multidb layout, or a `databases_file`), or on those `--database` names,
//! `--jobs` at a time: `upgrade`, `downgrade`, `stamp`, `current` and
//! `check`, and any command that implements
//! [`OnDatabase`].
//!
//! Each database gets a [`ProjectContext`] of its own from the same
//! configuration, and runs the command's own [`OnDatabase::run`], the code
//! a single-database project runs. One failing does not stop the others;
//! each result is one line as it lands (stdout, or stderr for a failure) or
//! one object of the JSON document, the command's typed view flattened into
//! it, and the exit code is the worst of them.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::{mpsc, Mutex};

use schema_core::databases::Database;
use schema_core::secret::mask_urls;
use serde::Serialize;

use crate::cli::Format;
use crate::commands::{OnDatabase, Reach, Report};
use crate::output::{self, outln};
use crate::project::ProjectContext;
use crate::{render, Failure, Outcome};

/// How many databases run at once unless `--jobs` says otherwise: enough
/// to hide each server's round trips, few enough not to crowd one server.
pub const DEFAULT_JOBS: usize = 4;

/// One database's entry in the JSON document: where it is, how it ended,
/// and the command's own document for it.
#[derive(Serialize)]
pub struct Entry<V> {
    #[serde(skip)]
    outcome: Outcome,
    /// The database's name.
    pub database: String,
    /// The URL, password masked; `null` when the configuration is wrong.
    pub url: Option<String>,
    /// The exit code this database alone would have given.
    pub exit_code: u8,
    /// Why it failed (one line, password masked); `null` when it did not.
    pub error: Option<String>,
    /// The command's document (absent when it failed).
    #[serde(flatten)]
    pub report: Option<V>,
}

/// The whole fleet's JSON document.
#[derive(Serialize)]
pub struct FleetView<V> {
    /// In the order the databases are listed.
    pub databases: Vec<Entry<V>>,
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

/// Run `command` on each database, `--jobs` at a time; print each result
/// as it lands (text) or all of them at the end (JSON), and return the
/// worst outcome.
pub fn each<C: OnDatabase>(
    base: &ProjectContext,
    dbs: Vec<Database>,
    command: &C,
) -> Result<Outcome, Failure> {
    let format = command.format();
    // Contexts are made here, one thread, so that each migrations folder
    // is read (and its warnings shown) once, and a broken folder stops the
    // command before any database is touched. They live until the end:
    // each database's report may borrow its context.
    let mut readers: Vec<ProjectContext> = Vec::new();
    let mut contexts: Vec<Result<ProjectContext, (Outcome, String)>> = Vec::new();
    for db in &dbs {
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
        contexts.push(ctx.map_err(|failure| failure_line(&failure, None)));
    }
    drop(readers);
    let jobs = base
        .global
        .jobs
        .map_or(DEFAULT_JOBS, std::num::NonZeroUsize::get)
        .min(dbs.len().max(1));
    let queue = Mutex::new((0..dbs.len()).collect::<VecDeque<usize>>());
    type Landed<'c, V> = (usize, Option<String>, Result<Report<V>, (Outcome, String)>);
    let (tx, rx) = mpsc::channel::<Landed<'_, C::View<'_>>>();
    let mut results: Vec<Option<Entry<C::View<'_>>>> = dbs.iter().map(|_| None).collect();
    let mut printed: io::Result<()> = Ok(());
    let mut worst = Outcome::Ok;
    let contexts = &contexts;
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let queue = &queue;
            scope.spawn(move || loop {
                let next = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None);
                let Some(index) = next else { break };
                let (url, result) = match &contexts[index] {
                    Err(line) => (None, Err(line.clone())),
                    Ok(ctx) => {
                        let url = ctx.engine_settings().ok().map(|e| e.url.to_string());
                        let result = command
                            .run(ctx, Reach::Fleet)
                            .map_err(|f| failure_line(&f, Some(ctx)));
                        (url, result)
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
                        let line = command.line(&report.view, &base.global);
                        printed = outln!("{name}: {line}");
                    }
                    Entry {
                        outcome: report.outcome,
                        database: name.clone(),
                        url,
                        exit_code: report.outcome.code(),
                        error: None,
                        report: Some(report.view),
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
                        report: None,
                    }
                }
            };
            if severity(entry.outcome) > severity(worst) {
                worst = entry.outcome;
            }
            results[index] = Some(entry);
        }
    });
    let entries: Vec<Entry<C::View<'_>>> = results.into_iter().flatten().collect();
    if format == Format::Json {
        printed = output::json(&FleetView { databases: entries });
    } else if !base.global.quiet {
        summary(&entries);
    }
    output::verdict(printed, worst)
}

/// `200 databases: 199 ok, 1 failed (tenant_042)` on stderr.
fn summary<V>(entries: &[Entry<V>]) {
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
