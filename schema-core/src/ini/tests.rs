//! One test per configparser rule the reader follows (README's table).

use std::path::Path;

use super::IniDocument;
use crate::config::Config;
use crate::diag::Kind;

const PATH: &str = "/proj/schema.ini";

fn doc(text: &str) -> IniDocument {
    IniDocument::parse(Path::new(PATH), text).unwrap_or_else(|e| panic!("{e}"))
}

fn get(text: &str, section: &str, key: &str) -> Option<String> {
    doc(text)
        .get(section, key)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> (Kind, Option<usize>) {
    let e = IniDocument::parse(Path::new(PATH), text).expect_err("should fail");
    (e.kind(), e.primary().line)
}

fn read_error(text: &str, section: &str, key: &str) -> (Kind, Option<usize>) {
    let d = doc(text).get(section, key).expect_err("should fail");
    (d.kind, d.line)
}

#[test]
fn here_is_the_files_absolute_directory_in_every_section() {
    let text = "[a]\nx = %(here)s/m\n[b]\ny = %(here)s\n";
    assert_eq!(get(text, "a", "x").as_deref(), Some("/proj/m"));
    assert_eq!(get(text, "b", "y").as_deref(), Some("/proj"));
}

#[test]
fn here_is_listed_by_get_section_first() {
    let config = Config::from_str_at(PATH, "[schema]\nb = 1\n", None).unwrap();
    let section = config.get_section("schema").unwrap().unwrap();
    assert_eq!(section.keys().collect::<Vec<_>>(), ["here", "b"]);
    assert_eq!(section["here"], "/proj");
}

#[test]
fn interpolation_reads_the_same_section_then_default() {
    let text = "[DEFAULT]\nhost = d\nport = 1\n[s]\nhost = s\nurl = %(host)s:%(port)s\n";
    assert_eq!(get(text, "s", "url").as_deref(), Some("s:1"));
}

#[test]
fn interpolation_chains_and_names_are_case_insensitive() {
    let text = "[s]\na = %(B)s!\nb = %(c)s-%(c)s\nc = x\n";
    assert_eq!(get(text, "s", "a").as_deref(), Some("x-x!"));
}

#[test]
fn default_values_interpolate_against_the_reading_section() {
    let text = "[DEFAULT]\nurl = db/%(name)s\n[one]\nname = a\n[two]\nname = b\n";
    assert_eq!(get(text, "one", "url").as_deref(), Some("db/a"));
    assert_eq!(get(text, "two", "url").as_deref(), Some("db/b"));
}

#[test]
fn interpolation_depth_is_limited() {
    assert_eq!(
        read_error("[s]\na = %(a)s\n", "s", "a"),
        (Kind::InterpolationDepth, Some(2))
    );
    // Ten levels of nesting are fine, eleven are not, as in configparser
    // (k10 reads as `end` and ten percent signs there too).
    let mut text = "[s]\nk0 = end\n".to_owned();
    for i in 1..=11 {
        text.push_str(&format!("k{i} = %(k{})s%%\n", i - 1));
    }
    assert_eq!(
        get(&text, "s", "k10"),
        Some(format!("end{}", "%".repeat(10)))
    );
    assert_eq!(read_error(&text, "s", "k11").0, Kind::InterpolationDepth);
}

#[test]
fn double_percent_is_a_literal_percent() {
    assert_eq!(get("[s]\np = 100%%\n", "s", "p").as_deref(), Some("100%"));
}

#[test]
fn lone_percent_is_an_error_when_read() {
    let text = "[s]\nok = 1\np = 50% off\n";
    assert_eq!(get(text, "s", "ok").as_deref(), Some("1"));
    assert_eq!(
        read_error(text, "s", "p"),
        (Kind::InterpolationSyntax, Some(3))
    );
    assert_eq!(
        read_error("[s]\np = %(unclosed\n", "s", "p").0,
        Kind::InterpolationSyntax
    );
    assert_eq!(
        read_error("[s]\np = %(x)d\n", "s", "p").0,
        Kind::InterpolationSyntax
    );
}

#[test]
fn missing_reference_names_the_key_and_suggests() {
    let d = doc("[s]\nhost = h\nurl = %(hots)s\n")
        .get("s", "url")
        .unwrap_err();
    assert_eq!(
        (d.kind, d.line),
        (Kind::InterpolationMissingOption, Some(3))
    );
    assert_eq!(d.key.as_deref(), Some("url"));
    assert_eq!(d.suggestion.as_deref(), Some("%(host)s"));
}

#[test]
fn default_keys_are_inherited_by_every_section() {
    let text = "[DEFAULT]\nshared = yes\n[a]\n[b]\nshared = no\n";
    assert_eq!(get(text, "a", "shared").as_deref(), Some("yes"));
    assert_eq!(get(text, "b", "shared").as_deref(), Some("no"));
}

#[test]
fn keys_are_lower_cased_sections_are_not() {
    let d = doc("[Schema]\nDiesel.URL = x\n");
    assert!(d.has_section("Schema"));
    assert!(!d.has_section("schema"));
    assert_eq!(d.get("Schema", "diesel.url").unwrap().as_deref(), Some("x"));
    assert_eq!(d.get("Schema", "DIESEL.url").unwrap().as_deref(), Some("x"));
}

#[test]
fn equals_and_colon_delimit_whichever_comes_first() {
    let text = "[s]\na = 1\nb: 2\nc: x=y\nd = http://h\n";
    assert_eq!(get(text, "s", "a").as_deref(), Some("1"));
    assert_eq!(get(text, "s", "b").as_deref(), Some("2"));
    assert_eq!(get(text, "s", "c").as_deref(), Some("x=y"));
    assert_eq!(get(text, "s", "d").as_deref(), Some("http://h"));
}

#[test]
fn full_line_comments_only() {
    let text = "# top\n[s]\n; one\n  # indented comment\na = 1 ; not a comment\nb = x # neither\n";
    assert_eq!(get(text, "s", "a").as_deref(), Some("1 ; not a comment"));
    assert_eq!(get(text, "s", "b").as_deref(), Some("x # neither"));
}

#[test]
fn continuation_lines_join_with_newlines_keeping_inner_blank_lines() {
    let text = "[s]\nv = one\n  two\n\n  three\n\n\nw = 1\n";
    assert_eq!(get(text, "s", "v").as_deref(), Some("one\ntwo\n\nthree"));
    assert_eq!(get(text, "s", "w").as_deref(), Some("1"));
}

#[test]
fn comment_inside_a_value_neither_ends_it_nor_joins_it() {
    let text = "[s]\nv = one\n# note\n  two\n";
    assert_eq!(get(text, "s", "v").as_deref(), Some("one\ntwo"));
}

#[test]
fn empty_first_line_of_a_continued_value_is_kept() {
    assert_eq!(
        get("[s]\nv =\n  a\n  b\n", "s", "v").as_deref(),
        Some("\na\nb")
    );
}

#[test]
fn continuation_is_relative_to_the_keys_indent() {
    let text = "[s]\n  a = 1\n  b = 2\n    c\n";
    assert_eq!(get(text, "s", "a").as_deref(), Some("1"));
    assert_eq!(get(text, "s", "b").as_deref(), Some("2\nc"));
}

#[test]
fn duplicate_key_is_an_error_naming_the_line() {
    assert_eq!(
        error("[s]\na = 1\nA = 2\n"),
        (Kind::DuplicateOption, Some(3))
    );
}

#[test]
fn duplicate_section_is_an_error_but_default_may_repeat() {
    assert_eq!(error("[s]\n[t]\n[s]\n"), (Kind::DuplicateSection, Some(3)));
    let d = doc("[DEFAULT]\na = 1\n[s]\n[DEFAULT]\nb = 2\n");
    assert_eq!(d.get("s", "b").unwrap().as_deref(), Some("2"));
}

#[test]
fn key_before_any_section_is_an_error() {
    assert_eq!(
        error("\n# c\na = 1\n[s]\n"),
        (Kind::MissingSectionHeader, Some(3))
    );
}

#[test]
fn line_without_delimiter_is_a_parse_error_and_all_are_reported() {
    let e = IniDocument::parse(Path::new(PATH), "[s]\nnot a pair\nok = 1\n= no key\n").unwrap_err();
    let found: Vec<_> = e.diagnostics().iter().map(|d| (d.kind, d.line)).collect();
    assert_eq!(found, [(Kind::Parse, Some(2)), (Kind::Parse, Some(4))]);
}

#[test]
fn section_header_runs_to_the_last_bracket() {
    let d = doc("[a]b] trailing\nk = v\n");
    assert_eq!(d.sections().collect::<Vec<_>>(), ["a]b"]);
}

#[test]
fn utf8_bom_is_skipped() {
    assert_eq!(get("\u{feff}[s]\na = 1\n", "s", "a").as_deref(), Some("1"));
}

#[test]
fn missing_file_is_an_error() {
    let e = IniDocument::read(Path::new("/nonexistent/dir/schema.ini")).unwrap_err();
    assert_eq!(e.kind(), Kind::NotFound);
}

#[test]
fn invalid_utf8_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.ini");
    std::fs::write(&path, b"[s]\na = 1\nb = \xff\n").unwrap();
    let e = IniDocument::read(&path).unwrap_err();
    assert_eq!((e.kind(), e.primary().line), (Kind::Encoding, Some(3)));
}

#[test]
fn crlf_and_lone_cr_end_lines() {
    let text = "[s]\r\na = 1\r\nb = 2\rc = 3";
    assert_eq!(get(text, "s", "b").as_deref(), Some("2"));
    assert_eq!(get(text, "s", "c").as_deref(), Some("3"));
}

#[test]
fn values_set_at_runtime_are_literal() {
    let mut config = Config::from_str_at(PATH, "[schema]\nref = %(diesel.url)s/x\n", None).unwrap();
    config.set_main_option("diesel.url", "postgres://u:p%ss@h/d");
    assert_eq!(
        config.get_main_option("diesel.url").unwrap().as_deref(),
        Some("postgres://u:p%ss@h/d")
    );
    // And a raw value that refers to it takes it as it is.
    assert_eq!(
        config.get_main_option("ref").unwrap().as_deref(),
        Some("postgres://u:p%ss@h/d/x")
    );
}

#[test]
fn main_section_falls_back_to_alembic() {
    let alembic = Config::from_str_at(PATH, "[alembic]\nscript_location = m\n", None).unwrap();
    assert_eq!(alembic.config_ini_section(), "alembic");
    let both = Config::from_str_at(PATH, "[alembic]\n[schema]\n", None).unwrap();
    assert_eq!(both.config_ini_section(), "schema");
    let named = Config::from_str_at(PATH, "[alembic]\n[production]\n", Some("production")).unwrap();
    assert_eq!(named.config_ini_section(), "production");
}

#[test]
fn get_section_of_a_missing_section_gives_the_default() {
    let config = Config::from_str_at(PATH, "[schema]\n", None).unwrap();
    assert_eq!(config.get_section("nope").unwrap(), None);
    let default: crate::Options = [("k".to_owned(), "v".to_owned())].into_iter().collect();
    assert_eq!(
        config.get_section_or("nope", default.clone()).unwrap(),
        default
    );
    // configparser does not count DEFAULT as a section.
    assert_eq!(config.get_section("DEFAULT").unwrap(), None);
}

#[test]
fn get_main_option_without_the_main_section_is_an_error() {
    let config = Config::from_str_at(PATH, "[other]\n", None).unwrap();
    assert_eq!(
        config.get_main_option("x").unwrap_err().kind(),
        Kind::MissingSection
    );
    assert_eq!(config.get_section_option("other", "x").unwrap(), None);
}

#[test]
fn set_section_option_creates_the_section_but_refuses_default() {
    let mut config = Config::from_str_at(PATH, "[schema]\n", None).unwrap();
    config.set_section_option("new", "k", "v").unwrap();
    assert_eq!(config.sections(), ["schema", "new"]);
    assert_eq!(
        config
            .set_section_option("DEFAULT", "k", "v")
            .unwrap_err()
            .kind(),
        Kind::InvalidSectionName
    );
    // As Alembic 1.20's `set_section_option`: configparser's `add_section`
    // takes any name but DEFAULT, the empty one included, and its `set`
    // puts the value for the empty name into DEFAULT, which every section
    // inherits.
    config.set_section_option("", "k", "v").unwrap();
    assert_eq!(
        config.get_section_option("", "k").unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(
        config.get_section_option("schema", "k").unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(
        config.get_section_option("new", "k").unwrap().as_deref(),
        Some("v")
    );
    assert_eq!(config.sections(), ["schema", "new", ""]);
    // `-n DEFAULT` is a main section the file lacks, as in Alembic
    // (`get_section("DEFAULT")` is None, `get_main_option` raises).
    let config =
        Config::from_str_at(PATH, "[DEFAULT]\nk = v\n[schema]\n", Some("DEFAULT")).unwrap();
    assert_eq!(config.get_section("DEFAULT").unwrap(), None);
    assert_eq!(
        config.get_main_option("k").unwrap_err().kind(),
        Kind::MissingSection
    );
}

// Found by the differential test against Python (tests/configparser_parity.rs).

#[test]
fn a_bad_line_does_not_end_the_value_above() {
    // configparser keeps the option open across a line it cannot parse, so
    // the indented line after it continues the value rather than being a
    // second bad line.
    for text in [
        "[s]\nk = v\nbogus\n  cont\n",
        "[s]\nk = v\nbogus\n\n   more\n",
        "[s]\n  k = v\n bogus\n  cont\n",
    ] {
        let e = IniDocument::parse(Path::new(PATH), text).unwrap_err();
        let found: Vec<_> = e.diagnostics().iter().map(|d| (d.kind, d.line)).collect();
        assert_eq!(found, [(Kind::Parse, Some(3))], "{text:?}");
    }
}

#[test]
fn a_duplicate_is_reported_before_earlier_bad_lines() {
    // configparser raises duplicates at once but bad lines only at the end
    // of the file, so the duplicate is the error Alembic shows.
    assert_eq!(
        error("[s]\nbogus\nk = 1\nk = 2\n"),
        (Kind::DuplicateOption, Some(4))
    );
    assert_eq!(
        error("[s]\nbogus\n[s]\n"),
        (Kind::DuplicateSection, Some(3))
    );
    let e = IniDocument::parse(Path::new(PATH), "[s]\nbogus\nk = 1\nk = 2\n").unwrap_err();
    assert_eq!(e.diagnostics().len(), 2);
}

#[test]
fn a_second_key_less_line_in_a_section_is_a_duplicate() {
    // configparser stores a key-less `= v` under the key "".
    assert_eq!(error("[s]\n= 1\n: 2\n"), (Kind::DuplicateOption, Some(3)));
    let e = IniDocument::parse(Path::new(PATH), "[a]\n= 1\n[b]\n= 2\n").unwrap_err();
    let found: Vec<_> = e.diagnostics().iter().map(|d| (d.kind, d.line)).collect();
    assert_eq!(found, [(Kind::Parse, Some(2)), (Kind::Parse, Some(4))]);
}

#[test]
fn a_reference_bomb_is_refused_quickly() {
    // Each level holds eight references to the level below: configparser
    // would build gigabytes; we stop at MAX_INTERPOLATED_LEN.
    let mut text = "[schema]\nk0 = x%%\n".to_owned();
    for i in 1..=10 {
        text.push_str(&format!("k{i} = {}\n", format!("%(k{})s", i - 1).repeat(8)));
    }
    assert_eq!(
        read_error(&text, "schema", "k9"),
        (Kind::InterpolationSize, Some(11))
    );
}
