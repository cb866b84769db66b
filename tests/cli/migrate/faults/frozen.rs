//! The lease holder frozen (SIGSTOP, as a VM pause or a long GC pause in an
//! app does) at a moment drawn from the seed, anywhere in a run of short
//! revisions: inside a statement, between two, between a revision and its
//! bookkeeping, just before a commit, or after the last one. A second
//! runner takes the expired lease over and finishes while the holder is
//! still frozen; the holder, resumed, commits nothing more. PostgreSQL and
//! MariaDB, one transaction per run and per revision.
//!
//! The holder is frozen as soon as it has reported the drawn revision on
//! its terminal; where in the run the freeze then lands depends on the
//! machine's load. Every moment must give the same outcome, so the
//! assertions do not depend on which one it was.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;

use super::{assert_boundary, cases, finish_within, logged_chain, Rng};
use crate::migrate::{Backend, Ctx};
use crate::support::Piped;

const CHAIN: usize = 12;

fn signal(pid: u32, signal: &str) -> bool {
    Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success())
}

/// A short pause in each revision, so that the run lasts long enough for
/// a freeze to land inside it.
fn short_pause(backend: Backend, _: usize) -> String {
    match backend {
        Backend::Postgres => "SELECT pg_sleep(0.1);".to_owned(),
        _ => "DO SLEEP(0.1);".to_owned(),
    }
}

/// What a runner writes to its stderr, read on a thread of its own, so the
/// test can wait for a line within a bound and still keep all of it.
struct Said {
    lines: mpsc::Receiver<String>,
    reader: JoinHandle<()>,
    text: String,
}

impl Said {
    fn of(child: &mut Child) -> Said {
        let stderr = child.stderr.take().expect("the runner's stderr is piped");
        let (tx, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Said {
            lines,
            reader,
            text: String::new(),
        }
    }

    /// Wait until a line ending with `end` comes; `false` when the runner
    /// ended first.
    fn until(&mut self, end: &str) -> bool {
        loop {
            match self.lines.recv_timeout(schema_test_support::GENEROUS) {
                Ok(line) => {
                    self.text.push_str(&line);
                    self.text.push('\n');
                    if line.ends_with(end) {
                        return true;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return false,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("the runner said nothing for a long time:\n{}", self.text)
                }
            }
        }
    }

    /// Everything it said, once it has ended.
    fn all(mut self) -> String {
        let _ = self.reader.join();
        self.text.extend(self.lines.try_iter().map(|l| l + "\n"));
        self.text
    }
}

fn frozen_case(backend: Backend, rng: &mut Rng, case: usize) {
    let per_migration = rng.below(2) == 1;
    // The revision whose report the freeze follows.
    let k = rng.below(CHAIN as u64) as usize;
    let mut extra = "lock = table\nlock_lease = 2\n".to_owned();
    if per_migration {
        extra.push_str("transaction_per_migration = true\n");
    }
    let Some(ctx) = Ctx::new(backend, &extra) else {
        return;
    };
    logged_chain(&ctx, CHAIN, |i| short_pause(backend, i));
    let context = format!(
        "case {case}: frozen once revision {k} was reported, per revision: {per_migration}"
    );

    let mut holder = ctx.cmd(&["upgrade"]).spawn(Piped::Stderr);
    let mut said = Said::of(&mut holder);
    let pid = holder.id();
    if !said.until(&format!("_r{k}")) || !signal(pid, "-STOP") {
        // The run ended before the drawn moment: nothing to freeze.
        let (code, _) = finish_within(holder, &context);
        let stderr = said.all();
        assert_eq!(code, Some(0), "{context}\n{stderr}");
        assert_eq!(assert_boundary(&ctx.db, CHAIN, &context), CHAIN);
        eprintln!("{context}: the run ended first");
        return;
    }

    let taker = ctx
        .cmd(&["-x", "lock_timeout=60", "upgrade"])
        .spawn(Piped::Stderr);
    let taken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        finish_within(taker, &format!("{context}: the second runner"))
    }));
    signal(pid, "-CONT");
    let (taker_code, taker_err) = match taken {
        Ok(done) => done,
        Err(panic) => {
            let _ = holder.kill();
            std::panic::resume_unwind(panic);
        }
    };
    let (holder_code, _) = finish_within(holder, &format!("{context}: the holder"));
    let holder_err = said.all();
    assert!(
        !holder_err.contains("panicked"),
        "{context}: a panic\n{holder_err}"
    );
    let both = format!("{context}\nholder: {holder_err}\nsecond runner: {taker_err}");
    if taker_code == Some(1) && backend == Backend::Mysql {
        left_partway(&ctx, &taker_err, &both);
    } else {
        assert_eq!(
            taker_code,
            Some(0),
            "the second runner finishes while the holder is frozen\n{both}"
        );
    }
    // Frozen after its last commit, the holder ends normally; anywhere
    // else it learns it lost the lease and stops.
    match holder_code {
        Some(0) => {}
        Some(1) => assert!(
            holder_err.contains("the migration lock's lease was lost"),
            "the holder names the lost lease\n{both}"
        ),
        other => panic!("the holder exited with {other:?}\n{both}"),
    }
    ctx.db.wait_for_other_sessions();
    if taker_code != Some(0) {
        // Repaired as the error says: the revision finished by hand and
        // stamped, then the rest run.
        ctx.run(&["upgrade"]).code(0);
    }
    assert_eq!(assert_boundary(&ctx.db, CHAIN, &both), CHAIN);
    assert_eq!(
        ctx.db.query("SELECT COUNT(*) FROM __schema_lock"),
        ["0"],
        "no lease is left\n{both}"
    );
    eprintln!("{context}: holder exit {holder_code:?}, second runner exit 0");
    ctx.run(&["check", "--no-drift"]).code(0);
}

/// MariaDB commits each DDL statement as it runs, so a holder frozen after
/// its revision's `CREATE TABLE` committed and before the revision's
/// bookkeeping leaves that revision half done (the window the guide names:
/// no lock or fence can take back a committed DDL statement). The second
/// runner then fails on it, names it, and records it failed, as for any
/// failed revision there; nothing ran twice. The test repairs it as the
/// error tells a user to (finish it by hand, `stamp` it).
fn left_partway(ctx: &Ctx, taker_err: &str, both: &str) {
    assert!(
        taker_err.contains("already exists") && taker_err.contains("The failure is recorded"),
        "the second runner fails only on the frozen holder's committed DDL\n{both}"
    );
    let rows = ctx.db.revision_rows();
    let failed = rows
        .iter()
        .find(|row| row.ends_with("|failed"))
        .unwrap_or_else(|| panic!("the failed revision is recorded\n{both}\nrows: {rows:?}"));
    let mut fields = failed.split('|');
    let version = fields.next().unwrap_or_default().to_owned();
    let revision = fields.next().unwrap_or_default().to_owned();
    let i: usize = version[8..].parse().expect("a chain version");
    if ctx
        .db
        .query(&format!("SELECT COUNT(*) FROM run_log WHERE rev = {i}"))
        == ["0"]
    {
        ctx.db
            .exec(&format!("INSERT INTO run_log (rev) VALUES ({i})"));
    }
    ctx.run(&["stamp", &revision]).code(0);
    eprintln!("{version} left partway by the frozen holder, repaired and stamped");
}

fn frozen_at_a_drawn_moment(backend: Backend) {
    let mut rng = Rng::seeded(&format!("frozen {backend}"));
    for case in 0..cases(2) {
        frozen_case(backend, &mut rng, case);
    }
}

on_backends!(frozen_at_a_drawn_moment: postgres => Postgres, mysql => Mysql);
