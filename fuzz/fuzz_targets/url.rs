//! URL parsing and masking never panic and never give a password back.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run url -- -max_total_time=300
//! ```

#![no_main]

use libfuzzer_sys::fuzz_target;
use schema_core::secret::mask_urls;
use schema_core::url::{DatabaseUrl, UrlStyle};

const SECRET: &str = "Zq7Sekr3t";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The input with a password planted where URLs carry one.
    for url in [
        text.replacen('@', &format!(":{SECRET}@"), 1),
        format!("{text}?password={SECRET}"),
        text.to_string(),
    ] {
        for style in [UrlStyle::Diesel, UrlStyle::SqlAlchemy] {
            match DatabaseUrl::parse(&url, style) {
                Ok(parsed) => {
                    let shown = [parsed.masked(), parsed.to_string(), format!("{parsed:?}")];
                    if parsed.password().is_some_and(|p| p.contains(SECRET)) {
                        for s in shown {
                            assert!(!s.contains(SECRET), "{s}");
                        }
                    }
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
        let _ = mask_urls(&url);
    }
});
