//! The target grammar (`head`, `label@rev+2`, `a:b`) never panics.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run target -- -max_total_time=300
//! ```

#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use schema_core::migrations::{Range, Target};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = Target::from_str(&text).map_err(|e| e.to_string());
    let _ = Range::from_str(&text).map_err(|e| e.to_string());
});
