//! A snapshot of a migrations directory, so that a command run again on an
//! unchanged directory does not read every file again.
//!
//! Reading a directory of 1000 migrations is about 19 000 system calls (a
//! listing and three files per folder) plus parsing 1000 `metadata.toml`
//! and hashing 1000 `up.sql`; on a small virtual machine that is 25 ms,
//! more than everything else a no-op `current` does. The snapshot holds
//! what the load produced (the migrations, their checksums, the warnings)
//! and the stamp (device, inode, size, modification and change times) each
//! file and folder had before it was read. A later load stats the
//! directory, each folder and each file it read (four calls a folder,
//! each naming its path relative to the directory) and
//! uses the snapshot only when every stamp is the same: the load is a
//! function of those files, and the snapshot records the loader's version.
//! Any difference means a full read, exactly
//! [`MigrationSet::load`](super::MigrationSet::load), and a new snapshot.
//!
//! Why the stamps are enough (git's index makes the same argument):
//! - a file added, removed or renamed in a folder changes that folder's
//!   modification time, so a new `down.sql` or a stray `up.SQL` is seen;
//! - writing a file changes its change time (ctime), which no user call can
//!   set back, so an edit that keeps the size and restores the modification
//!   time is still seen; a file replaced by rename has a new inode;
//! - a change within the clock's granularity of the read could leave the
//!   stamp as it was: no snapshot is written when any stamp is less than
//!   [`FolderCache::racy_window`] (one second by default) older than the
//!   moment the load began, so such a directory is read in full until it
//!   has been still for that long.
//!
//! The snapshot is an optimisation only: a missing, unreadable, corrupt or
//! foreign snapshot means a full read, and failing to write one is silent.
//! Unix only (elsewhere there is no change time to trust; loads are full).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::error::{MigrationError, Warning};
use super::folder::{self, par_map, FolderContents};
use super::set::{Migration, MigrationSet};

/// Bumped whenever what the loader derives from a listing changes: a
/// snapshot written by another version of the loader is not trusted.
const FORMAT: &str = concat!("cargo-schema ", env!("CARGO_PKG_VERSION"), " snapshot 2");

/// The warnings a load can give; a snapshot naming another is stale.
const WARNING_KINDS: [&str; 3] = ["stray_file", "unexpected_file", "empty_up_sql"];

/// What a file or directory looked like: enough to tell that it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    #[cfg(unix)]
    pub(crate) fn of(meta: &fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// The same stamp from `statx`, as [`Stamp::of`] makes it from the
    /// `statx` behind [`fs::metadata`] (the device number put together as
    /// glibc's `makedev` does, as the standard library does).
    #[cfg(target_os = "linux")]
    fn of_statx(s: &rustix::fs::Statx) -> Self {
        Stamp {
            dev: rustix::fs::makedev(s.stx_dev_major, s.stx_dev_minor),
            ino: s.stx_ino,
            size: s.stx_size,
            mtime: (s.stx_mtime.tv_sec, i64::from(s.stx_mtime.tv_nsec)),
            ctime: (s.stx_ctime.tv_sec, i64::from(s.stx_ctime.tv_nsec)),
        }
    }

    /// Without a change time a stamp proves nothing: every stamp is "just
    /// changed", so no snapshot is ever written.
    #[cfg(not(unix))]
    pub(crate) fn of(_meta: &fs::Metadata) -> Self {
        Stamp {
            dev: 0,
            ino: 0,
            size: 0,
            mtime: (i64::MAX, 0),
            ctime: (i64::MAX, 0),
        }
    }

    /// Whether the file changed less than `window` before `now`, or after
    /// it (a clock set back).
    fn is_recent(&self, now: Duration, window: Duration) -> bool {
        [self.mtime, self.ctime].iter().any(|&(secs, nanos)| {
            let Ok(secs) = u64::try_from(secs) else {
                return true;
            };
            let at = Duration::new(secs, u32::try_from(nanos).unwrap_or(0));
            at + window > now
        })
    }
}

fn stamp_of(path: &Path) -> Option<Stamp> {
    fs::metadata(path).ok().map(|m| Stamp::of(&m))
}

/// A file of a migration folder that the loader reads. Recorded as this
/// rather than its name: a snapshot of 1000 folders then decodes without
/// 3000 small strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum FolderFile {
    /// `up.sql`
    Up,
    /// `down.sql`
    Down,
    /// `metadata.toml`
    Metadata,
}

impl FolderFile {
    /// The file's name in its folder.
    pub(crate) fn name(self) -> &'static str {
        match self {
            FolderFile::Up => "up.sql",
            FolderFile::Down => "down.sql",
            FolderFile::Metadata => "metadata.toml",
        }
    }
}

/// One folder as it was read: its stamp, and each file read with its stamp.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FolderRecord {
    /// The folder's name in the migrations directory.
    pub name: String,
    /// `None` when the folder could not be stat'ed: nothing is saved then.
    pub stamp: Option<Stamp>,
    /// The stamps of `up.sql`, `down.sql`, `metadata.toml` as read.
    pub files: Vec<(FolderFile, Stamp)>,
}

/// What a load saw, filled in by the loader as it reads.
#[derive(Debug, Default)]
pub(crate) struct Record {
    pub stamp: Option<Stamp>,
    pub folders: Vec<FolderRecord>,
    snapshot: Option<Snapshot>,
}

impl Record {
    /// Called by the loader when a load succeeded, with what it made of the
    /// folders recorded.
    pub(crate) fn capture(&mut self, set: &MigrationSet, warnings: &[Warning]) {
        let folders = std::mem::take(&mut self.folders);
        if folders.iter().any(|f| f.stamp.is_none()) {
            return;
        }
        let Some(stamp) = self.stamp else {
            return;
        };
        self.snapshot = Some(Snapshot {
            format: FORMAT.to_owned(),
            dir: PathBuf::new(),
            stamp,
            folders,
            migrations: set.migrations().to_vec(),
            warnings: warnings
                .iter()
                .map(|w| CachedWarning {
                    kind: w.kind.to_owned(),
                    path: w.path.clone(),
                    message: w.message.clone(),
                })
                .collect(),
        });
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Snapshot {
    format: String,
    dir: PathBuf,
    stamp: Stamp,
    folders: Vec<FolderRecord>,
    migrations: Vec<Migration>,
    warnings: Vec<CachedWarning>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CachedWarning {
    kind: String,
    path: PathBuf,
    message: String,
}

impl Snapshot {
    /// The load this snapshot stands for, if nothing it read has changed.
    fn replay(self, dir: &Path) -> Option<FolderContents> {
        if self.format != FORMAT || self.dir != dir || !self.unchanged(dir) {
            return None;
        }
        let mut warnings = Vec::with_capacity(self.warnings.len());
        for w in self.warnings {
            let kind = WARNING_KINDS.iter().find(|&&k| k == w.kind)?;
            warnings.push(Warning {
                kind,
                path: w.path,
                message: w.message,
            });
        }
        Some(FolderContents {
            set: MigrationSet::from_sorted(self.migrations),
            warnings,
        })
    }
}

impl Snapshot {
    /// Whether the directory, every folder and every file read still has
    /// the stamp it had: one `statx` each, named relative to the
    /// directory, which spares the kernel walking the directory's whole
    /// path again for each of them (that walk was half their cost).
    #[cfg(target_os = "linux")]
    fn unchanged(&self, dir: &Path) -> bool {
        use rustix::fs::{AtFlags, Mode, OFlags};
        // O_PATH: a handle to name paths from, which reads nothing; it
        // follows a symlinked directory as `fs::metadata` does.
        let Ok(top) = rustix::fs::open(
            dir,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ) else {
            return false;
        };
        let at = |path: &str, flags| {
            rustix::fs::statx(&top, path, flags, rustix::fs::StatxFlags::BASIC_STATS)
                .ok()
                .map(|s| Stamp::of_statx(&s))
        };
        match at("", AtFlags::EMPTY_PATH) {
            Some(stamp) if stamp == self.stamp => {}
            // Also when statx is refused (an old kernel, a seccomp filter):
            // the path-by-path check gives the answer then.
            Some(_) => return false,
            None => return self.unchanged_by_path(dir),
        }
        let unchanged = par_map(&self.folders, |f| {
            let mut path = String::with_capacity(f.name.len() + 16);
            path.push_str(&f.name);
            if at(&path, AtFlags::empty()) != f.stamp {
                return false;
            }
            path.push('/');
            let folder = path.len();
            f.files.iter().all(|(file, stamp)| {
                path.truncate(folder);
                path.push_str(file.name());
                at(&path, AtFlags::empty()) == Some(*stamp)
            })
        });
        !unchanged.contains(&false)
    }

    #[cfg(not(target_os = "linux"))]
    fn unchanged(&self, dir: &Path) -> bool {
        self.unchanged_by_path(dir)
    }

    fn unchanged_by_path(&self, dir: &Path) -> bool {
        if stamp_of(dir) != Some(self.stamp) {
            return false;
        }
        let unchanged = par_map(&self.folders, |f| {
            let path = dir.join(&f.name);
            stamp_of(&path) == f.stamp
                && f.files
                    .iter()
                    .all(|(file, stamp)| stamp_of(&path.join(file.name())) == Some(*stamp))
        });
        !unchanged.contains(&false)
    }
}

/// How a [`FolderCache::load`] went, for `-v` output and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse {
    /// Nothing had changed: the snapshot was used, no file was read.
    Hit,
    /// The directory was read in full; `written` tells whether a new
    /// snapshot was saved (not when the load failed, a file changed within
    /// the racy window, or the snapshot could not be written).
    Miss {
        /// Whether a snapshot was saved.
        written: bool,
    },
}

/// A snapshot file for one migrations directory.
///
/// ```no_run
/// # use schema_core::migrations::FolderCache;
/// # use std::path::Path;
/// let cache = FolderCache::new("/home/me/.cache/cargo-schema/3f2a.snapshot");
/// let (loaded, _how) = cache.load(Path::new("/work/app/migrations"));
/// let set = loaded.expect("a valid migrations folder").set;
/// ```
#[derive(Debug, Clone)]
pub struct FolderCache {
    file: PathBuf,
    racy_window: Duration,
}

impl FolderCache {
    /// A cache kept in `file` (its folder is created when first written).
    pub fn new(file: impl Into<PathBuf>) -> Self {
        FolderCache {
            file: file.into(),
            racy_window: Duration::from_secs(1),
        }
    }

    /// The snapshot of `dir` kept in `cache_dir`: one file per directory,
    /// named by a hash of its path.
    pub fn for_dir(cache_dir: &Path, dir: &Path) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(dir.as_os_str().as_encoded_bytes());
        let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Self::new(cache_dir.join(format!("{name}.snapshot")))
    }

    /// How long a file must have been unchanged before a snapshot of it is
    /// trusted (default one second, far above any file system's timestamp
    /// granularity).
    pub fn racy_window(mut self, window: Duration) -> Self {
        self.racy_window = window;
        self
    }

    /// Loads `dir`: from the snapshot when nothing changed since it was
    /// taken, else in full (saving a new snapshot when the load succeeds).
    /// The result is always what [`MigrationSet::load`] would give.
    pub fn load(&self, dir: &Path) -> (Result<FolderContents, Vec<MigrationError>>, CacheUse) {
        if let Some(loaded) = self.read().and_then(|s| s.replay(dir)) {
            return (Ok(loaded), CacheUse::Hit);
        }
        // Stamps are judged against the moment reading began, not the end:
        // a file changed while a long load was reading it, within the same
        // clock tick as the stamp taken, must not be saved as unchanged.
        let started = SystemTime::now().duration_since(UNIX_EPOCH).ok();
        let mut record = Record::default();
        let result = folder::load(dir, Some(&mut record));
        let written = match (&result, record.snapshot, started) {
            (Ok(_), Some(mut snapshot), Some(started)) if !self.is_racy(&snapshot, started) => {
                snapshot.dir = dir.to_path_buf();
                self.write(&snapshot).is_ok()
            }
            _ => false,
        };
        (result, CacheUse::Miss { written })
    }

    /// The snapshot file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    fn is_racy(&self, snapshot: &Snapshot, started: Duration) -> bool {
        let recent = |s: &Stamp| s.is_recent(started, self.racy_window);
        recent(&snapshot.stamp)
            || snapshot.folders.iter().any(|f| {
                f.stamp.as_ref().is_none_or(recent) || f.files.iter().any(|(_, s)| recent(s))
            })
    }

    fn read(&self) -> Option<Snapshot> {
        let bytes = fs::read(&self.file).ok()?;
        postcard::from_bytes(&bytes).ok()
    }

    /// Written to a temporary file and renamed, so a reader never sees half
    /// a snapshot; the folder is private (snapshots hold the SQL).
    fn write(&self, snapshot: &Snapshot) -> std::io::Result<()> {
        if let Some(parent) = self.file.parent() {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(parent)?;
        }
        let tmp = self
            .file
            .with_extension(format!("tmp{}", std::process::id()));
        let result = postcard::to_stdvec(snapshot)
            .map_err(std::io::Error::other)
            .and_then(|bytes| fs::write(&tmp, bytes))
            .and_then(|()| fs::rename(&tmp, &self.file));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}
