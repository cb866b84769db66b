//! `config`: the report of schema-core ([`ConfigReport`], whose JSON is the
//! document) as tables for people, and its problems on stderr.

use std::io::{self, Write};
use std::path::Path;

use schema_core::report::{ConfigReport, ValueJson};
use serde::Serialize;

use super::{TextOptions, View};
use crate::render;

/// `config`'s document: the report as schema-core serialises it.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct ConfigView<'a> {
    /// The report.
    pub report: &'a ConfigReport,
}

impl View for ConfigView<'_> {
    fn text(&self, out: &mut dyn Write, _opts: TextOptions) -> io::Result<()> {
        let report = self.report;
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
                ValueJson::Ok { value, source } => {
                    vec![key.clone(), one_line(value), source.clone()]
                }
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
        Ok(())
    }
}

/// The report's problems on stderr, file paths relative to `base`, and
/// how many there were; nothing when there are none.
pub fn problems(report: &ConfigReport, base: &Path) -> io::Result<()> {
    if report.diagnostics.is_empty() {
        return Ok(());
    }
    let styled = render::stderr_styled();
    let mut err = io::stderr().lock();
    for d in &report.diagnostics {
        writeln!(err, "{}\n", render::diagnostic(d, base, styled))?;
    }
    let n = report.diagnostics.len();
    writeln!(
        err,
        "{n} problem{} in the configuration",
        if n == 1 { "" } else { "s" }
    )
}

/// Multi-line values (continuation lines) shown on one table row.
fn one_line(value: &str) -> String {
    value.replace('\n', "⏎")
}
