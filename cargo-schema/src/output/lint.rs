//! What `lint` found: each finding with its statement underlined
//! (annotate-snippets, as configuration errors are shown), what happens on
//! the server, and the safe way; JSON lists them as they are; SARIF 2.1.0
//! ([`sarif`]) and GitHub Actions annotations ([`github`]) carry them to
//! code review.

use std::io::{self, BufWriter, Write};
use std::path::{Component, Path};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use schema_core::lint::{Finding, Severity, RULES};
use serde::Serialize;
use serde_json::{json, Value};

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

/// SARIF's name for a severity.
fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// What a URI path segment may not hold as is (RFC 3986: everything but
/// unreserved characters and the sub-delimiters, `:` and `@`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// `path`'s components as a URI path, each percent-encoded.
fn uri_path(path: &Path) -> String {
    let segments: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => {
                Some(utf8_percent_encode(&s.to_string_lossy(), SEGMENT).to_string())
            }
            Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect();
    segments.join("/")
}

/// The SARIF 2.1.0 log of `view`: one run of the tool `cargo-schema`, its
/// rules (every lint rule, id = code), and a result per finding located
/// in its file relative to `root` (the project's root, `%SRCROOT%`).
pub fn sarif(view: &LintView, root: &Path) -> Value {
    let cwd = std::env::current_dir().unwrap_or_default();
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.code,
                "shortDescription": { "text": r.summary },
                "help": { "text": format!("{}. What happens on the server and the safe way are in each result's message and in the guide's Lint chapter.", r.summary) },
                "defaultConfiguration": { "level": sarif_level(r.severity) },
                "properties": { "backends": r.backends.iter().map(ToString::to_string).collect::<Vec<_>>() },
            })
        })
        .collect();
    let results: Vec<Value> = view
        .findings
        .iter()
        .map(|f| {
            let absolute = cwd.join(&f.file);
            let artifact = match absolute.strip_prefix(root) {
                Ok(relative) => json!({ "uri": uri_path(relative), "uriBaseId": "%SRCROOT%" }),
                Err(_) => json!({ "uri": format!("file:///{}", uri_path(&absolute)) }),
            };
            let mut result = json!({
                "ruleId": f.code,
                "level": sarif_level(f.severity),
                "message": { "text": format!("{}\nhelp: {}", f.message, f.help) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact,
                        "region": { "startLine": f.line.max(1) },
                    }
                }],
                "properties": { "revision": f.revision },
            });
            if let Some(index) = RULES.iter().position(|r| r.code == f.code) {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = view
        .notes
        .iter()
        .map(|n| json!({ "level": "note", "message": { "text": n } }))
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cargo-schema",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {
                "%SRCROOT%": { "uri": format!("file:///{}/", uri_path(root)) }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    })
}

/// Print [`sarif`] on stdout.
pub fn print_sarif(view: &LintView, root: &Path) -> io::Result<()> {
    super::json(&sarif(view, root))
}

/// A workflow command's message, escaped as the runner unescapes it
/// (`%`, CR, LF).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: its message escapes, and `:` and
/// `,`, which end a property.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The GitHub Actions workflow commands of `view`: `::error` or
/// `::warning` per finding at its file and line (titled by its code),
/// `::notice` per note, then the summary line.
pub fn github(view: &LintView, out: &mut dyn Write) -> io::Result<()> {
    for note in &view.notes {
        writeln!(
            out,
            "::notice title=cargo-schema lint::{}",
            escape_data(note)
        )?;
    }
    for f in &view.findings {
        writeln!(
            out,
            "::{} file={},line={},title={}::{}",
            f.severity.as_str(),
            escape_property(&f.file.to_string_lossy().replace('\\', "/")),
            f.line.max(1),
            escape_property(f.code),
            escape_data(&format!(
                "revision {}: {}\nhelp: {}",
                f.revision, f.message, f.help
            ))
        )?;
    }
    writeln!(
        out,
        "{} error(s), {} warning(s) in {} revision(s)",
        view.errors,
        view.warnings,
        view.revisions.len()
    )
}

/// Print [`github`] on stdout.
pub fn print_github(view: &LintView) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    github(view, &mut out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escapes() {
        assert_eq!(escape_data("100%\r\nnext: a,b"), "100%25%0D%0Anext: a,b");
        assert_eq!(
            escape_property("dir:a,b%/up.sql\n"),
            "dir%3Aa%2Cb%25/up.sql%0A"
        );
    }

    #[test]
    fn uri_paths_are_encoded_by_segment() {
        assert_eq!(
            uri_path(Path::new("migrations/2024 a#b%/up.sql")),
            "migrations/2024%20a%23b%25/up.sql"
        );
    }
}
