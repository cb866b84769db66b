//! The user guide (`docs/src`) and the README cannot rot:
//!
//! - every ```` ```console ```` session is run, command by command, in a
//!   fresh folder (one per page, so a page's sessions build on each other)
//!   and what each command prints (stdout and stderr, in order) and its
//!   exit code are compared with the page, after redacting what changes
//!   from run to run (revision ids, folder timestamps, durations, the
//!   folder itself);
//! - every relative link and `#anchor` resolves;
//! - every code block says its language (rustdoc compiles an unlabelled one
//!   as Rust), and a Rust block that is not compiled says why;
//! - the troubleshooting page lists every error kind the code defines.
//!
//! The session format is trycmd's: `$ command` lines, each followed by its
//! output; `...` on a line of its own stands for any number of lines, `[..]`
//! for any text within a line, and a last line `? N` for an exit code
//! other than 0. A command may span lines as a heredoc (`<<'EOF'`). In the
//! output, `~` is the session's folder. `cargo schema` runs the binary
//! under test; every other command runs as bash runs it.
//!
//! `SCHEMA_DOCS_OVERWRITE=1` writes what the commands printed back into the
//! pages (as trycmd's `TRYCMD=overwrite`), for a reviewer to read as a diff.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;

use crate::support::{bin, cache_dir};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_owned()
}

/// README.md and every page of the guide, as (path relative to the root,
/// text).
fn pages() -> Vec<(String, String)> {
    let root = root();
    let mut names = vec!["README.md".to_owned()];
    let mut guide: Vec<String> = std::fs::read_dir(root.join("docs/src"))
        .expect("read docs/src")
        .map(|e| e.expect("a docs/src entry").file_name())
        .filter_map(|n| n.to_str().map(str::to_owned))
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/src/{n}"))
        .collect();
    guide.sort();
    names.extend(guide);
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join(&name))
                .unwrap_or_else(|e| panic!("read {name}: {e}"));
            (name, text)
        })
        .collect()
}

/// A fenced code block: its info string, its first line's number (1-based,
/// of the opening fence) and its lines.
struct Block {
    info: String,
    line: usize,
    lines: Vec<String>,
}

/// The fenced code blocks of a Markdown text (``` fences, as the guide
/// writes them; indented ones included).
fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(String, Block)> = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let indent = line[..line.len() - trimmed.len()].to_owned();
                    open = Some((
                        indent,
                        Block {
                            info: info.trim().to_owned(),
                            line: n + 1,
                            lines: Vec::new(),
                        },
                    ));
                }
            }
            Some((indent, block)) => {
                if trimmed.starts_with("```") {
                    out.push(open.take().expect("an open block").1);
                } else {
                    let text = line.strip_prefix(indent.as_str()).unwrap_or(line);
                    block.lines.push(text.to_owned());
                }
            }
        }
    }
    assert!(open.is_none(), "a code block is not closed");
    out
}

/// One command of a session and what the page says it prints.
struct Step {
    command: String,
    expected: Vec<String>,
    code: i32,
    /// The page's line of the `$` line.
    line: usize,
}

fn steps(block: &Block) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let mut heredoc: Option<String> = None;
    for (i, line) in block.lines.iter().enumerate() {
        if let Some(end) = &heredoc {
            let step = out.last_mut().expect("a heredoc belongs to a command");
            step.command.push('\n');
            step.command.push_str(line);
            if line == end {
                heredoc = None;
            }
        } else if let Some(command) = line.strip_prefix("$ ") {
            if let Some((_, end)) = command.split_once("<<") {
                heredoc = Some(end.trim().trim_matches('\'').trim_matches('"').to_owned());
            }
            out.push(Step {
                command: command.to_owned(),
                expected: Vec::new(),
                code: 0,
                line: block.line + 1 + i,
            });
        } else {
            let step = out.last_mut().unwrap_or_else(|| {
                panic!("line {}: output before any `$ command`", block.line + 1 + i)
            });
            match line.strip_prefix("? ") {
                Some(code) => step.code = code.parse().expect("`? N` holds an exit code"),
                None => step.expected.push(line.clone()),
            }
        }
    }
    out
}

/// What changes from run to run, the same on both sides.
fn redact(line: &str) -> String {
    static RULES: std::sync::OnceLock<Vec<(Regex, &'static str)>> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            // A folder's version: 2026-12-07-101500-0000.
            (r"\d{4}-\d{2}-\d{2}-\d{6}-[0-9a-f]{4}", "[VERSION]"),
            (r"\b\d{14}\b", "[VERSION]"),
            (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", "[DATE]"),
            (r"\b[0-9a-f]{12}\b", "[REV]"),
            (r"\b\d+(\.\d+)? ?(s|ms|µs)\b", "[TIME]"),
        ]
        .into_iter()
        .map(|(re, to)| (Regex::new(re).expect("a redaction"), to))
        .collect()
    });
    // Columns are padded to the longest value, and the folder's path
    // (shown as `~`) has another length on every machine.
    static SPACES: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let spaces = SPACES.get_or_init(|| Regex::new(r"(\S)  +").expect("the spaces pattern"));
    let mut out = spaces.replace_all(line.trim_end(), "$1  ").into_owned();
    for (re, to) in rules {
        out = re.replace_all(&out, *to).into_owned();
    }
    out
}

/// Whether `actual` matches `expected` (`...` lines, `[..]` in a line).
fn matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && matches(rest, more)),
    }
}

fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split("[..]").collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let mut rest = match actual.strip_prefix(parts[0]) {
        Some(rest) => rest,
        None => return false,
    };
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate().skip(1) {
        if i == last {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// A page's sessions, run in one fresh folder; returns the mismatches and,
/// for `SCHEMA_DOCS_OVERWRITE`, the page with what was printed.
fn run_page(name: &str, text: &str) -> (Vec<String>, String) {
    let sessions: Vec<Block> = blocks(text)
        .into_iter()
        .filter(|b| b.info == "console")
        .collect();
    let mut failures = Vec::new();
    let mut page_lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if sessions.is_empty() {
        return (failures, text.to_owned());
    }
    let dir = tempfile::Builder::new()
        .prefix("cargo-schema-guide")
        .tempdir()
        .expect("a session folder");
    let home = dir.path().canonicalize().expect("canonical session folder");
    let mut cwd = home.clone();
    // Replacements for SCHEMA_DOCS_OVERWRITE, from the last line up so
    // that line numbers hold.
    let mut rewrites: Vec<(usize, usize, Vec<String>)> = Vec::new();
    for block in &sessions {
        for step in steps(block) {
            let (code, printed, after) = run_step(&step.command, &cwd, &home);
            cwd = after;
            let printed: Vec<String> = printed
                .lines()
                .map(|l| l.replace(&home.display().to_string(), "~"))
                .collect();
            let actual: Vec<String> = printed.iter().map(|l| redact(l)).collect();
            let expected: Vec<String> = step.expected.iter().map(|l| redact(l)).collect();
            if code != step.code || !matches(&expected, &actual) {
                failures.push(format!(
                    "{name}:{}: `{}` exited {code} (page: {}) and printed:\n{}\n--- the page says:\n{}",
                    step.line,
                    step.command.lines().next().unwrap_or_default(),
                    step.code,
                    printed.join("\n"),
                    step.expected.join("\n")
                ));
            }
            let heredoc_lines = step.command.lines().count() - 1;
            let first = step.line + heredoc_lines; // 0-based index of the first output line
            let mut new = printed.clone();
            if code != 0 {
                new.push(format!("? {code}"));
            }
            let old_len = step.expected.len() + usize::from(step.code != 0);
            rewrites.push((first, old_len, new));
        }
    }
    for (first, len, new) in rewrites.into_iter().rev() {
        page_lines.splice(first..first + len, new);
    }
    let mut rewritten = page_lines.join("\n");
    rewritten.push('\n');
    (failures, rewritten)
}

/// Run one command with bash in `cwd`: `cargo schema` is the binary under
/// test. Returns the exit code, stdout and stderr as one stream, and the
/// folder the command left the shell in (for `cd`).
fn run_step(command: &str, cwd: &Path, home: &Path) -> (i32, String, PathBuf) {
    let pwd_file = home.join(".guide-pwd");
    let script = format!(
        "cargo() {{ if [ \"$1\" = schema ]; then \"$SCHEMA_BIN\" \"$@\"; else command cargo \"$@\"; fi; }}\n\
         exec 2>&1\n\
         {command}\n\
         status=$?\n\
         pwd > \"$GUIDE_PWD\"\n\
         exit $status\n"
    );
    let mut child = Command::new("bash");
    child.arg("-c").arg(script).current_dir(cwd).env_clear();
    for var in [
        "PATH",
        "HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
    ] {
        if let Some(value) = std::env::var_os(var) {
            child.env(var, value);
        }
    }
    child
        .env("SCHEMA_BIN", bin())
        .env("GUIDE_PWD", &pwd_file)
        .env("CARGO_SCHEMA_CACHE_DIR", cache_dir())
        // `cargo new` in a session: no network, no git identity needed.
        .env("CARGO_NET_OFFLINE", "true");
    let output = child.output().expect("run bash");
    let text = String::from_utf8(output.stdout).expect("UTF-8 output");
    assert!(!text.contains("panicked"), "`{command}` panicked:\n{text}");
    let after = std::fs::read_to_string(&pwd_file)
        .map(|p| PathBuf::from(p.trim_end()))
        .unwrap_or_else(|_| cwd.to_owned());
    let _ = std::fs::remove_file(&pwd_file);
    (output.status.code().unwrap_or(-1), text, after)
}

#[test]
fn every_console_session_prints_what_the_page_says() {
    let overwrite = std::env::var_os("SCHEMA_DOCS_OVERWRITE").is_some();
    let mut failures = Vec::new();
    let mut ran = 0;
    for (name, text) in pages() {
        ran += blocks(&text).iter().filter(|b| b.info == "console").count();
        let (mut page_failures, rewritten) = run_page(&name, &text);
        if overwrite && rewritten != text {
            std::fs::write(root().join(&name), rewritten).expect("rewrite a page");
        }
        failures.append(&mut page_failures);
    }
    // The README's quickstart and both getting-started pages at least.
    assert!(ran >= 5, "only {ran} console sessions found");
    assert!(
        failures.is_empty(),
        "{} session step(s) differ from the pages (SCHEMA_DOCS_OVERWRITE=1 rewrites them):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The anchor mdBook and GitHub give a heading: lower case, spaces to
/// `-`, everything but letters, digits, `-` and `_` dropped.
fn anchor(heading: &str) -> String {
    let text = heading.trim().replace('`', "");
    text.chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// The anchors of a page's headings (outside code blocks).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        } else if !fence && line.starts_with('#') {
            out.insert(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

/// The Markdown links `[text](target)` of a page, outside code blocks and
/// code spans, with their line numbers.
fn links(text: &str) -> Vec<(usize, String)> {
    let link = Regex::new(r"\]\(([^)\s]+)\)").expect("the link pattern");
    let span = Regex::new(r"`[^`]*`").expect("the code span pattern");
    let mut out = Vec::new();
    let mut fence = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        let line = span.replace_all(line, "``");
        for c in link.captures_iter(&line) {
            out.push((n + 1, c[1].to_owned()));
        }
    }
    out
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let root = root();
    let pages = pages();
    let by_path: BTreeMap<PathBuf, &str> = pages
        .iter()
        .map(|(name, text)| (root.join(name), text.as_str()))
        .collect();
    let mut broken = Vec::new();
    let mut checked = 0;
    for (name, text) in &pages {
        for (line, target) in links(text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, fragment) = match target.split_once('#') {
                Some((file, fragment)) => (file, Some(fragment)),
                None => (target.as_str(), None),
            };
            let page = root.join(name);
            let path = if file.is_empty() {
                page.clone()
            } else {
                page.parent().expect("a page's folder").join(file)
            };
            let Ok(path) = path.canonicalize() else {
                broken.push(format!("{name}:{line}: {target}: no such file"));
                continue;
            };
            // mdBook renders a link out of docs/src as a broken .html link.
            if name.starts_with("docs/src/") && !path.starts_with(root.join("docs/src")) {
                broken.push(format!(
                    "{name}:{line}: {target}: outside the book (mdBook cannot link it)"
                ));
            }
            if let Some(fragment) = fragment {
                let text = by_path
                    .get(&path)
                    .copied()
                    .map(str::to_owned)
                    .or_else(|| std::fs::read_to_string(&path).ok());
                if !text.is_some_and(|t| anchors(&t).contains(fragment)) {
                    broken.push(format!("{name}:{line}: {target}: no heading #{fragment}"));
                }
            }
        }
    }
    assert!(checked > 30, "only {checked} links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_code_block_names_its_language_and_rust_blocks_compile_or_say_why() {
    let mut problems = Vec::new();
    for (name, text) in pages() {
        let lines: Vec<&str> = text.lines().collect();
        for block in blocks(&text) {
            let lang = block.info.split(',').next().unwrap_or_default();
            if lang.is_empty() {
                problems.push(format!(
                    "{name}:{}: a code block without a language (rustdoc would compile it as Rust; `text` if it is none)",
                    block.line
                ));
            }
            let skipped = block
                .info
                .split(',')
                .any(|a| matches!(a, "ignore" | "compile_fail"));
            if lang == "rust" && skipped {
                // The reason is the HTML comment right above the block.
                let above = block.line.checked_sub(2).and_then(|i| lines.get(i));
                if !above.is_some_and(|l| l.trim_start().starts_with("<!-- not compiled:")) {
                    problems.push(format!(
                        "{name}:{}: a Rust block that is not compiled needs `<!-- not compiled: why -->` above it",
                        block.line
                    ));
                }
            }
            if matches!(lang, "sh" | "bash" | "shell")
                && block
                    .lines
                    .iter()
                    .any(|l| l.trim_start().starts_with("#   "))
            {
                problems.push(format!(
                    "{name}:{}: a shell block that shows output: make it a `console` session, which is run",
                    block.line
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The snake_case names in `=> "name"` arms of `source` between `start`
/// and the first line after it that is `end`.
fn kinds(source: &str, start: &str, end: &str) -> Vec<String> {
    let from = source.find(start).expect("the kind function");
    let body = &source[from..];
    let body = &body[..body.find(end).expect("its end")];
    Regex::new(r#"=> "([a-z_]+)""#)
        .expect("the arm pattern")
        .captures_iter(body)
        .map(|c| c[1].to_owned())
        .collect()
}

#[test]
fn troubleshooting_lists_every_error_kind() {
    let page = std::fs::read_to_string(root().join("docs/src/troubleshooting.md"))
        .expect("read troubleshooting.md");
    let mut all = kinds(
        include_str!("../../schema-core/src/diag.rs"),
        "pub fn as_str(self)",
        "\n    }\n}",
    );
    all.extend(kinds(
        include_str!("../../schema-core/src/migrations/error.rs"),
        "pub fn kind(&self)",
        "\n    }\n",
    ));
    assert!(all.len() > 50, "found only {} kinds", all.len());
    let missing: Vec<&String> = all
        .iter()
        .filter(|k| !page.contains(&format!("### `{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/src/troubleshooting.md has no `### `kind`` section for: {missing:?}"
    );
}

#[test]
fn every_page_is_compiled_by_the_doctests_and_listed_in_the_book() {
    let harness = include_str!("../../test-support/src/lib.rs");
    let summary =
        std::fs::read_to_string(root().join("docs/src/SUMMARY.md")).expect("read SUMMARY.md");
    for (name, _) in pages() {
        if name == "docs/src/SUMMARY.md" {
            continue;
        }
        assert!(
            harness.contains(&format!("\"{name}\"")),
            "{name} is not in schema-test-support's `guide` doctests"
        );
        if let Some(page) = name.strip_prefix("docs/src/") {
            assert!(
                summary.contains(&format!("({page})")),
                "{page} is not in SUMMARY.md"
            );
        }
    }
}
