//! The blog app (its runner made by `embed!()`) under faults at start-up:
//! the disk fills, the file system is read-only, another process holds
//! SQLite's write lock past the app's busy timeout. Each time the app exits
//! with an error it prints (no panic), the database holds whole revisions
//! only, and the next start, once the fault is gone, brings it to head.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// The example's two revisions: diesel's version and the table each makes.
const REVISIONS: [(&str, &str); 2] = [
    ("202611220804010000", "authors"),
    ("202611220804010001", "posts"),
];

/// A small tmpfs of its own (needs root, as CI runs), unmounted when
/// dropped.
struct Tmpfs(TempDir);

impl Tmpfs {
    fn mount(kib: u64) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("a mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(Tmpfs(dir))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn remount(&self, mode: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(self.path())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "remount {mode}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

fn app(db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blog"))
        .env("BLOG_DB", db)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .expect("run the blog app")
}

fn sqlite(db: &Path, sql: &str) -> Vec<String> {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("run sqlite3");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The app failed cleanly: exit 1, an `error:` line, no panic.
#[track_caller]
fn failed(out: &Output, says: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        says.iter().any(|w| stderr.to_lowercase().contains(w)),
        "the error says what happened ({says:?}): {stderr}"
    );
    stderr
}

/// Whole revisions only: the first `k` recorded, each with its table, none
/// of the others. Returns `k`.
#[track_caller]
fn boundary(db: &Path, context: &str) -> usize {
    if !db.exists() || std::fs::metadata(db).map(|m| m.len()).unwrap_or(0) == 0 {
        return 0;
    }
    let tables = sqlite(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
    let versions = if tables.iter().any(|t| t == "__diesel_schema_migrations") {
        sqlite(
            db,
            "SELECT version FROM __diesel_schema_migrations ORDER BY version",
        )
    } else {
        Vec::new()
    };
    let k = versions.len();
    for (i, (version, table)) in REVISIONS.iter().enumerate() {
        assert_eq!(
            versions.get(i).map(String::as_str),
            (i < k).then_some(*version),
            "{context}"
        );
        assert_eq!(
            tables.iter().any(|t| t == table),
            i < k,
            "{table}: {context}"
        );
    }
    k
}

/// The next start brings the database to head and the app works.
#[track_caller]
fn recovers(db: &Path) {
    let out = app(db);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("ada: Notes on the Analytical Engine"));
    assert_eq!(boundary(db, &stderr), REVISIONS.len());
}

#[test]
fn disk_full_at_start_up() {
    // The free space left: none, one page, a few pages.
    for free_pages in [0u64, 1, 3, 6] {
        let Some(fs) = Tmpfs::mount(512) else {
            return;
        };
        let db: PathBuf = fs.path().join("blog.db");
        let filler = fs.path().join("filler");
        let stat = nix_free(fs.path());
        std::fs::write(
            &filler,
            vec![0u8; stat.saturating_sub(free_pages * 4096) as usize],
        )
        .expect("fill the disk");
        let out = app(&db);
        let context = format!("{free_pages} pages free");
        let stderr = failed(&out, &["full", "disk"]);
        let k = boundary(&db, &format!("{context}: {stderr}"));
        eprintln!("{context}: {k} of 2 applied; {}", stderr.trim());
        std::fs::remove_file(&filler).expect("free the disk");
        recovers(&db);
    }
}

/// Free bytes on the file system of `dir` (`df`).
fn nix_free(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(dir)
        .output()
        .expect("run df");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .expect("df's figure")
}

#[test]
fn read_only_file_system_at_start_up() {
    let Some(fs) = Tmpfs::mount(1024) else {
        return;
    };
    let db = fs.path().join("blog.db");
    // An existing database with nothing applied yet, then the file system
    // turns read-only.
    sqlite(&db, "CREATE TABLE keep (x INTEGER); DROP TABLE keep;");
    fs.remount("ro");
    let out = app(&db);
    failed(&out, &["readonly", "read-only", "read only"]);
    assert_eq!(boundary(&db, "read-only"), 0);
    fs.remount("rw");
    recovers(&db);
}

#[test]
fn write_lock_held_at_start_up() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = dir.path().join("blog.db");
    sqlite(&db, "CREATE TABLE other (x INTEGER);");
    let mut holder = Command::new("sqlite3")
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sqlite3");
    let mut input = holder.stdin.take().expect("sqlite3's input");
    input
        .write_all(b"BEGIN IMMEDIATE;\nINSERT INTO other VALUES (1);\n")
        .expect("send BEGIN IMMEDIATE");
    input.flush().expect("flush");
    let locked = || {
        !Command::new("sqlite3")
            .arg(&db)
            .arg("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; ROLLBACK;")
            .output()
            .expect("run sqlite3")
            .status
            .success()
    };
    let start = std::time::Instant::now();
    while !locked() {
        assert!(
            start.elapsed().as_secs() < 60,
            "sqlite3 never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The runner waits for SQLite's write lock as for another runner's,
    // up to lock_timeout (10 s in the blog's schema.ini), then gives up.
    let out = app(&db);
    failed(&out, &["lock"]);
    assert_eq!(boundary(&db, "locked"), 0);
    drop(input);
    holder.wait().expect("sqlite3 ends");
    recovers(&db);
}
