//! `--sql` against `upgrade`, differentially: the corpus of script_corpus.rs
//! is applied by `upgrade`/`downgrade` to one database, and by the
//! database's own client (`psql -X -v ON_ERROR_STOP=1 -f`, `mariadb` on
//! stdin, `sqlite3 -bail`) running the `--sql` script to another; the two
//! must then dump the same (`pg_dump`, `mariadb-dump`, `sqlite3 .dump`,
//! rows included) and hold the same bookkeeping rows, timestamps aside.
//!
//! The generated part has a fixed seed; `SCHEMA_TEST_SCRIPT_CASES=N` sets
//! how many revisions it adds (default 12), `SCHEMA_TEST_SCRIPT_SEED` the
//! seed, for longer runs.

use std::process::Command;

use super::script_corpus::{fixed, generated, Case, Rng};
use super::{Backend, Ctx, TestDb};
use crate::support::Outcome;
use schema_test_support::{server, ServerUrl};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} is not a number: {v}"))
        })
        .unwrap_or(default)
}

/// The revision id of the `i`-th case.
fn revision_id(i: usize) -> String {
    format!("d1ff{i:08}")
}

/// Write the cases as a chain of revisions; returns their ids.
fn write_cases(ctx: &Ctx, cases: &[Case]) -> Vec<String> {
    cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let id = revision_id(i);
            let mut metadata = format!("revision = \"{id}\"\n");
            if i > 0 {
                metadata.push_str(&format!("down_revision = \"{}\"\n", revision_id(i - 1)));
            }
            if !case.in_transaction {
                metadata.push_str("run_in_transaction = false\n");
            }
            ctx.revision(
                &format!("2024-07-01-{i:06}_{}", case.slug),
                &metadata,
                &case.up,
                &case.down,
            );
            id
        })
        .collect()
}

/// `cargo-schema ARGS --sql`, which must succeed.
fn script(ctx: &Ctx, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("--sql");
    let out: Outcome = ctx.run(&all);
    out.code(0);
    out.stdout
}

/// Run `script` with `db`'s own client; it must succeed.
fn run_with_client(ctx: &Ctx, db: &TestDb, name: &str, script: &str) {
    let path = ctx.root().join(name);
    std::fs::write(&path, script).expect("write the script");
    let output = db.run_script(&path);
    assert!(
        output.status.success(),
        "the {} client failed on {name}:\n{}\n--- script\n{script}",
        db.backend(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The database's dump: schema and rows, without the rows of the
/// bookkeeping tables (their timestamps differ), the database's name
/// replaced by `DB`.
fn dump(db: &TestDb) -> String {
    let url = db.url();
    let (mut command, name) = match db.backend() {
        Backend::Sqlite => {
            let path = url.strip_prefix("sqlite://").expect("a sqlite:// URL");
            let mut command = Command::new("sqlite3");
            command.arg(path).arg(".dump");
            (command, String::new())
        }
        Backend::Postgres => {
            let mut command = Command::new("pg_dump");
            command
                .args(["--no-owner", "--no-privileges", "--inserts", "-d"])
                .arg(url);
            (command, ServerUrl::parse(url).database)
        }
        Backend::Mysql => {
            let target = ServerUrl::parse(url);
            let admin = server(Backend::Mysql);
            let mut command = Command::new("mariadb-dump");
            command
                .args(["--protocol=TCP", "-h", &admin.host, "-P"])
                .arg(admin.port.to_string())
                .args(["-u", &admin.user])
                .args([
                    "--skip-comments",
                    "--skip-extended-insert",
                    "--skip-dump-date",
                    "--routines",
                    "--triggers",
                    "--events",
                    "--order-by-primary",
                ]);
            if !admin.password.is_empty() {
                command.arg(format!("--password={}", admin.password));
            }
            command.arg(&target.database);
            (command, target.database)
        }
    };
    let output = command.output().expect("run the dump tool");
    assert!(
        output.status.success(),
        "the dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("a UTF-8 dump");
    text.lines()
        .filter(|line| {
            let bookkeeping_row = ["INSERT INTO __", "INSERT INTO public.__", "INSERT INTO `__"]
                .iter()
                .any(|p| line.starts_with(p));
            // pg_dump's per-run random key.
            let restrict = line.starts_with("\\restrict") || line.starts_with("\\unrestrict");
            !bookkeeping_row && !restrict
        })
        .map(|line| {
            if name.is_empty() {
                line.to_owned()
            } else {
                line.replace(&name, "DB")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Both bookkeeping tables, timestamps aside.
fn bookkeeping(db: &TestDb) -> Vec<String> {
    let mut rows = db.versions();
    if db.tables().iter().any(|t| t == "__schema_revisions") {
        rows.extend(db.query(
            "SELECT version, revision, checksum, state FROM __schema_revisions ORDER BY version",
        ));
    }
    rows
}

#[track_caller]
fn assert_same(upgraded: &TestDb, scripted: &TestDb, when: &str) {
    let (a, b) = (dump(upgraded), dump(scripted));
    if a != b {
        let diff: Vec<String> = a
            .lines()
            .zip(b.lines())
            .filter(|(x, y)| x != y)
            .take(10)
            .map(|(x, y)| format!("  upgrade: {x}\n  script:  {y}"))
            .collect();
        panic!(
            "{when}: the databases differ\n{}\n--- upgrade's dump\n{a}\n--- the script's dump\n{b}",
            diff.join("\n")
        );
    }
    assert_eq!(
        bookkeeping(upgraded),
        bookkeeping(scripted),
        "{when}: bookkeeping"
    );
}

/// The corpus on `backend` in one transaction mode.
fn differential(backend: Backend, per_migration: bool) {
    let ini = if per_migration {
        "transaction_per_migration = true\n"
    } else {
        ""
    };
    let Some(ctx) = Ctx::new(backend, ini) else {
        return;
    };
    let other = ctx.root().join("scripted");
    std::fs::create_dir_all(&other).expect("a folder for the second database");
    let Some(scripted) = TestDb::create(backend, &other) else {
        return;
    };

    let mut cases = fixed(backend);
    let seed = env_number("SCHEMA_TEST_SCRIPT_SEED", 15);
    let mut rng = Rng::new(seed ^ u64::from(per_migration));
    let extra = env_number("SCHEMA_TEST_SCRIPT_CASES", 12) as usize;
    cases.extend((0..extra).map(|k| generated(backend, k, &mut rng)));
    let ids = write_cases(&ctx, &cases);
    let middle = ids[ids.len() / 2].as_str();
    let seed_note = format!("seed {seed}, {extra} generated");

    ctx.run(&["upgrade"]).code(0);
    let up = script(&ctx, &["upgrade", "head"]);
    run_with_client(&ctx, &scripted, "up.sql", &up);
    assert_same(&ctx.db, &scripted, &format!("upgrade head ({seed_note})"));

    ctx.run(&["downgrade", middle]).code(0);
    let down = script(&ctx, &["downgrade", middle]);
    run_with_client(&ctx, &scripted, "down-middle.sql", &down);
    assert_same(
        &ctx.db,
        &scripted,
        &format!("downgrade {middle} ({seed_note})"),
    );

    ctx.run(&["downgrade", "base"]).code(0);
    let down = script(&ctx, &["downgrade", &format!("{middle}:base")]);
    run_with_client(&ctx, &scripted, "down-base.sql", &down);
    assert_same(&ctx.db, &scripted, &format!("downgrade base ({seed_note})"));
    assert!(
        ctx.db.user_tables().is_empty(),
        "{:?}",
        ctx.db.user_tables()
    );
}

fn script_matches_upgrade(backend: Backend) {
    differential(backend, false);
}

/// MySQL/MariaDB has no transaction mode to choose: DDL commits anyway.
fn script_matches_upgrade_per_migration(backend: Backend) {
    differential(backend, true);
}

on_backends!(script_matches_upgrade);
on_backends!(script_matches_upgrade_per_migration: sqlite => Sqlite, postgres => Postgres);
