//! What `upgrade`, `downgrade` and `stamp` leave on a real terminal (tmux):
//! one line per revision that stays above the progress bar, the bar gone,
//! a closing summary; one line when there is nothing to do; nothing with
//! `-q`. Piped output is what the other tests of this folder check.

use std::io::Write as _;
use std::process::{Command, Stdio};

use super::{Backend, Ctx};
use crate::support::{bin, cache_dir};
use crate::terminal::{self, Screen, Session};

/// The environment a run at the terminal gets: the test's database, and
/// the test run's snapshot folder.
fn env(ctx: &Ctx) -> Vec<(&'static str, String)> {
    vec![
        ("PATH", std::env::var("PATH").unwrap_or_default()),
        ("HOME", std::env::var("HOME").unwrap_or_default()),
        ("CARGO_SCHEMA_CACHE_DIR", cache_dir().display().to_string()),
        ("DATABASE_URL", ctx.db.url().to_owned()),
    ]
}

/// The screen `cargo-schema -c schema.ini ARGS` leaves, exit code 0, with
/// each summary's time replaced by `[T]`.
fn at_terminal(ctx: &Ctx, args: &[&str]) -> Vec<String> {
    let mut all = vec!["-c", "schema.ini"];
    all.extend_from_slice(args);
    let Screen { lines, status } = terminal::run(&ctx.root(), &env(ctx), bin(), &all);
    assert_eq!(status, 0, "{args:?} at a terminal:\n{}", lines.join("\n"));
    lines.into_iter().map(|l| timeless(&l)).collect()
}

/// `... in 6.2 s` -> `... in [T]`: the one part of a summary that varies.
fn timeless(line: &str) -> String {
    match line.rsplit_once(" in ") {
        Some((head, tail))
            if tail.ends_with(" s")
                && tail[..tail.len() - 2]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.') =>
        {
            format!("{head} in [T]")
        }
        _ => line.to_owned(),
    }
}

fn terminal_run(backend: Backend) {
    if !terminal::available() {
        return;
    }
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    let chain = ctx.table_chain(60, "t");
    let v = |i: usize| chain[i].0.clone();
    let folder = |i: usize| format!("2024-01-01-{i:06}_t{i:03}");
    let last = v(59);

    // 60 revisions: the bar (from five on) is drawn and cleared; every
    // revision's line and the summary stay.
    let mut expected: Vec<String> = (0..60)
        .map(|i| {
            let parent = if i == 0 {
                "<base>".to_owned()
            } else {
                v(i - 1)
            };
            format!("     Applied {parent} -> {}, {}", v(i), folder(i))
        })
        .collect();
    expected.push(format!(
        "    Upgraded 60 revisions: <base> -> {last} (head) in [T]"
    ));
    assert_eq!(at_terminal(&ctx, &["upgrade"]), expected);
    assert_eq!(ctx.db.versions().len(), 60);

    assert_eq!(
        at_terminal(&ctx, &["upgrade"]),
        [format!(
            "Nothing to do: the database is already at {last} (head)."
        )]
    );

    assert_eq!(
        at_terminal(&ctx, &["downgrade", "-2"]),
        [
            format!("    Reverted {last} -> {}, {}", v(58), folder(59)),
            format!("    Reverted {} -> {}, {}", v(58), v(57), folder(58)),
            format!(
                "  Downgraded 2 revisions: {last} (head) -> {} in [T]",
                v(57)
            ),
        ]
    );
    assert!(!ctx.db.user_tables().contains(&"t059".to_owned()));

    // -q: the run happens, the screen stays empty.
    assert_eq!(at_terminal(&ctx, &["-q", "upgrade"]), Vec::<String>::new());
    assert_eq!(ctx.db.versions().len(), 60);
    assert!(ctx.db.user_tables().contains(&"t059".to_owned()));

    // stamp: bookkeeping only, children forgotten first.
    assert_eq!(
        at_terminal(&ctx, &["stamp", &v(57)]),
        [
            format!("      Forgot {last} ({})", folder(59)),
            format!("      Forgot {} ({})", v(58), folder(58)),
            format!(
                "   Unstamped 2 revisions: {last} (head) -> {} in [T]",
                v(57)
            ),
        ]
    );
    assert_eq!(ctx.db.versions().len(), 58);
    assert!(ctx.db.user_tables().contains(&"t059".to_owned()));
    assert_eq!(
        at_terminal(&ctx, &["stamp", "head"]),
        [
            format!("    Recorded {} ({})", v(58), folder(58)),
            format!("    Recorded {last} ({})", folder(59)),
            format!(
                "     Stamped 2 revisions: {} -> {last} (head) in [T]",
                v(57)
            ),
        ]
    );
    assert_eq!(
        at_terminal(&ctx, &["stamp", "head"]),
        [format!(
            "Nothing to do: the database is already at {last} (head)."
        )]
    );
    assert_eq!(ctx.db.versions().len(), 60);
}
on_backends!(terminal_run);

/// A run that fails at a terminal: the lines of what ran stay, the bar is
/// gone, the error follows, exit 1.
fn terminal_failure(backend: Backend) {
    if !terminal::available() {
        return;
    }
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    let chain = ctx.table_chain(6, "f");
    ctx.revision(
        "2024-01-01-000005_f005",
        "",
        "CREATE TABLE f005 (id INTEGER PRIMARY KEY;\n",
        "DROP TABLE f005;\n",
    );
    let Screen { lines, status } = terminal::run(
        &ctx.root(),
        &env(&ctx),
        bin(),
        &["-c", "schema.ini", "upgrade"],
    );
    assert_eq!(status, 1, "{lines:#?}");
    let applied: Vec<String> = (0..5)
        .map(|i| {
            let parent = if i == 0 {
                "<base>".to_owned()
            } else {
                chain[i - 1].0.clone()
            };
            format!(
                "     Applied {parent} -> {}, 2024-01-01-{i:06}_f{i:03}",
                chain[i].0
            )
        })
        .collect();
    assert_eq!(lines[..5], applied, "{lines:#?}");
    assert!(lines[5].starts_with("error: "), "{lines:#?}");
    assert!(
        lines.concat().contains("2024-01-01-000005_f005"),
        "{lines:#?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("Upgrading") || l.contains("Upgraded")),
        "{lines:#?}"
    );
}
on_backends!(terminal_failure);

#[test]
fn summary_times_are_recognised() {
    assert_eq!(
        timeless("    Upgraded 1 revision: a -> b in 12.3 s"),
        "    Upgraded 1 revision: a -> b in [T]"
    );
    assert_eq!(
        timeless("     Applied a -> b, in 2 seconds"),
        "     Applied a -> b, in 2 seconds"
    );
}

/// Mid-run, the bar sits below the lines of the revisions done so far: the
/// third revision waits on an advisory lock this test holds (PostgreSQL).
#[test]
fn the_bar_sits_below_the_lines_so_far() {
    if !terminal::available() {
        return;
    }
    let Some(ctx) = Ctx::new(Backend::Postgres, "") else {
        return;
    };
    let chain = ctx.table_chain(8, "b");
    const KEY: u32 = 715_017;
    ctx.revision(
        "2024-01-01-000002_b002",
        "",
        &format!(
            "SELECT pg_advisory_lock({KEY});\nSELECT pg_advisory_unlock({KEY});\nCREATE TABLE b002 (id INTEGER PRIMARY KEY);\n"
        ),
        "DROP TABLE b002;\n",
    );
    let mut holder = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", ctx.db.url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run psql");
    let mut sql = holder.stdin.take().expect("psql's stdin");
    writeln!(sql, "SELECT pg_advisory_lock({KEY});").expect("write to psql");
    let held = format!(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = {KEY} AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    );
    schema_test_support::wait_until(
        "psql to hold the advisory lock",
        schema_test_support::GENEROUS,
        || ctx.db.query(&held) == ["1"],
    );

    let session = Session::start(
        &ctx.root(),
        &env(&ctx),
        bin(),
        &["-c", "schema.ini", "upgrade"],
    );
    let v = |i: usize| chain[i].0.clone();
    let waiting = "2/8: 2024-01-01-000002_b002";
    let screen = session.wait_for(|s| s.last().is_some_and(|l| l.ends_with(waiting)));
    assert_eq!(
        screen[..2],
        [
            format!("     Applied <base> -> {}, 2024-01-01-000000_b000", v(0)),
            format!("     Applied {} -> {}, 2024-01-01-000001_b001", v(0), v(1)),
        ]
    );
    assert_eq!(screen.len(), 3, "{screen:#?}");
    assert!(screen[2].starts_with("   Upgrading [==="), "{screen:#?}");

    writeln!(sql, "SELECT pg_advisory_unlock({KEY});").expect("write to psql");
    drop(sql);
    let _ = holder.wait();
    let Screen { lines, status } = session.wait();
    assert_eq!(status, 0, "{lines:#?}");
    assert_eq!(lines.len(), 9, "{lines:#?}");
    assert!(lines[7].starts_with("     Applied"), "{lines:#?}");
    assert_eq!(
        timeless(&lines[8]),
        format!("    Upgraded 8 revisions: <base> -> {} (head) in [T]", v(7))
    );
}
