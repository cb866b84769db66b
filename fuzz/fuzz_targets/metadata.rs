//! metadata.toml and folder names: every input loads or gives errors, no
//! panic, and no loaded name holds a control character.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run metadata -- -max_total_time=300
//! ```

#![no_main]

use libfuzzer_sys::fuzz_target;
use schema_core::migrations::{MigrationFiles, MigrationSet};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (name, metadata) = text.split_once('\0').unwrap_or(("x", &text));
    let files = vec![MigrationFiles {
        folder_name: format!("2024-01-01-000001_{name}"),
        up_sql: "SELECT 1;".to_owned(),
        down_sql: None,
        metadata_toml: Some(metadata.to_owned()),
        dir: None,
    }];
    match MigrationSet::from_files(files) {
        Ok(set) => {
            for m in set.migrations() {
                assert!(schema_core::text::unsafe_char(&m.folder_name).is_none());
                assert!(schema_core::text::unsafe_char(&m.revision).is_none());
            }
        }
        Err(errors) => {
            for e in errors {
                assert!(!e.to_string().contains('\u{1b}'));
            }
        }
    }
});
