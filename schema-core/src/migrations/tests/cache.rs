//! The folder snapshot: a hit must give exactly what a full read gives, and
//! every kind of change must be seen.

use std::fs;
use std::path::Path;
use std::time::Duration;

use super::load::write;
use super::*;

/// Three folders, one with metadata.toml, one without down.sql, plus a
/// stray file and an unexpected file (two warnings).
fn project(root: &Path) {
    write(
        root,
        "2024-01-01-000000_users/up.sql",
        "CREATE TABLE users (id INT);\n",
    );
    write(
        root,
        "2024-01-01-000000_users/down.sql",
        "DROP TABLE users;\n",
    );
    write(root, "2024-01-01-000000_users/notes.sql", "-- scratch\n");
    write(
        root,
        "2024-01-02-000000_posts/up.sql",
        "CREATE TABLE posts (id INT);\n",
    );
    write(
        root,
        "2024-01-02-000000_posts/metadata.toml",
        "revision = \"ae1027a6acf1\"\ndown_revision = \"20240101000000\"\n",
    );
    write(
        root,
        "2024-01-03-000000_tags/up.sql",
        "CREATE TABLE tags (id INT);\n",
    );
    write(
        root,
        "2024-01-03-000000_tags/down.sql",
        "DROP TABLE tags;\n",
    );
    write(root, "stray.sql", "SELECT 1;\n");
}

/// A cache that trusts stamps at once; the tests wait out the clock's
/// granularity themselves before each change.
fn cache(dir: &Path) -> FolderCache {
    FolderCache::new(dir.join("cache/folder.snapshot")).racy_window(Duration::ZERO)
}

/// Longer than any file system's timestamp granularity, so that a change
/// made now gets a stamp different from the one taken before.
fn tick() {
    std::thread::sleep(Duration::from_millis(50));
}

fn load_ok(cache: &FolderCache, root: &Path) -> (FolderContents, CacheUse) {
    let (loaded, how) = cache.load(root);
    (loaded.unwrap_or_else(|e| panic!("{e:#?}")), how)
}

fn warning_kinds(loaded: &FolderContents) -> Vec<&'static str> {
    loaded.warnings.iter().map(|w| w.kind).collect()
}

#[test]
fn a_hit_gives_exactly_a_full_read() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("migrations");
    project(&root);
    let cache = cache(tmp.path());
    let full = MigrationSet::load(&root).unwrap();

    let (first, how) = load_ok(&cache, &root);
    assert_eq!(how, CacheUse::Miss { written: true });
    let (second, how) = load_ok(&cache, &root);
    assert_eq!(how, CacheUse::Hit);
    for loaded in [&first, &second] {
        assert_eq!(loaded, &full);
    }
    assert_eq!(
        warning_kinds(&second),
        ["unexpected_file", "stray_file"],
        "{:?}",
        second.warnings
    );
}

#[test]
fn an_edit_that_keeps_size_and_modification_time_is_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("migrations");
    project(&root);
    let cache = cache(tmp.path());
    load_ok(&cache, &root);
    assert_eq!(load_ok(&cache, &root).1, CacheUse::Hit);

    tick();
    let up = root.join("2024-01-01-000000_users/up.sql");
    let mtime = fs::metadata(&up).unwrap().modified().unwrap();
    let edited = "CREATE TABLE users (ID INT);\n";
    fs::write(&up, edited).unwrap();
    fs::File::options()
        .write(true)
        .open(&up)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(fs::metadata(&up).unwrap().modified().unwrap(), mtime);

    let (loaded, how) = load_ok(&cache, &root);
    assert_eq!(how, CacheUse::Miss { written: true });
    let users = &loaded.set.migrations()[0];
    assert_eq!(users.up_sql, edited);
    assert_eq!(users.checksum, Checksum::of_sql(edited));
    assert_eq!(load_ok(&cache, &root).1, CacheUse::Hit);
}

#[test]
fn files_and_folders_added_removed_or_renamed_are_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("migrations");
    project(&root);
    let cache = cache(tmp.path());
    load_ok(&cache, &root);

    // Each change, then what a load must show afterwards.
    type Change = (&'static str, fn(&Path), fn(&FolderContents));
    let changes: [Change; 6] = [
        (
            "a down.sql where there was none",
            |root| {
                write(
                    root,
                    "2024-01-02-000000_posts/down.sql",
                    "DROP TABLE posts;\n",
                )
            },
            |l| assert!(l.set.migrations()[1].down_sql.is_some()),
        ),
        (
            "a metadata.toml removed",
            |root| fs::remove_file(root.join("2024-01-02-000000_posts/metadata.toml")).unwrap(),
            |l| assert_eq!(l.set.migrations()[1].revision, "20240102000000"),
        ),
        (
            "a new folder",
            |root| {
                write(
                    root,
                    "2024-01-04-000000_likes/up.sql",
                    "CREATE TABLE likes (id INT);\n",
                )
            },
            |l| assert_eq!(l.set.migrations().len(), 4),
        ),
        (
            "a folder renamed",
            |root| {
                fs::rename(
                    root.join("2024-01-04-000000_likes"),
                    root.join("2024-01-05-000000_likes"),
                )
                .unwrap();
            },
            |l| assert_eq!(l.set.migrations()[3].version, "20240105000000"),
        ),
        (
            "a folder removed",
            |root| fs::remove_dir_all(root.join("2024-01-05-000000_likes")).unwrap(),
            |l| assert_eq!(l.set.migrations().len(), 3),
        ),
        (
            "the unexpected file removed",
            |root| fs::remove_file(root.join("2024-01-01-000000_users/notes.sql")).unwrap(),
            |l| assert_eq!(warning_kinds(l), ["stray_file"]),
        ),
    ];
    for (what, change, expect) in changes {
        tick();
        change(&root);
        let (loaded, how) = load_ok(&cache, &root);
        assert_eq!(how, CacheUse::Miss { written: true }, "{what}");
        assert_eq!(loaded, MigrationSet::load(&root).unwrap(), "{what}");
        expect(&loaded);
        let (again, how) = load_ok(&cache, &root);
        assert_eq!(how, CacheUse::Hit, "{what}");
        assert_eq!(again, loaded, "{what}");
    }
}

#[test]
fn files_changed_within_the_racy_window_are_not_saved() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("migrations");
    project(&root);
    // The default window: everything here was written just now.
    let cache = FolderCache::new(tmp.path().join("cache/folder.snapshot"));
    for _ in 0..2 {
        let (_, how) = load_ok(&cache, &root);
        assert_eq!(how, CacheUse::Miss { written: false });
    }
    assert!(!cache.file().exists());
}

#[test]
fn a_failed_load_is_not_saved_and_reports_what_a_full_read_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("migrations");
    project(&root);
    fs::remove_file(root.join("2024-01-03-000000_tags/up.sql")).unwrap();
    let cache = cache(tmp.path());
    let (result, how) = cache.load(&root);
    assert_eq!(how, CacheUse::Miss { written: false });
    assert_eq!(result.unwrap_err(), MigrationSet::load(&root).unwrap_err());
    assert!(!cache.file().exists());
}

#[test]
fn a_corrupt_or_foreign_snapshot_is_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    project(&a);
    project(&b);
    write(&b, "2024-01-09-000000_only_in_b/up.sql", "SELECT 9;\n");
    let cache = cache(tmp.path());

    load_ok(&cache, &a);
    // The same snapshot file asked for another folder: not used.
    let (loaded, how) = load_ok(&cache, &b);
    assert_eq!(how, CacheUse::Miss { written: true });
    assert_eq!(loaded.set.migrations().len(), 4);

    for garbage in [&b"not a snapshot"[..], b"", &[0xff; 64]] {
        fs::write(cache.file(), garbage).unwrap();
        let (loaded, how) = load_ok(&cache, &b);
        assert_eq!(how, CacheUse::Miss { written: true });
        assert_eq!(loaded, MigrationSet::load(&b).unwrap());
    }
}

#[test]
fn a_snapshot_that_cannot_be_written_is_silent() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("migrations");
    project(&root);
    write(tmp.path(), "a-file", "");
    let cache =
        FolderCache::new(tmp.path().join("a-file/sub/folder.snapshot")).racy_window(Duration::ZERO);
    let (loaded, how) = load_ok(&cache, &root);
    assert_eq!(how, CacheUse::Miss { written: false });
    assert_eq!(loaded, MigrationSet::load(&root).unwrap());
}

#[test]
fn snapshots_of_different_folders_have_different_files() {
    let cache_dir = Path::new("/cache");
    let a = FolderCache::for_dir(cache_dir, Path::new("/work/a/migrations"));
    let b = FolderCache::for_dir(cache_dir, Path::new("/work/b/migrations"));
    assert_ne!(a.file(), b.file());
    assert_eq!(a.file().parent(), Some(cache_dir));
}

/// Edits `file` in place, keeping its size and modification time, as an
/// editor that writes over a file can: only the change time moves.
fn edit_in_place(file: &Path, text: &str) {
    let mtime = fs::metadata(file).unwrap().modified().unwrap();
    assert_eq!(fs::metadata(file).unwrap().len(), text.len() as u64);
    fs::write(file, text).unwrap();
    fs::File::options()
        .write(true)
        .open(file)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

#[test]
fn a_hit_without_sql_is_a_full_read_but_for_the_sql() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("migrations");
    project(&root);
    let full = MigrationSet::load(&root).unwrap();
    let with = cache(tmp.path());
    let without = cache(tmp.path()).without_sql();

    // A miss reads everything, SQL included, whichever was asked for.
    let (first, how) = load_ok(&without, &root);
    assert_eq!(how, CacheUse::Miss { written: true });
    assert_eq!(first, full);
    assert!(first.set.has_sql());

    let (graph, how) = load_ok(&without, &root);
    assert_eq!(how, CacheUse::Hit);
    assert!(!graph.set.has_sql());
    assert_eq!(graph.warnings, full.warnings);
    assert_eq!(graph.set.len(), full.set.len());
    for (g, f) in graph.set.migrations().iter().zip(full.set.migrations()) {
        assert_eq!(g.up_sql, "");
        assert_eq!(g.down_sql.as_deref(), f.down_sql.as_ref().map(|_| ""));
        let sql_back = Migration {
            up_sql: f.up_sql.clone(),
            down_sql: f.down_sql.clone(),
            ..g.clone()
        };
        assert_eq!(&sql_back, f);
    }

    let (again, how) = load_ok(&with, &root);
    assert_eq!(how, CacheUse::Hit);
    assert_eq!(again, full);
    assert!(again.set.has_sql());
}

#[test]
fn a_down_sql_edited_in_place_is_seen_by_a_load_with_sql() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("migrations");
    project(&root);
    let with = cache(tmp.path());
    let without = cache(tmp.path()).without_sql();
    load_ok(&with, &root);

    tick();
    let down = root.join("2024-01-01-000000_users/down.sql");
    let edited = "DROP TABLE USERS;\n";
    edit_in_place(&down, edited);

    // Without SQL the text of down.sql is not used, so its stamp is not
    // checked: still a hit.
    assert_eq!(load_ok(&without, &root).1, CacheUse::Hit);
    // With SQL it is, and the new text is read.
    let (loaded, how) = load_ok(&with, &root);
    assert_eq!(how, CacheUse::Miss { written: true });
    assert_eq!(loaded.set.migrations()[0].down_sql.as_deref(), Some(edited));
    let (loaded, how) = load_ok(&with, &root);
    assert_eq!(how, CacheUse::Hit);
    assert_eq!(loaded.set.migrations()[0].down_sql.as_deref(), Some(edited));
}

#[test]
fn an_up_sql_edited_in_place_is_seen_without_sql_too() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("migrations");
    project(&root);
    let without = cache(tmp.path()).without_sql();
    load_ok(&without, &root);

    tick();
    let edited = "CREATE TABLE users (ID INT);\n";
    edit_in_place(&root.join("2024-01-01-000000_users/up.sql"), edited);
    // The checksum tells which applied revisions were edited: up.sql is
    // checked by every load.
    let (loaded, how) = load_ok(&without, &root);
    assert_eq!(how, CacheUse::Miss { written: true });
    assert_eq!(
        loaded.set.migrations()[0].checksum,
        Checksum::of_sql(edited)
    );
}

#[test]
fn an_sql_half_missing_corrupt_or_from_another_write_means_a_full_read() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    project(&a);
    project(&b);
    let with = cache(tmp.path());
    let without = cache(tmp.path()).without_sql();
    let sql_file = with.file().with_extension("sql");
    let full = MigrationSet::load(&a).unwrap();

    load_ok(&with, &a);
    assert!(sql_file.exists());
    for garbage in [&b"not a snapshot"[..], b"", &[0xff; 64]] {
        fs::write(&sql_file, garbage).unwrap();
        // The graph half alone still serves a load without SQL.
        assert_eq!(load_ok(&without, &a).1, CacheUse::Hit);
        let (loaded, how) = load_ok(&with, &a);
        assert_eq!(how, CacheUse::Miss { written: true });
        assert_eq!(loaded, full);
    }

    // The SQL half of another write (another folder's, same shape) beside
    // this graph half: the generations differ, so it is not used.
    load_ok(&with, &b);
    let b_sql = fs::read(&sql_file).unwrap();
    load_ok(&with, &a);
    fs::write(&sql_file, b_sql).unwrap();
    let (loaded, how) = load_ok(&with, &a);
    assert_eq!(how, CacheUse::Miss { written: true });
    assert_eq!(loaded, full);
    assert_eq!(load_ok(&with, &a).1, CacheUse::Hit);
}
