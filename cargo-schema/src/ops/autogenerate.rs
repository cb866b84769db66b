//! `generate --autogenerate`'s workflow up to the changes: which schema.rs
//! to read (and the `[print_schema]` settings that printed it), the
//! preconditions on the database (every revision applied, none failed or
//! unknown), and the difference between the live schema and schema.rs.

use std::path::{Path, PathBuf};

use diesel::connection::LoadConnection;
use diesel::Connection;
use schema_core::schema::diesel::parse::parse_schema_rs;
use schema_core::schema::diesel::{unpatch, PrintSchemaSettings};
use schema_core::schema::diff::{diff, Diff, Renames};
use schema_core::schema::{Identity, Schema};
use schema_core::{Diagnostic, Kind};
use schema_runtime::introspect::{introspect, IntrospectBackend, IntrospectOptions};
use schema_runtime::Dialect;

use super::{print_schema, with_connection};
use crate::project::ProjectContext;
use crate::Failure;

/// The live schema (of the tables schema.rs covers) and what schema.rs
/// asks to change in it.
#[derive(Debug)]
pub struct Compared {
    /// The schema.rs read.
    pub file: PathBuf,
    /// The live schema at head, as schema.rs covers it.
    pub live: Schema,
    /// The changes from `live` to schema.rs, and hints.
    pub diff: Diff,
}

/// Compare the project's database (which must be at head) with
/// `schema_file` (default: the one `[print_schema] file`), renames as
/// given; `cwd` resolves a relative `schema_file`.
pub fn compare(
    project: &ProjectContext,
    schema_file: Option<&Path>,
    renames: &Renames,
) -> Result<Compared, Failure> {
    project.graph()?;
    let configs = print_schema::settings(project)?;
    let (file, settings) = self::schema_file(project, schema_file, &configs)?;
    let engine = project.engine_settings()?;
    let source = std::fs::read_to_string(&file).map_err(|e| {
        Failure::from(
            Diagnostic::new(Kind::Io, format!("cannot read schema.rs: {e}")).in_file(&file),
        )
    })?;
    // schema.rs is print-schema's output with `patch_file` applied: its
    // edits are not changes to the database.
    let source = unpatch(&source, &settings).map_err(|e| {
        Failure::from(Diagnostic::new(Kind::InvalidValue, e.to_string()).in_file(&file))
    })?;
    let desired = parse_schema_rs(&source, &file, engine.url.backend()).map_err(|e| {
        Failure::from(
            Diagnostic::new(Kind::InvalidValue, e.message)
                .in_file(&file)
                .at_line(e.line),
        )
    })?;
    let migrator = project.migrator(false)?;
    let live = with_connection!(&engine, |conn| live_at_head(
        &mut conn, &migrator, &settings
    ))?;
    let mut desired = filtered(desired, &settings, live.default_schema.as_deref());
    let mut live = live;
    if live.backend == schema_core::url::Backend::Sqlite
        && settings.sqlite_integer_primary_key_is_bigint == Some(true)
    {
        rowid_keys(&mut desired);
        // The rowid reads back as `BigInt`, as print-schema prints it.
        for c in live.tables.iter_mut().flat_map(|t| t.columns.iter_mut()) {
            if c.identity == Some(Identity::RowId) {
                c.sql_type = Some("BigInt".to_owned());
            }
        }
    }
    let diff = diff(&live, &desired, renames).map_err(|e| Failure::Usage(e.to_string()))?;
    Ok(Compared { file, live, diff })
}

/// The schema.rs to read and the `[print_schema]` settings that printed it
/// (which say what part of the database it covers).
fn schema_file(
    project: &ProjectContext,
    schema_file: Option<&Path>,
    configs: &schema_core::schema::diesel::PrintSchemaConfigs,
) -> Result<(PathBuf, PrintSchemaSettings), Failure> {
    let with_files = print_schema::with_files(configs);
    if let Some(path) = schema_file {
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()?.join(path)
        };
        let settings = with_files
            .iter()
            .find(|(_, f)| same_file(f, &path))
            .map(|(s, _)| (*s).clone())
            .or_else(|| configs.configs.get("default").cloned())
            .unwrap_or_default();
        return Ok((path, settings));
    }
    match with_files.as_slice() {
        [(settings, file)] => Ok((file.to_path_buf(), (*settings).clone())),
        [] => Err(Failure::Usage(format!(
            "--autogenerate compares the database with schema.rs, and {} names none: set `file` in [print_schema] or pass --schema-file PATH",
            project.located.config_path.display()
        ))),
        several => Err(Failure::Usage(format!(
            "[print_schema] names several files ({}): pass --schema-file PATH to say which one to compare with",
            several
                .iter()
                .map(|(_, f)| shown(f))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// A path relative to the working directory where it is under it.
pub fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The live schema, refused unless every revision is applied: the new
/// revision's SQL is written against the schema at head.
fn live_at_head<C>(
    conn: &mut C,
    migrator: &schema_runtime::Migrator,
    settings: &PrintSchemaSettings,
) -> Result<Schema, Failure>
where
    C: Dialect + Connection + LoadConnection,
    C::Backend: IntrospectBackend,
{
    let status = migrator.status(conn)?;
    let mut problems = Vec::new();
    if !status.pending.is_empty() {
        problems.push(format!(
            "{} revision(s) not applied ({}); run `cargo schema upgrade` first",
            status.pending.len(),
            status.pending.join(", ")
        ));
    }
    if !status.failed.is_empty() {
        problems.push(format!(
            "revision(s) {} failed partway; repair the database first",
            status.failed.join(", ")
        ));
    }
    if !status.unknown.is_empty() {
        problems.push(format!(
            "the database records revision(s) the folder does not have: {}",
            status.unknown.join(", ")
        ));
    }
    if !problems.is_empty() {
        return Err(Failure::Usage(format!(
            "the database is not at head, so its schema is not the one a new revision follows: {}",
            problems.join("; ")
        )));
    }
    let options = IntrospectOptions {
        schemas: settings.schema.iter().cloned().collect(),
    };
    let live = introspect(conn, &options)?;
    let default_schema = live.default_schema.clone();
    Ok(filtered(live, settings, default_schema.as_deref()))
}

/// Only the tables schema.rs covers: those `filter` keeps, of the
/// configured schema (or the default one).
fn filtered(
    mut schema: Schema,
    settings: &PrintSchemaSettings,
    default_schema: Option<&str>,
) -> Schema {
    let wanted = settings.schema.as_deref().or(default_schema);
    schema.tables.retain(|t| {
        !settings.filter.should_ignore(&t.name)
            && (t.schema.is_none() || t.schema.as_deref() == wanted)
    });
    if schema.default_schema.is_none() {
        schema.default_schema = default_schema.map(str::to_owned);
    }
    schema
}

/// With `sqlite_integer_primary_key_is_bigint`, a table's single `BigInt`
/// key is the rowid (`INTEGER PRIMARY KEY`), as diesel creates it and
/// `print-schema` reads it back.
fn rowid_keys(desired: &mut Schema) {
    for table in &mut desired.tables {
        let key = table.primary_key.as_ref().map(|k| k.columns.clone());
        if let Some([only]) = key.as_deref() {
            if let Some(c) = table.columns.iter_mut().find(|c| &c.name == only) {
                let ty = c.sql_type.as_deref().unwrap_or(&c.data_type);
                if ty
                    .rsplit("::")
                    .next()
                    .unwrap_or(ty)
                    .trim()
                    .eq_ignore_ascii_case("bigint")
                {
                    c.identity = Some(Identity::RowId);
                }
            }
        }
    }
}
