//! Reading diesel's migrations directory layout from disk:
//! `<version>_<name>/up.sql`, optional `down.sql` and `metadata.toml`.
//!
//! Entries are judged as diesel_migrations judges them
//! (`migrations_internals`): names starting with `.` are skipped, every
//! other directory is a migration and must contain `up.sql`, top-level files
//! are not migrations. Unlike diesel, a top-level `.sql` file and unexpected
//! SQL or TOML files inside a migration folder produce a warning, because
//! they are usually a migration written in the wrong place.
//!
//! Top-level files named as sqlx names its migrations
//! (`<VERSION>_<DESCRIPTION>.sql`, `.up.sql`, `.down.sql`) are migrations
//! too, read as sqlx reads them ([`super::sqlx`]), with the `sqlx.toml` of
//! the crate the folder belongs to.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::cache::{FolderFile, FolderRecord, Record, Stamp};
use super::error::{MigrationError, Warning};
use super::set::{MigrationFiles, MigrationSet};
use super::sqlx;

/// The version diesel derives from a folder name: everything before the
/// first `_`, with every `-` removed (`2024-01-31-120000-0000_create_users`
/// gives `202401311200000000`).
///
/// diesel accepts any such prefix; this tool also requires it to be made of
/// ASCII letters and digits and to contain a digit, so a folder named
/// `create_users` (version `create`) is reported instead of being ordered
/// among timestamps by accident.
pub fn diesel_version(folder_name: &str) -> Result<String, String> {
    let prefix = folder_name.split('_').next().unwrap_or_default();
    let version: String = prefix.chars().filter(|&c| c != '-').collect();
    if version.is_empty() {
        return Err("the name does not start with a version".into());
    }
    if let Some(c) = version.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(format!("the version `{prefix}` contains `{c}`"));
    }
    if !version.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!("`{prefix}` is not a version (it has no digit)"));
    }
    Ok(version)
}

/// A directory's migrations and the warnings its load produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderContents {
    /// The migrations.
    pub set: MigrationSet,
    /// Suspicious entries that did not stop the load.
    pub warnings: Vec<Warning>,
}

impl MigrationSet {
    /// Reads a migrations directory, reporting every problem at once.
    pub fn load(dir: &Path) -> Result<FolderContents, Vec<MigrationError>> {
        load(dir, None)
    }
}

/// [`MigrationSet::load`], noting in `record` (when given) what each
/// directory and file looked like before it was read, for the cache.
pub(crate) fn load(
    dir: &Path,
    mut record: Option<&mut Record>,
) -> Result<FolderContents, Vec<MigrationError>> {
    if let Some(r) = record.as_deref_mut() {
        // Before the listing: a folder added after this stat makes the
        // stamp stale, never the listing.
        r.stamp = fs::metadata(dir).ok().map(|m| Stamp::of(&m));
    }
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let root = Root::of(dir);
    let entries = list(dir).map_err(|reason| {
        vec![MigrationError::DirectoryUnreadable {
            path: dir.to_path_buf(),
            reason,
        }]
    })?;
    // Decide on each entry in order; the folders themselves are read
    // afterwards, on a few threads, and their results put back in place.
    let mut slots = Vec::with_capacity(entries.len());
    let mut sqlx_files = Vec::new();
    for (path, file_type) in entries {
        let Some(name) = path.file_name() else {
            continue;
        };
        if name.as_encoded_bytes().first() == Some(&b'.') {
            continue;
        }
        let Some(name) = name.to_str().map(str::to_owned) else {
            slots.push(Slot::Error(MigrationError::NotUtf8 { path }));
            continue;
        };
        // Follows symlinks, as diesel's `read_dir` of the folder does;
        // any other entry's type comes with the listing, without a stat.
        let is_dir = if file_type.is_symlink() {
            if let Err(e) = root.check_link(&path) {
                slots.push(Slot::Error(e));
                continue;
            }
            match fs::metadata(&path) {
                Ok(m) => m.is_dir(),
                Err(e) => {
                    slots.push(Slot::Error(MigrationError::UnreadableFile {
                        path,
                        reason: e.to_string(),
                    }));
                    continue;
                }
            }
        } else {
            file_type.is_dir()
        };
        if !is_dir {
            match sqlx::file_name(&name) {
                Some(Ok(parsed)) => {
                    sqlx_files.push((path, name, parsed));
                    continue;
                }
                Some(Err(reason)) => {
                    slots.push(Slot::Error(MigrationError::Sqlx {
                        path,
                        reason: format!(
                            "{reason}; sqlx names a migration <VERSION>_<DESCRIPTION>.sql"
                        ),
                    }));
                    continue;
                }
                None => {}
            }
            if looks_like_migration_file(&name) {
                slots.push(Slot::Warning(Warning {
                    kind: "stray_file",
                    path,
                    message: "this file is not inside a migration folder and is ignored; \
                              move it into <version>_<name>/"
                        .into(),
                }));
            }
            continue;
        }
        slots.push(Slot::Folder(path, name));
    }
    let folders: Vec<(&Path, &str)> = slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Folder(path, name) => Some((path.as_path(), name.as_str())),
            _ => None,
        })
        .collect();
    let mut read = read_folders(&folders, record.is_some(), &root).into_iter();
    let mut files = Vec::with_capacity(folders.len());
    for slot in slots {
        match slot {
            Slot::Error(e) => errors.push(e),
            Slot::Warning(w) => warnings.push(w),
            Slot::Folder(..) => {
                let Some((result, mut folder_warnings, folder_record)) = read.next() else {
                    continue;
                };
                warnings.append(&mut folder_warnings);
                if let Some(r) = record.as_deref_mut() {
                    r.folders.push(folder_record);
                }
                match result {
                    Ok(f) => files.push(f),
                    Err(mut e) => errors.append(&mut e),
                }
            }
        }
    }
    let mut sqlx_config = sqlx::SqlxConfig::default();
    if !sqlx_files.is_empty() {
        if let Some(r) = record.as_deref_mut() {
            // sqlx's files sit in the folder itself, where the snapshot's
            // stamps would not see one edited in place: never cached.
            r.folders.push(FolderRecord::default());
        }
        match sqlx::SqlxConfig::for_folder(dir) {
            Ok(config) => sqlx_config = config,
            Err(reason) => errors.push(MigrationError::Sqlx {
                path: dir.to_path_buf(),
                reason,
            }),
        }
        files.extend(read_sqlx_files(dir, sqlx_files, &mut errors));
    }
    match MigrationSet::from_files_with(files, &sqlx_config) {
        Ok(set) if errors.is_empty() => {
            if let Some(r) = record {
                r.capture(&set, &warnings);
            }
            Ok(FolderContents { set, warnings })
        }
        Ok(_) => Err(errors),
        Err(mut e) => {
            errors.append(&mut e);
            Err(errors)
        }
    }
}

/// A top-level entry of the migrations directory, in listing order.
enum Slot {
    Error(MigrationError),
    Warning(Warning),
    Folder(PathBuf, String),
}

/// What reading one folder gave, with its warnings and, when recording,
/// its stamps.
type FolderRead = (
    Result<MigrationFiles, Vec<MigrationError>>,
    Vec<Warning>,
    FolderRecord,
);

/// Reads the folders in order.
fn read_folders(folders: &[(&Path, &str)], record: bool, root: &Root) -> Vec<FolderRead> {
    par_map(folders, |&(path, name)| {
        let mut warnings = Vec::new();
        let mut folder = FolderRecord::default();
        if record {
            folder.name = name.to_owned();
            folder.stamp = fs::metadata(path).ok().map(|m| Stamp::of(&m));
        }
        let read = read_folder(path, name, &mut warnings, &mut folder, root);
        (read, warnings, folder)
    })
}

/// `items.iter().map(f)`, in order. Reading or checking a large migrations
/// directory is mostly system calls (a few per folder), which run in
/// parallel, so a large one is split over a few threads.
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if threads < 2 || items.len() < 100 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// sqlx's migrations among the folder's files: one [`MigrationFiles`] per
/// migration, named after its up file (`1_init.sql`, `2_posts.up.sql`),
/// whose `dir` is the migrations folder itself.
fn read_sqlx_files(
    dir: &Path,
    found: Vec<(PathBuf, String, sqlx::FileName)>,
    errors: &mut Vec<MigrationError>,
) -> Vec<MigrationFiles> {
    let mut downs = std::collections::HashMap::new();
    let mut ups = Vec::new();
    for (path, name, parsed) in found {
        if parsed.kind == sqlx::FileKind::Down {
            downs.insert(parsed.stem, path);
        } else {
            ups.push((path, name, parsed.stem));
        }
    }
    let mut out = Vec::with_capacity(ups.len());
    for (path, name, stem) in ups {
        let down = downs.remove(&stem);
        let up_sql = match read_text(&path) {
            Ok((text, _)) => text,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let down_sql = match down.map(|p| read_text(&p)) {
            None => None,
            Some(Ok((text, _))) => Some(text),
            Some(Err(e)) => {
                errors.push(e);
                continue;
            }
        };
        out.push(MigrationFiles {
            folder_name: name,
            up_sql,
            down_sql,
            metadata_toml: None,
            dir: Some(dir.to_path_buf()),
        });
    }
    let mut orphans: Vec<PathBuf> = downs.into_values().collect();
    orphans.sort();
    for path in orphans {
        let up = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| n.replace(".down.sql", ".up.sql"))
            .unwrap_or_default();
        errors.push(MigrationError::Sqlx {
            path,
            reason: format!(
                "a down migration without its up file; add {up} beside it or remove it"
            ),
        });
    }
    out
}

fn looks_like_migration_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".sql") || lower.ends_with(".toml")
}

/// The directory's entries and their types (a symlink's own), sorted so
/// that errors come in a stable order.
fn list(dir: &Path) -> Result<Vec<(PathBuf, fs::FileType)>, String> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let file_type = entry.file_type().map_err(|e| e.to_string())?;
        out.push((entry.file_name(), entry.path(), file_type));
    }
    // One parent: comparing names orders as comparing the paths, cheaper.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, path, t)| (path, t)).collect())
}

fn read_folder(
    dir: &Path,
    name: &str,
    warnings: &mut Vec<Warning>,
    record: &mut FolderRecord,
    root: &Root,
) -> Result<MigrationFiles, Vec<MigrationError>> {
    let entries = list(dir).map_err(|reason| {
        vec![MigrationError::UnreadableFile {
            path: dir.to_path_buf(),
            reason,
        }]
    })?;
    let mut errors = Vec::new();
    let mut up = None;
    let mut down = None;
    let mut metadata = None;
    for (path, file_type) in entries {
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if file_type.is_symlink() && matches!(file, "up.sql" | "down.sql" | "metadata.toml") {
            if let Err(e) = root.check_link(&path) {
                errors.push(e);
                continue;
            }
        }
        let (slot, kind) = match file {
            "up.sql" => (&mut up, FolderFile::Up),
            "down.sql" => (&mut down, FolderFile::Down),
            "metadata.toml" => (&mut metadata, FolderFile::Metadata),
            other => {
                if !other.starts_with('.') && looks_like_migration_file(other) {
                    warnings.push(Warning {
                        kind: "unexpected_file",
                        path,
                        message: "only up.sql, down.sql and metadata.toml are read; \
                                  this file is ignored (check its name)"
                            .into(),
                    });
                }
                continue;
            }
        };
        match read_text(&path) {
            Ok((text, stamp)) => {
                *slot = Some(text);
                record.files.push((kind, stamp));
            }
            Err(e) => errors.push(e),
        }
    }
    if up.is_none() && !errors.iter().any(|e| e.path() == Some(&dir.join("up.sql"))) {
        errors.push(MigrationError::MissingUpSql {
            path: dir.to_path_buf(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let up_sql = up.unwrap_or_default();
    if up_sql.trim().is_empty() {
        warnings.push(Warning {
            kind: "empty_up_sql",
            path: dir.join("up.sql"),
            message: "up.sql is empty; diesel refuses to run an empty migration".into(),
        });
    }
    if down
        .as_deref()
        .is_some_and(|down_sql| super::set::down_reverts_nothing(&up_sql, down_sql))
    {
        warnings.push(Warning {
            kind: "empty_down_sql",
            path: dir.join("down.sql"),
            message: format!(
                "down.sql runs no SQL while up.sql does, so a downgrade refuses to revert this revision; \
                 write the SQL that undoes up.sql, or a line `{}` if it cannot be undone on purpose",
                crate::sql::IRREVERSIBLE_MARKER
            ),
        });
    }
    Ok(MigrationFiles {
        folder_name: name.to_string(),
        up_sql,
        down_sql: down,
        metadata_toml: metadata,
        dir: Some(dir.to_path_buf()),
    })
}

/// The largest migration file read: far above any real migration (a 200 MB
/// data load reads), far below what a file linked to `/dev/zero` or a
/// huge file planted in an untrusted checkout would make the process
/// allocate.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// The environment variable that lets links in the migrations folder lead
/// out of it (a checkout is untrusted by default: such a link could make
/// `show` or `--sql` print any file the process can read).
pub const ALLOW_EXTERNAL_LINKS_VAR: &str = "SCHEMA_ALLOW_EXTERNAL_LINKS";

/// The migrations folder, canonical, that links must stay inside.
pub(crate) struct Root {
    canonical: Option<PathBuf>,
    allow_external: bool,
}

impl Root {
    fn of(dir: &Path) -> Root {
        Root {
            canonical: fs::canonicalize(dir).ok(),
            allow_external: std::env::var_os(ALLOW_EXTERNAL_LINKS_VAR)
                .is_some_and(|v| v == "1" || v == "true"),
        }
    }

    /// Refuses a link whose target is outside the migrations folder.
    fn check_link(&self, path: &Path) -> Result<(), MigrationError> {
        if self.allow_external {
            return Ok(());
        }
        let (Some(root), Ok(target)) = (&self.canonical, fs::canonicalize(path)) else {
            return Ok(());
        };
        if target.starts_with(root) {
            return Ok(());
        }
        Err(MigrationError::UnreadableFile {
            path: path.to_path_buf(),
            reason: format!(
                "it is a link to {}, outside the migrations folder; links that leave it are \
                 not followed (set {ALLOW_EXTERNAL_LINKS_VAR}=1 to allow them)",
                target.display()
            ),
        })
    }
}

/// The file's text (a UTF-8 byte order mark removed) and its stamp, taken
/// from the open file before reading. Only a regular file of at most
/// [`MAX_FILE_BYTES`] is read: a FIFO would block, a device never end.
fn read_text(path: &Path) -> Result<(String, Stamp), MigrationError> {
    let unreadable = |e: std::io::Error| MigrationError::UnreadableFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let refused = |reason: String| MigrationError::UnreadableFile {
        path: path.to_path_buf(),
        reason,
    };
    // Checked before opening: opening a FIFO for reading blocks.
    let meta = fs::metadata(path).map_err(unreadable)?;
    let regular = |meta: &fs::Metadata| {
        if !meta.is_file() {
            return Err(refused(
                "it is not a regular file (a FIFO, device or socket); only files are read".into(),
            ));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(refused(format!(
                "it is {} bytes, over the limit of {MAX_FILE_BYTES} bytes (1 GiB) for a migration file",
                meta.len()
            )));
        }
        Ok(())
    };
    regular(&meta)?;
    let file = fs::File::open(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    regular(&meta)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(refused(format!(
            "it grew over the limit of {MAX_FILE_BYTES} bytes (1 GiB) while being read"
        )));
    }
    let mut text = String::from_utf8(bytes).map_err(|_| MigrationError::NotUtf8 {
        path: path.to_path_buf(),
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok((text, Stamp::of(&meta)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_diesel() {
        assert_eq!(
            diesel_version("2024-01-31-120000_create_users").unwrap(),
            "20240131120000"
        );
        assert_eq!(
            diesel_version("2024-01-31-120000-000a_create_users").unwrap(),
            "20240131120000000a"
        );
        assert_eq!(
            diesel_version("20160107082941_create_posts").unwrap(),
            "20160107082941"
        );
        assert_eq!(
            diesel_version("00000000000000_diesel_initial_setup").unwrap(),
            "00000000000000"
        );
        // No underscore: the whole name is the version, as in diesel.
        assert_eq!(diesel_version("20240101").unwrap(), "20240101");
    }

    #[test]
    fn version_rejects_names_without_version() {
        assert!(diesel_version("create_users").is_err());
        assert!(diesel_version("_create_users").is_err());
        assert!(diesel_version("2024.01_x").is_err());
    }
}
