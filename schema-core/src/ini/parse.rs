//! Reading ini text the way Python's `configparser.ConfigParser` does with
//! the settings Alembic uses (delimiters `=` and `:`, full-line `#`/`;`
//! comments, no inline comments, strict, empty lines kept in values).
//!
//! Why not rust-ini: it strips inline `;`/`#` comments, treats `\` as an
//! escape, keeps no line numbers and merges duplicate keys, so the same file
//! would read differently from Alembic (a password containing `;` or `#`
//! would be cut short). This reader follows `RawConfigParser._read` rule by
//! rule; the tests in `ini/tests.rs` name each rule.

use std::collections::HashMap;
use std::path::Path;

use indexmap::map::Entry as MapEntry;

use super::{Entry, IniDocument, Origin, SectionData, DEFAULT_SECTION};
use crate::diag::{Diagnostic, Kind};

/// Python's `str.isspace`, which `str.strip` and the `\S` of configparser's
/// indentation check use; it also counts the ASCII separators 0x1C..0x1F.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Lines as Python's universal-newline text mode yields them: `\n`, `\r\n`
/// and a lone `\r` all end a line.
pub(super) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\n', '\r']) {
            Some(i) => {
                let skip = if current[i..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&current[i + skip..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                (!current.is_empty()).then_some(current)
            }
        }
    })
}

/// An option whose value lines are still being collected.
struct OpenValue {
    section: Option<String>, // None = DEFAULT
    key: String,
    lines: Vec<String>,
    first_line: usize,
    last_line: usize,
}

pub(super) fn parse(path: &Path, text: &str) -> Result<IniDocument, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut doc = IniDocument::empty(path);
    let mut errors = Vec::new();
    let err = |kind: Kind, lineno: usize, line: &str, message: String| {
        Diagnostic::new(kind, message)
            .in_file(path)
            .at_line(lineno)
            .at_column(1)
            .with_snippet(line)
    };

    // `None` before the first header; `Some(None)` in [DEFAULT].
    let mut current: Option<Option<String>> = None;
    let mut open: Option<OpenValue> = None;
    let mut indent_level = 0usize;
    // Line of the first key-less option line per section: configparser
    // records it under the key "" (besides reporting it), so a second one
    // in the same section is a duplicate option.
    let mut empty_keys: HashMap<Option<String>, usize> = HashMap::new();

    for (index, line) in lines(text).enumerate() {
        let lineno = index + 1;
        let stripped = py_strip(line);
        let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
        if stripped.is_empty() || is_comment {
            // configparser keeps blank lines inside a value (trailing ones
            // are dropped when the value is joined) but a comment line
            // neither ends the value nor becomes part of it.
            if !is_comment {
                if let Some(value) = open.as_mut() {
                    value.lines.push(String::new());
                }
            }
            continue;
        }
        let cur_indent = line.chars().take_while(|c| is_py_space(*c)).count();
        if let Some(value) = open.as_mut().filter(|_| cur_indent > indent_level) {
            value.lines.push(stripped.to_owned());
            value.last_line = lineno;
            continue;
        }
        indent_level = cur_indent;
        // Only a header or an option line ends the open value: after a line
        // that is neither (reported below), configparser still appends
        // deeper-indented and blank lines to the value above.
        if section_header(stripped).is_some() || option_line(stripped).is_some() {
            close_value(&mut doc, open.take());
        }

        if let Some(header) = section_header(stripped) {
            if header == DEFAULT_SECTION {
                // A second [DEFAULT] header is allowed: configparser
                // only rejects repeated *named* sections.
                current = Some(None);
            } else if doc.sections.contains_key(header) {
                let first = doc.sections[header].header_line.unwrap_or(0);
                errors.push(
                    err(
                        Kind::DuplicateSection,
                        lineno,
                        line,
                        format!("section [{header}] already exists (first at line {first}); merge the two sections"),
                    )
                    .for_section(header),
                );
                current = Some(Some(header.to_owned()));
            } else {
                doc.sections.insert(
                    header.to_owned(),
                    SectionData {
                        header_line: Some(lineno),
                        entries: Default::default(),
                    },
                );
                current = Some(Some(header.to_owned()));
            }
            continue;
        }

        let Some(section) = current.clone() else {
            errors.push(err(
                Kind::MissingSectionHeader,
                lineno,
                line,
                "this line comes before any [section] header; start the file with a header such as [schema]"
                    .to_owned(),
            ));
            // configparser stops here: nothing after a missing header has a
            // section to belong to.
            return Err(errors);
        };

        match option_line(stripped) {
            Some((key, value)) if !key.is_empty() => {
                let key = key.to_lowercase();
                let section_name = section.as_deref().unwrap_or(DEFAULT_SECTION);
                let data = doc.section_data_mut(section.as_deref());
                match data.entries.get(&key) {
                    Some(existing) if existing.origin.is_file() => {
                        let first = existing.origin.line().unwrap_or(0);
                        errors.push(
                            err(
                                Kind::DuplicateOption,
                                lineno,
                                line,
                                format!("key `{key}` appears twice in [{section_name}] (first at line {first}); keep one"),
                            )
                            .at_column(cur_indent + 1)
                            .for_key(section_name, &key),
                        );
                        continue;
                    }
                    _ => {}
                }
                open = Some(OpenValue {
                    section,
                    key,
                    lines: vec![value.to_owned()],
                    first_line: lineno,
                    last_line: lineno,
                });
            }
            Some(_) => {
                errors.push(err(
                    Kind::Parse,
                    lineno,
                    line,
                    "a `=` or `:` with no key before it; write `key = value`".to_owned(),
                ));
                let section_name = section.as_deref().unwrap_or(DEFAULT_SECTION).to_owned();
                if let Some(first) = empty_keys.get(&section) {
                    errors.push(
                        err(
                            Kind::DuplicateOption,
                            lineno,
                            line,
                            format!("a second `=` or `:` with no key before it in [{section_name}] (first at line {first}); write `key = value`"),
                        )
                        .at_column(cur_indent + 1)
                        .for_key(&section_name, ""),
                    );
                } else {
                    empty_keys.insert(section, lineno);
                }
            }
            None => errors.push(err(
                Kind::Parse,
                lineno,
                line,
                "not a `key = value` line, a [section] header or a comment; indent it to continue the value above, or start it with `#` to comment it out".to_owned(),
            )),
        }
    }
    close_value(&mut doc, open.take());

    // configparser raises a duplicate section or key at once but reports
    // lines that do not parse only at the end of the file, so the error it
    // raises, and the one to show first, is the first duplicate if any.
    if let Some(i) = errors.iter().position(|d| d.kind != Kind::Parse) {
        let first = errors.remove(i);
        errors.insert(0, first);
    }

    if errors.is_empty() {
        Ok(doc)
    } else {
        Err(errors)
    }
}

fn close_value(doc: &mut IniDocument, open: Option<OpenValue>) {
    let Some(open) = open else { return };
    // Python: '\n'.join(lines).rstrip() — trailing blank lines go, inner
    // blank lines stay.
    let joined = open.lines.join("\n");
    let value = joined.trim_end_matches(is_py_space).to_owned();
    let data = doc.section_data_mut(open.section.as_deref());
    data.entries.insert(
        open.key,
        Entry::raw(
            value,
            Origin::File {
                line: open.first_line,
                end_line: open.last_line,
            },
        ),
    );
}

/// configparser's `\[(?P<header>.+)\]` matched at the start of the stripped
/// line: the header runs to the *last* `]`, and text after it is ignored.
fn section_header(stripped: &str) -> Option<&str> {
    let body = stripped.strip_prefix('[')?;
    let close = body.rfind(']')?;
    (close > 0).then(|| &body[..close])
}

/// configparser's `(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$`: the key
/// ends at the first `=` or `:`, whichever comes first.
fn option_line(stripped: &str) -> Option<(&str, &str)> {
    let delim = stripped.find(['=', ':'])?;
    let key = stripped[..delim].trim_end_matches(is_py_space);
    let value = py_strip(&stripped[delim + 1..]);
    Some((key, value))
}

impl Origin {
    fn is_file(&self) -> bool {
        matches!(self, Origin::File { .. })
    }
}

impl IniDocument {
    pub(super) fn section_data_mut(&mut self, section: Option<&str>) -> &mut SectionData {
        match section {
            None => &mut self.defaults,
            Some(name) => match self.sections.entry(name.to_owned()) {
                MapEntry::Occupied(e) => e.into_mut(),
                MapEntry::Vacant(e) => e.insert(SectionData::default()),
            },
        }
    }
}
