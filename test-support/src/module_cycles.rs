//! No import loops between the top-level modules of any workspace crate:
//! a module that reaches `crate::b` while `b` reaches back (directly or
//! around a longer loop) cannot be read, tested or moved on its own. The
//! check reads `crate::` paths in code (comments and test modules aside),
//! as a newcomer would follow them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates checked, relative to the workspace root.
const CRATES: &[&str] = &[
    "schema-core",
    "schema-runtime",
    "schema-macros",
    "cargo-schema",
    "test-support",
];

/// Loops still open, each to be broken by issue 29's remaining work: listed
/// whole, so that a loop that grows or a new one fails. Remove an entry once
/// its loop is gone (the check fails on an entry that no longer matches).
///
/// cargo-schema's: `cli` re-exports each command's arguments while the
/// command modules, `candidates`, `fleet`, `ops`, `output` and `project`
/// take `GlobalArgs`/`Format` from `cli` (the next step: those two in a
/// module of their own, the re-exports gone).
const KNOWN: &[(&str, &[&str])] = &[(
    "cargo-schema",
    &[
        "candidates",
        "cli",
        "commands",
        "fleet",
        "ops",
        "output",
        "project",
    ],
)];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            // A folder of tests is test code, like `#[cfg(test)] mod tests`.
            if path.file_name().is_some_and(|n| n != "tests") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src` belongs to; `None` for the crate
/// root.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts = rel.components();
    let first = parts.next()?.as_os_str().to_str()?.to_owned();
    match first.strip_suffix(".rs") {
        Some("lib" | "main") => None,
        Some(name) => Some(name.to_owned()),
        None => Some(first),
    }
}

/// The code of a file, without comments (doc links name modules freely)
/// and without its inline test module.
fn code(text: &str) -> String {
    let text = text
        .find("#[cfg(test)]\nmod tests")
        .map_or(text, |i| &text[..i]);
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules `code` reaches through `crate::name` or `$crate::name`,
/// including each name of a `crate::{a, b::c}` group.
fn reached(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                found.insert(word(item.trim()));
            }
        } else {
            found.insert(word(rest));
        }
    }
    found.retain(|m| modules.contains(m));
    found
}

fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let Some(from) = top_module(src, file) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let edges = graph.entry(from.clone()).or_default();
        edges.extend(
            reached(&code(&text), &modules)
                .into_iter()
                .filter(|m| *m != from),
        );
    }
    graph
}

/// The strongly connected components of more than one module (Tarjan).
fn loops(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found.sort();
    state.found
}

#[test]
fn no_workspace_crate_has_an_import_loop() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut problems = Vec::new();
    for krate in CRATES {
        let src = root.join(krate).join("src");
        assert!(src.is_dir(), "{} is missing", src.display());
        let graph = graph(&src);
        let known: Vec<Vec<String>> = KNOWN
            .iter()
            .filter(|(k, _)| k == krate)
            .map(|(_, l)| l.iter().map(|m| (*m).to_owned()).collect())
            .collect();
        let found = loops(&graph);
        for l in found.iter().filter(|l| !known.contains(l)) {
            let edges: Vec<String> = l
                .iter()
                .map(|m| {
                    let to: Vec<&str> = graph[m]
                        .iter()
                        .filter(|t| l.contains(t))
                        .map(String::as_str)
                        .collect();
                    format!("{m} -> {}", to.join(", "))
                })
                .collect();
            problems.push(format!("{krate}: {}", edges.join("; ")));
        }
        for l in known.iter().filter(|l| !found.contains(l)) {
            problems.push(format!(
                "{krate}: the known loop {l:?} is gone or changed; update KNOWN"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "import loops:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_loop_is_found_and_a_layering_is_not() {
    let modules: BTreeSet<String> = ["a", "b", "c"].map(str::to_owned).into();
    let uses = reached(
        &code("use crate::{b::X, c};\n// crate::a\nfn f() { $crate::b::g(); mycrate::a(); }"),
        &modules,
    );
    assert_eq!(uses, ["b", "c"].map(str::to_owned).into());
    let edge = |a: &str, b: &[&str]| (a.to_owned(), b.iter().map(|m| (*m).to_owned()).collect());
    let layered: Graph = [edge("a", &["b", "c"]), edge("b", &["c"]), edge("c", &[])].into();
    assert!(loops(&layered).is_empty());
    let looped: Graph = [edge("a", &["b"]), edge("b", &["c"]), edge("c", &["a"])].into();
    assert_eq!(
        loops(&looped),
        [["a", "b", "c"].map(str::to_owned).to_vec()]
    );
}
