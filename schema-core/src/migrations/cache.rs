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
//! The snapshot is two files: the graph half (everything but the SQL) and
//! the SQL half beside it. A command that neither runs nor prints SQL
//! (`current`, `heads`, `history`; [`FolderCache::without_sql`]) reads the
//! graph half alone and checks no `down.sql`, whose text it does not use:
//! at 1000 revisions that is a quarter of the bytes and 1000 fewer `statx`,
//! the larger part of a no-op `current`'s own time. `up.sql` is still
//! checked, as its checksum tells which applied revisions were edited.
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
const FORMAT: &str = concat!("cargo-schema ", env!("CARGO_PKG_VERSION"), " snapshot 4");

/// The warnings a load can give; a snapshot naming another is stale.
const WARNING_KINDS: [&str; 4] = [
    "stray_file",
    "unexpected_file",
    "empty_up_sql",
    "empty_down_sql",
];

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
    snapshot: Option<(Snapshot, SqlSnapshot)>,
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
        let mut texts = Vec::with_capacity(set.len());
        let migrations = set
            .migrations()
            .iter()
            .map(|m| {
                let mut graph_only = m.clone();
                let up = std::mem::take(&mut graph_only.up_sql);
                let down = graph_only.down_sql.as_mut().map(std::mem::take);
                texts.push((up, down));
                graph_only
            })
            .collect();
        let sql = SqlSnapshot {
            format: FORMAT.to_owned(),
            generation: 0,
            texts,
        };
        let graph = Snapshot {
            format: FORMAT.to_owned(),
            dir: PathBuf::new(),
            stamp,
            folders,
            generation: 0,
            migrations,
            warnings: warnings
                .iter()
                .map(|w| CachedWarning {
                    kind: w.kind.to_owned(),
                    path: w.path.clone(),
                    message: w.message.clone(),
                })
                .collect(),
        };
        self.snapshot = Some((graph, sql));
    }
}

/// The graph half of a snapshot: everything a load gives but the SQL.
/// `current`, `heads` or `history` read only this (a quarter of the bytes
/// at 1000 revisions) and check no `down.sql`.
#[derive(Debug, Serialize, Deserialize)]
struct Snapshot {
    format: String,
    dir: PathBuf,
    stamp: Stamp,
    folders: Vec<FolderRecord>,
    /// Pairs this file with its [`SqlSnapshot`]: both are written with the
    /// same number, so a reader never joins halves of two writes.
    generation: u64,
    /// With `up_sql` and `down_sql` empty (a `down_sql` of `Some("")` says
    /// the folder has one).
    migrations: Vec<Migration>,
    warnings: Vec<CachedWarning>,
}

/// The SQL half of a snapshot, in a file of its own beside it, read only
/// by the commands that run or print SQL.
#[derive(Debug, Serialize, Deserialize)]
struct SqlSnapshot {
    format: String,
    generation: u64,
    /// Each migration's `up.sql` and `down.sql`, in the order of
    /// [`Snapshot::migrations`].
    texts: Vec<(String, Option<String>)>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CachedWarning {
    kind: String,
    path: PathBuf,
    message: String,
}

impl Snapshot {
    /// The load this snapshot stands for, if nothing it read has changed;
    /// with the SQL half in `sql_file` (read only once the stamps are found
    /// unchanged), else without the SQL.
    fn replay(mut self, dir: &Path, sql_file: Option<&Path>) -> Option<FolderContents> {
        if self.format != FORMAT || self.dir != dir || !self.unchanged(dir, sql_file.is_some()) {
            return None;
        }
        let set = match sql_file {
            None => MigrationSet::without_sql(self.migrations),
            Some(file) => {
                let sql: SqlSnapshot = read_half(file)?;
                if sql.format != FORMAT
                    || sql.generation != self.generation
                    || sql.texts.len() != self.migrations.len()
                {
                    return None;
                }
                for (m, (up, down)) in self.migrations.iter_mut().zip(sql.texts) {
                    if m.down_sql.is_some() != down.is_some() {
                        return None;
                    }
                    m.up_sql = up;
                    m.down_sql = down;
                }
                MigrationSet::from_sorted(self.migrations)
            }
        };
        let mut warnings = Vec::with_capacity(self.warnings.len());
        for w in self.warnings {
            let kind = WARNING_KINDS.iter().find(|&&k| k == w.kind)?;
            warnings.push(Warning {
                kind,
                path: w.path,
                message: w.message,
            });
        }
        Some(FolderContents { set, warnings })
    }
}

impl Snapshot {
    /// Whether the directory, every folder and every file read still has
    /// the stamp it had: one `statx` each, named relative to the
    /// directory, which spares the kernel walking the directory's whole
    /// path again for each of them (that walk was half their cost).
    ///
    /// On this thread, one after the other, and stopping at the first
    /// difference: split over threads they were no faster even alone
    /// (`heads`, measured), and `current` already opens the database on a
    /// second thread meanwhile, so more threads only fought it for the
    /// cores (a no-op `current` at 1000 revisions went from 1.50x to 1.44x
    /// of `sqlite3` without them).
    ///
    /// `down.sql` only `with_down`: its text is in the SQL half, which a
    /// load without SQL does not read, and whether a folder has one is
    /// the folder's own stamp.
    #[cfg(target_os = "linux")]
    fn unchanged(&self, dir: &Path, with_down: bool) -> bool {
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
            None => return self.unchanged_by_path(dir, with_down),
        }
        let mut path = String::with_capacity(64);
        self.folders.iter().all(|f| {
            path.clear();
            path.push_str(&f.name);
            if at(&path, AtFlags::empty()) != f.stamp {
                return false;
            }
            path.push('/');
            let folder = path.len();
            f.files
                .iter()
                .filter(|(file, _)| checked(*file, with_down))
                .all(|(file, stamp)| {
                    path.truncate(folder);
                    path.push_str(file.name());
                    at(&path, AtFlags::empty()) == Some(*stamp)
                })
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn unchanged(&self, dir: &Path, with_down: bool) -> bool {
        self.unchanged_by_path(dir, with_down)
    }

    fn unchanged_by_path(&self, dir: &Path, with_down: bool) -> bool {
        if stamp_of(dir) != Some(self.stamp) {
            return false;
        }
        let unchanged = par_map(&self.folders, |f| {
            let path = dir.join(&f.name);
            stamp_of(&path) == f.stamp
                && f.files
                    .iter()
                    .filter(|(file, _)| checked(*file, with_down))
                    .all(|(file, stamp)| stamp_of(&path.join(file.name())) == Some(*stamp))
        });
        !unchanged.contains(&false)
    }
}

/// One half of a snapshot, or nothing when it is missing or unreadable.
fn read_half<T: serde::de::DeserializeOwned>(file: &Path) -> Option<T> {
    let bytes = fs::read(file).ok()?;
    postcard::from_bytes(&bytes).ok()
}

/// Whether a load checks `file`'s stamp: `down.sql` only `with_down`.
fn checked(file: FolderFile, with_down: bool) -> bool {
    with_down || file != FolderFile::Down
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
    sql: bool,
}

impl FolderCache {
    /// A cache kept in `file` (its folder is created when first written),
    /// with the SQL kept beside it in `file` with the extension `sql`.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        FolderCache {
            file: file.into(),
            racy_window: Duration::from_secs(1),
            sql: true,
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

    /// A hit leaves the SQL out ([`MigrationSet::has_sql`] is false): for
    /// a command that neither runs nor prints SQL, such as `current`. It
    /// then reads a quarter of the bytes and checks no `down.sql` (3 001
    /// `statx` instead of 4 001 at 1000 revisions). A miss still reads the
    /// folder in full, SQL included.
    pub fn without_sql(mut self) -> Self {
        self.sql = false;
        self
    }

    /// Loads `dir`: from the snapshot when nothing changed since it was
    /// taken, else in full (saving a new snapshot when the load succeeds).
    /// The result is always what [`MigrationSet::load`] would give, but
    /// for the SQL [`FolderCache::without_sql`] leaves out.
    pub fn load(&self, dir: &Path) -> (Result<FolderContents, Vec<MigrationError>>, CacheUse) {
        let sql_file = self.sql.then(|| self.sql_file());
        let snapshot: Option<Snapshot> = read_half(&self.file);
        if let Some(loaded) = snapshot.and_then(|s| s.replay(dir, sql_file.as_deref())) {
            return (Ok(loaded), CacheUse::Hit);
        }
        // Stamps are judged against the moment reading began, not the end:
        // a file changed while a long load was reading it, within the same
        // clock tick as the stamp taken, must not be saved as unchanged.
        let started = SystemTime::now().duration_since(UNIX_EPOCH).ok();
        let mut record = Record::default();
        let result = folder::load(dir, Some(&mut record));
        let written = match (&result, record.snapshot, started) {
            (Ok(_), Some((mut graph, mut sql)), Some(started))
                if !self.is_racy(&graph, started) =>
            {
                graph.dir = dir.to_path_buf();
                // Any number two writes are unlikely to share will do: a
                // reader that finds two halves that disagree reads in full.
                let generation = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64)
                    ^ u64::from(std::process::id()).rotate_left(40);
                graph.generation = generation;
                sql.generation = generation;
                // The SQL first: a graph half is never newer than its SQL.
                self.write(&self.sql_file(), &sql).is_ok() && self.write(&self.file, &graph).is_ok()
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

    /// The file that holds the SQL half.
    fn sql_file(&self) -> PathBuf {
        self.file.with_extension("sql")
    }

    /// Written to a temporary file and renamed, so a reader never sees half
    /// a file; the folder is private (snapshots hold the SQL).
    fn write<T: Serialize>(&self, file: &Path, half: &T) -> std::io::Result<()> {
        if let Some(parent) = file.parent() {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(parent)?;
        }
        let mut tmp = file.as_os_str().to_owned();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let result = postcard::to_stdvec(half)
            .map_err(std::io::Error::other)
            .and_then(|bytes| fs::write(&tmp, bytes))
            .and_then(|()| fs::rename(&tmp, file));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}
