//! The SQL splitter, literals and comments never panic on any script, on
//! any backend; a comment is always one line.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run sql -- -max_total_time=300
//! ```

#![no_main]

use libfuzzer_sys::fuzz_target;
use schema_core::sql;
use schema_core::url::Backend;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
        for statement in sql::split(&text, backend) {
            assert!(statement.line >= 1);
        }
        let _ = sql::string_literal(&text, backend);
    }
    assert!(!sql::comment_text(&text).contains(['\n', '\r']));
});
