//! The schema.rs parser (`table!`, `joinable!`, `allow_tables_to_appear_in_same_query!`)
//! reads any text into a schema or an error naming a line and column; a
//! schema it reads renders as DDL. No panic, whatever the file holds.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run schema_rs -- -max_total_time=300
//! ```

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use schema_core::schema::diesel::parse::parse_schema_rs;
use schema_core::url::Backend;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
        match parse_schema_rs(&text, Path::new("src/schema.rs"), backend) {
            Ok(schema) => {
                let _ = schema_core::schema::ddl::render(&schema);
            }
            Err(e) => {
                assert!(e.line >= 1 || e.column >= 1, "{e}");
                let _ = e.to_string();
            }
        }
    }
});
