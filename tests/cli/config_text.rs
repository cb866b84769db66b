//! `cargo-schema config` for people: the tables on stdout, and each problem
//! on stderr with the offending line underlined.

use crate::support::Project;

const GOOD: &str = "\
[DEFAULT]
region = eu

[schema]
script_location = %(here)s/migrations
diesel.url = postgres://app@db.internal/prod
diesel.pool_size = 12
diesel.echo = yes
motd = first
    second

[loggers]
keys = root
";

const BAD: &str = "\
[schema]
script_location = %(here)s/migrations
diesel.url = postgres://app@db/prod
diesel.pool_sise = 5
diesel.echo: loud
diesel.poolclass = NulPool
log_dir = %(scrpt_location)s/logs
";

/// The text report with the temporary folder as `[TMP]` and column padding
/// collapsed: the folder's length would otherwise change the padding.
/// [`columns_are_aligned`] checks the padding itself.
fn normalised(project: &Project, text: &str) -> String {
    project
        .redact(text)
        .lines()
        .map(|line| {
            let mut out = String::new();
            for (i, cell) in line.split("  ").filter(|c| !c.is_empty()).enumerate() {
                if i > 0 {
                    out.push_str("  ");
                }
                out.push_str(cell.trim());
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn text_report() {
    let p = Project::with_ini(GOOD);
    let out = p.config_text(&[]).run();
    out.code(0);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!("text_report", normalised(&p, &out.stdout));
}

#[test]
fn columns_are_aligned() {
    let p = Project::with_ini(GOOD);
    let out = p.config_text(&[]).run();
    out.code(0);
    for table in out.stdout.split("\n\n").skip(1) {
        let rows: Vec<&str> = table.lines().collect();
        let header = rows[0];
        let source_at = header
            .find("SOURCE")
            .unwrap_or_else(|| panic!("no SOURCE column in {header:?}"));
        let value_at = header.find("VALUE").expect("a VALUE column");
        for row in &rows[1..] {
            let chars: Vec<char> = row.chars().collect();
            let header_chars = header[..source_at].chars().count();
            assert!(
                chars.len() > header_chars
                    && chars[header_chars - 1] == ' '
                    && chars[header_chars] != ' ',
                "SOURCE column not aligned in {row:?} (table:\n{table})"
            );
            let value_chars = header[..value_at].chars().count();
            assert!(
                chars[value_chars - 1] == ' ' && chars[value_chars] != ' ',
                "VALUE column not aligned in {row:?}"
            );
        }
    }
}

#[test]
fn header_lines() {
    let p = Project::with_ini(GOOD);
    let out = p.config_text(&["--section", "nope"]).run();
    // A missing section is a problem, reported on stderr.
    out.code(2);
    let head: Vec<&str> = out.stdout.lines().take(4).collect();
    assert_eq!(
        head,
        [
            format!("file          {}/schema.ini", p.path().display()).as_str(),
            "main section  [schema]",
            "section       [nope] (missing)",
            "prefix        diesel.",
        ]
    );
    assert!(
        out.stderr.contains("error[missing_section]"),
        "{}",
        out.stderr
    );
}

#[test]
fn diagnostics_on_stderr() {
    let p = Project::with_ini(BAD);
    let out = p.config_text(&[]).run();
    out.code(2);
    // The report still prints; problems go to stderr only.
    assert!(out.stdout.starts_with("file "), "{}", out.stdout);
    assert!(!out.stdout.contains("error["), "{}", out.stdout);
    assert!(out.stdout.contains("<error: interpolation_missing_option>"));
    insta::assert_snapshot!("diagnostics_on_stderr", out.stderr);
}

#[test]
fn the_key_is_underlined_with_a_suggestion() {
    let p = Project::with_ini(BAD);
    let out = p.config_text(&[]).run();
    out.code(2);
    let expected = "\
error[unknown_option]: `diesel.pool_sise` is not an engine option; known options: url, echo, pool_size, max_overflow, pool_timeout, pool_recycle, pool_pre_ping, poolclass, isolation_level, connect_args.*
 --> schema.ini:4:1
  |
4 | diesel.pool_sise = 5
  | ^^^^^^^^^^^^^^^^ did you mean `diesel.pool_size`?
";
    assert!(
        out.stderr.contains(expected),
        "expected\n{expected}\nin\n{}",
        out.stderr
    );
    // A `:` delimiter ends the key too.
    assert!(
        out.stderr
            .contains("5 | diesel.echo: loud\n  | ^^^^^^^^^^^"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `%(script_location)s`?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with("4 problems in the configuration\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_missing_section_suggests_the_near_one() {
    let p = Project::with_ini(
        "[schema]\ndiesel.url = sqlite://a.db\n[production]\ndiesel.url = sqlite://p.db\n",
    );
    let out = p.config_text(&["-n", "productoin"]).run();
    out.code(2);
    assert!(
        out.stderr.contains("error[missing_section]"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("= help: did you mean `production`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_unreadable_file_prints_only_diagnostics() {
    let p = Project::with_ini("[schema]\ndiesel.url = sqlite://a.db\n  \nnot a pair\n");
    let out = p.config_text(&[]).run();
    out.code(2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("error[parse]: not a `key = value` line, a [section] header or a comment"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(" --> schema.ini:4:1\n  |\n4 | not a pair\n  | ^^^^^^^^^^"),
        "{}",
        out.stderr
    );
}

#[test]
fn continuation_lines_show_on_one_row() {
    let p = Project::with_ini(GOOD);
    let out = p.config_text(&[]).run();
    out.code(0);
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("motd "))
        .expect("a motd row");
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["motd", "first⏎second", "schema.ini:9"]
    );
}
