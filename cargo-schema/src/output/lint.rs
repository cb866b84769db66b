//! What `lint` found: each finding with its statement underlined
//! (annotate-snippets, as configuration errors are shown), what happens on
//! the server, and the safe way; JSON lists them as they are.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use schema_core::lint::{Finding, Severity};
use serde::Serialize;

use super::{TextOptions, View};

/// `lint`'s document.
#[derive(Debug, Serialize)]
pub struct LintView {
    /// Whether no finding is an error (`lint` exits 0).
    pub ok: bool,
    /// How many findings are errors.
    pub errors: usize,
    /// How many are warnings.
    pub warnings: usize,
    /// The revisions linted, in upgrade order.
    pub revisions: Vec<String>,
    /// What limited the lint (the schema before a revision not known).
    pub notes: Vec<String>,
    /// Every finding, by revision then statement.
    pub findings: Vec<Finding>,
}

impl LintView {
    /// The view of `findings` in `revisions`.
    pub fn new(revisions: Vec<String>, findings: Vec<Finding>, notes: Vec<String>) -> Self {
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        LintView {
            ok: errors == 0,
            errors,
            warnings: findings.len() - errors,
            revisions,
            notes,
            findings,
        }
    }
}

/// Text from the user's files, printable: control characters (but line
/// ends and tabs) shown as `\u{..}`.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// One finding, rendered.
pub fn render(f: &Finding, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let level = match f.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let message = printable(&f.message);
    let statement = printable(&f.statement);
    let path = f.file.display().to_string();
    let first = statement.lines().next().unwrap_or("").len().max(1);
    let revision = format!("revision {}", printable(&f.revision));
    let help = printable(&f.help);
    let group = Group::with_title(level.primary_title(message.as_str()).id(f.code))
        .element(
            Snippet::source(statement.as_str())
                .line_start(f.line)
                .path(path.as_str())
                .annotation(AnnotationKind::Primary.span(0..first.min(statement.len().max(1)))),
        )
        .element(Level::NOTE.message(revision.as_str()))
        .element(Level::HELP.message(help.as_str()));
    renderer.render(&[group])
}

impl View for LintView {
    fn text(&self, out: &mut dyn Write, opts: TextOptions) -> io::Result<()> {
        for note in &self.notes {
            writeln!(out, "note: {}", printable(note))?;
        }
        for f in &self.findings {
            writeln!(out, "{}\n", render(f, false))?;
        }
        if !opts.quiet || !self.ok {
            writeln!(
                out,
                "{} error(s), {} warning(s) in {} revision(s)",
                self.errors,
                self.warnings,
                self.revisions.len()
            )?;
        }
        Ok(())
    }
}
