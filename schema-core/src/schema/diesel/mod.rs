//! diesel's `schema.rs` from a schema model, byte for byte what
//! `diesel print-schema` 2.3 prints for the same database and settings:
//! the same tables and Rust names (`infer`), the same text (`render`),
//! the same rustfmt pass and the same `patch_file` application.

mod infer;
pub mod parse;
mod render;
pub mod settings;
pub(crate) mod types;

use std::io::Write;
use std::process::{Command, Stdio};

pub use settings::{PrintSchemaConfigs, PrintSchemaSettings, SettingsError};
pub use types::default_sql_type;

use super::model::Schema;

/// Why schema.rs cannot be printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintSchemaError {
    /// diesel has no SQL type for a column's type.
    #[error("diesel has no SQL type for `{0}`; change the column's type or leave its table out with `filter`")]
    UnsupportedType(String),
    /// diesel needs a primary key on every table it prints.
    #[error("table `{0}` has no primary key, which diesel needs; add one, or leave the table out with `filter`")]
    NoPrimaryKey(String),
    /// A table vanished between reading and printing.
    #[error("table `{0}` was not found")]
    NoTable(String),
    /// `schema` set for SQLite.
    #[error("SQLite has no schemas: remove `schema` from the print_schema settings")]
    SqliteSchema,
    /// The patch file cannot be read or does not apply.
    #[error("patch file {path}: {message}")]
    Patch {
        /// The patch file.
        path: std::path::PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// schema.rs for `schema` under `settings`, formatted and patched as
/// diesel does it.
pub fn print_schema(
    schema: &Schema,
    settings: &PrintSchemaSettings,
) -> Result<String, PrintSchemaError> {
    let inferred = infer::infer(schema, settings)?;
    let overrides = render::custom_type_overrides(schema.backend, &inferred.tables, settings);
    let text = render::Definitions {
        backend: schema.backend,
        tables: &inferred.tables,
        foreign_keys: &inferred.foreign_keys,
        settings,
        overrides,
    }
    .render()?;
    // diesel keeps the unformatted text when rustfmt cannot run.
    let text = rustfmt(&text).unwrap_or(text);
    match &settings.patch_file {
        Some(path) => apply_patch(&text, path),
        None => Ok(text),
    }
}

/// `text` through `rustfmt` (the one on PATH, as diesel runs it, with the
/// configuration of the current directory).
fn rustfmt(text: &str) -> Option<String> {
    let mut child = Command::new("rustfmt")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = text.to_owned();
    // Written from a thread: rustfmt may fill its stdout pipe before it has
    // read all of stdin.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()
}

/// `text` (a schema.rs as `print_schema` writes it under `settings`) with
/// the edits of `settings.patch_file` taken back: the tables as the
/// database has them, which is what a schema.rs is compared with. The text
/// itself when there is no patch.
///
/// # Errors
/// The patch cannot be read, or its edits are not in `text` (schema.rs was
/// edited where the patch changes it).
pub fn unpatch(text: &str, settings: &PrintSchemaSettings) -> Result<String, PrintSchemaError> {
    let Some(path) = &settings.patch_file else {
        return Ok(text.to_owned());
    };
    let error = |message: String| PrintSchemaError::Patch {
        path: path.to_owned(),
        message,
    };
    let patch = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let patch = diffy::Patch::from_str(&patch).map_err(|e| error(e.to_string()))?;
    diffy::apply(text, &patch.reverse()).map_err(|e| {
        error(format!(
            "its edits are not in the file, so they cannot be taken back to compare it with the database ({e}); \
             edit the schema outside the patch's lines, or update the patch"
        ))
    })
}

fn apply_patch(text: &str, path: &std::path::Path) -> Result<String, PrintSchemaError> {
    let error = |message: String| PrintSchemaError::Patch {
        path: path.to_owned(),
        message,
    };
    let patch = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let patch = diffy::Patch::from_str(&patch).map_err(|e| error(e.to_string()))?;
    diffy::apply(text, &patch).map_err(|e| error(format!("does not apply: {e}")))
}
