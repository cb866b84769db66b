//! configparser's `BasicInterpolation`, rule for rule.
//!
//! `%(name)s` is replaced by the value of `name` (lower-cased) from the same
//! section, falling back to `[DEFAULT]`; that value is itself interpolated
//! when it contains a `%`, down to [`MAX_INTERPOLATION_DEPTH`] levels; `%%`
//! is a literal `%`; any other `%` is an error. Literal entries (set at run
//! time, and `here`) are substituted as they are.

use super::{Entry, IniDocument, ValueKind};
use crate::diag::{suggest, Diagnostic, Kind};

/// configparser's `MAX_INTERPOLATION_DEPTH`.
pub const MAX_INTERPOLATION_DEPTH: usize = 10;

/// The longest value interpolation may produce. configparser has no limit,
/// so ten levels of eight references each expand to gigabytes and hang it;
/// no real configuration value comes near this.
pub const MAX_INTERPOLATED_LEN: usize = 1 << 20;

/// The value of `entry` (the entry of `key` as seen from `section`).
pub(super) fn interpolate(
    doc: &IniDocument,
    section: &str,
    key: &str,
    entry: &Entry,
) -> Result<String, Diagnostic> {
    if entry.kind == ValueKind::Literal {
        return Ok(entry.value.clone());
    }
    let mut out = String::with_capacity(entry.value.len());
    expand(doc, section, key, entry, &entry.value, 1, &mut out)?;
    Ok(out)
}

fn expand(
    doc: &IniDocument,
    section: &str,
    key: &str,
    top: &Entry,
    mut rest: &str,
    depth: usize,
    out: &mut String,
) -> Result<(), Diagnostic> {
    let error = |kind: Kind, message: String| {
        let mut d = Diagnostic::new(kind, message)
            .in_file(doc.path())
            .for_key(section, key);
        if let Some(line) = top.origin.line() {
            d = d.at_line(line).at_column(1);
            if let Some(text) = doc.line_text(line) {
                d = d.with_snippet(text);
            }
        }
        d
    };
    if depth > MAX_INTERPOLATION_DEPTH {
        return Err(error(
            Kind::InterpolationDepth,
            format!(
                "`{key}` in [{section}] nests %(...)s references more than {MAX_INTERPOLATION_DEPTH} deep; \
                 a key probably refers to itself through others"
            ),
        ));
    }
    while let Some(p) = rest.find('%') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        if let Some(after) = rest.strip_prefix("%%") {
            out.push('%');
            rest = after;
        } else if rest[1..].starts_with('(') {
            let reference = rest[2..]
                .find(')')
                .filter(|close| *close > 0 && rest[2 + close + 1..].starts_with('s'))
                .map(|close| (&rest[2..2 + close], 2 + close + 2));
            let Some((name, end)) = reference else {
                return Err(error(
                    Kind::InterpolationSyntax,
                    format!(
                        "bad interpolation in `{key}`: a reference is written %(name)s; \
                         write %% for a literal percent sign"
                    ),
                ));
            };
            rest = &rest[end..];
            let name = name.to_lowercase();
            let Some(target) = doc.entry(section, &name) else {
                let known = doc.keys(section);
                let mut d = error(
                    Kind::InterpolationMissingOption,
                    format!(
                        "`{key}` refers to %({name})s, but neither [{section}] nor [DEFAULT] has a key `{name}`"
                    ),
                );
                if let Some(s) = suggest(&name, known.iter().copied()) {
                    d = d.suggest(format!("%({s})s"));
                }
                return Err(d);
            };
            if target.kind == ValueKind::Raw && target.value.contains('%') {
                expand(doc, section, key, top, &target.value, depth + 1, out)?;
            } else {
                out.push_str(&target.value);
            }
            if out.len() > MAX_INTERPOLATED_LEN {
                return Err(error(
                    Kind::InterpolationSize,
                    format!(
                        "`{key}` in [{section}] expands to more than {} MiB through %(...)s references; \
                         a key probably refers to another several times over",
                        MAX_INTERPOLATED_LEN >> 20
                    ),
                ));
            }
        } else {
            return Err(error(
                Kind::InterpolationSyntax,
                format!(
                    "a lone `%` in the value of `{key}`: write %% for a literal percent sign, \
                     or %(name)s to insert another key"
                ),
            ));
        }
    }
    out.push_str(rest);
    Ok(())
}
