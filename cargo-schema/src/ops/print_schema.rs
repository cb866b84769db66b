//! The print-schema settings source and keeping schema.rs current: diesel's
//! `schema.rs` from the live database, with the `[print_schema]` settings of
//! schema.ini or, when it has none, of a diesel.toml in the package root
//! (read unchanged, so a diesel project switches without editing anything).

use std::path::{Path, PathBuf};

use diesel::connection::LoadConnection;
use diesel::Connection;
use schema_core::schema::diesel::settings::{from_diesel_toml, from_ini};
use schema_core::schema::diesel::{print_schema, PrintSchemaConfigs, PrintSchemaSettings};
use schema_core::schema::Schema;
use schema_core::{ConfigError, Diagnostic, Kind};
use schema_runtime::introspect::{introspect, IntrospectBackend, IntrospectOptions};

use super::with_connection;
use crate::project::ProjectContext;
use crate::Failure;

/// The file diesel_cli reads its settings from.
pub const DIESEL_TOML: &str = "diesel.toml";

/// The project's print_schema configurations: schema.ini's
/// `[print_schema]` sections, else diesel.toml's, else diesel's defaults.
pub fn settings(project: &ProjectContext) -> Result<PrintSchemaConfigs, Failure> {
    match from_ini(project.project.config().document()) {
        Ok(Some(configs)) => return Ok(configs),
        Ok(None) => {}
        Err(problems) => {
            let mut problems = problems.into_iter();
            let first = problems
                .next()
                .unwrap_or_else(|| Diagnostic::new(Kind::InvalidValue, "invalid [print_schema]"));
            return Err(Failure::Config(ConfigError::new(first, problems.collect())));
        }
    }
    let toml = project.located.root.join(DIESEL_TOML);
    if toml.is_file() {
        return from_diesel_toml(&toml).map_err(|e| {
            let mut d = Diagnostic::new(Kind::InvalidValue, e.message).in_file(e.file);
            if let Some(line) = e.line {
                d = d.at_line(line);
            }
            Failure::from(d)
        });
    }
    let mut configs = PrintSchemaConfigs::default();
    configs
        .configs
        .insert("default".to_owned(), PrintSchemaSettings::default());
    Ok(configs)
}

/// The configurations `keys` names (all when empty), in key order.
pub fn select<'c>(
    configs: &'c PrintSchemaConfigs,
    keys: &[String],
) -> Result<Vec<&'c PrintSchemaSettings>, Failure> {
    if keys.is_empty() {
        return Ok(configs.configs.values().collect());
    }
    keys.iter()
        .map(|k| {
            configs.configs.get(k).ok_or_else(|| {
                let known: Vec<&str> = configs.configs.keys().map(String::as_str).collect();
                Failure::Usage(format!(
                    "no print_schema configuration `{k}`; the configurations are: {}",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

/// schema.rs for each configuration, reading the database once per
/// distinct `schema` setting.
pub fn render<C>(conn: &mut C, configs: &[&PrintSchemaSettings]) -> Result<Vec<String>, Failure>
where
    C: Connection + LoadConnection,
    C::Backend: IntrospectBackend,
{
    let mut read: Vec<(Option<String>, Schema)> = Vec::new();
    let mut out = Vec::new();
    for settings in configs {
        let index = match read.iter().position(|(s, _)| *s == settings.schema) {
            Some(i) => i,
            None => {
                let options = IntrospectOptions {
                    schemas: settings.schema.iter().cloned().collect(),
                };
                read.push((settings.schema.clone(), introspect(conn, &options)?));
                read.len() - 1
            }
        };
        let text =
            print_schema(&read[index].1, settings).map_err(|e| Failure::Usage(e.to_string()))?;
        out.push(text);
    }
    Ok(out)
}

/// The configurations that name a `file`, with that file.
pub fn with_files(configs: &PrintSchemaConfigs) -> Vec<(&PrintSchemaSettings, &Path)> {
    configs
        .configs
        .values()
        .filter_map(|c| c.file.as_deref().map(|f| (c, f)))
        .collect()
}

/// Each configured `file` with what `print-schema` writes for it now.
fn rendered_files<'c, C>(
    conn: &mut C,
    configs: &'c PrintSchemaConfigs,
) -> Result<Vec<(&'c Path, String)>, Failure>
where
    C: Connection + LoadConnection,
    C::Backend: IntrospectBackend,
{
    let targets = with_files(configs);
    let settings: Vec<&PrintSchemaSettings> = targets.iter().map(|(c, _)| *c).collect();
    let texts = render(conn, &settings)?;
    Ok(targets
        .into_iter()
        .map(|(_, file)| file)
        .zip(texts)
        .collect())
}

/// Write each configuration's `file` (after a successful upgrade,
/// downgrade or stamp, as `diesel migration run` does); returns the files
/// written.
pub fn rewrite<C>(conn: &mut C, configs: &PrintSchemaConfigs) -> Result<Vec<PathBuf>, Failure>
where
    C: Connection + LoadConnection,
    C::Backend: IntrospectBackend,
{
    let mut written = Vec::new();
    for (file, text) in rendered_files(conn, configs)? {
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", parent.display())))?;
        }
        // Written whole to a sibling, then renamed: a failure leaves the old
        // file, never half a new one. Through a symlink, keeping the mode.
        crate::files::write(
            file,
            text.as_bytes(),
            Some(0o644),
            crate::files::Existing::Replace,
        )?;
        written.push(file.to_path_buf());
    }
    Ok(written)
}

/// Each configured `file` that differs from what `print-schema` writes
/// now, with a unified diff from the file to the new text.
pub fn stale<C>(
    conn: &mut C,
    configs: &PrintSchemaConfigs,
) -> Result<Vec<(PathBuf, String)>, Failure>
where
    C: Connection + LoadConnection,
    C::Backend: IntrospectBackend,
{
    let mut out = Vec::new();
    for (file, text) in rendered_files(conn, configs)? {
        let old = std::fs::read_to_string(file).unwrap_or_default();
        if old.lines().ne(text.lines()) {
            let patch = diffy::create_patch(&old, &text);
            let label = file.display().to_string();
            let diff = diffy::PatchFormatter::new()
                .fmt_patch(&patch)
                .to_string()
                .replacen("--- original", &format!("--- {label}"), 1)
                .replacen("+++ modified", "+++ new schema", 1);
            out.push((file.to_path_buf(), diff));
        }
    }
    Ok(out)
}

/// Rewrite each print_schema `file` from the database as it now is, as
/// `diesel migration run` does; nothing when no configuration names one.
/// Returns the files written.
pub fn follow(
    project: &ProjectContext,
    engine: &schema_core::EngineSettings,
) -> Result<Vec<PathBuf>, Failure> {
    let configs = settings(project)?;
    if with_files(&configs).is_empty() {
        return Ok(Vec::new());
    }
    let written = with_connection!(engine, |conn| rewrite(&mut conn, &configs))
        .map_err(|e| match e {
            // The run itself succeeded and is recorded: say so, and which
            // file could not follow it.
            Failure::Io(e) => Failure::Io(std::io::Error::new(
                e.kind(),
                format!(
                    "the run succeeded and is recorded in the database, but print_schema's file was not updated: {e}; \
                     fix the cause and run `cargo schema print-schema`"
                ),
            )),
            other => other,
        })?;
    Ok(written)
}
