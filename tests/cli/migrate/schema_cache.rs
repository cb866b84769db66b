//! The replayed-schema cache (CARGO_SCHEMA_CACHE_DIR/schemas): a second
//! `lint` or `check` on an unchanged folder replays nothing (no scratch
//! database), and gives the same answer; an edited revision, a changed
//! setting or a corrupt entry means a replay, never a stale answer.

use std::path::{Path, PathBuf};

use super::{Backend, Ctx};
use crate::support::{Invocation, Outcome};

/// `args` for `ctx`'s command, its caches kept in `cache`.
fn cached(ctx: &Ctx, cache: &Path, args: &[&str]) -> Invocation {
    ctx.cmd(args).env(
        "CARGO_SCHEMA_CACHE_DIR",
        cache.to_str().expect("UTF-8 path"),
    )
}

/// R1 creates `users`, R2 `posts`; R3 indexes both (without
/// CONCURRENTLY: a finding on PostgreSQL, none elsewhere) and adds a
/// column to `users`.
fn project(backend: Backend) -> Option<Ctx> {
    let ctx = Ctx::new(backend, "")?;
    ctx.revision(
        "2024-08-01-000001_users",
        "",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\n",
        "DROP TABLE users;\n",
    );
    ctx.revision(
        "2024-08-01-000002_posts",
        "",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(50));\n",
        "DROP TABLE posts;\n",
    );
    ctx.revision(
        "2024-08-01-000003_index",
        "",
        "CREATE INDEX ix_users_name ON users (name);\n\
         CREATE INDEX ix_posts_title ON posts (title);\n\
         ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;\n",
        "SELECT 1;\n",
    );
    Some(ctx)
}

/// The entries' files.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let Ok(listing) = std::fs::read_dir(cache.join("schemas")) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = listing
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// `lint -vv` on the pending revisions, as JSON, and its stderr.
fn lint(ctx: &Ctx, cache: &Path) -> (Outcome, String) {
    let out = cached(ctx, cache, &["-vv", "lint", "--format", "json"]).run();
    let stderr = out.stderr.clone();
    (out, stderr)
}

const REPLAYED: &str = "replaying the revisions before each linted one";

/// Cold, the schema before each pending revision is replayed and saved;
/// warm, it is read back (no scratch database) and the findings are the
/// same; editing a pending revision replays what follows it.
fn warm_run_replays_nothing(backend: Backend) {
    let Some(ctx) = project(backend) else { return };
    let cache = ctx.root().join("cache");
    ctx.run(&["upgrade", "20240801000001"]).code(0);

    let (cold, stderr) = lint(&ctx, &cache);
    assert!(stderr.contains(REPLAYED), "{stderr}");
    assert!(
        stderr.contains("the schema before 0 of 2 linted revisions read from the cache"),
        "{stderr}"
    );
    assert_eq!(entries(&cache).len(), 2);

    let (warm, stderr) = lint(&ctx, &cache);
    assert!(!stderr.contains(REPLAYED), "{stderr}");
    assert!(
        stderr.contains("the schema before 2 of 2 linted revisions read from the cache"),
        "{stderr}"
    );
    assert_eq!(warm.code, cold.code);
    assert_eq!(warm.json(), cold.json());
    // R3 adds a NOT NULL column to a table that existed before it.
    let codes = |out: &Outcome| -> Vec<String> {
        out.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert!(
        codes(&warm).contains(&"adding-not-nullable-field".to_owned()),
        "{:#}",
        warm.json()
    );

    // R2 edited so that `posts` is created by R3's index no more: the
    // schema before R3 is another key, replayed, and the findings follow.
    ctx.revision(
        "2024-08-01-000002_posts",
        "",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(50));\n\
         CREATE TABLE users_new (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE users_new;\nDROP TABLE posts;\n",
    );
    let (edited, stderr) = lint(&ctx, &cache);
    assert!(stderr.contains(REPLAYED), "{stderr}");
    assert!(
        stderr.contains("the schema before 1 of 2 linted revisions read from the cache"),
        "{stderr}"
    );
    assert_eq!(edited.code, cold.code);
}

on_backends!(warm_run_replays_nothing);

/// A corrupt entry is a miss: the same findings as without a cache, and
/// the entry is written again.
#[test]
fn a_corrupt_entry_is_ignored() {
    let Some(ctx) = project(Backend::Sqlite) else {
        return;
    };
    let cache = ctx.root().join("cache");
    ctx.run(&["upgrade", "20240801000001"]).code(0);
    let (cold, _) = lint(&ctx, &cache);
    let files = entries(&cache);
    assert_eq!(files.len(), 2);
    // One truncated, one replaced by valid JSON of another shape, one
    // holding another key's schema.
    let text = std::fs::read_to_string(&files[0]).expect("entry");
    std::fs::write(&files[0], &text[..text.len() / 2]).expect("truncate");
    std::fs::write(&files[1], "{\"format\": 1}").expect("overwrite");
    let (out, stderr) = lint(&ctx, &cache);
    assert!(stderr.contains(REPLAYED), "{stderr}");
    assert!(
        stderr.contains("the schema before 0 of 2 linted revisions read from the cache"),
        "{stderr}"
    );
    assert_eq!(out.json(), cold.json());
    // Written again: the next run reads both.
    let (_, stderr) = lint(&ctx, &cache);
    assert!(
        stderr.contains("the schema before 2 of 2 linted revisions read from the cache"),
        "{stderr}"
    );

    // An entry moved under another key's name is not taken for it.
    let files = entries(&cache);
    std::fs::copy(&files[0], &files[1]).expect("copy");
    let (out, stderr) = lint(&ctx, &cache);
    assert!(
        stderr.contains("the schema before 1 of 2 linted revisions read from the cache"),
        "{stderr}"
    );
    assert_eq!(out.json(), cold.json());
}

/// A setting the replay runs with is part of the key, and `--no-cache`
/// neither reads nor writes entries.
#[test]
fn a_changed_setting_or_no_cache_replays() {
    let Some(ctx) = project(Backend::Sqlite) else {
        return;
    };
    let cache = ctx.root().join("cache");
    ctx.run(&["upgrade", "20240801000001"]).code(0);
    lint(&ctx, &cache);
    ctx.ini("transaction_per_migration = true\n");
    let (_, stderr) = lint(&ctx, &cache);
    assert!(
        stderr.contains("the schema before 0 of 2 linted revisions read from the cache"),
        "{stderr}"
    );
    let (_, stderr) = lint(&ctx, &cache);
    assert!(
        stderr.contains("the schema before 2 of 2 linted revisions read from the cache"),
        "{stderr}"
    );

    let other = ctx.root().join("other-cache");
    let out = cached(&ctx, &other, &["--no-cache", "-vv", "lint"]).run();
    assert!(out.stderr.contains(REPLAYED), "{}", out.stderr);
    assert!(!other.exists());
}

/// `check`'s drift check shares the cache: the applied revisions' schema
/// is what lint's first pending revision starts from, so a `lint` after a
/// `check` reads it, and a second `check` replays nothing at all.
fn check_shares_the_cache(backend: Backend) {
    let Some(ctx) = project(backend) else { return };
    let cache = ctx.root().join("cache");
    ctx.run(&["upgrade", "20240801000002"]).code(0);
    let first = cached(&ctx, &cache, &["-vv", "check", "--no-lint"]).run();
    first.code(3); // R3 is pending
    assert!(
        first
            .stderr
            .contains("the schema the applied revisions build not in the cache"),
        "{}",
        first.stderr
    );
    let (_, stderr) = lint(&ctx, &cache);
    assert!(
        stderr.contains("the schema before 1 of 1 linted revisions read from the cache"),
        "{stderr}"
    );
    let second = cached(&ctx, &cache, &["-vv", "check", "--no-lint"]).run();
    second.code(3);
    assert!(
        second
            .stderr
            .contains("the schema the applied revisions build read from the cache"),
        "{}",
        second.stderr
    );
    assert!(!second.stderr.contains("replaying"), "{}", second.stderr);
    assert_eq!(second.stdout, first.stdout);
    // With lint: R3's error, and still nothing replayed.
    let full = cached(&ctx, &cache, &["-vv", "check"]).run();
    full.code(3);
    assert!(!full.stderr.contains("replaying"), "{}", full.stderr);
    assert!(
        full.stdout.contains("error[adding-not-nullable-field]"),
        "{}",
        full.stdout
    );
}

on_backends!(check_shares_the_cache);
