//! The snapshot of the migrations folder (CARGO_SCHEMA_CACHE_DIR) never
//! hides a change: an applied up.sql edited in place, with its size and
//! modification time kept, is still reported by `check` and `current`;
//! `--no-cache` reads everything and writes nothing.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{lines, Backend, Ctx};
use crate::support::Invocation;

const UP: &str = "CREATE TABLE members (id INTEGER PRIMARY KEY, name VARCHAR(100));\n";

/// Writes `text` over `file` and puts its modification time back, as an
/// editor that writes in place can: only the change time moves.
fn edit_in_place(file: &std::path::Path, text: &str) {
    let mtime = std::fs::metadata(file)
        .expect("stat")
        .modified()
        .expect("mtime");
    std::fs::write(file, text).expect("edit");
    std::fs::File::options()
        .write(true)
        .open(file)
        .and_then(|f| f.set_modified(mtime))
        .expect("restore mtime");
}

/// Every file and folder under `dir`, `dir` included.
fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut all = vec![dir.to_owned()];
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            all.extend(entries(&entry.expect("dir entry").path()));
        }
    }
    all
}

/// Stamps `file` as modified an hour from now (a clock set back): young
/// by any clock, so no run snapshots it, however late it starts.
fn stamp_in_future(file: &Path) {
    std::fs::File::options()
        .write(true)
        .open(file)
        .and_then(|f| f.set_modified(SystemTime::now() + Duration::from_secs(3600)))
        .expect("set mtime");
}

/// Waits until everything under `dir` last changed more than the racy
/// second ago, by the stamps the snapshot reads (mtime and the ctime only
/// the kernel sets), rather than sleeping a fixed time.
fn wait_past_racy_window(dir: &Path) {
    schema_test_support::wait_until(
        "the migrations folder's stamps to age past the racy second",
        schema_test_support::GENEROUS,
        || {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("clock after 1970");
            entries(dir).iter().all(|path| {
                let meta = std::fs::metadata(path).expect("stat");
                [
                    (meta.mtime(), meta.mtime_nsec()),
                    (meta.ctime(), meta.ctime_nsec()),
                ]
                .iter()
                .all(|&(secs, nanos)| {
                    let at = Duration::new(
                        u64::try_from(secs).unwrap_or(u64::MAX / 2),
                        u32::try_from(nanos).unwrap_or(0),
                    );
                    // A little above the window: the ctime comes
                    // from the kernel's coarse clock.
                    at + Duration::from_millis(1100) < now
                })
            })
        },
    );
}

/// `args` for `ctx`'s command, with its folder snapshots kept in `cache`.
fn cached(ctx: &Ctx, cache: &std::path::Path, args: &[&str]) -> Invocation {
    ctx.cmd(args).env(
        "CARGO_SCHEMA_CACHE_DIR",
        cache.to_str().expect("UTF-8 path"),
    )
}

#[test]
fn an_edit_behind_a_snapshot_is_still_seen() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    let cache = ctx.root().join("cache");
    let run = |args: &[&str]| cached(&ctx, &cache, args).run();
    ctx.revision("2024-03-01-000001_members", "", UP, "DROP TABLE members;\n");
    ctx.run(&["upgrade"]).code(0);

    // Files younger than a second are never snapshotted (their stamps
    // could still change within the clock's granularity), nor files
    // stamped in the future: the latter is what this run sees however
    // late it starts.
    let up = ctx
        .root()
        .join("migrations/2024-03-01-000001_members/up.sql");
    let written = std::fs::metadata(&up)
        .expect("stat")
        .modified()
        .expect("mtime");
    stamp_in_future(&up);
    let out = run(&["-vv", "heads"]);
    out.code(0);
    assert!(
        out.stderr.contains("read in full, no snapshot saved"),
        "{}",
        out.stderr
    );
    std::fs::File::options()
        .write(true)
        .open(&up)
        .and_then(|f| f.set_modified(written))
        .expect("restore mtime");
    wait_past_racy_window(&ctx.root().join("migrations"));
    assert!(run(&["-vv", "heads"])
        .stderr
        .contains("read in full, snapshot saved"));
    let out = run(&["-vv", "check"]);
    out.code(0);
    assert!(
        out.stderr.contains("unchanged, read from the snapshot"),
        "{}",
        out.stderr
    );

    // Same size, modification time put back: only the change time moved.
    edit_in_place(
        &ctx.root()
            .join("migrations/2024-03-01-000001_members/up.sql"),
        &UP.replace("100", "200"),
    );
    let out = run(&["check"]);
    out.code(3);
    assert_eq!(lines(&out.stdout).len(), 1, "{}", out.stdout);
    assert!(out.stdout.contains("edited"), "{}", out.stdout);
    // `current` reads the database while the folder loads, and compares
    // the same checksums.
    let out = run(&["current", "--format", "json"]);
    out.code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        json["edited"],
        serde_json::json!(["20240301000001"]),
        "{}",
        out.stdout
    );

    // --no-cache neither reads nor writes a snapshot.
    std::fs::remove_dir_all(&cache).expect("remove the cache");
    let out = run(&["--no-cache", "-vv", "check"]);
    out.code(3);
    assert!(!out.stderr.contains("note:"), "{}", out.stderr);
    assert!(!cache.exists());
}

#[test]
fn the_no_cache_variable_takes_the_values_the_readme_shows() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    let cache = ctx.root().join("cache");
    ctx.revision("2024-03-01-000001_members", "", UP, "DROP TABLE members;\n");
    // Past the racy second, so that a snapshot would be written.
    wait_past_racy_window(&ctx.root().join("migrations"));
    // `CARGO_SCHEMA_NO_CACHE=1` is how the README spells it; it was once
    // refused as "invalid value '1'".
    for value in ["1", "true", "yes"] {
        let out = cached(&ctx, &cache, &["heads"])
            .env("CARGO_SCHEMA_NO_CACHE", value)
            .run();
        out.code(0);
        assert!(!cache.exists(), "{value}: a snapshot was written");
    }
    // Without it (or with 0) the same run writes one.
    let out = cached(&ctx, &cache, &["heads"])
        .env("CARGO_SCHEMA_NO_CACHE", "0")
        .run();
    out.code(0);
    assert!(cache.exists(), "no snapshot without the variable");
}

#[test]
fn a_down_sql_edited_behind_a_graph_only_run_is_what_downgrade_runs() {
    let Some(ctx) = Ctx::new(Backend::Sqlite, "") else {
        return;
    };
    let cache = ctx.root().join("cache");
    let run = |args: &[&str]| cached(&ctx, &cache, args).run();
    let down = "DROP TABLE members;\n";
    ctx.revision("2024-03-01-000001_members", "", UP, down);
    ctx.run(&["upgrade"]).code(0);
    wait_past_racy_window(&ctx.root().join("migrations"));
    run(&["heads"]).code(0);
    let out = run(&["-vv", "current"]);
    out.code(0);
    assert!(
        out.stderr.contains("unchanged, read from the snapshot"),
        "{}",
        out.stderr
    );

    // The same size, the modification time put back: a graph-only run
    // (`current` uses no SQL) still takes the snapshot, and the SQL half,
    // which holds the old text, must not be what `downgrade` runs.
    let edited = "CREATE TABLE zz(i);\n";
    assert_eq!(edited.len(), down.len());
    edit_in_place(
        &ctx.root()
            .join("migrations/2024-03-01-000001_members/down.sql"),
        edited,
    );
    let out = run(&["-vv", "current"]);
    out.code(0);
    assert!(
        out.stderr.contains("unchanged, read from the snapshot"),
        "{}",
        out.stderr
    );

    let out = run(&["-vv", "downgrade", "base"]);
    out.code(0);
    assert!(out.stderr.contains("read in full"), "{}", out.stderr);
    assert_eq!(
        ctx.db
            .tables()
            .into_iter()
            .filter(|t| !t.starts_with("__"))
            .collect::<Vec<_>>(),
        ["members", "zz"]
    );
}
