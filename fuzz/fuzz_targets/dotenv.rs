//! The `.env` reader: any file loads or gives a diagnostic that names the
//! file and never quotes the line (it may hold a secret); no panic.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run dotenv -- -max_total_time=300
//! ```

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use schema_core::env::expand;
use schema_core::Environment;

const SECRET: &str = "Zq7Sekr3t";

/// The reader takes a path, so each input is written to one file of this
/// process's own directory.
fn file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("fuzz-dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        dir.join(".env")
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = file();
    // A secret planted in every line: an error must not show it.
    let planted: String = text.lines().map(|l| format!("{l}{SECRET}\n")).collect();
    for content in [data, planted.as_bytes()] {
        std::fs::write(path, content).expect("the input written");
        let mut env = Environment::empty();
        match env.load_dotenv(path) {
            Ok(_) => {
                // Interpolation of each line's text against what loaded.
                for line in text.lines().take(16) {
                    let _ = expand(line, &env);
                }
            }
            Err(d) => {
                let shown = d.to_string();
                assert!(!shown.contains(SECRET), "{shown}");
            }
        }
    }
});
