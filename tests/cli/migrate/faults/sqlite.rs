//! SQLite under faults: the disk fills during a run (a small tmpfs, free
//! space drawn from the seed), the database's file system turns read-only,
//! and another process holds the write lock past the busy timeout.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use tempfile::TempDir;

use super::{assert_boundary, cases, finish_within, logged_chain, next_run_completes, Rng};
use crate::migrate::{Backend, Ctx, TestDb};
use crate::support::Piped;

/// A small tmpfs of its own, unmounted when dropped. Mounting needs root
/// (CI runs as root); elsewhere the tests say they are skipped.
struct Tmpfs {
    dir: TempDir,
}

impl Tmpfs {
    fn mount(kib: u64) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("a mount point");
        let mounted = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={kib}k,mode=0777"),
                "tmpfs",
            ])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("skipped: cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, mode: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(self.path())
            .status()
            .expect("run mount");
        assert!(status.success(), "remount {mode}");
    }

    /// Free bytes left.
    fn free(&self) -> u64 {
        let out = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(self.path())
            .output()
            .expect("run df");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .expect("df's figure")
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Each revision of the disk-full chain writes about 40 KiB.
fn forty_kib(i: usize) -> String {
    format!(
        "CREATE TABLE b{i} AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
         WHERE x < 40) SELECT x, randomblob(1000) AS b FROM c;"
    )
}

const DISK_CHAIN: usize = 10;

/// The disk fills in the middle of a run, at a point drawn from the seed
/// (the free space left), in one transaction per run or per revision.
#[test]
fn disk_full() {
    let mut rng = Rng::seeded("sqlite disk full");
    for case in 0..cases(2) {
        let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
            return;
        };
        let Some(fs) = Tmpfs::mount(2048) else {
            return;
        };
        let per_migration = rng.below(2) == 1;
        if per_migration {
            ctx.ini("transaction_per_migration = true\n");
        }
        logged_chain(&ctx, DISK_CHAIN, forty_kib);
        let db = TestDb::create(Backend::Sqlite, fs.path()).expect("a SQLite database");
        let url = db.url().to_owned();
        // Leave 24 to 280 KiB free: the run stops somewhere in the chain.
        let free = (24 + rng.below(256)) * 1024;
        let filler = fs.path().join("filler");
        std::fs::write(&filler, vec![0u8; (fs.free() - free) as usize]).expect("fill the disk");
        let context = format!("case {case}: {free} bytes free, per revision: {per_migration}");

        let out = ctx.cmd(&["upgrade"]).env("DATABASE_URL", &url).run();
        assert_eq!(out.code, Some(1), "{context}\n{}", out.stderr);
        assert!(
            out.stderr.contains("database or disk is full"),
            "the error says the disk is full\n{context}\n{}",
            out.stderr
        );
        let k = assert_boundary(&db, DISK_CHAIN, &format!("{context}\n{}", out.stderr));
        if !per_migration {
            assert_eq!(k, 0, "one transaction: nothing stays\n{context}");
        }
        eprintln!("{context}: stopped with {k} of {DISK_CHAIN} applied");

        std::fs::remove_file(&filler).expect("free the disk");
        next_run_completes(&ctx, &db, DISK_CHAIN, &url);
    }
}

/// The file system holding the database turns read-only between two runs:
/// the run fails before changing anything, saying why, and `current`
/// still reads the database.
#[test]
fn read_only_file_system() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    let Some(fs) = Tmpfs::mount(1024) else {
        return;
    };
    let db = TestDb::create(Backend::Sqlite, fs.path()).expect("a SQLite database");
    let url = db.url().to_owned();
    logged_chain(&ctx, 3, |_| String::new());
    ctx.cmd(&["upgrade"])
        .env("DATABASE_URL", &url)
        .run()
        .code(0);
    // Three more revisions wait while the file system is read-only.
    std::fs::remove_dir_all(ctx.root().join("migrations")).expect("clear the folder");
    logged_chain(&ctx, 6, |_| String::new());
    fs.remount("ro");

    let out = ctx.cmd(&["upgrade"]).env("DATABASE_URL", &url).run();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let said = out.stderr.to_lowercase();
    assert!(
        said.contains("readonly") || said.contains("read-only") || said.contains("read only"),
        "the error says the database is read-only\n{}",
        out.stderr
    );
    let current = ctx
        .cmd(&["current", "--format", "json"])
        .env("DATABASE_URL", &url)
        .run();
    current.code(0);
    assert_eq!(
        current.json()["applied"].as_array().map(Vec::len),
        Some(3),
        "{}",
        current.stdout
    );
    assert_eq!(assert_boundary(&db, 6, &out.stderr), 3);

    fs.remount("rw");
    next_run_completes(&ctx, &db, 6, &url);
}

/// Another process holds SQLite's write lock (an open `BEGIN IMMEDIATE`
/// in the `sqlite3` shell) past the runner's busy timeout.
#[test]
fn write_lock_held_by_another_process() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    let url = ctx.db.url().to_owned();
    logged_chain(&ctx, 2, |_| String::new());
    ctx.run(&["upgrade"]).code(0);
    std::fs::remove_dir_all(ctx.root().join("migrations")).expect("clear the folder");
    logged_chain(&ctx, 5, |_| String::new());

    let path = ctx.db.diesel_url().to_owned();
    let mut holder = Command::new("sqlite3")
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sqlite3");
    let mut input = holder.stdin.take().expect("sqlite3's input");
    input
        .write_all(b"BEGIN IMMEDIATE;\nINSERT INTO run_log (rev) VALUES (99);\n")
        .expect("send BEGIN IMMEDIATE");
    input.flush().expect("flush");
    schema_test_support::wait_until(
        "the other process to hold the write lock",
        schema_test_support::GENEROUS,
        || {
            !Command::new("sqlite3")
                .args([&path, "PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; ROLLBACK;"])
                .output()
                .expect("run sqlite3")
                .status
                .success()
        },
    );

    let runner = ctx
        .cmd(&["-x", "lock_timeout=1", "upgrade"])
        .spawn(Piped::Stderr);
    let (code, stderr) = finish_within(runner, "the runner waiting on the write lock");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("locked") || stderr.contains("lock"),
        "the error says the database is locked\n{stderr}"
    );
    assert_eq!(assert_boundary(&ctx.db, 5, &stderr), 2);

    // The other process ends without committing: its row goes with it.
    drop(input);
    holder.wait().expect("sqlite3 ends");
    next_run_completes(&ctx, &ctx.db, 5, &url);
}
