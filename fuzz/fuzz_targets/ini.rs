//! The ini reader, `Config` and engine option resolution must never panic,
//! whatever the file holds: every input either parses or gives diagnostics.
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run ini -- -max_total_time=300
//! ```

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use schema_core::engine::{self, ResolveOptions};
use schema_core::ini::IniDocument;
use schema_core::{Config, Environment};

const PATH: &str = "/fuzz/project/schema.ini";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    match IniDocument::parse(Path::new(PATH), &text) {
        Ok(doc) => {
            let sections: Vec<&str> = doc.sections().collect();
            for section in std::iter::once("DEFAULT").chain(sections.iter().copied()) {
                let mut keys = doc.keys(section);
                keys.extend(doc.items_order(section));
                for key in keys {
                    if let Err(d) = doc.get(section, key) {
                        let _ = d.to_string();
                    }
                }
            }
            if let Some(first) = text.lines().next() {
                let _ = doc.line_text(1);
                let _ = doc.get(first, first);
            }
        }
        Err(e) => {
            // Rendering quotes the line at the reported column.
            let _ = e.to_string();
            let _ = (e.kind(), e.primary().line, e.diagnostics().len());
        }
    }

    let Ok(config) = Config::from_str_at(PATH, &text, None) else {
        return;
    };
    let mut sections: Vec<Option<&str>> = vec![None];
    sections.extend(config.sections().into_iter().map(Some));
    for section in sections {
        if let Some(name) = section {
            if let Err(e) = config.get_section(name) {
                let _ = e.to_string();
            }
        }
        for build_time in [false, true] {
            let opts = ResolveOptions {
                section,
                build_time,
                ..Default::default()
            };
            let resolved = engine::resolve(&config, &Environment::empty(), &opts);
            for problem in &resolved.problems {
                let _ = problem.to_string();
            }
            if let Err(e) = resolved.settings() {
                let _ = e.to_string();
            }
        }
    }
    // An environment URL built from the input, too.
    let url = text.lines().last().unwrap_or_default();
    let env = Environment::empty().with_var("DATABASE_URL", url);
    let resolved = engine::resolve(&config, &env, &Default::default());
    if let Ok(settings) = resolved.settings() {
        let _ = format!("{:?}", settings);
        let _ = settings.url.to_string();
    }
});
