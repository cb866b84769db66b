//! `cargo schema config`: the effective configuration, each value's source,
//! and every problem. Exits 2 when there is a problem, so it doubles as a CI
//! check of the configuration.

use std::io::Write;

use schema_core::engine::ResolveOptions;
use schema_core::report::{self, ConfigReport, UnreadableReport, ValueJson};
use schema_runtime::BACKENDS;

use crate::cli::{ConfigArgs, Format, GlobalArgs};
use crate::project::{self, Located};
use crate::render;
use crate::{Failure, Outcome};
use schema_core::ConfigError;

/// Run `config`.
pub fn run(global: &GlobalArgs, args: &ConfigArgs) -> Result<Outcome, Failure> {
    let (path, opened) = match project::locate(global) {
        Ok(located) => (
            Some(located.config_path.clone()),
            project::open(global, &located).map(|project| (located, project)),
        ),
        Err(d) => (None, Err(ConfigError::from(d))),
    };
    let (located, project) = match opened {
        Ok(opened) => opened,
        Err(error) if args.format == Format::Json => {
            print_json(&UnreadableReport::new(path, &error))?;
            return Ok(Outcome::Usage);
        }
        Err(error) => return Err(Failure::Config(error)),
    };
    let opts = ResolveOptions {
        section: args.section.as_deref(),
        prefix: args.prefix.as_deref(),
        backends: BACKENDS,
        build_time: false,
        features_of: "cargo-schema",
    };
    let report = report::build(project.config(), project.environment(), &opts, args.reveal);
    match args.format {
        Format::Json => print_json(&report)?,
        Format::Text => print_text(&report, &located)?,
    }
    Ok(if report.problems.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Usage
    })
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

fn print_text(report: &ConfigReport, located: &Located) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let header = vec![
        vec!["file".to_owned(), report.file.display().to_string()],
        vec![
            "main section".to_owned(),
            format!("[{}]", report.main_section),
        ],
        vec![
            "section".to_owned(),
            format!(
                "[{}]{}",
                report.section,
                if report.exists { "" } else { " (missing)" }
            ),
        ],
        vec!["prefix".to_owned(), report.prefix.clone()],
    ];
    write!(out, "{}", render::table(&header))?;

    let mut rows = vec![vec![
        "KEY".to_owned(),
        "VALUE".to_owned(),
        "SOURCE".to_owned(),
    ]];
    for (key, value) in &report.values {
        rows.push(match value {
            ValueJson::Ok { value, source } => vec![key.clone(), one_line(value), source.clone()],
            ValueJson::Err { error } => vec![
                key.clone(),
                format!("<error: {}>", error.kind),
                String::new(),
            ],
        });
    }
    writeln!(out, "\n{}", render::table(&rows).trim_end())?;

    let mut rows = vec![vec![
        "ENGINE OPTION".to_owned(),
        "VALUE".to_owned(),
        "SOURCE".to_owned(),
    ]];
    let mut notes = Vec::new();
    for (name, effective) in &report.effective {
        let value = match (&effective.value, &effective.deferred) {
            (_, Some(deferred)) => {
                notes.push(&deferred.message);
                "(not set here)".to_owned()
            }
            (serde_json::Value::String(s), None) => s.clone(),
            (other, None) => other.to_string(),
        };
        rows.push(vec![name.clone(), value, effective.source.clone()]);
    }
    writeln!(out, "\n{}", render::table(&rows).trim_end())?;
    for note in notes {
        writeln!(out, "\nnote: {note}")?;
    }
    drop(out);

    if !report.diagnostics.is_empty() {
        let styled = render::stderr_styled();
        let base = located.config_path.parent().unwrap_or(&located.root);
        let mut err = std::io::stderr().lock();
        for d in &report.diagnostics {
            writeln!(err, "{}\n", render::diagnostic(d, base, styled))?;
        }
        let n = report.diagnostics.len();
        writeln!(
            err,
            "{n} problem{} in the configuration",
            if n == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

/// Multi-line values (continuation lines) shown on one table row.
fn one_line(value: &str) -> String {
    value.replace('\n', "⏎")
}
