//! The build-time half of `embed!()`: read the ini file and the migrations
//! folder with schema-core (the same calls `cargo schema` makes), collect
//! every problem, and hand what was found to the code generator. Problems
//! become `compile_error!`s that name the file and line; the items are
//! emitted anyway, so the user's code that uses them does not cascade into
//! unrelated errors.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use schema_core::engine::{self, ResolveOptions};
use schema_core::migrations::{MigrationError, MigrationSet, RevisionGraph};
use schema_core::settings::MigrationSettings;
use schema_core::url::Backends;
use schema_core::{Config, Diagnostic, Environment};

use crate::args::EmbedArgs;
use crate::codegen::{self, Embedded, MainKey};

/// The backends the application is compiled with (schema-runtime turns on
/// the feature of the same name here).
pub const BACKENDS: Backends = Backends {
    sqlite: cfg!(feature = "sqlite"),
    postgres: cfg!(feature = "postgres"),
    mysql: cfg!(feature = "mysql"),
};

/// `CARGO_MANIFEST_DIR` of the crate being built: the one environment read
/// the macro makes, here so that there is only one.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// One problem, ready to become a `compile_error!`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong and what to do.
    pub message: String,
    /// The file, relative to the manifest directory when below it.
    pub file: Option<PathBuf>,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// The text of the line.
    pub snippet: Option<String>,
    /// What the user probably meant.
    pub help: Option<String>,
}

impl Problem {
    fn from_diagnostic(d: &Diagnostic, base: &Path) -> Self {
        Problem {
            message: format!("{} [{}]", relative_message(&d.message, base), d.kind),
            file: d.file.as_deref().map(|f| relative(f, base)),
            line: d.line,
            column: d.column,
            snippet: d.snippet.clone(),
            help: d
                .suggestion
                .as_ref()
                .map(|s| format!("did you mean `{s}`?")),
        }
    }

    fn from_migration(e: &MigrationError, base: &Path) -> Self {
        let file = e.path().map(|p| relative(p, base));
        let snippet = match (e.path(), e.line()) {
            (Some(path), Some(line)) => std::fs::read_to_string(path)
                .ok()
                .and_then(|text| text.lines().nth(line - 1).map(str::to_owned)),
            _ => None,
        };
        Problem {
            message: format!("{} [{}]", relative_message(&e.to_string(), base), e.kind()),
            file,
            line: e.line(),
            column: e.line().map(|_| 1),
            snippet,
            help: None,
        }
    }

    /// The message as the compiler shows it, pointing into the file the way
    /// rustc points into Rust source.
    pub fn render(&self) -> String {
        let mut out = self.message.clone();
        if let Some(file) = &self.file {
            out.push_str(&format!("\n  --> {}", file.display()));
            if let Some(line) = self.line {
                out.push_str(&format!(":{line}:{}", self.column.unwrap_or(1)));
                if let Some(text) = &self.snippet {
                    let width = line.to_string().len();
                    let pad = " ".repeat(width);
                    out.push_str(&format!("\n {pad} |\n {line} | {text}\n {pad} |"));
                }
            }
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("\n  = help: {help}"));
        }
        out
    }
}

/// Messages name files by absolute path; inside the crate, relative reads
/// better and does not depend on where the crate was built.
fn relative_message(message: &str, base: &Path) -> String {
    let prefix = format!("{}/", base.display());
    message.replace(&prefix, "")
}

fn relative(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base).unwrap_or(path).to_path_buf()
}

/// Expand `embed!(args)` for a crate whose manifest is in `manifest_dir`.
pub fn embed(args: &EmbedArgs, manifest_dir: &Path, backends: Backends) -> TokenStream {
    let config_rel = args
        .config
        .as_ref()
        .map_or_else(|| "schema.ini".to_owned(), |l| l.value());
    let section = args.section.as_ref().map(|l| l.value());
    let prefix = args.prefix.as_ref().map(|l| l.value());
    let config_path = schema_core::ini::absolute_path(&manifest_dir.join(&config_rel));
    let mut problems = Vec::new();
    let mut embedded = Embedded {
        config_path: config_path.clone(),
        config_readable: config_path.is_file(),
        section: section.clone(),
        prefix: prefix
            .clone()
            .unwrap_or_else(|| engine::DEFAULT_PREFIX.to_owned()),
        ..Embedded::default()
    };

    let config = match Config::from_file_with_section(&config_path, section.as_deref()) {
        Ok(config) => Some(config),
        Err(e) => {
            problems.extend(
                e.diagnostics()
                    .iter()
                    .map(|d| Problem::from_diagnostic(d, manifest_dir)),
            );
            None
        }
    };
    let settings = config.as_ref().and_then(|config| {
        let resolved = engine::resolve(
            config,
            &Environment::empty(),
            &ResolveOptions {
                section: None,
                prefix: prefix.as_deref(),
                backends,
                build_time: true,
                ..ResolveOptions::default()
            },
        );
        embedded.prefix = resolved.prefix.clone();
        problems.extend(
            resolved
                .problems
                .iter()
                .map(|d| Problem::from_diagnostic(d, manifest_dir)),
        );
        // Every key of the main section gets an accessor, so every key must
        // read, not only the engine options.
        if let Err(e) = config.get_section(config.config_ini_section()) {
            for d in e.diagnostics() {
                let seen = resolved
                    .problems
                    .iter()
                    .any(|p| p.line == d.line && p.kind == d.kind);
                if !seen {
                    problems.push(Problem::from_diagnostic(d, manifest_dir));
                }
            }
        }
        embedded.main_keys = main_keys(config, &resolved.prefix);
        match MigrationSettings::from_config(config) {
            Ok(s) => Some(s),
            Err(e) => {
                problems.extend(
                    e.diagnostics()
                        .iter()
                        .map(|d| Problem::from_diagnostic(d, manifest_dir)),
                );
                None
            }
        }
    });

    if let Some(settings) = &settings {
        embedded.script_location = Some(settings.script_location.clone());
        embedded.transaction_per_migration = settings.transaction_per_migration;
        embedded.lock_timeout_ms =
            u64::try_from(settings.lock_timeout.as_millis()).unwrap_or(u64::MAX);
        let migration_problem = |e: &MigrationError| Problem::from_migration(e, manifest_dir);
        match MigrationSet::load(&settings.script_location) {
            Err(errors) => problems.extend(errors.iter().map(migration_problem)),
            Ok(loaded) => {
                for warning in &loaded.warnings {
                    problems.push(Problem {
                        message: format!(
                            "{} [{}]",
                            relative_message(&warning.message, manifest_dir),
                            warning.kind
                        ),
                        file: Some(relative(&warning.path, manifest_dir)),
                        line: None,
                        column: None,
                        snippet: None,
                        help: None,
                    });
                }
                embedded.tracked = loaded
                    .set
                    .migrations()
                    .iter()
                    .filter_map(|m| m.dir.clone())
                    .collect();
                match RevisionGraph::new(loaded.set) {
                    Err(errors) => problems.extend(errors.iter().map(migration_problem)),
                    Ok(graph) => {
                        let heads = graph.heads();
                        if heads.len() > 1 && !settings.multiple_heads {
                            let names: Vec<&str> =
                                heads.iter().map(|m| m.revision.as_str()).collect();
                            problems.push(Problem {
                                message: format!(
                                    "the migrations folder has {} heads ({}) where one is expected; merge them with \
                                     `cargo schema merge -m MSG heads`, or set multiple_heads = true [multiple_heads]",
                                    names.len(),
                                    names.join(", ")
                                ),
                                file: Some(relative(&settings.script_location, manifest_dir)),
                                line: None,
                                column: None,
                                snippet: None,
                                help: None,
                            });
                        }
                        embedded.migrations = graph.migrations().to_vec();
                    }
                }
            }
        }
    }
    codegen::generate(&embedded, &problems)
}

/// The main section's keys that are not engine options, with their lines.
fn main_keys(config: &Config, prefix: &str) -> Vec<MainKey> {
    let doc = config.document();
    let section = config.config_ini_section();
    doc.keys(section)
        .into_iter()
        .filter(|k| !k.starts_with(prefix))
        .map(|key| MainKey {
            key: key.to_owned(),
            line: doc.entry(section, key).and_then(|e| e.origin.line()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate directory with a schema.ini and migrations.
    fn project(ini: &str, migrations: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("schema.ini"), ini).unwrap();
        std::fs::create_dir(dir.path().join("migrations")).unwrap();
        for (folder, up) in migrations {
            let m = dir.path().join("migrations").join(folder);
            std::fs::create_dir(&m).unwrap();
            std::fs::write(m.join("up.sql"), up).unwrap();
            std::fs::write(m.join("down.sql"), "SELECT 1;\n").unwrap();
        }
        dir
    }

    /// The expansion as readable Rust, the temp dir replaced.
    fn pretty(tokens: TokenStream, dir: &Path) -> String {
        let file: syn::File = syn::parse2(tokens).unwrap();
        let dir = dir.canonicalize().unwrap();
        prettyplease::unparse(&file).replace(&dir.display().to_string(), "[DIR]")
    }

    const SQLITE_ONLY: Backends = Backends {
        sqlite: true,
        postgres: false,
        mysql: false,
    };

    #[test]
    fn expansion_of_a_valid_project() {
        let dir = project(
            "[schema]\nscript_location = migrations\ndiesel.url = sqlite://app.db\ndiesel.pool_size = 3\napp.name = demo\n",
            &[("2024-01-01-000000_users", "CREATE TABLE users (id INTEGER);\n")],
        );
        let out = embed(&EmbedArgs::default(), dir.path(), SQLITE_ONLY);
        insta::assert_snapshot!(pretty(out, dir.path()));
    }

    #[test]
    fn a_backend_not_compiled_in_is_a_build_error() {
        let dir = project("[schema]\ndiesel.url = postgres://app@db/prod\n", &[]);
        let out = embed(&EmbedArgs::default(), dir.path(), SQLITE_ONLY).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(
            out.contains("is a postgres URL, but this build has only sqlite support"),
            "{out}"
        );
        assert!(out.contains("--> schema.ini:2:1"), "{out}");
        let all = Backends {
            sqlite: true,
            postgres: true,
            mysql: true,
        };
        let out = embed(&EmbedArgs::default(), dir.path(), all).to_string();
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn errors_still_emit_the_items_and_track_the_files() {
        let dir = project(
            "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_sise = 3\n",
            &[],
        );
        let out = pretty(
            embed(&EmbedArgs::default(), dir.path(), SQLITE_ONLY),
            dir.path(),
        );
        assert!(out.contains("compile_error!"), "{out}");
        assert!(out.contains("pub static MIGRATIONS"), "{out}");
        assert!(out.contains("pub struct SchemaConfig"), "{out}");
        assert!(
            out.contains("include_bytes!(\"[DIR]/schema.ini\")"),
            "{out}"
        );
    }

    #[test]
    fn a_password_in_the_ini_does_not_reach_an_error() {
        let dir = project(
            "[schema]\ndiesel.url = postgres://app:Sup3rS3cret@db:nope/prod\n",
            &[],
        );
        let out = embed(&EmbedArgs::default(), dir.path(), SQLITE_ONLY).to_string();
        assert!(out.contains("compile_error"), "{out}");
        let errors: String = out
            .split("compile_error")
            .skip(1)
            .map(|e| e.split(';').next().unwrap_or(""))
            .collect();
        assert!(!errors.contains("Sup3rS3cret"), "{errors}");
    }
}
