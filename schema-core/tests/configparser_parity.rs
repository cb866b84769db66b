//! Differential test: the ini reader against Python's own
//! `configparser.ConfigParser`, configured as Alembic configures it
//! (`ConfigParser(defaults={"here": here})` then `read()`).
//!
//! Every text of the corpus is written to its own temporary directory as
//! `schema.ini`; one `python3` process reads them all (the paths go in as
//! JSON on stdin, the results come back as JSON on stdout) and reports, per
//! file, either the exception `read()` raised (class name and line; for a
//! plain `ParsingError` every bad line) or, for `DEFAULT` and every section
//! of `sections()`, the keys of `options()`, the keys of `items()` in order,
//! and for each key its `get()` value or the interpolation exception's class
//! name. Our reader's view of the same file is put in the same shape and the
//! two must be equal.
//!
//! Deliberate differences (README) are kept out of the corpus: a UTF-8 byte
//! order mark (skipped here, a `MissingSectionHeaderError` in Python) and a
//! `%` in the directory that `here` names (literal here). Parsing here goes
//! on after the first error, so when Python stops at an exception we compare
//! its kind and line with our first diagnostic only.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use schema_core::ini::IniDocument;
use schema_core::Kind;
use serde_json::{json, Value};

const PYTHON: &str = r#"
import configparser, json, os, sys

def run(path):
    here = os.path.abspath(os.path.dirname(path))
    parser = configparser.ConfigParser(defaults={"here": here})
    try:
        parser.read(path, encoding="utf-8")
    except Exception as e:
        name = type(e).__name__
        if type(e) is configparser.ParsingError:
            lines = [lineno for lineno, _ in e.errors]
            return {"error": {"class": name, "line": lines[0],
                              "all": [[name, lineno] for lineno in lines]}}
        return {"error": {"class": name, "line": getattr(e, "lineno", None), "all": None}}
    views = []
    for section in ["DEFAULT"] + parser.sections():
        if section == "DEFAULT":
            options = list(parser.defaults().keys())
        else:
            options = parser.options(section)
        items = []
        for key, _raw in parser.items(section, raw=True):
            try:
                items.append([key, {"value": parser.get(section, key)}])
            except Exception as e:
                items.append([key, {"error": type(e).__name__}])
        views.append({"section": section, "options": options, "items": items})
    return {"sections": parser.sections(), "views": views}

paths = json.loads(sys.stdin.buffer.read().decode("utf-8"))
out = [run(p) for p in paths]
sys.stdout.write(json.dumps({"version": sys.version, "results": out}))
"#;

/// Our `Kind` as the configparser exception class it stands for.
fn python_class(kind: Kind) -> String {
    match kind {
        Kind::Parse => "ParsingError".to_owned(),
        Kind::DuplicateSection => "DuplicateSectionError".to_owned(),
        Kind::DuplicateOption => "DuplicateOptionError".to_owned(),
        Kind::MissingSectionHeader => "MissingSectionHeaderError".to_owned(),
        Kind::InterpolationSyntax => "InterpolationSyntaxError".to_owned(),
        Kind::InterpolationMissingOption => "InterpolationMissingOptionError".to_owned(),
        Kind::InterpolationDepth => "InterpolationDepthError".to_owned(),
        other => format!("<no configparser class for Kind::{other:?}>"),
    }
}

/// Our reader's view of `path`, shaped like the Python script's output.
fn ours(path: &Path) -> Value {
    let doc = match IniDocument::read(path) {
        Ok(doc) => doc,
        Err(e) => {
            let class = python_class(e.kind());
            // Only a plain ParsingError lists every bad line; the others stop
            // Python at the first.
            let all = (e.kind() == Kind::Parse).then(|| {
                e.diagnostics()
                    .iter()
                    .map(|d| json!([python_class(d.kind), d.line]))
                    .collect::<Vec<_>>()
            });
            return json!({"error": {"class": class, "line": e.primary().line, "all": all}});
        }
    };
    let sections: Vec<&str> = doc.sections().collect();
    let views: Vec<Value> = std::iter::once("DEFAULT")
        .chain(sections.iter().copied())
        .map(|section| {
            let items: Vec<Value> = doc
                .items_order(section)
                .into_iter()
                .map(|key| match doc.get(section, key) {
                    Ok(value) => json!([key, {"value": value}]),
                    Err(d) => json!([key, {"error": python_class(d.kind)}]),
                })
                .collect();
            json!({"section": section, "options": doc.keys(section), "items": items})
        })
        .collect();
    json!({"sections": sections, "views": views})
}

fn corpus() -> Vec<(&'static str, String)> {
    let mut c: Vec<(&'static str, String)> = vec![
        // Delimiters, spacing, comments.
        ("plain", "[a]\nx = 1\ny: 2\nz=3\n".into()),
        ("first delimiter wins", "[a]\nk:v=w\nk2=v:w\nk3 : = x\nk4 = : x\n".into()),
        ("double delimiters", "[a]\nk == v\nj =: w\nl :: m\n".into()),
        ("url values", "[a]\nurl = postgresql://u:p@h:5432/db?x=y&z=%%41\n".into()),
        ("spaces in keys and values", "[a]\n  spaced key   =   value with  spaces   \n".into()),
        ("tabs around delimiter", "[a]\nk\t=\tv\t\nj\t:\tw\n".into()),
        ("inline ; and # are not comments", "[a]\nk = v ; not a comment\nj = v # nor this\nl = ;\nm = #\n".into()),
        ("full-line comments", "# c\n; c\n[a]\n# c\nk = v\n  ; indented comment\n\t# tab comment\n".into()),
        ("comment-like keys", "[a]\nk# = 1\nk; = 2\n".into()),
        ("empty values", "[a]\nk =\nj:\nl = \t \n".into()),
        // Continuations.
        ("continuation with spaces", "[a]\nk = one\n  two\n    three\nnext = x\n".into()),
        ("continuation with tabs", "[a]\nk = one\n\ttwo\n\t\tthree\n".into()),
        ("blank lines inside a value", "[a]\nk = one\n\n  two\n\n\nnext = 1\n".into()),
        ("whitespace-only lines inside a value", "[a]\nk = v\n   \n\t\n  w\n".into()),
        ("trailing blank lines at end of file", "[a]\nk = one\n  two\n\n\n".into()),
        ("comments inside a continuation", "[a]\nk = one\n  # comment\n  two\n; c\n  three\n".into()),
        ("continuation relative to key indent", "[a]\n  k = v\n  j = w\n   cont\n".into()),
        ("same indent is not a continuation", "[a]\n  k = v\n  cont\n".into()),
        ("less indented key after indented key", "[a]\n    k = v\n  j = w\n".into()),
        ("empty first line then continuation", "[a]\nk =\n  line1\n  line2\n".into()),
        ("empty first line, blank lines, continuation", "[a]\nk =\n\n\n  x\n".into()),
        ("continuation looks like an option", "[a]\nk = v\n  = w\n  j = x\n".into()),
        ("continuation looks like a header", "[a]\nk = v\n  [b]\nj = 1\n".into()),
        ("no continuation right after a header", "[a]\n  k = v\n[b]\n  cont\n".into()),
        ("trailing spaces on continued lines", "[a]\nk = v   \n  w   \n".into()),
        ("indented header", "  [a]\n  k = v\n   cont\n k2 = 2\n".into()),
        // Section headers.
        ("header runs to the last bracket", "[a]b]\nk = 1\n".into()),
        ("spaces inside header", "[ s ]\nk = 1\n[s]\nk = 2\n".into()),
        ("empty header before any section", "[]\nk = 1\n".into()),
        ("empty header inside a section", "[a]\n[]\nk = 1\n".into()),
        ("text after header", "[a] trailing ; comment\nk = 1\n".into()),
        ("nested brackets", "[[a]]\nk = 1\n[a]]\nj = 2\n[]]\nl = 3\n".into()),
        ("odd header names", "[ ]\nk=1\n[=]\nj=2\n[k] = v\nl=3\n".into()),
        ("open bracket key", "[a]\n[k = v\n".into()),
        ("lone bracket before sections", "[\n".into()),
        ("section names are case sensitive", "[A]\nk = 1\n[a]\nk = 2\n[default]\nk = 3\n".into()),
        ("sections without keys", "[a]\n[b]\n[c]\n".into()),
        ("only DEFAULT", "[DEFAULT]\nk = v\n".into()),
        // Duplicates and DEFAULT.
        ("duplicate section", "[a]\nk = 1\n[b]\n[a]\nj = 2\n".into()),
        ("duplicate key differing in case", "[a]\nk = 1\nK = 2\n".into()),
        ("duplicate key in a repeated DEFAULT", "[DEFAULT]\nk = 1\n[a]\n[DEFAULT]\nk = 2\n".into()),
        ("DEFAULT repeated", "[DEFAULT]\na = 1\n[s]\nx = %(a)s%(b)s\n[DEFAULT]\nb = 2\n".into()),
        ("section key overrides DEFAULT", "[DEFAULT]\nk = d\nz = %(k)s\n[a]\nk = a\n[b]\n".into()),
        ("here overridden in DEFAULT", "[DEFAULT]\nhere = /elsewhere\n[a]\np = %(here)s/x\n".into()),
        ("here overridden in a section", "[a]\nhere = mine\np = %(here)s\n[b]\np = %(here)s\n".into()),
        ("here twice in DEFAULT", "[DEFAULT]\nhere = 1\nhere = 2\n".into()),
        ("here reference", "[a]\nd = sqlite:///%(here)s/db.sqlite\n".into()),
        // Before any section.
        ("key before sections", "k = v\n[a]\n".into()),
        ("key after comments before sections", "# c\n\nk = v\n[a]\n".into()),
        ("empty file", "".into()),
        ("comments only", "\n\n# x\n; y\n".into()),
        ("whitespace only", "   \n\t\n".into()),
        // Parse errors.
        ("line without delimiter", "[a]\nthis is not an option\nk = 1\n".into()),
        ("several bad lines", "[a]\nbogus1\nk = 1\nbogus2\n[b]\nbogus3\n".into()),
        ("bad line then continuation", "[a]\nk = v\nbogus\n  cont\n".into()),
        ("bad line, blank line, continuation", "[a]\nk = v\nbogus\n\n   more\n".into()),
        ("less indented bad line then continuation", "[a]\n  k = v\n bogus\n  cont\n".into()),
        ("bad line then indented line", "[a]\nbogus\n  more\n".into()),
        ("bad line then duplicate key", "[a]\nbogus\nk = 1\nk = 2\n".into()),
        ("bad line then duplicate section", "[a]\nbogus\n[a]\n".into()),
        ("empty key", "[a]\n= v\n: w\n".into()),
        ("indented empty key", "[a]\n  : v\n".into()),
        ("empty key twice in a section", "[a]\n= 1\n= 2\n".into()),
        ("empty key in two sections", "[a]\n= 1\n[b]\n= 2\n".into()),
        ("empty key then continuation", "[a]\n= v\n  cont\n".into()),
        // Unicode.
        ("unicode whitespace around delimiter", "[a]\nk\u{3000}=\u{a0}v\u{2003}\n".into()),
        ("unicode whitespace indents", "[a]\nk = v\n\u{2003}cont\n\u{a0}\u{a0}more\n".into()),
        ("ascii separators are whitespace", "[a]\nk = v\u{1c}\n\u{1f}cont\n\u{1d}j\u{1e}=\u{1e}x\n".into()),
        ("vertical tab and form feed", "[a]\nk = a\u{b}b\n\u{c}\n  c\nj = 1\n".into()),
        ("unicode line separators are not line ends", "[a]\nk = a\u{2028}b\u{85}c\u{2029}d\n".into()),
        ("zero width space is not whitespace", "[a]\n\u{200b}k = \u{200b}v\u{200b}\n".into()),
        ("byte order mark inside the file", "[a]\n\u{feff}k = \u{feff}v\n".into()),
        ("nul and control characters", "[a]\nk = a\u{0}b\u{7}c\n".into()),
        (
            "unicode key case",
            "[a]\nΣΑΣ = 1\nx = %(σας)s\nİ = 2\ny = %(İ)s\nẞ = 3\nz = %(ß)s\nÉcole = 4\nw = %(ÉCOLE)s\n".into(),
        ),
        ("non-ascii section names", "[sección]\nclé = valeur\n[日本]\nキー = 値\n".into()),
        // Line endings.
        ("crlf", "[a]\r\nk = v\r\n  cont\r\n\r\nj = 1\r\n".into()),
        ("lone cr", "[a]\rk = v\r  cont\rj = 1".into()),
        ("mixed line endings", "[a]\r\nk = 1\rj = 2\n\r\nl = 3".into()),
        ("cr cr is an empty line", "[a]\nk = v\r\r  w\n".into()),
        ("cr line numbers in errors", "[a]\rk = 1\rbogus\r\nk = 2\n".into()),
        ("crlf parse error line", "[a]\r\n\r\nbogus\r\n".into()),
        ("no newline at end of file", "[a]\nk = v".into()),
        // Interpolation.
        ("double percent", "[a]\np = 100%%\nq = %%(x)s\nr = %%%%\n".into()),
        ("chain", "[a]\na = %(b)s-%(c)s\nb = %(c)s%(c)s\nc = x\n".into()),
        ("reference into DEFAULT", "[DEFAULT]\nhost = h\n[a]\nurl = db://%(host)s/%(name)s\nname = n\n".into()),
        (
            "DEFAULT refers to section keys",
            "[DEFAULT]\nurl = %(name)s.db\n[one]\nname = a\n[two]\nname = b\n[three]\n".into(),
        ),
        ("reference names are case-insensitive", "[a]\nKey = 1\nOTHER = %(KEY)s\nMiXeD = %(other)s\n".into()),
        ("reference names with spaces", "[a]\nmy key = v\nk = %(my key)s\nj = %(MY KEY)s\n".into()),
        ("percent inside a referenced value", "[a]\np = 5%%\nq = %(p)s and %(p)s\n".into()),
        ("no reference across sections", "[a]\nx = 1\n[b]\ny = %(x)s\n".into()),
        ("self reference", "[a]\nk = %(k)s\n".into()),
        ("mutual reference", "[a]\na = %(b)s\nb = %(a)s\n".into()),
        ("missing reference", "[a]\nk = %(nope)s\nj = ok\n".into()),
        ("missing reference from DEFAULT", "[DEFAULT]\nu = %(name)s\n[a]\nname = x\n[b]\n".into()),
        ("lone percent", "[a]\nk = 50%\nj = 50% off\nl = %\nm = %s\n".into()),
        (
            "bad reference syntax",
            "[a]\nx = 1\nk = %(x\nj = %()s\nl = %(x)d\nm = %(x)\nn = %(x) s\no = %(x)s%\n".into(),
        ),
        ("error inside a referenced value", "[a]\nx = %\ny = %(x)s\nz = %(y)s\n".into()),
        ("reference spanning lines", "[a]\nk = %(x\n  )s\nx = 1\n".into()),
        ("reference to a continued value", "[a]\nk = <%(x)s>\nx = one\n  two\n".into()),
        ("reference to an empty value", "[a]\nk = [%(e)s]\ne =\n".into()),
        ("percent in keys", "[a]\n%k = 1\nk% = 2\nj = %(%k)s\n".into()),
        ("nested parentheses", "[a]\n(x = 1\nk = %((x)s\nj = %(x))s\n".into()),
    ];

    // Interpolation depth: k_n refers to k_{n-1}, each adding `%%`, so every
    // level keeps a `%` and recurses. Python allows ten levels.
    let mut depth = "[a]\nk0 = end\n".to_owned();
    for i in 1..=12 {
        depth.push_str(&format!("k{i} = %(k{})s%%\n", i - 1));
    }
    c.push(("interpolation depth 10 and 11", depth));
    // The same chain split between DEFAULT and a section.
    let mut split = "[DEFAULT]\nk0 = end\n".to_owned();
    for i in (1..=11).step_by(2) {
        split.push_str(&format!("k{i} = %(k{})s%%\n", i - 1));
    }
    split.push_str("[a]\n");
    for i in (2..=11).step_by(2) {
        split.push_str(&format!("k{i} = %(k{})s%%\n", i - 1));
    }
    c.push(("interpolation depth across DEFAULT", split));
    // Long values, keys and continuations.
    c.push((
        "very long value",
        format!("[a]\nk = {}\n", "x%%".repeat(40_000)),
    ));
    c.push((
        "very long key",
        format!("[a]\n{} = v\n", "K".repeat(20_000)),
    ));
    let mut long = "[a]\nk = first\n".to_owned();
    for i in 0..2000_u32 {
        long.push_str(&format!("  line {i} = with : delimiters\n"));
        if i.is_multiple_of(100) {
            long.push_str("\n# comment\n");
        }
    }
    long.push_str("j = %(k)s\n");
    c.push(("very long continuation", long));
    c.push((
        "many sections",
        (0..300)
            .map(|i| format!("[s{i}]\nk = %(here)s/{i}\n"))
            .collect::<String>(),
    ));
    c
}

#[test]
fn reader_matches_python_configparser() {
    let corpus = corpus();
    assert!(corpus.len() >= 60, "corpus has only {} texts", corpus.len());
    check(&corpus);
}

/// Texts stitched together at random (with a fixed seed, or `PARITY_SEED`)
/// from lines that each stress one rule, in every indentation and line
/// ending: they find interactions between rules that no one thought to
/// write down.
#[test]
fn reader_matches_python_configparser_on_generated_texts() {
    let seed = std::env::var("PARITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1e55_u64);
    let count = std::env::var("PARITY_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    check(&generated(seed, count));
}

/// `count` texts stitched together from lines that each stress one rule.
fn generated(seed: u64, count: usize) -> Vec<(String, String)> {
    const LINES: &[&str] = &[
        "[a]",
        "[b]",
        "[DEFAULT]",
        "[a]x]",
        "[]",
        "[ a ]",
        "[a",
        "k = v",
        "K: %(j)s",
        "j = %(k)s%%",
        "x = %(here)s/x",
        "here = h%%",
        "= v",
        ": v",
        "bogus",
        "# c",
        "; c",
        "",
        "   ",
        "k =",
        "j = 50%",
        "l = %(missing)s",
        "m = %(a)s",
        "a = %(m)s",
        "k2 = %(k)s",
        "n = %(n)s",
        "cont",
        "  cont",
        "= : =",
        "[k] = v",
        "k = 1 ; c",
        "K = 2",
    ];
    const INDENTS: &[&str] = &["", "", "", " ", "  ", "\t", "\u{3000}", "\u{1f}"];
    const ENDINGS: &[&str] = &["\n", "\n", "\n", "\r\n", "\r"];
    let mut state = seed | 1;
    let mut next = |n: usize| {
        // xorshift64*: deterministic, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    };
    (0..count)
        .map(|i| {
            let mut text = String::new();
            if next(4) != 0 {
                text.push_str("[a]\n");
            }
            for _ in 0..1 + next(12) {
                text.push_str(INDENTS[next(INDENTS.len())]);
                text.push_str(LINES[next(LINES.len())]);
                text.push_str(ENDINGS[next(ENDINGS.len())]);
            }
            (format!("generated #{i} (seed {seed:#x})"), text)
        })
        .collect()
}

/// The checked-in corpus: texts of [`corpus`] and of the generated test
/// (fixed seed), and the `alembic.ini` templates Alembic 1.20 ships, each
/// with what Python's configparser made of it (`python.json`, the case's
/// directory written `<HERE>`). Regenerate with
/// `PARITY_REGENERATE=1 cargo test -p schema-core --test configparser_parity`.
const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configparser_corpus");

/// Files of a directory named by `PARITY_CORPUS_DIR` (for instance the
/// fuzzer's corpus, `fuzz/corpus/ini`), by default the checked-in corpus,
/// read by the machine's python3 and by our reader. Bytes that are not
/// UTF-8 are read as U+FFFD, and files that start with a byte order mark
/// are left out (they differ from Python on purpose).
#[test]
fn reader_matches_python_configparser_on_a_corpus_directory() {
    let dir = std::env::var_os("PARITY_CORPUS_DIR").unwrap_or_else(|| CHECKED_IN.into());
    let corpus = corpus_dir(Path::new(&dir));
    eprintln!(
        "comparing {} files of {}",
        corpus.len(),
        Path::new(&dir).display()
    );
    check(&corpus);
}

/// The `.ini` files of `dir` (every file when none ends in `.ini`), by
/// name, as (name, text).
fn corpus_dir(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    files.sort();
    if files
        .iter()
        .any(|f| f.extension().is_some_and(|e| e == "ini"))
    {
        files.retain(|f| f.extension().is_some_and(|e| e == "ini"));
    }
    files
        .into_iter()
        .filter_map(|path| {
            let text = String::from_utf8_lossy(&std::fs::read(&path).ok()?).into_owned();
            let name = path.file_name()?.to_string_lossy().into_owned();
            (!text.starts_with('\u{feff}')).then_some((name, text))
        })
        .collect()
}

/// The checked-in corpus against the checked-in answers of Python's
/// configparser: runs with no Python at all, so the reader's parity is
/// checked on every machine.
#[test]
fn reader_matches_the_checked_in_answers_of_configparser() {
    if std::env::var_os("PARITY_REGENERATE").is_some() {
        regenerate();
    }
    let corpus = corpus_dir(Path::new(CHECKED_IN));
    let answers: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(CHECKED_IN).join("python.json"))
            .expect("tests/configparser_corpus/python.json"),
    )
    .expect("python.json is JSON");
    let results = answers["results"].as_object().expect("results by file");
    assert!(
        corpus.len() >= 300,
        "the corpus has only {} files",
        corpus.len()
    );
    assert_eq!(results.len(), corpus.len(), "one answer per file");
    let root = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    for (i, (name, text)) in corpus.iter().enumerate() {
        let dir = root.path().join(format!("case{i:04}"));
        std::fs::create_dir(&dir).expect("case dir");
        std::fs::write(dir.join("schema.ini"), text).expect("write schema.ini");
        let ours = placeholder(&ours(&dir.join("schema.ini")), &dir);
        let theirs = results
            .get(name)
            .unwrap_or_else(|| panic!("no answer for {name} in python.json"));
        if &ours != theirs {
            failures.push(format!(
                "--- {name}\npython: {}\nours:   {}\n",
                short(theirs),
                short(&ours)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files read differently from Python {}'s configparser:\n\n{}",
        failures.len(),
        corpus.len(),
        answers["version"],
        failures.join("\n")
    );
}

/// `view` with the case directory `dir` written `<HERE>`.
fn placeholder(view: &Value, dir: &Path) -> Value {
    let dir = dir.to_str().expect("UTF-8 temp dir");
    serde_json::from_str(&view.to_string().replace(dir, "<HERE>")).expect("JSON")
}

/// Writes the checked-in corpus anew and asks python3 for its answers.
fn regenerate() {
    let dir = Path::new(CHECKED_IN);
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("corpus dir");
    let mut texts: Vec<(String, String)> = corpus()
        .into_iter()
        .filter(|(_, text)| text.len() <= 8192)
        .map(|(name, text)| (name.to_owned(), text))
        .collect();
    texts.extend(generated(0x5eed_1e55, 250));
    if let Some(templates) = std::env::var_os("PARITY_EXTRA_DIR") {
        texts.extend(corpus_dir(Path::new(&templates)));
    }
    let root = tempfile::tempdir().expect("temp dir");
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for (i, (name, text)) in texts.iter().enumerate() {
        let slug: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let file = format!("{i:04}-{}.ini", slug.trim_matches('-'));
        std::fs::write(dir.join(&file), text).expect("write corpus file");
        let case = root.path().join(format!("case{i:04}"));
        std::fs::create_dir(&case).expect("case dir");
        std::fs::write(case.join("schema.ini"), text).expect("write schema.ini");
        names.push(file);
        paths.push(case.join("schema.ini"));
    }
    let (version, views) = python_views(&paths).expect("python3 to regenerate the corpus");
    let results: serde_json::Map<String, Value> = names
        .into_iter()
        .zip(&paths)
        .zip(views)
        .map(|((name, path), view)| (name, placeholder(&view, path.parent().expect("case dir"))))
        .collect();
    let answers = json!({"version": version, "results": results});
    std::fs::write(
        dir.join("python.json"),
        serde_json::to_string_pretty(&answers).expect("JSON") + "\n",
    )
    .expect("write python.json");
}

/// Read every text with Python and with our reader, and fail showing each
/// text that reads differently with both results.
fn check<N: AsRef<str>>(corpus: &[(N, String)]) {
    let root = tempfile::tempdir().expect("temp dir");
    let paths: Vec<PathBuf> = corpus
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let dir = root.path().join(format!("case{i:03}"));
            std::fs::create_dir(&dir).expect("case dir");
            let path = dir.join("schema.ini");
            std::fs::write(&path, text).expect("write schema.ini");
            path
        })
        .collect();
    let Some((version, results)) = python_views(&paths) else {
        return;
    };
    assert_eq!(results.len(), corpus.len());

    let mut failures = Vec::new();
    for (((name, text), path), theirs) in corpus.iter().zip(&paths).zip(&results) {
        let ours = ours(path);
        if &ours != theirs {
            let shown: String = if text.len() > 2000 {
                format!("{:?}... ({} bytes)", cut(text, 2000), text.len())
            } else {
                format!("{text:?}")
            };
            failures.push(format!(
                "--- {}\ntext: {shown}\npython: {}\nours:   {}\n",
                name.as_ref(),
                short(theirs),
                short(&ours)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} texts read differently from Python {version}'s configparser:\n\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );
}

/// Python's configparser's view of each of `paths` (the [`PYTHON`]
/// script) and Python's version; `None` with a printed reason when there
/// is no python3, a failure instead when `SCHEMA_TEST_REQUIRE_DATABASES`
/// is set (CI, where every skip is a failure).
fn python_views(paths: &[PathBuf]) -> Option<(String, Vec<Value>)> {
    let input = serde_json::to_vec(paths).expect("paths as JSON");
    let child = Command::new("python3")
        .args(["-I", "-c", PYTHON])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var_os("SCHEMA_TEST_REQUIRE_DATABASES").is_none(),
                "SCHEMA_TEST_REQUIRE_DATABASES is set, so this is a failure, not a skip: python3 not found"
            );
            eprintln!("skipped: python3 not found");
            return None;
        }
        Err(e) => panic!("cannot run python3: {e}"),
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write to python3");
    let output = child.wait_with_output().expect("python3 output");
    assert!(
        output.status.success(),
        "python3 failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let python: Value = serde_json::from_slice(&output.stdout).expect("python3 printed JSON");
    let version = python["version"].as_str().unwrap_or("?").to_owned();
    let results = python["results"].as_array().expect("results").clone();
    Some((version, results))
}

/// JSON for a failure message, cut short for the very long cases.
fn short(value: &Value) -> String {
    let s = value.to_string();
    if s.len() > 4000 {
        format!("{}... ({} bytes)", cut(&s, 4000), s.len())
    } else {
        s
    }
}

/// The longest prefix of `s` of at most `max` bytes.
fn cut(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
