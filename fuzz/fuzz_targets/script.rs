//! The `--sql` script writer: any up.sql/down.sql text, any folder name and
//! metadata give a script on every backend, with no panic.
//!
//! The input is `name\x01up.sql\x01down.sql` folders split by `\0`.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run script -- -max_total_time=300
//! ```

#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use schema_core::migrations::{AppliedSet, MigrationFiles, RevisionGraph, Target};
use schema_core::url::Backend;
use schema_runtime::script::offline_script;
use schema_runtime::RunOptions;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files: Vec<MigrationFiles> = text
        .split('\0')
        .take(8)
        .enumerate()
        .map(|(i, folder)| {
            let mut parts = folder.splitn(3, '\x01');
            let name = parts.next().unwrap_or_default();
            let up = parts.next().unwrap_or("SELECT 1;");
            let down = parts.next();
            MigrationFiles {
                folder_name: format!("2024-01-01-{i:06}_{name}"),
                up_sql: up.to_owned(),
                down_sql: down.map(str::to_owned),
                metadata_toml: None,
                dir: None,
            }
        })
        .collect();
    let Ok(graph) = RevisionGraph::from_files(files) else {
        return;
    };
    let heads = Target::from_str("heads").expect("a fixed target");
    let base = Target::from_str("base").expect("a fixed target");
    let Ok(up) = graph.plan_upgrade(&AppliedSet::new(), &heads) else {
        return;
    };
    let mut all = AppliedSet::new();
    for step in &up {
        all.insert(step.revision.clone());
    }
    let down = graph.plan_downgrade(&all, &base).unwrap_or_default();
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
        for per_migration in [false, true] {
            for ddl in [None, Some(false)] {
                let options = RunOptions {
                    transaction_per_migration: per_migration,
                    transactional_ddl: ddl,
                    ..RunOptions::default()
                };
                for steps in [&up, &down] {
                    let script = offline_script(&graph, steps, backend, &options, &[]);
                    assert!(script.starts_with("-- cargo schema, offline mode"));
                }
            }
        }
    }
});
