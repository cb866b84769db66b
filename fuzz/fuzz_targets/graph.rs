//! The revision graph loader on arbitrary folder sets: folder names and
//! metadata.toml files that point at each other (cycles, missing parents,
//! duplicate revisions, labels) either load into a graph whose queries and
//! plans answer, or give errors; no panic, no hang, no deep recursion.
//!
//! The input is a list of folders split by `\0`, each `name\x01metadata`.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run graph -- -max_total_time=300
//! ```

#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use schema_core::migrations::{AppliedSet, MigrationFiles, RevisionGraph, Target};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files: Vec<MigrationFiles> = text
        .split('\0')
        .take(64)
        .enumerate()
        .map(|(i, folder)| {
            let (name, metadata) = folder.split_once('\x01').unwrap_or((folder, ""));
            MigrationFiles {
                folder_name: format!("2024-01-01-{i:06}_{name}"),
                up_sql: "SELECT 1;".to_owned(),
                down_sql: (i % 2 == 0).then(|| "SELECT 2;".to_owned()),
                metadata_toml: (!metadata.is_empty()).then(|| metadata.to_owned()),
                dir: None,
            }
        })
        .collect();
    let Ok(graph) = RevisionGraph::from_files(files) else {
        return;
    };
    let _ = (
        graph.heads(),
        graph.bases(),
        graph.branch_points(),
        graph.merge_points(),
    );
    let _ = graph.labels();
    let mut applied = AppliedSet::new();
    for m in graph.migrations() {
        let _ = graph.ancestors(&m.revision).map(|a| a.len());
        let _ = graph.descendants(&m.revision).map(|d| d.len());
        if applied.len() < 3 {
            applied.insert(m.revision.clone());
        }
    }
    for target in ["heads", "head", "base", "head-1", "base+2"] {
        let target = Target::from_str(target).expect("a fixed target");
        let empty = AppliedSet::new();
        for applied in [&empty, &applied] {
            if let Ok(steps) = graph.plan_upgrade(applied, &target) {
                for step in &steps {
                    assert!(graph.resolve_revision(&step.revision).is_ok());
                }
            }
            let _ = graph
                .plan_downgrade(applied, &target)
                .map_err(|e| e.to_string());
            let _ = graph.current_heads(applied).map(|h| h.len());
        }
    }
});
