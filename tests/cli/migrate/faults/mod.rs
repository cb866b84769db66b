//! Fault injection on real databases (issue 30, item 2): the disk fills, the
//! file turns read-only, another process holds SQLite's write lock, the
//! server ends the session or restarts, and a TCP proxy between runner and
//! server drops or stalls the connection, and the lease holder is frozen
//! (SIGSTOP) at a drawn moment. Each case asserts what a user
//! sees: a non-zero exit with an error that names what happened, a database
//! at a revision boundary (every revision applied and recorded, or not at
//! all), and a next run that completes with nothing run twice.
//!
//! Where a fault point is drawn at random, the seed is fixed for CI
//! (`SCHEMA_TEST_FAULT_SEED`, default 30) and the number of cases small
//! (`SCHEMA_TEST_FAULT_CASES` runs more).

mod frozen;
mod proxy;
mod restart;
mod sqlite;

use std::collections::BTreeSet;
use std::process::{Child, Output};

use super::{Backend, Ctx, TestDb};

/// How many drawn cases each randomised family runs: a few in CI,
/// `SCHEMA_TEST_FAULT_CASES` for a longer campaign.
fn cases(default: usize) -> usize {
    std::env::var("SCHEMA_TEST_FAULT_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// splitmix64 from a fixed seed (`SCHEMA_TEST_FAULT_SEED` replays another),
/// salted per family so the families draw differently.
struct Rng(u64);

impl Rng {
    fn seeded(family: &str) -> Rng {
        let seed: u64 = std::env::var("SCHEMA_TEST_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(30);
        eprintln!("{family}: SCHEMA_TEST_FAULT_SEED={seed}");
        let salt = family
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        Rng(seed ^ salt)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n.max(1)
    }
}

/// Revision `i` of a logged chain: it creates `t{i}` and logs itself in
/// `run_log` (made by revision 0), after `body`, so a revision that ran
/// twice leaves two log rows (or fails on its table).
fn logged_chain(ctx: &Ctx, n: usize, body: impl Fn(usize) -> String) {
    for i in 0..n {
        let log = if i == 0 {
            "CREATE TABLE run_log (rev INTEGER NOT NULL);\nINSERT INTO run_log (rev) VALUES (0);"
                .to_owned()
        } else {
            format!("INSERT INTO run_log (rev) VALUES ({i});")
        };
        let up = format!("{}\nCREATE TABLE t{i} (id INTEGER);\n{log}\n", body(i));
        ctx.revision(
            &format!("2024-10-01-{i:06}_r{i}"),
            "",
            &up,
            &format!("DROP TABLE t{i};\n"),
        );
    }
}

/// The version of a logged chain's revision `i`.
fn version(i: usize) -> String {
    format!("20241001{i:06}")
}

/// The database holds a whole number of revisions of a logged chain of
/// `n`: the first `k` (a chain applies in order), each with its table, its
/// one log row and its bookkeeping in both tables, and nothing of the
/// others. Returns `k`.
#[track_caller]
fn assert_boundary(db: &TestDb, n: usize, context: &str) -> usize {
    let versions: Vec<String> = db.versions();
    let k = versions.len();
    let expected: Vec<String> = (0..k).map(version).collect();
    assert_eq!(
        versions, expected,
        "a prefix of the chain is recorded\n{context}"
    );
    let rows: Vec<String> = db
        .revision_rows()
        .iter()
        .map(|r| r.split('|').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(rows, versions, "both bookkeeping tables agree\n{context}");
    let tables: BTreeSet<String> = db.user_tables().into_iter().collect();
    for i in 0..n {
        assert_eq!(
            tables.contains(&format!("t{i}")),
            i < k,
            "t{i} exists exactly when revision {i} is recorded ({k} are)\n{context}"
        );
    }
    let log = if k == 0 {
        assert!(!tables.contains("run_log"), "{context}");
        Vec::new()
    } else {
        db.query("SELECT rev FROM run_log ORDER BY rev")
    };
    let once: Vec<String> = (0..k).map(|i| i.to_string()).collect();
    assert_eq!(log, once, "each recorded revision ran once\n{context}");
    k
}

/// Wait for `child` to end by itself: every fault must end the run (no
/// hang); the bound is generous and the run is killed if it passes.
#[track_caller]
fn finish_within(mut child: Child, what: &str) -> (Option<i32>, String) {
    let mut done = false;
    let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        schema_test_support::wait_until(what, schema_test_support::GENEROUS, || {
            done = child.try_wait().expect("poll the runner").is_some();
            done
        });
    }));
    if waited.is_err() {
        let _ = child.kill();
    }
    let Output { status, stderr, .. } = child.wait_with_output().expect("reap the runner");
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    assert!(waited.is_ok(), "{what}: the runner hung\n{stderr}");
    assert!(!stderr.contains("panicked"), "{what}: a panic\n{stderr}");
    (status.code(), stderr)
}

/// After a fault: the next run completes and the whole chain is applied
/// once.
#[track_caller]
fn next_run_completes(ctx: &Ctx, db: &TestDb, n: usize, url: &str) {
    let again = ctx.cmd(&["upgrade"]).env("DATABASE_URL", url).run();
    again.code(0);
    assert_eq!(assert_boundary(db, n, &again.stderr), n);
    ctx.cmd(&["check", "--no-drift"])
        .env("DATABASE_URL", url)
        .run()
        .code(0);
}

/// A pause a test can see in the server's session list while a runner is
/// inside revision `i`. It lasts what `fault_pause` holds (see
/// [`hold_pauses`]): long enough that the test injects its fault while the
/// runner is surely inside it, however loaded the machine, and nothing
/// once the fault is over.
fn pause_sql(backend: Backend, i: usize) -> String {
    match backend {
        Backend::Postgres => {
            format!("SELECT pg_sleep((SELECT s FROM fault_pause)), 'in_f{i}';")
        }
        _ => format!("DO SLEEP((SELECT s FROM fault_pause)), 'in_f{i}';"),
    }
}

/// Make the revisions' pauses last `seconds` (0 after the fault).
fn hold_pauses(db: &TestDb, seconds: u32) {
    db.exec("CREATE TABLE IF NOT EXISTS fault_pause (s INTEGER NOT NULL)");
    db.exec("DELETE FROM fault_pause");
    db.exec(&format!("INSERT INTO fault_pause (s) VALUES ({seconds})"));
}

/// A runner (other than the test's own session) on this test's database
/// (other tests pause and kill at once) is inside revision `i`'s
/// pause.
fn in_pause(db: &TestDb, backend: Backend, i: usize) -> bool {
    let sql = match backend {
        Backend::Postgres => format!(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%in\\_f{i}''%' \
             AND state = 'active' AND pid <> pg_backend_pid() \
             AND datname = current_database()"
        ),
        _ => format!(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
             WHERE INFO LIKE '%in\\_f{i}''%' AND ID <> CONNECTION_ID() AND DB = DATABASE()"
        ),
    };
    db.query(&sql) != ["0"]
}
