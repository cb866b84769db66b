//! How the commands write files into a project: whole or not at all (a
//! sibling temporary file, then a rename), never through a link that
//! leads out of the project, with the permissions the content calls for.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How [`write()`] treats what is already at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Fail if anything is there, a dangling symlink included (it would
    /// otherwise be followed to wherever it points).
    Refuse,
    /// Replace a regular file, keeping its permissions; follow a symlink
    /// and replace the file it points to, so the link stays a link.
    Replace,
}

/// Write `bytes` to `path` atomically. `mode` (Unix permission bits) is
/// what a new file gets; a replaced file keeps its own. The error names
/// the file.
pub fn write(path: &Path, bytes: &[u8], mode: Option<u32>, existing: Existing) -> io::Result<()> {
    let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let (target, keep) = match (fs::symlink_metadata(path), existing) {
        (Err(e), _) if e.kind() == io::ErrorKind::NotFound => (path.to_path_buf(), None),
        (Err(e), _) => return Err(named(e)),
        (Ok(_), Existing::Refuse) => {
            return Err(named(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "already exists (or is a link); left as it is",
            )))
        }
        (Ok(meta), Existing::Replace) if meta.file_type().is_symlink() => {
            let target = fs::canonicalize(path).map_err(named)?;
            let keep = fs::metadata(&target).ok().map(|m| m.permissions());
            (target, keep)
        }
        (Ok(meta), Existing::Replace) => (path.to_path_buf(), Some(meta.permissions())),
    };
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mut tmp = tempfile::Builder::new()
        .prefix(".cargo-schema-")
        .tempfile_in(&dir)
        .map_err(named)?;
    tmp.write_all(bytes).map_err(named)?;
    tmp.as_file().sync_all().map_err(named)?;
    if let Some(permissions) = keep {
        fs::set_permissions(tmp.path(), permissions).map_err(named)?;
    } else if let Some(mode) = mode {
        set_mode(tmp.path(), mode).map_err(named)?;
    }
    match existing {
        Existing::Refuse => tmp.persist_noclobber(&target),
        Existing::Replace => tmp.persist(&target),
    }
    .map_err(|e| named(e.error))?;
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}
