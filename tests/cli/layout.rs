//! The README's map of where each concept lives ("Where each concept
//! lives") names files that exist: a file moved or deleted without the map
//! following fails here.

use std::path::{Path, PathBuf};

/// The workspace root (this crate is `cargo-schema/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The folders a path in the map starts with.
const TOP: &[&str] = &[
    "schema-core/",
    "schema-macros/",
    "schema-runtime/",
    "cargo-schema/",
    "test-support/",
    "tests/",
    "bench/",
    "examples/",
];

/// Every path in backticks in the map's table, braces expanded
/// (`dir/{a,b}.rs` is `dir/a.rs` and `dir/b.rs`); placeholders such as
/// `<command>` are left out.
fn map_paths(readme: &str) -> Vec<String> {
    let start = readme
        .find("### Where each concept lives")
        .expect("README has the section \"Where each concept lives\"");
    let table: Vec<&str> = readme[start..]
        .lines()
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    let mut out = Vec::new();
    for line in table {
        for (i, piece) in line.split('`').enumerate() {
            if i % 2 == 0 || !TOP.iter().any(|t| piece.starts_with(t)) || piece.contains('<') {
                continue;
            }
            match (piece.find('{'), piece.find('}')) {
                (Some(open), Some(close)) if open < close => {
                    for alt in piece[open + 1..close].split(',') {
                        out.push(format!("{}{alt}{}", &piece[..open], &piece[close + 1..]));
                    }
                }
                _ => out.push(piece.to_owned()),
            }
        }
    }
    out
}

#[test]
fn every_file_the_concept_map_names_exists() {
    let root = root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let paths = map_paths(&readme);
    assert!(
        paths.len() >= 30,
        "the map names only {} paths: {paths:?}",
        paths.len()
    );
    let missing: Vec<&String> = paths
        .iter()
        .filter(|p| {
            let path = root.join(p.trim_end_matches('/'));
            if p.ends_with('/') {
                !path.is_dir()
            } else {
                !path.is_file()
            }
        })
        .collect();
    assert!(
        missing.is_empty(),
        "README's concept map names paths that do not exist: {missing:?}"
    );
}

#[test]
fn the_map_reader_expands_braces_and_skips_placeholders() {
    let readme = "### Where each concept lives\n\n| a | b |\n| --- | --- |\n| x | `schema-core/src/m/{graph,plan}.rs`; `cargo-schema/src/commands/<c>.rs`, `lib.rs` |\n\nafter `schema-core/src/no.rs`\n";
    assert_eq!(
        map_paths(readme),
        ["schema-core/src/m/graph.rs", "schema-core/src/m/plan.rs"]
    );
}
