//! diesel.toml's `[print_schema]` sections: any file reads into settings
//! or an error naming the file; no panic.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run diesel_toml -- -max_total_time=300
//! ```

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use schema_core::schema::diesel::settings::from_diesel_toml;

/// The reader takes a path (it names the file in its errors), so each
/// input is written to one file of this process's own directory.
fn file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("fuzz-diesel-toml-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        dir.join("diesel.toml")
    })
}

fuzz_target!(|data: &[u8]| {
    let path = file();
    std::fs::write(path, data).expect("the input written");
    match from_diesel_toml(path) {
        Ok(configs) => {
            let _ = format!("{configs:?}");
        }
        Err(e) => assert!(e.to_string().contains("diesel.toml"), "{e}"),
    }
});
