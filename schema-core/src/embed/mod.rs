//! The build-time half of `embed!()`: read the ini file and the migrations
//! folder through the project pipeline ([`Project`], the same one the
//! command and the runtime use), collect every problem, and generate the
//! items. Problems become `compile_error!`s that name the file and line;
//! the items are emitted anyway, so the user's code that uses them does not
//! cascade into unrelated errors. The proc-macro crate only parses its
//! arguments and calls [`expand`].

mod codegen;

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::engine;
use crate::migrations::MigrationError;
use crate::project::{EnvPolicy, Project, ProjectSpec};
use crate::url::Backends;

pub use codegen::{Embedded, MainKey};

/// What `embed!(config = "...", section = "...", prefix = "...")` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbedRequest {
    /// The ini file, relative to the crate's manifest directory (default
    /// `schema.ini`).
    pub config: Option<String>,
    /// The main section.
    pub section: Option<String>,
    /// The engine option prefix.
    pub prefix: Option<String>,
}

/// One problem, ready to become a `compile_error!`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

/// A warning for each line of the ini file that writes a password
/// literally (a URL's password, or the value of a key named like
/// `password`, that is no `${NAME}` or `%(key)s` reference): `embed!()`
/// compiles the ini text into the binary, where anyone with the binary
/// can read it. The warning names the line, never the password.
pub fn literal_passwords(config_path: &Path, base: &Path) -> Vec<Problem> {
    let Ok(text) = std::fs::read_to_string(config_path) else {
        return Vec::new();
    };
    let literal = |secret: &str| !secret.is_empty() && crate::secret::references(secret).is_empty();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with(['#', ';', '[']) {
            continue;
        }
        let Some((key, value)) = trimmed.split_once(['=', ':']) else {
            continue;
        };
        let value = value.trim();
        // Alembic's template placeholder (`driver://user:pass@localhost/
        // dbname`) names no database and holds no real password.
        if value.starts_with("driver://") {
            continue;
        }
        let in_url = crate::secret::raw_passwords(value).into_iter().any(literal);
        if in_url || (crate::secret::is_secret_key(key.trim()) && literal(value)) {
            out.push(Problem {
                message: "a password is written literally in the ini file, and embed!() compiles \
                          the ini text into the binary"
                    .to_owned(),
                file: Some(relative(config_path, base)),
                line: Some(i + 1),
                column: Some(line.len() - trimmed.len() + 1),
                snippet: None,
                help: Some(
                    "write it as ${NAME} (read from the environment or .env at run time), \
                     or set DATABASE_URL, and keep it out of the file"
                        .to_owned(),
                ),
            });
        }
    }
    out
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

/// Expand `embed!()` for a crate whose manifest is in `manifest_dir`,
/// compiled with `backends`.
pub fn expand(request: &EmbedRequest, manifest_dir: &Path, backends: Backends) -> TokenStream {
    let (embedded, problems) = collect(request, manifest_dir, backends);
    codegen::generate(&embedded, &problems)
}

/// What the build finds for `request`, and every problem.
pub fn collect(
    request: &EmbedRequest,
    manifest_dir: &Path,
    backends: Backends,
) -> (Embedded, Vec<Problem>) {
    let config_rel = request.config.as_deref().unwrap_or("schema.ini");
    let config_path = crate::ini::absolute_path(&manifest_dir.join(config_rel));
    let mut problems = Vec::new();
    let mut embedded = Embedded {
        config_path: config_path.clone(),
        config_readable: config_path.is_file(),
        root: manifest_dir.to_path_buf(),
        section: request.section.clone(),
        prefix: request
            .prefix
            .clone()
            .unwrap_or_else(|| engine::DEFAULT_PREFIX.to_owned()),
        ..Embedded::default()
    };
    let from_diagnostics = |problems: &mut Vec<Problem>, ds: &[Diagnostic]| {
        problems.extend(ds.iter().map(|d| Problem::from_diagnostic(d, manifest_dir)));
    };

    // The build reads no environment: the running app's is unknown.
    let spec = ProjectSpec::new(&config_path)
        .root(Some(manifest_dir.to_path_buf()))
        .section(request.section.clone())
        .prefix(request.prefix.clone())
        .env(EnvPolicy::BuildTime)
        .backends(backends, "schema-runtime");
    let project = match Project::open(spec) {
        Ok(project) => project,
        Err(e) => {
            from_diagnostics(&mut problems, e.diagnostics());
            return (embedded, problems);
        }
    };
    embedded.warnings = literal_passwords(&config_path, manifest_dir);
    let config = project.config();
    let resolved = project.resolve_engine(None);
    embedded.prefix = resolved.prefix.clone();
    from_diagnostics(&mut problems, &resolved.problems);
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
    let settings = match project.migration_settings() {
        Ok(settings) => settings,
        Err(e) => {
            from_diagnostics(&mut problems, e.diagnostics());
            return (embedded, problems);
        }
    };
    embedded.script_location = Some(settings.script_location.clone());
    embedded.run = settings.run;

    let found = project.migrations(&settings, None);
    for warning in &found.warnings {
        let problem = Problem {
            message: format!(
                "{} [{}]",
                relative_message(&warning.message, manifest_dir),
                warning.kind
            ),
            file: Some(relative(&warning.path, manifest_dir)),
            ..Problem::default()
        };
        // An irreversible revision builds (diesel builds it too); an empty
        // up.sql or a misnamed folder does not.
        if warning.kind == "empty_down_sql" {
            embedded.irreversible.push(problem);
        } else {
            problems.push(problem);
        }
    }
    embedded.tracked = found.folders;
    match found.graph {
        Err(errors) => problems.extend(
            errors
                .iter()
                .map(|e| Problem::from_migration(e, manifest_dir)),
        ),
        Ok(graph) => {
            if let Some(several) = &found.several_heads {
                problems.push(Problem {
                    message: format!("{several} [multiple_heads]"),
                    file: Some(relative(&several.folder, manifest_dir)),
                    ..Problem::default()
                });
            }
            // Its files are not folders, and sqlx.toml's settings would
            // have to reach the binary: refused by name until they do.
            if let Some(m) = graph.migrations().iter().find(|m| m.sqlx.is_some()) {
                problems.push(Problem {
                    message: format!(
                        "embed!() does not embed migrations in sqlx's layout yet ({} and the \
                         others like it); use sqlx::migrate!() for them, or `cargo schema upgrade` \
                         [sqlx_layout]",
                        m.folder_name
                    ),
                    file: Some(relative(&m.file_path("up.sql"), manifest_dir)),
                    ..Problem::default()
                });
                return (embedded, problems);
            }
            embedded.migrations = graph.migrations().to_vec();
        }
    }
    (embedded, problems)
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
        let out = expand(&EmbedRequest::default(), dir.path(), SQLITE_ONLY);
        insta::assert_snapshot!(pretty(out, dir.path()));
    }

    #[test]
    fn a_backend_not_compiled_in_is_a_build_error() {
        let dir = project("[schema]\ndiesel.url = postgres://app@db/prod\n", &[]);
        let out = expand(&EmbedRequest::default(), dir.path(), SQLITE_ONLY).to_string();
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
        let out = expand(&EmbedRequest::default(), dir.path(), all).to_string();
        assert!(!out.contains("compile_error"), "{out}");
    }

    /// Unlike an empty up.sql, a warning rather than an error: the build
    /// names the folder, unless down.sql says `-- irreversible`.
    #[test]
    fn a_sqlx_folder_is_refused_by_name() {
        let dir = project("[schema]\ndiesel.url = sqlite://app.db\n", &[]);
        std::fs::write(dir.path().join("migrations/1_init.sql"), "SELECT 1;\n").unwrap();
        let (_, problems) = collect(&EmbedRequest::default(), dir.path(), SQLITE_ONLY);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .message
                .contains("sqlx's layout yet (1_init.sql"),
            "{problems:?}"
        );
        assert_eq!(
            problems[0].file.as_deref(),
            Some(Path::new("migrations/1_init.sql"))
        );
    }

    #[test]
    fn an_empty_down_sql_is_a_build_warning() {
        let dir = project(
            "[schema]\ndiesel.url = sqlite://app.db\n",
            &[(
                "2024-01-01-000000_users",
                "CREATE TABLE users (id INTEGER);\n",
            )],
        );
        let down = dir
            .path()
            .join("migrations/2024-01-01-000000_users/down.sql");
        std::fs::write(&down, "-- This file should undo anything in `up.sql`\n").unwrap();
        let out = expand(&EmbedRequest::default(), dir.path(), SQLITE_ONLY).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("RevisionCannotBeReverted"), "{out}");
        assert!(
            out.contains("down.sql runs no SQL while up.sql does"),
            "{out}"
        );
        assert!(out.contains("[empty_down_sql]"), "{out}");
        assert!(out.contains("2024-01-01-000000_users/down.sql"), "{out}");
        std::fs::write(&down, "-- irreversible\n").unwrap();
        let out = expand(&EmbedRequest::default(), dir.path(), SQLITE_ONLY).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("RevisionCannotBeReverted"), "{out}");
    }

    #[test]
    fn errors_still_emit_the_items_and_track_the_files() {
        let dir = project(
            "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_sise = 3\n",
            &[],
        );
        let out = pretty(
            expand(&EmbedRequest::default(), dir.path(), SQLITE_ONLY),
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
    fn lock_and_ddl_keys_reach_the_embedded_runner() {
        let dir = project(
            "[schema]\ndiesel.url = sqlite://app.db\nlock = none\nlock_lease = 2.5\ntransactional_ddl = false\n",
            &[],
        );
        let out = pretty(
            expand(&EmbedRequest::default(), dir.path(), SQLITE_ONLY),
            dir.path(),
        );
        assert!(!out.contains("compile_error"), "{out}");
        for field in [
            "lock: ::core::option::Option::Some(::schema_runtime::LockMode::None),",
            "lock_lease: ::core::time::Duration::from_millis(2500u64),",
            "transactional_ddl: ::core::option::Option::Some(false),",
            "::core::option::Option::Some(&CONFIG),",
        ] {
            assert!(out.contains(field), "{field} in {out}");
        }
    }

    #[test]
    fn bad_lock_keys_are_build_errors_naming_the_line() {
        let dir = project(
            "[schema]\ndiesel.url = sqlite://app.db\nlock = advisroy\ntransactional_ddl = maybe\n",
            &[],
        );
        let out = expand(&EmbedRequest::default(), dir.path(), SQLITE_ONLY).to_string();
        for expected in [
            "`lock`: expected one of advisory, table, none, got `advisroy`",
            "did you mean `advisory`?",
            "--> schema.ini:3:1",
            "`transactional_ddl`: expected true or false, got `maybe`",
            "--> schema.ini:4:1",
        ] {
            assert!(out.contains(expected), "{expected} in {out}");
        }
    }

    #[test]
    fn a_password_in_the_ini_does_not_reach_an_error() {
        let dir = project(
            "[schema]\ndiesel.url = postgres://app:Sup3rS3cret@db:nope/prod\n",
            &[],
        );
        let out = expand(&EmbedRequest::default(), dir.path(), SQLITE_ONLY).to_string();
        assert!(out.contains("compile_error"), "{out}");
        let errors: String = out
            .split("compile_error")
            .skip(1)
            .map(|e| e.split(';').next().unwrap_or(""))
            .collect();
        assert!(!errors.contains("Sup3rS3cret"), "{errors}");
    }

    /// On a multidb ini, `embed!()` embeds the main section: the shared
    /// migrations and engine options, the URL left to run time (each
    /// database's is set there, as with `set_main_option`).
    #[test]
    fn a_multidb_ini_embeds_the_main_section_with_the_url_left_to_run_time() {
        let dir = project(
            "[schema]\ndatabases = a, b\ndiesel.pool_size = 3\n\
             [a]\ndiesel.url = sqlite://a.db\n[b]\ndiesel.url = sqlite://b.db\n",
            &[("2024-01-01-000000_x", "CREATE TABLE x (id INTEGER);\n")],
        );
        let (embedded, problems) = collect(&EmbedRequest::default(), dir.path(), SQLITE_ONLY);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(embedded.migrations.len(), 1);
        let out = expand(&EmbedRequest::default(), dir.path(), SQLITE_ONLY).to_string();
        assert!(!out.contains("compile_error"), "{out}");
    }
}
