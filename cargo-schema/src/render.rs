//! Diagnostics for people: the offending ini line, underlined, with the
//! kind, the message and the suggestion, as rustc and cargo-deny show them.

use std::io::IsTerminal;
use std::path::Path;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use schema_core::Diagnostic;

/// Whether stderr gets colours.
pub fn stderr_styled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Render one diagnostic; file paths are shown relative to `base` when
/// they lie below it.
pub fn diagnostic(d: &Diagnostic, base: &Path, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let path = d
        .file
        .as_deref()
        .map(|f| f.strip_prefix(base).unwrap_or(f).display().to_string());
    let title = Level::ERROR
        .primary_title(d.message.as_str())
        .id(d.kind.as_str());
    let mut group = match (&path, d.line, &d.snippet) {
        (Some(path), Some(line), Some(text)) => {
            let (start, end) = highlight(text, d.column);
            let mut annotation = AnnotationKind::Primary.span(start..end);
            if let Some(s) = &d.suggestion {
                annotation = annotation.label(format!("did you mean `{s}`?"));
            }
            title.element(
                Snippet::source(text.as_str())
                    .line_start(line)
                    .path(path.as_str())
                    .annotation(annotation),
            )
        }
        (Some(path), line, _) => {
            let mut origin = annotate_snippets::Origin::path(path.as_str());
            if let Some(line) = line {
                origin = origin.line(line);
            }
            title.element(origin)
        }
        _ => Group::with_title(title),
    };
    if d.snippet.is_none() {
        if let Some(s) = &d.suggestion {
            group = group.element(Level::HELP.message(format!("did you mean `{s}`?")));
        }
    }
    renderer.render(&[group])
}

/// The byte range to underline: the key when the column points at one
/// (up to its `=` or `:`), otherwise the whole line without its indent.
fn highlight(text: &str, column: Option<usize>) -> (usize, usize) {
    let indent = text.len() - text.trim_start().len();
    let start = column
        .and_then(|c| text.char_indices().nth(c.saturating_sub(1)).map(|(i, _)| i))
        .unwrap_or(indent)
        .max(indent);
    let end = match text[start..].find(['=', ':']) {
        Some(delim) if column.is_some() && delim > 0 => {
            start + text[start..start + delim].trim_end().len()
        }
        _ => text.trim_end().len(),
    };
    if end <= start {
        (start, text.len().max(start + 1))
    } else {
        (start, end)
    }
}

/// A migrations-folder or target error: `error[kind]: message` and where.
pub fn migration_error(e: &schema_core::migrations::MigrationError) -> String {
    let mut out = format!("error[{}]: {e}", e.kind());
    if let Some(path) = e.path() {
        let shown = path.display().to_string();
        out.push_str(&format!(
            "\n --> {}",
            schema_core::text::escape_controls(&shown)
        ));
        if let Some(line) = e.line() {
            out.push_str(&format!(":{line}"));
        }
    }
    out
}

/// Pad cells into aligned columns (the last column is not padded).
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 < row.len() {
                // Padded by hand: `{:<width$}` panics on a width over
                // u16::MAX, and a value may be that long.
                line.push_str(cell);
                let pad = widths[c].saturating_sub(cell.chars().count());
                line.extend(std::iter::repeat_n(' ', pad + 2));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_the_key() {
        assert_eq!(highlight("diesel.pool_sise = 5", Some(1)), (0, 16));
        assert_eq!(highlight("  key: v", Some(3)), (2, 5));
        assert_eq!(highlight("not a pair", Some(1)), (0, 10));
    }
}
