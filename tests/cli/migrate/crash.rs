//! Crash safety where DDL is transactional (PostgreSQL, SQLite): a long
//! upgrade killed with SIGKILL at pseudo-random moments leaves a database
//! whose bookkeeping matches its tables (in the default mode: all or
//! nothing), `current` reads it, and a re-run completes.
//!
//! The moment is chosen by progress (after the K-th `Running upgrade` line)
//! plus a pause of a few milliseconds; nothing asserts on time. The seed is
//! printed, and `SCHEMA_TEST_CRASH_SEED` replays it.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::time::Duration;

use super::{Backend, Ctx};
use crate::support::Piped;

const REVISIONS: usize = 300;
const KILLS: usize = 3;

/// splitmix64: enough to pick moments.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let seed = std::env::var("SCHEMA_TEST_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or_default()
            });
        eprintln!("crash seed: SCHEMA_TEST_CRASH_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

/// Start `upgrade`, let it report `steps` revisions, pause, SIGKILL it.
fn kill_during_upgrade(ctx: &Ctx, steps: u64, pause: Duration) {
    let mut child = ctx.cmd(&["upgrade"]).spawn(Piped::Stderr);
    let stderr = child.stderr.take().expect("piped stderr");
    let mut reported = BufReader::new(stderr).lines();
    for _ in 0..steps {
        if reported.next().is_none() {
            break;
        }
    }
    std::thread::sleep(pause);
    // SIGKILL on Unix; the run may already be over, which is fine.
    let _ = child.kill();
    child.wait().expect("reap the killed upgrade");
}

/// `current` works and agrees with the database, whose bookkeeping agrees
/// with its tables. Returns how many revisions are applied.
fn assert_consistent(ctx: &Ctx, chain: &[(String, String)], per_migration: bool) -> usize {
    let out = ctx.run(&["current", "--format", "json"]);
    out.code(0);
    let reported: BTreeSet<String> = out.json()["applied"]
        .as_array()
        .expect("applied")
        .iter()
        .map(|v| v.as_str().expect("a revision id").to_owned())
        .collect();
    let versions: BTreeSet<String> = ctx.db.versions().into_iter().collect();
    let rows: BTreeSet<String> = ctx
        .db
        .revision_rows()
        .iter()
        .map(|r| r.split('|').next().unwrap_or_default().to_owned())
        .collect();
    let tables: BTreeSet<String> = ctx.db.user_tables().into_iter().collect();
    let with_table: BTreeSet<String> = chain
        .iter()
        .filter(|(_, table)| tables.contains(table))
        .map(|(version, _)| version.clone())
        .collect();
    assert_eq!(tables.len(), with_table.len(), "only the chain's tables");
    assert_eq!(
        versions, with_table,
        "applied versions = revisions with a table"
    );
    assert_eq!(
        rows, versions,
        "__schema_revisions = __diesel_schema_migrations"
    );
    assert_eq!(
        reported, versions,
        "`current` reports what the database holds"
    );
    if !per_migration {
        assert!(
            versions.is_empty() || versions.len() == chain.len(),
            "one transaction: all or nothing, got {} of {}",
            versions.len(),
            chain.len()
        );
    }
    versions.len()
}

fn crash(backend: Backend, per_migration: bool) {
    let extra = if per_migration {
        "transaction_per_migration = true\n"
    } else {
        ""
    };
    let Some(ctx) = Ctx::new(backend, extra) else {
        return;
    };
    let chain = ctx.table_chain(REVISIONS, "k");
    let mut rng = Rng::seeded();
    let mut applied = 0;
    for _ in 0..KILLS {
        let remaining = (REVISIONS - applied) as u64;
        let steps = rng.below(remaining.max(1));
        let pause = Duration::from_millis(rng.below(15));
        kill_during_upgrade(&ctx, steps, pause);
        ctx.db.wait_for_other_sessions();
        applied = assert_consistent(&ctx, &chain, per_migration);
        eprintln!("killed after {steps} steps and {pause:?}: {applied} applied");
    }
    let out = ctx.run(&["upgrade"]);
    out.code(0);
    assert_eq!(assert_consistent(&ctx, &chain, per_migration), REVISIONS);
    ctx.run(&["check"]).code(0);
}

fn crash_in_one_transaction(backend: Backend) {
    crash(backend, false);
}

fn crash_per_migration(backend: Backend) {
    crash(backend, true);
}

on_backends!(crash_in_one_transaction: sqlite => Sqlite, postgres => Postgres);
on_backends!(crash_per_migration: sqlite => Sqlite, postgres => Postgres);
