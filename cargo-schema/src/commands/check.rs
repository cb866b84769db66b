//! `check`: for CI. Exits 3 when the database is not exactly at the
//! folder's head(s) with every applied revision unchanged, or when its
//! schema drifted from what those revisions build (see [`crate::ops::drift`]),
//! or when `lint` finds an error in a pending revision (see [`crate::ops::lint`]).

// These doc comments are also `--help`'s text, where `[schema]` and
// `[print_schema]` name ini sections, not Rust items.
#![allow(rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::Args;
use schema_core::project::SeveralHeads;
use schema_core::schema::diesel::PrintSchemaSettings;

use super::{OnDatabase, Reach, Report};
use crate::cli::Format;
use crate::ops::git::Base;
use crate::ops::lint::{lint_revisions, previous_at, previous_from, LintOptions};
use crate::ops::{drift, print_schema, with_connection};
use crate::output::check::{CheckView, DriftStatus, Finding};
use crate::project::ProjectContext;
use crate::{Failure, Outcome};

/// `check`.
pub struct Check<'a>(pub &'a CheckArgs);

impl OnDatabase for Check<'_> {
    type View<'c>
        = CheckView
    where
        Self: 'c;

    fn format(&self) -> Format {
        self.0.format
    }

    fn run<'c>(
        &'c self,
        ctx: &'c ProjectContext,
        _reach: Reach,
    ) -> Result<Report<CheckView>, Failure> {
        let view = view(ctx, self.0)?;
        let outcome = if view.ok {
            Outcome::Ok
        } else {
            Outcome::CheckFound
        };
        Ok(Report { view, outcome })
    }
}

/// What `check` finds in the project's database (drift included unless
/// `--no-drift`).
fn view(project: &ProjectContext, args: &CheckArgs) -> Result<CheckView, Failure> {
    let engine = project.engine_settings()?;
    let migrator = project.migrator(false)?;
    let status = with_connection!(&engine, |conn| migrator.status(&mut conn))?;
    let mut findings = Vec::new();
    findings.extend(status.pending.iter().map(|r| Finding::pending(r)));
    findings.extend(status.edited.iter().map(|r| Finding::edited(r)));
    findings.extend(status.unknown.iter().map(|v| Finding::unknown(v)));
    findings.extend(status.failed.iter().map(|r| Finding::failed(r)));
    if let Some(several) = SeveralHeads::of(migrator.graph(), &project.settings) {
        findings.push(Finding::multiple_heads(&several));
    }
    if !args.no_lint && !status.pending.is_empty() {
        let mut notes = Vec::new();
        let previous = match (&args.previous_schema, &args.base) {
            (Some(file), _) => vec![previous_from(file)?],
            (None, Some(reference)) => {
                let base = Base::resolve(&project.located.root, reference)?;
                previous_at(project, &base, &mut notes)?
            }
            (None, None) => Vec::new(),
        };
        if !project.global.quiet {
            for note in &notes {
                eprintln!("note: {note}");
            }
        }
        let graph = migrator.graph();
        let pending: Vec<_> = status.pending.iter().filter_map(|r| graph.get(r)).collect();
        let linted = lint_revisions(
            project,
            &engine,
            &migrator,
            &pending,
            &LintOptions {
                replay: !args.no_drift,
                round_trip: args.round_trip,
                previous: &previous,
                against_database: false,
            },
        )?;
        findings.extend(
            linted
                .findings
                .iter()
                .filter(|f| f.severity == schema_core::lint::Severity::Error)
                .map(Finding::lint),
        );
    }
    let configs = print_schema::settings(project)?;
    let mut stale_files: Vec<(&PrintSchemaSettings, PathBuf)> = Vec::new();
    if !print_schema::with_files(&configs).is_empty() {
        let stale = with_connection!(&engine, |conn| print_schema::stale(&mut conn, &configs))?;
        for (file, diff) in &stale {
            findings.push(Finding::schema_rs(&file.display().to_string(), diff));
        }
        stale_files = print_schema::with_files(&configs)
            .into_iter()
            .filter(|(_, file)| stale.iter().any(|(f, _)| f == file))
            .map(|(settings, file)| (settings, file.to_path_buf()))
            .collect();
    }
    let drift_status = if args.no_drift {
        DriftStatus::not_checked("--no-drift")
    } else {
        let drift = with_connection!(&engine, |conn| drift::check(
            &mut conn,
            &engine,
            &migrator,
            &status,
            &stale_files,
            project.global.verbose,
            project.cache_dir().as_deref()
        ))?;
        if let (Some(reason), false) = (&drift.status.reason, project.global.quiet) {
            eprintln!("warning: drift not checked: {reason}");
        }
        findings.extend(drift.findings);
        drift.status
    };
    let mut view = CheckView::new(findings, drift_status);
    view.unverified = status.unverified.clone();
    Ok(view)
}

/// `check` options.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Skip the drift check: no scratch database is created, and the live
    /// schema is compared with neither the revisions nor schema.rs.
    #[arg(long)]
    pub no_drift: bool,
    /// Skip linting the pending revisions (`cargo schema lint`); with
    /// --no-drift they are linted without the schema before each one.
    #[arg(long)]
    pub no_lint: bool,
    /// Also prove, in the scratch database, that each pending revision's
    /// down.sql brings the schema back to what it was before its up.sql.
    #[arg(long, conflicts_with = "no_lint")]
    pub round_trip: bool,
    /// The previous release is git's REF: a pending revision may not drop
    /// or rename what its schema.rs (the `file` of `[print_schema]`, read
    /// at REF) declares, nor add a NOT NULL column without a default to its
    /// tables, as `lint --base` checks. The pending revisions are still
    /// those the database has not applied.
    #[arg(long, value_name = "REF", conflicts_with = "no_lint")]
    pub base: Option<String>,
    /// The previous release's schema.rs, as `lint --previous-schema` takes
    /// it (over the one `--base` reads).
    #[arg(long, value_name = "FILE", conflicts_with = "no_lint")]
    pub previous_schema: Option<PathBuf>,
}
